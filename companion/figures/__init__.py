"""The book's figures: data plots, from NumPy arrays to Matplotlib figures (:mod:`.plots`),
architecture diagrams drawn by code (:mod:`.diagrams`), and the CJK font that lets them show
Chinese characters (:mod:`.fonts`)."""

"""The book's figures, from NumPy arrays to Matplotlib figures (:mod:`.plots`)."""

"""Trained models of the chapters and their training loops: small PyTorch classifiers
(:mod:`.classifier`), article 000's and 004's models in Keras (:mod:`.keras_models`) and
PyTorch (:mod:`.torch_models`), the Chinese sentiment classifier whose gates the book
traces (:mod:`.chinese_sentiment`), and the character-level language model in NumPy
(:mod:`.language_model`), Keras (:mod:`.keras_language_model`) and PyTorch
(:mod:`.torch_language_model`)."""

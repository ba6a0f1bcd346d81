"""Trained models of the chapters and their training loops: small PyTorch classifiers
(:mod:`.classifier`), article 000's and 004's models in Keras (:mod:`.keras_models`) and
PyTorch (:mod:`.torch_models`), and the Chinese sentiment classifiers whose gates the book
traces (:mod:`.chinese_sentiment`)."""

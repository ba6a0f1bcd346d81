"""Trained models of the chapters and their trainers: small PyTorch classifiers
(:mod:`.classifier`), article 000's and 004's models in Keras (:mod:`.keras_articles`) and
PyTorch (:mod:`.torch_articles`), the adding problem that separates an LSTM from an RNN
(:mod:`.adding`), the Chinese sentiment classifiers whose gates the book
traces (:mod:`.chinese_sentiment`), and the character-level language model in NumPy
(:mod:`.language_model`), Keras (:mod:`.keras_language_model`) and PyTorch
(:mod:`.torch_language_model`). Every PyTorch trainer runs the one training loop,
:func:`.training.fit`. :class:`History` is what both frameworks' ``train`` return."""

from __future__ import annotations

from typing import NamedTuple


class History(NamedTuple):
    """Losses per epoch: on the training data (the mean over its mini-batches, as Keras's
    ``fit`` reports it) and, where validation data was given, on that data after each epoch
    (empty otherwise)."""

    loss: list[float]
    validation_loss: list[float]

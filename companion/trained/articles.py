"""The models of the source articles, built twice: in Keras (:mod:`.keras_articles`) and in
PyTorch (:mod:`.torch_articles`), with the same parameter counts. This module names them, so
both backends key their builders by the same names."""

from __future__ import annotations

SENTIMENT_MODELS: tuple[str, ...] = (
    "single LSTM",
    "bidirectional LSTM",
    "stacked bidirectional LSTM",
)
"""Article 000's three sentiment models, in the order the article builds them."""

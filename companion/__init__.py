"""LSTM, Three Ways: the companion package of the book.

One LSTM, one weight layout (:class:`LSTMWeights`, Keras's), three backends with the same
functions, NumPy arrays in and out::

    from companion import LSTMWeights, numpy_lstm, keras_lstm, torch_lstm

    weights = LSTMWeights.random(input_size=3, hidden_size=4, seed=0)
    numpy_lstm.forward(x, weights)     # plain NumPy
    keras_lstm.forward(x, weights)     # keras.layers.LSTM
    torch_lstm.forward(x, weights)     # torch.nn.LSTM

``import companion`` imports NumPy only. The framework backends (``keras_lstm``,
``torch_lstm``) and ``crosscheck`` are imported on first use, so readers without TensorFlow
or PyTorch can still use the NumPy LSTM.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from companion import numpy_lstm
from companion.interface import LSTMOutput
from companion.weights import LSTMWeights

__all__ = [
    "LSTMOutput",
    "LSTMWeights",
    "crosscheck",
    "keras_lstm",
    "keras_models",
    "numpy_lstm",
    "torch_lstm",
    "torch_models",
]

_LAZY_MODULES = {"crosscheck", "keras_lstm", "keras_models", "torch_lstm", "torch_models"}


def __getattr__(name: str) -> ModuleType:
    """Import the framework backends only when first asked for (PEP 562)."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f"companion.{name}")
    raise AttributeError(f"module 'companion' has no attribute {name!r}")

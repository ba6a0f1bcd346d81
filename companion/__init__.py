"""LSTM, Three Ways: the companion package of the book.

One LSTM, one weight layout (:class:`LSTMWeights`, Keras's), three backends with the same
functions, NumPy arrays in and out::

    from companion import LSTMWeights, numpy_lstm, keras_lstm, torch_lstm

    weights = LSTMWeights.random(input_size=3, hidden_size=4, seed=0)
    numpy_lstm.forward(x, weights)     # plain NumPy
    keras_lstm.forward(x, weights)     # keras.layers.LSTM
    torch_lstm.forward(x, weights)     # torch.nn.LSTM
    numpy_lstm.gradients(x, weights, d_outputs)   # backpropagation through time, and the
    torch_lstm.gradients(x, weights, d_outputs)   # same gradients from the frameworks

The vanilla RNN the LSTM improves on comes the same way: :class:`RNNWeights` (Keras
``SimpleRNN`` layout) and ``numpy_rnn``, ``keras_rnn``, ``torch_rnn``, each with ``forward``
and ``gradients``.

``import companion`` imports NumPy only. The framework backends (``keras_lstm``,
``torch_lstm``) and ``crosscheck`` are imported on first use, so readers without TensorFlow
or PyTorch can still use the NumPy LSTM.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from companion import numpy_gru, numpy_lstm, numpy_rnn, numpy_variants, variants
from companion.gru import GRUOutput
from companion.interface import LSTMGradients, LSTMOutput, RNNGradients, RNNOutput
from companion.variants import VARIANTS, LSTMVariant, VariantWeights
from companion.weights import GRUWeights, LSTMWeights, RNNWeights

__all__ = [
    "VARIANTS",
    "GRUOutput",
    "GRUWeights",
    "LSTMGradients",
    "LSTMOutput",
    "LSTMVariant",
    "LSTMWeights",
    "RNNGradients",
    "RNNOutput",
    "RNNWeights",
    "VariantWeights",
    "agreement",
    "clipping",
    "crosscheck",
    "gradcheck",
    "gradient_flow",
    "keras_gru",
    "keras_lstm",
    "keras_models",
    "keras_rnn",
    "keras_stacked",
    "keras_variants",
    "numpy_gru",
    "numpy_lstm",
    "numpy_rnn",
    "numpy_stacked",
    "numpy_variants",
    "stacked",
    "torch_gru",
    "torch_lstm",
    "torch_models",
    "torch_rnn",
    "torch_stacked",
    "torch_variants",
    "variants",
]

_LAZY_MODULES = {
    "agreement",
    "clipping",
    "crosscheck",
    "gradcheck",
    "gradient_flow",
    "keras_gru",
    "keras_lstm",
    "keras_models",
    "keras_rnn",
    "keras_stacked",
    "keras_variants",
    "numpy_stacked",
    "stacked",
    "torch_chinese_sentiment",
    "torch_gru",
    "torch_lstm",
    "torch_models",
    "torch_rnn",
    "torch_stacked",
    "torch_variants",
}


def __getattr__(name: str) -> ModuleType:
    """Import the framework backends only when first asked for (PEP 562)."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f"companion.{name}")
    raise AttributeError(f"module 'companion' has no attribute {name!r}")

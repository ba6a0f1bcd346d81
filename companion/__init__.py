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

The layout, learned once:

- model ``X`` (``lstm``, ``gru``, ``rnn``, ``variants``, ``stacked``): ``companion.X`` says what
  it takes and returns (result types, state names, validation); ``numpy_X``, ``keras_X`` and
  ``torch_X`` compute it, each with ``forward`` and ``gradients``. The weights of every model
  are in :mod:`companion.weights`.
- :mod:`companion.registry` lists the models and backends, once;
  :mod:`companion.crosscheck` runs every backend on one case and gives one verdict;
  :mod:`companion.gradcheck` checks gradients against finite differences.
- The chapters' helpers, grouped by kind: :mod:`companion.data` (data sets and tasks),
  :mod:`companion.trained` (trained models and their training loops), :mod:`companion.analysis`
  (traces, gradient flow, clipping, Keras's arguments, benchmarks) and
  :mod:`companion.figures` (plots).

``import companion`` (and ``from companion import *``) imports NumPy only. The framework
backends (``keras_*``, ``torch_*``) and the subpackages are imported on first use, so readers
without TensorFlow or PyTorch can still use the NumPy LSTM.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from companion import (
    crosscheck,
    gradcheck,
    numpy_gru,
    numpy_lstm,
    numpy_rnn,
    numpy_stacked,
    numpy_variants,
    registry,
    stacked,
    variants,
)
from companion.gru import GRUGradients, GRUOutput
from companion.lstm import LSTMGradients, LSTMOutput
from companion.rnn import RNNGradients, RNNOutput
from companion.stacked import StackedGradients, StackedWeights
from companion.variants import VARIANTS, LSTMVariant, VariantGradients, VariantWeights
from companion.weights import GRUWeights, LSTMWeights, RNNWeights

__all__ = [
    "VARIANTS",
    "GRUGradients",
    "GRUOutput",
    "GRUWeights",
    "LSTMGradients",
    "LSTMOutput",
    "LSTMVariant",
    "LSTMWeights",
    "RNNGradients",
    "RNNOutput",
    "RNNWeights",
    "StackedGradients",
    "StackedWeights",
    "VariantGradients",
    "VariantWeights",
    "crosscheck",
    "gradcheck",
    "numpy_gru",
    "numpy_lstm",
    "numpy_rnn",
    "numpy_stacked",
    "numpy_variants",
    "registry",
    "stacked",
    "variants",
]

_LAZY_MODULES = {
    *(f"{framework}_{model}" for framework in ("keras", "torch") for model in registry.MODULES),
    "analysis",
    "data",
    "figures",
    "models",
}


def __getattr__(name: str) -> ModuleType:
    """Import the framework backends and the subpackages only when first asked for (PEP 562)."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f"companion.{name}")
    raise AttributeError(f"module 'companion' has no attribute {name!r}")

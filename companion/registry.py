"""The one registry of models: which models the companion has, how to draw their weights,
which modules compute them, and the backends and tolerances they are checked with.

:mod:`companion.crosscheck`, :mod:`companion.gradcheck` and the tests read it; nothing else
lists the models.

A model is registered in :data:`MODELS` under the name the crosscheck command takes
(``--model``). Each names its *module* ``m`` (``lstm``, ``rnn``, ``gru``, ``variants`` or
``stacked``): ``companion.m`` declares what it takes and returns (its ``SIGNATURE``) and
``companion.{b}_m`` computes it on backend ``b`` (:func:`backend_module`). Every LSTM variant
runs in the ``variants`` modules, its weights saying which variant; "stacked" is a two-layer
bidirectional LSTM. Every model's calls take the same arguments (initial state, mask,
``go_backwards``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from companion import _backends
from companion._checks import Signature
from companion.stacked import StackedWeights
from companion.variants import VARIANTS, VariantWeights
from companion.weights import GRUWeights, LSTMWeights, RNNWeights

__all__ = [
    "BACKENDS",
    "EVERY_BACKEND",
    "KERAS_BACKENDS",
    "MODELS",
    "MODULES",
    "TOLERANCES",
    "Model",
    "backend_module",
    "model_of",
    "signature",
]


BACKENDS = _backends.BACKENDS
"""Backend names; backend ``b`` of model ``m`` is the module ``companion.{b}_{m}``."""

KERAS_BACKENDS = _backends.KERAS_BACKENDS
"""Keras 3's backends; ``'keras[b]'`` names Keras on backend ``b``, run in its own process
(defined in ``companion._backends``, which the Keras tools import without this registry)."""

EVERY_BACKEND = _backends.EVERY_BACKEND
"""All five implementations: NumPy, Keras on each of its backends, and PyTorch."""

TOLERANCES = _backends.TOLERANCES
"""Largest absolute difference per element that still counts as agreement, per dtype."""


class Model(NamedTuple):
    """How to draw a model's weights (``random_weights(input_size, hidden_size, seed=,
    dtype=)``) and the module suffix of its code."""

    random_weights: Callable[..., Any]
    module: str


MODELS: dict[str, Model] = {
    "lstm": Model(LSTMWeights.random, "lstm"),
    "rnn": Model(RNNWeights.random, "rnn"),
    "gru": Model(GRUWeights.random, "gru"),
    **{
        f"variant-{name.lower()}": Model(
            functools.partial(VariantWeights.random, variant=variant), "variants"
        )
        for name, variant in VARIANTS.items()
    },
    "stacked": Model(
        functools.partial(StackedWeights.random, num_layers=2, bidirectional=True), "stacked"
    ),
}
"""The models, by the name the crosscheck command takes."""

MODULES: tuple[str, ...] = tuple(dict.fromkeys(model.module for model in MODELS.values()))
"""The model modules: ``companion.m`` for each, and ``companion.{b}_m`` for each backend."""


def _module_name(model: str) -> str:
    """The module suffix of ``model``, a name of :data:`MODELS` or of :data:`MODULES`."""
    if model in MODELS:
        return MODELS[model].module
    if model in MODULES:
        return model
    raise ValueError(f"model must be one of {sorted(MODELS)} or {MODULES}; got {model!r}")


def signature(model: str) -> Signature:
    """What ``model``'s calls take and return (its states, their shapes, its results)."""
    return importlib.import_module(f"companion.{_module_name(model)}").SIGNATURE


def backend_module(backend: str, model: str = "lstm") -> ModuleType:
    """The module that computes ``model`` (a name of :data:`MODELS` or :data:`MODULES`) on
    ``backend`` (one of :data:`BACKENDS`): ``companion.{backend}_{module}``."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}")
    return importlib.import_module(f"companion.{backend}_{_module_name(model)}")


def model_of(weights: Any) -> tuple[str, Signature]:
    """The module of the model whose weights ``weights`` are (one of :data:`MODULES`) and its
    :class:`~companion._checks.Signature`."""
    for module in MODULES:
        found = signature(module)
        if isinstance(weights, found.weights_type):
            return module, found
    raise TypeError(
        f"weights must be the weights of one of the models {MODULES}; "
        f"got {type(weights).__name__}"
    )

"""The names of the backends and the tolerances of their agreement: plain constants, imported
by the registry of models (:mod:`companion.registry`) and by the Keras tools, so that neither
imports the other."""

from __future__ import annotations

BACKENDS = ("numpy", "keras", "torch")
"""Backend names; backend ``b`` of model ``m`` is the module ``companion.{b}_{m}``."""

KERAS_BACKENDS = ("tensorflow", "jax", "torch")
"""Keras 3's backends; ``'keras[b]'`` names Keras on backend ``b``, run in its own process."""

EVERY_BACKEND = ("numpy", *(f"keras[{b}]" for b in KERAS_BACKENDS), "torch")
"""All five implementations: NumPy, Keras on each of its backends, and PyTorch."""

TOLERANCES = {"float64": 1e-12, "float32": 1e-5}
"""Largest absolute difference per element that still counts as agreement, per dtype."""

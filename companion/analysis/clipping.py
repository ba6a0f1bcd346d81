"""Gradient clipping: keep one exploding step from throwing the weights far away.

Two ways, as in Keras (``clipnorm``/``global_clipnorm``, ``clipvalue``) and PyTorch
(``clip_grad_norm_``, ``clip_grad_value_``):

- :func:`clip_by_global_norm` rescales all gradients together when the norm of all their
  entries, taken as one long vector, exceeds ``max_norm``. The direction of the update is
  kept; only its length shrinks.
- :func:`clip_by_value` clamps every entry to [-limit, limit] on its own. Cheap, but entries
  are cut by different factors, so the direction changes.

Both take a sequence of arrays (a list, a tuple, or a named tuple such as
:class:`companion.lstm.LSTMGradients`) and return the same kind of sequence, new arrays,
inputs untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

from companion import _numeric
from companion._checks import real_array

Gradients = TypeVar("Gradients", bound=Sequence[Any])
"""Any sequence of gradient arrays (list, tuple, named tuple); the clipping functions return
the same kind of sequence they were given."""


def global_norm(gradients: Sequence[Any]) -> float:
    """The Euclidean norm of all entries of all arrays, as if concatenated into one vector."""
    return _numeric.global_norm(_arrays(gradients))


def clip_by_global_norm(gradients: Gradients, max_norm: float) -> tuple[Gradients, float]:
    """Scale every array by ``min(1, max_norm / global_norm)``.

    Returns (clipped gradients of the same kind as ``gradients``, the global norm before
    clipping). Gradients whose norm is at most ``max_norm`` come back unchanged.
    """
    _positive("max_norm", max_norm)
    arrays = _arrays(gradients)
    norm = global_norm(arrays)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return _rebuild(gradients, [a * a.dtype.type(scale) for a in arrays]), norm


def clip_by_value(gradients: Gradients, limit: float) -> Gradients:
    """Clamp every entry to [-limit, limit]; returns gradients of the same kind."""
    _positive("limit", limit)
    return _rebuild(gradients, [np.clip(a, -limit, limit) for a in _arrays(gradients)])


def _arrays(gradients: Sequence[Any]) -> list[np.ndarray]:
    if isinstance(gradients, np.ndarray) or not isinstance(gradients, Sequence):
        raise TypeError(
            "gradients must be a sequence of arrays (a list, tuple or named tuple such as "
            f"LSTMGradients); got {type(gradients).__name__}"
        )
    return [real_array(f"gradients[{k}]", g) for k, g in enumerate(gradients)]


def _rebuild(gradients: Gradients, arrays: list[np.ndarray]) -> Gradients:
    if hasattr(gradients, "_fields"):  # a named tuple
        return type(gradients)(*arrays)
    return type(gradients)(arrays)


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    if not value > 0 or not np.isfinite(value):
        raise ValueError(f"{name} must be a positive finite number; got {value}")


def angle_degrees(a: Any, b: Any) -> float:
    """The angle between two gradients of the same shape, in degrees (0 = same direction)."""
    a, b = (real_array(name, v, np.float64).ravel() for name, v in (("a", a), ("b", b)))
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))

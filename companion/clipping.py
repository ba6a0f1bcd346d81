"""Gradient clipping, the usual remedy for exploding gradients, in its two forms.

* :func:`clip_by_norm` rescales the whole gradient when its norm exceeds ``max_norm``: the
  length changes, the direction does not (PyTorch's ``clip_grad_norm_``, Keras's
  ``clipnorm``).
* :func:`clip_by_value` cuts every component to [-limit, limit] on its own: large components
  shrink more than small ones, so the direction turns (Keras's ``clipvalue``).

A gradient here is one NumPy array of any shape (concatenate several to clip them jointly).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion._checks import real_array


def _positive(name: str, value: float) -> float:
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return float(value)


def clip_by_norm(gradient: Any, max_norm: float) -> np.ndarray:
    """``gradient`` scaled by max_norm / ||gradient|| when its Euclidean norm is above
    ``max_norm``; unchanged otherwise. Same shape as ``gradient``."""
    max_norm = _positive("max_norm", max_norm)
    gradient = real_array("gradient", gradient, np.float64)
    norm = float(np.linalg.norm(gradient))
    return gradient * (max_norm / norm) if norm > max_norm else gradient.copy()


def clip_by_value(gradient: Any, limit: float) -> np.ndarray:
    """Every component of ``gradient`` clipped to [-limit, limit]. Same shape."""
    limit = _positive("limit", limit)
    return np.clip(real_array("gradient", gradient, np.float64), -limit, limit)


def angle_degrees(a: Any, b: Any) -> float:
    """The angle between two gradients of the same shape, in degrees (0 = same direction)."""
    a, b = (real_array(name, v, np.float64).ravel() for name, v in (("a", a), ("b", b)))
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))

"""NumPy functions every model and check shares: the logistic function of the gates, the
largest difference between two results, and the global norm of gradients. No backend: the
NumPy backends, the checks and the chapters' helpers import them from here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from companion._checks import field_array


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), computed as (1 + tanh(z / 2)) / 2, which
    cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def global_norm(arrays: Iterable[np.ndarray]) -> float:
    """The Euclidean norm of all entries of all arrays, as if concatenated into one vector,
    summed in float64."""
    return float(np.sqrt(sum(np.sum(np.square(a, dtype=np.float64)) for a in arrays)))


def max_difference(a: Any, b: Any) -> float:
    """The largest absolute difference of any element of ``a`` and ``b``: two arrays, or two
    results (named tuples, lists) whose fields are compared in turn; a field holding a
    weights object counts as all its arrays. 0.0 for empty arrays."""
    if isinstance(a, np.ndarray) or not isinstance(a, Iterable) or hasattr(a, "arrays"):
        return float(np.max(np.abs(field_array(a) - field_array(b)), initial=0.0))
    return max(
        (max_difference(p, q) for p, q in zip(a, b, strict=True)), default=0.0
    )

"""Check a backward pass against central finite differences, in float64.

The loss is the one every ``gradients`` function differentiates,
``sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c)``. For every entry ``p`` of the
weights (kernel, recurrent_kernel, bias) and of the inputs (x, h0, c0),
:func:`finite_differences` evaluates

    (loss(p + step) - loss(p - step)) / (2 * step)

with the backend's ``forward``, one entry at a time, and :func:`gradcheck` compares that with
the backend's ``gradients``. Central differences are accurate to O(step^2) and cost two
forward passes per entry: keep the shapes small.

The error of one array is relative to the array's scale,
``max |analytic - numeric| / max(|numeric|)`` (absolute where the gradient is all zero):
a per-entry ratio would be noise for entries that are zero or nearly so.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from companion import numpy_lstm
from companion.lstm import LSTMGradients, prepare_gradients
from companion.weights import LSTMWeights

DEFAULT_STEP = 1e-5
"""Finite-difference step: truncation error ~ step^2, rounding error ~ 1e-16 / step."""


class GradcheckResult(NamedTuple):
    """The analytic and numeric gradients and, per field of LSTMGradients, their relative
    error."""

    analytic: LSTMGradients
    numeric: LSTMGradients
    errors: dict[str, float]

    @property
    def worst(self) -> tuple[str, float]:
        """The field with the largest relative error, and that error."""
        name = max(self.errors, key=self.errors.__getitem__)
        return name, self.errors[name]


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``max |analytic - numeric|`` divided by ``max |numeric|`` (by 1 if that is zero)."""
    scale = float(np.max(np.abs(numeric), initial=0.0)) or 1.0
    return float(np.max(np.abs(analytic - numeric), initial=0.0)) / scale


def finite_differences(
    x: Any,
    weights: LSTMWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
    step: float = DEFAULT_STEP,
    backend: ModuleType = numpy_lstm,
) -> LSTMGradients:
    """Central finite differences of the loss, over every entry of the weights and inputs.

    Arguments as for ``gradients``; the weights must be float64. ``backend`` is the module
    whose ``forward`` computes the loss (NumPy by default).
    Returns LSTMGradients(kernel, recurrent_kernel, bias, x, h0, c0) of numeric derivatives.
    """
    if weights.dtype != np.float64:
        raise TypeError(f"finite differences need float64 weights; got {weights.dtype}")
    if not step > 0:
        raise ValueError(f"step must be positive; got {step!r}")
    inputs, cotangents = prepare_gradients(x, weights, d_outputs, initial_state, mask, d_h, d_c)
    point = {
        "kernel": weights.kernel,
        "recurrent_kernel": weights.recurrent_kernel,
        "bias": weights.bias,
        "x": inputs.x,
        "h0": inputs.h0,
        "c0": inputs.c0,
    }
    point = {name: np.array(array) for name, array in point.items()}  # writable copies

    def loss() -> float:
        output = backend.forward(
            point["x"],
            LSTMWeights(point["kernel"], point["recurrent_kernel"], point["bias"]),
            (point["h0"], point["c0"]),
            mask=inputs.mask,
            go_backwards=go_backwards,
        )
        return float(
            np.sum(output.outputs * cotangents.d_outputs)
            + np.sum(output.h * cotangents.d_h)
            + np.sum(output.c * cotangents.d_c)
        )

    numeric = {}
    for name, array in point.items():
        derivative = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + step
            above = loss()
            array[index] = original - step
            below = loss()
            array[index] = original
            derivative[index] = (above - below) / (2 * step)
        numeric[name] = derivative
    return LSTMGradients(**numeric)


def gradcheck(
    x: Any,
    weights: LSTMWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
    step: float = DEFAULT_STEP,
    backend: ModuleType = numpy_lstm,
) -> GradcheckResult:
    """Compare ``backend.gradients`` with :func:`finite_differences` of ``backend.forward``.

    Arguments as for ``gradients`` (float64 weights). Returns the two gradients and the
    relative error of every field; ``result.worst`` names the largest.
    """
    numeric = finite_differences(
        x,
        weights,
        d_outputs,
        initial_state,
        d_h=d_h,
        d_c=d_c,
        mask=mask,
        go_backwards=go_backwards,
        step=step,
        backend=backend,
    )
    analytic = backend.gradients(
        x,
        weights,
        d_outputs,
        initial_state,
        d_h=d_h,
        d_c=d_c,
        mask=mask,
        go_backwards=go_backwards,
    )
    errors = {
        name: relative_error(a, n)
        for name, a, n in zip(LSTMGradients._fields, analytic, numeric, strict=True)
    }
    return GradcheckResult(analytic, numeric, errors)

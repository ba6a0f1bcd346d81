"""Check a backward pass against central finite differences, in float64, for every model.

The loss is the one every ``gradients`` function differentiates,
``sum(outputs * d_outputs) + sum(h * d_h) + ...`` (one term per final state). For every
entry ``p`` of the weights (every array of ``weights.arrays()``) and of the inputs (x and the
initial states), :func:`finite_differences` evaluates

    (loss(p + step) - loss(p - step)) / (2 * step)

with the backend's ``forward``, one entry at a time, and :func:`gradcheck` compares that with
the backend's ``gradients``. Central differences are accurate to O(step^2) and cost two
forward passes per entry: keep the shapes small.

The model is the weights' (LSTMWeights: the LSTM, GRUWeights: the GRU, and so on, as
found by :func:`companion.registry.model_of`); the backend is its NumPy one unless another is
given.
The error of one array is relative to the array's scale,
``max |analytic - numeric| / max(|numeric|)`` (absolute where the gradient is all zero):
a per-entry ratio would be noise for entries that are zero or nearly so.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from companion._checks import field_array
from companion._numeric import max_difference
from companion.registry import backend_module, model_of

DEFAULT_STEP = 1e-5
"""Finite-difference step: truncation error ~ step^2, rounding error ~ 1e-16 / step."""


class GradcheckResult(NamedTuple):
    """The analytic and numeric gradients (the model's gradients type) and, per field, their
    relative error."""

    analytic: Any
    numeric: Any
    errors: dict[str, float]

    @property
    def worst(self) -> tuple[str, float]:
        """The field with the largest relative error, and that error."""
        name = max(self.errors, key=self.errors.__getitem__)
        return name, self.errors[name]


def relative_error(analytic: Any, numeric: Any) -> float:
    """``max |analytic - numeric|`` divided by ``max |numeric|`` (by 1 if that is zero); a
    weights object of gradients (StackedGradients.weights) counts as all its arrays."""
    scale = float(np.max(np.abs(field_array(numeric)), initial=0.0)) or 1.0
    return max_difference(analytic, numeric) / scale


def finite_differences(
    x: Any,
    weights: Any,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    step: float = DEFAULT_STEP,
    backend: ModuleType | None = None,
    **d_states: Any,
) -> Any:
    """Central finite differences of the loss, over every entry of the weights and inputs.

    Arguments as for the model's ``gradients`` (``d_states``: d_h, and d_c for a model with
    a cell state); the weights must be float64. ``backend`` is the module whose ``forward``
    computes the loss (None: the model's NumPy backend).
    Returns the model's gradients type (for the LSTM, LSTMGradients(kernel,
    recurrent_kernel, bias, x, h0, c0)) of numeric derivatives.
    """
    model, signature = model_of(weights)
    if weights.dtype != np.float64:
        raise TypeError(f"finite differences need float64 weights; got {weights.dtype}")
    if not step > 0:
        raise ValueError(f"step must be positive; got {step!r}")
    backend = backend or backend_module("numpy", model)
    inputs = signature.inputs(x, weights, initial_state, mask, go_backwards)
    batch, time, _ = inputs.x.shape
    d_outputs, *seeds = signature.cotangents(weights, batch, time, d_outputs, **d_states)
    weight_arrays = [np.array(a) for a in weights.arrays()]  # writable copies
    x_array = np.array(inputs.x)
    state_arrays = [np.array(s) for s in signature.states(inputs)]

    def loss() -> float:
        output = backend.forward(
            x_array,
            weights.with_arrays(weight_arrays),
            tuple(state_arrays),
            mask=inputs.mask,
            go_backwards=go_backwards,
        )
        terms = [np.sum(output[0] * d_outputs)]
        terms += [np.sum(final * seed) for final, seed in zip(output[1:], seeds, strict=True)]
        return float(sum(terms))

    def derivative(array: np.ndarray) -> np.ndarray:
        result = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + step
            above = loss()
            array[index] = original - step
            below = loss()
            array[index] = original
            result[index] = (above - below) / (2 * step)
        return result

    return signature.gradients(
        weights,
        [derivative(a) for a in weight_arrays],
        derivative(x_array),
        [derivative(s) for s in state_arrays],
    )


def gradcheck(
    x: Any,
    weights: Any,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    step: float = DEFAULT_STEP,
    backend: ModuleType | None = None,
    **d_states: Any,
) -> GradcheckResult:
    """Compare ``backend.gradients`` with :func:`finite_differences` of ``backend.forward``.

    Arguments as for the model's ``gradients`` (float64 weights); ``backend`` None is the
    model's NumPy backend. Returns the two gradients and the relative error of every field;
    ``result.worst`` names the largest.
    """
    model, _ = model_of(weights)
    backend = backend or backend_module("numpy", model)
    options = {"mask": mask, "go_backwards": go_backwards}
    numeric = finite_differences(
        x, weights, d_outputs, initial_state, step=step, backend=backend, **options, **d_states
    )
    analytic = backend.gradients(x, weights, d_outputs, initial_state, **options, **d_states)
    errors = {
        name: relative_error(a, n)
        for name, a, n in zip(type(numeric)._fields, analytic, numeric, strict=True)
    }
    return GradcheckResult(analytic, numeric, errors)

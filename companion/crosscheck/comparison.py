"""Run backends on a :class:`~companion.crosscheck.cases.Case` and measure how far apart
their results are.

:func:`compare` reports, for each pair of backends and each output (for the LSTM:
``outputs``, ``h``, ``c``), the largest absolute difference of any element, against the
tolerance of the dtype (:data:`~companion.registry.TOLERANCES`).

:func:`compare_gradients` does the same for the backends of a model that have a
``gradients`` function: each is asked for the gradients of the loss
``sum(outputs * d_outputs) + sum(h * d_h) + ...`` with the same loss weights
(:meth:`~companion.crosscheck.cases.Case.cotangents`), and every gradient is compared
relative to its scale: the tolerance of a row is the dtype's tolerance times
``max(1, largest |entry|)`` of that gradient, since a gradient summed over many steps and
samples can be large.

:func:`summary` reduces all of that to one verdict per model and dtype (the agreement table of
the variants chapter), from the same comparisons and tolerances.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from companion._checks import field_array, float_dtype
from companion._numeric import max_difference
from companion.crosscheck.cases import Case, standard_cases
from companion.crosscheck.processes import keras_backend_of, keras_process
from companion.registry import BACKENDS, TOLERANCES, backend_module


def run(backend: str, case: Case, dtype: Any) -> tuple[np.ndarray, ...]:
    """Run one backend (``'numpy'``, ``'keras'``, ``'torch'`` or ``'keras[b]'``) on ``case``;
    return its output named tuple (for the LSTM, ``LSTMOutput``)."""
    keras_backend = keras_backend_of(backend)
    if keras_backend is not None:
        return keras_process(keras_backend).submit(run, "keras", case, dtype).result()
    module = backend_module(backend, case.model)
    x, weights, initial_state, mask = case.inputs(dtype)
    return module.forward(x, weights, initial_state, mask=mask, go_backwards=case.go_backwards)


def run_gradients(backend: str, case: Case, dtype: Any) -> tuple[np.ndarray, ...]:
    """Ask one backend for the gradients on ``case``, with the loss weights of
    :meth:`~companion.crosscheck.cases.Case.cotangents`; return its gradients named tuple
    (for the LSTM, ``LSTMGradients``)."""
    keras_backend = keras_backend_of(backend)
    if keras_backend is not None:
        return keras_process(keras_backend).submit(run_gradients, "keras", case, dtype).result()
    module = backend_module(backend, case.model)
    if not hasattr(module, "gradients"):
        raise ValueError(f"{module.__name__} has no gradients function")
    x, weights, initial_state, mask = case.inputs(dtype)
    d_outputs, d_states = case.cotangents(dtype)
    return module.gradients(
        x,
        weights,
        d_outputs,
        initial_state,
        mask=mask,
        go_backwards=case.go_backwards,
        **d_states,
    )


def gradient_backends(model: str = "lstm", backends: Sequence[str] = BACKENDS) -> list[str]:
    """Those of ``backends`` whose module for ``model`` has a ``gradients`` function."""
    return [b for b in backends if _has_gradients(b, model)]


def _has_gradients(backend: str, model: str) -> bool:
    keras_backend = keras_backend_of(backend)
    if keras_backend is not None:
        return keras_process(keras_backend).submit(_has_gradients, "keras", model).result()
    return hasattr(backend_module(backend, model), "gradients")


class Difference(NamedTuple):
    """The largest absolute difference between two backends on one output of one case."""

    case: str
    pair: str
    output: str
    max_abs_diff: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.max_abs_diff < self.tolerance


def compare(
    case: Case, dtype: Any = "float64", backends: Sequence[str] = BACKENDS
) -> list[Difference]:
    """Every pair of ``backends`` on every output of ``case``: a row per (pair, output)."""
    resolved = float_dtype(dtype)
    results = {backend: run(backend, case, resolved) for backend in backends}
    return _pairwise(case.name, results, TOLERANCES[str(resolved)])


def gradient_scale(*gradients: np.ndarray) -> float:
    """The scale gradient differences are measured against: ``max(1, largest |entry|)``."""
    return max(1.0, *(float(np.max(np.abs(g), initial=0.0)) for g in gradients))


def compare_gradients(
    case: Case, dtype: Any = "float64", backends: Sequence[str] | None = None
) -> list[Difference]:
    """Every pair of ``backends`` (default: those with ``gradients``) on every gradient of
    ``case``: a row per (pair, gradient), output named ``d <field>``.

    A row's tolerance is the dtype's tolerance times the gradient's scale,
    :func:`gradient_scale` of both backends' gradients.
    """
    resolved = float_dtype(dtype)
    if backends is None:
        backends = gradient_backends(case.model)
    results = {backend: run_gradients(backend, case, resolved) for backend in backends}
    return _pairwise(case.name, results, TOLERANCES[str(resolved)], gradients=True)


def _pairwise(
    case_name: str,
    results: dict[str, tuple[np.ndarray, ...]],
    tolerance: float,
    *,
    gradients: bool = False,
) -> list[Difference]:
    """A row per pair of backends and field of their named-tuple results; for gradients,
    fields are named ``d <field>`` and tolerances scaled by :func:`gradient_scale`."""
    rows = []
    for first, second in itertools.combinations(results, 2):
        for field in results[first]._fields:
            a = field_array(getattr(results[first], field))
            b = field_array(getattr(results[second], field))
            diff = max_difference(a, b)
            scale = gradient_scale(a, b) if gradients else 1.0
            output = f"d {field}" if gradients else field
            pair = f"{first} vs {second}"
            rows.append(Difference(case_name, pair, output, diff, tolerance * scale))
    return rows


class Summary(NamedTuple):
    """One model's verdict over every standard case: the worst difference from NumPy of any
    framework, forwards and (where every backend has them) backwards, and whether every
    comparison was within its tolerance. Gradient tolerances are scaled as in
    :func:`compare_gradients`, so this verdict and the crosscheck command's always agree."""

    model: str
    dtype: str
    forward: float
    gradients: float | None  # None: not every backend of the model has gradients
    tolerance: float
    ok: bool


def summary(
    model: str, dtype: Any = "float64", backends: Sequence[str] = BACKENDS, **shapes: int
) -> Summary:
    """:func:`compare` and :func:`compare_gradients` of ``backends`` on every one of
    :func:`~companion.crosscheck.cases.standard_cases` of ``model`` (``shapes``: batch, time,
    input_size, hidden_size, seed), reduced to the comparisons of NumPy against each
    framework."""
    resolved = str(float_dtype(dtype))
    cases = standard_cases(model, **shapes)
    forward = [row for case in cases for row in compare(case, resolved, backends)]
    backward = []
    if gradient_backends(model, backends) == list(backends):
        backward = [row for case in cases for row in compare_gradients(case, resolved, backends)]

    def from_numpy(rows: Sequence[Difference]) -> list[Difference]:
        return [row for row in rows if row.pair.startswith("numpy vs")]

    def worst(rows: Sequence[Difference]) -> float:
        return max(row.max_abs_diff for row in from_numpy(rows))

    ok = all(row.ok for row in from_numpy(forward + backward))
    gradients = worst(backward) if backward else None
    return Summary(model, resolved, worst(forward), gradients, TOLERANCES[resolved], ok)

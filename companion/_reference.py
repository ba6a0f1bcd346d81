"""Run a model's readable step functions over a sequence: the reference forward and backward
passes of ``numpy_lstm``, ``numpy_gru`` and ``numpy_rnn``.

Each of those modules writes one time step as a pair of functions, the names of its states
(``h``, or ``h, c``) spelled out::

    step_forward(x_t, *states, weights) -> (*next_states, cache)
    step_backward(*d_next_states, cache) -> (d_x_t, *d_states, *d_weights)

:func:`run_steps` and :func:`backprop_steps` hand them to the masked time loop every NumPy
model shares (``companion._scan``), after reversing time for ``go_backwards``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from companion._scan import scan, scan_backward

StepForward = Callable[..., tuple[Any, ...]]
StepBackward = Callable[..., tuple[np.ndarray, ...]]


def run_steps(
    step_forward: StepForward,
    weights: Any,
    x: np.ndarray,
    states: tuple[np.ndarray, ...],
    mask: np.ndarray | None,
    go_backwards: bool,
) -> tuple[np.ndarray, tuple[np.ndarray, ...], list[tuple]]:
    """``step_forward`` over x (batch, time, input_size) from ``states``, each (batch, hidden),
    with Keras's mask (batch, time) and ``go_backwards``.

    Returns (outputs (batch, time, hidden) in processing order, final states, one cache per
    step).
    """
    if go_backwards:
        x, mask = x[:, ::-1], None if mask is None else mask[:, ::-1]

    def step(x_t: np.ndarray, states: tuple[np.ndarray, ...]) -> tuple[tuple, tuple]:
        *next_states, cache = step_forward(x_t, *states, weights)
        return tuple(next_states), cache

    return scan(step, x, states, mask)


def backprop_steps(
    step_forward: StepForward,
    step_backward: StepBackward,
    weights: Any,
    x: np.ndarray,
    states: tuple[np.ndarray, ...],
    mask: np.ndarray | None,
    go_backwards: bool,
    d_outputs: np.ndarray,
    d_states: tuple[np.ndarray, ...],
) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    """The gradients of ``sum(outputs * d_outputs) + sum(final_state * d_state)`` over the
    states, for the run of :func:`run_steps` with the same arguments.

    d_outputs: (batch, time, hidden) in processing order; d_states: one (batch, hidden) array
    per state; weights: with ``kernel``, ``recurrent_kernel`` and ``bias``, in the order
    ``step_backward`` returns their gradients. Returns (d_weights in that order, d_x
    (batch, time, input_size) in the order of x, d_initial_states).
    """
    _, _, caches = run_steps(step_forward, weights, x, states, mask, go_backwards)
    if go_backwards:
        mask = None if mask is None else mask[:, ::-1]
    count = len(states)

    def step_backward_for_scan(cache: tuple, d_next_states: list[np.ndarray]) -> tuple:
        d_x_t, *rest = step_backward(*d_next_states, cache)
        return d_x_t, rest[:count], tuple(rest[count:])

    weight_shapes = [a.shape for a in (weights.kernel, weights.recurrent_kernel, weights.bias)]
    d_x, d_initial_states, d_weights = scan_backward(
        step_backward_for_scan, caches, d_outputs, d_states, mask, x.shape[2], weight_shapes
    )
    d_x = np.ascontiguousarray(d_x[:, ::-1] if go_backwards else d_x)
    return d_weights, d_x, d_initial_states

"""The time loop of a NumPy recurrent layer, forwards and backwards, with Keras's masking.

A recurrent cell is a pair of functions on one time step:

    step(x_t, states) -> (new_states, cache)
        x_t (batch, input_size); states a tuple of (batch, ...) arrays whose first entry is
        the output h; cache anything the backward step needs.
    step_backward(cache, d_new_states) -> (d_x_t, d_states, d_weights)
        the gradients of a scalar loss with respect to the step's input, its incoming states
        and (a tuple of arrays) the weights, given those with respect to its new states.

:func:`scan` runs the loop and :func:`scan_backward` runs it in reverse, so every NumPy model
(GRU, the LSTM variants) writes only its cell. Masking follows Keras: where ``mask[b, t]`` is
False the state stays as it was and the output repeats the previous output (zeros before the
first unmasked step).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Step = Callable[[np.ndarray, tuple[np.ndarray, ...]], tuple[tuple[np.ndarray, ...], Any]]
StepBackward = Callable[
    [Any, list[np.ndarray]], tuple[np.ndarray, list[np.ndarray], tuple[np.ndarray, ...]]
]


def scan(
    step: Step, x: np.ndarray, states: tuple[np.ndarray, ...], mask: np.ndarray | None
) -> tuple[np.ndarray, tuple[np.ndarray, ...], list[Any]]:
    """Run ``step`` over x (batch, time, input_size) from ``states``.

    Returns (outputs (batch, time, hidden), final states, one cache per step).
    """
    batch, time, _ = x.shape
    previous_output = np.zeros_like(states[0])
    outputs = np.zeros((batch, time, states[0].shape[1]), states[0].dtype)
    caches = []
    for t in range(time):
        new_states, cache = step(x[:, t], states)
        caches.append(cache)
        if mask is None:
            states = new_states
            outputs[:, t] = new_states[0]
        else:
            keep = mask[:, t, None]
            states = tuple(
                np.where(keep, new, old) for new, old in zip(new_states, states, strict=True)
            )
            outputs[:, t] = previous_output = np.where(keep, new_states[0], previous_output)
    return outputs, states, caches


def scan_backward(
    step_backward: StepBackward,
    caches: Sequence[Any],
    d_outputs: np.ndarray,
    d_states: Sequence[np.ndarray],
    mask: np.ndarray | None,
    input_size: int,
    weight_shapes: Sequence[tuple[int, ...]],
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """The gradients of sum(outputs * d_outputs) + sum(final_state * d_state) over states.

    d_outputs: (batch, time, hidden); d_states: one array per state, shaped like it;
    weight_shapes: the shapes of the weight gradients step_backward returns.
    Returns (d_x (batch, time, input_size), d_initial_states, d_weights summed over time).
    """
    batch, time, _ = d_outputs.shape
    d_states = [np.array(d, copy=True) for d in d_states]
    d_previous_output = np.zeros_like(d_states[0])
    d_x = np.zeros((batch, time, input_size), d_outputs.dtype)
    d_weights = [np.zeros(shape, d_outputs.dtype) for shape in weight_shapes]
    for t in reversed(range(time)):
        d_output = d_outputs[:, t] + d_previous_output
        if mask is None:
            d_new = [d_states[0] + d_output, *d_states[1:]]
        else:
            keep = mask[:, t, None]
            d_new = [np.where(keep, d, 0.0) for d in d_states]
            d_new[0] = d_new[0] + np.where(keep, d_output, 0.0)
            d_previous_output = np.where(keep, 0.0, d_output)
        d_x[:, t], d_incoming, d_step_weights = step_backward(caches[t], d_new)
        if mask is None:
            d_states = list(d_incoming)
        else:
            d_states = [
                inc + np.where(keep, 0.0, d) for inc, d in zip(d_incoming, d_states, strict=True)
            ]
        d_weights = [a + b for a, b in zip(d_weights, d_step_weights, strict=True)]
    return d_x, d_states, d_weights

"""The one time loop of every NumPy recurrent model's readable path, forwards and backwards:
Keras's masking, ``go_backwards`` and empty input are handled here, once. (The LSTM's fused
fast path, ``numpy_lstm.forward`` and ``gradients``, has its own loop, tested against this.)

A model writes one time step as a pair of functions (the CS231n shape), its states spelled
out (``h``, or ``h, c``)::

    step_forward(x_t, *states, weights) -> (*next_states, cache)
        x_t (batch, input_size); each state (batch, ...), the first being the output h;
        cache: what step_backward needs.
    step_backward(*d_next_states, cache) -> (d_x_t, *d_states, *d_weights)
        the gradients of a scalar loss with respect to the step's input, its states and each
        array of ``weights.arrays()`` (this step's share of the sums over time), given those
        with respect to its next states.

The loop passes ``weights`` and ``cache`` by keyword, so that a step whose number of states
depends on its weights (an LSTM variant's) can take them after ``*states``.

:func:`scan` runs the steps over a sequence and :func:`scan_backward` runs them back, from
the last step to the first. Masking follows Keras: where ``mask[b, t]`` is False, step t
leaves sample b's states as they were and repeats its previous output (zeros before its
first unmasked step). ``go_backwards`` reads x from the last step to the first and returns
the outputs in that processing order. A call with no sample or no time step needs no case of
its own: the loop makes no step, the outputs are empty and the final states are the initial
ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

StepForward = Callable[..., tuple[Any, ...]]
StepBackward = Callable[..., tuple[np.ndarray, ...]]


def scan(
    step_forward: StepForward,
    weights: Any,
    x: np.ndarray,
    states: tuple[np.ndarray, ...],
    mask: np.ndarray | None,
    go_backwards: bool,
) -> tuple[np.ndarray, tuple[np.ndarray, ...], list[Any]]:
    """``step_forward`` over x (batch, time, input_size) from ``states``, with Keras's mask
    (batch, time) or None and ``go_backwards``.

    Returns (outputs (batch, time, hidden) in processing order, final states, one cache per
    step in processing order).
    """
    if go_backwards:
        x, mask = x[:, ::-1], None if mask is None else mask[:, ::-1]
    batch, time, _ = x.shape
    outputs = np.zeros((batch, time, states[0].shape[1]), states[0].dtype)
    previous_output = np.zeros_like(states[0])  # what a masked step repeats
    caches = []
    for t in range(time):
        *next_states, cache = step_forward(x[:, t], *states, weights=weights)
        caches.append(cache)
        if mask is None:
            states = tuple(next_states)
        else:
            keep = mask[:, t, None]
            states = tuple(
                np.where(keep, new, old) for new, old in zip(next_states, states, strict=True)
            )
            next_states[0] = np.where(keep, next_states[0], previous_output)
        outputs[:, t] = previous_output = next_states[0]
    return outputs, states, caches


def scan_backward(
    step_forward: StepForward,
    step_backward: StepBackward,
    weights: Any,
    x: np.ndarray,
    states: tuple[np.ndarray, ...],
    mask: np.ndarray | None,
    go_backwards: bool,
    d_outputs: np.ndarray,
    d_states: Sequence[np.ndarray],
) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    """The gradients of ``sum(outputs * d_outputs) + sum(final_state * d_state)`` over the
    states, for the :func:`scan` with the same arguments.

    d_outputs: (batch, time, hidden) in processing order; d_states: one array per state,
    shaped like it. Returns (the gradients of ``weights.arrays()``, in that order, d_x
    (batch, time, input_size) in the order of x, the gradients of the initial states).
    """
    _, _, caches = scan(step_forward, weights, x, states, mask, go_backwards)
    if go_backwards and mask is not None:
        mask = mask[:, ::-1]
    count = len(states)
    d_states = [np.array(d) for d in d_states]  # copies: with no step, they are the result
    d_x = np.zeros_like(x)
    d_weights = [np.zeros_like(array) for array in weights.arrays()]
    d_previous_output = np.zeros_like(d_states[0])  # to the output a masked step repeats
    for t in reversed(range(x.shape[1])):
        d_output = d_outputs[:, t] + d_previous_output
        if mask is None:
            d_next = [d_states[0] + d_output, *d_states[1:]]
        else:  # a skipped step passes its states' gradients on, and its output's back
            keep = mask[:, t, None]
            d_next = [np.where(keep, d, 0.0) for d in d_states]
            d_next[0] = d_next[0] + np.where(keep, d_output, 0.0)
            d_previous_output = np.where(keep, 0.0, d_output)
            d_passed = [np.where(keep, 0.0, d) for d in d_states]
        d_x[:, t], *gradients = step_backward(*d_next, cache=caches[t])
        d_states = gradients[:count]
        if mask is not None:
            d_states = [d + passed for d, passed in zip(d_states, d_passed, strict=True)]
        for total, share in zip(d_weights, gradients[count:], strict=True):
            total += share
    if go_backwards:
        d_x = d_x[:, ::-1]
    return d_weights, d_x, d_states

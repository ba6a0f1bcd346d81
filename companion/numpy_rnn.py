"""The vanilla (Elman) RNN in plain NumPy, forward and backpropagation through time.

For every time step t, with x_t (batch, input_size) and the previous state h (batch, hidden),
the layer computes

    h' = tanh(x_t @ kernel + h @ recurrent_kernel + bias)      (batch, hidden)

and h' is both the step's output and the state handed to the next step.

:func:`step_forward` and :func:`step_backward` are that step and its gradients, written to be
read beside the equation; :func:`reference_forward` and :func:`reference_gradients` run them
over a sequence. :func:`forward` and :func:`gradients` are the faster path, which makes the
input projection ``x @ kernel + bias`` of every step one matrix product before the loop; the
tests check one against the other.

Semantics are Keras's ``SimpleRNN``: where ``mask[b, t]`` is False, step t leaves sample b's
state as it was and repeats its previous output (zeros before its first unmasked step);
``go_backwards=True`` reads the sequence from the last step to the first and returns the
outputs in that processing order.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import reverse_time
from companion._reference import backprop_steps, run_steps
from companion.rnn import (
    SIGNATURE,
    RNNGradients,
    RNNInputs,
    RNNOutput,
    prepare,
    prepare_gradients,
)
from companion.weights import RNNWeights


def step_forward(x_t: np.ndarray, h: np.ndarray, weights: RNNWeights) -> tuple[np.ndarray, tuple]:
    """One vanilla RNN step.

    x_t: (batch, input_size); h: (batch, hidden), the state before the step.
    Returns (h_next (batch, hidden), cache), the cache being what :func:`step_backward` needs.
    """
    h_next = np.tanh(x_t @ weights.kernel + h @ weights.recurrent_kernel + weights.bias)
    return h_next, (x_t, h, h_next, weights)


def step_backward(d_h_next: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """The gradients of one vanilla RNN step, walking :func:`step_forward` backwards.

    d_h_next: (batch, hidden), the gradient of the loss with respect to the step's h_next.
    Returns (d_x_t (batch, input_size), d_h (batch, hidden), d_kernel, d_recurrent_kernel,
    d_bias), the weight gradients being this step's share of the sums over time.
    """
    x_t, h, h_next, weights = cache
    d_a = d_h_next * (1 - h_next**2)  # a = x_t @ kernel + h @ recurrent_kernel + bias; tanh'
    d_x_t = d_a @ weights.kernel.T
    d_h = d_a @ weights.recurrent_kernel.T
    return d_x_t, d_h, x_t.T @ d_a, h.T @ d_a, d_a.sum(axis=0)


def reference_forward(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNOutput:
    """:func:`forward` computed the obvious way: :func:`step_forward` at every time step.

    Same arguments and result as :func:`forward`: x (batch, time, input_size), initial_state
    None or (h0,), h0 (batch, hidden), mask None or boolean (batch, time); returns
    RNNOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    x, h0, mask = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    outputs, (h,), _ = run_steps(step_forward, weights, x, (h0,), mask, go_backwards)
    return SIGNATURE.output(outputs, h)


def reference_gradients(
    x: Any,
    weights: RNNWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNGradients:
    """:func:`gradients` computed the obvious way: :func:`step_forward` forwards over time,
    then :func:`step_backward` from the last step to the first.

    Same arguments and result as :func:`gradients`: the gradients of
    ``sum(outputs * d_outputs) + sum(h * d_h)``, as RNNGradients with x (batch, time,
    input_size), h0 (batch, hidden) and the weights' gradients.
    """
    (x, h0, mask), (d_outputs, d_h) = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, go_backwards=go_backwards
    )
    d_weights, d_x, d_initial_states = backprop_steps(
        step_forward, step_backward, weights, x, (h0,), mask, go_backwards, d_outputs, (d_h,)
    )
    return SIGNATURE.gradients(weights, d_weights, d_x, d_initial_states)


class _Steps(NamedTuple):
    """Everything the forward pass computed, time-major, for the backward pass.

    outputs, previous, new: (time, batch, hidden): each step's output, the state it started
    from, and the state tanh(...) it computed (before the mask chose whether to keep it).
    """

    outputs: np.ndarray
    h: np.ndarray
    previous: np.ndarray
    new: np.ndarray


def _steps(inputs: RNNInputs, weights: RNNWeights) -> _Steps:
    x, h, mask = inputs
    batch, time, _ = x.shape
    shape = (time, batch, weights.hidden_size)
    projected = np.matmul(x.transpose(1, 0, 2), weights.kernel) + weights.bias
    outputs, previous, new = (np.zeros(shape, weights.dtype) for _ in range(3))
    previous_output = np.zeros(shape[1:], weights.dtype)
    for t in range(time):
        previous[t] = h
        new[t] = h_new = np.tanh(projected[t] + h @ weights.recurrent_kernel)
        if mask is None:
            h = outputs[t] = h_new
        else:
            keep = mask[:, t, None]
            h = np.where(keep, h_new, h)
            outputs[t] = previous_output = np.where(keep, h_new, previous_output)
    return _Steps(outputs, h, previous, new)


def forward(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNOutput:
    """Run a vanilla RNN layer over a batch of sequences.

    x: (batch, time, input_size), any real array-like (cast to ``weights.dtype``)
    initial_state: None (zeros) or a 1-tuple (h0,) with h0 (batch, hidden)
    mask: None or a boolean (batch, time) array; False skips the step for that sample
    Returns RNNOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if go_backwards:
        inputs = reverse_time(inputs)
    steps = _steps(inputs, weights)
    return RNNOutput(np.ascontiguousarray(steps.outputs.transpose(1, 0, 2)), steps.h)


def gradients(
    x: Any,
    weights: RNNWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNGradients:
    """Backpropagation through time: the gradients of
    L = sum(outputs * d_outputs) + sum(h * d_h) for the same call as :func:`forward`.

    d_outputs: (batch, time, hidden), in the order ``forward`` returns the outputs
    d_h: None (zeros) or (batch, hidden), the gradient arriving at the final state
    Returns RNNGradients(kernel, recurrent_kernel, bias, x, h0), each shaped like what it is
    the gradient of; the x gradient is in the order of the x passed in.

    Walking back from the last step, the gradient reaching step t's new state is what its
    output and the next step send back; through tanh it becomes
    da_t = d_new_t * (1 - new_t ** 2), which feeds the weight gradients and, multiplied by
    recurrent_kernel.T, the state gradient of step t - 1. A masked step passes its state and
    output gradients straight through to the step before.
    """
    inputs, (d_outputs, d_state) = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, go_backwards=go_backwards
    )
    if go_backwards:
        inputs = reverse_time(inputs)
    x, _, mask = inputs
    steps = _steps(inputs, weights)
    d_x = np.zeros_like(x)
    d_kernel = np.zeros_like(weights.kernel)
    d_recurrent = np.zeros_like(weights.recurrent_kernel)
    d_bias = np.zeros_like(weights.bias)
    d_carried_output = np.zeros_like(d_state)  # to the output a masked step repeats
    for t in reversed(range(x.shape[1])):
        d_output = d_outputs[:, t] + d_carried_output
        if mask is None:
            d_new = d_output + d_state
            d_state_kept = 0.0
        else:
            keep = mask[:, t, None]
            d_new = np.where(keep, d_output + d_state, 0.0)
            d_carried_output = np.where(keep, 0.0, d_output)
            d_state_kept = np.where(keep, 0.0, d_state)
        d_pre = d_new * (1.0 - steps.new[t] ** 2)
        d_kernel += x[:, t].T @ d_pre
        d_recurrent += steps.previous[t].T @ d_pre
        d_bias += d_pre.sum(axis=0)
        d_x[:, t] = d_pre @ weights.kernel.T
        d_state = d_state_kept + d_pre @ weights.recurrent_kernel.T
    if go_backwards:
        d_x = d_x[:, ::-1]
    return SIGNATURE.gradients(weights, (d_kernel, d_recurrent, d_bias), d_x, (d_state,))

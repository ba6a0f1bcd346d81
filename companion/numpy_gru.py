"""The GRU in plain NumPy: the reference, forwards and (by hand) backwards.

For every time step, with x_t (batch, input_size) and the previous output h (batch, hidden),
gate order (z, r, h) of :class:`GRUWeights`::

    reset_after=True (Keras's default, PyTorch's only form), bias rows b_x, b_h:
        a_x = x_t @ kernel + b_x            a_h = h @ recurrent_kernel + b_h
        z = sigmoid(a_x[z] + a_h[z])        r = sigmoid(a_x[r] + a_h[r])
        n = tanh(a_x[h] + r * a_h[h])
    reset_after=False (the original GRU of Cho et al.), one bias b:
        a_x = x_t @ kernel + b
        z = sigmoid(a_x[z] + h @ U[z])      r = sigmoid(a_x[r] + h @ U[r])
        n = tanh(a_x[h] + (r * h) @ U[h])
    h' = z * h + (1 - z) * n

Masking and ``go_backwards`` follow Keras, as for the LSTM (see ``companion._scan``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from companion._checks import reverse_time
from companion._scan import scan, scan_backward
from companion.gru import SIGNATURE, GRUGradients, GRUOutput, prepare, prepare_gradients
from companion.numpy_lstm import sigmoid
from companion.weights import GRUWeights


def _step(weights: GRUWeights, x_t: np.ndarray, states: tuple[np.ndarray, ...]):
    (h,) = states
    hidden = weights.hidden_size
    kernel, recurrent, bias = weights.kernel, weights.recurrent_kernel, weights.bias
    if weights.reset_after:
        a_x = x_t @ kernel + bias[0]
        a_h = h @ recurrent + bias[1]
        z = sigmoid(a_x[:, :hidden] + a_h[:, :hidden])
        r = sigmoid(a_x[:, hidden : 2 * hidden] + a_h[:, hidden : 2 * hidden])
        n = np.tanh(a_x[:, 2 * hidden :] + r * a_h[:, 2 * hidden :])
    else:
        a_x = x_t @ kernel + bias
        a_h = h @ recurrent[:, : 2 * hidden]
        z = sigmoid(a_x[:, :hidden] + a_h[:, :hidden])
        r = sigmoid(a_x[:, hidden : 2 * hidden] + a_h[:, hidden:])
        n = np.tanh(a_x[:, 2 * hidden :] + (r * h) @ recurrent[:, 2 * hidden :])
    h_new = z * h + (1 - z) * n
    return (h_new,), (x_t, h, z, r, n, a_h)


def _step_backward(weights: GRUWeights, cache, d_new_states):
    x_t, h, z, r, n, a_h = cache
    (d_h_new,) = d_new_states
    hidden = weights.hidden_size
    recurrent = weights.recurrent_kernel
    d_z = d_h_new * (h - n) * z * (1 - z)  # through the sigmoid
    d_n = d_h_new * (1 - z) * (1 - n**2)  # through the tanh
    d_h = d_h_new * z
    if weights.reset_after:
        d_r = d_n * a_h[:, 2 * hidden :] * r * (1 - r)
        d_a_x = np.concatenate([d_z, d_r, d_n], axis=1)
        d_a_h = np.concatenate([d_z, d_r, d_n * r], axis=1)
        d_recurrent = h.T @ d_a_h
        d_h = d_h + d_a_h @ recurrent.T
        d_bias = np.stack([d_a_x.sum(axis=0), d_a_h.sum(axis=0)])
    else:
        candidate = recurrent[:, 2 * hidden :]
        d_reset_h = d_n @ candidate.T  # gradient of (r * h)
        d_r = d_reset_h * h * r * (1 - r)
        d_a_x = np.concatenate([d_z, d_r, d_n], axis=1)
        d_gates = d_a_x[:, : 2 * hidden]
        d_recurrent = np.concatenate([h.T @ d_gates, (r * h).T @ d_n], axis=1)
        d_h = d_h + d_reset_h * r + d_gates @ recurrent[:, : 2 * hidden].T
        d_bias = d_a_x.sum(axis=0)
    return d_a_x @ weights.kernel.T, [d_h], (x_t.T @ d_a_x, d_recurrent, d_bias)


def forward(
    x: Any,
    weights: GRUWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool | None = None,
) -> GRUOutput:
    """Run a GRU layer over a batch of sequences.

    x: (batch, time, input_size); initial_state: None (zeros) or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time); reset_after: None (the weights' bias layout) or a
    bool that must match it.
    Returns GRUOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    inputs = prepare(
        x, weights, initial_state, mask, go_backwards=go_backwards, reset_after=reset_after
    )
    x, states, mask = reverse_time(inputs) if go_backwards else inputs
    outputs, (h,), _ = scan(partial(_step, weights), x, states, mask)
    return GRUOutput(outputs, h)


def gradients(
    x: Any,
    weights: GRUWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool | None = None,
) -> GRUGradients:
    """Backpropagation through time, by hand: the gradients of
    sum(outputs * d_outputs) + sum(h * d_h) with respect to the weights, x and h0.

    d_outputs: (batch, time, hidden), in the processing order of ``outputs``;
    d_h: (batch, hidden) or None (zeros). Other arguments as :func:`forward`.
    """
    inputs, (d_outputs, *d_states) = prepare_gradients(
        x,
        weights,
        d_outputs,
        initial_state,
        mask,
        d_h,
        go_backwards=go_backwards,
        reset_after=reset_after,
    )
    x, states, mask = reverse_time(inputs) if go_backwards else inputs
    _, _, caches = scan(partial(_step, weights), x, states, mask)
    d_x, (d_h0,), d_weights = scan_backward(
        partial(_step_backward, weights),
        caches,
        d_outputs,
        d_states,
        mask,
        weights.input_size,
        [a.shape for a in (weights.kernel, weights.recurrent_kernel, weights.bias)],
    )
    if go_backwards:
        d_x = d_x[:, ::-1]
    return SIGNATURE.gradients(weights, d_weights, d_x, (d_h0,))

"""The GRU in plain NumPy, forwards and (by hand) backwards.

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

:func:`step_forward` and :func:`step_backward` are one step written to be read beside these
equations, one line each; :func:`forward` and :func:`gradients` run them over a sequence with
the time loop every NumPy model shares. (A second step working on the concatenated gate
blocks was no faster: ``benchmarks/README.md``.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion._numeric import sigmoid
from companion._scan import scan, scan_backward
from companion.gru import SIGNATURE, GRUGradients, GRUOutput, prepare, prepare_gradients
from companion.weights import GRUWeights


def step_forward(x_t: np.ndarray, h: np.ndarray, weights: GRUWeights) -> tuple[np.ndarray, tuple]:
    """One GRU step, one line per equation, in the ``reset_after`` form the weights' bias
    shape says.

    x_t: (batch, input_size); h: (batch, hidden), the state before the step.
    Returns (h_next (batch, hidden), cache), the cache being what :func:`step_backward` needs.
    """
    input_bias, recurrent_bias = _bias_rows(weights)
    x_z, x_r, x_n = np.split(x_t @ weights.kernel + input_bias, 3, axis=-1)  # input's share
    u_z, u_r, u_n = np.split(weights.recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_n = np.split(recurrent_bias, 3)
    z = sigmoid(x_z + h @ u_z + b_z)  # update gate
    r = sigmoid(x_r + h @ u_r + b_r)  # reset gate
    if weights.reset_after:  # Keras's default, PyTorch's only form: reset the product
        n = np.tanh(x_n + r * (h @ u_n + b_n))
    else:  # the original GRU (Cho et al.): reset the state, then multiply
        n = np.tanh(x_n + (r * h) @ u_n)
    h_next = z * h + (1 - z) * n
    return h_next, (x_t, h, z, r, n, weights)


def step_backward(d_h_next: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """The gradients of one GRU step, one line per equation, walking :func:`step_forward`
    backwards.

    d_h_next: (batch, hidden), the gradient of the loss with respect to the step's h_next.
    Returns (d_x_t (batch, input_size), d_h (batch, hidden), d_kernel, d_recurrent_kernel,
    d_bias), the weight gradients being this step's share of the sums over time.
    """
    x_t, h, z, r, n, weights = cache
    u_z, u_r, u_n = np.split(weights.recurrent_kernel, 3, axis=-1)
    d_z = d_h_next * (h - n) * z * (1 - z)  # h_next = z * h + (1 - z) * n; sigmoid'
    d_n = d_h_next * (1 - z) * (1 - n**2)  # tanh'
    d_h = d_h_next * z
    if weights.reset_after:  # n = tanh(x_n + r * (h @ u_n + b_n))
        b_n = np.split(_bias_rows(weights)[1], 3)[2]
        multiplied_by_u_n, d_product_n = h, d_n * r
        d_r = d_n * (h @ u_n + b_n) * r * (1 - r)
        d_h = d_h + d_product_n @ u_n.T
    else:  # n = tanh(x_n + (r * h) @ u_n)
        multiplied_by_u_n, d_product_n = r * h, d_n
        d_reset_h = d_n @ u_n.T
        d_r = d_reset_h * h * r * (1 - r)
        d_h = d_h + d_reset_h * r
    d_h = d_h + d_z @ u_z.T + d_r @ u_r.T
    d_input_share = np.concatenate([d_z, d_r, d_n], axis=-1)  # of x_t @ kernel + input_bias
    d_x_t = d_input_share @ weights.kernel.T
    d_kernel = x_t.T @ d_input_share
    d_recurrent_kernel = np.concatenate(
        [h.T @ d_z, h.T @ d_r, multiplied_by_u_n.T @ d_product_n], axis=-1
    )
    d_input_bias = d_input_share.sum(axis=0)
    d_recurrent_bias = np.concatenate([d_z, d_r, d_product_n], axis=-1).sum(axis=0)
    d_bias = np.stack([d_input_bias, d_recurrent_bias]) if weights.reset_after else d_input_bias
    return d_x_t, d_h, d_kernel, d_recurrent_kernel, d_bias


def _bias_rows(weights: GRUWeights) -> tuple[np.ndarray, np.ndarray]:
    """(input bias, recurrent bias), each (3 * hidden,): Keras's two bias rows with
    ``reset_after``, else its one bias and zeros."""
    if weights.reset_after:
        return weights.bias[0], weights.bias[1]
    return weights.bias, np.zeros_like(weights.bias)


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
    x, h0, mask = prepare(
        x, weights, initial_state, mask, go_backwards=go_backwards, reset_after=reset_after
    )
    outputs, (h,), _ = scan(step_forward, weights, x, (h0,), mask, go_backwards)
    return SIGNATURE.output(outputs, h)


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
    (x, h0, mask), (d_outputs, d_h) = prepare_gradients(
        x,
        weights,
        d_outputs,
        initial_state,
        mask,
        d_h,
        go_backwards=go_backwards,
        reset_after=reset_after,
    )
    d_weights, d_x, d_initial_states = scan_backward(
        step_forward, step_backward, weights, x, (h0,), mask, go_backwards, d_outputs, (d_h,)
    )
    return SIGNATURE.gradients(weights, d_weights, d_x, d_initial_states)

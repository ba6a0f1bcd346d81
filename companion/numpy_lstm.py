"""The LSTM in plain NumPy: the book's readable reference, and its fast path.

For every time step t, with x_t (batch, input_size) and the previous state h, c
(batch, hidden), the layer computes

    z   = x_t @ kernel + h @ recurrent_kernel + bias      (batch, 4 * hidden)
    i, f, g, o = split(z, 4)                              gate order of LSTMWeights
    c'  = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h'  = sigmoid(o) * tanh(c')

The whole batch moves through one step at a time, and the input projection
``x @ kernel + bias`` of every time step is one matrix product made before the loop: only
``h @ recurrent_kernel`` has to wait for the previous step.

Semantics are Keras's: where ``mask[b, t]`` is False, step t leaves sample b's state as it
was and repeats its previous output (zeros before its first unmasked step);
``go_backwards=True`` reads the sequence from the last step to the first and returns the
outputs in that processing order.

Backpropagation through time comes as a pair in the CS231n shape: :func:`forward_with_cache`
returns the output and an explicit :class:`LSTMCache` of what the backward pass needs, and
:func:`backward` turns the cache and the loss weights into :class:`LSTMGradients`. Nothing is
kept between calls. :func:`gradients` does both, with the signature every backend shares.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import prepare_cotangents
from companion.interface import (
    LSTMCotangents,
    LSTMGradients,
    LSTMInputs,
    LSTMOutput,
    prepare,
    prepare_gradients,
)
from companion.weights import LSTMWeights


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), computed as (1 + tanh(z / 2)) / 2, which
    cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class LSTMCache(NamedTuple):
    """What the forward pass leaves for the backward pass, time-major, in processing order
    (reversed when ``go_backwards``).

    weights: the LSTMWeights of the call
    x: (time, batch, input_size), the inputs in processing order
    mask: (time, batch) bool, or None
    gates: (time, batch, 4 * hidden), the activated gates i, f, g, o of every step
    h_prev, c_prev: (time, batch, hidden), the state each step started from
    tanh_c: (time, batch, hidden), tanh of the cell state each step computed
    go_backwards: whether x was read from the last step to the first
    """

    weights: LSTMWeights
    x: np.ndarray
    mask: np.ndarray | None
    gates: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    tanh_c: np.ndarray
    go_backwards: bool


def forward(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMOutput:
    """Run an LSTM layer over a batch of sequences.

    x: (batch, time, input_size), any real array-like (cast to ``weights.dtype``)
    initial_state: None (zeros) or a pair (h0, c0), each (batch, hidden)
    mask: None or a boolean (batch, time) array; False skips the step for that sample
    Returns LSTMOutput(outputs (batch, time, hidden), h (batch, hidden), c (batch, hidden)).
    """
    output, _ = forward_with_cache(x, weights, initial_state, mask=mask, go_backwards=go_backwards)
    return output


def forward_with_cache(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> tuple[LSTMOutput, LSTMCache]:
    """:func:`forward`, also returning the :class:`LSTMCache` that :func:`backward` needs."""
    return _run(prepare(x, weights, initial_state, mask), weights, go_backwards)


def _run(
    inputs: LSTMInputs, weights: LSTMWeights, go_backwards: bool
) -> tuple[LSTMOutput, LSTMCache]:
    """The forward loop over validated inputs."""
    if go_backwards:
        inputs = inputs.reversed()
    x, h, c, mask = inputs
    batch, time, _ = x.shape
    hidden = weights.hidden_size
    # Time-major input projection for every step at once: (time, batch, 4 * hidden).
    x = x.transpose(1, 0, 2)
    projected = np.matmul(x, weights.kernel) + weights.bias
    outputs = np.zeros((time, batch, hidden), weights.dtype)
    gates = np.empty((time, batch, 4 * hidden), weights.dtype)
    h_prev, c_prev, tanh_c = (np.empty((time, batch, hidden), weights.dtype) for _ in range(3))
    previous_output = np.zeros((batch, hidden), weights.dtype)
    for t in range(time):
        h_prev[t], c_prev[t] = h, c
        z = projected[t] + h @ weights.recurrent_kernel
        gates[t, :, : 2 * hidden] = sigmoid(z[:, : 2 * hidden])  # input and forget gates
        gates[t, :, 2 * hidden : 3 * hidden] = np.tanh(z[:, 2 * hidden : 3 * hidden])
        gates[t, :, 3 * hidden :] = sigmoid(z[:, 3 * hidden :])
        i, f, g, o = np.split(gates[t], 4, axis=1)
        c_new = f * c + i * g
        tanh_c[t] = np.tanh(c_new)
        h_new = o * tanh_c[t]
        if mask is None:
            h, c = h_new, c_new
            outputs[t] = h_new
        else:
            keep = mask[:, t, None]
            h = np.where(keep, h_new, h)
            c = np.where(keep, c_new, c)
            outputs[t] = previous_output = np.where(keep, h_new, previous_output)
    time_major_mask = None if mask is None else mask.T
    cache = LSTMCache(weights, x, time_major_mask, gates, h_prev, c_prev, tanh_c, go_backwards)
    return LSTMOutput(outputs.transpose(1, 0, 2), h, c), cache


def backward(
    d_outputs: Any, cache: LSTMCache, *, d_h: Any = None, d_c: Any = None
) -> LSTMGradients:
    """Backpropagation through time: the gradients of
    ``sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c)`` for the forward pass that
    left ``cache``.

    d_outputs: (batch, time, hidden), in the processing order of ``outputs``;
    d_h, d_c: None (zeros) or (batch, hidden).
    Returns LSTMGradients shaped like kernel, recurrent_kernel, bias, x (batch, time,
    input_size, in the original order), h0 and c0.
    """
    if not isinstance(cache, LSTMCache):
        raise TypeError(
            f"cache must be the LSTMCache from forward_with_cache; got {type(cache).__name__}"
        )
    time, batch, _ = cache.x.shape
    weights = cache.weights
    cotangents = prepare_cotangents(
        d_outputs, {"d_h": d_h, "d_c": d_c}, batch, time, weights.hidden_size, weights.dtype
    )
    return _backward(LSTMCotangents(*cotangents), cache)


def _backward(cotangents: LSTMCotangents, cache: LSTMCache) -> LSTMGradients:
    """The backward loop: from the last processed step to the first.

    d_h and d_c carry the gradient with respect to the state after step t; d_previous the
    gradient with respect to the output a masked step repeats.
    """
    weights = cache.weights
    hidden = weights.hidden_size
    time = cache.x.shape[0]
    d_outputs = cotangents.d_outputs.transpose(1, 0, 2)  # time-major, processing order
    d_h, d_c = cotangents.d_h, cotangents.d_c
    d_previous = np.zeros_like(d_h)
    d_recurrent_kernel = np.zeros_like(weights.recurrent_kernel)
    d_z = np.empty_like(cache.gates)  # gradient w.r.t. each step's gate pre-activations
    for t in reversed(range(time)):
        d_output = d_outputs[t] + d_previous
        if cache.mask is None:
            d_h_new, d_c_new = d_h + d_output, d_c
            d_h_kept = d_c_kept = 0.0
        else:
            keep = cache.mask[t, :, None]
            # outputs[t] = where(keep, h_new, previous); h = where(keep, h_new, h_prev); same c
            d_h_new = np.where(keep, d_h + d_output, 0.0)
            d_c_new = np.where(keep, d_c, 0.0)
            d_previous = np.where(keep, 0.0, d_output)
            d_h_kept = np.where(keep, 0.0, d_h)
            d_c_kept = np.where(keep, 0.0, d_c)
        i, f, g, o = np.split(cache.gates[t], 4, axis=1)
        tanh_c = cache.tanh_c[t]
        # h_new = o * tanh(c_new); c_new = f * c_prev + i * g
        d_c_new = d_c_new + d_h_new * o * (1.0 - tanh_c**2)
        d_i, d_f, d_g, d_o = d_c_new * g, d_c_new * cache.c_prev[t], d_c_new * i, d_h_new * tanh_c
        # Through the activations: sigmoid' = s (1 - s), tanh' = 1 - tanh^2.
        d_z[t, :, :hidden] = d_i * i * (1.0 - i)
        d_z[t, :, hidden : 2 * hidden] = d_f * f * (1.0 - f)
        d_z[t, :, 2 * hidden : 3 * hidden] = d_g * (1.0 - g**2)
        d_z[t, :, 3 * hidden :] = d_o * o * (1.0 - o)
        # z = x_t @ kernel + h_prev @ recurrent_kernel + bias
        d_recurrent_kernel += cache.h_prev[t].T @ d_z[t]
        d_h = d_z[t] @ weights.recurrent_kernel.T + d_h_kept
        d_c = d_c_new * f + d_c_kept
    input_size = weights.input_size
    d_kernel = cache.x.reshape(-1, input_size).T @ d_z.reshape(-1, 4 * hidden)
    d_x = (d_z @ weights.kernel.T).transpose(1, 0, 2)
    if cache.go_backwards:
        d_x = d_x[:, ::-1]
    d_bias = d_z.sum(axis=(0, 1))
    # Copies, so that no gradient is the caller's own d_h or d_c array (as with no steps).
    return LSTMGradients(
        d_kernel, d_recurrent_kernel, d_bias, np.ascontiguousarray(d_x), d_h.copy(), d_c.copy()
    )


def gradients(
    x: Any,
    weights: LSTMWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMGradients:
    """Gradients of ``sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c)`` for an LSTM
    layer run as by :func:`forward`, by backpropagation through time.

    x: (batch, time, input_size); d_outputs: (batch, time, hidden), in the processing order
    of ``outputs``; initial_state: None or (h0, c0); d_h, d_c: None (zeros) or
    (batch, hidden); mask: None or boolean (batch, time).
    Returns LSTMGradients(kernel, recurrent_kernel, bias, x, h0, c0).
    """
    inputs, cotangents = prepare_gradients(x, weights, d_outputs, initial_state, mask, d_h, d_c)
    _, cache = _run(inputs, weights, go_backwards)
    return _backward(cotangents, cache)

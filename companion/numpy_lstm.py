"""The LSTM in plain NumPy: the book's readable reference, and its fast path.

For every time step t, with x_t (batch, input_size) and the previous state h, c
(batch, hidden), the layer computes

    z   = x_t @ kernel + h @ recurrent_kernel + bias      (batch, 4 * hidden)
    i, f, g, o = split(z, 4)                              gate order of LSTMWeights
    c'  = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h'  = sigmoid(o) * tanh(c')

Semantics are Keras's: where ``mask[b, t]`` is False, step t leaves sample b's state as it
was and repeats its previous output (zeros before its first unmasked step);
``go_backwards=True`` reads the sequence from the last step to the first and returns the
outputs in that processing order.

The module has two implementations of the same layer:

- **The reference**, written to be read beside the equations: :func:`step_forward` and
  :func:`step_backward` are one time step, one line per equation (the shape of CS231n's
  ``lstm_step_forward``), and :func:`reference_forward` and :func:`reference_gradients` run
  them over a sequence with the masked time loop every NumPy model shares.
- **The fast path**, :func:`forward` and :func:`gradients`: the input projection
  ``x @ kernel + bias`` of every time step is one matrix product made before the loop (only
  ``h @ recurrent_kernel`` has to wait for the previous step), every buffer is allocated
  before the loop, and one tanh call activates all four gates. The tests check it against
  the reference to 1e-12 in float64.

Backpropagation through time on the fast path comes as a pair in the CS231n shape:
:func:`forward_with_cache` returns the output and an explicit :class:`LSTMCache` of what the
backward pass needs, and :func:`backward` turns the cache and the loss weights into
:class:`LSTMGradients`. Nothing is kept between calls. :func:`gradients` does both, with the
signature every backend shares.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import reverse_time
from companion._numeric import sigmoid
from companion._scan import scan, scan_backward
from companion.lstm import (
    SIGNATURE,
    LSTMCotangents,
    LSTMGradients,
    LSTMInputs,
    LSTMOutput,
    prepare,
    prepare_gradients,
)
from companion.weights import LSTMWeights


def step_forward(
    x_t: np.ndarray, h: np.ndarray, c: np.ndarray, weights: LSTMWeights
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One LSTM step, one line per equation.

    x_t: (batch, input_size); h, c: (batch, hidden), the state before the step.
    Returns (h_next, c_next, cache): the state after the step, each (batch, hidden), and what
    :func:`step_backward` needs.
    """
    z = x_t @ weights.kernel + h @ weights.recurrent_kernel + weights.bias
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_g), sigmoid(z_o)
    c_next = f * c + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next, (x_t, h, c, i, f, g, o, c_next, weights)


def step_backward(
    d_h_next: np.ndarray, d_c_next: np.ndarray, cache: tuple
) -> tuple[np.ndarray, ...]:
    """The gradients of one LSTM step, one line per equation, walking :func:`step_forward`
    backwards.

    d_h_next, d_c_next: (batch, hidden), the gradient of the loss with respect to the step's
    h_next and c_next. Returns (d_x_t (batch, input_size), d_h, d_c (batch, hidden), d_kernel,
    d_recurrent_kernel, d_bias), the weight gradients being this step's share of the sums
    over time.
    """
    x_t, h, c, i, f, g, o, c_next, weights = cache
    tanh_c = np.tanh(c_next)
    d_o = d_h_next * tanh_c  # h_next = o * tanh(c_next)
    d_c_next = d_c_next + d_h_next * o * (1 - tanh_c**2)  # c_next reaches h_next too
    d_i, d_f, d_g, d_c = d_c_next * g, d_c_next * c, d_c_next * i, d_c_next * f
    d_z_i, d_z_f, d_z_o = d_i * i * (1 - i), d_f * f * (1 - f), d_o * o * (1 - o)
    d_z_g = d_g * (1 - g**2)
    d_z = np.concatenate([d_z_i, d_z_f, d_z_g, d_z_o], axis=-1)  # (batch, 4 * hidden)
    d_x_t = d_z @ weights.kernel.T  # z = x_t @ kernel + h @ recurrent_kernel + bias
    d_h = d_z @ weights.recurrent_kernel.T
    return d_x_t, d_h, d_c, x_t.T @ d_z, h.T @ d_z, d_z.sum(axis=0)


def reference_forward(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMOutput:
    """:func:`forward` computed the obvious way: :func:`step_forward` at every time step.

    Same arguments and result as :func:`forward`: x (batch, time, input_size), initial_state
    None or (h0, c0), each (batch, hidden), mask None or boolean (batch, time); returns
    LSTMOutput(outputs (batch, time, hidden), h, c (batch, hidden)).
    """
    x, h0, c0, mask = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    outputs, (h, c), _ = scan(step_forward, weights, x, (h0, c0), mask, go_backwards)
    return SIGNATURE.output(outputs, h, c)


def reference_gradients(
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
    """:func:`gradients` computed the obvious way: :func:`step_forward` forwards over time,
    then :func:`step_backward` from the last step to the first.

    Same arguments and result as :func:`gradients`: the gradients of
    ``sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c)``, as LSTMGradients(kernel,
    recurrent_kernel, bias, x (batch, time, input_size), h0, c0).
    """
    (x, h0, c0, mask), (d_outputs, d_h, d_c) = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    states, seeds = (h0, c0), (d_h, d_c)
    d_weights, d_x, d_states = scan_backward(
        step_forward, step_backward, weights, x, states, mask, go_backwards, d_outputs, seeds
    )
    return SIGNATURE.gradients(weights, d_weights, d_x, d_states)


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
    Keeps no per-step intermediates: its memory grows with time only through the outputs.
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    output, _ = _run(inputs, weights, go_backwards, keep_cache=False)
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
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    return _run(inputs, weights, go_backwards, keep_cache=True)


def _run(
    inputs: LSTMInputs, weights: LSTMWeights, go_backwards: bool, *, keep_cache: bool
) -> tuple[LSTMOutput, LSTMCache]:
    """The forward loop over validated inputs.

    Every array the loop writes is allocated before it starts. With ``keep_cache``, the
    gates, tanh(c) and the state each step starts from get a row per step, which make the
    cache; without, every step overwrites one row, and the cache, holding only the last
    step, is for the caller to drop.
    """
    if go_backwards:
        inputs = reverse_time(inputs)
    x, h0, c0, mask = inputs
    batch, time, _ = x.shape
    hidden, dtype = weights.hidden_size, weights.dtype
    # sigmoid(z) = tanh(z / 2) / 2 + 1 / 2: fold the halving into the columns of the three
    # sigmoid gates (exact, a power of two), so that one tanh call activates all four gates,
    # then scale and shift each column: by 1/2 and 1/2 for i, f, o; by 1 and 0 for g.
    scale = np.full(4 * hidden, 0.5, dtype)
    scale[2 * hidden : 3 * hidden] = 1.0  # the candidate g is a tanh already
    shift = 1.0 - scale
    kernel, recurrent_kernel = weights.kernel * scale, weights.recurrent_kernel * scale
    # Time-major input projection for every step at once: (time, batch, 4 * hidden).
    x = np.ascontiguousarray(x.transpose(1, 0, 2))
    rows = x.reshape(time * batch, weights.input_size)
    projected = (rows @ kernel).reshape(time, batch, 4 * hidden)
    projected += weights.bias * scale
    steps = time if keep_cache else min(time, 1)
    gates = np.empty((steps, batch, 4 * hidden), dtype)
    gate_views = np.moveaxis(gates.reshape(steps, batch, 4, hidden), 2, 0)  # i, f, g, o
    h_prev, c_prev, tanh_c = np.empty((3, steps, batch, hidden), dtype)
    h, c = h0.copy(), c0.copy()  # the state, updated in place
    input_times_candidate = np.empty((batch, hidden), dtype)
    outputs = np.empty((batch, time, hidden), dtype)
    skipped = None if mask is None else ~mask.T[:, :, None]  # (time, batch, 1)
    for t in range(time):
        row = t if keep_cache else 0
        np.copyto(h_prev[row], h)
        np.copyto(c_prev[row], c)
        step_gates, step_tanh_c = gates[row], tanh_c[row]
        np.matmul(h, recurrent_kernel, out=step_gates)
        step_gates += projected[t]
        np.tanh(step_gates, out=step_gates)  # g = tanh(z_g); i, f, o = tanh(z / 2) so far
        step_gates *= scale
        step_gates += shift
        i, f, g, o = gate_views[:, row]
        np.multiply(f, c, out=c)  # c = f * c + i * g
        np.multiply(i, g, out=input_times_candidate)
        c += input_times_candidate
        np.tanh(c, out=step_tanh_c)
        np.multiply(o, step_tanh_c, out=h)  # h = o * tanh(c)
        outputs[:, t] = h
        if skipped is not None:  # a masked sample keeps its state and repeats its output
            np.copyto(h, h_prev[row], where=skipped[t])
            np.copyto(c, c_prev[row], where=skipped[t])
            np.copyto(outputs[:, t], outputs[:, t - 1] if t else 0.0, where=skipped[t])
    time_major_mask = None if mask is None else mask.T
    cache = LSTMCache(weights, x, time_major_mask, gates, h_prev, c_prev, tanh_c, go_backwards)
    return LSTMOutput(outputs, h, c), cache


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
    cotangents = SIGNATURE.cotangents(weights, batch, time, d_outputs, d_h=d_h, d_c=d_c)
    return _backward(LSTMCotangents(*cotangents), cache)


def _backward(cotangents: LSTMCotangents, cache: LSTMCache) -> LSTMGradients:
    """The backward loop: from the last processed step to the first.

    d_h and d_c carry the gradient with respect to the state after step t; d_previous the
    gradient with respect to the output a masked step repeats. Everything that does not
    depend on the gradient flowing back (the activations' local derivatives) is computed
    for all steps before the loop; the weight gradients are one matrix product each after it.
    """
    weights = cache.weights
    hidden = weights.hidden_size
    time, batch, _ = cache.x.shape
    d_outputs = cotangents.d_outputs.transpose(1, 0, 2)  # time-major, processing order
    i, f, g, o = np.split(cache.gates, 4, axis=2)
    # h_new = o * tanh(c_new); c_new = f * c_prev + i * g; sigmoid' = s (1 - s), tanh' =
    # 1 - tanh^2. d_z, the gradient w.r.t. the gate pre-activations, starts as what
    # multiplies d_c_new (for i, f, g) or d_h_new (for o) and is completed step by step.
    # Computed in place, as these arrays span every step.
    d_z = np.empty_like(cache.gates)
    d_z_by_gate = d_z.reshape(time, batch, 4, hidden)
    d_z_i, d_z_f, d_z_g, d_z_o = np.moveaxis(d_z_by_gate, 2, 0)
    for d_z_gate, gate, partner in (
        (d_z_i, i, g),
        (d_z_f, f, cache.c_prev),
        (d_z_o, o, cache.tanh_c),
    ):
        np.subtract(1.0, gate, out=d_z_gate)  # partner * s (1 - s)
        d_z_gate *= gate
        d_z_gate *= partner
    np.multiply(g, g, out=d_z_g)  # i * (1 - g^2)
    np.subtract(1.0, d_z_g, out=d_z_g)
    d_z_g *= i
    d_c_through_h = np.multiply(cache.tanh_c, cache.tanh_c)  # o * (1 - tanh(c_new)^2)
    np.subtract(1.0, d_c_through_h, out=d_c_through_h)
    d_c_through_h *= o
    d_h, d_c = cotangents.d_h.copy(), cotangents.d_c.copy()  # updated in place
    d_h_new, d_c_new, d_output, d_previous, d_h_from_gates = np.zeros(
        (5, batch, hidden), d_h.dtype
    )
    transposed_recurrent_kernel = weights.recurrent_kernel.T
    for t in reversed(range(time)):
        if cache.mask is None:
            keep = True
            np.add(d_h, d_outputs[t], out=d_h_new)
        else:
            # outputs[t] = where(keep, h_new, previous); h = where(keep, h_new, h_prev); same c
            keep = cache.mask[t, :, None]
            np.add(d_outputs[t], d_previous, out=d_output)
            np.add(d_h, d_output, out=d_h_new)
            np.copyto(d_h_new, 0.0, where=~keep)
            np.copyto(d_previous, d_output)
            np.copyto(d_previous, 0.0, where=keep)
        np.multiply(d_h_new, d_c_through_h[t], out=d_c_new)
        np.add(d_c_new, d_c, out=d_c_new, where=keep)  # a skipped step's d_h_new is zero
        d_z_by_gate[t, :, :3] *= d_c_new[:, None]  # d_i, d_f, d_g
        d_z_by_gate[t, :, 3] *= d_h_new  # d_o
        # z = x_t @ kernel + h_prev @ recurrent_kernel + bias; a skipped step passes d_h, d_c on
        np.matmul(d_z[t], transposed_recurrent_kernel, out=d_h_from_gates)
        np.copyto(d_h, d_h_from_gates, where=keep)
        np.multiply(d_c_new, f[t], out=d_c, where=keep)
    # The weight gradients: one matrix product each over all (time, batch) rows.
    input_size = weights.input_size
    d_z_rows = d_z.reshape(-1, 4 * hidden)
    d_kernel = cache.x.reshape(-1, input_size).T @ d_z_rows
    d_recurrent_kernel = cache.h_prev.reshape(-1, hidden).T @ d_z_rows
    d_x = (d_z_rows @ weights.kernel.T).reshape(time, batch, input_size).transpose(1, 0, 2)
    if cache.go_backwards:
        d_x = d_x[:, ::-1]
    d_bias = d_z_rows.sum(axis=0)
    return LSTMGradients(d_kernel, d_recurrent_kernel, d_bias, np.ascontiguousarray(d_x), d_h, d_c)


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
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    _, cache = _run(inputs, weights, go_backwards, keep_cache=True)
    return _backward(cotangents, cache)

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
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion.interface import LSTMOutput, prepare
from companion.weights import LSTMWeights


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), computed as (1 + tanh(z / 2)) / 2, which
    cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class LSTMStep(NamedTuple):
    """Everything one LSTM step computes, each (batch, hidden).

    i, f, o: input, forget and output gates, sigmoid(z), in (0, 1)
    g:       candidate cell values, tanh(z), in (-1, 1)
    c:       the new cell state f * c_previous + i * g
    h:       the new hidden state (the step's output) o * tanh(c)
    """

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray


def step(z: np.ndarray, c: np.ndarray) -> LSTMStep:
    """One LSTM step from its pre-activations.

    z: (batch, 4 * hidden), x_t @ kernel + h_{t-1} @ recurrent_kernel + bias, gate order
    (i, f, g, o); c: (batch, hidden), the previous cell state.
    """
    hidden = c.shape[-1]
    i = sigmoid(z[:, :hidden])
    f = sigmoid(z[:, hidden : 2 * hidden])
    g = np.tanh(z[:, 2 * hidden : 3 * hidden])
    o = sigmoid(z[:, 3 * hidden :])
    c_new = f * c + i * g
    return LSTMStep(i, f, g, o, c_new, o * np.tanh(c_new))


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
    inputs = prepare(x, weights, initial_state, mask)
    if go_backwards:
        inputs = inputs.reversed()
    x, h, c, mask = inputs
    batch, time, _ = x.shape
    hidden = weights.hidden_size
    # Time-major input projection for every step at once: (time, batch, 4 * hidden).
    projected = np.matmul(x.transpose(1, 0, 2), weights.kernel) + weights.bias
    outputs = np.zeros((time, batch, hidden), weights.dtype)
    previous_output = np.zeros((batch, hidden), weights.dtype)
    for t in range(time):
        *_, c_new, h_new = step(projected[t] + h @ weights.recurrent_kernel, c)
        if mask is None:
            h, c = h_new, c_new
            outputs[t] = h_new
        else:
            keep = mask[:, t, None]
            h = np.where(keep, h_new, h)
            c = np.where(keep, c_new, c)
            outputs[t] = previous_output = np.where(keep, h_new, previous_output)
    return LSTMOutput(outputs.transpose(1, 0, 2), h, c)

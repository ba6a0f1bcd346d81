"""The obvious LSTM: one sample, one step, one gate at a time. The fast NumPy path in
``companion.numpy_lstm`` is checked against this loop (Karpathy's gist does the same)."""

from __future__ import annotations

import numpy as np


def logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def reference_forward(x, weights, initial_state=None, mask=None, go_backwards=False):
    """x: (batch, time, input) -> (outputs (batch, time, hidden), h, c), Keras semantics."""
    batch, time, _ = x.shape
    n = weights.hidden_size
    gate = {name: slice(k * n, (k + 1) * n) for k, name in enumerate("ifgo")}
    h0, c0 = initial_state if initial_state is not None else (np.zeros((batch, n)),) * 2
    outputs = np.zeros((batch, time, n), weights.dtype)
    h_all, c_all = np.array(h0, weights.dtype), np.array(c0, weights.dtype)
    order = range(time - 1, -1, -1) if go_backwards else range(time)
    for b in range(batch):
        h, c = h_all[b].copy(), c_all[b].copy()
        previous = np.zeros(n, weights.dtype)
        for step, t in enumerate(order):
            if mask is not None and not mask[b, t]:
                outputs[b, step] = previous
                continue
            pre = {
                name: x[b, t] @ weights.kernel[:, cols]
                + h @ weights.recurrent_kernel[:, cols]
                + weights.bias[cols]
                for name, cols in gate.items()
            }
            i, f, o = logistic(pre["i"]), logistic(pre["f"]), logistic(pre["o"])
            g = np.tanh(pre["g"])
            c = f * c + i * g
            h = o * np.tanh(c)
            outputs[b, step] = previous = h
        h_all[b], c_all[b] = h, c
    return outputs, h_all, c_all

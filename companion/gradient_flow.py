"""How much the last hidden state feels each input: the norm of dh_T/dx_t against T - t.

For a layer run over x_1 ... x_T, the Jacobian dh_T/dx_t is a (hidden, input_size) matrix
per sample. Backpropagation through time builds it as a product of T - t per-step factors;
when those factors shrink (or grow) the product vanishes (or explodes) exponentially in the
distance T - t. The functions here measure its Frobenius norm, averaged over a batch:

* :func:`rnn_jacobian_norms` with the hand-written BPTT of :mod:`companion.numpy_rnn`;
* :func:`lstm_jacobian_norms` with PyTorch's autograd through ``torch.nn.LSTM``.

Both get every row of the Jacobian in one backward pass: the batch is repeated ``hidden``
times and copy k sends the unit vector e_k back from h_T.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion import numpy_rnn
from companion._checks import real_array
from companion.weights import LSTMWeights, RNNWeights


def _repeat_for_rows(x: np.ndarray, hidden: int) -> tuple[np.ndarray, np.ndarray]:
    """x repeated ``hidden`` times per sample, (batch * hidden, time, input), and the matching
    d_h: one unit vector per copy, (batch * hidden, hidden)."""
    return np.repeat(x, hidden, axis=0), np.tile(np.eye(hidden, dtype=x.dtype), (len(x), 1))


def _norms_by_distance(d_x: np.ndarray, batch: int, hidden: int) -> np.ndarray:
    """Mean over the batch of ||dh_T/dx_t||_F, indexed by distance T - t = 0, ..., T - 1."""
    _, time, input_size = d_x.shape
    jacobians = d_x.reshape(batch, hidden, time, input_size)
    norms = np.sqrt(np.sum(jacobians**2, axis=(1, 3))).mean(axis=0)  # (time,)
    return norms[::-1].copy()


def _checked_x(x: Any, weights: RNNWeights | LSTMWeights) -> np.ndarray:
    x = real_array("x", x, weights.dtype)
    if x.ndim != 3 or x.shape[2] != weights.input_size or x.shape[1] < 1:
        raise ValueError(
            f"x must have shape (batch, time >= 1, {weights.input_size}); got {x.shape}"
        )
    return x


def rnn_jacobian_norms(x: Any, weights: RNNWeights) -> np.ndarray:
    """Mean Frobenius norm of dh_T/dx_t of a vanilla RNN (zero initial state) for each
    distance T - t = 0, 1, ..., T - 1.

    x: (batch, time, input_size). Returns (time,); entry k is the norm at distance k.
    """
    x = _checked_x(x, weights)
    batch, time, _ = x.shape
    hidden = weights.hidden_size
    repeated, d_h = _repeat_for_rows(x, hidden)
    d_outputs = np.zeros((len(repeated), time, hidden), weights.dtype)
    grads = numpy_rnn.gradients(repeated, weights, d_outputs, d_h=d_h)
    return _norms_by_distance(grads.x, batch, hidden)


def lstm_jacobian_norms(x: Any, weights: LSTMWeights) -> np.ndarray:
    """Mean Frobenius norm of dh_T/dx_t of an LSTM (zero initial state), by PyTorch autograd
    through ``torch.nn.LSTM``, for each distance T - t = 0, 1, ..., T - 1.

    x: (batch, time, input_size). Returns (time,); entry k is the norm at distance k.
    """
    import torch

    from companion import torch_lstm

    x = _checked_x(x, weights)
    batch, _, _ = x.shape
    hidden = weights.hidden_size
    repeated, d_h = _repeat_for_rows(x, hidden)
    x_t = torch.from_numpy(repeated).requires_grad_()
    _, (h, _) = torch_lstm.module(weights)(x_t)
    (h[0] * torch.from_numpy(d_h)).sum().backward()
    return _norms_by_distance(x_t.grad.numpy(), batch, hidden)


def with_recurrent_scale(weights: RNNWeights, scale: float) -> RNNWeights:
    """The same RNN with its recurrent kernel multiplied by ``scale``. For the orthogonal
    recurrent kernel of :meth:`RNNWeights.random`, every singular value becomes ``scale``."""
    return RNNWeights(weights.kernel, weights.recurrent_kernel * scale, weights.bias)

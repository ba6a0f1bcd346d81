"""How far back a gradient reaches, measured two ways.

* :func:`input_gradient_norms`: the norm of dL/dx_t for every input step t, for a loss read
  at the end of the sequence, ``L = sum(h_T * d_h)`` (the backpropagation chapter).
* :func:`rnn_jacobian_norms`, :func:`lstm_jacobian_norms`: the Frobenius norm of the whole
  Jacobian dh_T/dx_t, a (hidden, input_size) matrix per sample, against the distance T - t
  (the long-term dependency chapter). Backpropagation through time builds it as a product of
  T - t per-step factors; when those shrink (or grow) the product vanishes (or explodes)
  exponentially in the distance. Every row of the Jacobian comes from one backward pass of
  the NumPy BPTT: the batch is repeated ``hidden`` times and copy k sends the unit vector e_k
  back from h_T.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from companion import numpy_lstm, numpy_rnn
from companion._checks import real_array
from companion.lstm import prepare
from companion.weights import LSTMWeights, RNNWeights


def input_gradient_norms(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    backend: ModuleType = numpy_lstm,
) -> np.ndarray:
    """The norm of dL/dx_t over the batch and features, for each time step t.

    x: (batch, time, input_size); d_h: None (ones) or (batch, hidden), the weights of the
    final hidden state in the loss ``L = sum(h_T * d_h)``; ``backend`` computes the gradient
    (any module with ``gradients``). Returns an array of shape (time,), in input order.
    """
    inputs = prepare(x, weights, initial_state, mask)
    batch, time, _ = inputs.x.shape
    hidden = weights.hidden_size
    if d_h is None:
        d_h = np.ones((batch, hidden), weights.dtype)
    d_outputs = np.zeros((batch, time, hidden), weights.dtype)
    found = backend.gradients(
        inputs.x, weights, d_outputs, (inputs.h0, inputs.c0), d_h=d_h, mask=inputs.mask
    )
    return np.sqrt(np.sum(np.square(found.x), axis=(0, 2)))


def plot_gradient_norms(
    norms: Mapping[str, np.ndarray], *, title: str = "Gradient reaching each input step"
) -> Any:
    """Plot one line per entry of ``norms`` (label -> (time,) norms), log-scaled y axis.

    Returns the matplotlib Figure; call ``plt.show()`` (or save it) afterwards.
    """
    from companion.figures.plots import plot_log_curves

    return plot_log_curves(
        norms,
        title=title,
        xlabel="input time step t (the loss is read after the last step)",
        ylabel=r"$\|\partial L / \partial x_t\|$ (log scale)",
        first_x=1,
        marker="o",
    )


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


def _jacobian_norms(x: Any, weights: RNNWeights | LSTMWeights, backend: ModuleType) -> np.ndarray:
    x = _checked_x(x, weights)
    batch, time, _ = x.shape
    hidden = weights.hidden_size
    repeated, d_h = _repeat_for_rows(x, hidden)
    d_outputs = np.zeros((len(repeated), time, hidden), weights.dtype)
    grads = backend.gradients(repeated, weights, d_outputs, d_h=d_h)
    return _norms_by_distance(grads.x, batch, hidden)


def rnn_jacobian_norms(x: Any, weights: RNNWeights) -> np.ndarray:
    """Mean Frobenius norm of dh_T/dx_t of a vanilla RNN (zero initial state) for each
    distance T - t = 0, 1, ..., T - 1.

    x: (batch, time, input_size). Returns (time,); entry k is the norm at distance k.
    """
    return _jacobian_norms(x, weights, numpy_rnn)


def lstm_jacobian_norms(x: Any, weights: LSTMWeights) -> np.ndarray:
    """Mean Frobenius norm of dh_T/dx_t of an LSTM (zero initial state) for each distance
    T - t = 0, 1, ..., T - 1.

    x: (batch, time, input_size). Returns (time,); entry k is the norm at distance k.
    """
    return _jacobian_norms(x, weights, numpy_lstm)


def with_recurrent_scale(weights: RNNWeights, scale: float) -> RNNWeights:
    """The same RNN with its recurrent kernel multiplied by ``scale``. For the orthogonal
    recurrent kernel of :meth:`RNNWeights.random`, every singular value becomes ``scale``."""
    return RNNWeights(weights.kernel, weights.recurrent_kernel * scale, weights.bias)

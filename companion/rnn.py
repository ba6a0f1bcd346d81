"""What a vanilla RNN takes and returns: the result types and the input validation of every
backend.

``companion.numpy_rnn``, ``companion.keras_rnn`` and ``companion.torch_rnn`` all call
:func:`prepare_rnn` (or, for gradients, :func:`prepare_rnn_gradients`) first and return an
:class:`RNNOutput` or :class:`RNNGradients` of NumPy arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import prepare_cotangents, prepare_inputs
from companion.weights import RNNWeights


class RNNOutput(NamedTuple):
    """What a vanilla RNN layer returns, as NumPy arrays.

    outputs: (batch, time, hidden), the output h_t of every step, in processing order
    h:       (batch, hidden), the final hidden state
    """

    outputs: np.ndarray
    h: np.ndarray


class RNNGradients(NamedTuple):
    """Gradients of a scalar loss L = sum(outputs * d_outputs) + sum(h * d_h) of an RNN call.

    x: (batch, time, input_size), in the order of the x that was passed (also with
    go_backwards); h0: (batch, hidden); kernel, recurrent_kernel, bias: shaped like
    :class:`RNNWeights`'s arrays.
    """

    x: np.ndarray
    h0: np.ndarray
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray


class RNNInputs(NamedTuple):
    """Validated arguments of a vanilla RNN call, in the weights' dtype.

    x: (batch, time, input_size); h0: (batch, hidden); mask: (batch, time) bool or None.
    """

    x: np.ndarray
    h0: np.ndarray
    mask: np.ndarray | None

    def empty_output(self) -> RNNOutput:
        """The result of a sequence with no time steps: no outputs, the initial state."""
        batch, _, _ = self.x.shape
        return RNNOutput(np.zeros((batch, 0, self.h0.shape[1]), self.x.dtype), self.h0)

    def empty_gradients(self, weights: RNNWeights, d_h: np.ndarray) -> RNNGradients:
        """The gradients of a sequence with no time steps: only h0 gets d_h."""
        zeros = (np.zeros_like(a) for a in (self.x, *weights._arrays()))
        d_x, d_kernel, d_recurrent, d_bias = zeros
        return RNNGradients(d_x, d_h, d_kernel, d_recurrent, d_bias)



def prepare_rnn(
    x: Any, weights: RNNWeights, initial_state: Any = None, mask: Any = None
) -> RNNInputs:
    """Validate a vanilla RNN call's arguments, as every RNN backend does before computing.

    ``initial_state`` is None (zeros) or a 1-tuple ``(h0,)``. Raises ``TypeError`` or
    ``ValueError`` naming what was expected and what came.
    """
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"weights must be RNNWeights; got {type(weights).__name__}")
    inputs = prepare_inputs(
        x,
        weights.input_size,
        weights.hidden_size,
        weights.dtype,
        initial_state,
        mask,
        state_names=("h0",),
    )
    return RNNInputs(inputs.x, inputs.states[0], inputs.mask)


def prepare_rnn_gradients(
    inputs: RNNInputs, weights: RNNWeights, d_outputs: Any, d_h: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Validate the upstream gradients of an RNN call: d_outputs (batch, time, hidden) and
    d_h (batch, hidden) or None (zeros). Returns both as arrays in the weights' dtype."""
    batch, time, _ = inputs.x.shape
    d_outputs, d_h = prepare_cotangents(
        d_outputs, {"d_h": d_h}, batch, time, weights.hidden_size, weights.dtype
    )
    return d_outputs, d_h

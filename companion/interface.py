"""What every LSTM and vanilla-RNN backend takes and returns.

``companion.numpy_lstm``, ``companion.keras_lstm`` and ``companion.torch_lstm`` all call
:func:`prepare` first, so bad input gets the same clear error from each before any framework
sees it, and all return an :class:`LSTMOutput` of NumPy arrays. The vanilla RNN backends
(``companion.numpy_rnn``, ``keras_rnn``, ``torch_rnn``) do the same with :func:`prepare_rnn`,
:class:`RNNOutput` and :class:`RNNGradients`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import prepare_inputs, real_array
from companion.weights import LSTMWeights, RNNWeights


class LSTMOutput(NamedTuple):
    """What an LSTM layer returns, as NumPy arrays.

    outputs: (batch, time, hidden), the output h_t of every step, in processing order
    h:       (batch, hidden), the final hidden state
    c:       (batch, hidden), the final cell state
    """

    outputs: np.ndarray
    h: np.ndarray
    c: np.ndarray


class LSTMInputs(NamedTuple):
    """Validated arguments of an LSTM call, in the weights' dtype.

    x: (batch, time, input_size); h0, c0: (batch, hidden); mask: (batch, time) bool or None.
    """

    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    mask: np.ndarray | None

    def empty_output(self) -> LSTMOutput:
        """The result of a sequence with no time steps: no outputs, the initial state."""
        batch, _, _ = self.x.shape
        return LSTMOutput(np.zeros((batch, 0, self.h0.shape[1]), self.x.dtype), self.h0, self.c0)

    def reversed(self) -> LSTMInputs:
        """The same inputs with time reversed, for ``go_backwards=True``."""
        mask = None if self.mask is None else self.mask[:, ::-1]
        return self._replace(x=self.x[:, ::-1], mask=mask)


def prepare(
    x: Any, weights: LSTMWeights, initial_state: Any = None, mask: Any = None
) -> LSTMInputs:
    """Validate an LSTM call's arguments, as every backend does before computing.

    Raises ``TypeError`` or ``ValueError`` naming what was expected and what came.
    """
    if not isinstance(weights, LSTMWeights):
        raise TypeError(f"weights must be LSTMWeights; got {type(weights).__name__}")
    inputs = prepare_inputs(
        x, weights.input_size, weights.hidden_size, weights.dtype, initial_state, mask
    )
    h0, c0 = inputs.states
    return LSTMInputs(inputs.x, h0, c0, inputs.mask)


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

    def reversed(self) -> RNNInputs:
        """The same inputs with time reversed, for ``go_backwards=True``."""
        mask = None if self.mask is None else self.mask[:, ::-1]
        return self._replace(x=self.x[:, ::-1], mask=mask)


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
    shapes = {"d_outputs": (batch, time, weights.hidden_size), "d_h": (batch, weights.hidden_size)}
    arrays = []
    for name, value in (("d_outputs", d_outputs), ("d_h", d_h)):
        if value is None and name == "d_h":
            arrays.append(np.zeros(shapes[name], weights.dtype))
            continue
        array = real_array(name, value, weights.dtype)
        if array.shape != shapes[name]:
            raise ValueError(f"{name} must have shape {shapes[name]}; got {array.shape}")
        arrays.append(array)
    return arrays[0], arrays[1]

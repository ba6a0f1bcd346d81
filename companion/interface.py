"""What every LSTM backend takes and returns.

``companion.numpy_lstm``, ``companion.keras_lstm`` and ``companion.torch_lstm`` all call
:func:`prepare` first, so bad input gets the same clear error from each before any framework
sees it, and all return an :class:`LSTMOutput` of NumPy arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import prepare_inputs
from companion.weights import LSTMWeights


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

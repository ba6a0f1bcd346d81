"""What an LSTM takes and returns: the result types and the input validation of every backend.

:data:`SIGNATURE` declares the LSTM's states (h0, c0), its validated inputs and its result
types once.
``companion.numpy_lstm``, ``companion.keras_lstm`` and ``companion.torch_lstm`` all call
:func:`prepare` (or, for gradients, :func:`prepare_gradients`) first, so bad input gets the
same clear error from each before any framework sees it, and all return an
:class:`LSTMOutput` or :class:`LSTMGradients` of NumPy arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import Signature
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


class LSTMGradients(NamedTuple):
    """Gradients of a scalar loss with respect to everything an LSTM call takes, as NumPy
    arrays shaped like what they are the gradient of.

    kernel: (input_size, 4 * hidden); recurrent_kernel: (hidden, 4 * hidden);
    bias: (4 * hidden,); x: (batch, time, input_size); h0, c0: (batch, hidden)

    The loss is ``sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c)`` (see
    :func:`prepare_gradients`).
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray


class LSTMCotangents(NamedTuple):
    """Validated weights of the loss terms, in the weights' dtype.

    d_outputs: (batch, time, hidden), in processing order like ``LSTMOutput.outputs``;
    d_h, d_c: (batch, hidden), zeros where not given.
    """

    d_outputs: np.ndarray
    d_h: np.ndarray
    d_c: np.ndarray


class LSTMInputs(NamedTuple):
    """Validated arguments of an LSTM call, in the weights' dtype.

    x: (batch, time, input_size); h0, c0: (batch, hidden); mask: (batch, time) bool or None.
    """

    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    mask: np.ndarray | None


SIGNATURE = Signature(
    LSTMWeights, ("h0", "c0"), LSTMOutput, LSTMGradients, LSTMInputs, LSTMCotangents
)
"""What an LSTM call takes and returns; every LSTM backend validates through it."""


def prepare(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    mask: Any = None,
    *,
    go_backwards: Any = False,
) -> LSTMInputs:
    """Validate an LSTM call's arguments, as every backend does before computing.

    Raises ``TypeError`` or ``ValueError`` naming what was expected and what came.
    """
    return SIGNATURE.inputs(x, weights, initial_state, mask, go_backwards)


def prepare_gradients(
    x: Any,
    weights: LSTMWeights,
    d_outputs: Any,
    initial_state: Any = None,
    mask: Any = None,
    d_h: Any = None,
    d_c: Any = None,
    *,
    go_backwards: Any = False,
) -> tuple[LSTMInputs, LSTMCotangents]:
    """Validate a ``gradients`` call, as every backend does before computing.

    The arguments of the forward pass are checked as by :func:`prepare`; then ``d_outputs``
    must be (batch, time, hidden) and ``d_h``, ``d_c`` None or (batch, hidden), all finite.
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    batch, time, _ = inputs.x.shape
    return inputs, SIGNATURE.cotangents(weights, batch, time, d_outputs, d_h=d_h, d_c=d_c)

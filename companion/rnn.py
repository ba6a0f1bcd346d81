"""What a vanilla RNN takes and returns: the result types and the input validation of every
backend.

:data:`SIGNATURE` declares the RNN's one state (h0), its validated inputs and its result types
once.
``companion.numpy_rnn``, ``companion.keras_rnn`` and ``companion.torch_rnn`` all call
:func:`prepare` (or, for gradients, :func:`prepare_gradients`) first and return an
:class:`RNNOutput` or :class:`RNNGradients` of NumPy arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import Signature
from companion.weights import RNNWeights


class RNNOutput(NamedTuple):
    """What a vanilla RNN layer returns, as NumPy arrays.

    outputs: (batch, time, hidden), the output h_t of every step, in processing order
    h:       (batch, hidden), the final hidden state
    """

    outputs: np.ndarray
    h: np.ndarray


class RNNGradients(NamedTuple):
    """Gradients of a scalar loss L = sum(outputs * d_outputs) + sum(h * d_h) of an RNN call,
    weights first as for every model.

    kernel, recurrent_kernel, bias: shaped like :class:`RNNWeights`'s arrays;
    x: (batch, time, input_size), in the order of the x that was passed (also with
    go_backwards); h0: (batch, hidden).
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    x: np.ndarray
    h0: np.ndarray


class RNNInputs(NamedTuple):
    """Validated arguments of a vanilla RNN call, in the weights' dtype.

    x: (batch, time, input_size); h0: (batch, hidden); mask: (batch, time) bool or None.
    """

    x: np.ndarray
    h0: np.ndarray
    mask: np.ndarray | None


class RNNCotangents(NamedTuple):
    """Validated weights of the loss terms, in the weights' dtype.

    d_outputs: (batch, time, hidden), in processing order like ``RNNOutput.outputs``;
    d_h: (batch, hidden), zeros where not given.
    """

    d_outputs: np.ndarray
    d_h: np.ndarray


SIGNATURE = Signature(RNNWeights, ("h0",), RNNOutput, RNNGradients, RNNInputs, RNNCotangents)
"""What a vanilla RNN call takes and returns; every RNN backend validates through it."""


def prepare(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    mask: Any = None,
    *,
    go_backwards: Any = False,
) -> RNNInputs:
    """Validate a vanilla RNN call's arguments, as every RNN backend does before computing.

    ``initial_state`` is None (zeros), the array h0 or a 1-tuple ``(h0,)``. Raises
    ``TypeError`` or ``ValueError`` naming what was expected and what came.
    """
    return SIGNATURE.inputs(x, weights, initial_state, mask, go_backwards)


def prepare_gradients(
    x: Any,
    weights: RNNWeights,
    d_outputs: Any,
    initial_state: Any = None,
    mask: Any = None,
    d_h: Any = None,
    *,
    go_backwards: Any = False,
) -> tuple[RNNInputs, RNNCotangents]:
    """Validate a ``gradients`` call: the arguments of :func:`prepare`, then d_outputs
    (batch, time, hidden) and d_h (batch, hidden) or None (zeros). Returns the inputs and
    the cotangents, arrays in the weights' dtype."""
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    batch, time, _ = inputs.x.shape
    return inputs, SIGNATURE.cotangents(weights, batch, time, d_outputs, d_h=d_h)

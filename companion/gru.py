"""What every GRU backend takes and returns (the GRU's counterpart of ``lstm``).

:data:`SIGNATURE` declares the GRU's one state (h0), its validated inputs and its result types
once.
``companion.numpy_gru``, ``keras_gru`` and ``torch_gru`` all call :func:`prepare` (or
:func:`prepare_gradients`) first, so bad input gets the same clear error from each, and all
return NumPy arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import Signature, flag
from companion.weights import GRUWeights


class GRUOutput(NamedTuple):
    """What a GRU layer returns, as NumPy arrays.

    outputs: (batch, time, hidden), the output h_t of every step, in processing order
    h:       (batch, hidden), the final hidden state
    """

    outputs: np.ndarray
    h: np.ndarray


class GRUGradients(NamedTuple):
    """Gradients of the loss sum(outputs * d_outputs) + sum(h * d_h), in Keras layout.

    kernel, recurrent_kernel, bias: shaped like the GRUWeights fields;
    x: (batch, time, input_size); h0: (batch, hidden).
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    x: np.ndarray
    h0: np.ndarray


class GRUInputs(NamedTuple):
    """Validated arguments of a GRU call, in the weights' dtype.

    x: (batch, time, input_size); h0: (batch, hidden); mask: (batch, time) bool or None.
    """

    x: np.ndarray
    h0: np.ndarray
    mask: np.ndarray | None


class GRUCotangents(NamedTuple):
    """Validated weights of the loss terms, in the weights' dtype.

    d_outputs: (batch, time, hidden), in processing order like ``GRUOutput.outputs``;
    d_h: (batch, hidden), zeros where not given.
    """

    d_outputs: np.ndarray
    d_h: np.ndarray


SIGNATURE = Signature(GRUWeights, ("h0",), GRUOutput, GRUGradients, GRUInputs, GRUCotangents)
"""What a GRU call takes and returns; every GRU backend validates through it."""


def prepare(
    x: Any,
    weights: GRUWeights,
    initial_state: Any = None,
    mask: Any = None,
    reset_after: Any = None,
    *,
    go_backwards: Any = False,
) -> GRUInputs:
    """Validate a GRU call's arguments; ``initial_state`` is None, the array h0 or a 1-tuple
    (h0,). ``reset_after`` None means the weights' layout; a bool must match it."""
    inputs = SIGNATURE.inputs(x, weights, initial_state, mask, go_backwards)
    if reset_after is not None and flag("reset_after", reset_after) != weights.reset_after:
        raise ValueError(
            f"reset_after={reset_after} needs a bias of shape "
            f"{(2, 3 * weights.hidden_size) if reset_after else (3 * weights.hidden_size,)}; "
            f"these weights have {weights.bias.shape}"
        )
    return inputs


def prepare_gradients(
    x: Any,
    weights: GRUWeights,
    d_outputs: Any,
    initial_state: Any = None,
    mask: Any = None,
    d_h: Any = None,
    *,
    go_backwards: Any = False,
    reset_after: Any = None,
) -> tuple[GRUInputs, GRUCotangents]:
    """Validate a ``gradients`` call: the arguments of :func:`prepare`, then d_outputs
    (batch, time, hidden) and d_h (batch, hidden) or None. Returns the inputs and the
    cotangents, in the weights' dtype."""
    inputs = prepare(
        x, weights, initial_state, mask, go_backwards=go_backwards, reset_after=reset_after
    )
    batch, time, _ = inputs.x.shape
    return inputs, SIGNATURE.cotangents(weights, batch, time, d_outputs, d_h=d_h)

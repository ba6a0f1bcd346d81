"""What every GRU backend takes and returns (the GRU's counterpart of ``lstm``).

``companion.numpy_gru``, ``keras_gru`` and ``torch_gru`` all call :func:`prepare` first, so
bad input gets the same clear error from each, and all return NumPy arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._checks import Inputs, prepare_inputs
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


def prepare(
    x: Any, weights: GRUWeights, initial_state: Any, mask: Any, reset_after: bool
) -> Inputs:
    """Validate a GRU call's arguments; ``initial_state`` is None or a 1-tuple (h0,)."""
    if not isinstance(weights, GRUWeights):
        raise TypeError(f"weights must be GRUWeights; got {type(weights).__name__}")
    if weights.reset_after != reset_after:
        raise ValueError(
            f"reset_after={reset_after} needs a bias of shape "
            f"{(2, 3 * weights.hidden_size) if reset_after else (3 * weights.hidden_size,)}; "
            f"these weights have {weights.bias.shape}"
        )
    return prepare_inputs(
        x,
        weights.input_size,
        weights.hidden_size,
        weights.dtype,
        initial_state,
        mask,
        state_names=("h0",),
    )

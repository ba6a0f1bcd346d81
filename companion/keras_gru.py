"""The GRU computed by ``keras.layers.GRU`` (Keras 3, on the backend
``KERAS_BACKEND`` names).

Same functions and signatures as :mod:`companion.numpy_gru`. Each call writes the weights
into a layer of their shape and dtype (built once and reused); gradients come from
the backend's automatic differentiation.
"""

from __future__ import annotations

from typing import Any

from companion._keras_tools import PLACEHOLDER_INITIALIZERS, keras, reused_layer, scoped
from companion.gru import SIGNATURE, GRUGradients, GRUOutput, prepare, prepare_gradients
from companion.weights import GRUWeights


@scoped
def build(weights: GRUWeights, *, go_backwards: bool = False) -> keras.layers.GRU:
    """A built ``keras.layers.GRU`` holding ``weights``, returning sequences and state."""
    gru = keras.layers.GRU(
        weights.hidden_size,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        reset_after=weights.reset_after,
        dtype=str(weights.dtype),
        **PLACEHOLDER_INITIALIZERS,
    )
    gru.build((None, None, weights.input_size))
    return weights.to_keras(gru)


@scoped
def forward(
    x: Any,
    weights: GRUWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool | None = None,
) -> GRUOutput:
    """Run ``keras.layers.GRU`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None, h0 or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time). Returns GRUOutput(outputs, h).
    """
    inputs = prepare(
        x, weights, initial_state, mask, go_backwards=go_backwards, reset_after=reset_after
    )
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_output(weights, inputs)
    gru = reused_layer(build, weights, key=(weights.reset_after,), go_backwards=go_backwards)
    return SIGNATURE.output(*gru.forward(inputs.x, (inputs.h0,), inputs.mask))


@scoped
def gradients(
    x: Any,
    weights: GRUWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool | None = None,
) -> GRUGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h), from the backend's
    automatic differentiation.

    Arguments as :func:`companion.numpy_gru.gradients`.
    """
    inputs, cotangents = prepare_gradients(
        x,
        weights,
        d_outputs,
        initial_state,
        mask,
        d_h,
        go_backwards=go_backwards,
        reset_after=reset_after,
    )
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    gru = reused_layer(build, weights, key=(weights.reset_after,), go_backwards=go_backwards)
    found = gru.gradients(inputs.x, (inputs.h0,), cotangents, inputs.mask)
    return SIGNATURE.gradients(weights, found.variables, found.x, found.states)

"""The vanilla RNN computed by ``keras.layers.SimpleRNN`` (Keras 3, on the
backend ``KERAS_BACKEND`` names).

Same functions and signatures as :mod:`companion.numpy_rnn`: NumPy arrays in, NumPy arrays
out. Each call writes the weights into a layer of their shape and dtype (built once and
reused) with :meth:`RNNWeights.to_keras`, and lets Keras do the masking and the reversal;
gradients come from the backend's automatic differentiation.
"""

from __future__ import annotations

from typing import Any

from companion._keras_tools import PLACEHOLDER_INITIALIZERS, keras, reused_layer, scoped
from companion.rnn import SIGNATURE, RNNGradients, RNNOutput, prepare, prepare_gradients
from companion.weights import RNNWeights


@scoped
def build(weights: RNNWeights, *, go_backwards: bool = False) -> keras.layers.SimpleRNN:
    """A built ``keras.layers.SimpleRNN`` (tanh) holding ``weights``, returning sequences and
    the final state."""
    rnn = keras.layers.SimpleRNN(
        weights.hidden_size,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        dtype=str(weights.dtype),
        **PLACEHOLDER_INITIALIZERS,
    )
    rnn.build((None, None, weights.input_size))
    return weights.to_keras(rnn)


@scoped
def forward(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNOutput:
    """Run ``keras.layers.SimpleRNN`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None, h0 or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time).
    Returns RNNOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_output(weights, inputs)
    rnn = reused_layer(build, weights, go_backwards=go_backwards)
    return SIGNATURE.output(*rnn.forward(inputs.x, [inputs.h0], inputs.mask))


@scoped
def gradients(
    x: Any,
    weights: RNNWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNGradients:
    """The gradients of L = sum(outputs * d_outputs) + sum(h * d_h), by the
    backend's automatic differentiation.

    Same arguments and result as :func:`companion.numpy_rnn.gradients`.
    """
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, go_backwards=go_backwards
    )
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    rnn = reused_layer(build, weights, go_backwards=go_backwards)
    found = rnn.gradients(inputs.x, [inputs.h0], cotangents, inputs.mask)
    return SIGNATURE.gradients(weights, found.variables, found.x, found.states)

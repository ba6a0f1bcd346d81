"""The vanilla RNN computed by ``keras.layers.SimpleRNN`` (Keras 3, TensorFlow backend).

Same functions and signatures as :mod:`companion.numpy_rnn`: NumPy arrays in, NumPy arrays
out. Each call builds a fresh layer in the weights' dtype, writes the weights into it with
:meth:`RNNWeights.to_keras`, and lets Keras do the masking and the reversal; gradients come
from ``tf.GradientTape``.
"""

from __future__ import annotations

from typing import Any

from companion._keras_tools import gradients as tape_gradients
from companion._keras_tools import keras, to_numpy
from companion.rnn import RNNGradients, RNNOutput, prepare_rnn, prepare_rnn_gradients
from companion.weights import RNNWeights


def layer(weights: RNNWeights, *, go_backwards: bool = False) -> keras.layers.SimpleRNN:
    """A built ``keras.layers.SimpleRNN`` (tanh) holding ``weights``, returning sequences and
    the final state."""
    rnn = keras.layers.SimpleRNN(
        weights.hidden_size,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        dtype=str(weights.dtype),
    )
    rnn.build((None, None, weights.input_size))
    return weights.to_keras(rnn)


def forward(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNOutput:
    """Run ``keras.layers.SimpleRNN`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time).
    Returns RNNOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    inputs = prepare_rnn(x, weights, initial_state, mask)
    if inputs.x.shape[1] == 0:  # Keras cannot slice a sequence with no steps
        return inputs.empty_output()
    outputs, h = layer(weights, go_backwards=go_backwards)(
        inputs.x, initial_state=[inputs.h0], mask=inputs.mask
    )
    return RNNOutput(*to_numpy((outputs, h)))


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
    """The gradients of L = sum(outputs * d_outputs) + sum(h * d_h), by ``tf.GradientTape``.

    Same arguments and result as :func:`companion.numpy_rnn.gradients`.
    """
    inputs = prepare_rnn(x, weights, initial_state, mask)
    d_outputs, d_h = prepare_rnn_gradients(inputs, weights, d_outputs, d_h)
    if inputs.x.shape[1] == 0:
        return inputs.empty_gradients(weights, d_h)
    rnn = layer(weights, go_backwards=go_backwards)
    kernel, recurrent, bias, d_x, d_h0 = tape_gradients(
        lambda x, states: rnn(x, initial_state=states, mask=inputs.mask),
        rnn.trainable_variables,
        inputs.x,
        [inputs.h0],
        [d_outputs, d_h],
    )
    return RNNGradients(d_x, d_h0, kernel, recurrent, bias)

"""The GRU computed by ``keras.layers.GRU`` (Keras 3, TensorFlow backend).

Same functions and signatures as :mod:`companion.numpy_gru`. Each call builds a fresh layer
in the weights' dtype and writes the weights into it; gradients come from
``tf.GradientTape``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion._keras_tools import gradients as _tape_gradients
from companion._keras_tools import keras, to_numpy
from companion._scan import gradient_seeds
from companion.gru import GRUGradients, GRUOutput, prepare
from companion.weights import GRUWeights


def layer(weights: GRUWeights, *, go_backwards: bool = False) -> keras.layers.GRU:
    """A built ``keras.layers.GRU`` holding ``weights``, returning sequences and state."""
    gru = keras.layers.GRU(
        weights.hidden_size,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        reset_after=weights.reset_after,
        dtype=str(weights.dtype),
    )
    gru.build((None, None, weights.input_size))
    return weights.to_keras(gru)


def forward(
    x: Any,
    weights: GRUWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool = True,
) -> GRUOutput:
    """Run ``keras.layers.GRU`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time). Returns GRUOutput(outputs, h).
    """
    inputs = prepare(x, weights, initial_state, mask, reset_after)
    if inputs.time == 0:  # Keras cannot slice a sequence with no steps
        return GRUOutput(
            np.zeros((*inputs.x.shape[:2], weights.hidden_size), weights.dtype), inputs.states[0]
        )
    outputs, h = layer(weights, go_backwards=go_backwards)(
        inputs.x, initial_state=list(inputs.states), mask=inputs.mask
    )
    return GRUOutput(*to_numpy((outputs, h)))


def gradients(
    x: Any,
    weights: GRUWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool = True,
) -> GRUGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h), from ``tf.GradientTape``.

    Arguments as :func:`companion.numpy_gru.gradients`.
    """
    inputs = prepare(x, weights, initial_state, mask, reset_after)
    d_outputs, seeds = gradient_seeds(inputs, d_outputs, d_h=d_h)
    if inputs.time == 0:
        zeros = [
            np.zeros_like(a)
            for a in (weights.kernel, weights.recurrent_kernel, weights.bias, inputs.x)
        ]
        return GRUGradients(*zeros, seeds[0])
    gru = layer(weights, go_backwards=go_backwards)
    grads = _tape_gradients(
        lambda x_t, states: gru(x_t, initial_state=states, mask=inputs.mask),
        gru.trainable_weights,
        inputs.x,
        inputs.states,
        [d_outputs, *seeds],
    )
    return GRUGradients(*grads)

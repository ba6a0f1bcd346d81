"""Stacked and bidirectional LSTMs in Keras: ``keras.layers.Bidirectional(keras.layers.LSTM)``
(or plain ``LSTM`` layers) applied one after another; gradients from ``tf.GradientTape``.
Same functions as :mod:`companion.numpy_stacked`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion._keras_tools import gradients as _tape_gradients
from companion._keras_tools import keras, to_numpy
from companion.stacked import (
    StackedGradients,
    StackedOutput,
    StackedWeights,
    check_input,
    check_seeds,
)
from companion.weights import LSTMWeights


def layers(weights: StackedWeights) -> list[keras.layers.Layer]:
    """One built Keras layer per stacked layer (``Bidirectional`` when two directions),
    returning sequences and states, holding ``weights``."""
    built = []
    for directions in weights.layers:
        lstm = keras.layers.LSTM(
            weights.hidden_size,
            return_sequences=True,
            return_state=True,
            dtype=str(weights.dtype),
        )
        if len(directions) == 2:
            lstm = keras.layers.Bidirectional(lstm, dtype=str(weights.dtype))
        lstm.build((None, None, directions[0].input_size))
        built.append(lstm)
    return weights.to_keras(built)


def _run(x: Any, built: list) -> tuple[Any, list[Any], list[Any]]:
    h, c = [], []
    for layer in built:
        x, *states = layer(x)  # outputs, then h, c of each direction
        h += states[0::2]
        c += states[1::2]
    return x, h, c


def forward(x: Any, weights: StackedWeights) -> StackedOutput:
    """x: (batch, time, input_size), initial states zero.
    Returns StackedOutput(outputs (batch, time, directions * hidden), h, c)."""
    x = check_input(x, weights)
    outputs, h, c = _run(x, layers(weights))
    return StackedOutput(*to_numpy([outputs]), np.stack(to_numpy(h)), np.stack(to_numpy(c)))


def gradients(
    x: Any, weights: StackedWeights, d_outputs: Any, *, d_h: Any = None, d_c: Any = None
) -> StackedGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c), from
    ``tf.GradientTape``."""
    x = check_input(x, weights)
    d_outputs, d_h, d_c = check_seeds(weights, x, d_outputs, d_h, d_c)
    built = layers(weights)
    variables = [variable for layer in built for variable in layer.trainable_weights]

    def call(x_tensor: Any, _: Any) -> list[Any]:
        outputs, h, c = _run(x_tensor, built)
        return [outputs, *h, *c]

    seeds = [d_outputs, *d_h, *d_c]
    grads = _tape_gradients(call, variables, x, [], seeds)
    arrays = iter(grads[:-1])
    stacked = StackedWeights(
        tuple(
            tuple(LSTMWeights(next(arrays), next(arrays), next(arrays)) for _ in directions)
            for directions in weights.layers
        )
    )
    return StackedGradients(stacked, grads[-1])

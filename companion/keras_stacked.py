"""Stacked and bidirectional LSTMs in Keras: ``keras.layers.Bidirectional(keras.layers.LSTM)``
(or plain ``LSTM`` layers) applied one after another; gradients from
the backend's automatic differentiation.
Same functions as :mod:`companion.numpy_stacked`.

``Bidirectional`` sets its layers' ``zero_output_for_mask``, so that a masked step outputs
zeros; it is set back to False here, so that a masked step repeats its previous output in
every layer, as a plain Keras ``LSTM`` (and every backend of the companion) does. With
``go_backwards`` the stack runs on the time-reversed inputs (what a Keras stack whose first
layer has ``go_backwards=True`` computes; see :mod:`companion.stacked`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion._checks import reverse_time
from companion._keras_tools import (
    PLACEHOLDER_INITIALIZERS,
    keras,
    reused_layer,
    scoped,
    started,
    zero_before_start,
)
from companion.stacked import (
    SIGNATURE,
    StackedGradients,
    StackedOutput,
    StackedWeights,
    prepare,
    prepare_gradients,
)


@scoped
def build(weights: StackedWeights) -> list[keras.layers.Layer]:
    """One built Keras layer per stacked layer (``Bidirectional`` when two directions),
    returning sequences and states, holding ``weights``."""
    built = []
    for directions in weights.layers:
        lstm = keras.layers.LSTM(
            weights.hidden_size,
            return_sequences=True,
            return_state=True,
            dtype=str(weights.dtype),
            **PLACEHOLDER_INITIALIZERS,
        )
        if len(directions) == 2:
            lstm = keras.layers.Bidirectional(lstm, dtype=str(weights.dtype))
            lstm.forward_layer.zero_output_for_mask = False
            lstm.backward_layer.zero_output_for_mask = False
        lstm.build((None, None, directions[0].input_size))
        built.append(lstm)
    return weights.to_keras(built)


def _directions(weights: StackedWeights) -> tuple[int, ...]:
    """The number of directions of each layer: with the sizes and the dtype, what
    :func:`build` fixes besides the weights' values."""
    return tuple(len(directions) for directions in weights.layers)


def _run(built: list, x: Any, states: list[Any], mask: Any) -> list[Any]:
    """[outputs, h of every layer and direction..., c of every layer and direction...] from
    states [h0, c0], each (layers * directions, batch, hidden)."""
    h, c = [], []
    for layer in built:
        directions = 2 if isinstance(layer, keras.layers.Bidirectional) else 1
        first = len(h)
        initial = [
            state[first + d] for d in range(directions) for state in states
        ]  # h, c of each direction in turn
        x, *final = layer(x, initial_state=initial, mask=mask)
        if mask is not None:  # each direction's outputs before its first step: zero
            reading_orders = (
                started(mask),
                keras.ops.flip(started(mask, go_backwards=True), axis=1),
            )
            halves = keras.ops.split(x, directions, axis=-1)
            x = keras.ops.concatenate(
                [
                    zero_before_start(half, order)
                    for half, order in zip(halves, reading_orders[:directions], strict=True)
                ],
                axis=-1,
            )
        h += final[0::2]
        c += final[1::2]
    return [x, *h, *c]


@scoped
def forward(
    x: Any,
    weights: StackedWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> StackedOutput:
    """Arguments and result as :func:`companion.numpy_stacked.forward`."""
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_output(weights, inputs)
    if go_backwards:
        inputs = reverse_time(inputs)
    stack = reused_layer(build, weights, key=_directions(weights), run=_run)
    outputs, *states = stack.forward(inputs.x, [inputs.h0, inputs.c0], inputs.mask)
    count = len(states) // 2
    return SIGNATURE.output(outputs, np.stack(states[:count]), np.stack(states[count:]))


@scoped
def gradients(
    x: Any,
    weights: StackedWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> StackedGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c), from
    the backend's automatic differentiation. Arguments as
    :func:`companion.numpy_stacked.gradients`."""
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    if inputs.x.size == 0:
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    if go_backwards:
        inputs = reverse_time(inputs)
    stack = reused_layer(build, weights, key=_directions(weights), run=_run)
    d_outputs, d_h, d_c = cotangents
    found = stack.gradients(
        inputs.x, [inputs.h0, inputs.c0], [d_outputs, *d_h, *d_c], inputs.mask
    )
    d_x = found.x[:, ::-1] if go_backwards else found.x
    return SIGNATURE.gradients(weights, found.variables, d_x, found.states)

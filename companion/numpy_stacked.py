"""Stacked and bidirectional LSTMs in NumPy, built from the one-layer NumPy LSTM.

Forwards, each layer runs :func:`companion.numpy_lstm.forward` once per direction (the
backward direction with ``go_backwards=True``, its outputs flipped back to time order), from
that direction's initial state and with the same mask. Backwards, each layer and direction
runs :func:`companion.numpy_lstm.gradients`, from the top layer down. With
``go_backwards`` the whole stack runs on the time-reversed inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion import numpy_lstm
from companion._checks import reverse_time
from companion.stacked import (
    SIGNATURE,
    StackedGradients,
    StackedInputs,
    StackedOutput,
    StackedWeights,
    prepare,
    prepare_gradients,
)


def _run(inputs: StackedInputs, weights: StackedWeights):
    """The input of every layer then the last layer's output, and the final h and c."""
    layer_inputs, h, c = [inputs.x], [], []
    h0, c0 = inputs.h0, inputs.c0
    for layer in weights.layers:
        outputs = []
        for direction, lstm in enumerate(layer):
            index = len(h)
            out = numpy_lstm.forward(
                layer_inputs[-1],
                lstm,
                (h0[index], c0[index]),
                mask=inputs.mask,
                go_backwards=bool(direction),
            )
            outputs.append(out.outputs[:, ::-1] if direction else out.outputs)
            h.append(out.h)
            c.append(out.c)
        layer_inputs.append(np.concatenate(outputs, axis=2))
    return layer_inputs, h, c


def forward(
    x: Any,
    weights: StackedWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> StackedOutput:
    """x: (batch, time, input_size); initial_state: None (zeros) or (h0, c0), each
    (layers * directions, batch, hidden); mask: None or boolean (batch, time);
    go_backwards: the stack reads x reversed in time.
    Returns StackedOutput(outputs (batch, time, directions * hidden), in processing order,
    h, c)."""
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    layer_inputs, h, c = _run(reverse_time(inputs) if go_backwards else inputs, weights)
    return SIGNATURE.output(layer_inputs[-1], np.stack(h), np.stack(c))


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
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c).

    d_outputs: (batch, time, directions * hidden), in the processing order of ``outputs``;
    d_h, d_c: (layers * directions, batch, hidden) or None (zeros). Other arguments as
    :func:`forward`; the gradient of x is in the order of the x passed.
    """
    inputs, (d_above, d_h, d_c) = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    if go_backwards:
        inputs = reverse_time(inputs)
    layer_inputs, _, _ = _run(inputs, weights)
    hidden, directions = weights.hidden_size, weights.directions
    h0, c0 = inputs.h0, inputs.c0
    d_h0, d_c0 = np.zeros_like(h0), np.zeros_like(c0)
    d_weights: list[np.ndarray] = []
    for index in reversed(range(len(weights.layers))):
        d_input = np.zeros_like(layer_inputs[index])
        layer_grads = []
        for direction, lstm in enumerate(weights.layers[index]):
            d_own = d_above[:, :, direction * hidden : (direction + 1) * hidden]
            state = index * directions + direction
            g = numpy_lstm.gradients(
                layer_inputs[index],
                lstm,
                d_own[:, ::-1] if direction else d_own,  # processing order
                (h0[state], c0[state]),
                d_h=d_h[state],
                d_c=d_c[state],
                mask=inputs.mask,
                go_backwards=bool(direction),
            )
            d_input += g.x
            d_h0[state], d_c0[state] = g.h0, g.c0
            layer_grads += [g.kernel, g.recurrent_kernel, g.bias]
        d_weights = layer_grads + d_weights
        d_above = d_input
    d_x = d_above[:, ::-1] if go_backwards else d_above
    return SIGNATURE.gradients(weights, d_weights, d_x, (d_h0, d_c0))

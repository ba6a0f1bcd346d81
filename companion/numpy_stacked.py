"""Stacked and bidirectional LSTMs in NumPy, built from the one-layer NumPy LSTM.

Forwards, each layer runs :func:`companion.numpy_lstm.forward` once per direction (the
backward direction with ``go_backwards=True``, its outputs flipped back to time order).
Backwards, each layer and direction runs the hand-written backpropagation of
:mod:`companion.numpy_variants` for the variant without peepholes ("NP"), which is exactly
this LSTM, from the top layer down.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion import numpy_lstm, numpy_variants
from companion.stacked import (
    StackedGradients,
    StackedOutput,
    StackedWeights,
    check_input,
    check_seeds,
)
from companion.variants import VARIANTS, VariantWeights
from companion.weights import LSTMWeights


def _run(x: np.ndarray, weights: StackedWeights):
    """The input of every layer then the last layer's output, and the final h and c."""
    inputs, h, c = [x], [], []
    for layer in weights.layers:
        outputs = []
        for direction, lstm in enumerate(layer):
            out = numpy_lstm.forward(inputs[-1], lstm, go_backwards=bool(direction))
            outputs.append(out.outputs[:, ::-1] if direction else out.outputs)
            h.append(out.h)
            c.append(out.c)
        inputs.append(np.concatenate(outputs, axis=2))
    return inputs, h, c


def forward(x: Any, weights: StackedWeights) -> StackedOutput:
    """x: (batch, time, input_size), initial states zero.
    Returns StackedOutput(outputs (batch, time, directions * hidden), h, c)."""
    inputs, h, c = _run(check_input(x, weights), weights)
    return StackedOutput(inputs[-1], np.stack(h), np.stack(c))


def gradients(
    x: Any, weights: StackedWeights, d_outputs: Any, *, d_h: Any = None, d_c: Any = None
) -> StackedGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c).

    d_outputs: (batch, time, directions * hidden); d_h, d_c: (layers * directions, batch,
    hidden) or None (zeros).
    """
    x = check_input(x, weights)
    d_above, d_h, d_c = check_seeds(weights, x, d_outputs, d_h, d_c)
    inputs, _, _ = _run(x, weights)
    hidden, directions = weights.hidden_size, weights.directions
    grads: list[tuple[LSTMWeights, ...]] = []
    for index in reversed(range(len(weights.layers))):
        d_input = np.zeros_like(inputs[index])
        layer_grads = []
        for direction, lstm in enumerate(weights.layers[index]):
            d_own = d_above[:, :, direction * hidden : (direction + 1) * hidden]
            state = index * directions + direction
            g = numpy_variants.gradients(
                inputs[index],
                VariantWeights.from_lstm(lstm, VARIANTS["NP"]),
                d_own[:, ::-1] if direction else d_own,  # processing order
                d_h=d_h[state],
                d_c=d_c[state],
                go_backwards=bool(direction),
            )
            d_input += g.x
            layer_grads.append(LSTMWeights(g.kernel, g.recurrent_kernel, g.bias))
        grads.insert(0, tuple(layer_grads))
        d_above = d_input
    return StackedGradients(StackedWeights(tuple(grads)), d_above)

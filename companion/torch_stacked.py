"""Stacked and bidirectional LSTMs computed by one ``torch.nn.LSTM(num_layers,
bidirectional)``; gradients from autograd. Same functions as :mod:`companion.numpy_stacked`.

PyTorch has no masks: a masked call runs layer by layer, each direction a one-layer
``nn.LSTM`` stepped with the mask by :func:`companion._torch_tools.run_module` (the backward
direction on the time-reversed sequence, its outputs flipped back), as Keras does. With
``go_backwards`` (which ``nn.LSTM`` lacks) the stack runs on the time-reversed inputs.
"""

from __future__ import annotations

from typing import Any

import torch

from companion import torch_lstm
from companion._checks import reverse_time
from companion._torch_tools import backprop_modules, run_module, tensor
from companion.stacked import (
    SIGNATURE,
    StackedGradients,
    StackedInputs,
    StackedOutput,
    StackedWeights,
    prepare,
    prepare_gradients,
)
from companion.weights import LSTMWeights


def build(weights: StackedWeights) -> torch.nn.LSTM:
    """A batch-first ``torch.nn.LSTM`` holding every layer and direction of ``weights``."""
    lstm = torch.nn.LSTM(
        weights.input_size,
        weights.hidden_size,
        num_layers=len(weights.layers),
        bidirectional=weights.directions == 2,
        batch_first=True,
        dtype=getattr(torch, str(weights.dtype)),
    )
    return weights.to_torch(lstm)


def _run(
    weights: StackedWeights,
    inputs: StackedInputs,
    x: torch.Tensor,
    states: tuple[torch.Tensor, ...],
) -> tuple[tuple[torch.Tensor, ...], list[torch.nn.LSTM]]:
    """(outputs, h, c) and the modules that computed them: without a mask one
    ``nn.LSTM(num_layers, bidirectional)``, with one a one-layer ``nn.LSTM`` per layer and
    direction."""
    if inputs.mask is None:
        lstm = build(weights)
        outputs, (h, c) = lstm(x, states)
        return (outputs, h, c), [lstm]
    modules, h, c = [], [], []
    for layer in weights.layers:
        outputs = []
        for direction, lstm_weights in enumerate(layer):
            lstm = torch_lstm.build(lstm_weights)
            index = len(modules)
            state = (states[0][index], states[1][index])
            if direction:  # the backward direction reads the sequence reversed
                out, (h_new, c_new) = run_module(lstm, x.flip(1), state, inputs.mask[:, ::-1])
                out = out.flip(1)
            else:
                out, (h_new, c_new) = run_module(lstm, x, state, inputs.mask)
            modules.append(lstm)
            outputs.append(out)
            h.append(h_new)
            c.append(c_new)
        x = torch.cat(outputs, dim=2)
    return (x, torch.stack(h), torch.stack(c)), modules


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
    if inputs.x.size == 0:
        return SIGNATURE.empty_output(weights, inputs)
    if go_backwards:
        inputs = reverse_time(inputs)
    states = (tensor(inputs.h0), tensor(inputs.c0))
    with torch.no_grad():
        results, _ = _run(weights, inputs, tensor(inputs.x), states)
    return SIGNATURE.output(*(r.numpy() for r in results))


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
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c), from autograd,
    read back through the converters into Keras layout. Arguments as
    :func:`companion.numpy_stacked.gradients`."""
    inputs, seeds = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    if inputs.x.size == 0:
        return SIGNATURE.empty_gradients(weights, inputs, seeds)
    if go_backwards:
        inputs = reverse_time(inputs)
    x_tensor = tensor(inputs.x, True)
    states = (tensor(inputs.h0, True), tensor(inputs.c0, True))
    results, modules = _run(weights, inputs, x_tensor, states)
    d_x, d_h0, d_c0 = backprop_modules(
        results,
        seeds,
        modules,
        [x_tensor, *states],
        biases_summed=LSTMWeights.torch_biases_summed,
    )
    if len(modules) == 1:
        d_weights = StackedWeights.from_torch(modules[0])
    else:
        read = iter(LSTMWeights.from_torch(lstm) for lstm in modules)
        d_weights = StackedWeights(
            tuple(tuple(next(read) for _ in layer) for layer in weights.layers)
        )
    if go_backwards:
        d_x = d_x[:, ::-1]
    return SIGNATURE.gradients(weights, d_weights.arrays(), d_x, (d_h0, d_c0))

"""Stacked and bidirectional LSTMs computed by one ``torch.nn.LSTM(num_layers,
bidirectional)``; gradients from autograd. Same functions as :mod:`companion.numpy_stacked`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from companion._torch_tools import backprop, tensor
from companion.stacked import (
    StackedGradients,
    StackedOutput,
    StackedWeights,
    check_input,
    check_seeds,
)


def module(weights: StackedWeights) -> torch.nn.LSTM:
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


def forward(x: Any, weights: StackedWeights) -> StackedOutput:
    """x: (batch, time, input_size), initial states zero.
    Returns StackedOutput(outputs (batch, time, directions * hidden), h, c)."""
    x = check_input(x, weights)
    with torch.no_grad():
        outputs, (h, c) = module(weights)(tensor(x))
    return StackedOutput(outputs.numpy(), h.numpy(), c.numpy())


def gradients(
    x: Any, weights: StackedWeights, d_outputs: Any, *, d_h: Any = None, d_c: Any = None
) -> StackedGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c), from autograd,
    read back through the converters into Keras layout."""
    x = check_input(x, weights)
    seeds = check_seeds(weights, x, d_outputs, d_h, d_c)
    lstm = module(weights)
    x_tensor = tensor(x, True)
    outputs, (h, c) = lstm(x_tensor)
    names, params = zip(*lstm.named_parameters(), strict=True)
    *param_grads, d_x = backprop((outputs, h, c), seeds, [*params, x_tensor])
    with torch.no_grad():
        for name, param, grad in zip(names, params, param_grads, strict=True):
            # from_torch adds bias_ih and bias_hh; both have the bias's gradient, once.
            param.copy_(torch.from_numpy(np.array(grad) * (not name.startswith("bias_hh"))))
    return StackedGradients(StackedWeights.from_torch(lstm), d_x)

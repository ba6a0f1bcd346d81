"""LSTM variants in PyTorch: a custom ``torch.nn.Module``.

:class:`VariantLSTM` runs :func:`companion.variants.cell_step` with ``torch.sigmoid`` and
``torch.tanh`` one time step at a time; autograd gives the gradients. Same functions and
signatures as :mod:`companion.numpy_variants`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from companion._checks import reverse_time
from companion._torch_tools import backprop, masked_scan, tensor
from companion.lstm import LSTMOutput
from companion.variants import (
    SIGNATURE,
    VariantGradients,
    VariantWeights,
    cell_step,
    prepare,
    prepare_gradients,
)


class VariantLSTM(torch.nn.Module):
    """A batch-first recurrent layer computing ``weights.variant``, holding ``weights`` as
    parameters (kernel, recurrent_kernel, bias, peephole, gate_kernel, in Keras layout)."""

    def __init__(self, weights: VariantWeights) -> None:
        super().__init__()
        self.variant = weights.variant
        self.kernel, self.recurrent_kernel, self.bias, self.peephole, self.gate_kernel = (
            torch.nn.Parameter(tensor(array)) for array in weights.arrays()
        )

    def params(self) -> tuple[torch.nn.Parameter, ...]:
        return self.kernel, self.recurrent_kernel, self.bias, self.peephole, self.gate_kernel

    def forward(
        self,
        x: torch.Tensor,
        states: tuple[torch.Tensor, ...],
        mask: np.ndarray | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """x: (batch, time, input_size); states: (h, c) or (h, c, i, f, o), (batch, hidden).
        Returns (outputs (batch, time, hidden), final states)."""
        params = self.params()

        def step(x_t: torch.Tensor, step_states: tuple[torch.Tensor, ...]):
            return cell_step(self.variant, params, x_t, step_states, torch.sigmoid, torch.tanh)[0]

        return masked_scan(step, x, states, mask)


def build(weights: VariantWeights) -> VariantLSTM:
    """A :class:`VariantLSTM` holding ``weights``."""
    return VariantLSTM(weights)


def forward(
    x: Any,
    weights: VariantWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMOutput:
    """Run the variant as a PyTorch module.

    x: (batch, time, input_size); initial_state: None or (h0, c0), each (batch, hidden);
    mask: None or boolean (batch, time). Returns LSTMOutput(outputs, h, c).
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if inputs.x.size == 0:  # no sample or no step: nothing to run
        return SIGNATURE.empty_output(weights, inputs)
    if go_backwards:
        inputs = reverse_time(inputs)
    states = weights.variant.initial_states(inputs.h0, inputs.c0)
    with torch.no_grad():
        outputs, states = build(weights)(
            tensor(inputs.x), tuple(tensor(s) for s in states), inputs.mask
        )
    return SIGNATURE.output(outputs.numpy(), states[0].numpy(), states[1].numpy())


def gradients(
    x: Any,
    weights: VariantWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> VariantGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c), from autograd.
    Arguments as :func:`companion.numpy_variants.gradients`."""
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    if inputs.x.size == 0:  # no sample or no step: nothing to run
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    if go_backwards:
        inputs = reverse_time(inputs)
    module = build(weights)
    x_t = tensor(inputs.x, True)
    states = tuple(
        tensor(s, True) for s in weights.variant.initial_states(inputs.h0, inputs.c0)
    )
    outputs, final = module(x_t, states, inputs.mask)
    *d_weights, d_x, d_h0, d_c0 = backprop(
        (outputs, final[0], final[1]), cotangents, [*module.params(), x_t, *states[:2]]
    )
    if go_backwards:
        d_x = d_x[:, ::-1]
    return SIGNATURE.gradients(weights, d_weights, d_x, (d_h0, d_c0))

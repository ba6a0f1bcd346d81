"""The GRU computed by ``torch.nn.GRU``.

Same functions and signatures as :mod:`companion.numpy_gru`. PyTorch's GRU always applies
the reset gate after the recurrent matrix product (Keras's ``reset_after=True``); asked for
``reset_after=False`` it raises a ValueError. Gradients come from autograd and are returned
in Keras layout (gate order z, r, h; bias rows for the input and the recurrent projection).
"""

from __future__ import annotations

from typing import Any

import torch

from companion._checks import reverse_time
from companion._torch_tools import backprop_modules, run_module, tensor
from companion.gru import SIGNATURE, GRUGradients, GRUOutput, prepare, prepare_gradients
from companion.weights import GRUWeights

_NO_RESET_BEFORE = (
    "torch.nn.GRU cannot compute reset_after=False: it always applies the reset gate after "
    "the recurrent matrix product; use numpy_gru or keras_gru for the original GRU"
)


def build(weights: GRUWeights) -> torch.nn.GRU:
    """A ``torch.nn.GRU`` (batch_first) holding ``weights``, in the weights' dtype."""
    gru = torch.nn.GRU(
        weights.input_size,
        weights.hidden_size,
        batch_first=True,
        dtype=getattr(torch, str(weights.dtype)),
    )
    return weights.to_torch(gru)


def forward(
    x: Any,
    weights: GRUWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool | None = None,
) -> GRUOutput:
    """Run ``torch.nn.GRU`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None, h0 or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time). Returns GRUOutput(outputs, h).
    """
    inputs = prepare(
        x, weights, initial_state, mask, go_backwards=go_backwards, reset_after=reset_after
    )
    if not weights.reset_after:
        raise ValueError(_NO_RESET_BEFORE)
    if inputs.x.size == 0:  # no sample or no step: nn.GRU would reject it
        return SIGNATURE.empty_output(weights, inputs)
    if go_backwards:
        inputs = reverse_time(inputs)
    with torch.no_grad():
        outputs, (h,) = run_module(
            build(weights), tensor(inputs.x), (tensor(inputs.h0),), inputs.mask
        )
    return SIGNATURE.output(outputs.numpy(), h.numpy())


def gradients(
    x: Any,
    weights: GRUWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool | None = None,
) -> GRUGradients:
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h), from autograd, in Keras layout.

    Arguments as :func:`companion.numpy_gru.gradients`.
    """
    inputs, cotangents = prepare_gradients(
        x,
        weights,
        d_outputs,
        initial_state,
        mask,
        d_h,
        go_backwards=go_backwards,
        reset_after=reset_after,
    )
    if not weights.reset_after:
        raise ValueError(_NO_RESET_BEFORE)
    if inputs.x.size == 0:  # no sample or no step: nn.GRU would reject it
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    if go_backwards:
        inputs = reverse_time(inputs)
    gru = build(weights)
    x_t, h0 = tensor(inputs.x, True), tensor(inputs.h0, True)
    outputs, (h,) = run_module(gru, x_t, (h0,), inputs.mask)
    d_x, d_h0 = backprop_modules(
        (outputs, h), cotangents, [gru], [x_t, h0], biases_summed=weights.torch_biases_summed
    )
    if go_backwards:
        d_x = d_x[:, ::-1]
    d_weights = GRUWeights.from_torch(gru).arrays()
    return SIGNATURE.gradients(weights, d_weights, d_x, (d_h0,))

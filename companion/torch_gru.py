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
from companion._scan import gradient_seeds
from companion._torch_tools import backprop, run_module, tensor
from companion.gru import GRUGradients, GRUOutput, prepare
from companion.weights import GRUWeights

_NO_RESET_BEFORE = (
    "torch.nn.GRU cannot compute reset_after=False: it always applies the reset gate after "
    "the recurrent matrix product; use numpy_gru or keras_gru for the original GRU"
)


def module(weights: GRUWeights) -> torch.nn.GRU:
    """A ``torch.nn.GRU`` (batch_first) holding ``weights``, in the weights' dtype."""
    gru = torch.nn.GRU(
        weights.input_size,
        weights.hidden_size,
        batch_first=True,
        dtype=getattr(torch, str(weights.dtype)),
    )
    return weights.to_torch(gru)


def _checked(x, weights, initial_state, mask, go_backwards, reset_after):
    if not reset_after:
        raise ValueError(_NO_RESET_BEFORE)
    inputs = prepare(x, weights, initial_state, mask, reset_after)
    return reverse_time(inputs) if go_backwards else inputs


def forward(
    x: Any,
    weights: GRUWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    reset_after: bool = True,
) -> GRUOutput:
    """Run ``torch.nn.GRU`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time). Returns GRUOutput(outputs, h).
    """
    inputs = _checked(x, weights, initial_state, mask, go_backwards, reset_after)
    with torch.no_grad():
        outputs, (h,) = run_module(
            module(weights), tensor(inputs.x), (tensor(inputs.states[0]),), inputs.mask
        )
    return GRUOutput(outputs.numpy(), h.numpy())


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
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h), from autograd, in Keras layout.

    Arguments as :func:`companion.numpy_gru.gradients`.
    """
    inputs = _checked(x, weights, initial_state, mask, go_backwards, reset_after)
    d_outputs, seeds = gradient_seeds(inputs, d_outputs, d_h=d_h)
    gru = module(weights)
    x_t, h0 = tensor(inputs.x, True), tensor(inputs.states[0], True)
    outputs, (h,) = run_module(gru, x_t, (h0,), inputs.mask)
    params = [gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0]
    d_ih, d_hh, d_bias_ih, d_bias_hh, d_x, d_h0 = backprop(
        (outputs, h), (d_outputs, *seeds), [*params, x_t, h0]
    )
    with torch.no_grad():  # read the gradients back through the converter
        for param, grad in zip(params, (d_ih, d_hh, d_bias_ih, d_bias_hh), strict=True):
            param.copy_(torch.from_numpy(grad))
    grads = GRUWeights.from_torch(gru)
    if go_backwards:
        d_x = d_x[:, ::-1]
    return GRUGradients(grads.kernel, grads.recurrent_kernel, grads.bias, d_x, d_h0)

"""The vanilla RNN computed by ``torch.nn.RNN`` (tanh).

Same functions and signatures as :mod:`companion.numpy_rnn`: NumPy arrays in, NumPy arrays
out. PyTorch has neither masks nor ``go_backwards``: the sequence is reversed here, and a
masked call steps the same ``nn.RNN`` one time step at a time, keeping the state (and
repeating the previous output) where the mask is False, as Keras does. Gradients come from
autograd.
"""

from __future__ import annotations

from typing import Any

import torch

from companion._checks import reverse_time
from companion._torch_tools import backprop_modules, run_module, tensor
from companion.rnn import SIGNATURE, RNNGradients, RNNOutput, prepare, prepare_gradients
from companion.weights import RNNWeights


def build(weights: RNNWeights) -> torch.nn.RNN:
    """A ``torch.nn.RNN`` (tanh, batch_first) holding ``weights``, in the weights' dtype."""
    rnn = torch.nn.RNN(
        weights.input_size,
        weights.hidden_size,
        nonlinearity="tanh",
        batch_first=True,
        dtype=getattr(torch, str(weights.dtype)),
    )
    return weights.to_torch(rnn)


def forward(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNOutput:
    """Run ``torch.nn.RNN`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None, h0 or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time).
    Returns RNNOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if inputs.x.size == 0:  # no sample or no step: nn.RNN would reject it
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
    weights: RNNWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNGradients:
    """The gradients of L = sum(outputs * d_outputs) + sum(h * d_h), by autograd.

    Same arguments and result as :func:`companion.numpy_rnn.gradients`.
    """
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, go_backwards=go_backwards
    )
    if inputs.x.size == 0:  # no sample or no step: nn.RNN would reject it
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    if go_backwards:
        inputs = reverse_time(inputs)
    rnn = build(weights)
    x_t, h0 = tensor(inputs.x, requires_grad=True), tensor(inputs.h0, requires_grad=True)
    outputs, (h,) = run_module(rnn, x_t, (h0,), inputs.mask)
    d_x, d_h0 = backprop_modules(
        (outputs, h), cotangents, [rnn], [x_t, h0], biases_summed=weights.torch_biases_summed
    )
    if go_backwards:
        d_x = d_x[:, ::-1]
    d_weights = RNNWeights.from_torch(rnn).arrays()
    return SIGNATURE.gradients(weights, d_weights, d_x, (d_h0,))

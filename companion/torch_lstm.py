"""The LSTM computed by ``torch.nn.LSTM``.

Same functions and signatures as :mod:`companion.numpy_lstm`: NumPy arrays in, NumPy arrays
out. PyTorch has neither masks nor ``go_backwards``: the sequence is reversed here, and a
masked call steps the same ``nn.LSTM`` one time step at a time, keeping the state (and
repeating the previous output) where the mask is False, as Keras does. :func:`gradients`
runs the same steps under autograd.
"""

from __future__ import annotations

from typing import Any

import torch

from companion._checks import reverse_time
from companion._torch_tools import backprop_modules, run_module, tensor
from companion.lstm import SIGNATURE, LSTMGradients, LSTMOutput, prepare, prepare_gradients
from companion.weights import LSTMWeights


def build(weights: LSTMWeights) -> torch.nn.LSTM:
    """A ``torch.nn.LSTM`` (batch_first) holding ``weights``, in the weights' dtype."""
    lstm = torch.nn.LSTM(
        weights.input_size,
        weights.hidden_size,
        batch_first=True,
        dtype=getattr(torch, str(weights.dtype)),
    )
    return weights.to_torch(lstm)


def forward(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMOutput:
    """Run ``torch.nn.LSTM`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None or (h0, c0), each (batch, hidden);
    mask: None or boolean (batch, time).
    Returns LSTMOutput(outputs (batch, time, hidden), h (batch, hidden), c (batch, hidden)).
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if inputs.x.size == 0:  # no sample or no step: nn.LSTM would reject it
        return SIGNATURE.empty_output(weights, inputs)
    if go_backwards:
        inputs = reverse_time(inputs)
    x_t, h0, c0 = (tensor(a) for a in inputs[:3])
    with torch.no_grad():
        outputs, (h, c) = run_module(build(weights), x_t, (h0, c0), inputs.mask)
    return SIGNATURE.output(outputs.numpy(), h.numpy(), c.numpy())


def gradients(
    x: Any,
    weights: LSTMWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMGradients:
    """Gradients of ``sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c)``, by PyTorch's
    autograd through ``torch.nn.LSTM``.

    Arguments as for :func:`companion.numpy_lstm.gradients`. The parameters' gradients are
    read in Keras layout by :meth:`LSTMWeights.from_torch`
    (:func:`companion._torch_tools.backprop_modules`).
    """
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    if inputs.x.size == 0:  # no sample or no step: nn.LSTM would reject it
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    if go_backwards:
        inputs = reverse_time(inputs)
    lstm = build(weights)
    x_t, h0, c0 = (tensor(a, requires_grad=True) for a in inputs[:3])
    outputs, (h, c) = run_module(lstm, x_t, (h0, c0), inputs.mask)
    d_x, d_h0, d_c0 = backprop_modules(
        (outputs, h, c),
        cotangents,
        [lstm],
        [x_t, h0, c0],
        biases_summed=weights.torch_biases_summed,
    )
    if go_backwards:  # back to the caller's time order
        d_x = d_x[:, ::-1]
    d_weights = LSTMWeights.from_torch(lstm).arrays()
    return SIGNATURE.gradients(weights, d_weights, d_x, (d_h0, d_c0))

"""The vanilla RNN computed by ``torch.nn.RNN`` (tanh).

Same functions and signatures as :mod:`companion.numpy_rnn`: NumPy arrays in, NumPy arrays
out. PyTorch has neither masks nor ``go_backwards``: the sequence is reversed here, and a
masked call steps the same ``nn.RNN`` one time step at a time, keeping the state (and
repeating the previous output) where the mask is False, as Keras does. Gradients come from
autograd.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from companion.interface import (
    RNNGradients,
    RNNInputs,
    RNNOutput,
    prepare_rnn,
    prepare_rnn_gradients,
)
from companion.weights import RNNWeights


def module(weights: RNNWeights) -> torch.nn.RNN:
    """A ``torch.nn.RNN`` (tanh, batch_first) holding ``weights``, in the weights' dtype."""
    rnn = torch.nn.RNN(
        weights.input_size,
        weights.hidden_size,
        nonlinearity="tanh",
        batch_first=True,
        dtype=getattr(torch, str(weights.dtype)),
    )
    return weights.to_torch(rnn)


def _run(
    rnn: torch.nn.RNN, x: torch.Tensor, h: torch.Tensor, mask: np.ndarray | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """outputs (batch, time, hidden) and final h (batch, hidden) of ``rnn`` on x from h."""
    if mask is None:
        outputs, h_last = rnn(x, h[None])
        return outputs, h_last[0]
    keep_all = torch.from_numpy(np.array(mask))
    previous = torch.zeros_like(h)
    steps = []
    for t in range(x.shape[1]):
        step, _ = rnn(x[:, t : t + 1], h[None])
        keep = keep_all[:, t, None]
        h = torch.where(keep, step[:, 0], h)
        previous = torch.where(keep, step[:, 0], previous)
        steps.append(previous)
    return torch.stack(steps, dim=1), h


def _tensors(inputs: RNNInputs) -> tuple[torch.Tensor, torch.Tensor]:
    """x and h0 as tensors, time already reversed where asked."""
    return torch.from_numpy(np.array(inputs.x)), torch.from_numpy(np.array(inputs.h0))


def forward(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNOutput:
    """Run ``torch.nn.RNN`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None or (h0,), h0 (batch, hidden);
    mask: None or boolean (batch, time).
    Returns RNNOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    inputs = prepare_rnn(x, weights, initial_state, mask)
    if go_backwards:
        inputs = inputs.reversed()
    if inputs.x.shape[1] == 0:  # nn.RNN rejects a sequence with no steps
        return inputs.empty_output()
    with torch.no_grad():
        outputs, h = _run(module(weights), *_tensors(inputs), inputs.mask)
    return RNNOutput(outputs.numpy(), h.numpy())


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
    inputs = prepare_rnn(x, weights, initial_state, mask)
    d_outputs, d_h = prepare_rnn_gradients(inputs, weights, d_outputs, d_h)
    if go_backwards:
        inputs = inputs.reversed()
    if inputs.x.shape[1] == 0:
        return inputs.empty_gradients(weights, d_h)
    rnn = module(weights)
    x_t, h0 = (t.requires_grad_() for t in _tensors(inputs))
    outputs, h = _run(rnn, x_t, h0, inputs.mask)
    loss = (outputs * torch.from_numpy(d_outputs)).sum() + (h * torch.from_numpy(d_h)).sum()
    loss.backward()
    d_x = x_t.grad.numpy()
    if go_backwards:
        d_x = d_x[:, ::-1]
    return RNNGradients(
        np.ascontiguousarray(d_x),
        h0.grad.numpy(),
        rnn.weight_ih_l0.grad.numpy().T,
        rnn.weight_hh_l0.grad.numpy().T,
        rnn.bias_ih_l0.grad.numpy(),
    )

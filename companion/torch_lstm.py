"""The LSTM computed by ``torch.nn.LSTM``.

Same functions and signatures as :mod:`companion.numpy_lstm`: NumPy arrays in, NumPy arrays
out. PyTorch has neither masks nor ``go_backwards``: the sequence is reversed here, and a
masked call steps the same ``nn.LSTM`` one time step at a time, keeping the state (and
repeating the previous output) where the mask is False, as Keras does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from companion.interface import LSTMOutput, prepare
from companion.weights import LSTMWeights


def module(weights: LSTMWeights) -> torch.nn.LSTM:
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
    inputs = prepare(x, weights, initial_state, mask)
    if go_backwards:
        inputs = inputs.reversed()
    if inputs.x.shape[1] == 0:  # nn.LSTM rejects a sequence with no steps
        return inputs.empty_output()
    lstm = module(weights)
    x_t, h, c = (torch.from_numpy(np.array(a)) for a in inputs[:3])  # writable copies
    with torch.no_grad():
        if inputs.mask is None:
            outputs, (h, c) = lstm(x_t, (h[None], c[None]))
            h, c = h[0], c[0]
        else:
            mask = torch.from_numpy(np.array(inputs.mask))
            previous = torch.zeros_like(h)
            steps = []
            for t in range(x_t.shape[1]):
                step, (h_new, c_new) = lstm(x_t[:, t : t + 1], (h[None], c[None]))
                keep = mask[:, t, None]
                h = torch.where(keep, h_new[0], h)
                c = torch.where(keep, c_new[0], c)
                previous = torch.where(keep, step[:, 0], previous)
                steps.append(previous)
            outputs = torch.stack(steps, dim=1)
    return LSTMOutput(outputs.numpy(), h.numpy(), c.numpy())

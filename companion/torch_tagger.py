"""The tagger of :mod:`companion.tagger` trained by PyTorch: ``nn.Embedding``, ``nn.LSTM``,
``nn.Linear``, ``F.cross_entropy``, autograd and ``torch.optim``.

Same ``train`` as :mod:`companion.numpy_tagger`. ``nn.LSTM`` adds two bias vectors,
``bias_ih`` and ``bias_hh``, into every gate; they are one parameter in the book's layout, so
``bias_hh`` is kept at zero and out of the optimizer: Adam on two vectors that are always
summed is not Adam on their sum (each moves by about the learning rate, their sum by twice
that). ``train_bias_hh=True`` trains both, as a PyTorch model does by default.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from companion import torch_lstm, torch_optimizers
from companion.optimizers import Clipping, Optimizer
from companion.tagger import TaggerWeights, Trajectory, prepare


class Tagger(torch.nn.Module):
    """Embedding, LSTM (batch_first) and a linear read-out: tokens (batch, time) ->
    logits (batch, time, classes)."""

    def __init__(self, weights: TaggerWeights, *, train_bias_hh: bool = False) -> None:
        super().__init__()
        dtype = getattr(torch, str(weights.dtype))
        self.embedding = torch.nn.Embedding(
            weights.vocabulary, weights.lstm.input_size, dtype=dtype
        )
        self.lstm = torch_lstm.build(weights.lstm)  # bias in bias_ih, zeros in bias_hh
        self.lstm.bias_hh_l0.requires_grad_(train_bias_hh)
        self.dense = torch.nn.Linear(weights.lstm.hidden_size, weights.classes, dtype=dtype)
        with torch.no_grad():
            self.embedding.weight.copy_(torch.from_numpy(np.array(weights.embedding)))
            self.dense.weight.copy_(torch.from_numpy(np.array(weights.dense_kernel.T)))
            self.dense.bias.copy_(torch.from_numpy(np.array(weights.dense_bias)))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.lstm(self.embedding(tokens))
        return self.dense(outputs)

    def weights(self) -> TaggerWeights:
        """The current parameters in the book's layout (the two LSTM biases summed)."""
        lstm = self.lstm
        arrays = (
            self.embedding.weight,
            lstm.weight_ih_l0.T,
            lstm.weight_hh_l0.T,
            lstm.bias_ih_l0 + lstm.bias_hh_l0,
            self.dense.weight.T,
            self.dense.bias,
        )
        return TaggerWeights.from_arrays([a.detach().numpy().copy() for a in arrays])


def build(weights: TaggerWeights, *, train_bias_hh: bool = False) -> Tagger:
    """A :class:`Tagger` holding ``weights`` (``train_bias_hh``: see the module)."""
    return Tagger(weights, train_bias_hh=train_bias_hh)


def train(
    weights: TaggerWeights,
    tokens: Any,
    targets: Any,
    optimizer: Optimizer,
    *,
    clipping: Clipping | None = None,
    reduction: str = "mean",
    train_bias_hh: bool = False,
) -> Trajectory:
    """Train from ``weights`` as :func:`companion.numpy_tagger.train` does, with autograd and
    ``torch.optim`` (:func:`companion.torch_optimizers.build`); clipping by
    :func:`companion.torch_optimizers.clip_`. ``train_bias_hh``: also train ``bias_hh``."""
    inputs = prepare(weights, tokens, targets, optimizer, clipping, reduction)
    model = build(weights, train_bias_hh=train_bias_hh)
    params = [p for p in model.parameters() if p.requires_grad]
    built = torch_optimizers.build(optimizer, params)
    trajectory, losses = [model.weights()], []
    for batch_tokens, batch_targets in zip(*inputs, strict=True):
        logits = model(torch.from_numpy(batch_tokens))
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, weights.classes),
            torch.from_numpy(batch_targets).reshape(-1),
            reduction=reduction,
        )
        built.zero_grad()
        loss.backward()
        torch_optimizers.clip_(params, clipping)
        built.step()
        trajectory.append(model.weights())
        losses.append(loss.item())
    return Trajectory(trajectory, np.array(losses))

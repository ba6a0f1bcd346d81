"""The character-level language model in PyTorch: Embedding -> LSTM -> Linear, trained with
truncated backpropagation through time.

The state each stream ends a chunk with starts the next chunk, ``detach``-ed: it carries the
text read so far, but gradients stop at the chunk boundary. Every step's gradient is clipped
to a global norm (``clip_grad_norm_``) before the update. Same functions and signatures as
:mod:`.keras_language_model`; the weights move to NumPy as
:class:`~companion.trained.language_model.LanguageModelWeights`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from companion.data.characters import StreamBatches
from companion.trained import History
from companion.trained.language_model import (
    LanguageModelWeights,
    check_sampling,
    check_training,
    sample_with,
)
from companion.trained.torch_articles import EmbeddingLSTM
from companion.trained.training import fit
from companion.weights import LSTMWeights

State = tuple[torch.Tensor, torch.Tensor]


class CharacterModel(EmbeddingLSTM):
    """Embedding -> LSTM (one bias, as in Keras) -> Linear.

    ids (batch, time) int64 and a state (h, c), each (1, batch, hidden), or None ->
    logits (batch, time, vocabulary_size) and the final state.
    """

    def __init__(self, vocabulary_size: int, embedding_dim: int, hidden_size: int) -> None:
        super().__init__(vocabulary_size, embedding_dim, hidden_size)
        self.dense = nn.Linear(hidden_size, vocabulary_size)

    def forward(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        outputs, state = self.lstm(self.embedding(ids), state)
        return self.dense(outputs), state


def from_weights(weights: LanguageModelWeights) -> CharacterModel:
    """A :class:`CharacterModel` holding ``weights``, in their dtype."""
    hidden = weights.lstm.hidden_size
    model = CharacterModel(weights.vocabulary_size, weights.embedding.shape[1], hidden)
    model.to(getattr(torch, str(weights.dtype)))
    weights.lstm.to_torch(model.lstm)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.from_numpy(np.array(weights.embedding)))
        model.dense.weight.copy_(torch.from_numpy(np.array(weights.dense_kernel.T)))
        model.dense.bias.copy_(torch.from_numpy(np.array(weights.dense_bias)))
    return model


def to_weights(model: CharacterModel) -> LanguageModelWeights:
    """The weights of ``model``, as NumPy arrays in Keras layout."""

    def numpy(tensor: torch.Tensor) -> np.ndarray:
        return tensor.detach().cpu().numpy()

    return LanguageModelWeights(
        numpy(model.embedding.weight),
        LSTMWeights.from_torch(model.lstm),
        numpy(model.dense.weight).T,
        numpy(model.dense.bias),
    )


def train(
    weights: LanguageModelWeights,
    batches: StreamBatches,
    *,
    epochs: int,
    learning_rate: float,
    clip_norm: float,
    optimizer: Callable[..., torch.optim.Optimizer] = torch.optim.Adam,
    held_out: Callable[[LanguageModelWeights], float] | None = None,
) -> tuple[LanguageModelWeights, History]:
    """Train from ``weights`` on ``batches`` (chunks, batch, steps), chunk after chunk, the
    state carried (detached) across chunks and reset at the start of every epoch.

    ``optimizer(parameters, lr=learning_rate)`` makes the optimizer (default
    ``torch.optim.Adam``, in PyTorch's convention); every step's gradient is clipped to
    global norm ``clip_norm`` (``clip_grad_norm_``) before it. ``held_out`` scores the
    weights at the end of every epoch (the held-out loss, say). Returns the trained weights
    and their History: the mean training loss (nats per character) of each epoch and, with
    ``held_out``, its score after each epoch.
    """
    check_training(batches, epochs)
    model = from_weights(weights)
    built = optimizer([p for p in model.parameters() if p.requires_grad], lr=learning_rate)
    loss_function = nn.CrossEntropyLoss()
    inputs, targets = torch.from_numpy(batches.inputs), torch.from_numpy(batches.targets)

    def chunks() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        return zip(inputs, targets, strict=True)

    def chunk_loss(
        chunk: tuple[torch.Tensor, torch.Tensor], state: State | None
    ) -> tuple[torch.Tensor, State]:
        x, y = chunk
        logits, state = model(x, state)
        return loss_function(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state

    def truncate(state: State) -> State:  # the values go on, no gradient goes back
        return state[0].detach(), state[1].detach()

    def scored() -> float:
        return held_out(to_weights(model))

    history = fit(
        model,
        chunks,
        chunk_loss,
        built,
        epochs=epochs,
        clip_norm=clip_norm,
        carry=truncate,
        validation=None if held_out is None else scored,
    )
    return to_weights(model), history


def sample(
    weights: LanguageModelWeights, prompt: Any, uniforms: Any, temperature: float = 1.0
) -> np.ndarray:
    """:func:`companion.trained.language_model.sample`, each step computed by the PyTorch
    modules: ids (count,) of the characters drawn."""
    prompt_ids, draws, temperature = check_sampling(
        prompt, uniforms, temperature, weights.vocabulary_size
    )
    model = from_weights(weights)
    state: State | None = None

    def read(ids: np.ndarray) -> np.ndarray:
        nonlocal state
        logits, state = model(torch.from_numpy(ids), state)
        return torch.softmax(logits[0, -1] / temperature, dim=-1).numpy()

    with torch.no_grad():
        return sample_with(read, prompt_ids, draws)

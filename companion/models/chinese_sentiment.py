"""The sentiment classifier of :mod:`companion.data.chinese_sentiment`: trained with PyTorch,
read with NumPy.

The model is ``nn.Embedding -> nn.LSTM -> nn.Linear`` on the last hidden state, in float64,
trained full batch with Adam. Sentences of each length form one unpadded batch, so no mask
is needed. Training is seeded and single-threaded, so it gives the same weights on every
run; the result comes back as a :class:`SentimentModel` of NumPy arrays, the LSTM read with
:meth:`LSTMWeights.from_torch`, evaluated with the NumPy LSTM so that its gates can be traced
with :func:`companion.analysis.trace.trace`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from companion import numpy_lstm
from companion.data.chinese_sentiment import VOCABULARY, encode, group_by_length
from companion.weights import LSTMWeights


@dataclass(frozen=True)
class SentimentModel:
    """Embedding -> LSTM -> dense sigmoid, as NumPy arrays.

    embedding:    (vocabulary, embedding_size), one row per token of :data:`VOCABULARY`
    lstm:         LSTMWeights (embedding_size -> hidden)
    dense_kernel: (hidden,), dense_bias: float; P(positive) = sigmoid(h_T @ kernel + bias)
    """

    embedding: np.ndarray
    lstm: LSTMWeights
    dense_kernel: np.ndarray
    dense_bias: float

    def embed(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Embedded sentences of one length: (batch, time, embedding_size)."""
        lengths = sorted({len(s) for s in sentences})
        if len(lengths) != 1:
            raise ValueError(f"embed needs sentences of one length; got lengths {lengths}")
        return self.embedding[np.stack([encode(s) for s in sentences])]

    def predict(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """P(positive) for each sentence, (batch,), computed with the NumPy LSTM."""
        probabilities = np.zeros(len(sentences))
        for indices in group_by_length(sentences).values():
            embedded = self.embed([sentences[k] for k in indices])
            logits = numpy_lstm.forward(embedded, self.lstm).h @ self.dense_kernel
            probabilities[indices] = numpy_lstm.sigmoid(logits + self.dense_bias)
        return probabilities

    def accuracy(self, sentences: Sequence[Sequence[str]], labels: np.ndarray) -> float:
        """Fraction of sentences whose rounded prediction equals the label."""
        return float(np.mean((self.predict(sentences) > 0.5) == np.asarray(labels)))


class SentimentLSTM(torch.nn.Module):
    """Embedding -> LSTM -> dense logit on the last hidden state (float64)."""

    def __init__(self, embedding_size: int, hidden_size: int) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(len(VOCABULARY), embedding_size, dtype=torch.float64)
        self.lstm = torch.nn.LSTM(
            embedding_size, hidden_size, batch_first=True, dtype=torch.float64
        )
        self.dense = torch.nn.Linear(hidden_size, 1, dtype=torch.float64)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        """token_ids (batch, time) -> logits (batch,)."""
        _, (h, _) = self.lstm(self.embedding(token_ids))
        return self.dense(h[0])[:, 0]

    def to_numpy(self) -> SentimentModel:
        """The trained parameters as a :class:`SentimentModel`."""
        return SentimentModel(
            embedding=self.embedding.weight.detach().numpy().copy(),
            lstm=LSTMWeights.from_torch(self.lstm),
            dense_kernel=self.dense.weight.detach().numpy()[0].copy(),
            dense_bias=float(self.dense.bias.detach()[0]),
        )


def train(
    sentences: Sequence[Sequence[str]],
    labels: np.ndarray,
    *,
    embedding_size: int = 8,
    hidden_size: int = 8,
    epochs: int = 150,
    learning_rate: float = 0.03,
    seed: int = 0,
) -> tuple[SentimentModel, list[float]]:
    """Train a sentiment LSTM on tokenised ``sentences`` with 0/1 ``labels`` (count,).

    Returns the trained model and the mean binary cross-entropy of every epoch.
    """
    labels = np.asarray(labels)
    if labels.shape != (len(sentences),) or not np.isin(labels, (0, 1)).all():
        raise ValueError(
            f"labels must be 0/1 of shape ({len(sentences)},); got shape {labels.shape}"
        )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        model = SentimentLSTM(embedding_size, hidden_size)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        batches = [
            (
                torch.from_numpy(np.stack([encode(sentences[k]) for k in indices])),
                torch.from_numpy(labels[indices].astype(np.float64)),
            )
            for indices in group_by_length(sentences).values()
        ]
        losses = []
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = sum(
                torch.nn.functional.binary_cross_entropy_with_logits(
                    model(ids), targets, reduction="sum"
                )
                for ids, targets in batches
            ) / len(sentences)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    finally:
        torch.set_num_threads(threads)
    return model.to_numpy(), losses

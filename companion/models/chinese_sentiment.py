"""Chinese sentiment classifiers, trained with PyTorch and read with NumPy: on the generated
corpus of :mod:`companion.data.chinese_sentiment` and on the real reviews of
:mod:`companion.data.reviews`.

The model is ``nn.Embedding -> nn.LSTM -> nn.Linear`` on the last hidden state, trained with
Adam on tokenised sentences. Sentences of each length form their own batches, so there is no
padding and no mask: the NumPy LSTM reading the trained weights computes exactly what the
PyTorch model computed. Training is seeded and single-threaded, so it gives the same weights
on every run on one machine (other CPUs round differently, and training amplifies it). The
result comes back as a :class:`SentimentModel` of NumPy arrays, the LSTM read with
:meth:`LSTMWeights.from_torch`, whose gates :func:`companion.analysis.trace.trace` can record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from companion import numpy_lstm
from companion._checks import integer
from companion.data.chinese_sentiment import group_by_length
from companion.data.sentiment import UNKNOWN
from companion.models.training import fit, one_thread
from companion.weights import LSTMWeights


@dataclass(frozen=True)
class SentimentModel:
    """Embedding -> LSTM -> dense sigmoid, as NumPy arrays.

    vocabulary:   the tokens; a token's id is its index. Tokens outside it map to the
                  unknown token ``"<unk>"`` of :mod:`companion.data.sentiment` if the
                  vocabulary has it.
    embedding:    (vocabulary, embedding_size), one row per token
    lstm:         LSTMWeights (embedding_size -> hidden)
    dense_kernel: (hidden,), dense_bias: float; P(positive) = sigmoid(h_T @ kernel + bias)
    """

    vocabulary: tuple[str, ...]
    embedding: np.ndarray
    lstm: LSTMWeights
    dense_kernel: np.ndarray
    dense_bias: float

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Token ids (time,) of one sentence."""
        return encode_tokens([tokens], self.vocabulary)[0]

    def embed(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Embedded sentences of one length: (batch, time, embedding_size)."""
        lengths = sorted({len(s) for s in sentences})
        if len(lengths) != 1:
            raise ValueError(f"embed needs sentences of one length; got lengths {lengths}")
        return self.embedding[np.stack(encode_tokens(sentences, self.vocabulary))]

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


def encode_tokens(
    sentences: Sequence[Sequence[str]], vocabulary: Sequence[str]
) -> list[np.ndarray]:
    """Token ids of each sentence, (time,) int64 each, indices into ``vocabulary``.

    Tokens outside the vocabulary map to the unknown token ``"<unk>"`` of
    :mod:`companion.data.sentiment`; without it in the vocabulary they raise ValueError, as
    does an empty sentence.
    """
    ids = {token: index for index, token in enumerate(vocabulary)}
    unknown = ids.get(UNKNOWN)
    encoded = []
    for tokens in sentences:
        if len(tokens) == 0:
            raise ValueError("every sentence needs at least one token; got an empty one")
        missing = [token for token in tokens if token not in ids]
        if missing and unknown is None:
            raise ValueError(
                f"tokens not in the vocabulary: {missing}; known: {tuple(vocabulary)[:30]}"
            )
        encoded.append(np.array([ids.get(token, unknown) for token in tokens], dtype=np.int64))
    return encoded


class SentimentLSTM(torch.nn.Module):
    """Embedding -> LSTM -> dense logit on the last hidden state."""

    def __init__(
        self,
        vocabulary_size: int,
        embedding_size: int,
        hidden_size: int,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(vocabulary_size, embedding_size, dtype=dtype)
        self.lstm = torch.nn.LSTM(embedding_size, hidden_size, batch_first=True, dtype=dtype)
        self.dense = torch.nn.Linear(hidden_size, 1, dtype=dtype)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        """token_ids (batch, time) -> logits (batch,)."""
        _, (h, _) = self.lstm(self.embedding(token_ids))
        return self.dense(h[0])[:, 0]

    def to_numpy(self, vocabulary: Sequence[str]) -> SentimentModel:
        """The trained parameters as a :class:`SentimentModel` over ``vocabulary``."""
        if len(vocabulary) != self.embedding.num_embeddings:
            raise ValueError(
                f"vocabulary must have {self.embedding.num_embeddings} tokens; "
                f"got {len(vocabulary)}"
            )
        return SentimentModel(
            vocabulary=tuple(vocabulary),
            embedding=self.embedding.weight.detach().numpy().copy(),
            lstm=LSTMWeights.from_torch(self.lstm),
            dense_kernel=self.dense.weight.detach().numpy()[0].copy(),
            dense_bias=float(self.dense.bias.detach()[0]),
        )


def train(
    sentences: Sequence[Sequence[str]],
    labels: np.ndarray,
    vocabulary: Sequence[str],
    *,
    embedding_size: int = 8,
    hidden_size: int = 8,
    epochs: int = 150,
    learning_rate: float = 0.03,
    batch_size: int | None = None,
    dtype: str = "float64",
    seed: int = 0,
) -> tuple[SentimentModel, list[float]]:
    """Train a sentiment LSTM on tokenised ``sentences`` with 0/1 ``labels`` (count,).

    ``batch_size=None`` takes one full-batch step per epoch (every length group at once);
    otherwise each epoch takes one step per batch of at most ``batch_size`` sentences of one
    length, in an order shuffled from ``seed``. ``dtype`` is 'float32' or 'float64'.
    Returns the trained model and the mean binary cross-entropy of every epoch.
    """
    labels = np.asarray(labels)
    if labels.shape != (len(sentences),) or not np.isin(labels, (0, 1)).all():
        raise ValueError(
            f"labels must be 0/1 of shape ({len(sentences)},); got shape {labels.shape}"
        )
    integer("batch_size", batch_size, optional=True)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    torch_dtype = getattr(torch, dtype)
    token_ids = [torch.from_numpy(row) for row in encode_tokens(sentences, vocabulary)]
    targets = torch.from_numpy(labels.astype(dtype))
    groups = list(group_by_length(sentences).values())
    rng = np.random.default_rng(seed)

    def steps() -> list[list[np.ndarray]]:
        """One epoch's steps, each a list of index arrays of sentences of one length."""
        if batch_size is None:
            return [groups]
        chunks = [
            chunk
            for group in groups
            for chunk in np.array_split(rng.permutation(group), -(-len(group) // batch_size))
        ]
        return [[chunks[k]] for k in rng.permutation(len(chunks))]

    def mean_loss(step: list[np.ndarray]) -> torch.Tensor:
        loss = sum(
            torch.nn.functional.binary_cross_entropy_with_logits(
                model(torch.stack([token_ids[k] for k in indices])),
                targets[indices],
                reduction="sum",
            )
            for indices in step
        )
        return loss / _sentence_count(step)

    with one_thread():
        torch.manual_seed(seed)
        model = SentimentLSTM(len(vocabulary), embedding_size, hidden_size, torch_dtype)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        history = fit(model, steps, mean_loss, optimizer, epochs=epochs, samples=_sentence_count)
    return model.to_numpy(vocabulary), history.loss


def _sentence_count(step: list[np.ndarray]) -> int:
    """How many sentences a training step of :func:`train` reads."""
    return sum(len(indices) for indices in step)

"""Chinese sentiment classifiers, trained with PyTorch and read with NumPy: on the generated
corpus of :mod:`companion.data.chinese_sentences` and on the real reviews of
:mod:`companion.data.reviews`.

The model is ``nn.Embedding -> nn.LSTM -> nn.Linear`` on the last hidden state, trained with
Adam on tokenised sentences; its baseline, a bag of words (a weight per word, summed: logistic
regression on word counts), is trained the same way. With validation data, training stops
early and keeps the weights of the epoch with the lowest validation loss. Sentences of each
length form their own batches, so there is no padding and no mask: the NumPy LSTM reading the
trained weights computes exactly what the PyTorch model computed. Training is seeded and
single-threaded, so it gives the same weights on every run on one machine (other CPUs round
differently, and training amplifies it). The result comes back as NumPy arrays: a
:class:`SentimentModel`, the LSTM read with :meth:`LSTMWeights.from_torch`, whose gates
:func:`companion.analysis.trace.trace` can record, or a :class:`BagOfWordsModel`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from companion import numpy_lstm
from companion._checks import integer
from companion.data.chinese_sentences import group_by_length
from companion.data.sentiment import UNKNOWN
from companion.trained import History
from companion.trained.training import fit, one_thread
from companion.weights import LSTMWeights


class _Classifier:
    """What both trained classifiers share: token ids, and accuracy from ``predict``."""

    vocabulary: tuple[str, ...]

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Token ids (time,) of one sentence."""
        return encode_tokens([tokens], self.vocabulary)[0]

    def predict(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        raise NotImplementedError

    def accuracy(self, sentences: Sequence[Sequence[str]], labels: np.ndarray) -> float:
        """Fraction of sentences whose rounded prediction equals the label."""
        return float(np.mean((self.predict(sentences) > 0.5) == np.asarray(labels)))


@dataclass(frozen=True)
class SentimentModel(_Classifier):
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


@dataclass(frozen=True)
class BagOfWordsModel(_Classifier):
    """A weight per word, summed, as NumPy arrays: logistic regression on word counts.

    vocabulary:   the tokens, as in :class:`SentimentModel`
    word_weights: (vocabulary,); bias: float
    P(positive) = sigmoid(sum of the weights of the sentence's tokens + bias), whatever
    their order.
    """

    vocabulary: tuple[str, ...]
    word_weights: np.ndarray
    bias: float

    def predict(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """P(positive) for each sentence, (batch,)."""
        encoded = encode_tokens(sentences, self.vocabulary)
        logits = np.array([self.word_weights[ids].sum() for ids in encoded]) + self.bias
        return numpy_lstm.sigmoid(logits)


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


class BagOfWords(torch.nn.Module):
    """A weight per token, summed over the sentence, plus a bias: the logit of logistic
    regression on word counts. The weights start at zero."""

    def __init__(self, vocabulary_size: int, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.word_weights = torch.nn.Parameter(torch.zeros(vocabulary_size, dtype=dtype))
        self.bias = torch.nn.Parameter(torch.zeros((), dtype=dtype))

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        """token_ids (batch, time) -> logits (batch,)."""
        return self.word_weights[token_ids].sum(dim=1) + self.bias

    def to_numpy(self, vocabulary: Sequence[str]) -> BagOfWordsModel:
        """The trained weights as a :class:`BagOfWordsModel` over ``vocabulary``."""
        if len(vocabulary) != self.word_weights.shape[0]:
            raise ValueError(
                f"vocabulary must have {self.word_weights.shape[0]} tokens; got {len(vocabulary)}"
            )
        return BagOfWordsModel(
            vocabulary=tuple(vocabulary),
            word_weights=self.word_weights.detach().numpy().copy(),
            bias=float(self.bias.detach()),
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
    weight_decay: float = 0.0,
    validation: tuple[Sequence[Sequence[str]], np.ndarray] | None = None,
    patience: int = 3,
    dtype: str = "float64",
    seed: int = 0,
) -> tuple[SentimentModel, History]:
    """Train a sentiment LSTM on tokenised ``sentences`` with 0/1 ``labels`` (count,).

    ``batch_size=None`` takes one full-batch step per epoch (every length group at once);
    otherwise each epoch takes one step per batch of at most ``batch_size`` sentences of one
    length, in an order shuffled from ``seed``. The optimiser is Adam, with decoupled weight
    decay (AdamW) where ``weight_decay`` > 0. ``dtype`` is 'float32' or 'float64'.

    validation: (sentences, labels) to stop early on: after every epoch the mean binary
    cross-entropy on them is computed; training stops once it has not improved for
    ``patience`` epochs (or after ``epochs``), and the weights of the best epoch are kept.

    Returns the trained model and its History: the mean binary cross-entropy of every epoch
    on the training sentences and, with ``validation``, on the validation sentences.
    """
    return _train(
        lambda torch_dtype: SentimentLSTM(
            len(vocabulary), embedding_size, hidden_size, torch_dtype
        ),
        sentences, labels, vocabulary, epochs, learning_rate, batch_size, weight_decay,
        validation, patience, dtype, seed,
    )  # fmt: skip


def train_bag_of_words(
    sentences: Sequence[Sequence[str]],
    labels: np.ndarray,
    vocabulary: Sequence[str],
    *,
    epochs: int = 150,
    learning_rate: float = 0.03,
    batch_size: int | None = None,
    weight_decay: float = 0.0,
    validation: tuple[Sequence[Sequence[str]], np.ndarray] | None = None,
    patience: int = 3,
    dtype: str = "float64",
    seed: int = 0,
) -> tuple[BagOfWordsModel, History]:
    """Train the bag-of-words baseline (:class:`BagOfWords`) exactly as :func:`train` trains
    the LSTM: same batches, optimiser and early stopping; the arguments mean the same."""
    return _train(
        lambda torch_dtype: BagOfWords(len(vocabulary), torch_dtype),
        sentences, labels, vocabulary, epochs, learning_rate, batch_size, weight_decay,
        validation, patience, dtype, seed,
    )  # fmt: skip


def _train(
    build: Callable[[torch.dtype], SentimentLSTM | BagOfWords],
    sentences: Sequence[Sequence[str]],
    labels: np.ndarray,
    vocabulary: Sequence[str],
    epochs: int,
    learning_rate: float,
    batch_size: int | None,
    weight_decay: float,
    validation: tuple[Sequence[Sequence[str]], np.ndarray] | None,
    patience: int,
    dtype: str,
    seed: int,
) -> Any:
    """Check the arguments, seed PyTorch, ``build`` the network in ``dtype``, train it
    (:func:`_fit`) and return (its NumPy model, its History)."""
    torch_dtype = _check_training(labels, len(sentences), batch_size, dtype, patience)
    torch.manual_seed(seed)
    net = build(torch_dtype)
    history = _fit(
        net, sentences, labels, vocabulary, epochs, learning_rate, batch_size, weight_decay,
        validation, patience, seed,
    )  # fmt: skip
    return net.to_numpy(vocabulary), history


def _check_training(
    labels: np.ndarray, count: int, batch_size: int | None, dtype: str, patience: int
) -> torch.dtype:
    """Raise ValueError on bad training arguments; return the torch dtype."""
    labels = np.asarray(labels)
    if labels.shape != (count,) or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"labels must be 0/1 of shape ({count},); got shape {labels.shape}")
    integer("batch_size", batch_size, optional=True)
    integer("patience", patience)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    return getattr(torch, dtype)


def _fit(
    net: SentimentLSTM | BagOfWords,
    sentences: Sequence[Sequence[str]],
    labels: np.ndarray,
    vocabulary: Sequence[str],
    epochs: int,
    learning_rate: float,
    batch_size: int | None,
    weight_decay: float,
    validation: tuple[Sequence[Sequence[str]], np.ndarray] | None,
    patience: int,
    seed: int,
) -> History:
    """Train ``net`` in place (see :func:`train`) and return its History."""
    dtype = str(next(net.parameters()).dtype).removeprefix("torch.")
    token_ids = [torch.from_numpy(row) for row in encode_tokens(sentences, vocabulary)]
    targets = torch.from_numpy(np.asarray(labels).astype(dtype))
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

    def mean_loss(step: list[np.ndarray], ids=token_ids, targets=targets) -> torch.Tensor:
        loss = sum(
            torch.nn.functional.binary_cross_entropy_with_logits(
                net(torch.stack([ids[k] for k in indices])), targets[indices], reduction="sum"
            )
            for indices in step
        )
        return loss / _sentence_count(step)

    validation_loss = None
    if validation is not None:
        held_out, held_out_labels = validation
        _check_training(held_out_labels, len(held_out), None, dtype, patience)
        held_out_ids = [torch.from_numpy(row) for row in encode_tokens(held_out, vocabulary)]
        held_out_targets = torch.from_numpy(np.asarray(held_out_labels).astype(dtype))
        held_out_step = list(group_by_length(held_out).values())

        def validation_loss() -> float:
            net.eval()
            with torch.no_grad():
                return mean_loss(held_out_step, held_out_ids, held_out_targets).item()

    history = History([], [])
    best_loss, best_state, waited = math.inf, None, 0
    with one_thread():
        optimizer = torch.optim.AdamW(
            net.parameters(), lr=learning_rate, weight_decay=weight_decay
        )
        for _ in range(epochs):
            epoch = fit(
                net, steps, mean_loss, optimizer, epochs=1, samples=_sentence_count,
                validation=validation_loss,
            )  # fmt: skip
            history.loss.extend(epoch.loss)
            history.validation_loss.extend(epoch.validation_loss)
            if validation_loss is None:
                continue
            if history.validation_loss[-1] < best_loss:
                best_loss, waited = history.validation_loss[-1], 0
                best_state = copy.deepcopy(net.state_dict())
            else:
                waited += 1
                if waited >= patience:
                    break
    if best_state is not None:
        net.load_state_dict(best_state)
    return history


def _sentence_count(step: list[np.ndarray]) -> int:
    """How many sentences a training step of :func:`train` reads."""
    return sum(len(indices) for indices in step)

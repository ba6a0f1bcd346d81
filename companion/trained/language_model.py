"""The character-level language model in NumPy, its baselines, and sampling.

The model is Embedding -> LSTM -> Dense: each character id picks a row of ``embedding``, the
LSTM (:mod:`companion.numpy_lstm`) reads the rows in order, and a dense layer turns each
output into one logit per symbol of the vocabulary, the model's guess at the next character.
:class:`LanguageModelWeights` holds the three layers in NumPy, so weights trained in Keras
(:mod:`.keras_language_model`) or PyTorch (:mod:`.torch_language_model`) run here too.

Perplexity is exp of the mean negative log-probability of the characters that came; a model
that spreads its probability evenly over V symbols has perplexity V. The baselines are
counts: :func:`unigram_log_probs` (how often each character occurs, add-one smoothing) and
:func:`ngram_log_probs` (how often each character follows the one or two before it, each
order smoothed towards the order below).

Sampling (:func:`sample`) is the same in the three frameworks: the model reads the prompt;
then, for each uniform draw u in [0, 1), the next character is the first whose cumulative
probability exceeds u under softmax(logits / temperature), and the model reads it in turn.
Given the same weights and the same draws, the three produce the same characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from companion import numpy_lstm
from companion._checks import float_dtype, integer, real_array
from companion.data.characters import StreamBatches, check_ids
from companion.weights import LSTMWeights, glorot_uniform


@dataclass(frozen=True, eq=False)
class LanguageModelWeights:
    """Embedding -> LSTM -> Dense, in NumPy, Keras layout, one float dtype.

    embedding:    (vocabulary_size, embedding_dim)
    lstm:         LSTMWeights with input_size embedding_dim
    dense_kernel: (hidden_size, vocabulary_size)
    dense_bias:   (vocabulary_size,)
    """

    embedding: np.ndarray
    lstm: LSTMWeights
    dense_kernel: np.ndarray
    dense_bias: np.ndarray

    def __post_init__(self) -> None:
        if not isinstance(self.lstm, LSTMWeights):
            raise TypeError(f"lstm must be LSTMWeights; got {type(self.lstm).__name__}")
        dtype = self.lstm.dtype
        arrays = {}
        for name in ("embedding", "dense_kernel", "dense_bias"):
            array = np.array(real_array(name, getattr(self, name)), copy=True)
            if array.dtype != dtype:
                raise TypeError(f"{name} is {array.dtype} but the LSTM weights are {dtype}")
            array.flags.writeable = False
            arrays[name] = array
        embedding, kernel, bias = arrays.values()
        if embedding.ndim != 2 or embedding.shape[1] != self.lstm.input_size:
            raise ValueError(
                "embedding must have shape (vocabulary_size, "
                f"{self.lstm.input_size}) to feed the LSTM; got {embedding.shape}"
            )
        vocabulary_size = embedding.shape[0]
        if kernel.shape != (self.lstm.hidden_size, vocabulary_size):
            raise ValueError(
                f"dense_kernel must have shape ({self.lstm.hidden_size}, {vocabulary_size}); "
                f"got {kernel.shape}"
            )
        if bias.shape != (vocabulary_size,):
            raise ValueError(f"dense_bias must have shape ({vocabulary_size},); got {bias.shape}")
        for name, array in arrays.items():
            object.__setattr__(self, name, array)

    @property
    def vocabulary_size(self) -> int:
        """Number of symbols the model reads and predicts."""
        return self.embedding.shape[0]

    @property
    def dtype(self) -> np.dtype:
        """The one float dtype of every array."""
        return self.lstm.dtype

    def astype(self, dtype: Any) -> LanguageModelWeights:
        """The same weights in ``dtype`` ('float32' or 'float64')."""
        resolved = float_dtype(dtype)
        return LanguageModelWeights(
            self.embedding.astype(resolved),
            self.lstm.astype(resolved),
            self.dense_kernel.astype(resolved),
            self.dense_bias.astype(resolved),
        )

    @classmethod
    def random(
        cls,
        vocabulary_size: int,
        embedding_dim: int,
        hidden_size: int,
        *,
        seed: int = 0,
        dtype: Any = "float32",
    ) -> LanguageModelWeights:
        """Weights drawn as Keras initialises the layers (uniform(-0.05, 0.05) embedding,
        :meth:`LSTMWeights.random`, Glorot-uniform dense kernel, zero bias), from ``seed``:
        both frameworks start training from these."""
        integer("vocabulary_size", vocabulary_size)
        integer("embedding_dim", embedding_dim)
        integer("hidden_size", hidden_size)
        integer("seed", seed, 0)
        resolved = float_dtype(dtype)
        rng = np.random.default_rng(seed)
        embedding = rng.uniform(-0.05, 0.05, (vocabulary_size, embedding_dim))
        return cls(
            embedding.astype(resolved),
            LSTMWeights.random(embedding_dim, hidden_size, seed=seed + 1, dtype=resolved),
            glorot_uniform(rng, hidden_size, vocabulary_size, resolved),
            np.zeros(vocabulary_size, resolved),
        )


def largest_difference(first: LanguageModelWeights, second: LanguageModelWeights) -> float:
    """The largest absolute difference between corresponding entries of two models' weights
    (every array of the embedding, the LSTM and the dense layer); ValueError if their
    shapes differ."""
    pairs = []
    for name in ("embedding", "dense_kernel", "dense_bias"):
        pairs.append((getattr(first, name), getattr(second, name)))
    for name in ("kernel", "recurrent_kernel", "bias"):
        pairs.append((getattr(first.lstm, name), getattr(second.lstm, name)))
    for a, b in pairs:
        if a.shape != b.shape:
            raise ValueError(f"the two models' weights differ in shape: {a.shape} and {b.shape}")
    return max(float(np.max(np.abs(a.astype(np.float64) - b))) for a, b in pairs)


def logits(
    weights: LanguageModelWeights, ids: Any, initial_state: Any = None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The next-character logits for every position of ``ids`` (batch, time) and the LSTM's
    final state (h, c), each (batch, hidden): logits (batch, time, vocabulary_size)."""
    array = np.asarray(ids)
    if array.ndim != 2:
        raise ValueError(f"ids must have shape (batch, time); got shape {array.shape}")
    check_ids("ids", array.reshape(-1), weights.vocabulary_size)
    output = numpy_lstm.forward(weights.embedding[array], weights.lstm, initial_state)
    return output.outputs @ weights.dense_kernel + weights.dense_bias, (output.h, output.c)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax along the last axis, shifted by the maximum so nothing overflows."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def perplexity(log_probs: np.ndarray, targets: Any) -> float:
    """exp of the mean negative log-probability that ``log_probs`` (..., vocabulary_size)
    gives to ``targets`` (...), the characters that came."""
    targets = np.asarray(targets)
    if log_probs.shape[:-1] != targets.shape:
        raise ValueError(
            f"log_probs {log_probs.shape} must be targets' shape {targets.shape} plus "
            "one axis of symbols"
        )
    check_ids("targets", targets.reshape(-1), log_probs.shape[-1])
    chosen = np.take_along_axis(log_probs, targets[..., None], axis=-1)
    return float(np.exp(-chosen.mean()))


def unigram_log_probs(train_ids: Any, vocabulary_size: int) -> np.ndarray:
    """log p(character) (vocabulary_size,) from counts in ``train_ids`` (length,), add-one
    (Laplace) smoothed so that no symbol has probability zero."""
    ids = check_ids("train_ids", train_ids, vocabulary_size)
    counts = np.bincount(ids, minlength=vocabulary_size) + 1.0
    return np.log(counts / counts.sum())


def ngram_log_probs(
    train_ids: Any, ids: Any, vocabulary_size: int, strengths: Sequence[float]
) -> np.ndarray:
    """log p(ids[t] | the n - 1 ids before it) for every t (len(ids),), in the n-gram model
    counted on ``train_ids`` (length,), n = len(strengths) + 1: a bigram for one strength, a
    trigram for two.

    Each order is smoothed towards the order below it, as if ``strengths[k - 1]`` extra
    characters drawn from that order followed every context of k ids:
    p_k(c | a_1..a_k) = (n(a_1..a_k, c) + beta_k p_{k-1}(c | a_2..a_k)) / (n(a_1..a_k) + beta_k),
    with n counting the windows of ``train_ids`` and p_0 :func:`unigram_log_probs`.
    ``ids`` is read as a cycle: the ids before ``ids[0]`` are the last ones of ``ids`` (a text
    made by :func:`~companion.data.characters.join_texts` ends with a separator, so its first
    character follows one, as every other text's first character does).
    """
    if isinstance(strengths, str) or not strengths:
        raise ValueError(f"strengths must be a non-empty sequence; got {strengths!r}")
    for strength in strengths:
        if not isinstance(strength, int | float) or not strength > 0:
            raise ValueError(f"every strength must be a positive number; got {strength!r}")
    train = check_ids("train_ids", train_ids, vocabulary_size)
    held_out = check_ids("ids", ids, vocabulary_size)
    if vocabulary_size ** (len(strengths) + 1) >= 2**63:
        raise ValueError(
            f"{len(strengths) + 1}-grams of {vocabulary_size} symbols overflow int64 codes"
        )
    if len(train) <= len(strengths):
        raise ValueError(f"train_ids must hold more than {len(strengths)} ids; got {len(train)}")

    def codes(windows: np.ndarray) -> np.ndarray:  # (count, width) -> one int64 per window
        powers = vocabulary_size ** np.arange(windows.shape[1] - 1, -1, -1, dtype=np.int64)
        return windows @ powers

    def counts(train_windows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        known, known_counts = np.unique(codes(train_windows), return_counts=True)
        wanted_codes = codes(wanted)
        where = np.minimum(np.searchsorted(known, wanted_codes), len(known) - 1)
        return np.where(known[where] == wanted_codes, known_counts[where], 0)

    probabilities = np.exp(unigram_log_probs(train, vocabulary_size))[held_out]
    for order, strength in enumerate(strengths, start=1):
        windows = np.lib.stride_tricks.sliding_window_view(train, order + 1)
        wanted = np.stack([np.roll(held_out, order - j) for j in range(order + 1)], axis=1)
        seen = counts(windows, wanted)
        contexts = counts(windows[:, :-1], wanted[:, :-1])
        probabilities = (seen + strength * probabilities) / (contexts + strength)
    return np.log(probabilities)


def check_sampling(
    prompt: Any, uniforms: Any, temperature: float, vocabulary_size: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Validate the arguments every ``sample`` takes; return (prompt ids (length,) int64,
    uniforms (count,) float64, temperature as a float). Raises TypeError or ValueError naming
    the argument, what was expected and what came."""
    prompt_ids = check_ids("prompt", prompt, vocabulary_size)
    if len(prompt_ids) == 0:
        raise ValueError("prompt must hold at least one id")
    draws = real_array("uniforms", uniforms, np.dtype(np.float64))  # refuses NaN
    if draws.ndim != 1:
        raise ValueError(f"uniforms must be a 1-D array (count,); got shape {draws.shape}")
    outside = np.flatnonzero((draws < 0) | (draws >= 1))
    if outside.size:
        raise ValueError(
            f"uniforms must be draws in [0, 1); got {draws[outside[0]]} at index {outside[0]}"
        )
    if isinstance(temperature, bool | np.bool_) or not isinstance(
        temperature, int | float | np.integer | np.floating
    ):
        raise TypeError(
            f"temperature must be a positive number; got {temperature!r} "
            f"({type(temperature).__name__})"
        )
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive number; got {temperature!r}")
    return prompt_ids, draws, float(temperature)


def check_training(batches: StreamBatches, epochs: int) -> None:
    """Validate the arguments every ``train`` takes; raise TypeError or ValueError naming
    what was expected and what came."""
    if not isinstance(batches, StreamBatches):
        raise TypeError(f"batches must be StreamBatches; got {type(batches).__name__}")
    integer("epochs", epochs)


def choose(cumulative: np.ndarray, draw: float) -> int:
    """The first symbol whose cumulative probability (vocabulary_size,) exceeds ``draw``
    times the total (the last symbol if rounding leaves the total below the draw)."""
    return min(
        int(np.searchsorted(cumulative, draw * cumulative[-1], side="right")), len(cumulative) - 1
    )


def sample_with(
    read: Callable[[np.ndarray], np.ndarray], prompt_ids: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    """The sampling loop of every framework's ``sample``: ``read`` the prompt ids (length,),
    then for each uniform draw of ``draws`` (count,) :func:`choose` a character and read it.

    ``read(ids)`` takes ids (1, time) that follow what it read before and returns the
    probabilities (vocabulary_size,) of the next character. Returns the ids drawn (count,).
    """
    probabilities = read(prompt_ids[None, :])
    chosen = np.empty(len(draws), dtype=np.int64)
    for k, draw in enumerate(draws):
        chosen[k] = choose(np.cumsum(probabilities), draw)
        probabilities = read(chosen[None, k : k + 1])
    return chosen


def sample(
    weights: LanguageModelWeights, prompt: Any, uniforms: Any, temperature: float = 1.0
) -> np.ndarray:
    """Read ``prompt`` (length,), then draw one character per entry of ``uniforms`` (count,)
    from softmax(logits / temperature), feeding each back in; return their ids (count,)."""
    prompt_ids, draws, temperature = check_sampling(
        prompt, uniforms, temperature, weights.vocabulary_size
    )
    state = None

    def read(ids: np.ndarray) -> np.ndarray:
        nonlocal state
        step_logits, state = logits(weights, ids, state)
        return np.exp(log_softmax(step_logits[0, -1] / temperature))

    return sample_with(read, prompt_ids, draws)

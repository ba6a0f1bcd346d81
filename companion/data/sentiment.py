"""Sentiment data: a generated corpus where negation decides, an IMDB-layout loader, and a
bag-of-words baseline. NumPy only.

The generated corpus is built so that word counts tell only part of the story. Every sentence
holds exactly one sentiment word (positive or negative) among filler. In a third of the
sentences "not" stands right before it and flips the label; independently, in a third of the
sentences a "not" stands somewhere else, where it negates nothing::

    "the plot was not good and it really was the film ..."     -> 0 (negative)
    "not the acting was superb i thought the ..."              -> 1 (positive)

Word counts show the sentiment word and how many "not"s there are, but not whether a "not"
stands right before the word: a model of counts can at best follow the word (right in the
two thirds of sentences without negation) and guess where one "not" is ambiguous. Reading the
order (is the word before the sentiment word "not"?) gets every sentence right.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from companion._checks import integer, real_array

PAD, UNKNOWN = "<pad>", "<unk>"
NEGATION = "not"
POSITIVE = ("good", "great", "superb", "fun", "moving")
NEGATIVE = ("bad", "dull", "awful", "boring", "weak")
FILLER = (
    "the", "movie", "film", "plot", "was", "and", "it", "a", "story", "acting",
    "really", "quite", "i", "thought", "but", "ending", "cast", "scene",
)  # fmt: skip
VOCABULARY = (PAD, UNKNOWN, NEGATION, *POSITIVE, *NEGATIVE, *FILLER)
"""Token ids of the generated corpus: the index of each word in this tuple (0 pads)."""


class Corpus(NamedTuple):
    """Token ids (samples, length) int64, labels (samples,) int64 (1 positive, 0 negative),
    and the vocabulary that maps ids to words."""

    tokens: np.ndarray
    labels: np.ndarray
    vocabulary: tuple[str, ...]

    def text(self, sample: int) -> str:
        """Sample ``sample`` as words, padding left out."""
        return " ".join(self.vocabulary[t] for t in self.tokens[sample] if t != 0)


NEGATED_SHARE = 1 / 3
"""Fraction of sentences in which "not" negates the sentiment word."""

DISTRACTOR_SHARE = 1 / 3
"""Fraction of sentences (drawn independently) with a "not" that negates nothing."""


def generate_corpus(samples: int, length: int = 16, *, seed: int = 0) -> Corpus:
    """Sentences of ``length`` tokens whose label is the sentiment word, flipped when the word
    right before it is "not".

    The sentiment word stands anywhere from the second token on; a distractor "not" stands
    anywhere except right before it. Labels: 1 positive, 0 negative, about half each.
    """
    integer("samples", samples)
    integer("length", length, 4)
    rng = np.random.default_rng(seed)
    ids = {word: index for index, word in enumerate(VOCABULARY)}
    filler = np.array([ids[w] for w in FILLER])
    tokens = filler[rng.integers(len(filler), size=(samples, length))]
    polarity = rng.integers(2, size=samples)  # 1: the word is positive
    negated = rng.random(samples) < NEGATED_SHARE
    distracted = rng.random(samples) < DISTRACTOR_SHARE
    for row, positive, negation, distraction in zip(
        tokens, polarity, negated, distracted, strict=True
    ):
        words = POSITIVE if positive else NEGATIVE
        place = rng.integers(1, length)
        row[place] = ids[words[rng.integers(len(words))]]
        taken = {place}
        if negation:
            row[place - 1] = ids[NEGATION]
            taken.add(place - 1)
        if distraction:
            free = [t for t in range(length) if t not in taken and t != place - 1]
            row[free[rng.integers(len(free))]] = ids[NEGATION]
    labels = np.where(negated, 1 - polarity, polarity)
    return Corpus(tokens.astype(np.int64), labels.astype(np.int64), VOCABULARY)


def shared_sentences(a: Corpus, b: Corpus) -> int:
    """How many distinct sentences occur in both corpora (0 for a held-out test set)."""
    return len(set(map(tuple, a.tokens.tolist())) & set(map(tuple, b.tokens.tolist())))


def train_test_split(corpus: Corpus, test_size: int) -> tuple[Corpus, Corpus]:
    """The first samples for training, the last ``test_size`` for testing (the generator's
    samples are independent, so no shuffle is needed)."""
    samples = corpus.labels.shape[0]
    integer("test_size", test_size, 1, samples - 1)
    cut = samples - test_size
    return (
        Corpus(corpus.tokens[:cut], corpus.labels[:cut], corpus.vocabulary),
        Corpus(corpus.tokens[cut:], corpus.labels[cut:], corpus.vocabulary),
    )


# --- bag of words ----------------------------------------------------------------------------


def bag_of_words(tokens: Any, vocabulary_size: int) -> np.ndarray:
    """Word counts: tokens (samples, length) int -> (samples, vocabulary_size), padding (id 0)
    not counted. Word order is lost, which is the point."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or tokens.dtype.kind not in "iu":
        raise ValueError(
            f"tokens must be an integer array (samples, length); got {tokens.dtype} "
            f"{tokens.shape}"
        )
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocabulary_size):
        raise ValueError(
            f"token ids must lie in [0, {vocabulary_size}); got {tokens.min()}..{tokens.max()}"
        )
    counts = np.zeros((tokens.shape[0], vocabulary_size))
    np.add.at(counts, (np.arange(tokens.shape[0])[:, None], tokens), 1.0)
    counts[:, 0] = 0.0
    return counts


@dataclass(frozen=True)
class LogisticRegression:
    """A linear classifier on fixed features: p(positive) = sigmoid(features @ coef + bias)."""

    coef: np.ndarray
    bias: float

    @classmethod
    def fit(
        cls, features: Any, labels: Any, *, steps: int = 500, learning_rate: float = 0.5
    ) -> LogisticRegression:
        """Full-batch gradient descent on the mean cross-entropy from zero weights
        (deterministic). features: (samples, n_features); labels: (samples,) of 0/1."""
        features = real_array("features", features, np.dtype("float64"))
        labels = real_array("labels", labels, np.dtype("float64"))
        if features.ndim != 2 or labels.shape != (features.shape[0],):
            raise ValueError(
                "features must be (samples, n_features) and labels (samples,); got "
                f"{features.shape} and {labels.shape}"
            )
        scale = np.maximum(features.std(axis=0), 1e-12)
        scaled = features / scale
        coef, bias = np.zeros(features.shape[1]), 0.0
        for _ in range(steps):
            error = 0.5 * (1.0 + np.tanh(0.5 * (scaled @ coef + bias))) - labels
            coef -= learning_rate * scaled.T @ error / labels.size
            bias -= learning_rate * float(error.mean())
        return cls(coef / scale, bias)

    def predict(self, features: Any) -> np.ndarray:
        """Class labels (samples,) int64: 1 where p(positive) > 0.5."""
        features = real_array("features", features, np.dtype("float64"))
        return (features @ self.coef + self.bias > 0).astype(np.int64)


def accuracy(predicted: Any, labels: Any) -> float:
    """Fraction of equal entries in two 1-D label arrays of one length."""
    predicted, labels = np.asarray(predicted).ravel(), np.asarray(labels).ravel()
    if predicted.shape != labels.shape:
        raise ValueError(f"got {predicted.shape[0]} predictions for {labels.shape[0]} labels")
    return float(np.mean(predicted == labels))


# --- the IMDB review layout ------------------------------------------------------------------


class Reviews(NamedTuple):
    """Review texts and their labels (samples,) int64: 1 for pos, 0 for neg."""

    texts: list[str]
    labels: np.ndarray


def load_imdb(root: Path | str, split: str = "train") -> Reviews:
    """Read the Large Movie Review Dataset layout ``root/{train,test}/{pos,neg}/*.txt``.

    ``root`` is the unpacked ``aclImdb`` folder. Files are read in sorted order, pos then
    neg, so a load is reproducible. Nothing is downloaded.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    texts: list[str] = []
    labels: list[int] = []
    for label, folder in ((1, "pos"), (0, "neg")):
        directory = Path(root) / split / folder
        if not directory.is_dir():
            raise FileNotFoundError(
                f"expected the aclImdb layout root/{split}/{{pos,neg}}/*.txt; "
                f"no folder {directory}"
            )
        for path in sorted(directory.glob("*.txt")):
            texts.append(path.read_text(encoding="utf-8"))
            labels.append(label)
    return Reviews(texts, np.array(labels, dtype=np.int64))


def tokenize(text: str) -> list[str]:
    """Lower-case words and numbers; IMDB's ``<br />`` line breaks become spaces."""
    return re.findall(r"[a-z0-9']+", text.replace("<br />", " ").lower())


def build_vocabulary(
    texts: Iterable[Any], max_size: int, *, tokenizer: Callable[[Any], Sequence[str]] = tokenize
) -> tuple[str, ...]:
    """``max_size`` words: padding, unknown, then the most frequent words (ties in
    alphabetical order, so the result does not depend on file order).

    ``tokenizer`` splits one text into words (:func:`tokenize` by default; ``list`` for texts
    that are already lists of words, such as segmented Chinese)."""
    integer("max_size", max_size, 2)
    counts = Counter(word for text in texts for word in tokenizer(text))
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    return (PAD, UNKNOWN, *ranked[: max_size - 2])


def encode(
    texts: Sequence[Any],
    vocabulary: Sequence[str],
    length: int,
    *,
    tokenizer: Callable[[Any], Sequence[str]] = tokenize,
) -> np.ndarray:
    """Token ids (samples, length) int64, padded and truncated at the front as Keras's
    ``pad_sequences`` does by default, so the words nearest the end are kept last;
    words outside ``vocabulary`` map to the unknown id 1. ``tokenizer`` as in
    :func:`build_vocabulary`."""
    integer("length", length)
    ids = {word: index for index, word in enumerate(vocabulary)}
    unknown = ids.get(UNKNOWN, 1)
    encoded = np.zeros((len(texts), length), dtype=np.int64)
    for row, text in zip(encoded, texts, strict=True):
        words = [ids.get(word, unknown) for word in tokenizer(text)][-length:]
        if words:
            row[length - len(words) :] = words
    return encoded

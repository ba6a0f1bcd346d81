"""Synthetic sequence tasks, each reproducible from a seed, NumPy only.

For the long-term dependency chapter:

* :func:`agreement_sequences`: sentences like article 003's "The cat(s), which already ate
  ..., was/were full", cut just before the verb. The label is whether the verb must be
  singular (``was``) or plural (``were``), which only the subject decides; the subject sits
  a chosen ``distance`` steps before the verb, and the words in between (some of them nouns of
  the other number, such as "mice") carry no information about it.
  :func:`agreement_split` draws a training set and a test set that shares no sentence with
  it (:func:`sentence_count` says how few different sentences short distances allow).
* :func:`adding_problem`: Hochreiter and Schmidhuber's (1997) adding problem: a sequence of
  random numbers with two of them marked; the target is their sum.

For the variants and FAQ chapters:

* :func:`memory_task`: a sequence of ``time`` steps of Gaussian noise (one feature); the label
  is whether the *first* value was positive. A model must carry one bit across the whole
  sequence while ignoring everything after it, which is what gates are for.
* :func:`offset_task`: noisy sequences around a hidden offset, with steps missing, and
  :func:`fill_missing` for the ways of filling them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

SINGULAR_SUBJECTS = ("cat", "dog", "child", "bird")
PLURAL_SUBJECTS = ("cats", "dogs", "children", "birds")
VERBS = ("was", "were")
"""The two verb forms; a label is an index into this tuple (0 singular, 1 plural)."""
FILLER = (
    "which", "already", "ate", "a", "bunch", "of", "food", "and", "then", "slept", "in",
    "the", "sun", "near", "mouse", "mice", "fish", "tree", "trees", "quietly",
)  # fmt: skip
"""Words of the relative clause between subject and verb; "mouse"/"mice", "tree"/"trees"
are nouns of both numbers, distractors that say nothing about the subject."""
VOCABULARY = ("The", *SINGULAR_SUBJECTS, *PLURAL_SUBJECTS, *FILLER)
"""Token ``i`` is ``VOCABULARY[i]``; every sentence starts with "The", then its subject."""


class AgreementData(NamedTuple):
    """A batch of subject-verb agreement sentences, cut before the verb.

    tokens: (batch, time) int, indices into :data:`VOCABULARY`, time = distance + 1
    labels: (batch,) int, 0 when the verb is "was" (singular subject), 1 when "were"
    distance: steps from the subject (position 1) to the verb (position distance + 1)
    """

    tokens: np.ndarray
    labels: np.ndarray
    distance: int

    def sentence(self, index: int) -> str:
        """Sample ``index`` as text, with its verb: "The cats which ... were"."""
        words = [VOCABULARY[token] for token in self.tokens[index]]
        return " ".join([*words, VERBS[self.labels[index]]])

    def one_hot(self, dtype: str = "float32") -> np.ndarray:
        """The tokens as one-hot vectors: (batch, time, len(VOCABULARY))."""
        return np.eye(len(VOCABULARY), dtype=dtype)[self.tokens]

    def shared_with(self, other: AgreementData) -> int:
        """How many of these sentences (counting repeats) also occur in ``other``."""
        if self.tokens.shape[1] != other.tokens.shape[1]:
            return 0
        seen = {row.tobytes() for row in other.tokens}
        return sum(row.tobytes() in seen for row in self.tokens)


def sentence_count(distance: int) -> int:
    """How many different sentences :func:`agreement_sequences` can draw at ``distance``: a
    subject, "which" (from distance 2 on), and ``distance - 2`` free filler words."""
    _check_positive("distance", distance)
    return len(SINGULAR_SUBJECTS + PLURAL_SUBJECTS) * len(FILLER) ** max(distance - 2, 0)


def _check_positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


def _draw_agreement(rng: np.random.Generator, count: int, distance: int) -> AgreementData:
    """``count`` sentences at ``distance`` from ``rng``; see :func:`agreement_sequences`."""
    labels = rng.integers(0, 2, count)
    subject = rng.integers(0, len(SINGULAR_SUBJECTS), count)
    first_subject = VOCABULARY.index(SINGULAR_SUBJECTS[0])
    subject_tokens = first_subject + labels * len(SINGULAR_SUBJECTS) + subject
    first_filler = VOCABULARY.index(FILLER[0])
    filler = first_filler + rng.integers(0, len(FILLER), (count, distance - 1))
    filler[:, :1] = VOCABULARY.index("which")  # the relative clause opens with "which"
    tokens = np.column_stack([np.zeros(count, int), subject_tokens, filler])
    return AgreementData(tokens, labels, int(distance))


def agreement_sequences(count: int, distance: int, *, seed: int = 0) -> AgreementData:
    """``count`` sentences "The <subject> which <distance - 2 filler words>", half of them (in
    expectation) with a plural subject; the label is the verb that must follow.

    ``distance`` is how many steps the verb comes after the subject: 1 means right after it.
    Sentences are drawn independently, so the same sentence can occur twice, and two calls
    with different seeds can share sentences; :func:`agreement_split` avoids that.
    """
    for name, value in (("count", count), ("distance", distance)):
        _check_positive(name, value)
    return _draw_agreement(np.random.default_rng(seed), count, distance)


def agreement_split(
    train_size: int, test_size: int, distance: int, *, seed: int = 0
) -> tuple[AgreementData, AgreementData]:
    """A training set and a held-out test set of agreement sentences at ``distance``, with no
    test sentence in the training set (test candidates that are get redrawn).

    Returns (train, test) with ``train_size`` and ``test_size`` sentences. Raises
    ValueError when the distance is so short that the training set covers more than half of
    the :func:`sentence_count` possible sentences.
    """
    for name, value in (("train_size", train_size), ("test_size", test_size)):
        _check_positive(name, value)
    possible = sentence_count(distance)
    rng = np.random.default_rng(seed)
    train = _draw_agreement(rng, train_size, distance)
    seen = {row.tobytes() for row in train.tokens}
    if len(seen) > possible / 2:
        raise ValueError(
            f"distance {distance} allows only {possible} different sentences and the "
            f"{train_size} training sentences already use {len(seen)} of them; choose a "
            "longer distance or a smaller training set"
        )
    tokens, labels = [], []
    while sum(map(len, labels)) < test_size:
        candidates = _draw_agreement(rng, test_size, distance)
        new = np.array([row.tobytes() not in seen for row in candidates.tokens])
        tokens.append(candidates.tokens[new])
        labels.append(candidates.labels[new])
    test = AgreementData(
        np.concatenate(tokens)[:test_size], np.concatenate(labels)[:test_size], int(distance)
    )
    return train, test


def adding_problem(count: int, time: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: inputs (count, time, 2) and targets (count,).

    Channel 0 holds numbers drawn uniformly from [0, 1); channel 1 marks two steps with 1, one
    in the first half of the sequence and one in the second. The target is the sum of the
    two marked numbers, so the first marked value must be remembered for at least time / 2
    steps.
    """
    if not isinstance(count, int | np.integer) or count < 1:
        raise ValueError(f"count must be a positive integer; got {count!r}")
    if not isinstance(time, int | np.integer) or time < 2:
        raise ValueError(f"time must be an integer of at least 2; got {time!r}")
    rng = np.random.default_rng(seed)
    values = rng.random((count, time))
    half = time // 2
    first = rng.integers(0, half, count)
    second = rng.integers(half, time, count)
    markers = np.zeros((count, time))
    rows = np.arange(count)
    markers[rows, first] = markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1), targets


def memory_task(samples: int, time: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x: (samples, time, 1) standard normal; y: (samples,) 1.0 where x[:, 0, 0] > 0."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, time, 1)).astype(np.float32)
    return x, (x[:, 0, 0] > 0).astype(np.float32)


def offset_task(
    samples: int, time: int, *, missing: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequences x_t = offset + noise, offset ~ N(0, 0.3^2), noise ~ N(0, 1); the label is
    whether the offset is positive. A fraction ``missing`` of the steps is unobserved.

    Returns x (samples, time, 1) with the true values everywhere, y (samples,), and
    observed (samples, time) bool; the first and last steps are always observed.
    """
    rng = np.random.default_rng(seed)
    offset = rng.normal(0.0, 0.3, (samples, 1))
    x = (offset + rng.standard_normal((samples, time))).astype(np.float32)
    observed = rng.random((samples, time)) >= missing
    observed[:, [0, -1]] = True
    return x[:, :, None], (offset[:, 0] > 0).astype(np.float32), observed


def fill_missing(x: np.ndarray, observed: np.ndarray, how: str) -> np.ndarray:
    """x (samples, time, 1) with unobserved steps replaced: how="zero" by 0, "interpolate"
    by linear interpolation between the nearest observed steps."""
    if how == "zero":
        return np.where(observed[:, :, None], x, 0.0).astype(x.dtype)
    if how == "interpolate":
        steps = np.arange(x.shape[1])
        filled = [
            np.interp(steps, steps[seen], row[seen, 0])
            for row, seen in zip(x, observed, strict=True)
        ]
        return np.stack(filled)[:, :, None].astype(x.dtype)
    raise ValueError(f"how must be 'zero' or 'interpolate'; got {how!r}")

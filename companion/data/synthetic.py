"""Synthetic sequence tasks, each reproducible from a seed, NumPy only.

For the long-term dependency chapter:

* :func:`agreement_sequences`: sentences like article 003's "The cat(s), which already ate
  ..., was/were full", cut just before the verb. The label is whether the verb must be
  singular (``was``) or plural (``were``), which only the subject decides; the subject sits
  a chosen ``distance`` steps before the verb, and the words in between (some of them nouns of
  the other number, such as "mice") carry no information about it.
  :func:`agreement_split` draws a training set and a test set that shares no sentence with
  it (:func:`sentence_count` says how few different sentences short distances allow).
  :func:`bag_of_words_guess` is the order-free baseline, which the subject nouns, found
  nowhere else in a sentence, let solve the task.
* :func:`adding_problem`: the adding problem in the form of Le, Jaitly and Hinton (2015):
  values in [0, 1) with two of them marked, one in each half; the target is their sum.
  (Hochreiter and Schmidhuber's 1997 original draws values from [-1, 1], marks one of the
  first ten and one before the middle, and asks for 0.5 + (X1 + X2) / 4.)

For the variants and FAQ chapters:

* :func:`cue_task`: marked values among distractors; the label is the parity of the marked
  values' signs (one cue: its sign), so the cues must be stored until the end.
* :func:`last_cue_task`: the sign of the last of several marked values: store and forget.
* :func:`order_task`: whether marker A comes before marker B, which only their order decides.
* :func:`offset_task`: noisy sequences around a hidden offset, with steps missing, and
  :func:`fill_missing` for the ways of filling them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion._checks import integer

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
    integer("distance", distance)
    return len(SINGULAR_SUBJECTS + PLURAL_SUBJECTS) * len(FILLER) ** max(distance - 2, 0)


def bag_of_words_guess(data: AgreementData) -> np.ndarray:
    """The verb a bag of words picks: plural (1) when the sentence holds any word of
    ``PLURAL_SUBJECTS``, wherever it stands, singular (0) otherwise; (batch,) int.

    The subject nouns occur nowhere but in the subject's place, so on these sentences the
    guess is always right: the task does not ask which noun is the subject, only whether
    the subject's number survives the distance to the verb.
    """
    plural = [VOCABULARY.index(word) for word in PLURAL_SUBJECTS]
    return np.isin(data.tokens, plural).any(axis=1).astype(int)


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
    integer("count", count)
    integer("distance", distance)
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
    integer("train_size", train_size)
    integer("test_size", test_size)
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
    """The adding problem as Le, Jaitly and Hinton (2015) pose it: inputs (count, time, 2)
    and targets (count,).

    Channel 0 holds numbers drawn uniformly from [0, 1); channel 1 marks two steps with 1, one
    in the first half of the sequence and one in the second. The target is the sum of the
    two marked numbers, so the first marked value must be remembered for at least time / 2
    steps.
    """
    integer("count", count)
    integer("time", time, 2)
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


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        integer(name, value)


def cue_task(
    samples: int,
    time: int,
    *,
    cues: int = 1,
    at_start: bool = False,
    noise: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``cues`` marked values among distractors; the label is whether an odd number of the
    marked values is positive (one cue: its sign; two cues: whether their signs differ).

    x: (samples, time, 3): channel 0 the cue's standard normal value at a cue step (0
    elsewhere), channel 1 the marker (1 at a cue), channel 2 distractors, ``noise`` times a
    standard normal value at every other step; y: (samples,) 0.0 or 1.0. The cues sit at
    distinct random steps or, with ``at_start``, at the first ``cues`` steps, so that they must
    be carried over the whole sequence.
    """
    _check_sizes(samples=samples, time=time, cues=cues)
    if cues > time:
        raise ValueError(f"cues must be at most time ({time}); got {cues}")
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((samples, time))
    if at_start:
        steps = np.broadcast_to(np.arange(cues), (samples, cues))
    else:
        steps = np.argsort(rng.random((samples, time)), axis=1)[:, :cues]
    markers = np.zeros((samples, time))
    np.put_along_axis(markers, steps, 1.0, axis=1)
    positives = (np.take_along_axis(values, steps, axis=1) > 0).sum(axis=1)
    distractors = noise * rng.standard_normal((samples, time)) * (1 - markers)
    x = np.stack([values * markers, markers, distractors], axis=-1)
    return x.astype(np.float32), (positives % 2).astype(np.float32)


def last_cue_task(
    samples: int, time: int, *, cues: int = 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`cue_task`, but the label is the sign of the *last* marked value: a model
    must store each cue and forget the one before it.

    x: (samples, time, 2) (values, marker); y: (samples,) 1.0 where the last cue is positive.
    The cues sit at distinct random steps of the first half, so the last one is still at
    least ``time // 2`` steps from the end.
    """
    _check_sizes(samples=samples, time=time, cues=cues)
    if cues > time // 2:
        raise ValueError(f"cues must be at most time // 2 ({time // 2}); got {cues}")
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((samples, time))
    steps = np.sort(np.argsort(rng.random((samples, time // 2)), axis=1)[:, :cues], axis=1)
    markers = np.zeros((samples, time))
    np.put_along_axis(markers, steps, 1.0, axis=1)
    last = np.take_along_axis(values, steps[:, -1:], axis=1)[:, 0]
    return np.stack([values, markers], axis=-1).astype(np.float32), (last > 0).astype(np.float32)


def order_task(samples: int, time: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two markers, A and B, at distinct random steps; the label is whether A comes first.

    x: (samples, time, 2): channel 0 is 1 at A's step, channel 1 at B's; y: (samples,) 1.0
    where A is before B. Each marker alone looks the same wherever it is: only the order
    decides the label.
    """
    _check_sizes(samples=samples, time=time)
    if time < 2:
        raise ValueError(f"time must be at least 2; got {time}")
    rng = np.random.default_rng(seed)
    steps = np.argsort(rng.random((samples, time)), axis=1)[:, :2]
    x = np.zeros((samples, time, 2), np.float32)
    rows = np.arange(samples)
    x[rows, steps[:, 0], 0] = 1.0
    x[rows, steps[:, 1], 1] = 1.0
    return x, (steps[:, 0] < steps[:, 1]).astype(np.float32)


def offset_task(
    samples: int, time: int, *, missing: float = 0.3, level: float = 0.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequences x_t = offset + noise, offset ~ N(level, 0.3^2), noise ~ N(0, 1); the label is
    whether the offset is above ``level``. A fraction ``missing`` of the steps is unobserved.

    Returns x (samples, time, 1) with the true values everywhere, y (samples,), and
    observed (samples, time) bool; the first and last steps are always observed.
    """
    _check_sizes(samples=samples, time=time)
    if not 0.0 <= missing < 1.0:
        raise ValueError(f"missing must be a fraction in [0, 1); got {missing!r}")
    rng = np.random.default_rng(seed)
    offset = rng.normal(level, 0.3, (samples, 1))
    x = (offset + rng.standard_normal((samples, time))).astype(np.float32)
    observed = rng.random((samples, time)) >= missing
    observed[:, [0, -1]] = True
    return x[:, :, None], (offset[:, 0] > level).astype(np.float32), observed


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

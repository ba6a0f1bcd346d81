"""A tiny generated Chinese sentiment corpus, and a sentiment classifier read with NumPy.

Sentences are built from two templates over a handful of tokens, already split into words::

    subject [不] [很] verb this/that noun      我 / 喜欢 / 这个 / 电影        positive
                                              我 / 不 / 喜欢 / 这个 / 电影   negative
    this/that noun [不] [很] adjective        这个 / 电影 / 很 / 好看        positive

The label is 1 (positive) when the verb or adjective is positive and the sentence is not
negated by 不, else 0. So the model has to carry 不 forward to the word it negates.

The corpus isolates one thing, negation; the book's model of real reviews is trained on
:mod:`companion.data.reviews`. The classifier is in :mod:`companion.trained.chinese_sentiment`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from companion._checks import integer

SUBJECTS = ("我", "你", "他", "我们")
POSITIVE_VERBS = ("喜欢", "爱")
NEGATIVE_VERBS = ("讨厌", "恨")
DETERMINERS = ("这个", "那个")
NOUNS = ("电影", "故事", "演员", "歌")
POSITIVE_ADJECTIVES = ("好看", "精彩", "有趣")
NEGATIVE_ADJECTIVES = ("无聊", "难看", "糟糕")
NEGATION = "不"
INTENSIFIER = "很"

VOCABULARY: tuple[str, ...] = (
    *SUBJECTS,
    *POSITIVE_VERBS,
    *NEGATIVE_VERBS,
    *DETERMINERS,
    *NOUNS,
    *POSITIVE_ADJECTIVES,
    *NEGATIVE_ADJECTIVES,
    NEGATION,
    INTENSIFIER,
)
"""Every token of the corpus; a token's id is its index here."""

_POSITIVE = frozenset(POSITIVE_VERBS + POSITIVE_ADJECTIVES)
_SENTIMENT_WORDS = _POSITIVE | frozenset(NEGATIVE_VERBS + NEGATIVE_ADJECTIVES)


def label(tokens: Sequence[str]) -> int:
    """1 for a positive sentence, 0 for a negative one: the sentiment word's polarity,
    flipped by 不. Raises ValueError unless the sentence has exactly one sentiment word."""
    words = [token for token in tokens if token in _SENTIMENT_WORDS]
    if len(words) != 1:
        raise ValueError(
            f"a sentence needs exactly one sentiment word; got {len(words)} in {list(tokens)}"
        )
    return int((words[0] in _POSITIVE) != (NEGATION in tokens))


def generate(count: int, *, seed: int = 0) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """Draw ``count`` sentences (tuples of tokens, 3 to 6 long) and their labels (count,).

    Half the sentences follow the verb template, half the adjective template; each is
    negated with probability 1/2 and intensified (很) with probability 1/2. Reproducible
    from ``seed``.
    """
    integer("count", count)
    rng = np.random.default_rng(seed)

    def pick(options: Sequence[str]) -> str:
        return options[rng.integers(len(options))]

    sentences = []
    for _ in range(count):
        positive, negated, intensified, verb_template = rng.integers(0, 2, size=4)
        modifiers = (NEGATION,) * negated + (INTENSIFIER,) * intensified
        thing = (pick(DETERMINERS), pick(NOUNS))
        if verb_template:
            verb = pick(POSITIVE_VERBS if positive else NEGATIVE_VERBS)
            sentence = (pick(SUBJECTS), *modifiers, verb, *thing)
        else:
            adjective = pick(POSITIVE_ADJECTIVES if positive else NEGATIVE_ADJECTIVES)
            sentence = (*thing, *modifiers, adjective)
        sentences.append(sentence)
    return sentences, np.array([label(s) for s in sentences])


def distinct_split(
    sentences: Sequence[Sequence[str]],
    labels: np.ndarray,
    test_size: int,
    *,
    held_out: Sequence[Sequence[str]] = (),
    seed: int = 0,
) -> tuple[list[tuple[str, ...]], np.ndarray, list[tuple[str, ...]], np.ndarray]:
    """Each distinct sentence once, shuffled from ``seed`` and split into training and test
    sentences that share none: (train_sentences, train_labels, test_sentences, test_labels),
    ``test_size`` sentences for the test set. The ``held_out`` sentences, where drawn, go to
    the test set whatever the shuffle (so a sentence the book traces is never trained on).

    The templates make only a few hundred distinct sentences, so independent draws repeat
    each other; splitting the draws themselves would put the same sentence on both sides.
    """
    labels = np.asarray(labels)
    if labels.shape != (len(sentences),):
        raise ValueError(f"got {labels.shape[0]} labels for {len(sentences)} sentences")
    label_of = dict(zip(map(tuple, sentences), labels.tolist(), strict=True))
    distinct = list(label_of)
    integer("test_size", test_size, 1, len(distinct) - 1)  # some distinct ones to train on
    order = np.random.default_rng(seed).permutation(len(distinct))
    kept_out = {tuple(sentence) for sentence in held_out}
    order = sorted(order, key=lambda k: distinct[k] not in kept_out)  # stable: held out first
    test = [distinct[k] for k in order[:test_size]]
    train = [distinct[k] for k in order[test_size:]]
    return (
        train,
        np.array([label_of[s] for s in train]),
        test,
        np.array([label_of[s] for s in test]),
    )


def group_by_length(
    sentences: Sequence[Sequence[str]],
) -> dict[int, np.ndarray]:
    """Indices of the sentences of each length, so each group is one unpadded batch."""
    lengths = np.array([len(s) for s in sentences])
    return {int(n): np.flatnonzero(lengths == n) for n in np.unique(lengths)}

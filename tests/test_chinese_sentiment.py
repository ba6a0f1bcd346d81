"""The generated sentiment corpus, and the classifier trained on it."""

from __future__ import annotations

import numpy as np
import pytest

from companion import LSTMWeights
from companion.data.chinese_sentences import (
    VOCABULARY,
    distinct_split,
    generate,
    group_by_length,
    label,
)


def test_generate_is_reproducible_and_balanced():
    sentences, labels = generate(300, seed=3)
    again, labels_again = generate(300, seed=3)
    assert sentences == again
    np.testing.assert_array_equal(labels, labels_again)
    assert sentences != generate(300, seed=4)[0]
    assert labels.shape == (300,) and set(labels) == {0, 1}
    assert 0.4 < labels.mean() < 0.6
    assert {len(s) for s in sentences} == {3, 4, 5, 6}
    assert all(token in VOCABULARY for s in sentences for token in s)


def test_labels_follow_the_rules():
    assert label(["我", "喜欢", "这个", "电影"]) == 1
    assert label(["我", "不", "喜欢", "这个", "电影"]) == 0
    assert label(["我", "讨厌", "这个", "电影"]) == 0
    assert label(["我", "不", "很", "讨厌", "那个", "歌"]) == 1
    assert label(["这个", "电影", "很", "好看"]) == 1
    assert label(["这个", "电影", "不", "好看"]) == 0
    with pytest.raises(ValueError, match="exactly one sentiment word; got 0"):
        label(["我", "这个", "电影"])


def test_every_generated_sentence_has_one_sentiment_word():
    sentences, labels = generate(200, seed=0)
    assert [label(s) for s in sentences] == list(labels)


def test_distinct_split_shares_no_sentence():
    sentences, labels = generate(600, seed=0)
    train, train_labels, test, test_labels = distinct_split(sentences, labels, 100, seed=2)
    assert len(test) == 100 and len(set(test)) == 100
    assert len(set(train)) == len(train) == len(set(sentences)) - 100
    assert not set(train) & set(test)
    assert [label(s) for s in train] == train_labels.tolist()
    assert [label(s) for s in test] == test_labels.tolist()
    with pytest.raises(ValueError, match="test_size must be an integer from 1 to "):
        distinct_split(sentences, labels, len(set(sentences)))
    with pytest.raises(ValueError, match="got 1 labels for 2 sentences"):
        distinct_split([("我",), ("你",)], np.array([1]), 1)


def test_group_by_length():
    groups = group_by_length([("a",), ("b", "c"), ("d",)])
    assert list(groups) == [1, 2]
    np.testing.assert_array_equal(groups[1], [0, 2])


def test_generate_rejects_bad_count():
    with pytest.raises(ValueError, match="count must be a positive integer; got 0"):
        generate(0)


def test_training_learns_and_numpy_reads_the_torch_model():
    torch = pytest.importorskip("torch")
    from companion.trained import chinese_sentiment

    sentences, labels = generate(200, seed=0)
    model, history = chinese_sentiment.train(
        sentences, labels, VOCABULARY, hidden_size=4, epochs=60
    )
    again, _ = chinese_sentiment.train(sentences, labels, VOCABULARY, hidden_size=4, epochs=60)
    assert history.loss[-1] < history.loss[0] / 2 and history.validation_loss == []
    assert model.accuracy(sentences, labels) > 0.9
    np.testing.assert_array_equal(model.embedding, again.embedding)  # seeded: reproducible
    assert model.lstm == again.lstm and model.vocabulary == VOCABULARY

    # The NumPy forward pass of the converted weights equals the PyTorch model's.
    tokens = [["我", "喜欢", "这个", "电影"], ["他", "不", "爱", "那个"]]
    for dtype, tolerance in ((torch.float64, 1e-12), (torch.float32, 1e-5)):
        net = chinese_sentiment.SentimentLSTM(len(VOCABULARY), 8, 4, dtype)
        torch.manual_seed(1)
        for parameter in net.parameters():
            torch.nn.init.normal_(parameter)
        ids = torch.from_numpy(np.stack(chinese_sentiment.encode_tokens(tokens, VOCABULARY)))
        expected = torch.sigmoid(net(ids)).detach().numpy()
        converted = net.to_numpy(VOCABULARY)
        assert converted.lstm.dtype == np.dtype(str(dtype).removeprefix("torch."))
        np.testing.assert_allclose(converted.predict(tokens), expected, rtol=0, atol=tolerance)


def test_minibatch_training_on_a_vocabulary_with_unknown_words():
    pytest.importorskip("torch")
    from companion.data.sentiment import PAD, UNKNOWN
    from companion.trained import chinese_sentiment

    sentences, labels = generate(300, seed=1)
    vocabulary = (PAD, UNKNOWN, *VOCABULARY[:-4])  # the last four tokens become unknown
    model, history = chinese_sentiment.train(
        sentences, labels, vocabulary, epochs=25, batch_size=32, dtype="float32", seed=3
    )
    assert len(history.loss) == 25 and history.loss[-1] < history.loss[0] / 2
    assert model.embedding.dtype == np.float32 and model.accuracy(sentences, labels) > 0.8
    assert model.ids(["我", "很", "猫"]).tolist() == [2, 1, 1]


def test_encode_tokens_needs_known_tokens_without_unknown():
    from companion.trained.chinese_sentiment import encode_tokens

    assert encode_tokens([["我", "很"]], VOCABULARY)[0].tolist() == [0, len(VOCABULARY) - 1]
    with pytest.raises(ValueError, match="tokens not in the vocabulary: \\['猫'\\]"):
        encode_tokens([["我", "猫"]], VOCABULARY)
    with pytest.raises(ValueError, match="at least one token"):
        encode_tokens([[]], VOCABULARY)


def test_train_rejects_bad_arguments():
    pytest.importorskip("torch")
    from companion.trained import chinese_sentiment

    one = [("我", "喜欢", "这个", "电影")]
    with pytest.raises(ValueError, match="labels must be 0/1"):
        chinese_sentiment.train(one, np.array([2]), VOCABULARY)
    with pytest.raises(ValueError, match="batch_size must be None or a positive integer"):
        chinese_sentiment.train(one, np.array([1]), VOCABULARY, batch_size=0)
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        chinese_sentiment.train(one, np.array([1]), VOCABULARY, dtype="float16")
    with pytest.raises(ValueError, match="patience must be a positive integer; got 0"):
        chinese_sentiment.train_bag_of_words(one, np.array([1]), VOCABULARY, patience=0)
    with pytest.raises(ValueError, match="labels must be 0/1 of shape \\(2,\\)"):
        chinese_sentiment.train(one, np.array([1]), VOCABULARY, validation=(one * 2, [1]))


def test_early_stopping_keeps_the_best_epoch():
    pytest.importorskip("torch")
    from companion.trained import chinese_sentiment

    sentences, labels = generate(600, seed=0)
    train_sentences, train_labels, held_out, held_out_labels = distinct_split(
        sentences, labels, 150, seed=0
    )
    # Few training sentences, a large learning rate: the validation loss turns up early.
    model, history = chinese_sentiment.train(
        train_sentences[:40], train_labels[:40], VOCABULARY, epochs=200, learning_rate=0.1,
        validation=(held_out, held_out_labels), patience=5,
    )  # fmt: skip
    best = int(np.argmin(history.validation_loss))
    assert len(history.loss) == len(history.validation_loss) == best + 6 < 200
    # The weights kept are the best epoch's: their validation loss is the smallest one.
    probabilities = np.clip(model.predict(held_out), 1e-12, 1 - 1e-12)
    loss = -np.mean(
        held_out_labels * np.log(probabilities) + (1 - held_out_labels) * np.log(1 - probabilities)
    )
    assert loss == pytest.approx(history.validation_loss[best], rel=1e-9)


def test_bag_of_words_reads_counts_not_order():
    pytest.importorskip("torch")
    from companion.trained import chinese_sentiment

    sentences, labels = generate(600, seed=0)
    model, history = chinese_sentiment.train_bag_of_words(
        sentences, labels, VOCABULARY, epochs=100, learning_rate=0.1
    )
    assert len(history.loss) == 100 and history.loss[-1] < history.loss[0]
    assert model.word_weights.shape == (len(VOCABULARY),)
    # Positive words weigh up, negative ones down; word order changes nothing.
    weight = dict(zip(VOCABULARY, model.word_weights, strict=True))
    assert weight["喜欢"] > 0 > weight["讨厌"]
    reordered = [tuple(reversed(s)) for s in sentences]
    np.testing.assert_allclose(model.predict(reordered), model.predict(sentences), rtol=1e-12)
    logits = [sum(weight[t] for t in s) + model.bias for s in sentences[:3]]
    np.testing.assert_allclose(model.predict(sentences[:3]), 1 / (1 + np.exp(-np.array(logits))))
    # It cannot learn negation: 不 flips some labels and not others.
    assert model.accuracy(sentences, labels) < 0.8


def test_model_embed_needs_one_length():
    from companion.trained.chinese_sentiment import SentimentModel

    model = SentimentModel(
        VOCABULARY,
        np.zeros((len(VOCABULARY), 2)),
        LSTMWeights.random(2, 3),
        np.zeros(3),
        0.0,
    )
    with pytest.raises(ValueError, match="one length"):
        model.embed([("我",), ("我", "爱")])
    np.testing.assert_allclose(model.predict([("我",), ("我", "爱")]), [0.5, 0.5])

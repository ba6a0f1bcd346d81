"""The generated sentiment corpus, and the classifier trained on it."""

from __future__ import annotations

import numpy as np
import pytest

from companion import LSTMWeights
from companion.data.chinese_sentiment import (
    GLOSSES,
    VOCABULARY,
    encode,
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


def test_encode_and_glosses():
    np.testing.assert_array_equal(encode(["我", "很"]), [0, len(VOCABULARY) - 1])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        encode(["我", "猫"])
    assert set(GLOSSES) == set(VOCABULARY)


def test_group_by_length():
    groups = group_by_length([("a",), ("b", "c"), ("d",)])
    assert list(groups) == [1, 2]
    np.testing.assert_array_equal(groups[1], [0, 2])


def test_generate_rejects_bad_count():
    with pytest.raises(ValueError, match="count must be a positive integer; got 0"):
        generate(0)


def test_training_learns_and_numpy_reads_the_torch_model():
    torch = pytest.importorskip("torch")
    from companion.models import chinese_sentiment

    sentences, labels = generate(200, seed=0)
    model, losses = chinese_sentiment.train(sentences, labels, hidden_size=4, epochs=60)
    again, _ = chinese_sentiment.train(sentences, labels, hidden_size=4, epochs=60)
    assert losses[-1] < losses[0] / 2
    assert model.accuracy(sentences, labels) > 0.9
    np.testing.assert_array_equal(model.embedding, again.embedding)  # seeded: reproducible
    assert model.lstm == again.lstm

    # The NumPy forward pass of the converted weights equals the PyTorch model's.
    net = chinese_sentiment.SentimentLSTM(8, 4)
    torch.manual_seed(1)
    for parameter in net.parameters():
        torch.nn.init.normal_(parameter)
    tokens = [["我", "喜欢", "这个", "电影"], ["他", "不", "爱", "那个"]]
    ids = torch.from_numpy(np.stack([encode(s) for s in tokens]))
    expected = torch.sigmoid(net(ids)).detach().numpy()
    np.testing.assert_allclose(net.to_numpy().predict(tokens), expected, rtol=0, atol=1e-12)


def test_train_rejects_bad_labels():
    pytest.importorskip("torch")
    from companion.models import chinese_sentiment

    with pytest.raises(ValueError, match="labels must be 0/1"):
        chinese_sentiment.train([("我", "喜欢", "这个", "电影")], np.array([2]))


def test_model_embed_needs_one_length():
    from companion.models.chinese_sentiment import SentimentModel

    model = SentimentModel(
        np.zeros((len(VOCABULARY), 2)),
        LSTMWeights.random(2, 3),
        np.zeros(3),
        0.0,
    )
    with pytest.raises(ValueError, match="one length"):
        model.embed([("我",), ("我", "爱")])
    np.testing.assert_allclose(model.predict([("我",), ("我", "爱")]), [0.5, 0.5])

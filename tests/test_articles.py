"""companion.trained.keras_articles and torch_articles: builders, equal parameter counts, the relu
LSTM, Keras-style initialisation and the training helpers (tiny sizes)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion import LSTMWeights
from companion.analysis import layer_arguments as arguments
from companion.data import sentiment
from companion.trained import keras_articles, torch_articles

SIZES = dict(vocabulary_size=30, embedding_dim=4, sequence_length=16, state_dim=3)


@pytest.mark.keras
@pytest.mark.parametrize("name", list(keras_articles.SENTIMENT_MODELS))
def test_sentiment_models_have_equal_parameter_counts(name):
    keras_model = keras_articles.SENTIMENT_MODELS[name](**SIZES)
    module = torch_articles.SENTIMENT_MODELS[name](**SIZES)
    assert keras_model.count_params() == torch_articles.parameter_count(module)
    lstm_layers = {"single LSTM": 1, "bidirectional LSTM": 2, "stacked bidirectional LSTM": 4}
    assert torch_articles.parameter_count(module, trainable_only=False) == (
        keras_model.count_params() + lstm_layers[name] * 4 * SIZES["state_dim"]
    )
    tokens = np.zeros((2, SIZES["sequence_length"]), dtype=np.int64)
    assert keras_articles.predict(keras_model, tokens).shape == (2, 1)
    assert torch_articles.predict(module, tokens).shape == (2,)


@pytest.mark.keras
def test_builders_are_seeded_and_named():
    a = keras_articles.single_lstm(**SIZES, seed=5)
    b = keras_articles.single_lstm(**SIZES, seed=5)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    rows = keras_articles.summary_rows(a)
    assert [row.name for row in rows] == ["embedding", "lstm", "flatten", "output"]
    assert rows[1] == keras_articles.SummaryRow("lstm", "LSTM", (None, 16, 3), 96)
    text = keras_articles.format_summary(a)
    assert "lstm (LSTM)" in text and text.splitlines()[-1].endswith(f"{a.count_params():,}")


@pytest.mark.keras
def test_forecaster_and_stacked_classifier_shapes():
    model = keras_articles.forecaster(5, 4, activation="tanh")
    assert model.count_params() == arguments.lstm_parameter_count(1, 4) + 5
    classifier = keras_articles.stacked_lstm_classifier(7, 2, 3, 4)
    assert keras_articles.predict(classifier, np.zeros((2, 7, 2))).shape == (2, 4)
    assert torch_articles.Forecaster(4, "tanh")(torch.zeros(2, 5, 1)).shape == (2,)
    assert torch_articles.parameter_count(torch_articles.Forecaster(4)) == model.count_params()


@pytest.mark.keras
def test_activated_lstm_matches_keras_relu_and_torch_tanh():
    weights = LSTMWeights.random(3, 4, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    relu = torch_articles.ActivatedLSTM(3, 4, activation="relu").set_weights(weights)
    with torch.no_grad():
        ours = relu(torch.from_numpy(x)).numpy()
    expected = arguments.run_steps(x, weights, activation=lambda z: np.maximum(z, 0.0))
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)
    tanh = torch_articles.ActivatedLSTM(3, 4, activation="tanh").set_weights(weights)
    reference = weights.to_torch(torch.nn.LSTM(3, 4, batch_first=True, dtype=torch.float64))
    with torch.no_grad():
        np.testing.assert_allclose(
            tanh(torch.from_numpy(x)).numpy(), reference(torch.from_numpy(x))[0].numpy(),
            rtol=0, atol=1e-12,
        )
    with pytest.raises(ValueError, match="activation must be one of"):
        torch_articles.ActivatedLSTM(3, 4, activation="elu")


def test_single_bias_freezes_a_zero_bias_hh():
    lstm = torch_articles.single_bias(torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True))
    for name, parameter in lstm.named_parameters():
        if name.startswith("bias_hh"):
            assert not parameter.requires_grad and not parameter.any()


@pytest.mark.keras
def test_keras_initialise_draws_keras_style_weights():
    module = torch_articles.keras_initialise(
        torch_articles.StackedBidirectionalLSTM(**SIZES), seed=1
    )
    weights = LSTMWeights.from_torch(module.lstm, layer=1, reverse=True)
    assert weights.input_size == 2 * SIZES["state_dim"]
    units = SIZES["state_dim"]
    np.testing.assert_array_equal(weights.bias, np.repeat([0.0, 1.0, 0.0, 0.0], units))
    assert np.abs(module.embedding.weight.detach().numpy()).max() <= 0.05
    assert not module.output.bias.any()
    again = torch_articles.keras_initialise(
        torch_articles.StackedBidirectionalLSTM(**SIZES), seed=1
    )
    for a, b in zip(module.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.keras
def test_training_helpers_lower_the_loss_reproducibly():
    corpus = sentiment.generate_corpus(64, SIZES["sequence_length"], seed=0)
    module = torch_articles.keras_initialise(torch_articles.SingleLSTM(**{**SIZES,
        "vocabulary_size": len(corpus.vocabulary)}), seed=0)  # fmt: skip
    state = {k: v.clone() for k, v in module.state_dict().items()}
    history = torch_articles.train(
        module, corpus.tokens, corpus.labels, loss="binary_crossentropy", epochs=3,
        batch_size=16, learning_rate=0.01, seed=0,
    )
    assert len(history.loss) == 3 and history.loss[-1] < history.loss[0]
    assert history.validation_loss == []
    module.load_state_dict(state)
    again = torch_articles.train(
        module, corpus.tokens, corpus.labels, loss="binary_crossentropy", epochs=3,
        batch_size=16, learning_rate=0.01, seed=0,
    )
    assert again == history
    with pytest.raises(ValueError, match="loss must be one of"):
        torch_articles.train(module, corpus.tokens, corpus.labels, loss="hinge", epochs=1,
                           batch_size=4)
    with pytest.raises(ValueError, match="x has 64 samples but y has 3"):
        torch_articles.train(module, corpus.tokens, corpus.labels[:3], loss="mse", epochs=1,
                           batch_size=4)

    model = keras_articles.forecaster(4, 3, seed=0)
    x = np.random.default_rng(0).random((32, 4, 1)).astype("float32")
    losses = keras_articles.train(model, x, x[:, -1, 0], loss="mse", epochs=3, batch_size=8,
                                learning_rate=0.01, validation=(x[:8], x[:8, -1, 0]))
    assert len(losses.loss) == 3 and losses.loss[-1] < losses.loss[0]
    assert len(losses.validation_loss) == 3


def test_torch_validation_loss_is_the_loss_on_the_validation_data():
    x = np.random.default_rng(1).random((24, 4, 1)).astype("float32")
    module = torch_articles.keras_initialise(torch_articles.Forecaster(3, "tanh"), seed=0)
    history = torch_articles.train(module, x[:16], x[:16, -1, 0], loss="mse", epochs=2,
                                 batch_size=8, validation=(x[16:], x[16:, -1, 0]))
    after = torch_articles.predict(module, x[16:])
    assert len(history.validation_loss) == 2
    assert history.validation_loss[-1] == pytest.approx(
        float(np.mean((after - x[16:, -1, 0]) ** 2)), rel=1e-5
    )


@pytest.mark.keras
def test_last_output_lstm_takes_any_length_and_flatten_does_not():
    model = keras_articles.last_output_lstm(10, 4, 3)
    flatten = keras_articles.single_lstm(10, 4, 6, 3)
    tokens = np.ones((2, 9), dtype="int32")
    assert keras_articles.predict(model, tokens).shape == (2, 1)
    assert keras_articles.predict(model, tokens[:, :6]).shape == (2, 1)
    assert model.count_params() == flatten.count_params() - 3 * 5
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 18"):
        flatten(tokens)


def test_restore_best_keeps_the_epoch_with_the_lowest_validation_loss():
    x = np.random.default_rng(2).random((40, 4, 1)).astype("float32")
    validation = (x[32:], x[32:, -1, 0])
    module = torch_articles.keras_initialise(torch_articles.Forecaster(3, "tanh"), seed=0)
    # A learning rate large enough that the validation loss does not fall every epoch.
    history = torch_articles.train(module, x[:32], x[:32, -1, 0], loss="mse", epochs=6,
                                 batch_size=8, learning_rate=1.0, validation=validation,
                                 restore_best=True)
    best = min(history.validation_loss)
    assert best < history.validation_loss[-1]
    after = torch_articles.predict(module, validation[0])
    assert float(np.mean((after - validation[1]) ** 2)) == pytest.approx(best, rel=1e-5)
    with pytest.raises(ValueError, match="restore_best needs validation data"):
        torch_articles.train(module, x, x[:, -1, 0], loss="mse", epochs=1, batch_size=8,
                           restore_best=True)


def test_bag_of_words_is_a_logistic_regression_on_word_counts():
    module = torch_articles.BagOfWords(6)
    with torch.no_grad():
        module.weights.weight.copy_(torch.arange(6.0)[:, None])
        module.bias.fill_(0.5)
    tokens = np.array([[0, 0, 2, 3, 3], [3, 2, 3, 0, 0], [5, 1, 1, 1, 0]])
    logits = torch_articles.predict(module, tokens)
    # the padding id 0 counts nothing; word order does not matter
    counts = sentiment.bag_of_words(tokens, 6)
    np.testing.assert_allclose(logits, counts @ np.arange(6.0) + 0.5)
    assert logits[0] == logits[1]
    assert torch_articles.parameter_count(module) == 6 + 1

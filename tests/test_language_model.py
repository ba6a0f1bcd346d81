"""The character-level language model: vocabulary and encoding, stream batching, the
count baselines, and sampling that agrees character for character in NumPy, Keras and
PyTorch."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from companion.data import characters
from companion.trained import language_model

TEXT = "我喜欢这个电影\n我不喜欢这个电影\n"


def test_vocabulary_keeps_the_most_frequent_characters_after_the_unknown_symbol() -> None:
    vocabulary = characters.build_vocabulary("aaabbc", 3)
    assert vocabulary.symbols == (characters.UNKNOWN, "a", "b")
    assert vocabulary.size == 3


def test_encoding_round_trips_and_maps_rare_characters_to_the_unknown_id() -> None:
    vocabulary = characters.build_vocabulary(TEXT, 100)
    ids = characters.encode(TEXT, vocabulary)
    assert ids.dtype == np.int64 and 0 not in ids
    assert characters.decode(ids, vocabulary) == TEXT
    small = characters.build_vocabulary("欢欢欢喜喜我", 3)  # unknown, 欢, 喜
    assert characters.decode(characters.encode("我喜", small), small) == (
        characters.UNKNOWN + "喜"
    )


def test_join_texts_ends_every_text_with_one_separator() -> None:
    assert characters.join_texts(["ab", "c\nd"]) == "ab\nc d\n"


def test_streams_are_contiguous_across_chunks_and_targets_are_the_next_ids() -> None:
    ids = np.arange(23)
    batches = characters.stream_batches(ids, batch=2, steps=5)
    assert batches.inputs.shape == batches.targets.shape == (2, 2, 5)
    np.testing.assert_array_equal(batches.targets, batches.inputs + 1)
    streams = np.concatenate(list(batches.inputs), axis=1)  # (batch, chunks * steps)
    np.testing.assert_array_equal(streams, [np.arange(10), np.arange(10, 20)])


def test_baselines_on_a_tiny_text() -> None:
    ids = np.array([1, 2, 1, 2, 1, 2])
    unigram = np.exp(language_model.unigram_log_probs(ids, 3))
    np.testing.assert_allclose(unigram, [1 / 9, 4 / 9, 4 / 9], atol=1e-12)
    # held out, read as a cycle: p(0 | 2), p(1 | 0) and p(2 | 1); in training 2 is followed
    # twice (by 1), 0 never (the unigram decides), 1 three times (by 2)
    bigram = np.exp(language_model.ngram_log_probs(ids, [0, 1, 2], 3, [1.0]))
    expected = [(0 + 1 / 9) / (2 + 1), (0 + 4 / 9) / (0 + 1), (3 + 4 / 9) / (3 + 1)]
    np.testing.assert_allclose(bigram, expected, atol=1e-12)
    # (1, 2) opens two windows of three, both followed by 1; smoothed towards p(1 | 2)
    trigram = np.exp(language_model.ngram_log_probs(ids, [1, 2, 1], 3, [1.0, 2.0]))
    assert abs(trigram[2] - (2 + 2 * (2 + 4 / 9) / 3) / (2 + 2)) < 1e-12
    uniform = np.log(np.full((2, 3), 1 / 3))
    assert abs(language_model.perplexity(uniform, [0, 2]) - 3.0) < 1e-12


@pytest.mark.parametrize("strengths", [[3.0], [3.0, 0.5]])
def test_ngram_probabilities_of_every_next_symbol_sum_to_one(strengths) -> None:
    train = np.random.default_rng(0).integers(0, 5, 200)
    for context in ([0, 0], [1, 4], [3, 2]):
        # read as a cycle, the last id of [a, b, c] follows (a, b)
        probabilities = [
            np.exp(language_model.ngram_log_probs(train, [*context, c], 5, strengths)[-1])
            for c in range(5)
        ]
        assert abs(sum(probabilities) - 1) < 1e-12


@pytest.fixture(scope="module")
def tiny_weights() -> language_model.LanguageModelWeights:
    weights = language_model.LanguageModelWeights.random(7, 4, 5, seed=3, dtype="float64")
    rng = np.random.default_rng(4)  # larger logits than the initial ones: a peaked choice
    return language_model.LanguageModelWeights(
        weights.embedding * 20,
        weights.lstm,
        rng.normal(size=weights.dense_kernel.shape),
        rng.normal(size=weights.dense_bias.shape),
    )


def test_numpy_logits_continue_from_a_carried_state(tiny_weights) -> None:
    ids = np.array([[1, 2, 3, 4, 5, 6]])
    whole, _ = language_model.logits(tiny_weights, ids)
    first, state = language_model.logits(tiny_weights, ids[:, :3])
    second, _ = language_model.logits(tiny_weights, ids[:, 3:], state)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("backend", ["keras", "torch"])
def test_frameworks_sample_the_same_characters_as_numpy(backend: str, tiny_weights) -> None:
    module = pytest.importorskip(f"companion.trained.{backend}_language_model")
    uniforms = np.random.default_rng(0).uniform(size=30)
    for temperature in (0.5, 1.0, 2.0):
        expected = language_model.sample(tiny_weights, [1, 2], uniforms, temperature)
        got = module.sample(tiny_weights, [1, 2], uniforms, temperature)
        np.testing.assert_array_equal(got, expected)
    assert len(set(expected.tolist())) > 1  # the draws do change the characters


def test_largest_difference_finds_the_one_changed_entry(tiny_weights) -> None:
    assert language_model.largest_difference(tiny_weights, tiny_weights) == 0.0
    bias = tiny_weights.lstm.bias.copy()
    bias[3] += 0.25
    changed = dataclasses.replace(
        tiny_weights, lstm=dataclasses.replace(tiny_weights.lstm, bias=bias)
    )
    assert language_model.largest_difference(tiny_weights, changed) == 0.25
    other = language_model.LanguageModelWeights.random(8, 4, 5, seed=3, dtype="float64")
    with pytest.raises(ValueError, match="differ in shape"):
        language_model.largest_difference(tiny_weights, other)


@pytest.mark.keras
@pytest.mark.parametrize("backend", ["keras", "torch"])
def test_weights_survive_a_round_trip_through_each_framework(backend: str, tiny_weights) -> None:
    module = pytest.importorskip(f"companion.trained.{backend}_language_model")
    back = module.to_weights(module.from_weights(tiny_weights))
    assert back.lstm == tiny_weights.lstm
    for name in ("embedding", "dense_kernel", "dense_bias"):
        np.testing.assert_array_equal(getattr(back, name), getattr(tiny_weights, name))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: characters.build_vocabulary("", 5), "non-empty string"),
        (lambda: characters.build_vocabulary("ab", 1), "max_size must be an integer >= 2"),
        (lambda: characters.stream_batches(np.arange(5), 2, 3), "at least batch"),
        (lambda: characters.stream_batches(np.arange(5), 0, 3), "batch must be"),
        (lambda: characters.decode([0, 9], characters.Vocabulary(("?", "a"))), r"\[0, 2\)"),
        (lambda: language_model.ngram_log_probs([1, 2], [1], 3, [0]), "strength"),
        (lambda: language_model.ngram_log_probs([1, 2], [1], 3, []), "non-empty"),
        (lambda: language_model.ngram_log_probs([1, 2], [1], 3, [1, 1]), "more than 2"),
        (lambda: language_model.ngram_log_probs([1], [1], 10**7, [1, 1]), "overflow"),
        (lambda: language_model.perplexity(np.zeros((2, 3)), [0, 1, 2]), "log_probs"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_join_texts_refuses_a_single_string() -> None:
    with pytest.raises(TypeError, match="sequence of strings"):
        characters.join_texts("abc")


SAMPLERS = ["numpy", "keras", "torch"]


def sampler(backend: str):
    """The ``sample`` function of one framework's language model."""
    if backend == "numpy":
        return language_model.sample
    return pytest.importorskip(f"companion.trained.{backend}_language_model").sample


@pytest.mark.parametrize("backend", SAMPLERS)
@pytest.mark.parametrize(
    ("prompt", "uniforms", "temperature", "error", "message"),
    [
        ([], [0.5], 1.0, ValueError, "at least one id"),
        ([9], [0.5], 1.0, ValueError, r"\[0, 7\)"),
        (
            [1],
            [0.25, 1.0],
            1.0,
            ValueError,
            r"uniforms must be draws in \[0, 1\); got 1.0 at index 1",
        ),
        ([1], [-0.5], 1.0, ValueError, r"draws in \[0, 1\); got -0.5 at index 0"),
        (
            [1],
            [0.5, np.nan, 0.5],
            1.0,
            ValueError,
            r"uniforms must be finite; got nan at index \(1,\)",
        ),
        (
            [1],
            [[0.5]],
            1.0,
            ValueError,
            r"uniforms must be a 1-D array \(count,\); got shape \(1, 1\)",
        ),
        ([1], ["a"], 1.0, TypeError, "uniforms must hold real numbers"),
        ([1], [0.5], 0.0, ValueError, "temperature must be a positive number; got 0.0"),
        ([1], [0.5], np.inf, ValueError, "temperature must be a positive number; got inf"),
        ([1], [0.5], np.nan, ValueError, "temperature must be a positive number; got nan"),
        ([1], [0.5], True, TypeError, r"temperature must be a positive number; got True \(bool\)"),
        ([1], [0.5], "1", TypeError, r"temperature must be a positive number; got '1' \(str\)"),
    ],
)
def test_sampling_refuses_bad_arguments(
    backend, tiny_weights, prompt, uniforms, temperature, error, message: str
) -> None:
    with pytest.raises(error, match=message):
        sampler(backend)(tiny_weights, prompt, uniforms, temperature)


@pytest.mark.parametrize("backend", SAMPLERS)
def test_sampling_takes_numpy_scalars_as_temperature(backend, tiny_weights) -> None:
    uniforms = np.random.default_rng(1).uniform(size=8)
    expected = language_model.sample(tiny_weights, [1, 2], uniforms, 0.5)
    for temperature in (np.float32(0.5), np.float64(0.5)):
        got = sampler(backend)(tiny_weights, [1, 2], uniforms, temperature)
        np.testing.assert_array_equal(got, expected)
    ones = sampler(backend)(tiny_weights, [1, 2], uniforms, np.int64(1))
    np.testing.assert_array_equal(ones, language_model.sample(tiny_weights, [1, 2], uniforms))


def test_weights_refuse_mismatched_shapes(tiny_weights) -> None:
    with pytest.raises(ValueError, match="dense_kernel must have shape"):
        language_model.LanguageModelWeights(
            tiny_weights.embedding,
            tiny_weights.lstm,
            tiny_weights.dense_kernel.T,
            tiny_weights.dense_bias,
        )


@pytest.mark.keras
@pytest.mark.parametrize("backend", ["keras", "torch"])
def test_training_learns_a_periodic_text(backend: str) -> None:
    module = pytest.importorskip(f"companion.trained.{backend}_language_model")
    if backend == "keras" and module.keras.config.backend() == "torch":
        pytest.skip("Keras 3.15.1 cannot train a stateful LSTM on PyTorch (test_keras_backends)")
    batches = characters.stream_batches(np.tile([1, 2, 3, 4], 60), batch=4, steps=6)
    initial = language_model.LanguageModelWeights.random(5, 4, 8, seed=0)
    scored = []

    def held_out(weights: language_model.LanguageModelWeights) -> float:
        scored.append(weights)
        return float(len(scored))

    trained, history = module.train(
        initial, batches, epochs=8, learning_rate=0.05, clip_norm=1.0, held_out=held_out
    )
    losses = history.loss
    assert len(losses) == 8 and losses[-1] < 0.5 * losses[0]
    assert history.validation_loss == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert scored[-1].lstm == trained.lstm and scored[0].lstm != trained.lstm
    assert trained.lstm.hidden_size == 8 and trained.dtype == np.float32
    with pytest.raises(ValueError, match="epochs"):
        module.train(initial, batches, epochs=0, learning_rate=0.05, clip_norm=1.0)


@pytest.mark.keras
@pytest.mark.parametrize("backend", ["keras", "torch"])
def test_training_builds_the_optimizer_it_is_given(backend: str) -> None:
    module = pytest.importorskip(f"companion.trained.{backend}_language_model")
    if backend == "keras" and module.keras.config.backend() == "torch":
        pytest.skip("Keras 3.15.1 cannot train a stateful LSTM on PyTorch (test_keras_backends)")
    default = module.train.__kwdefaults__["optimizer"]
    calls = []

    def optimizer(*args, **kwargs):
        calls.append((args, kwargs))
        return default(*args, **kwargs)

    batches = characters.stream_batches(np.tile([1, 2, 3], 20), batch=2, steps=4)
    initial = language_model.LanguageModelWeights.random(4, 3, 5, seed=0)
    module.train(
        initial, batches, epochs=1, learning_rate=0.02, clip_norm=1.0, optimizer=optimizer
    )
    ((args, kwargs),) = calls
    if backend == "keras":
        assert args == (0.02,) and kwargs == {"global_clipnorm": 1.0}
    else:
        assert len(args[0]) == 6 and kwargs == {"lr": 0.02}  # the model's tensors


@pytest.mark.parametrize(
    ("epochs", "error", "message"),
    [
        (True, TypeError, r"epochs must be a positive integer; got True \(bool\)"),
        (2.0, TypeError, r"epochs must be a positive integer; got 2.0 \(float\)"),
        (0, ValueError, "epochs must be a positive integer; got 0"),
    ],
)
def test_check_training_takes_epochs_as_a_count(epochs, error, message) -> None:
    batches = characters.stream_batches(np.tile([1, 2, 3], 20), batch=2, steps=4)
    with pytest.raises(error, match=message):
        language_model.check_training(batches, epochs)
    language_model.check_training(batches, np.int64(3))  # a NumPy integer is a count


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ((True, 4, 5), TypeError, r"vocabulary_size must be a positive integer; got True"),
        ((7, 4.0, 5), TypeError, r"embedding_dim must be a positive integer; got 4.0 \(float"),
        ((7, 4, 0), ValueError, "hidden_size must be a positive integer; got 0"),
    ],
)
def test_random_weights_take_sizes_as_counts(arguments, error, message) -> None:
    with pytest.raises(error, match=message):
        language_model.LanguageModelWeights.random(*arguments)
    with pytest.raises(ValueError, match="seed must be a non-negative integer; got -1"):
        language_model.LanguageModelWeights.random(7, 4, 5, seed=-1)

"""The long-term dependency chapter's companion: data generators, gradient flow, clipping,
training and plotting helpers."""

from __future__ import annotations

from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from companion import LSTMWeights, RNNWeights, numpy_lstm, numpy_rnn
from companion.analysis.clipping import angle_degrees, clip_by_global_norm, clip_by_value
from companion.analysis.gradient_flow import (
    lstm_jacobian_norms,
    rnn_jacobian_norms,
    with_recurrent_scale,
)
from companion.data.synthetic import (
    FILLER,
    PLURAL_SUBJECTS,
    SINGULAR_SUBJECTS,
    VERBS,
    VOCABULARY,
    adding_problem,
    agreement_sequences,
    agreement_split,
    bag_of_words_guess,
    sentence_count,
)
from companion.figures import plots
from companion.trained.adding import HIDDEN, AddingRegressor, adding_split, train_adding
from companion.trained.classifier import (
    SequenceClassifier,
    TrainingResult,
    majority_rate,
    parameter_count,
    train_agreement,
)

# --- data ------------------------------------------------------------------------------------


@pytest.mark.parametrize("distance", [1, 2, 7, 50])
def test_agreement_sequences_put_the_subject_distance_steps_before_the_verb(distance):
    data = agreement_sequences(200, distance, seed=4)
    assert data.tokens.shape == (200, distance + 1) and data.distance == distance
    assert np.all(data.tokens[:, 0] == VOCABULARY.index("The"))
    subjects = [VOCABULARY[token] for token in data.tokens[:, 1]]
    for subject, label in zip(subjects, data.labels, strict=True):
        assert subject in (PLURAL_SUBJECTS if label else SINGULAR_SUBJECTS)
    # Only the subject tells the label: the filler is drawn independently of it.
    later = {VOCABULARY[t] for t in data.tokens[:, 2:].ravel()}
    assert not later & {*SINGULAR_SUBJECTS, *PLURAL_SUBJECTS}
    assert 0.35 < data.labels.mean() < 0.65
    sentence = data.sentence(0)
    assert sentence.split()[-1] == VERBS[data.labels[0]]
    assert len(sentence.split()) == distance + 2
    assert data.one_hot().shape == (200, distance + 1, len(VOCABULARY))
    np.testing.assert_array_equal(data.one_hot().argmax(-1), data.tokens)


def test_agreement_sequences_are_reproducible_and_checked():
    a, b = agreement_sequences(5, 6, seed=1), agreement_sequences(5, 6, seed=1)
    np.testing.assert_array_equal(a.tokens, b.tokens)
    assert agreement_sequences(3, 4, seed=0).sentence(0).startswith("The ")
    with pytest.raises(ValueError, match="distance must be a positive integer; got 0"):
        agreement_sequences(5, 0)


@pytest.mark.parametrize("distance", [1, 2, 3, 4])
def test_sentence_count_is_the_number_of_different_sentences(distance):
    data = agreement_sequences(50_000, distance, seed=0)  # enough to draw all 3200
    assert len({row.tobytes() for row in data.tokens}) == sentence_count(distance)
    assert sentence_count(6) == 8 * len(FILLER) ** 4


def test_shared_with_counts_sentences_found_in_the_other_set():
    data = agreement_sequences(6, 4, seed=3)
    assert data.shared_with(data) == 6
    assert data._replace(tokens=data.tokens[:2], labels=data.labels[:2]).shared_with(data) == 2
    assert agreement_sequences(50, 9, seed=1).shared_with(agreement_sequences(50, 9, seed=2)) == 0
    assert data.shared_with(agreement_sequences(6, 5, seed=3)) == 0  # other length


def test_agreement_split_holds_out_every_test_sentence():
    # At distance 4 there are 3200 sentences: independent draws of 1000 share many.
    train, test = agreement_split(1000, 500, 4, seed=7)
    assert agreement_sequences(500, 4, seed=8).shared_with(train) > 50
    assert len(train.tokens) == 1000 and len(test.tokens) == len(test.labels) == 500
    assert test.shared_with(train) == 0 and test.distance == train.distance == 4
    # Test labels still follow the subjects.
    plural = np.isin(test.tokens[:, 1], [VOCABULARY.index(w) for w in PLURAL_SUBJECTS])
    np.testing.assert_array_equal(plural, test.labels == 1)
    again = agreement_split(1000, 500, 4, seed=7)
    np.testing.assert_array_equal(again[1].tokens, test.tokens)
    with pytest.raises(ValueError, match="distance 3 allows only 160 different sentences"):
        agreement_split(512, 10, 3)
    with pytest.raises(ValueError, match="test_size must be a positive integer; got 0"):
        agreement_split(10, 0, 5)


def test_a_bag_of_words_solves_agreement_because_subject_nouns_occur_nowhere_else():
    data = agreement_sequences(300, 7, seed=2)
    np.testing.assert_array_equal(bag_of_words_guess(data), data.labels)
    # A plural noun anywhere makes the guess plural, whatever the subject.
    tokens = data.tokens.copy()
    tokens[:, 1] = VOCABULARY.index("cat")
    tokens[:, -1] = VOCABULARY.index("dogs")
    guess = bag_of_words_guess(data._replace(tokens=tokens, labels=np.zeros(300, int)))
    np.testing.assert_array_equal(guess, np.ones(300, int))


def test_adding_problem():
    x, y = adding_problem(100, 10, seed=2)
    assert x.shape == (100, 10, 2) and y.shape == (100,)
    markers = x[..., 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    assert np.all(markers[:, :5].sum(axis=1) == 1)
    np.testing.assert_allclose(y, (x[..., 0] * markers).sum(axis=1))
    with pytest.raises(ValueError, match="time must be an integer >= 2; got 1"):
        adding_problem(3, 1)


# --- gradient flow ---------------------------------------------------------------------------


def jacobian_by_finite_differences(step, x, weights):
    """dh_T/dx_t per sample by central differences of a forward function h_T(x)."""
    batch, time, features = x.shape
    jacobians = np.zeros((batch, weights.hidden_size, time, features))
    for t, i in np.ndindex(time, features):
        shift = np.zeros_like(x)
        shift[:, t, i] = 1e-6
        jacobians[:, :, t, i] = (step(x + shift) - step(x - shift)) / 2e-6
    return np.sqrt((jacobians**2).sum(axis=(1, 3))).mean(axis=0)[::-1]


@pytest.mark.parametrize(
    ("weights_class", "forward", "norms"),
    [
        (RNNWeights, numpy_rnn.forward, rnn_jacobian_norms),
        (LSTMWeights, numpy_lstm.forward, lstm_jacobian_norms),
    ],
    ids=["rnn", "lstm"],
)
def test_jacobian_norms_match_finite_differences(weights_class, forward, norms):
    weights = weights_class.random(2, 3, seed=5)
    x = np.random.default_rng(5).standard_normal((2, 4, 2))
    expected = jacobian_by_finite_differences(lambda v: forward(v, weights).h, x, weights)
    np.testing.assert_allclose(norms(x, weights), expected, rtol=1e-6)


def test_recurrent_scale_makes_gradients_vanish_or_explode():
    weights = RNNWeights.random(2, 8, seed=0)
    x = 0.05 * np.random.default_rng(0).standard_normal((4, 30, 2))
    small = rnn_jacobian_norms(x, with_recurrent_scale(weights, 0.5))
    large = rnn_jacobian_norms(x, with_recurrent_scale(weights, 2.0))
    assert small[-1] < 1e-6 * small[0]
    assert large[-1] > 100 * large[0]
    np.testing.assert_array_equal(with_recurrent_scale(weights, 1.0).recurrent_kernel,
                                  weights.recurrent_kernel)  # fmt: skip
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time >= 1, 2\)"):
        rnn_jacobian_norms(np.zeros((1, 0, 2)), weights)


# --- clipping --------------------------------------------------------------------------------


def test_angle_after_clipping_by_norm_and_by_value():
    gradient = np.array([8.0, 1.0])
    (by_norm,), _ = clip_by_global_norm([gradient], 2.0)
    (by_value,) = clip_by_value([gradient], 2.0)
    assert angle_degrees(gradient, by_norm) == pytest.approx(0.0, abs=1e-6)
    assert angle_degrees(gradient, by_value) == pytest.approx(
        np.degrees(np.arctan2(1, 2) - np.arctan2(1, 8))
    )
    with pytest.raises(ValueError, match="a must be finite"):
        angle_degrees([np.nan, 1.0], gradient)


# --- training --------------------------------------------------------------------------------


def reference_logits(kind, tokens, seed, hidden):
    """Logits of seed ``seed``'s untrained model by the companion's NumPy backends."""
    weights_class, backend = {"rnn": (RNNWeights, numpy_rnn), "lstm": (LSTMWeights, numpy_lstm)}[
        kind
    ]
    weights = weights_class.random(len(VOCABULARY), hidden, seed=seed, dtype="float32")
    h = backend.forward(np.eye(len(VOCABULARY), dtype="float32")[tokens], weights).h
    readout = SequenceClassifier(kind, len(VOCABULARY), hidden, [seed]).readout[0]
    return h @ readout.detach().numpy()


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_each_seed_is_its_own_model_and_computes_the_reference_layer(kind):
    seeds, hidden = (3, 0, 5), 4
    model = SequenceClassifier(kind, len(VOCABULARY), hidden, seeds)
    tokens = np.stack([agreement_sequences(6, 5, seed=s).tokens for s in seeds])
    logits = model(torch.from_numpy(tokens)).detach().numpy()
    assert logits.shape == (3, 6)
    for index, seed in enumerate(seeds):
        alone = SequenceClassifier(kind, len(VOCABULARY), hidden, [seed])
        np.testing.assert_allclose(
            logits[index], alone(torch.from_numpy(tokens[index : index + 1])).detach()[0],
            atol=1e-5, rtol=0,
        )  # fmt: skip
        expected = reference_logits(kind, tokens[index], seed, hidden)
        np.testing.assert_allclose(logits[index], expected, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match=r"tokens must have shape \(3 seeds, batch, time\)"):
        model(torch.from_numpy(tokens[:2]))


def test_the_gradient_of_one_model_does_not_depend_on_the_others():
    tokens = torch.from_numpy(np.stack([agreement_sequences(5, 6, seed=s).tokens for s in (0, 1)]))
    both = SequenceClassifier("lstm", len(VOCABULARY), 3, (0, 1))
    both(tokens).sum().backward()
    alone = SequenceClassifier("lstm", len(VOCABULARY), 3, (1,))
    alone(tokens[1:]).sum().backward()
    for name, parameter in alone.named_parameters():
        found = dict(both.named_parameters())[name].grad[1]
        np.testing.assert_allclose(found, parameter.grad[0], atol=1e-5, rtol=0, err_msg=name)


def test_training_is_reproducible_and_learns_a_short_distance():
    threads = torch.get_num_threads()
    options = {"hidden_size": 4, "steps": 40, "train_size": 128, "test_size": 64}
    first = train_agreement("lstm", 5, seeds=(0, 1), **options)
    assert first == train_agreement("lstm", 5, seeds=(0, 1), **options)
    assert torch.get_num_threads() == threads
    assert [r.seed for r in first] == [0, 1] and {r.kind for r in first} == {"lstm"}
    assert all(r.test_accuracy > 0.9 for r in first)
    test = agreement_split(128, 64, 5, seed=1)[1]
    assert first[1].majority == majority_rate(test)
    with pytest.raises(ValueError, match="kind must be one of"):
        train_agreement("gru", 3, hidden_size=4)


def test_parameter_counts_are_keras_counts_per_model():
    assert parameter_count(SequenceClassifier("rnn", 29, 40)) == 40 * 29 + 40 * 40 + 40 + 41
    lstm_count = 4 * (16 * 29 + 16 * 16 + 16) + 17
    assert parameter_count(SequenceClassifier("lstm", 29, 16)) == lstm_count
    assert parameter_count(SequenceClassifier("lstm", 29, 16, range(3))) == 3 * lstm_count


def test_majority_rate():
    data = agreement_sequences(4, 3)._replace(labels=np.array([1, 0, 1, 1]))
    assert majority_rate(data) == 0.75
    assert majority_rate(data._replace(labels=np.array([0, 0, 0, 1]))) == 0.75


# --- plotting --------------------------------------------------------------------------------


class Curve(NamedTuple):
    kind: str
    checked_at: list[int]
    validation_mse: list[float]


def test_plots_draw_on_small_inputs():
    results = [
        TrainingResult(kind, distance, seed, accuracy, 0.55)
        for kind, accuracy in (("rnn", 0.5), ("lstm", 1.0))
        for distance in (5, 20)
        for seed in (0, 1)
    ]
    figures = [
        plots.plot_unrolled_chain(3),
        plots.plot_hidden_states(np.zeros((4, 3))),
        plots.plot_jacobian_norms({"rnn": [1.0, 0.1, 0.01], "lstm": [1.0, 0.5, 0.2]}),
        plots.plot_clipping([3.0, 1.0], [1.9, 0.6], [2.0, 1.0], 2.0),
        plots.plot_accuracy_vs_distance(results, threshold=0.9),
        plots.plot_learning_curves(
            [Curve("lstm", [0, 50], [0.2, 0.01]), Curve("rnn", [0, 50], [0.2, 0.16])],
            baseline=0.17,
            solved_below=0.017,
            title="curves",
        ),
    ]
    for figure in figures:
        assert figure.axes[0].get_title()
        plt.close(figure)
    with pytest.raises(ValueError, match="outputs must have shape"):
        plots.plot_hidden_states(np.zeros(3))
    with pytest.raises(ValueError, match="at least one training run"):
        plots.plot_accuracy_vs_distance([], threshold=0.9)
    with pytest.raises(ValueError, match="at least one training run"):
        plots.plot_learning_curves([], baseline=1.0, solved_below=0.1, title="none")
    with pytest.raises(ValueError, match=r"threshold must be in \(0.5, 1\]; got 0.4"):
        plots.plot_accuracy_vs_distance(results, threshold=0.4)
    with pytest.raises(ValueError, match="must be a 2-vector"):
        plots.plot_clipping([1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0], 1.0)


# --- the adding problem ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_adding_regressor_starts_as_keras_and_counts_like_it(kind):
    model = AddingRegressor(kind, 5, seed=3)
    weights = model.weights()
    expected = {"lstm": LSTMWeights, "rnn": RNNWeights}[kind].random(2, 5, seed=3, dtype="float32")
    np.testing.assert_array_equal(weights.kernel, expected.kernel)
    np.testing.assert_array_equal(weights.recurrent_kernel, expected.recurrent_kernel)
    np.testing.assert_array_equal(weights.bias, expected.bias)
    blocks = {"lstm": 4, "rnn": 1}[kind]
    assert parameter_count(model) == blocks * 5 * (2 + 5 + 1) + 5 + 1  # one bias, as Keras
    x, _ = adding_problem(3, 7, seed=0)
    h = {"lstm": numpy_lstm, "rnn": numpy_rnn}[kind].forward(x.astype(np.float32), weights).h
    readout = model.readout.weight.detach().numpy()[0]
    found = model(torch.from_numpy(x.astype(np.float32))).detach().numpy()
    np.testing.assert_allclose(found, h @ readout, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, 2\); got \(3, 7\)"):
        model(torch.zeros(3, 7))
    with pytest.raises(ValueError, match="kind must be one of"):
        AddingRegressor("gru", 4)


def test_the_default_sizes_match_the_parameter_counts():
    counts = {kind: parameter_count(AddingRegressor(kind, HIDDEN[kind])) for kind in HIDDEN}
    assert counts == {"lstm": 4513, "rnn": 4353}


def test_adding_split_draws_disjoint_sets_of_the_given_sizes():
    sets = adding_split((50, 20, 30), 8, seed=1)
    assert [len(x) for x, _ in sets] == [50, 20, 30]
    rows = [{row.numpy().tobytes() for row in x} for x, _ in sets]
    assert not (rows[0] & rows[1] or rows[0] & rows[2] or rows[1] & rows[2])
    _, y = adding_problem(100, 8, seed=1)
    np.testing.assert_array_equal(sets[2][1].numpy(), y[70:].astype(np.float32))


def test_an_lstm_learns_the_short_adding_problem_and_stops_early():
    threads = torch.get_num_threads()
    options = {"hidden": 8, "max_steps": 1500, "check_every": 25, "sizes": (2000, 200, 400)}
    run = train_adding("lstm", 6, seed=0, stop_below=0.01, **options)
    assert torch.get_num_threads() == threads
    assert run.solved and run.test_mse < 0.1 * run.baseline_mse
    assert run.steps < 1500 and run.checked_at[-1] == run.steps
    assert run.validation_mse[-1] < 0.01 <= min(run.validation_mse[:-1])
    assert len(run.checked_at) == len(run.validation_mse) == run.steps // 25 + 1
    assert 0.1 < run.baseline_mse < 0.25 and run.validation_mse[0] > 0.1
    plateau = run.last_step_above(0.5 * run.baseline_mse)
    assert 0 <= plateau < run.steps
    assert run.validation_mse[run.checked_at.index(plateau)] >= 0.5 * run.baseline_mse
    later = zip(run.checked_at, run.validation_mse, strict=True)
    assert all(error < 0.5 * run.baseline_mse for step, error in later if step > plateau)
    assert run.last_step_above(10.0) == 0 and run.last_step_above(0.0) == run.steps
    again = train_adding("lstm", 6, seed=0, stop_below=0.01, **options)
    assert again.validation_mse == run.validation_mse and again.test_mse == run.test_mse


def test_a_run_that_never_stops_early_takes_every_step_and_is_not_solved():
    run = train_adding("rnn", 12, seed=0, hidden=2, max_steps=20, check_every=10,
                       sizes=(200, 50, 50))  # fmt: skip
    assert run.steps == 20 and run.checked_at == [0, 10, 20]
    assert not run.solved and run.kind == "rnn" and run.hidden == 2
    with pytest.raises(ValueError, match="check_every must be a positive integer; got 0"):
        train_adding("rnn", 12, check_every=0)


@pytest.mark.parametrize(
    ("argument", "value", "error", "message"),
    [
        ("max_steps", True, TypeError, r"max_steps must be a positive integer; got True \(bool"),
        ("check_every", 50.0, TypeError, r"check_every must be a positive integer; got 50.0"),
        ("batch_size", 0, ValueError, "batch_size must be a positive integer; got 0"),
        ("hidden", 8.0, TypeError, r"hidden must be a positive integer; got 8.0 \(float\)"),
        ("seed", -1, ValueError, "seed must be a non-negative integer; got -1"),
        ("sizes", (100, 10.0, 10), TypeError, r"sizes\[1\] must be a positive integer; got 10.0"),
        ("sizes", (100, 10), ValueError, r"sizes must be \(training, validation, test\) sizes"),
    ],
)
def test_train_adding_takes_its_counts_as_integers(argument, value, error, message):
    with pytest.raises(error, match=message):
        train_adding("lstm", 6, **{argument: value})

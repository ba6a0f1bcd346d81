"""One training run, three ways: the tagger trained by NumPy, Keras and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from companion import numpy_tagger
from companion.analysis.clipping import global_norm
from companion.optimizers import SGD, Adam, Clipping
from companion.tagger import TaggerWeights, Trajectory, delayed_copy, largest_difference

keras_tagger = pytest.importorskip("companion.keras_tagger")
torch_tagger = pytest.importorskip("companion.torch_tagger")

BACKENDS = {"numpy": numpy_tagger, "keras": keras_tagger, "torch": torch_tagger}


def setup(dtype="float64", steps=15, vocabulary=7, input_size=3, hidden=4, batch=3, time=5):
    weights = TaggerWeights.random(vocabulary, input_size, hidden, vocabulary, seed=1, dtype=dtype)
    return weights, delayed_copy(vocabulary, steps, batch, time, seed=2)


@pytest.mark.parametrize(
    ("optimizer", "clipping", "reduction"),
    [
        (Adam(0.02), Clipping(0.5), "mean"),
        (Adam(0.02), None, "sum"),
        (SGD(0.3, momentum=0.9), Clipping(0.5), "mean"),
        (SGD(0.05), None, "sum"),
    ],
    ids=["adam-clipped", "adam-sum", "momentum-clipped", "sgd-sum"],
)
def test_three_ways_train_to_the_same_weights_in_float64(optimizer, clipping, reduction):
    weights, data = setup()
    runs = {
        name: backend.train(weights, *data, optimizer, clipping=clipping, reduction=reduction)
        for name, backend in BACKENDS.items()
    }
    assert largest_difference(runs["numpy"], Trajectory([weights] * 16, np.zeros(15)))[-1] > 0.01
    if clipping is not None:  # the clipping acts: the first gradient is longer
        logits, cache = numpy_tagger.forward(data.tokens[0], weights)
        _, d_logits = numpy_tagger.cross_entropy(logits, data.targets[0], reduction)
        assert global_norm(numpy_tagger.backward(d_logits, cache)) > clipping.max_norm
    for other in ("keras", "torch"):
        assert largest_difference(runs["numpy"], runs[other]).max() < 1e-12, other
    np.testing.assert_allclose(runs["numpy"].losses, runs["torch"].losses, rtol=1e-12)


def test_float32_runs_stay_close():
    weights, data = setup("float32", steps=10)
    runs = {name: b.train(weights, *data, Adam(0.01)) for name, b in BACKENDS.items()}
    assert runs["keras"].weights[-1].dtype == np.float32
    for other in ("keras", "torch"):
        assert largest_difference(runs["numpy"], runs[other]).max() < 1e-4, other


def test_training_lowers_the_loss():
    weights, data = setup(steps=60)
    run = numpy_tagger.train(weights, *data, Adam(0.03))
    assert run.losses[-10:].mean() < run.losses[:10].mean() - 0.2


def test_torch_two_trained_biases_are_another_optimizer():
    weights, data = setup(steps=2)
    one = torch_tagger.train(weights, *data, Adam(0.02))
    two = torch_tagger.train(weights, *data, Adam(0.02), train_bias_hh=True)
    # Adam moves each bias vector by about the learning rate at the first step: the sum by 2x.
    assert largest_difference(one, two)[1] > 0.01


def test_sum_and_mean_reductions_differ_by_the_count():
    weights, data = setup(steps=1)
    mean = numpy_tagger.train(weights, *data, SGD(0.1), reduction="mean")
    total = numpy_tagger.train(weights, *data, SGD(0.1 / data.tokens[0].size), reduction="sum")
    assert largest_difference(mean, total)[-1] < 1e-15
    assert total.losses[0] == pytest.approx(mean.losses[0] * data.tokens[0].size, rel=1e-12)


def test_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))
    _, d_logits = numpy_tagger.cross_entropy(logits, targets)
    step = 1e-6
    for index in [(0, 0, 0), (1, 2, 3), (0, 1, 2)]:
        shifted = logits.copy()
        shifted[index] += step
        up, _ = numpy_tagger.cross_entropy(shifted, targets)
        shifted[index] -= 2 * step
        down, _ = numpy_tagger.cross_entropy(shifted, targets)
        assert (up - down) / (2 * step) == pytest.approx(d_logits[index], abs=1e-9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w, d: (w, d.tokens.astype(float), d.targets), "tokens must be integers"),
        (lambda w, d: (w, d.tokens[0], d.targets[0]), r"shape \(steps, batch, time\)"),
        (lambda w, d: (w, d.tokens + 100, d.targets), r"tokens must be in \[0, 7\)"),
        (lambda w, d: (w, d.tokens, d.targets[:, :, :2]), "must have one shape"),
        (lambda w, d: ("weights", d.tokens, d.targets), "weights must be TaggerWeights"),
    ],
)
def test_bad_input_gets_a_clear_error_from_every_backend(change, message):
    weights, data = setup(steps=2)
    for backend in BACKENDS.values():
        with pytest.raises((TypeError, ValueError), match=message):
            backend.train(*change(weights, data), SGD(0.1))


def test_weights_check_their_shapes_and_dtypes():
    weights, _ = setup()
    arrays = list(weights.arrays())
    with pytest.raises(ValueError, match=r"dense_kernel must have shape \(4, any\)"):
        TaggerWeights.from_arrays([*arrays[:4], arrays[4].T, arrays[5]])
    with pytest.raises(TypeError, match="embedding is float32"):
        TaggerWeights.from_arrays([arrays[0].astype("float32"), *arrays[1:]])
    pytorch_init = TaggerWeights.random(7, 3, 4, 7, init="pytorch")
    assert np.abs(pytorch_init.lstm.kernel).max() <= 0.5  # U(-1/sqrt(4), 1/sqrt(4))

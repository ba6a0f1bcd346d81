"""The experiment helpers run, are deterministic, keep batched seeds independent, and the
tasks are what they say."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.data.synthetic import (
    cue_task,
    fill_missing,
    last_cue_task,
    offset_task,
    order_task,
)
from companion.trained.classifier import (
    Classifier,
    parameter_count,
    summarise,
    train,
)
from companion.variants import VARIANTS

KINDS = {
    "lstm": {"forget_bias": 1.0, "output_bias": 0.5},
    "gru": {},
    "rnn": {},
    "cnn": {},
    "variant": {"variant": VARIANTS["FGR"]},
}


def test_cue_task_labels_the_parity_of_the_marked_signs():
    x, y = cue_task(200, 9, cues=2, seed=1)
    assert x.shape == (200, 9, 3)
    markers = x[:, :, 1] == 1
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    positives = ((x[:, :, 0] > 0) & markers).sum(axis=1)
    np.testing.assert_array_equal(y, positives % 2)
    np.testing.assert_array_equal(x[:, :, 2][markers], 0.0)  # distractors only elsewhere
    assert 0.3 < y.mean() < 0.7


def test_cue_task_at_start_without_noise():
    x, y = cue_task(50, 6, at_start=True, noise=0.0, seed=2)
    np.testing.assert_array_equal(x[:, 0, 1], 1.0)
    np.testing.assert_array_equal(x[:, 1:, :], 0.0)
    np.testing.assert_array_equal(y, x[:, 0, 0] > 0)
    with pytest.raises(ValueError, match="cues must be at most time"):
        cue_task(5, 3, cues=4)
    with pytest.raises(ValueError, match="time must be a positive integer"):
        cue_task(5, 0)


def test_last_cue_task_labels_the_last_cue():
    x, y = last_cue_task(100, 20, cues=4, seed=3)
    markers = x[:, :, 1] == 1
    np.testing.assert_array_equal(markers.sum(axis=1), 4)
    assert not markers[:, 10:].any()  # every cue in the first half
    last = 19 - np.argmax(markers[:, ::-1], axis=1)
    np.testing.assert_array_equal(y, x[np.arange(100), last, 0] > 0)
    with pytest.raises(ValueError, match="cues must be at most time // 2"):
        last_cue_task(5, 6, cues=4)


def test_order_task_labels_whether_a_comes_first():
    x, y = order_task(100, 12, seed=4)
    np.testing.assert_array_equal(x.sum(axis=1), 1.0)  # one A and one B per sequence
    first_a, first_b = x[:, :, 0].argmax(axis=1), x[:, :, 1].argmax(axis=1)
    assert (first_a != first_b).all()
    np.testing.assert_array_equal(y, first_a < first_b)


def test_offset_task_level():
    x, y, observed = offset_task(400, 30, level=3.0, seed=5)
    assert abs(x.mean() - 3.0) < 0.1 and 0.3 < y.mean() < 0.7
    assert observed[:, [0, -1]].all()
    with pytest.raises(ValueError, match="missing must be a fraction"):
        offset_task(4, 5, missing=1.0)


@pytest.mark.parametrize("kind", list(KINDS))
def test_batched_seeds_are_the_single_models(kind):
    """Seeds stored as one model compute, and train, exactly as separate models would."""
    x, y = cue_task(64, 7, seed=0)
    seeds = (3, 5, 8)
    batched = Classifier(kind, 4, input_size=3, seed=seeds, **KINDS[kind])
    singles = [Classifier(kind, 4, input_size=3, seed=s, **KINDS[kind]) for s in seeds]
    inputs = torch.from_numpy(x[48:])
    with torch.no_grad():
        before = batched(inputs), torch.cat([m(inputs) for m in singles], dim=1)
    assert before[0].shape == (16, 3)
    np.testing.assert_allclose(before[0], before[1], atol=1e-5, rtol=0)
    result = train(batched, x, y, steps=3, batch=8)
    for model, accuracy in zip(singles, result.accuracy, strict=True):
        assert train(model, x, y, steps=3, batch=8).accuracy[0] == accuracy
    with torch.no_grad():
        after = batched(inputs), torch.cat([m(inputs) for m in singles], dim=1)
    np.testing.assert_allclose(after[0], after[1], atol=1e-5, rtol=0)
    assert not torch.equal(before[0], after[0])  # training changed the weights


def test_weights_between_seeds_stay_zero():
    x, y = cue_task(64, 5, seed=1)
    model = Classifier("lstm", 3, input_size=3, seed=range(4))
    assert "encoder.weight_hh_l0" in model.masks
    train(model, x, y, steps=2, batch=8)
    for name, parameter in model.named_parameters():
        if name in model.masks:
            assert not parameter[model.masks[name] == 0].any(), name


def test_training_is_deterministic_and_masking_runs():
    x, y, observed = offset_task(64, 6, seed=0)
    runs = [
        train(Classifier("lstm", 3, seed=range(2)), x, y, steps=3, batch=8, mask=observed)
        for _ in "ab"
    ]
    np.testing.assert_array_equal(runs[0].accuracy, runs[1].accuracy)
    assert runs[0].accuracy.shape == runs[0].loss.shape == (2,)
    assert np.isfinite(runs[0].loss).all()


def test_biases_and_parameter_count():
    model = Classifier("lstm", 3, forget_bias=1.0, output_bias=2.0)
    assert model.encoder.bias_ih_l0[3].item() == 1.0
    assert model.encoder.bias_ih_l0[9].item() == 2.0
    assert parameter_count(model) == 4 * 3 * (1 + 3 + 2) + 4


def test_summarise():
    summary = summarise(np.array([0.5, 0.95, 0.9, 0.7, 1.0]))
    assert summary == (0.9, 0.5, 1.0, 3, 5)
    assert str(summary) == "0.90 [0.50, 1.00] 3/5 solve"


def test_fill_missing():
    x = np.array([[[1.0], [9.0], [3.0]]], np.float32)
    observed = np.array([[True, False, True]])
    np.testing.assert_array_equal(fill_missing(x, observed, "zero")[0, :, 0], [1, 0, 3])
    np.testing.assert_array_equal(fill_missing(x, observed, "interpolate")[0, :, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="how must be"):
        fill_missing(x, observed, "mean")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="kind must be"):
        Classifier("transformer", 2)
    with pytest.raises(ValueError, match="need kind 'lstm'"):
        Classifier("gru", 2, forget_bias=1.0)
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        Classifier("lstm", 0)
    with pytest.raises(ValueError, match="non-empty sequence"):
        Classifier("lstm", 2, seed=[])
    with pytest.raises(ValueError, match="x must be"):
        train(Classifier("lstm", 2), np.zeros((4, 3), np.float32), np.zeros(4, np.float32))

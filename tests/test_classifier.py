"""The experiment helpers run, are deterministic, and the tasks are what they say."""

from __future__ import annotations

import numpy as np
import pytest

from companion.data.synthetic import fill_missing, memory_task, offset_task
from companion.models.classifier import Classifier, over_seeds, parameter_count, train
from companion.variants import VARIANTS


def test_memory_task_labels_the_sign_of_the_first_step():
    x, y = memory_task(50, 6, seed=1)
    assert x.shape == (50, 6, 1)
    np.testing.assert_array_equal(y, x[:, 0, 0] > 0)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn", "cnn", "variant"])
def test_every_kind_trains_deterministically(kind):
    x, y = memory_task(64, 5, seed=0)
    options = dict(variant=VARIANTS["CIFG"]) if kind == "variant" else {}
    runs = [train(Classifier(kind, 3, seed=2, **options), x, y, steps=3, batch=8) for _ in "ab"]
    assert runs[0] == runs[1]
    assert 0.0 <= runs[0].accuracy <= 1.0


def test_masked_training_and_forget_bias():
    x, y, observed = offset_task(64, 6, seed=0)
    model = Classifier("lstm", 3, forget_bias=1.0)
    assert model.encoder.bias_ih_l0[3].item() == 1.0
    assert parameter_count(model) == 4 * 3 * (1 + 3 + 2) + 4
    result = train(model, x, y, steps=2, batch=8, mask=observed)
    assert np.isfinite(result.loss)
    mean, spread = over_seeds(
        range(2), lambda s: train(Classifier("rnn", 2, seed=s), x, y, steps=2)
    )
    assert 0 <= mean <= 1 and spread >= 0


def test_fill_missing():
    x = np.array([[[1.0], [9.0], [3.0]]], np.float32)
    observed = np.array([[True, False, True]])
    np.testing.assert_array_equal(fill_missing(x, observed, "zero")[0, :, 0], [1, 0, 3])
    np.testing.assert_array_equal(fill_missing(x, observed, "interpolate")[0, :, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="how must be"):
        fill_missing(x, observed, "mean")
    with pytest.raises(ValueError, match="kind must be"):
        Classifier("transformer", 2)

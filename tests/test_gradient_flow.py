"""The gradient-norm-per-input-step helper and its plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from companion import LSTMWeights, numpy_lstm
from companion.analysis.gradient_flow import input_gradient_norms, plot_gradient_norms
from companion.registry import backend_module


def test_norms_have_one_entry_per_step_and_match_the_gradient():
    weights = LSTMWeights.random(2, 3, seed=1)
    x = np.random.default_rng(1).standard_normal((2, 6, 2))
    norms = input_gradient_norms(x, weights)
    assert norms.shape == (6,)
    d_x = numpy_lstm.gradients(x, weights, np.zeros((2, 6, 3)), d_h=np.ones((2, 3))).x
    np.testing.assert_allclose(norms[2], np.linalg.norm(d_x[:, 2]))
    # Any backend with gradients gives the same picture.
    torch_norms = input_gradient_norms(x, weights, backend=backend_module("torch"))
    np.testing.assert_allclose(norms, torch_norms, rtol=1e-10)


def test_masked_steps_get_no_gradient():
    weights = LSTMWeights.random(1, 2, seed=2)
    mask = np.array([[True, False, True]])
    norms = input_gradient_norms(np.ones((1, 3, 1)), weights, mask=mask)
    assert norms[1] == 0.0 and norms[0] > 0.0


def test_plot_runs_and_labels_its_axes():
    weights = LSTMWeights.random(1, 2, seed=3)
    norms = {"LSTM": input_gradient_norms(np.ones((1, 5, 1)), weights)}
    figure = plot_gradient_norms(norms)
    axes = figure.axes[0]
    assert axes.get_yscale() == "log"
    assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel()
    assert len(axes.get_lines()) == 1
    plt.close(figure)


def test_plot_rejects_bad_norms():
    with pytest.raises(ValueError, match="at least one"):
        plot_gradient_norms({})
    with pytest.raises(ValueError, match=r"must have shape \(n,\)"):
        plot_gradient_norms({"a": np.ones((2, 2))})

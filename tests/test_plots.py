"""The plotting helpers run on small inputs and label what they draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from companion import LSTMWeights
from companion.analysis.trace import trace
from companion.figures.plots import gate_heatmap, gate_histogram


def small_trace():
    return trace(np.random.default_rng(0).standard_normal((2, 3, 2)), LSTMWeights.random(2, 4))


def test_gate_heatmap_draws_one_panel_per_value():
    traced = small_trace()
    values = {name: array[0] for name, array in traced._asdict().items()}
    figure = gate_heatmap(values, ["I", "like", "it"], title="gates")
    panels = [axis for axis in figure.axes if axis.get_title()]
    assert [axis.get_title() for axis in panels][:2] == ["input gate i", "forget gate f"]
    assert len(panels) == 6
    assert panels[0].get_xlabel() == "hidden unit"
    assert [label.get_text() for label in panels[0].get_yticklabels()] == ["I", "like", "it"]
    assert figure.get_suptitle() == "gates"
    plt.close(figure)


def test_gate_heatmap_checks_shapes():
    with pytest.raises(ValueError, match=r"values\['i'\] must have shape \(time, hidden\)"):
        gate_heatmap({"i": np.zeros((2, 3))}, ["a", "b", "c"], title="x")


def test_gate_histogram_reports_extreme_share():
    figure = gate_histogram(
        {"i": np.array([0.01, 0.5, 0.95, 0.99]), "f": np.full((2, 2), 0.5)}, title="h", bins=4
    )
    titles = [axis.get_title() for axis in figure.axes]
    assert titles == [
        "input gate i\n75% below 0.1 or above 0.9",
        "forget gate f\n0% below 0.1 or above 0.9",
    ]
    assert figure.axes[0].get_ylabel() == "share of values"
    heights = [patch.get_height() for patch in figure.axes[0].patches]
    np.testing.assert_allclose(heights, [0.25, 0, 0.25, 0.5])
    plt.close(figure)


def test_gate_histogram_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match="values in \\[0, 1\\]"):
        gate_histogram({"g": np.array([-0.5, 0.5])}, title="x")

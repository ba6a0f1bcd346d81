"""companion.data.sunspots: the sunspots loader, windows, split, scaling, baselines, plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.data import sunspots
from companion.figures.plots import plot_forecast


def test_sunspots_ship_with_statsmodels():
    series = sunspots.load_sunspots()
    assert series.years[0] == 1700 and series.years[-1] == 2008
    assert series.values.shape == (309,)
    assert series.values[:3].tolist() == [5.0, 11.0, 16.0]
    assert np.all(np.diff(series.years) == 1)


def test_load_sunspots_reads_any_csv_of_that_layout(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text('"YEAR","SUNACTIVITY"\n1900,9.5\n1901,2.7\n')
    series = sunspots.load_sunspots(path)
    assert series.years.tolist() == [1900, 1901]
    assert series.values.tolist() == [9.5, 2.7]


@given(n=st.integers(2, 40), window=st.integers(1, 10))
def test_windows_are_consecutive_values(n, window):
    series = np.arange(n, dtype=float) * 1.5
    if n <= window:
        with pytest.raises(ValueError, match="longer than the window"):
            sunspots.make_windows(series, window)
        return
    x, y = sunspots.make_windows(series, window)
    assert x.shape == (n - window, window, 1) and y.shape == (n - window,)
    for k in range(n - window):
        np.testing.assert_array_equal(x[k, :, 0], series[k : k + window])
        assert y[k] == series[k + window]


def test_windows_reject_bad_input():
    with pytest.raises(ValueError, match=r"one-dimensional \(n,\); got shape \(2, 3\)"):
        sunspots.make_windows(np.zeros((2, 3)), 1)
    with pytest.raises(ValueError, match="window must be a positive integer; got 0"):
        sunspots.make_windows(np.zeros(5), 0)


def test_time_split_keeps_time_order():
    windows = sunspots.make_windows(np.arange(20.0), 3)
    train, test = sunspots.time_split(windows, 5)
    assert train.y.shape == (12,) and test.y.shape == (5,)
    assert train.y.max() < test.y.min()
    with pytest.raises(ValueError, match="test_size must be an integer from 1 to 16; got 17"):
        sunspots.time_split(windows, 17)


def test_scaling_round_trip_and_errors():
    scaling = sunspots.MinMaxScaling.fit([2.0, 4.0, 6.0])
    np.testing.assert_allclose(scaling.transform([2.0, 6.0, 8.0]), [0.0, 1.0, 1.5])
    np.testing.assert_allclose(scaling.inverse(scaling.transform([3.0, 7.0])), [3.0, 7.0])
    with pytest.raises(ValueError, match="constant series"):
        sunspots.MinMaxScaling.fit([1.0, 1.0])
    with pytest.raises(ValueError, match="no values"):
        sunspots.MinMaxScaling.fit([])


def test_naive_forecast_and_rmse():
    x, y = sunspots.make_windows(np.array([1.0, 2.0, 4.0, 7.0]), 2)
    np.testing.assert_array_equal(sunspots.naive_forecast(x), [2.0, 4.0])
    assert sunspots.rmse(sunspots.naive_forecast(x), y) == pytest.approx(np.sqrt(6.5))
    with pytest.raises(ValueError, match=r"\(samples, window, 1\)"):
        sunspots.naive_forecast(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="one shape"):
        sunspots.rmse([1.0, 2.0], [1.0])


def test_plot_forecast_runs():
    import matplotlib.pyplot as plt

    years = np.arange(2000, 2005)
    actual = np.arange(5.0)
    figure = plot_forecast(years, actual, {"naive": actual + 1}, title="t")
    axes = figure.axes[0]
    assert len(axes.lines) == 2 and axes.get_title() == "t" and axes.get_ylabel()
    plt.close(figure)
    with pytest.raises(ValueError, match="forecast 'bad' has shape"):
        plot_forecast(years, actual, {"bad": actual[:2]}, title="t")


def test_linear_autoregression_recovers_a_linear_recurrence():
    # x[t] = 2 + 0.5 x[t-2] - 0.25 x[t-1], no noise: least squares finds it exactly.
    values = [1.0, 3.0]
    for _ in range(40):
        values.append(2.0 + 0.5 * values[-2] - 0.25 * values[-1])
    values = np.array(values)
    x, y = sunspots.make_windows(values[:20], 2)
    model = sunspots.LinearAutoregression.fit(x, y)
    np.testing.assert_allclose(model.coefficients, [0.5, -0.25], atol=1e-10)
    assert model.intercept == pytest.approx(2.0, abs=1e-10)
    later_x, later_y = sunspots.make_windows(values[20:], 2)
    np.testing.assert_allclose(model.predict(later_x), later_y, atol=1e-10)


def test_linear_autoregression_errors():
    x, y = sunspots.make_windows(np.arange(10.0), 3)
    with pytest.raises(ValueError, match=r"y must have shape \(7,\) to match x; got \(6,\)"):
        sunspots.LinearAutoregression.fit(x, y[:6])
    with pytest.raises(ValueError, match="a window of 3 needs more than 3 samples to fit; got 3"):
        sunspots.LinearAutoregression.fit(x[:3], y[:3])
    with pytest.raises(ValueError, match=r"x must have shape \(samples, window, 1\)"):
        sunspots.LinearAutoregression.fit(x[:, :, 0], y)
    model = sunspots.LinearAutoregression.fit(x, y)
    with pytest.raises(ValueError, match="x must hold windows of 3 values; got 2"):
        model.predict(x[:, :2])

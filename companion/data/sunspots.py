"""Time-series forecasting data: a real series, windows, scaling, a split in time order.

The series is the yearly sunspot number 1700-2008 that ships inside ``statsmodels``
(``statsmodels/datasets/sunspots/sunspots.csv``, public domain, from NOAA's National
Geophysical Data Center), read here with NumPy from the installed package: nothing is
downloaded. Two baselines come with it: the last value (:func:`naive_forecast`) and a linear
autoregression fitted by least squares (:class:`LinearAutoregression`). NumPy only; the
forecast figure is :func:`companion.figures.plots.plot_forecast`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from companion._checks import integer, real_array


class Series(NamedTuple):
    """A yearly series: years (n,) int and values (n,) float64."""

    years: np.ndarray
    values: np.ndarray


def sunspots_path() -> Path:
    """Where the installed ``statsmodels`` keeps its yearly sunspots CSV."""
    spec = importlib.util.find_spec("statsmodels")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the sunspots series ships with statsmodels; install it (see requirements.txt)"
        )
    return Path(spec.submodule_search_locations[0]) / "datasets" / "sunspots" / "sunspots.csv"


def load_sunspots(path: Path | str | None = None) -> Series:
    """The yearly sunspot numbers (1700-2008) from a CSV with columns YEAR, SUNACTIVITY."""
    table = np.loadtxt(path or sunspots_path(), delimiter=",", skiprows=1)
    return Series(table[:, 0].astype(int), table[:, 1])


class Windows(NamedTuple):
    """Supervised pairs cut from one series.

    x: (samples, window, 1), the ``window`` values before each target
    y: (samples,), the next value
    """

    x: np.ndarray
    y: np.ndarray


def make_windows(series: Any, window: int) -> Windows:
    """Slide a window over a 1-D series: sample k is series[k:k+window] -> series[k+window].

    series: (n,) -> Windows(x (n - window, window, 1), y (n - window,)).
    """
    values = real_array("series", series, np.dtype("float64"))
    if values.ndim != 1:
        raise ValueError(f"series must be one-dimensional (n,); got shape {values.shape}")
    integer("window", window)
    if values.size <= window:
        raise ValueError(
            f"series must be longer than the window ({window}); got {values.size} values"
        )
    samples = values.size - window
    index = np.arange(window)[None, :] + np.arange(samples)[:, None]
    return Windows(values[index][..., None], values[window:])


def time_split(windows: Windows, test_size: int) -> tuple[Windows, Windows]:
    """Split windows in time order: the last ``test_size`` samples are the test set, and
    nothing from the future is ever trained on."""
    samples = windows.y.shape[0]
    integer("test_size", test_size, 1, samples - 1)
    cut = samples - test_size
    return Windows(windows.x[:cut], windows.y[:cut]), Windows(windows.x[cut:], windows.y[cut:])


@dataclass(frozen=True)
class MinMaxScaling:
    """Affine map of [low, high] onto [0, 1]; fit it on the training part only."""

    low: float
    high: float

    @classmethod
    def fit(cls, values: Any) -> MinMaxScaling:
        values = real_array("values", values, np.dtype("float64"))
        if values.size == 0:
            raise ValueError("cannot fit a scaling on no values")
        low, high = float(values.min()), float(values.max())
        if high == low:
            raise ValueError(f"cannot scale a constant series (every value is {low})")
        return cls(low, high)

    def transform(self, values: Any) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - self.low) / (self.high - self.low)

    def inverse(self, scaled: Any) -> np.ndarray:
        return np.asarray(scaled, dtype=np.float64) * (self.high - self.low) + self.low


def _windows_array(x: Any) -> np.ndarray:
    """x as float64 (samples, window, 1), or a ValueError naming the shape that came."""
    x = real_array("x", x, np.dtype("float64"))
    if x.ndim != 3 or x.shape[2] != 1 or x.shape[1] == 0:
        raise ValueError(f"x must have shape (samples, window, 1); got {x.shape}")
    return x


def naive_forecast(x: Any) -> np.ndarray:
    """The last-value baseline: predict that next year equals this year.

    x: (samples, window, 1) -> (samples,).
    """
    return _windows_array(x)[:, -1, 0]


@dataclass(frozen=True)
class LinearAutoregression:
    """The linear baseline: next value = intercept + coefficients @ the window's values.

    coefficients: (window,), oldest value first; fitted by least squares.
    """

    coefficients: np.ndarray
    intercept: float

    @classmethod
    def fit(cls, x: Any, y: Any) -> LinearAutoregression:
        """Least squares on windows x (samples, window, 1) and next values y (samples,)."""
        x = _windows_array(x)
        y = real_array("y", y, np.dtype("float64"))
        if y.shape != (x.shape[0],):
            raise ValueError(f"y must have shape ({x.shape[0]},) to match x; got {y.shape}")
        if x.shape[0] <= x.shape[1]:
            raise ValueError(
                f"a window of {x.shape[1]} needs more than {x.shape[1]} samples to fit; "
                f"got {x.shape[0]}"
            )
        design = np.concatenate([x[:, :, 0], np.ones((x.shape[0], 1))], axis=1)
        solution = np.linalg.lstsq(design, y, rcond=None)[0]
        return cls(solution[:-1], float(solution[-1]))

    def predict(self, x: Any) -> np.ndarray:
        """Next values (samples,) for windows x (samples, window, 1) of the fitted length."""
        x = _windows_array(x)
        if x.shape[1] != self.coefficients.size:
            raise ValueError(
                f"x must hold windows of {self.coefficients.size} values; got {x.shape[1]}"
            )
        return x[:, :, 0] @ self.coefficients + self.intercept


def rmse(prediction: Any, target: Any) -> float:
    """Root mean squared error between two arrays of the same shape."""
    prediction = real_array("prediction", prediction, np.dtype("float64"))
    target = real_array("target", target, np.dtype("float64"))
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction and target must have one shape; got {prediction.shape} and "
            f"{target.shape}"
        )
    return float(np.sqrt(np.mean((prediction - target) ** 2)))

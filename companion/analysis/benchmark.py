"""What the benchmark in ``benchmarks/bench.py`` measures, and how its results are read.

The FLOP count of an LSTM layer, the timing loop (interleaved repeats, medians), the
summary table (median seconds, ratio to ``torch.nn.LSTM``, GFLOP/s and its share of the
measured matrix-multiply rate) and the plot. Nothing here imports a framework: the
benchmark script hands in the functions to time.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SHAPES: tuple[tuple[int, int, int, int], ...] = (
    (1, 1000, 32, 64),
    (32, 100, 64, 128),
    (64, 200, 128, 256),
)
"""The benchmarked shapes, (batch, time, input_size, hidden), smallest to largest work."""

REFERENCE = "nn.LSTM"
"""The implementation every ratio is taken against."""

SHAPE_COLUMNS = ("batch", "time", "input_size", "hidden")
"""The columns of a shape, as in :data:`SHAPES`."""

CASE = (*SHAPE_COLUMNS, "dtype", "pass")
"""What identifies a benchmark case: the shape, the dtype and the pass ("forward" or
"forward+backward")."""

RUN_COLUMNS = (*CASE, "implementation", "seconds")
"""The columns of the raw runs that :func:`summarise` reads, one row per timed call."""


def lstm_flops(batch: int, time: int, input_size: int, hidden: int, *, backward: bool) -> int:
    """Floating-point operations of the matrix products of an LSTM layer.

    Each step multiplies x_t (batch, input_size) by the kernel (input_size, 4 hidden) and
    h (batch, hidden) by the recurrent kernel (hidden, 4 hidden): 2 * batch * 4 hidden *
    (input_size + hidden) operations, a multiply and an add per term. The backward pass
    does two products of the same sizes per weight matrix (the gradient of the input or
    state, and of the weights), twice the forward count. Element-wise work (about 20 *
    batch * hidden per step) is left out: it is under 10 % of the total for these shapes.
    """
    forward = 8 * batch * time * hidden * (input_size + hidden)
    return 3 * forward if backward else forward


def matmul_rate(
    n: int,
    dtype: str,
    *,
    multiply: Callable[[Any, Any], Any] = np.matmul,
    repeats: int = 5,
) -> float:
    """The measured rate of an (n, n) @ (n, n) matrix product, in GFLOP/s: the best of
    ``repeats`` runs, as the practical ceiling of a computation made of matrix products.
    ``multiply`` is NumPy's by default; it receives two NumPy arrays."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    multiply(a, b)  # warm up the BLAS threads
    best = min(_seconds(lambda: multiply(a, b)) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _seconds(call: Callable[[], Any]) -> float:
    start = _time.perf_counter()
    call()
    return _time.perf_counter() - start


def time_interleaved(
    calls: Mapping[str, Callable[[], Any]], repeats: Mapping[str, int]
) -> dict[str, list[float]]:
    """Time each call ``repeats[name]`` times after one warm-up call, round-robin: every
    round runs each name still short of its repeats once, so a slow spell of the machine
    touches all of them alike. Returns the seconds of every run, by name."""
    for call in calls.values():
        call()
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for round_number in range(max(repeats.values())):
        for name, call in calls.items():
            if round_number < repeats[name]:
                seconds[name].append(_seconds(call))
    return seconds


def summarise(runs: pd.DataFrame, rates: Mapping[str, float]) -> pd.DataFrame:
    """One row per (shape, dtype, pass, implementation) from the raw runs.

    runs: columns :data:`RUN_COLUMNS`. rates: the matmul GFLOP/s per dtype.
    Adds median seconds, the ratio to the median of ``nn.LSTM`` in the same case, GFLOP/s
    and the percentage of the matmul rate.
    """
    case = list(CASE)
    table = (
        runs.groupby([*case, "implementation"], sort=False)["seconds"]
        .agg(median="median", runs="size")
        .reset_index()
    )
    reference = table[table["implementation"] == REFERENCE].set_index(case)["median"]
    table["ratio"] = (
        table["median"].to_numpy()
        / reference.loc[pd.MultiIndex.from_frame(table[case])].to_numpy()
    )
    flops = [
        lstm_flops(*shape, backward=pass_name != "forward")
        for *shape, pass_name in table[[*SHAPE_COLUMNS, "pass"]].to_numpy()
    ]
    table["gflops"] = np.asarray(flops) / table["median"] / 1e9
    table["percent_of_matmul"] = 100 * table["gflops"] / table["dtype"].map(rates)
    return table


def plot_ratios(table: pd.DataFrame) -> Any:
    """Bar chart of each implementation's median time relative to ``nn.LSTM``, one panel
    per pass and dtype, a group of bars per shape. Returns the figure."""
    import matplotlib.pyplot as plt

    panels = table[["pass", "dtype"]].drop_duplicates().to_numpy()
    implementations = list(dict.fromkeys(table["implementation"]))
    figure, axes = plt.subplots(
        1, len(panels), figsize=(4 * len(panels), 3.6), sharey=True, squeeze=False
    )
    for axis, (pass_name, dtype) in zip(axes[0], panels, strict=True):
        part = table[(table["pass"] == pass_name) & (table["dtype"] == dtype)]
        shapes = part[list(SHAPE_COLUMNS)].drop_duplicates().to_numpy()
        width = 0.8 / len(implementations)
        for k, name in enumerate(implementations):
            rows = part[part["implementation"] == name]
            axis.bar(np.arange(len(rows)) + k * width, rows["ratio"], width, label=name)
        axis.set_xticks(np.arange(len(shapes)) + 0.4 - width / 2)
        axis.set_xticklabels([f"{b}, {t}\n{i}, {h}" for b, t, i, h in shapes])
        axis.set_yscale("log")
        axis.axhline(1.0, color="black", linewidth=0.8)
        axis.set_title(f"{pass_name}, {dtype}")
        axis.set_xlabel("batch, time / input, hidden")
    axes[0][0].set_ylabel("median time / nn.LSTM's (log scale)")
    axes[0][-1].legend(fontsize="small")
    figure.tight_layout()
    return figure


def load_results(folder: Path | str) -> dict[str, pd.DataFrame]:
    """The CSV files ``make bench`` (and ``benchmarks/before_after.py``) wrote into
    ``folder`` (the repository's ``benchmarks/results``), by stem: summary, machine, memory,
    before_after."""
    folder = Path(folder)
    return {
        stem: pd.read_csv(folder / f"{stem}.csv")
        for stem in ("summary", "machine", "memory", "before_after")
    }


def goals(table: pd.DataFrame, against: str = REFERENCE) -> pd.DataFrame:
    """The issue's goals, median time of numpy_lstm over that of ``against`` in the same run:
    forward at most 3.0, 2.0 and 1.2 at the three shapes of :data:`SHAPES`, forward +
    backward at most 2.0 at the largest. One row per goal and dtype, with ``met``."""
    limits = [
        (SHAPES[0], "forward", 3.0),
        (SHAPES[1], "forward", 2.0),
        (SHAPES[2], "forward", 1.2),
        (SHAPES[2], "forward+backward", 2.0),
    ]
    medians = table.set_index([*CASE, "implementation"])["median"]
    rows = []
    for shape, pass_name, limit in limits:
        for dtype in ("float32", "float64"):
            ratio = (
                medians[(*shape, dtype, pass_name, "numpy_lstm")]
                / medians[(*shape, dtype, pass_name, against)]
            )
            rows.append(
                {
                    "shape": str(shape),
                    "pass": pass_name,
                    "dtype": dtype,
                    "goal": limit,
                    "ratio": round(float(ratio), 2),
                    "met": bool(ratio <= limit),
                }
            )
    return pd.DataFrame(rows)

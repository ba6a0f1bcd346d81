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

RUN_COLUMNS = (*CASE, "process", "implementation", "seconds")
"""The columns of the raw runs that :func:`summarise` reads, one row per timed call;
``process`` names the process that made it (Keras runs on one backend per process, and each
process times ``nn.LSTM`` beside its own implementations)."""


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
    touches all of them alike, and each round starts one name further on, so that no call
    always runs right after the same other one. Returns the seconds of every run, by name."""
    for call in calls.values():
        call()
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for round_number in range(max(repeats.values())):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            if round_number < repeats[name]:
                seconds[name].append(_seconds(calls[name]))
    return seconds


def summarise(runs: pd.DataFrame, rates: Mapping[str, float]) -> pd.DataFrame:
    """One row per (shape, dtype, pass, implementation) from the raw runs.

    runs: columns :data:`RUN_COLUMNS`, each implementation's runs of a case in the order
    they were made (round by round, as :func:`time_interleaved` makes them). rates: the
    matmul GFLOP/s per dtype.
    Adds the median seconds and, from the ratio of each run to the ``nn.LSTM`` run of the
    same process and round (over the rounds both made), ``ratio``, their median, and
    ``ratio_low`` and ``ratio_high``, their quartiles: the middle half of the rounds, the
    run-to-run spread. Then GFLOP/s (from the median seconds) and its percentage of the
    matmul rate. ``nn.LSTM``'s own row is that of the first process.
    """
    case = list(CASE)
    in_process = [*case, "process"]
    runs = runs.assign(
        round=runs.groupby([*in_process, "implementation"], sort=False).cumcount()
    )
    reference = runs[runs["implementation"] == REFERENCE][[*in_process, "round", "seconds"]]
    paired = runs.merge(reference, on=[*in_process, "round"], suffixes=("", "_reference"))
    paired["ratio"] = paired["seconds"] / paired["seconds_reference"]
    first = runs["process"].iloc[0]
    runs, paired = (
        frame[(frame["implementation"] != REFERENCE) | (frame["process"] == first)]
        for frame in (runs, paired)
    )
    table = (
        runs.groupby([*case, "implementation"], sort=False)["seconds"]
        .agg(median="median", runs="size")
        .reset_index()
    )
    ratios = (
        paired.groupby([*case, "implementation"], sort=False)["ratio"]
        .agg(
            ratio="median",
            ratio_low=lambda r: r.quantile(0.25),
            ratio_high=lambda r: r.quantile(0.75),
        )
        .reset_index()
    )
    table = table.merge(ratios, on=[*case, "implementation"], how="left", sort=False)
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
    figure.tight_layout()
    # Below the panels, where no bar can hide behind it.
    figure.legend(
        *axes[0][0].get_legend_handles_labels(),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=min(4, len(implementations)),
        fontsize="small",
    )
    return figure


REPEATED_COLUMNS = (*CASE, "process", "call", "seconds")
"""The columns of ``repeated.csv`` (``bench.py --repeated-only``): the companion's
``keras_lstm.forward`` and ``gradients`` called again and again at one shape, new weights
each call, Keras on the backend ``process`` names. ``call`` is "first" (the layer built and,
on TensorFlow and JAX, traced and compiled) or "later" (the kept layer, its weights
written)."""


def repeated_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per backend, shape, dtype and pass of :data:`REPEATED_COLUMNS` runs: the
    seconds of the first call (the median, when several processes or rounds made one), the
    median of the later calls, the last call's (once the layer is compiled, where it compiles
    only after a few calls: :data:`companion._keras_tools.COMPILE_AFTER_STEPS`), and how many
    times faster the last call is than the first."""
    keys = ["process", *CASE]
    medians = runs.groupby([*keys, "call"], sort=False)["seconds"].median().unstack("call")
    table = medians[["first", "later"]]
    table = table.assign(last=runs.groupby(keys, sort=False)["seconds"].last()).reset_index()
    table["speed_up"] = table["first"] / table["last"]
    table.columns.name = None
    return table


def load_results(folder: Path | str) -> dict[str, pd.DataFrame]:
    """The CSV files ``make bench`` (and ``benchmarks/before_after.py``, ``bench.py
    --torch-compile``) wrote into ``folder`` (the repository's ``benchmarks/results``), by
    stem: summary, machine, memory, before_after, torch_compile."""
    folder = Path(folder)
    return {
        stem: pd.read_csv(folder / f"{stem}.csv")
        for stem in ("summary", "machine", "memory", "before_after", "torch_compile")
    }


GOALS: tuple[tuple[tuple[int, int, int, int], str, float], ...] = (
    (SHAPES[0], "forward", 3.0),
    (SHAPES[1], "forward", 2.0),
    (SHAPES[2], "forward", 1.2),
    (SHAPES[2], "forward+backward", 2.0),
)
"""The speed goals: (shape, pass, the largest acceptable ratio of numpy_lstm's time to
``nn.LSTM``'s in the same run)."""


def verdict(low: float, high: float, limit: float) -> str:
    """"met" when the middle half of the rounds' ratios (``low`` to ``high``) is within
    ``limit``, "missed" when it is entirely above, and "within the spread" when ``limit``
    falls inside it: the run cannot tell."""
    if high <= limit:
        return "met"
    if low > limit:
        return "missed"
    return "within the spread"


def goals(table: pd.DataFrame, against: str = REFERENCE) -> pd.DataFrame:
    """numpy_lstm against :data:`GOALS`: its time over that of ``against`` in the same run
    (against ``nn.LSTM`` the median ratio of a round, with the spread between rounds;
    against another implementation the ratio of the medians). One row per goal and dtype,
    with the :func:`verdict`."""
    rows = table.set_index([*CASE, "implementation"])
    result = []
    for shape, pass_name, limit in GOALS:
        for dtype in ("float32", "float64"):
            numpy_row = rows.loc[(*shape, dtype, pass_name, "numpy_lstm")]
            ratio = numpy_row["ratio"]
            if against != REFERENCE:  # the ratio of the medians: no rounds to pair
                other = rows.loc[(*shape, dtype, pass_name, against)]
                ratio = numpy_row["median"] / other["median"]
            row = {"shape": str(shape), "pass": pass_name, "dtype": dtype, "goal": limit,
                   "ratio": round(float(ratio), 2)}
            if against == REFERENCE:
                low, high = float(numpy_row["ratio_low"]), float(numpy_row["ratio_high"])
                row["spread"] = f"{low:.2f}-{high:.2f}"
                row["verdict"] = verdict(low, high, limit)
            else:
                row["verdict"] = "met" if ratio <= limit else "missed"
            result.append(row)
    return pd.DataFrame(result)


def ratio_table(table: pd.DataFrame, pass_name: str, dtype: str) -> pd.DataFrame:
    """One pass and dtype of :func:`summarise`'s table as the book shows it: a row per
    implementation, a column per shape, each cell the median ratio to ``nn.LSTM`` with the
    spread between rounds, e.g. ``"1.42 (1.35-1.51)"``."""
    part = table[(table["pass"] == pass_name) & (table["dtype"] == dtype)]
    part = part[part["implementation"] != REFERENCE]
    cells = part.assign(
        shape=[str(tuple(shape)) for shape in part[list(SHAPE_COLUMNS)].to_numpy().tolist()],
        cell=[
            f"{r:.2f} ({lo:.2f}-{hi:.2f})" if r < 10 else f"{r:.0f} ({lo:.0f}-{hi:.0f})"
            for r, lo, hi in part[["ratio", "ratio_low", "ratio_high"]].to_numpy()
        ],
    )
    wide = cells.pivot(index="implementation", columns="shape", values="cell")
    rows, columns = (list(dict.fromkeys(cells[name])) for name in ("implementation", "shape"))
    wide = wide.loc[rows, columns]
    wide.columns.name = None
    wide.index.name = None
    return wide

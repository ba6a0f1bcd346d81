"""The benchmark's helpers: FLOP count, interleaved timing, summary table and plot, on tiny
inputs. No timing is asserted."""

from __future__ import annotations

import tracemalloc

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from companion import LSTMWeights, numpy_lstm
from companion.analysis.benchmark import (
    GOALS,
    REPEATED_COLUMNS,
    RUN_COLUMNS,
    goals,
    lstm_flops,
    matmul_rate,
    plot_ratios,
    ratio_table,
    repeated_table,
    summarise,
    time_interleaved,
    verdict,
)


def test_flops_count_both_products_of_every_step():
    batch, time, input_size, hidden = 2, 3, 5, 7
    per_step = 2 * batch * input_size * 4 * hidden + 2 * batch * hidden * 4 * hidden
    assert lstm_flops(batch, time, input_size, hidden, backward=False) == time * per_step
    assert lstm_flops(batch, time, input_size, hidden, backward=True) == 3 * time * per_step


def test_time_interleaved_runs_each_call_its_repeats():
    counts = {"a": 0, "b": 0}

    def call(name):
        counts[name] += 1

    seconds = time_interleaved({n: (lambda n=n: call(n)) for n in counts}, {"a": 3, "b": 1})
    assert [len(seconds["a"]), len(seconds["b"])] == [3, 1]
    assert counts == {"a": 4, "b": 2}  # one warm-up call each
    order = []
    time_interleaved({n: (lambda n=n: order.append(n)) for n in "xyz"}, dict.fromkeys("xyz", 3))
    assert "".join(order) == "xyz" + "xyz" + "yzx" + "zxy"  # warm-up, then rotated rounds
    assert matmul_rate(8, "float64", repeats=1) > 0


def tiny_runs() -> pd.DataFrame:
    rows = []
    for pass_name in ("forward", "forward+backward"):
        for name, seconds in (("numpy_lstm", 2.0), ("nn.LSTM", 1.0)):
            rows += [(1, 2, 3, 4, "float64", pass_name, "main", name, seconds)] * 2
    return pd.DataFrame(
        rows,
        columns=list(RUN_COLUMNS),
    )


def test_summary_gives_ratio_to_nn_lstm_and_share_of_the_ceiling():
    table = summarise(tiny_runs(), {"float64": 1.0})
    numpy_rows = table[table["implementation"] == "numpy_lstm"]
    np.testing.assert_allclose(numpy_rows["ratio"], [2.0, 2.0])
    forward = lstm_flops(1, 2, 3, 4, backward=False)
    np.testing.assert_allclose(numpy_rows["gflops"], [forward / 2e9, 3 * forward / 2e9])
    np.testing.assert_allclose(numpy_rows["percent_of_matmul"], 100 * numpy_rows["gflops"])


def test_ratios_pair_the_runs_of_a_round():
    """Round k of numpy_lstm is divided by round k of nn.LSTM: a slow spell that hits both
    in one round leaves the ratio alone."""
    rows = []
    for seconds_numpy, seconds_torch in ((2.0, 1.0), (20.0, 10.0), (3.0, 1.0), (4.0, 1.0)):
        rows += [(1, 2, 3, 4, "float64", "forward", "main", "numpy_lstm", seconds_numpy)]
        rows += [(1, 2, 3, 4, "float64", "forward", "main", "nn.LSTM", seconds_torch)]
    table = summarise(pd.DataFrame(rows, columns=list(RUN_COLUMNS)), {"float64": 1.0})
    row = table[table["implementation"] == "numpy_lstm"].iloc[0]
    assert row["ratio"] == 2.5  # the median of the ratios 2, 2, 3, 4
    assert (row["ratio_low"], row["ratio_high"]) == (2.0, 3.25)  # their quartiles
    cell = ratio_table(table, "forward", "float64").loc["numpy_lstm", "(1, 2, 3, 4)"]
    assert cell == "2.50 (2.00-3.25)"


def test_each_process_is_paired_with_its_own_nn_lstm():
    """Keras runs in a process per backend, each timing nn.LSTM beside it: a ratio divides by
    the nn.LSTM run of the same process and round, and nn.LSTM's own row is the first
    process's."""
    case = (1, 2, 3, 4, "float32", "forward")
    rows = [(*case, "main", "nn.LSTM", 1.0), (*case, "main", "numpy_lstm", 2.0)]
    jax = "keras[jax]"
    rows += [(*case, jax, "nn.LSTM", 10.0), (*case, jax, "keras[jax] eager", 30.0)]
    table = summarise(pd.DataFrame(rows, columns=list(RUN_COLUMNS)), {"float32": 1.0})
    by_name = table.set_index("implementation")
    assert by_name.loc["keras[jax] eager", "ratio"] == 3.0  # 30 / 10, not 30 / 1
    assert by_name.loc["numpy_lstm", "ratio"] == 2.0
    assert list(table["implementation"]).count("nn.LSTM") == 1
    assert by_name.loc["nn.LSTM", "median"] == 1.0


def test_a_goal_is_judged_against_the_spread():
    assert verdict(1.1, 1.3, 1.5) == "met"
    assert verdict(1.6, 1.9, 1.5) == "missed"
    assert verdict(1.4, 1.6, 1.5) == "within the spread"


def test_goals_read_every_goal_from_the_summary():
    rows = []
    for shape, pass_name, _ in GOALS:
        for dtype in ("float32", "float64"):
            for name, seconds in (("numpy_lstm", 2.0), ("nn.LSTM", 1.0), ("torch_lstm", 4.0)):
                rows += [(*shape, dtype, pass_name, "main", name, seconds)] * 3
    table = summarise(pd.DataFrame(rows, columns=list(RUN_COLUMNS)), {"float32": 1.0,
                                                                        "float64": 1.0})
    against_torch = goals(table)
    assert len(against_torch) == 2 * len(GOALS)
    assert list(against_torch["verdict"]) == [
        "met" if limit >= 2.0 else "missed" for _, _, limit in GOALS for _ in range(2)
    ]
    assert set(goals(table, against="torch_lstm")["ratio"]) == {0.5}


def test_plot_ratios_labels_its_panels():
    figure = plot_ratios(summarise(tiny_runs(), {"float64": 1.0}))
    axes = figure.axes
    assert [a.get_title() for a in axes] == ["forward, float64", "forward+backward, float64"]
    assert "nn.LSTM" in axes[0].get_ylabel()
    plt.close(figure)


def test_forward_keeps_no_per_step_temporaries():
    """Without a cache, the peak memory is far below that of forward_with_cache."""
    weights = LSTMWeights.random(4, 16)
    x = np.random.default_rng(0).standard_normal((8, 200, 4))
    peaks = []
    for call in (numpy_lstm.forward, numpy_lstm.forward_with_cache):
        tracemalloc.start()
        call(x, weights)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[0] < 0.6 * peaks[1]


def test_repeated_table_gives_the_first_call_the_later_ones_and_the_last():
    rows = [(1, 2, 3, 4, "float32", "forward", "keras[jax]", "first", 3.0)]
    rows += [(1, 2, 3, 4, "float32", "forward", "keras[jax]", "later", s) for s in (1.0, 0.5, 9)]
    table = repeated_table(pd.DataFrame(rows, columns=list(REPEATED_COLUMNS)))
    assert table[["first", "later", "last", "speed_up"]].to_numpy().tolist() == [
        [3.0, 1.0, 9.0, 3.0 / 9.0]
    ]
    assert table["process"].tolist() == ["keras[jax]"]

"""Whether a NumPy fast path pays: a model's fast ``forward`` and ``gradients`` against its
readable reference (its step functions run by the time loop every NumPy model shares).

    python benchmarks/fast_paths.py [--out benchmarks/results] [--repeats 5]

The LSTM is the one model with a fast path (the GRU's and the vanilla RNN's were timed too,
at commit 4e4e330, and removed: ``benchmarks/README.md``). At every shape of
:data:`companion.analysis.benchmark.SHAPES`, float32 and float64, the forward pass and the
forward + backward pass, the two calls run interleaved (one of each per round, after a
warm-up call each). Writes ``fast_paths.csv``: the median seconds of each path and the median
of the per-round ratio reference / fast with its quartiles (above 1: the fast path is
faster). Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from bench import case_arrays  # benchmarks/bench.py, beside this script

from companion import numpy_lstm
from companion.analysis.benchmark import CASE, SHAPES, time_interleaved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for shape in SHAPES:
        for dtype in ("float32", "float64"):
            weights, x, d_outputs = case_arrays(*shape, dtype)
            for pass_name, function, arguments in (
                ("forward", "forward", (x, weights)),
                ("forward+backward", "gradients", (x, weights, d_outputs)),
            ):
                calls = {
                    "fast": partial(getattr(numpy_lstm, function), *arguments),
                    "reference": partial(getattr(numpy_lstm, f"reference_{function}"), *arguments),
                }
                seconds = time_interleaved(calls, dict.fromkeys(calls, args.repeats))
                ratios = np.asarray(seconds["reference"]) / np.asarray(seconds["fast"])
                low, median, high = np.quantile(ratios, [0.25, 0.5, 0.75])
                rows.append(
                    {
                        "model": "lstm",
                        **dict(zip(CASE, (*shape, dtype, pass_name), strict=True)),
                        "fast": float(np.median(seconds["fast"])),
                        "reference": float(np.median(seconds["reference"])),
                        "speed_up": median,
                        "speed_up_low": low,
                        "speed_up_high": high,
                    }
                )
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "fast_paths.csv", index=False, float_format="%.6g")
    print(table.to_string(index=False, float_format="%.3g"))


if __name__ == "__main__":
    main()

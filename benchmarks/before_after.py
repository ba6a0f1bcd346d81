"""What the optimisation of ``companion/numpy_lstm.py`` bought: the NumPy LSTM of earlier
commits against the current one, forward and forward + backward, interleaved with
``torch.nn.LSTM`` as ``make bench`` calls it.

    python benchmarks/before_after.py REVISION... [--out benchmarks/results] [--repeats 5]

Each REVISION is a git revision whose ``companion/numpy_lstm.py`` is timed, oldest first
(the book uses the commit before the optimisation and the commits of each step); the
working tree's version comes last, as "current". Writes ``before_after.csv``: the median
seconds of each version, the speed-up of the current one over the first, and for each
version the median ratio of a round to the ``nn.LSTM`` run of the same round with its
quartiles over the rounds (``<version> ratio``, ``ratio_low``, ``ratio_high``): on a busy
machine the ratios vary less than the seconds. ``paired`` is the median over the rounds of the
first version's time over the current one's in the same round (above 1: the current one is
faster), with its quartiles.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from bench import case_arrays, cases  # benchmarks/bench.py, beside this script

from companion import numpy_lstm
from companion.analysis.benchmark import CASE, REFERENCE, SHAPES, time_interleaved


def module_at(revision: str):
    """``companion.numpy_lstm`` as it was at ``revision``, imported under its own name."""
    source = subprocess.run(
        ["git", "show", f"{revision}:companion/numpy_lstm.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # Older revisions imported the LSTM's types from companion.interface, now companion.lstm,
    # and their time loop from companion._reference, whose functions companion._scan now has
    # under other names.
    source = source.replace("companion.interface", "companion.lstm").replace(
        "from companion._reference import backprop_steps, run_steps",
        "from companion._scan import scan as run_steps, scan_backward as backprop_steps",
    )
    name = f"numpy_lstm_{revision}"
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    versions = {revision: module_at(revision) for revision in args.revisions}
    versions["current"] = numpy_lstm
    rows = []
    for batch, time, input_size, hidden in SHAPES:
        for dtype in ("float32", "float64"):
            weights, x, d_outputs = case_arrays(batch, time, input_size, hidden, dtype)
            reference = cases(weights, x, d_outputs, keras_only=False)
            for pass_name, function in (("forward", "forward"), ("forward+backward", "gradients")):
                arguments = (x, weights) if function == "forward" else (x, weights, d_outputs)
                calls = {
                    version: partial(getattr(module, function), *arguments)
                    for version, module in versions.items()
                }
                calls[REFERENCE] = reference[pass_name][REFERENCE]
                seconds = time_interleaved(calls, dict.fromkeys(calls, args.repeats))
                case = (batch, time, input_size, hidden, dtype, pass_name)
                row = dict(zip(CASE, case, strict=True))
                row.update((v, float(np.median(seconds[v]))) for v in versions)
                for version in versions:
                    ratios = np.asarray(seconds[version]) / np.asarray(seconds[REFERENCE])
                    low, median, high = np.quantile(ratios, [0.25, 0.5, 0.75])
                    row.update(
                        {
                            f"{version} ratio": median,
                            f"{version} ratio_low": low,
                            f"{version} ratio_high": high,
                        }
                    )
                first, current = seconds[args.revisions[0]], seconds["current"]
                paired = np.asarray(first) / np.asarray(current)
                low, median, high = np.quantile(paired, [0.25, 0.5, 0.75])
                row.update({"paired": median, "paired_low": low, "paired_high": high})
                rows.append(row)
    table = pd.DataFrame(rows)
    table["speed_up"] = table[args.revisions[0]] / table["current"]
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "before_after.csv", index=False, float_format="%.6g")
    print(table.to_string(index=False, float_format="%.3g"))


if __name__ == "__main__":
    main()

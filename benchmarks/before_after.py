"""What the optimisation of ``companion/numpy_lstm.py`` bought: the NumPy LSTM of an earlier
commit against the current one, forward and forward + backward, interleaved.

    python benchmarks/before_after.py REVISION [--out benchmarks/results]

REVISION is a git revision whose ``companion/numpy_lstm.py`` is the "before" (the
benchmark's results in the book use the commit before the optimisation). Writes
``before_after.csv`` with the median seconds of each.
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

from companion import LSTMWeights, numpy_lstm
from companion.benchmark import SHAPES, time_interleaved


def module_at(revision: str):
    """``companion.numpy_lstm`` as it was at ``revision``."""
    source = subprocess.run(
        ["git", "show", f"{revision}:companion/numpy_lstm.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "numpy_lstm_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("numpy_lstm_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    before = module_at(args.revision)
    rows = []
    for batch, time, input_size, hidden in SHAPES:
        for dtype in ("float32", "float64"):
            weights = LSTMWeights.random(input_size, hidden, seed=0, dtype=dtype)
            rng = np.random.default_rng(1)
            x = rng.standard_normal((batch, time, input_size)).astype(dtype)
            d_outputs = rng.standard_normal((batch, time, hidden)).astype(dtype)
            for pass_name, function in (("forward", "forward"), ("forward+backward", "gradients")):
                arguments = (x, weights) if function == "forward" else (x, weights, d_outputs)
                calls = {
                    version: partial(getattr(module, function), *arguments)
                    for version, module in (("before", before), ("after", numpy_lstm))
                }
                seconds = time_interleaved(calls, dict.fromkeys(calls, args.repeats))
                medians = [float(np.median(seconds[v])) for v in ("before", "after")]
                rows.append((batch, time, input_size, hidden, dtype, pass_name, *medians))
    table = pd.DataFrame(
        rows,
        columns=["batch", "time", "input_size", "hidden", "dtype", "pass", "before", "after"],
    )
    table["speed_up"] = table["before"] / table["after"]
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "before_after.csv", index=False, float_format="%.6g")
    print(table.to_string(index=False, float_format="%.3g"))


if __name__ == "__main__":
    main()

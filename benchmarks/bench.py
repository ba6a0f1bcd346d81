"""Time the LSTM layer of each backend on the CPU: ``make bench``.

For every shape of :data:`companion.analysis.benchmark.SHAPES`, in float32 and float64, times the
forward pass and the forward + backward pass of

- ``numpy_lstm``: :func:`companion.numpy_lstm.forward` and :func:`~companion.numpy_lstm.gradients`
  (argument checks included);
- ``torch_lstm``: the same functions of :mod:`companion.torch_lstm` (they build an
  ``nn.LSTM`` and convert the weights and arrays on every call);
- ``nn.LSTM``: a ``torch.nn.LSTM`` built once, called on tensors (forward under
  ``torch.no_grad``; forward + backward with ``loss.backward()`` to the weights, inputs and
  initial state), the reference of every ratio;
- ``keras eager``: a ``keras.layers.LSTM`` built once per case, called on tensors (forward
  + backward under ``tf.GradientTape``), step by step from Python, fewer repeats, as each
  call is slow;
- ``keras compiled``: the same two calls traced once into a TensorFlow graph
  (``tf.function``), as Keras's ``fit`` and ``predict`` run a model.

Runs are interleaved (one of each per round), after a warm-up call each. Writes
``runs.csv`` (every run), ``summary.csv`` (medians, ratios, GFLOP/s), ``machine.csv``,
``memory.csv`` (tracemalloc peaks of the NumPy forward pass at the largest shape) and
``ratios.png`` to the output folder. Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from companion import LSTMWeights, numpy_lstm
from companion.analysis.benchmark import (
    RUN_COLUMNS,
    SHAPES,
    matmul_rate,
    plot_ratios,
    summarise,
    time_interleaved,
)


def cases(weights: LSTMWeights, x: np.ndarray, d_outputs: np.ndarray, keras_too: bool):
    """The calls to time for one shape and dtype: {pass: {implementation: call}}."""
    import torch

    from companion import torch_lstm

    lstm = torch_lstm.module(weights)
    x_torch = torch.from_numpy(x)
    d_torch = torch.from_numpy(d_outputs)

    def torch_forward():
        with torch.no_grad():
            return lstm(x_torch)

    def torch_backward():
        lstm.zero_grad()
        inputs = x_torch.clone().requires_grad_()
        state = [
            torch.zeros(
                1, x.shape[0], weights.hidden_size, dtype=x_torch.dtype, requires_grad=True
            )
            for _ in range(2)
        ]
        outputs, _ = lstm(inputs, tuple(state))
        (outputs * d_torch).sum().backward()

    forward = {
        "numpy_lstm": lambda: numpy_lstm.forward(x, weights),
        "torch_lstm": lambda: torch_lstm.forward(x, weights),
        "nn.LSTM": torch_forward,
    }
    backward = {
        "numpy_lstm": lambda: numpy_lstm.gradients(x, weights, d_outputs),
        "torch_lstm": lambda: torch_lstm.gradients(x, weights, d_outputs),
        "nn.LSTM": torch_backward,
    }
    if keras_too:
        from companion._keras_tools import tf
        from companion.keras_lstm import layer

        keras_layer = layer(weights)
        x_tf, d_tf = tf.constant(x), tf.constant(d_outputs)
        variables = keras_layer.trainable_variables

        def keras_backward():
            with tf.GradientTape() as tape:
                tape.watch(x_tf)
                loss = tf.reduce_sum(keras_layer(x_tf)[0] * d_tf)
            return tape.gradient(loss, [*variables, x_tf])

        # The same calls traced once into a TensorFlow graph, as model.fit and predict run.
        compiled_forward = tf.function(lambda: keras_layer(x_tf))
        compiled_backward = tf.function(keras_backward)
        forward["keras eager"] = lambda: keras_layer(x_tf)
        forward["keras compiled"] = compiled_forward
        backward["keras eager"] = keras_backward
        backward["keras compiled"] = compiled_backward
    return {"forward": forward, "forward+backward": backward}


def peak_memory(shape: tuple[int, int, int, int], dtype: str) -> pd.DataFrame:
    """tracemalloc peaks (MiB) of ``forward`` and ``forward_with_cache`` at one shape,
    beside the size of the outputs alone."""
    batch, steps, input_size, hidden = shape
    weights = LSTMWeights.random(input_size, hidden, seed=0, dtype=dtype)
    x = np.random.default_rng(1).standard_normal((batch, steps, input_size)).astype(dtype)
    rows = []
    for name, call in (
        ("forward", numpy_lstm.forward),
        ("forward_with_cache", numpy_lstm.forward_with_cache),
    ):
        tracemalloc.start()
        result = call(x, weights)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del result
        rows.append({"function": name, "dtype": dtype, "peak_mib": peak / 2**20})
    outputs = batch * steps * hidden * np.dtype(dtype).itemsize
    rows.append({"function": "outputs alone", "dtype": dtype, "peak_mib": outputs / 2**20})
    return pd.DataFrame(rows)


def machine() -> pd.DataFrame:
    """What the timings depend on: CPU, cores, threads, load."""
    import torch

    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return pd.DataFrame(
        [
            ("cpu", cpu),
            ("cores", str(os.cpu_count())),
            ("torch threads", str(torch.get_num_threads())),
            ("torch", torch.__version__),
            ("numpy", np.__version__),
            ("numpy blas", f"{blas['name']} {blas['version']}"),
            ("load average (1 min) at start", f"{os.getloadavg()[0]:.2f}"),
        ],
        columns=["what", "value"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keras-repeats", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = machine()
    import torch

    def torch_matmul(a: np.ndarray, b: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a) @ torch.from_numpy(b)

    def ceiling() -> tuple[dict[str, float], dict[str, float]]:
        """The matrix-product rates of NumPy (OpenBLAS) and PyTorch, by dtype."""
        dtypes = ("float32", "float64")
        return tuple(
            {dtype: matmul_rate(1024, dtype, multiply=multiply) for dtype in dtypes}
            for multiply in (np.matmul, torch_matmul)
        )

    # The ceiling: the faster of NumPy's and PyTorch's matrix product, measured before and
    # after the runs (a machine only warming up measures low), the best of both kept.
    numpy_rates, torch_rates = ceiling()
    runs = []
    for shape in SHAPES:
        batch, steps, input_size, hidden = shape
        for dtype in ("float32", "float64"):
            weights = LSTMWeights.random(input_size, hidden, seed=0, dtype=dtype)
            rng = np.random.default_rng(1)
            x = rng.standard_normal((batch, steps, input_size)).astype(dtype)
            d_outputs = rng.standard_normal((batch, steps, hidden)).astype(dtype)
            for pass_name, calls in cases(weights, x, d_outputs, not args.no_keras).items():
                repeats = {
                    name: args.keras_repeats if name == "keras eager" else args.repeats
                    for name in calls
                }
                for name, seconds in time_interleaved(calls, repeats).items():
                    runs += [(*shape, dtype, pass_name, name, s) for s in seconds]
                print(
                    f"{shape} {dtype} {pass_name}: done at {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    runs = pd.DataFrame(
        runs,
        columns=list(RUN_COLUMNS),
    )
    for best, again in zip((numpy_rates, torch_rates), ceiling(), strict=True):
        for dtype in best:
            best[dtype] = max(best[dtype], again[dtype])
    rates = {dtype: max(numpy_rates[dtype], torch_rates[dtype]) for dtype in numpy_rates}
    table = summarise(runs, rates)
    info.loc[len(info)] = ("load average (1 min) at end", f"{os.getloadavg()[0]:.2f}")
    for dtype in rates:
        info.loc[len(info)] = (f"numpy matmul 1024 GFLOP/s {dtype}", f"{numpy_rates[dtype]:.1f}")
        info.loc[len(info)] = (f"torch matmul 1024 GFLOP/s {dtype}", f"{torch_rates[dtype]:.1f}")
    memory = pd.concat([peak_memory(SHAPES[-1], dtype) for dtype in ("float32", "float64")])
    runs.to_csv(args.out / "runs.csv", index=False)
    table.to_csv(args.out / "summary.csv", index=False, float_format="%.6g")
    info.to_csv(args.out / "machine.csv", index=False)
    memory.to_csv(args.out / "memory.csv", index=False, float_format="%.2f")
    import matplotlib

    matplotlib.use("Agg")
    plot_ratios(table).savefig(args.out / "ratios.png", dpi=100)
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(info.to_string(index=False))
        print(table.to_string(index=False, float_format="%.3g"))
        print(memory.to_string(index=False, float_format="%.1f"))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

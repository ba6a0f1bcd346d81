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
- ``keras[b] eager``, for each Keras backend b (tensorflow, jax, torch): a
  ``keras.layers.LSTM`` built once per case, called on tensors (forward + backward by the
  backend's own automatic differentiation), fewer repeats, as each call is slow;
- ``keras[b] compiled``: the same two calls compiled once, as Keras's ``fit`` and
  ``predict`` run a model: ``tf.function`` on TensorFlow, ``jax.jit`` of the layer's
  ``stateless_call`` on JAX. On PyTorch Keras compiles with ``torch.compile``, which unrolls
  the layer's time loop: ``--torch-compile`` measures it at one shape (the first call compiles) and
  writes ``torch_compile.csv``.

Keras runs on one backend per process: each backend's cases run in a process of their own
(``KERAS_BACKEND=b``, this script with ``--keras-only``), which times ``nn.LSTM`` beside
them, so that every ratio comes from runs made in the same process and rounds. Float64 Keras
runs keep float64 (:func:`companion._keras_tools.float64_kept`), as ``nn.LSTM`` does.

Keras, repeated calls: the companion's own ``keras_lstm.forward`` and ``gradients``, called
again and again at one shape with new weights each time, as the book's chapters and tests call
them, on each Keras backend in a process of its own: the first call (which builds the layer
and, on TensorFlow and JAX, traces and compiles its calls) and the later ones (which reuse
them: :func:`companion._keras_tools.reused_layer`). ``--repeated-only`` runs only this case;
it writes ``repeated.csv``.

Runs are interleaved (one of each per round), after a warm-up call each. Writes
``runs.csv`` (every run, with the process that made it), ``summary.csv`` (medians, ratios,
GFLOP/s), ``machine.csv``,
``memory.csv`` (tracemalloc peaks of the NumPy forward pass at the largest shape) and
``ratios.png`` to the output folder. Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from companion import LSTMWeights, numpy_lstm
from companion.analysis.benchmark import (
    REPEATED_COLUMNS,
    RUN_COLUMNS,
    SHAPE_COLUMNS,
    SHAPES,
    matmul_rate,
    plot_ratios,
    repeated_table,
    summarise,
    time_interleaved,
)


def case_arrays(
    batch: int, steps: int, input_size: int, hidden: int, dtype: str
) -> tuple[LSTMWeights, np.ndarray, np.ndarray]:
    """What every benchmark times at one shape and dtype, from the same seeds: the weights,
    x (batch, steps, input_size) and d_outputs (batch, steps, hidden)."""
    weights = LSTMWeights.random(input_size, hidden, seed=0, dtype=dtype)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, steps, input_size)).astype(dtype)
    d_outputs = rng.standard_normal((batch, steps, hidden)).astype(dtype)
    return weights, x, d_outputs


def cases(weights: LSTMWeights, x: np.ndarray, d_outputs: np.ndarray, keras_only: bool):
    """The calls to time for one shape and dtype: {pass: {implementation: call}}: NumPy and
    PyTorch, or with ``keras_only`` Keras on this process's backend; ``nn.LSTM`` in both."""
    import torch

    from companion import torch_lstm

    lstm = torch_lstm.build(weights)
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

    forward = {"nn.LSTM": torch_forward}
    backward = {"nn.LSTM": torch_backward}
    if keras_only:
        for pass_name, calls in keras_cases(weights, x, d_outputs).items():
            (forward if pass_name == "forward" else backward).update(calls)
    else:
        forward |= {
            "numpy_lstm": lambda: numpy_lstm.forward(x, weights),
            "torch_lstm": lambda: torch_lstm.forward(x, weights),
        }
        backward |= {
            "numpy_lstm": lambda: numpy_lstm.gradients(x, weights, d_outputs),
            "torch_lstm": lambda: torch_lstm.gradients(x, weights, d_outputs),
        }
    return {"forward": forward, "forward+backward": backward}


def keras_cases(weights: LSTMWeights, x: np.ndarray, d_outputs: np.ndarray):
    """Keras on this process's backend: {pass: {"keras[b] eager" / "keras[b] compiled":
    call}}, each call run with float64 kept and waiting for its result."""
    from companion import keras_lstm
    from companion._keras_tools import BACKEND, float64_kept, keras

    if BACKEND == "jax":  # float64 in JAX for this whole process, the benchmark's own
        import jax

        jax.config.update("jax_enable_x64", True)
    lstm = keras_lstm.build(weights)
    x_k, d_k = (keras.ops.convert_to_tensor(a) for a in (x, d_outputs))
    variables = lstm.trainable_variables
    if BACKEND == "tensorflow":
        import tensorflow as tf

        def eager_forward():
            return lstm(x_k)[0]

        def eager_backward():
            with tf.GradientTape() as tape:
                tape.watch(x_k)
                loss = tf.reduce_sum(lstm(x_k)[0] * d_k)
            return tape.gradient(loss, [*variables, x_k])

        # Traced once into a TensorFlow graph, as model.fit and predict run.
        compiled_forward, compiled_backward = (
            tf.function(call) for call in (eager_forward, eager_backward)
        )
    elif BACKEND == "jax":
        import jax

        values = [v.value for v in variables]
        fixed = [v.value for v in lstm.non_trainable_variables]  # the dropout seed

        def outputs(values, x):
            return lstm.stateless_call(values, fixed, x)[0][0]

        def loss(values, x):
            return keras.ops.sum(outputs(values, x) * d_k)

        gradient = jax.grad(loss, argnums=(0, 1))
        jitted_forward, jitted_gradient = jax.jit(outputs), jax.jit(gradient)

        def eager_forward():
            return jax.block_until_ready(lstm(x_k)[0])

        def eager_backward():
            return jax.block_until_ready(gradient(values, x_k))

        def compiled_forward():
            return jax.block_until_ready(jitted_forward(values, x_k))

        def compiled_backward():
            return jax.block_until_ready(jitted_gradient(values, x_k))
    else:  # torch: eager only (see --torch-compile)
        import torch

        def eager_forward():
            with torch.no_grad():
                return lstm(x_k)[0]

        def eager_backward():
            inputs = x_k.clone().requires_grad_()
            loss = (lstm(inputs)[0] * d_k).sum()
            return torch.autograd.grad(loss, [v.value for v in variables] + [inputs])

        compiled_forward = compiled_backward = None

    def kept(call):
        def run():
            with float64_kept():
                return call()

        return run

    name = f"keras[{BACKEND}]"
    result = {"forward": {}, "forward+backward": {}}
    for pass_name, eager, compiled in (
        ("forward", eager_forward, compiled_forward),
        ("forward+backward", eager_backward, compiled_backward),
    ):
        result[pass_name][f"{name} eager"] = kept(eager)
        if compiled is not None:
            result[pass_name][f"{name} compiled"] = kept(compiled)
    return result


REPEATED_SHAPES = SHAPES[:2]
"""The shapes of the repeated calls: those where a call's fixed costs matter most."""


def repeated_calls(repeats: int, process: str) -> pd.DataFrame:
    """The companion's ``keras_lstm.forward`` and ``gradients`` on this process's Keras
    backend: at each shape of :data:`REPEATED_SHAPES` and dtype, the first call (with no
    layer kept: built, and traced or compiled) and ``repeats`` later calls, each with new
    weights. One row per call (:data:`REPEATED_COLUMNS`)."""
    from companion import keras_lstm
    from companion._keras_tools import cache_clear

    rows = []
    for shape in REPEATED_SHAPES:
        batch, steps, input_size, hidden = shape
        for dtype in ("float32", "float64"):
            rng = np.random.default_rng(1)
            x = rng.standard_normal((batch, steps, input_size)).astype(dtype)
            d_outputs = rng.standard_normal((batch, steps, hidden)).astype(dtype)
            for pass_name in ("forward", "forward+backward"):
                cache_clear()
                for seed in range(repeats + 1):
                    weights = LSTMWeights.random(input_size, hidden, seed=seed, dtype=dtype)
                    start = time.perf_counter()
                    if pass_name == "forward":
                        keras_lstm.forward(x, weights)
                    else:
                        keras_lstm.gradients(x, weights, d_outputs)
                    seconds = time.perf_counter() - start
                    first_or_later = "first" if seed == 0 else "later"
                    rows.append((*shape, dtype, pass_name, process, first_or_later, seconds))
            print(f"{process}: repeated calls {shape} {dtype}: done", flush=True)
    return pd.DataFrame(rows, columns=list(REPEATED_COLUMNS))


def repeated_runs(args: argparse.Namespace) -> pd.DataFrame:
    """:func:`repeated_calls` on every Keras backend, each in a process of its own."""
    runs = []
    for backend in ("tensorflow", "jax", "torch"):
        with tempfile.TemporaryDirectory() as folder:
            command = [sys.executable, __file__, "--repeated-in-process", "--out", folder]
            command += ["--repeats", str(args.repeats)]
            env = {**os.environ, "KERAS_BACKEND": backend}
            subprocess.run(command, env=env, check=True)
            runs.append(pd.read_csv(Path(folder) / "repeated.csv"))
    return pd.concat(runs, ignore_index=True)


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


def time_cases(keras_only: bool, repeats: int, keras_repeats: int, process: str) -> pd.DataFrame:
    """Time :func:`cases` at every shape and dtype: one row per run (:data:`RUN_COLUMNS`)."""
    started = time.perf_counter()
    runs = []
    for shape in SHAPES:
        for dtype in ("float32", "float64"):
            weights, x, d_outputs = case_arrays(*shape, dtype)
            for pass_name, calls in cases(weights, x, d_outputs, keras_only).items():
                counts = {
                    name: keras_repeats if name.endswith("eager") else repeats for name in calls
                }
                for name, seconds in time_interleaved(calls, counts).items():
                    runs += [(*shape, dtype, pass_name, process, name, s) for s in seconds]
                print(
                    f"{process}: {shape} {dtype} {pass_name}: done at "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    return pd.DataFrame(runs, columns=list(RUN_COLUMNS))


def keras_runs(keras_backend: str, args: argparse.Namespace) -> pd.DataFrame:
    """This script with ``--keras-only`` in a process of its own on ``keras_backend``."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, __file__, "--keras-only", "--out", folder]
        command += ["--repeats", str(args.repeats), "--keras-repeats", str(args.keras_repeats)]
        env = {**os.environ, "KERAS_BACKEND": keras_backend}
        subprocess.run(command, env=env, check=True)
        return pd.read_csv(Path(folder) / "runs.csv")


def torch_compile_runs(shape: tuple[int, int, int, int], repeats: int) -> pd.DataFrame:
    """Keras on PyTorch compiled as ``jit_compile=True`` compiles it (``torch.compile``),
    forward in float32 at ``shape``: the seconds of the first call (compiling) and of the
    later calls, beside eager Keras and ``nn.LSTM``. Run with ``KERAS_BACKEND=torch``."""
    import torch

    from companion import keras_lstm, torch_lstm
    from companion._keras_tools import BACKEND, keras

    if BACKEND != "torch":
        raise SystemExit("--torch-compile needs KERAS_BACKEND=torch")
    batch, steps, input_size, hidden = shape
    weights = LSTMWeights.random(input_size, hidden, seed=0, dtype="float32")
    x = np.random.default_rng(1).standard_normal((batch, steps, input_size)).astype("float32")
    lstm, module = keras_lstm.build(weights), torch_lstm.build(weights)
    x_k, x_torch = keras.ops.convert_to_tensor(x), torch.from_numpy(x)
    compiled = torch.compile(lstm)
    rows = []
    with torch.no_grad():
        start = time.perf_counter()
        compiled(x_k)
        rows.append(("keras[torch] compiled, first call", time.perf_counter() - start))
        calls = {
            "keras[torch] compiled": lambda: compiled(x_k),
            "keras[torch] eager": lambda: lstm(x_k),
            "nn.LSTM": lambda: module(x_torch),
        }
        for name, seconds in time_interleaved(calls, dict.fromkeys(calls, repeats)).items():
            rows += [(name, s) for s in seconds]
    return pd.DataFrame(
        [(*shape, "float32", "forward", name, s) for name, s in rows],
        columns=[*SHAPE_COLUMNS, "dtype", "pass", "implementation", "seconds"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keras-repeats", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument(
        "--keras-only", action="store_true", help="time Keras on KERAS_BACKEND (and nn.LSTM)"
    )
    parser.add_argument(
        "--torch-compile",
        action="store_true",
        help="only time Keras on PyTorch compiled, at one shape; needs KERAS_BACKEND=torch",
    )
    parser.add_argument(
        "--repeated-only",
        action="store_true",
        help="only time the companion's Keras calls repeated at one shape (repeated.csv)",
    )
    parser.add_argument("--repeated-in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.repeated_in_process:
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        repeated_calls(args.repeats, f"keras[{backend}]").to_csv(
            args.out / "repeated.csv", index=False
        )
        return
    if args.repeated_only or not args.no_keras:
        repeated = repeated_runs(args)
        repeated.to_csv(args.out / "repeated.csv", index=False, float_format="%.6g")
        with pd.option_context("display.width", 160, "display.max_rows", 200):
            print(repeated_table(repeated).to_string(index=False, float_format="%.3g"))
        if args.repeated_only:
            return
    if args.torch_compile:
        compile_runs = torch_compile_runs(SHAPES[1], args.keras_repeats)
        compile_runs.to_csv(args.out / "torch_compile.csv", index=False, float_format="%.6g")
        print(compile_runs.to_string(index=False))
        return
    if args.keras_only:
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        runs = time_cases(True, args.repeats, args.keras_repeats, f"keras[{backend}]")
        runs.to_csv(args.out / "runs.csv", index=False)
        return
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
    runs = [time_cases(False, args.repeats, args.keras_repeats, "numpy and torch")]
    if not args.no_keras:
        runs += [keras_runs(backend, args) for backend in ("tensorflow", "jax", "torch")]
    runs = pd.concat(runs, ignore_index=True)
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
    plot_ratios(table).savefig(args.out / "ratios.png", dpi=100, bbox_inches="tight")
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(info.to_string(index=False))
        print(table.to_string(index=False, float_format="%.3g"))
        print(memory.to_string(index=False, float_format="%.1f"))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

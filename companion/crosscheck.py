"""Run every backend on the same case and measure how far apart their results are.

A *case* fixes the model, the shapes, the seed and which features are switched on (initial
state, mask, ``go_backwards``). :func:`compare` runs NumPy, Keras and PyTorch on it and
reports, for each pair of backends and each output (for the LSTM: ``outputs``, ``h``, ``c``),
the largest absolute difference of any element, against the tolerance of the dtype.

A model is registered in :data:`MODELS`; backend ``b`` of model ``m`` is the module
``companion.{b}_{m}`` (for example ``companion.torch_lstm``), or ``companion.{b}_{module}``
where the model names a module (every LSTM variant runs in ``companion.{b}_variants``, its
weights saying which variant). Its states and their shapes come from the ``SIGNATURE`` its
module ``companion.{m}`` declares (:func:`signature`); "stacked" is a two-layer bidirectional
LSTM, whose cases have no ``go_backwards``.

:func:`compare_gradients` does the same for the backends of a model that have a
``gradients`` function: each is asked for the gradients of the loss
``sum(outputs * d_outputs) + sum(h * d_h) + ...`` with the same loss weights
(:meth:`Case.cotangents`), and every gradient is compared relative to its scale: the
tolerance of a row is the dtype's tolerance times ``max(1, largest |entry|)`` of that
gradient, since a gradient summed over many steps and samples can be large.

Keras 3 runs on TensorFlow, JAX or PyTorch, one backend per process, chosen by
``KERAS_BACKEND`` before Keras is imported. Backend ``'keras'`` is Keras in this process;
``'keras[jax]'`` (and ``keras[tensorflow]``, ``keras[torch]``) is ``companion.keras_*`` run in a
process of its own with ``KERAS_BACKEND=jax``, started on first use and kept for the session
(:func:`keras_process`), so one comparison can hold all five implementations.

Command line::

    python -m companion crosscheck [--model M] [--dtype float32|float64] [--batch B
        --time T --input-size D --hidden-size H --seed S] [--gradients]
        [--keras-backend tensorflow|jax|torch|all]

prints the table and exits with status 1 if any pair differs beyond tolerance; with
``--gradients`` the table has a row per gradient too. Sizes must be positive and the seed
non-negative (else argparse's message and status 2).

:func:`summary` reduces all of that to one verdict per model and dtype (the agreement table of
the variants chapter), from the same comparisons and tolerances.
"""

from __future__ import annotations

import argparse
import atexit
import concurrent.futures
import functools
import importlib
import itertools
import multiprocessing
import os
import re
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from companion import train_crosscheck
from companion._checks import Signature, field_array, float_dtype
from companion.stacked import StackedWeights
from companion.variants import VARIANTS, VariantWeights
from companion.weights import GRUWeights, LSTMWeights, RNNWeights

BACKENDS = ("numpy", "keras", "torch")
"""Backend names; backend ``b`` of model ``m`` is the module ``companion.{b}_{m}``."""

KERAS_BACKENDS = ("tensorflow", "jax", "torch")
"""Keras 3's backends; ``'keras[b]'`` names Keras on backend ``b``, run in its own process."""

EVERY_BACKEND = ("numpy", *(f"keras[{b}]" for b in KERAS_BACKENDS), "torch")
"""All five implementations: NumPy, Keras on each of its backends, and PyTorch."""

_KERAS_ON = re.compile(r"keras\[(\w+)\]")


def _keras_backend_of(backend: str) -> str | None:
    """``'jax'`` for ``'keras[jax]'``; None for the backends of this process."""
    if backend in BACKENDS:
        return None
    found = _KERAS_ON.fullmatch(backend)
    if found is None or found.group(1) not in KERAS_BACKENDS:
        raise ValueError(
            f"backend must be one of {BACKENDS} or keras[b] with b one of {KERAS_BACKENDS}; "
            f"got {backend!r}"
        )
    return found.group(1)


def _use_keras_backend(name: str) -> None:
    """Start a Keras process: its backend, and Ctrl-C (or a notebook kernel's shutdown, which
    interrupts the whole process group) left to the parent, which ends the process."""
    os.environ["KERAS_BACKEND"] = name
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_KERAS_PROCESSES: dict[str, concurrent.futures.ProcessPoolExecutor] = {}


def keras_process(keras_backend: str) -> concurrent.futures.ProcessPoolExecutor:
    """A fresh Python process with ``KERAS_BACKEND=keras_backend``, started on first use and
    kept until this one exits, that runs the companion's functions: the ``keras[...]``
    backends run there. ``keras_process(b).submit(f, *args).result()`` runs ``f`` there."""
    if keras_backend not in KERAS_BACKENDS:
        raise ValueError(f"Keras backend must be one of {KERAS_BACKENDS}; got {keras_backend!r}")
    if keras_backend not in _KERAS_PROCESSES:
        if not _KERAS_PROCESSES:
            atexit.register(_stop_keras_processes)
        _KERAS_PROCESSES[keras_backend] = concurrent.futures.ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_use_keras_backend,
            initargs=(keras_backend,),
        )
    return _KERAS_PROCESSES[keras_backend]


def _stop_keras_processes() -> None:
    """End the Keras processes while this interpreter can still clean up after them."""
    while _KERAS_PROCESSES:
        _KERAS_PROCESSES.popitem()[1].shutdown()


class Model(NamedTuple):
    """How to draw a model's weights, and its module suffix (empty: the model's own name):
    ``companion.{suffix}`` declares its SIGNATURE, ``companion.{backend}_{suffix}`` computes
    it."""

    random_weights: Callable[..., Any]
    module: str = ""
    go_backwards: bool = True  # whether its calls take go_backwards


MODELS: dict[str, Model] = {
    "lstm": Model(LSTMWeights.random),
    "rnn": Model(RNNWeights.random),
    "gru": Model(GRUWeights.random),
    **{
        f"variant-{name.lower()}": Model(
            functools.partial(VariantWeights.random, variant=variant), "variants"
        )
        for name, variant in VARIANTS.items()
    },
    "stacked": Model(
        functools.partial(StackedWeights.random, num_layers=2, bidirectional=True),
        go_backwards=False,
    ),
}
"""The models crosscheck knows, by the suffix of their backend modules."""

TOLERANCES = {"float64": 1e-12, "float32": 1e-5}
"""Largest absolute difference per element that still counts as agreement, per dtype."""


def signature(model: str) -> Signature:
    """What ``model``'s calls take and return (its states, their shapes, its results)."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}; got {model!r}")
    return importlib.import_module(f"companion.{MODELS[model].module or model}").SIGNATURE


@dataclass(frozen=True)
class Case:
    """One input to run on every backend: model, shapes, seed, and the features switched on."""

    model: str = "lstm"
    batch: int = 4
    time: int = 12
    input_size: int = 5
    hidden_size: int = 8
    seed: int = 0
    initial_state: bool = False
    mask: bool = False
    go_backwards: bool = False

    @property
    def name(self) -> str:
        """"plain", the features switched on joined by " + ", or "all together"."""
        features = [
            label
            for label, on in (
                ("initial state", self.initial_state),
                ("mask", self.mask),
                ("go_backwards", self.go_backwards),
            )
            if on
        ]
        if len(features) == 3:
            return "all together"
        return " + ".join(features) or "plain"

    def options(self) -> dict[str, bool]:
        """``go_backwards=True`` where the case reads backwards; nothing otherwise (stacked
        layers take no ``go_backwards``)."""
        return {"go_backwards": True} if self.go_backwards else {}

    def inputs(self, dtype: Any) -> tuple[np.ndarray, Any, Any, np.ndarray | None]:
        """Draw (x, weights, initial_state, mask) for this case from ``seed``, in ``dtype``.

        x is (batch, time, input_size) standard normal; the state, if any, is a tuple of
        arrays, one per state of the model, each shaped as its signature says ((batch,
        hidden) for one layer); the mask, if any, drops about a quarter of the steps.
        """
        resolved = float_dtype(dtype)
        model = signature(self.model)
        rng = np.random.default_rng(self.seed)
        weights = MODELS[self.model].random_weights(
            self.input_size, self.hidden_size, seed=self.seed, dtype=resolved
        )
        x = rng.standard_normal((self.batch, self.time, self.input_size)).astype(resolved)
        state_shape = model.state_shape(weights, self.batch)
        initial_state = (
            tuple(rng.standard_normal(state_shape).astype(resolved) for _ in model.state_names)
            if self.initial_state
            else None
        )
        mask = rng.random((self.batch, self.time)) > 0.25 if self.mask else None
        return x, weights, initial_state, mask

    def cotangents(self, dtype: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Draw the loss weights for a gradient check from ``seed``, in ``dtype``:
        d_outputs (batch, time, output size) and, per state of the model, its final value's
        weight (shaped like the state), keyed as the ``gradients`` argument (``d_h``,
        ``d_c``)."""
        resolved = float_dtype(dtype)
        model = signature(self.model)
        weights = MODELS[self.model].random_weights(
            self.input_size, self.hidden_size, seed=self.seed, dtype=resolved
        )
        rng = np.random.default_rng([self.seed, 1])  # independent of the inputs' draws
        d_outputs = rng.standard_normal((self.batch, self.time, model.output_size(weights)))
        d_states = {
            name: rng.standard_normal(model.state_shape(weights, self.batch))
            for name in model.seed_names
        }
        return d_outputs.astype(resolved), {
            name: value.astype(resolved) for name, value in d_states.items()
        }


def standard_cases(
    model: str = "lstm",
    batch: int = 4,
    time: int = 12,
    input_size: int = 5,
    hidden_size: int = 8,
    seed: int = 0,
) -> list[Case]:
    """The cases the command line runs: plain, each feature alone, and all together
    (stacked layers have no ``go_backwards``: their backward direction is built in)."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}; got {model!r}")
    backwards = MODELS[model].go_backwards
    shapes = dict(batch=batch, time=time, input_size=input_size, hidden_size=hidden_size)
    switches = [
        {},
        {"initial_state": True},
        {"mask": True},
        *([{"go_backwards": True}] if backwards else []),
        {"initial_state": True, "mask": True, "go_backwards": backwards},
    ]
    return [Case(model, **shapes, seed=seed, **on) for on in switches]


def run(backend: str, case: Case, dtype: Any) -> tuple[np.ndarray, ...]:
    """Run one backend (``'numpy'``, ``'keras'``, ``'torch'`` or ``'keras[b]'``) on ``case``;
    return its output named tuple (for the LSTM, ``LSTMOutput``)."""
    keras_backend = _keras_backend_of(backend)
    if keras_backend is not None:
        return keras_process(keras_backend).submit(run, "keras", case, dtype).result()
    module = _module(backend, case.model)
    x, weights, initial_state, mask = case.inputs(dtype)
    return module.forward(x, weights, initial_state, mask=mask, **case.options())


def run_gradients(backend: str, case: Case, dtype: Any) -> tuple[np.ndarray, ...]:
    """Ask one backend for the gradients on ``case``, with the loss weights of
    :meth:`Case.cotangents`; return its gradients named tuple (for the LSTM,
    ``LSTMGradients``)."""
    keras_backend = _keras_backend_of(backend)
    if keras_backend is not None:
        return keras_process(keras_backend).submit(run_gradients, "keras", case, dtype).result()
    module = _module(backend, case.model)
    if not hasattr(module, "gradients"):
        raise ValueError(f"{module.__name__} has no gradients function")
    x, weights, initial_state, mask = case.inputs(dtype)
    d_outputs, d_states = case.cotangents(dtype)
    return module.gradients(
        x,
        weights,
        d_outputs,
        initial_state,
        mask=mask,
        **case.options(),
        **d_states,
    )


def gradient_backends(model: str = "lstm", backends: Sequence[str] = BACKENDS) -> list[str]:
    """Those of ``backends`` whose module for ``model`` has a ``gradients`` function."""
    return [b for b in backends if _has_gradients(b, model)]


def _has_gradients(backend: str, model: str) -> bool:
    keras_backend = _keras_backend_of(backend)
    if keras_backend is not None:
        return keras_process(keras_backend).submit(_has_gradients, "keras", model).result()
    return hasattr(_module(backend, model), "gradients")


def _module(backend: str, model: str) -> ModuleType:
    if _keras_backend_of(backend) is not None:
        raise ValueError(f"{backend} runs in its own process; use run or run_gradients")
    return importlib.import_module(f"companion.{backend}_{MODELS[model].module or model}")


class Difference(NamedTuple):
    """The largest absolute difference between two backends on one output of one case."""

    case: str
    pair: str
    output: str
    max_abs_diff: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.max_abs_diff < self.tolerance


def compare(
    case: Case, dtype: Any = "float64", backends: Sequence[str] = BACKENDS
) -> list[Difference]:
    """Every pair of ``backends`` on every output of ``case``: a row per (pair, output)."""
    resolved = float_dtype(dtype)
    results = {backend: run(backend, case, resolved) for backend in backends}
    return _pairwise(case.name, results, TOLERANCES[str(resolved)])


def gradient_scale(*gradients: np.ndarray) -> float:
    """The scale gradient differences are measured against: ``max(1, largest |entry|)``."""
    return max(1.0, *(float(np.max(np.abs(g), initial=0.0)) for g in gradients))


def compare_gradients(
    case: Case, dtype: Any = "float64", backends: Sequence[str] | None = None
) -> list[Difference]:
    """Every pair of ``backends`` (default: those with ``gradients``) on every gradient of
    ``case``: a row per (pair, gradient), output named ``d <field>``.

    A row's tolerance is the dtype's tolerance times the gradient's scale,
    :func:`gradient_scale` of both backends' gradients.
    """
    resolved = float_dtype(dtype)
    if backends is None:
        backends = gradient_backends(case.model)
    results = {backend: run_gradients(backend, case, resolved) for backend in backends}
    return _pairwise(case.name, results, TOLERANCES[str(resolved)], gradients=True)


def _pairwise(
    case_name: str,
    results: dict[str, tuple[np.ndarray, ...]],
    tolerance: float,
    *,
    gradients: bool = False,
) -> list[Difference]:
    """A row per pair of backends and field of their named-tuple results; for gradients,
    fields are named ``d <field>`` and tolerances scaled by :func:`gradient_scale`."""
    rows = []
    for first, second in itertools.combinations(results, 2):
        for field in results[first]._fields:
            a = field_array(getattr(results[first], field))
            b = field_array(getattr(results[second], field))
            diff = float(np.max(np.abs(a - b), initial=0.0))
            scale = gradient_scale(a, b) if gradients else 1.0
            output = f"d {field}" if gradients else field
            pair = f"{first} vs {second}"
            rows.append(Difference(case_name, pair, output, diff, tolerance * scale))
    return rows


def format_table(rows: Sequence[Difference], *, magnitudes: bool = True) -> str:
    """A plain-text table of differences, one row per case, pair and output.

    With ``magnitudes=False`` the table shows only whether each difference is within
    tolerance: the exact magnitudes (around machine epsilon) change from CPU to CPU, the
    verdicts do not.
    """
    header = ("case", "pair", "output", "max |diff|", "tolerance", "agree")
    body = [
        (r.case, r.pair, r.output, f"{r.max_abs_diff:.2e}", f"{r.tolerance:.0e}", str(r.ok))
        for r in rows
    ]
    if not magnitudes:
        header = ("case", "pair", "output", "within tolerance")
        body = [(r.case, r.pair, r.output, f"< {r.tolerance:.0e}: {r.ok}") for r in rows]
    return _table(header, body)


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


class Summary(NamedTuple):
    """One model's verdict over every standard case: the worst difference from NumPy of any
    framework, forwards and (where every backend has them) backwards, and whether every
    comparison was within its tolerance. Gradient tolerances are scaled as in
    :func:`compare_gradients`, so this verdict and the crosscheck command's always agree."""

    model: str
    dtype: str
    forward: float
    gradients: float | None  # None: not every backend of the model has gradients
    tolerance: float
    ok: bool


def summary(
    model: str, dtype: Any = "float64", backends: Sequence[str] = BACKENDS, **shapes: int
) -> Summary:
    """:func:`compare` and :func:`compare_gradients` of ``backends`` on every one of
    :func:`standard_cases` of ``model`` (``shapes``: batch, time, input_size, hidden_size,
    seed), reduced to the comparisons of NumPy against each framework."""
    resolved = str(float_dtype(dtype))
    cases = standard_cases(model, **shapes)
    forward = [row for case in cases for row in compare(case, resolved, backends)]
    backward = []
    if gradient_backends(model, backends) == list(backends):
        backward = [row for case in cases for row in compare_gradients(case, resolved, backends)]

    def from_numpy(rows: Sequence[Difference]) -> list[Difference]:
        return [row for row in rows if row.pair.startswith("numpy vs")]

    def worst(rows: Sequence[Difference]) -> float:
        return max(row.max_abs_diff for row in from_numpy(rows))

    ok = all(row.ok for row in from_numpy(forward + backward))
    gradients = worst(backward) if backward else None
    return Summary(model, resolved, worst(forward), gradients, TOLERANCES[resolved], ok)


def format_summaries(rows: Sequence[Summary], *, magnitudes: bool = False) -> str:
    """A table, one row per model and dtype: whether every comparison is within tolerance,
    and with ``magnitudes=True`` the worst differences themselves (which vary from CPU to
    CPU)."""
    header = ("model", "dtype", "tolerance", "within tolerance")
    if magnitudes:
        header = ("model", "dtype", "forward", "gradients")
    body = []
    for row in rows:
        if magnitudes:
            grads = "-" if row.gradients is None else f"{row.gradients:.1e}"
            body.append((row.model, row.dtype, f"{row.forward:.1e}", grads))
        else:
            body.append((row.model, row.dtype, f"{row.tolerance:.0e}", str(row.ok)))
    return _table(header, body)


def format_against_numpy(rows: Sequence[Difference], *, magnitudes: bool = False) -> str:
    """A table with a column per implementation compared with NumPy and a line per case
    (forward results, then gradients as "<case>, gradients"): whether every output of the
    case is within its tolerance, or with ``magnitudes=True`` the largest difference."""
    columns: list[str] = []
    cells: dict[str, dict[str, list[Difference]]] = {}
    for row in rows:
        first, other = row.pair.split(" vs ")
        if first != "numpy":
            continue
        if other not in columns:
            columns.append(other)
        line = f"{row.case}, gradients" if row.output.startswith("d ") else row.case
        cells.setdefault(line, {}).setdefault(other, []).append(row)

    def cell(found: list[Difference]) -> str:
        if magnitudes:
            return f"{max(r.max_abs_diff for r in found):.1e}"
        return str(all(r.ok for r in found))

    body = [(line, *(cell(by[c]) for c in columns)) for line, by in cells.items()]
    return _table(("case", *columns), body)


def _integer(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum`` (1 or 0), else argparse's
    error (exit status 2) naming the argument and what came."""
    kind = "a positive integer" if minimum == 1 else "a non-negative integer"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {kind}; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {kind}; got {value}")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    """The ``crosscheck`` command: print the table; return 1 if any pair disagrees."""
    parser = argparse.ArgumentParser(
        prog="python -m companion crosscheck",
        description="Run a model's NumPy, Keras and PyTorch backends on the same inputs and "
        "compare.",
    )
    parser.add_argument("--model", choices=sorted(MODELS), default="lstm")
    parser.add_argument("--dtype", choices=sorted(TOLERANCES), default="float64")
    parser.add_argument("--batch", type=_integer(1), default=4)
    parser.add_argument("--time", type=_integer(1), default=12)
    parser.add_argument("--input-size", type=_integer(1), default=5)
    parser.add_argument("--hidden-size", type=_integer(1), default=8)
    parser.add_argument("--seed", type=_integer(0), default=0)
    parser.add_argument(
        "--gradients",
        action="store_true",
        help="also compare the gradients of the backends that have them",
    )
    parser.add_argument(
        "--keras-backend",
        choices=[*KERAS_BACKENDS, "all"],
        help="run Keras on this backend, in a process of its own; 'all': on each of them "
        "(default: Keras as imported here, on KERAS_BACKEND)",
    )
    train_crosscheck.add_arguments(parser, _integer(1))
    args = parser.parse_args(argv)
    if args.train:
        return train_crosscheck.run(args, parser)
    backends = BACKENDS
    if args.keras_backend == "all":
        backends = EVERY_BACKEND
    elif args.keras_backend is not None:
        backends = ("numpy", f"keras[{args.keras_backend}]", "torch")
    cases = standard_cases(
        args.model, args.batch, args.time, args.input_size, args.hidden_size, args.seed
    )
    rows = [row for case in cases for row in compare(case, args.dtype, backends)]
    if args.gradients:
        with_gradients = gradient_backends(args.model, backends)
        if len(with_gradients) < 2:
            parser.error(f"fewer than two backends of {args.model!r} have gradients")
        rows += [
            row for case in cases for row in compare_gradients(case, args.dtype, with_gradients)
        ]
    print(format_table(rows))
    failed = [row for row in rows if not row.ok]
    worst = max(rows, key=lambda row: row.max_abs_diff / row.tolerance)
    relative = " (gradients: times their scale)" if args.gradients else ""
    print(
        f"\n{args.model}, {args.dtype}: {len(rows) - len(failed)} of {len(rows)} comparisons "
        f"within {TOLERANCES[args.dtype]:.0e}{relative}; worst {worst.max_abs_diff:.2e} "
        f"({worst.pair}, {worst.output}, {worst.case})"
    )
    return 1 if failed else 0

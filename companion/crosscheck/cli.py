"""The crosscheck command::

    python -m companion crosscheck [--model M] [--dtype float32|float64] [--batch B
        --time T --input-size D --hidden-size H --seed S] [--gradients]
        [--keras-backend tensorflow|jax|torch|all]
    python -m companion crosscheck --train [--steps N --optimizer adam|sgd --dtype ...
        --batch B --time T --input-size D --hidden-size H --seed S]

prints the table and exits with status 1 if any pair differs beyond tolerance; with
``--gradients`` the table has a row per gradient too. Sizes must be positive, the seed
non-negative, the case small enough to hold (:data:`MAX_NUMBERS`) and ``KERAS_BACKEND`` one
of Keras's backends the companion runs on, else argparse's message and status 2.
``--train`` trains one model three ways instead and compares the weights
(:mod:`companion.train_crosscheck`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from companion import train_crosscheck
from companion._checks import integer_kind
from companion.crosscheck.cases import standard_cases
from companion.crosscheck.comparison import compare, compare_gradients, gradient_backends
from companion.crosscheck.tables import format_table
from companion.registry import BACKENDS, EVERY_BACKEND, KERAS_BACKENDS, MODELS, TOLERANCES

MAX_NUMBERS = 2**25
"""The most numbers a case may hold in its input, outputs and weights (about 268 MB in
float64): every backend keeps several arrays that large, forwards and in the gradients."""


def _integer(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum`` (1 or 0), else argparse's error
    (exit status 2) naming the option, the integer expected and what came."""
    kind = integer_kind(minimum)

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {kind}; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {kind}; got {value}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m companion crosscheck",
        description="Run a model's NumPy, Keras and PyTorch backends on the same inputs and "
        "compare them element by element, on several cases (with and without initial states, "
        "masks, reversed time). Exit status 1 if any pair differs beyond the tolerance.",
    )
    parser.add_argument(
        "--model", choices=sorted(MODELS), default="lstm", help="the model (default: lstm)"
    )
    parser.add_argument(
        "--dtype",
        choices=sorted(TOLERANCES),
        default="float64",
        help="the dtype of weights and inputs, which sets the tolerance: "
        + ", ".join(f"{dtype} {tolerance:.0e}" for dtype, tolerance in TOLERANCES.items())
        + " (default: float64)",
    )
    for option, default, what in (
        ("--batch", 4, "sequences per batch"),
        ("--time", 12, "time steps per sequence"),
        ("--input-size", 5, "features per time step"),
        ("--hidden-size", 8, "units of the layer (per direction)"),
    ):
        parser.add_argument(
            option, type=_integer(1), default=default, help=f"{what} (default: {default})"
        )
    parser.add_argument(
        "--seed",
        type=_integer(0),
        default=0,
        help="seed of the weights and inputs, a non-negative integer (default: 0)",
    )
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
    return parser


def _check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse, with a usage error, what the backends could not run: a case too large to hold,
    or Keras in this process on a backend the companion does not run on."""
    hidden = 2 * args.hidden_size  # a bidirectional layer's outputs
    numbers = args.batch * args.time * (args.input_size + hidden) + 4 * hidden * (
        args.input_size + hidden
    )
    if numbers > MAX_NUMBERS:
        parser.error(
            f"the case is too large: --batch {args.batch}, --time {args.time}, --input-size "
            f"{args.input_size} and --hidden-size {args.hidden_size} make {numbers} numbers in "
            f"the inputs, outputs and weights; at most {MAX_NUMBERS}"
        )
    requested = os.environ.get("KERAS_BACKEND", "tensorflow")
    if args.keras_backend is None and requested not in KERAS_BACKENDS:
        parser.error(
            f"KERAS_BACKEND is {requested!r}; the companion runs Keras on "
            f"{', '.join(KERAS_BACKENDS)}: set KERAS_BACKEND to one of them or pass "
            "--keras-backend"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """The ``crosscheck`` command: print the table; return 1 if any pair disagrees."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.train:
        return train_crosscheck.run(args, parser)
    _check_arguments(parser, args)
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

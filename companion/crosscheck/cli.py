"""The crosscheck command::

    python -m companion crosscheck [--model M] [--dtype float32|float64] [--batch B
        --time T --input-size D --hidden-size H --seed S] [--gradients]
        [--keras-backend tensorflow|jax|torch|all]
    python -m companion crosscheck --train [--steps N --optimizer adam|sgd --dtype ...
        --batch B --time T --input-size D --hidden-size H --seed S]

prints the table and exits with status 1 if any pair differs beyond tolerance; with
``--gradients`` the table has a row per gradient too. Sizes must be positive and the seed
non-negative (else argparse's message and status 2). ``--train`` trains one model three
ways instead and compares the weights (:mod:`companion.train_crosscheck`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from companion import train_crosscheck
from companion.crosscheck.cases import standard_cases
from companion.crosscheck.comparison import compare, compare_gradients, gradient_backends
from companion.crosscheck.tables import format_table
from companion.registry import BACKENDS, EVERY_BACKEND, KERAS_BACKENDS, MODELS, TOLERANCES


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

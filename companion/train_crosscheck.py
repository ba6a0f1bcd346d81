"""``python -m companion crosscheck --train``: one training run, three ways, compared.

NumPy, Keras and PyTorch train the tagger of :mod:`companion.tagger` (an embedding, an LSTM,
a dense read-out) from the same initial weights on the same batches with the book's recipe:
SGD with momentum or Adam in PyTorch's convention, the global gradient norm clipped to
:data:`CLIP_NORM`, the cross-entropy averaged over batch and time. :func:`compare_training`
reports, for each pair of frameworks, the largest absolute difference of any weight after the
first step, the tenth and the last, and the largest over all steps, against
:data:`TOLERANCES`.

Float64: 1e-12, the book's tolerance. Float32: 1e-4. Training amplifies float32 rounding
(Adam most, in gradient entries near zero, where m / sqrt(v) is a ratio of two tiny numbers):
over 100 steps of Adam (1e-2) and of SGD (0.5, momentum 0.9), on three sizes from 2 to 32
units, the largest difference measured was 2.2e-5 on this machine's CPU and 2.0e-5 with
other kernels (``ATEN_CPU_CAPABILITY=default``, ``MKL_CBWR=COMPATIBLE``,
``ONEDNN_MAX_CPU_ISA=AVX``, ``OPENBLAS_CORETYPE=Sandybridge``); 1e-4 leaves a factor of 4.5.
The difference grows with the steps, slowly: at the default sizes, Adam's largest float32
difference is 8.2e-6 after 100 steps and 5.3e-5 after 1000 (float64: 1.5e-15 and 1.8e-14),
so runs much longer than a few hundred steps may need more in float32.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NamedTuple

from companion import registry
from companion.optimizers import SGD, Adam, Clipping
from companion.tagger import TaggerWeights, delayed_copy, pairwise, train_each

TOLERANCES = {"float64": registry.TOLERANCES["float64"], "float32": 1e-4}
"""The largest weight difference allowed after training, by dtype (see the module)."""

OPTIMIZERS = {"sgd": SGD(0.5, momentum=0.9), "adam": Adam(0.01)}
"""The optimizers ``--optimizer`` chooses from."""

CLIP_NORM = 0.25
"""The global norm the gradients are clipped to; at the default sizes the norms of the
gradients at the initial weights range from 0.14 to 0.42, so clipping acts."""

VOCABULARY = 12
"""The tagger's number of tokens and of classes."""


class TrainingDifference(NamedTuple):
    """How far apart two frameworks' trained weights are: after step 1, step 10 (or the last,
    if fewer) and the last step, and the largest over all steps."""

    pair: str
    after_first: float
    after_tenth: float
    after_last: float
    largest: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.largest <= self.tolerance


def compare_training(
    *,
    dtype: str = "float64",
    optimizer: str = "adam",
    steps: int = 100,
    batch: int = 4,
    time: int = 12,
    input_size: int = 5,
    hidden_size: int = 8,
    seed: int = 0,
) -> list[TrainingDifference]:
    """Train three ways (:func:`companion.tagger.train_each`) and compare each pair.

    input_size is the embedding's width; the weights are drawn from ``seed`` as Keras would
    (:meth:`TaggerWeights.random`), the batches from ``seed`` too.
    """
    if dtype not in TOLERANCES:
        raise ValueError(f"dtype must be one of {tuple(TOLERANCES)}; got {dtype!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)}; got {optimizer!r}")
    weights = TaggerWeights.random(
        VOCABULARY, input_size, hidden_size, VOCABULARY, seed=seed, dtype=dtype
    )
    data = delayed_copy(VOCABULARY, steps, batch, time, seed=seed)
    runs = train_each(weights, *data, OPTIMIZERS[optimizer], clipping=Clipping(CLIP_NORM))
    return [
        TrainingDifference(
            pair,
            float(per_step[1]),
            float(per_step[min(10, steps)]),
            float(per_step[-1]),
            float(per_step.max()),
            TOLERANCES[dtype],
        )
        for pair, per_step in pairwise(runs).items()
    ]


def format_training(rows: list[TrainingDifference], steps: int) -> str:
    """The rows as a text table, one line per pair of frameworks."""
    tenth = min(10, steps)
    header = (
        f"{'pair':<15} {'step 1':>9} {f'step {tenth}':>9} {f'step {steps}':>9} "
        f"{'largest':>9} {'tolerance':>9}  ok"
    )
    lines = [header]
    for row in rows:
        lines.append(
            f"{row.pair:<15} {row.after_first:>9.2e} {row.after_tenth:>9.2e} "
            f"{row.after_last:>9.2e} {row.largest:>9.2e} {row.tolerance:>9.0e}  {row.ok}"
        )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser, positive: Callable[[str], int]) -> None:
    """The options of ``crosscheck --train``, added to the crosscheck command's parser;
    ``positive`` parses a positive integer."""
    group = parser.add_argument_group("training (--train)")
    group.add_argument(
        "--train",
        action="store_true",
        help="train an embedding, an LSTM and a dense read-out three ways and compare the "
        "weights (sizes: --batch, --time, --input-size, --hidden-size, --seed)",
    )
    group.add_argument("--steps", type=positive, default=100, help="training steps (100)")
    group.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``crosscheck --train``: print the table and a verdict; 1 if a pair is beyond the
    tolerance, else 0."""
    if args.model != "lstm" or args.gradients or args.keras_backend is not None:
        parser.error("--train trains the LSTM tagger with Keras on KERAS_BACKEND; it takes no "
                     "--model, --gradients or --keras-backend")
    rows = compare_training(
        dtype=args.dtype,
        optimizer=args.optimizer,
        steps=args.steps,
        batch=args.batch,
        time=args.time,
        input_size=args.input_size,
        hidden_size=args.hidden_size,
        seed=args.seed,
    )
    print(format_training(rows, args.steps))
    agreeing = sum(row.ok for row in rows)
    largest = max(row.largest for row in rows)
    print(
        f"\ntraining, {args.optimizer}, {args.dtype}, {args.steps} steps: {agreeing} of "
        f"{len(rows)} pairs within {TOLERANCES[args.dtype]:.0e} at every step; largest "
        f"{largest:.2e}"
    )
    return 0 if agreeing == len(rows) else 1

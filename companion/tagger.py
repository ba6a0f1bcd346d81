"""What the tagger takes and returns: the small model that the book trains three ways.

The tagger reads a sequence of token ids and predicts a class at every step, with the
pieces the chapters use: an embedding, an LSTM and a dense read-out::

    x      = embedding[tokens]                         (batch, time, input_size)
    h      = LSTM(x)                                    (batch, time, hidden)
    logits = h @ dense_kernel + dense_bias              (batch, time, classes)
    loss   = cross-entropy(softmax(logits), targets)    mean over batch and time (or sum)

:mod:`companion.numpy_tagger`, :mod:`companion.keras_tagger` and
:mod:`companion.torch_tagger` each have ``train(weights, tokens, targets, optimizer,
clipping=..., reduction=...)``, NumPy arrays in and a :class:`Trajectory` (the weights after
every step) out, so that the three runs can be compared step by step
(:func:`largest_difference`).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np

from companion._checks import float_dtype, real_array
from companion.optimizers import Clipping, Optimizer, check_optimizer
from companion.weights import LSTMWeights, glorot_uniform

BACKENDS = ("numpy", "keras", "torch")
"""The frameworks that train the tagger: ``companion.{name}_tagger``."""

Reduction = Literal["mean", "sum"]
REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True, eq=False)
class TaggerWeights:
    """The tagger's parameters, Keras layout.

    embedding:    (vocabulary, input_size)
    lstm:         LSTMWeights (input_size -> hidden)
    dense_kernel: (hidden, classes)
    dense_bias:   (classes,)

    All of one dtype, float32 or float64; the arrays are copied and made read-only.
    """

    embedding: np.ndarray
    lstm: LSTMWeights
    dense_kernel: np.ndarray
    dense_bias: np.ndarray

    def __post_init__(self) -> None:
        if not isinstance(self.lstm, LSTMWeights):
            raise TypeError(f"lstm must be LSTMWeights; got {type(self.lstm).__name__}")
        dtype = self.lstm.dtype
        for name in ("embedding", "dense_kernel", "dense_bias"):
            array = np.array(real_array(name, getattr(self, name)), copy=True)
            if array.dtype != dtype:
                raise TypeError(f"{name} is {array.dtype} but the LSTM weights are {dtype}")
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        expected = {
            "embedding": (None, self.lstm.input_size),
            "dense_kernel": (self.lstm.hidden_size, None),
            "dense_bias": (self.dense_kernel.shape[-1],),
        }
        for name, shape in expected.items():
            array = getattr(self, name)
            if array.ndim != len(shape) or any(
                want is not None and want != got
                for want, got in zip(shape, array.shape, strict=True)
            ):
                wanted = ", ".join("any" if s is None else str(s) for s in shape)
                raise ValueError(f"{name} must have shape ({wanted}); got {array.shape}")

    @property
    def vocabulary(self) -> int:
        return self.embedding.shape[0]

    @property
    def classes(self) -> int:
        return self.dense_bias.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.lstm.dtype

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(embedding, kernel, recurrent_kernel, bias, dense_kernel, dense_bias): the order
        every backend's parameters and gradients take."""
        return (self.embedding, *self.lstm.arrays(), self.dense_kernel, self.dense_bias)

    @classmethod
    def from_arrays(cls, arrays: Sequence[Any]) -> TaggerWeights:
        """The weights holding ``arrays``, in the order of :meth:`arrays`."""
        embedding, kernel, recurrent, bias, dense_kernel, dense_bias = arrays
        return cls(embedding, LSTMWeights(kernel, recurrent, bias), dense_kernel, dense_bias)

    def astype(self, dtype: Any) -> TaggerWeights:
        """The same weights rounded to ``dtype`` ('float32' or 'float64')."""
        resolved = float_dtype(dtype)
        return self.from_arrays([a.astype(resolved) for a in self.arrays()])

    @classmethod
    def random(
        cls,
        vocabulary: int,
        input_size: int,
        hidden_size: int,
        classes: int,
        *,
        seed: int = 0,
        dtype: Any = "float64",
        init: Literal["keras", "pytorch"] = "keras",
    ) -> TaggerWeights:
        """Weights drawn from a NumPy generator as Keras or PyTorch initialise the layers.

        keras: embedding U(-0.05, 0.05), :meth:`LSTMWeights.random` (Glorot, orthogonal,
        forget bias 1), Glorot-uniform dense kernel, zero dense bias.
        pytorch: embedding N(0, 1); every LSTM weight and both of its biases
        U(-1/sqrt(hidden), 1/sqrt(hidden)) (the two biases summed into one); dense kernel and
        bias U(-1/sqrt(hidden), 1/sqrt(hidden)).
        """
        resolved = float_dtype(dtype)
        for name, size in (
            ("vocabulary", vocabulary),
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("classes", classes),
        ):
            if not isinstance(size, int | np.integer) or size < 1:
                raise ValueError(f"{name} must be a positive integer; got {size!r}")
        rng = np.random.default_rng(seed)
        if init == "keras":
            embedding = rng.uniform(-0.05, 0.05, (vocabulary, input_size))
            lstm = LSTMWeights.random(input_size, hidden_size, seed=seed, dtype=resolved)
            dense_kernel = glorot_uniform(rng, hidden_size, classes, np.dtype("float64"))
            dense_bias = np.zeros(classes)
        elif init == "pytorch":
            embedding = rng.standard_normal((vocabulary, input_size))
            bound = 1 / np.sqrt(hidden_size)
            kernel, recurrent, bias, other_bias = (
                rng.uniform(-bound, bound, shape)
                for shape in (
                    (input_size, 4 * hidden_size),
                    (hidden_size, 4 * hidden_size),
                    (4 * hidden_size,),
                    (4 * hidden_size,),
                )
            )
            lstm = LSTMWeights(kernel, recurrent, bias + other_bias).astype(resolved)
            dense_kernel = rng.uniform(-bound, bound, (hidden_size, classes))
            dense_bias = rng.uniform(-bound, bound, classes)
        else:
            raise ValueError(f"init must be 'keras' or 'pytorch'; got {init!r}")
        return cls(
            embedding.astype(resolved),
            lstm,
            dense_kernel.astype(resolved),
            dense_bias.astype(resolved),
        )


class Trajectory(NamedTuple):
    """A training run: ``weights[k]`` after k steps (``weights[0]`` the initial weights) and
    ``losses[k]`` the loss of step k + 1, before its update."""

    weights: list[TaggerWeights]
    losses: np.ndarray


class TrainingInputs(NamedTuple):
    """Validated arguments of ``train``: tokens and targets (steps, batch, time) int64."""

    tokens: np.ndarray
    targets: np.ndarray


def prepare(
    weights: TaggerWeights,
    tokens: Any,
    targets: Any,
    optimizer: Optimizer,
    clipping: Clipping | None,
    reduction: str,
) -> TrainingInputs:
    """Validate a ``train`` call, as every backend does before computing.

    tokens: (steps, batch, time) ids in [0, vocabulary); targets: the same shape, classes
    in [0, classes). Raises ``TypeError`` or ``ValueError`` naming what was expected.
    """
    if not isinstance(weights, TaggerWeights):
        raise TypeError(f"weights must be TaggerWeights; got {type(weights).__name__}")
    check_optimizer(optimizer)
    if clipping is not None and not isinstance(clipping, Clipping):
        raise TypeError(f"clipping must be None or Clipping; got {type(clipping).__name__}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
    arrays = []
    for name, value, limit in (
        ("tokens", tokens, weights.vocabulary),
        ("targets", targets, weights.classes),
    ):
        array = np.asarray(value)
        if array.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integers; got dtype {array.dtype}")
        if array.ndim != 3 or 0 in array.shape:
            raise ValueError(
                f"{name} must have shape (steps, batch, time), none of them 0; got {array.shape}"
            )
        if array.min() < 0 or array.max() >= limit:
            raise ValueError(
                f"{name} must be in [0, {limit}); got values from {array.min()} to {array.max()}"
            )
        arrays.append(array.astype(np.int64))
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(
            f"tokens and targets must have one shape; got {arrays[0].shape} and {arrays[1].shape}"
        )
    return TrainingInputs(*arrays)


def delayed_copy(
    vocabulary: int, steps: int, batch: int, time: int, *, delay: int = 2, seed: int = 0
) -> TrainingInputs:
    """A task for the tagger: random tokens, and as target at step t the token at t - delay
    (class 0 before there is one). Returns TrainingInputs (steps, batch, time) each."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, vocabulary, (steps, batch, time))
    targets = np.zeros_like(tokens)
    targets[..., delay:] = tokens[..., : time - delay]
    return TrainingInputs(tokens, targets)


def largest_difference(a: Trajectory, b: Trajectory) -> np.ndarray:
    """The largest absolute difference over every weight entry, after each step: (steps + 1,)."""
    if len(a.weights) != len(b.weights):
        raise ValueError(f"the runs have {len(a.weights)} and {len(b.weights)} steps")
    return np.array(
        [
            max(float(np.max(np.abs(x - y))) for x, y in zip(u.arrays(), v.arrays(), strict=True))
            for u, v in zip(a.weights, b.weights, strict=True)
        ]
    )


def train_each(
    weights: TaggerWeights,
    tokens: Any,
    targets: Any,
    optimizer: Optimizer,
    *,
    clipping: Clipping | None = None,
    reduction: str = "mean",
    backends: Sequence[str] = BACKENDS,
) -> dict[str, Trajectory]:
    """The same run by every backend in ``backends``: ``companion.{name}_tagger.train``, each
    imported on first use. Returns the trajectories by backend name."""
    prepare(weights, tokens, targets, optimizer, clipping, reduction)
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        raise ValueError(f"backends must be among {BACKENDS}; got {sorted(unknown)}")
    return {
        name: importlib.import_module(f"companion.{name}_tagger").train(
            weights, tokens, targets, optimizer, clipping=clipping, reduction=reduction
        )
        for name in backends
    }


def pairwise(runs: dict[str, Trajectory]) -> dict[str, np.ndarray]:
    """:func:`largest_difference` after every step for each pair of runs, by "a vs b"."""
    names = list(runs)
    return {
        f"{a} vs {b}": largest_difference(runs[a], runs[b])
        for k, a in enumerate(names)
        for b in names[k + 1 :]
    }

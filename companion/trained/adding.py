"""The adding problem, learned by ``nn.LSTM`` and by a tanh ``nn.RNN`` of about the same size:
the long-term dependency chapter's experiment that separates the two.

:class:`AddingRegressor` reads a sequence of (value, marker) pairs with one recurrent layer
and predicts the target from its last hidden state through one linear unit. Both layers start
as Keras would start them (:meth:`~companion.weights.LSTMWeights.random`,
:meth:`~companion.weights.RNNWeights.random`: Glorot-uniform kernel, orthogonal recurrent
kernel, zero bias, and forget-gate bias 1 for the LSTM), with one trainable bias as in Keras.
:func:`train_adding` trains one seed with the package's training loop,
:func:`companion.trained.training.fit`: Adam, gradients clipped to a global norm, a
validation set scored every ``check_every`` steps, and early stopping once the validation
error is below ``stop_below``; the test set is scored once, at the end.
"""

from __future__ import annotations

import time as clock
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import torch

from companion._checks import integer
from companion.data.synthetic import adding_problem
from companion.trained.torch_articles import parameter_count, single_bias
from companion.trained.training import fit, one_thread
from companion.weights import LSTMWeights, RNNWeights, glorot_uniform

LAYERS = {"lstm": (torch.nn.LSTM, LSTMWeights), "rnn": (torch.nn.RNN, RNNWeights)}
"""The recurrent layers :class:`AddingRegressor` offers: the module and the weights that
start it."""

HIDDEN = {"lstm": 32, "rnn": 64}
"""Hidden units that give the two models nearly the same number of parameters (4,513 and
4,353 with two inputs)."""

SOLVED_FRACTION = 0.1
"""A run solves the task when its test error is below this fraction of the baseline's."""


def _check_kind(kind: str) -> None:
    if kind not in LAYERS:
        raise ValueError(f"kind must be one of {sorted(LAYERS)}; got {kind!r}")


class AddingRegressor(torch.nn.Module):
    """One recurrent layer (``kind`` "lstm" or "rnn", ``hidden`` units) and a linear read-out
    of its last hidden state.

    Starts from Keras's initialisation drawn with ``seed``: the layer from
    ``LSTMWeights.random`` or ``RNNWeights.random``, ``bias_hh`` zero and frozen (one bias,
    as in Keras), the read-out Glorot-uniform with a zero bias.
    Input: x (batch, time, 2); output: predictions (batch,).
    """

    def __init__(self, kind: str, hidden: int, *, seed: int = 0) -> None:
        super().__init__()
        _check_kind(kind)
        module, weights = LAYERS[kind]
        self.kind = kind
        self.recurrent = module(2, hidden, batch_first=True)
        weights.random(2, hidden, seed=seed, dtype="float32").to_torch(self.recurrent)
        single_bias(self.recurrent)
        self.readout = torch.nn.Linear(hidden, 1)
        kernel = glorot_uniform(np.random.default_rng((seed, 1)), hidden, 1, np.dtype("float32"))
        with torch.no_grad():
            self.readout.weight.copy_(torch.from_numpy(kernel.T.copy()))
            self.readout.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, time, 2) -> predictions (batch,)."""
        if x.ndim != 3 or x.shape[2] != 2:
            raise ValueError(f"x must have shape (batch, time, 2); got {tuple(x.shape)}")
        return self.readout(self.recurrent(x)[0][:, -1])[:, 0]

    def weights(self) -> LSTMWeights | RNNWeights:
        """The recurrent layer's trained weights in the package's (Keras) layout."""
        return LAYERS[self.kind][1].from_torch(self.recurrent)


class AddingRun(NamedTuple):
    """One trained model on the adding problem.

    kind, time, seed, hidden: what was trained; parameters: its trainable parameters;
    steps: the optimiser steps taken (fewer than the maximum when it stopped early);
    checked_at (checks,) and validation_mse (checks,): the validation error after those
    steps (step 0: the untrained model); test_mse: the error on the held-out test set at the
    end; baseline_mse: the test error of always answering the training targets' mean;
    seconds: the wall-clock time training took; model: the trained model.
    """

    kind: str
    time: int
    seed: int
    hidden: int
    parameters: int
    steps: int
    checked_at: list[int]
    validation_mse: list[float]
    test_mse: float
    baseline_mse: float
    seconds: float
    model: AddingRegressor

    @property
    def solved(self) -> bool:
        """Whether the test error is below :data:`SOLVED_FRACTION` of the baseline's."""
        return self.test_mse < SOLVED_FRACTION * self.baseline_mse

    def last_step_above(self, level: float) -> int:
        """The last check at which the validation error was at least ``level`` (0 when only
        the untrained model's was): how long a run stayed on a plateau above ``level``."""
        checks = zip(self.checked_at, self.validation_mse, strict=True)
        return max((step for step, error in checks if error >= level), default=0)


def adding_split(
    sizes: tuple[int, int, int], time: int, *, seed: int = 0
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Training, validation and test sets of the adding problem at ``time`` steps, as float32
    tensors (x (n, time, 2), y (n,)), one draw from ``seed`` cut into ``sizes``: independent
    samples, so no sequence of one set is in another."""
    if not isinstance(sizes, tuple | list) or len(sizes) != 3:
        raise ValueError(f"sizes must be (training, validation, test) sizes; got {sizes!r}")
    for index, size in enumerate(sizes):
        integer(f"sizes[{index}]", size)
    x, y = adding_problem(sum(sizes), time, seed=seed)
    cuts = np.cumsum(sizes)[:-1]
    return [
        (torch.from_numpy(part_x.astype(np.float32)), torch.from_numpy(part_y.astype(np.float32)))
        for part_x, part_y in zip(np.split(x, cuts), np.split(y, cuts), strict=True)
    ]


def train_adding(
    kind: str,
    time: int,
    *,
    seed: int = 0,
    hidden: int | None = None,
    max_steps: int = 3000,
    check_every: int = 50,
    stop_below: float = 0.005,
    batch_size: int = 64,
    learning_rate: float = 1e-2,
    clip_norm: float = 1.0,
    sizes: tuple[int, int, int] = (10_000, 1000, 2000),
) -> AddingRun:
    """Train one :class:`AddingRegressor` on the adding problem at ``time`` steps.

    ``sizes``: the training, validation and test sets (:func:`adding_split` with ``seed``,
    so a seed gives both kinds the same data). Adam at ``learning_rate`` on batches of
    ``batch_size`` drawn at random from the training set, the mean squared error, gradients
    clipped to a global norm of ``clip_norm``; after every ``check_every`` steps the
    validation error is measured, and training stops when it is below ``stop_below`` or
    after ``max_steps``. ``hidden``: None for :data:`HIDDEN`. Runs on one thread; the same
    arguments give the same run on one machine.
    """
    _check_kind(kind)
    integer("max_steps", max_steps)
    integer("check_every", check_every)
    integer("batch_size", batch_size)
    integer("seed", seed, 0)
    hidden = HIDDEN[kind] if hidden is None else integer("hidden", hidden)
    (x, y), (x_valid, y_valid), (x_test, y_test) = adding_split(sizes, time, seed=seed)
    generator = torch.Generator().manual_seed(seed)

    def batches() -> Iterator[torch.Tensor]:
        for _ in range(check_every):
            yield torch.randint(0, len(x), (batch_size,), generator=generator)

    def loss(rows: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.mse_loss(model(x[rows]), y[rows])

    def error(inputs: torch.Tensor, targets: torch.Tensor) -> float:
        model.eval()
        with torch.no_grad():
            return torch.nn.functional.mse_loss(model(inputs), targets).item()

    started = clock.perf_counter()
    with one_thread():
        model = AddingRegressor(kind, hidden, seed=seed)
        optimizer = torch.optim.Adam(
            [p for p in model.parameters() if p.requires_grad], lr=learning_rate
        )
        checked_at, validation = [0], [error(x_valid, y_valid)]
        while checked_at[-1] < max_steps and validation[-1] >= stop_below:
            history = fit(
                model, batches, loss, optimizer, epochs=1, clip_norm=clip_norm,
                validation=lambda: error(x_valid, y_valid),
            )  # fmt: skip
            checked_at.append(checked_at[-1] + check_every)
            validation.append(history.validation_loss[-1])
        test_mse = error(x_test, y_test)
    baseline = float(torch.mean((y_test - y.mean()) ** 2))
    return AddingRun(
        kind, int(time), seed, hidden, parameter_count(model), checked_at[-1], checked_at,
        validation, test_mse, baseline, clock.perf_counter() - started, model,
    )  # fmt: skip

"""What the backends are run on: a :class:`Case` fixes the model, the shapes, the seed and
which features are switched on (initial state, mask, ``go_backwards``), and draws the inputs
and the loss weights of a gradient check from its seed; :func:`standard_cases` are the cases
the crosscheck command runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from companion._checks import float_dtype
from companion.registry import MODELS, signature


@dataclass(frozen=True)
class Case:
    """One input to run on every backend: model (a name of
    :data:`~companion.registry.MODELS`), shapes, seed, and the features switched on."""

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

    def weights(self, dtype: Any) -> Any:
        """The model's weights for this case, drawn from ``seed`` in ``dtype``."""
        return MODELS[self.model].random_weights(
            self.input_size, self.hidden_size, seed=self.seed, dtype=float_dtype(dtype)
        )

    def inputs(self, dtype: Any) -> tuple[np.ndarray, Any, Any, np.ndarray | None]:
        """Draw (x, weights, initial_state, mask) for this case from ``seed``, in ``dtype``.

        x is (batch, time, input_size) standard normal; the state, if any, is a tuple of
        arrays, one per state of the model, each shaped as its signature says ((batch,
        hidden) for one layer); the mask, if any, drops about a quarter of the steps.
        """
        resolved = float_dtype(dtype)
        model = signature(self.model)
        rng = np.random.default_rng(self.seed)
        weights = self.weights(resolved)
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
        weights = self.weights(resolved)
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
    """The cases the command line runs: plain, each feature alone, and all together."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}; got {model!r}")
    shapes = dict(batch=batch, time=time, input_size=input_size, hidden_size=hidden_size)
    switches = [
        {},
        {"initial_state": True},
        {"mask": True},
        {"go_backwards": True},
        {"initial_state": True, "mask": True, "go_backwards": True},
    ]
    return [Case(model, **shapes, seed=seed, **on) for on in switches]

"""Small, seeded PyTorch experiments for the variants and FAQ chapters.

Every experiment trains tiny models for a few hundred steps on a synthetic task, so each
runs in seconds on a CPU, and returns plain numbers that the notebooks round coarsely.

The task, :func:`memory_task`: a sequence of ``time`` steps of Gaussian noise (one feature);
the label is whether the *first* value was positive. A model must carry one bit across the
whole sequence while ignoring everything after it, which is what gates are for.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

# The chapters count a model's parameters with the same function as the practice chapters.
from companion.torch_models import parameter_count as parameter_count
from companion.variants import LSTMVariant, VariantWeights


def memory_task(samples: int, time: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x: (samples, time, 1) standard normal; y: (samples,) 1.0 where x[:, 0, 0] > 0."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, time, 1)).astype(np.float32)
    return x, (x[:, 0, 0] > 0).astype(np.float32)


class Classifier(torch.nn.Module):
    """A sequence encoder followed by a linear read-out of its last output (one logit).

    kind: "lstm", "gru", "rnn" (tanh), "cnn" (two 1-D convolutions, kernel 3, ReLU, global
    max pooling over time) or "variant" (an LSTM variant, see ``variant``).
    forget_bias: the LSTM's initial forget-gate bias (PyTorch starts from U(-k, k)).
    """

    def __init__(
        self,
        kind: str,
        hidden: int,
        *,
        input_size: int = 1,
        forget_bias: float | None = None,
        variant: LSTMVariant | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.kind = kind
        if kind in ("lstm", "gru", "rnn"):
            module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
            self.encoder = module(input_size, hidden, batch_first=True)
            if forget_bias is not None:
                with torch.no_grad():
                    self.encoder.bias_ih_l0[hidden : 2 * hidden] = forget_bias
                    self.encoder.bias_hh_l0[hidden : 2 * hidden] = 0.0
        elif kind == "cnn":
            self.encoder = torch.nn.Sequential(
                torch.nn.Conv1d(input_size, hidden, 3, padding=1),
                torch.nn.ReLU(),
                torch.nn.Conv1d(hidden, hidden, 3, padding=1),
                torch.nn.ReLU(),
            )
        elif kind == "variant":
            from companion.torch_variants import VariantLSTM

            weights = VariantWeights.random(
                input_size, hidden, seed=seed, dtype="float32", variant=variant
            )
            self.encoder = VariantLSTM(weights)
        else:
            raise ValueError(f"kind must be lstm, gru, rnn, cnn or variant; got {kind!r}")
        self.readout = torch.nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, mask: np.ndarray | None = None) -> torch.Tensor:
        """x: (batch, time, input_size) -> logits (batch,); mask: (batch, time) bool, steps
        where it is False keep the state (Keras's masking), recurrent kinds only."""
        if self.kind == "cnn":
            features = self.encoder(x.transpose(1, 2)).amax(dim=2)
        elif self.kind == "variant":
            zeros = torch.zeros(x.shape[0], self.readout.in_features)
            states = (zeros,) * len(self.encoder.variant.state_names)
            features = self.encoder(x, states, mask)[1][0]
        elif mask is not None:
            from companion._torch_tools import run_module

            zeros = torch.zeros(x.shape[0], self.readout.in_features)
            states = (zeros, zeros) if self.kind == "lstm" else (zeros,)
            features = run_module(self.encoder, x, states, mask)[1][0]
        else:
            features = self.encoder(x)[0][:, -1]
        return self.readout(features)[:, 0]


class Result(NamedTuple):
    """Test accuracy and final training loss of one trained model."""

    accuracy: float
    loss: float


def train(
    model: Classifier,
    x: np.ndarray,
    y: np.ndarray,
    *,
    steps: int = 300,
    batch: int = 64,
    lr: float = 0.01,
    seed: int = 0,
    test_fraction: float = 0.25,
    mask: np.ndarray | None = None,
) -> Result:
    """Adam on binary cross-entropy over minibatches of the first 75% of (x, y); accuracy on
    the rest. Deterministic given ``seed`` and the model's own seed."""
    split = int(len(x) * (1 - test_fraction))
    x_all, y_all = torch.from_numpy(x), torch.from_numpy(y)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    loss = torch.tensor(0.0)
    for _ in range(steps):
        rows = torch.randint(0, split, (batch,), generator=generator)
        batch_mask = None if mask is None else mask[rows.numpy()]
        loss = loss_fn(model(x_all[rows], batch_mask), y_all[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        test_mask = None if mask is None else mask[split:]
        predictions = model(x_all[split:], test_mask) > 0
        accuracy = (predictions == (y_all[split:] > 0.5)).float().mean()
    return Result(float(accuracy), float(loss.detach()))


def over_seeds(seeds: Any, run: Any) -> tuple[float, float]:
    """Mean and standard deviation of ``run(seed).accuracy`` over ``seeds``."""
    accuracies = [run(seed).accuracy for seed in seeds]
    return float(np.mean(accuracies)), float(np.std(accuracies))


def offset_task(
    samples: int, time: int, *, missing: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequences x_t = offset + noise, offset ~ N(0, 0.3^2), noise ~ N(0, 1); the label is
    whether the offset is positive. A fraction ``missing`` of the steps is unobserved.

    Returns x (samples, time, 1) with the true values everywhere, y (samples,), and
    observed (samples, time) bool; the first and last steps are always observed.
    """
    rng = np.random.default_rng(seed)
    offset = rng.normal(0.0, 0.3, (samples, 1))
    x = (offset + rng.standard_normal((samples, time))).astype(np.float32)
    observed = rng.random((samples, time)) >= missing
    observed[:, [0, -1]] = True
    return x[:, :, None], (offset[:, 0] > 0).astype(np.float32), observed


def fill_missing(x: np.ndarray, observed: np.ndarray, how: str) -> np.ndarray:
    """x (samples, time, 1) with unobserved steps replaced: how="zero" by 0, "interpolate"
    by linear interpolation between the nearest observed steps."""
    if how == "zero":
        return np.where(observed[:, :, None], x, 0.0).astype(x.dtype)
    if how == "interpolate":
        steps = np.arange(x.shape[1])
        filled = [
            np.interp(steps, steps[seen], row[seen, 0])
            for row, seen in zip(x, observed, strict=True)
        ]
        return np.stack(filled)[:, :, None].astype(x.dtype)
    raise ValueError(f"how must be 'zero' or 'interpolate'; got {how!r}")

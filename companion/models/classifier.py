"""Small, seeded PyTorch sequence classifiers and their training loops.

:class:`Classifier` and :func:`train` serve the variants and FAQ chapters: tiny models trained
for a few hundred steps on a task of :mod:`companion.data.synthetic`.
:class:`SequenceClassifier` and :func:`train_agreement` serve the long-term dependency
chapter: a vanilla RNN against an LSTM on the agreement task, as the distance between subject
and verb grows.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from companion.data.synthetic import VOCABULARY, AgreementData, agreement_sequences

# The chapters count a model's parameters with the same function as the practice chapters.
from companion.models.torch_models import parameter_count as parameter_count
from companion.variants import LSTMVariant, VariantWeights


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


CELLS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM}


class SequenceClassifier(torch.nn.Module):
    """One recurrent layer (``torch.nn.RNN`` with tanh, or ``torch.nn.LSTM`` with its
    forget-gate bias set to 1 as Keras does) whose final hidden state goes through a linear
    layer to one logit.

    Input: (batch, time, input_size) floats; output: (batch,) logits.
    """

    def __init__(self, kind: str, input_size: int, hidden_size: int) -> None:
        super().__init__()
        if kind not in CELLS:
            raise ValueError(f"kind must be one of {sorted(CELLS)}; got {kind!r}")
        self.recurrent = CELLS[kind](input_size, hidden_size, batch_first=True)
        if kind == "lstm":  # forget-gate bias 1, as Keras's unit_forget_bias=True
            with torch.no_grad():
                self.recurrent.bias_ih_l0[hidden_size : 2 * hidden_size] = 1.0
                self.recurrent.bias_hh_l0[hidden_size : 2 * hidden_size] = 0.0
        self.readout = torch.nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.recurrent(x)
        return self.readout(outputs[:, -1]).squeeze(-1)


def _accuracy(model: SequenceClassifier, data: AgreementData) -> float:
    """Fraction of ``data`` whose verb the model predicts right (logit > 0 means "were")."""
    with torch.no_grad():
        predictions = (model(torch.from_numpy(data.one_hot())) > 0).numpy()
    return float(np.mean(predictions == data.labels))


class TrainingResult(NamedTuple):
    """One training run: the model kind, distance, seed, and accuracies after training."""

    kind: str
    distance: int
    seed: int
    train_accuracy: float
    test_accuracy: float


def train_agreement(
    kind: str,
    distance: int,
    *,
    hidden_size: int,
    seed: int = 0,
    train_size: int = 512,
    test_size: int = 512,
    steps: int = 150,
    batch_size: int = 64,
    learning_rate: float = 0.01,
) -> TrainingResult:
    """Train a :class:`SequenceClassifier` on agreement sentences at ``distance`` with Adam
    and binary cross-entropy; return its accuracy on the training set and on a fresh test set.

    Seeded by ``seed`` (weights, data and batch order) and run on one thread, so the result
    does not depend on the machine's core count.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        train = agreement_sequences(train_size, distance, seed=2 * seed)
        test = agreement_sequences(test_size, distance, seed=2 * seed + 1)
        x_train, y_train = torch.from_numpy(train.one_hot()), torch.from_numpy(train.labels)
        model = SequenceClassifier(kind, len(VOCABULARY), hidden_size)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        loss_function = torch.nn.BCEWithLogitsLoss()
        order = np.random.default_rng(seed)
        for _ in range(steps):
            batch = torch.from_numpy(order.choice(train_size, batch_size, replace=False))
            optimizer.zero_grad()
            loss = loss_function(model(x_train[batch]), y_train[batch].float())
            loss.backward()
            optimizer.step()
        accuracies = [_accuracy(model, data) for data in (train, test)]
    finally:
        torch.set_num_threads(threads)
    return TrainingResult(kind, distance, seed, *accuracies)

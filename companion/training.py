"""Train small PyTorch sequence classifiers: a vanilla RNN against an LSTM.

The long-term dependency chapter trains both on the agreement task of
:mod:`companion.sequences` and compares their test accuracy as the distance between subject
and verb grows. Training runs on one CPU thread and is seeded, so a rerun gives the same
numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from companion.sequences import VOCABULARY, AgreementData, agreement_sequences

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


def parameter_count(kind: str, input_size: int, hidden_size: int) -> int:
    """Trainable parameters of :class:`SequenceClassifier` (PyTorch counts two bias vectors
    per recurrent layer)."""
    model = SequenceClassifier(kind, input_size, hidden_size)
    return sum(p.numel() for p in model.parameters())


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

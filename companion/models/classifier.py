"""Small, seeded PyTorch sequence classifiers and their training loops.

:class:`Classifier` and :func:`train` serve the variants and FAQ chapters: tiny models trained
for a few hundred steps on a task of :mod:`companion.data.synthetic`.
:class:`SequenceClassifier` and :func:`train_agreement` serve the long-term dependency
chapter: a vanilla RNN against an LSTM on the agreement task, as the distance between subject
and verb grows, with several seeds trained at once as one batched model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from companion.data.synthetic import VOCABULARY, AgreementData, agreement_split

# The chapters count a model's parameters with the same function as the practice chapters.
from companion.models.torch_models import parameter_count as parameter_count
from companion.variants import LSTMVariant, VariantWeights
from companion.weights import LSTMWeights, RNNWeights, glorot_uniform


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


WEIGHTS = {"rnn": RNNWeights, "lstm": LSTMWeights}
"""The recurrent layers :class:`SequenceClassifier` offers, by the weights that start them."""


def _check_kind(kind: str) -> None:
    if kind not in WEIGHTS:
        raise ValueError(f"kind must be one of {sorted(WEIGHTS)}; got {kind!r}")


class SequenceClassifier(torch.nn.Module):
    """Several independent classifiers of token sequences, one per seed, run as one model.

    Each is one recurrent layer (a tanh RNN, or an LSTM with gate order i, f, g, o) reading
    one-hot tokens, whose final hidden state goes through a linear unit to one logit. Model
    ``s`` starts from ``RNNWeights.random`` or ``LSTMWeights.random`` with ``seed=seeds[s]``
    (Keras's initialisation: forget-gate bias 1 for the LSTM) and a Glorot-uniform read-out.
    Every parameter carries a leading seed axis and no computation mixes seeds, so training
    the batch with the sum of the models' losses trains each model as if it were alone.

    Input: tokens (seeds, batch, time) int; output: logits (seeds, batch).
    """

    def __init__(
        self, kind: str, vocabulary_size: int, hidden_size: int, seeds: Sequence[int] = (0,)
    ) -> None:
        super().__init__()
        _check_kind(kind)
        if len(seeds) == 0:
            raise ValueError("seeds must name at least one seed; got none")
        self.kind = kind
        starts = [
            WEIGHTS[kind].random(vocabulary_size, hidden_size, seed=seed, dtype="float32")
            for seed in seeds
        ]
        readouts = [  # a stream of its own, not the first draws of the kernel's
            glorot_uniform(np.random.default_rng((seed, 1)), hidden_size, 1, np.dtype("float32"))
            for seed in seeds
        ]

        def stacked(arrays: list[np.ndarray]) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.from_numpy(np.stack(arrays)))

        self.kernel = stacked([w.kernel for w in starts])  # (seeds, vocabulary, gates * hidden)
        self.recurrent_kernel = stacked([w.recurrent_kernel for w in starts])
        self.bias = stacked([w.bias for w in starts])  # (seeds, gates * hidden)
        self.readout = stacked([r[:, 0] for r in readouts])  # (seeds, hidden)
        self.readout_bias = torch.nn.Parameter(torch.zeros(len(seeds)))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (seeds, batch, time) -> logits (seeds, batch)."""
        if tokens.ndim != 3 or len(tokens) != len(self.bias):
            raise ValueError(
                f"tokens must have shape ({len(self.bias)} seeds, batch, time); got "
                f"{tuple(tokens.shape)}"
            )
        seeds, batch, _ = tokens.shape
        hidden = self.recurrent_kernel.shape[1]
        # A one-hot input times the kernel is the kernel's row for that token; time first, so
        # that unbind hands out one contiguous step at a time.
        steps = self.kernel[torch.arange(seeds)[:, None], tokens.permute(2, 0, 1)]
        h = c = torch.zeros(seeds, batch, hidden)
        for projected in (steps + self.bias[:, None]).unbind(0):  # (seeds, batch, gates * hidden)
            z = torch.baddbmm(projected, h, self.recurrent_kernel)
            if self.kind == "rnn":
                h = torch.tanh(z)
            else:
                i, f, _, o = torch.sigmoid(z).split(hidden, dim=-1)
                g = torch.tanh(z[..., 2 * hidden : 3 * hidden])
                c = torch.addcmul(f * c, i, g)
                h = o * torch.tanh(c)
        return (h * self.readout[:, None]).sum(-1) + self.readout_bias[:, None]


class TrainingResult(NamedTuple):
    """One trained model: its kind, the distance and its seed, its accuracy on held-out
    sentences, and the majority-class rate of those (what always answering the commoner verb
    scores)."""

    kind: str
    distance: int
    seed: int
    test_accuracy: float
    majority: float


def train_agreement(
    kind: str,
    distance: int,
    *,
    hidden_size: int,
    seeds: Sequence[int] = (0,),
    train_size: int = 512,
    test_size: int = 512,
    steps: int = 300,
    batch_size: int = 64,
    learning_rate: float = 0.01,
) -> list[TrainingResult]:
    """Train one :class:`SequenceClassifier` per seed on agreement sentences at ``distance``
    (Adam, binary cross-entropy), all seeds as one batched model; return one result per seed.

    Seed ``s`` draws its own ``train_size`` training sentences and ``test_size`` held-out
    ones (:func:`~companion.data.synthetic.agreement_split` with ``seed=s``, the same for
    every kind), its initial weights and its batches (``batch_size`` different training
    sentences per step). Runs on one thread, so the result does not depend on the machine's
    core count (it still depends on its numeric kernels).
    """
    _check_kind(kind)
    splits = [agreement_split(train_size, test_size, distance, seed=seed) for seed in seeds]
    train = torch.from_numpy(np.stack([split[0].tokens for split in splits]))
    labels = torch.from_numpy(np.stack([split[0].labels for split in splits]).astype(np.float32))
    test = [split[1] for split in splits]
    orders = [np.random.default_rng(seed) for seed in seeds]
    models = torch.arange(len(seeds))[:, None]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = SequenceClassifier(kind, len(VOCABULARY), hidden_size, seeds)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        for _ in range(steps):
            rows = torch.from_numpy(
                np.stack([order.choice(train_size, batch_size, replace=False) for order in orders])
            )
            losses = torch.nn.functional.binary_cross_entropy_with_logits(
                model(train[models, rows]), labels[models, rows], reduction="none"
            ).mean(dim=1)
            optimizer.zero_grad()
            losses.sum().backward()  # each model's gradient is that of its own mean loss
            optimizer.step()
        with torch.no_grad():
            logits = model(torch.from_numpy(np.stack([d.tokens for d in test])))
    finally:
        torch.set_num_threads(threads)
    correct = (logits > 0).numpy() == np.stack([d.labels for d in test])
    return [
        TrainingResult(kind, distance, seed, float(np.mean(right)), majority_rate(test_set))
        for seed, right, test_set in zip(seeds, correct, test, strict=True)
    ]


def majority_rate(data: AgreementData) -> float:
    """The accuracy of always answering the verb that is commoner in ``data``."""
    plural = float(np.mean(data.labels))
    return max(plural, 1.0 - plural)

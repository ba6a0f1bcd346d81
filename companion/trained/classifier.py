"""Small, seeded PyTorch sequence classifiers, several seeds trained at once, and their two
trainers, which both run the package's training loop, :func:`companion.trained.training.fit`.

:class:`Classifier` and :func:`train` serve the variants and FAQ chapters: tiny models trained
for a few hundred steps on a task of :mod:`companion.data.synthetic`, several seeds at once
(one batched model whose seeds never interact), summarised over the seeds by
:func:`summarise`.
:class:`SequenceClassifier` and :func:`train_agreement` serve the long-term dependency
chapter: a vanilla RNN against an LSTM on the agreement task, as the distance between subject
and verb grows, with several seeds trained at once as one batched model.

The two keep the seeds apart in two ways, and stay two. :class:`Classifier` runs PyTorch's
own modules (``nn.LSTM``, ``nn.GRU``, ``nn.RNN``, ``nn.Conv1d``, the variants' LSTM), so it
puts the seeds side by side in one wider module whose weights between seeds are held at
zero, and every seed reads the same minibatches. :class:`SequenceClassifier` gives every
parameter a leading seed axis and runs its own recurrence (one ``baddbmm`` per step), so
each seed reads its own sentences, and a step costs what the seeds cost alone, where the
wide module of :class:`Classifier` also multiplies the zero blocks. Either way for both
would change what the chapters compute, not only how: other kernels (``nn.LSTM`` against
``baddbmm``), sums in another order, so other last digits that training amplifies into other
accuracies; and the side-by-side way would make the agreement task's seeds share their
sentences.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
import torch

from companion._checks import integer
from companion.data.synthetic import VOCABULARY, AgreementData, agreement_split

# The chapters count a model's parameters with the same function as the practice chapters.
from companion.trained.torch_articles import parameter_count as parameter_count
from companion.trained.training import fit, one_thread
from companion.variants import LSTMVariant, VariantWeights
from companion.weights import LSTMWeights, RNNWeights, glorot_uniform

GATE_BLOCKS = {"lstm": 4, "gru": 3, "rnn": 1}
"""How many blocks of ``hidden`` rows PyTorch stacks in each weight of ``nn.LSTM``, ``nn.GRU``
and ``nn.RNN`` (LSTM: i, f, g, o; GRU: r, z, n)."""


def _block_diagonal(
    arrays: list[torch.Tensor], row_blocks: int, column_blocks: int, *, shared_rows: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Place one (rows, columns) array per seed into one array whose blocks keep the seeds
    apart, and the mask that is 1 where a seed's entry sits.

    Rows and columns are split into ``row_blocks`` and ``column_blocks`` blocks (a gate each);
    inside every block the seeds follow one another. ``shared_rows``: every seed reads the
    same rows (the input features), so the rows are not repeated per seed.
    """
    seeds = len(arrays)
    rows, columns = arrays[0].shape
    row_size, column_size = rows // row_blocks, columns // column_blocks
    merged = torch.zeros(rows if shared_rows else seeds * rows, seeds * columns)
    mask = torch.zeros_like(merged)
    for seed, array in enumerate(arrays):
        for row_block in range(row_blocks):
            first_row = row_block * row_size * (1 if shared_rows else seeds)
            first_row += 0 if shared_rows else seed * row_size
            target_rows = slice(first_row, first_row + row_size)
            source_rows = slice(row_block * row_size, (row_block + 1) * row_size)
            for column_block in range(column_blocks):
                first_column = (column_block * seeds + seed) * column_size
                target_columns = slice(first_column, first_column + column_size)
                source_columns = slice(
                    column_block * column_size, (column_block + 1) * column_size
                )
                merged[target_rows, target_columns] = array[source_rows, source_columns]
                mask[target_rows, target_columns] = 1.0
    return merged, mask


class Classifier(torch.nn.Module):
    """A sequence encoder followed by a linear read-out of its last output: one logit per
    seed, for one seed or several independent models computed together.

    kind: "lstm", "gru", "rnn" (tanh), "cnn" (two 1-D convolutions, kernel 3, no padding, ReLU,
    global max pooling over time) or "variant" (an LSTM variant, see ``variant``).
    seed: an int for one model, or a sequence of ints: then each seed's model starts exactly as
    ``Classifier(kind, hidden, seed=s)`` would, and all of them are stored as one model with
    ``len(seed) * hidden`` units whose weights between different seeds are held at zero
    (:meth:`keep_seeds_apart`), so training it trains every seed's model independently, in one
    pass per step.
    forget_bias, output_bias: the LSTM's initial forget-gate or output-gate bias (PyTorch
    starts every bias from U(-k, k), k = 1 / sqrt(hidden)).
    """

    def __init__(
        self,
        kind: str,
        hidden: int,
        *,
        input_size: int = 1,
        forget_bias: float | None = None,
        output_bias: float | None = None,
        variant: LSTMVariant | None = None,
        seed: int | Sequence[int] = 0,
    ) -> None:
        super().__init__()
        if kind not in (*GATE_BLOCKS, "cnn", "variant"):
            raise ValueError(f"kind must be lstm, gru, rnn, cnn or variant; got {kind!r}")
        if (forget_bias is not None or output_bias is not None) and kind != "lstm":
            raise ValueError(f"forget_bias and output_bias need kind 'lstm'; got {kind!r}")
        integer("hidden", hidden)
        self.kind = kind
        self.seeds = (seed,) if isinstance(seed, int) else tuple(seed)
        if not self.seeds:
            raise ValueError("seed must be an int or a non-empty sequence of ints; got none")
        self.masks: dict[str, torch.Tensor] = {}
        if len(self.seeds) == 1:
            self._build(kind, hidden, input_size, forget_bias, output_bias, variant)
        else:
            options = dict(
                input_size=input_size, forget_bias=forget_bias, output_bias=output_bias,
                variant=variant,
            )  # fmt: skip
            models = [Classifier(kind, hidden, seed=s, **options) for s in self.seeds]
            self._merge(models, hidden, input_size)

    def _build(self, kind, hidden, input_size, forget_bias, output_bias, variant) -> None:
        torch.manual_seed(self.seeds[0])
        if kind in GATE_BLOCKS:
            module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
            self.encoder = module(input_size, hidden, batch_first=True)
            with torch.no_grad():
                for block, bias in ((1, forget_bias), (3, output_bias)):
                    if bias is not None:
                        self.encoder.bias_ih_l0[block * hidden : (block + 1) * hidden] = bias
                        self.encoder.bias_hh_l0[block * hidden : (block + 1) * hidden] = 0.0
        elif kind == "cnn":
            self.encoder = torch.nn.Sequential(
                torch.nn.Conv1d(input_size, hidden, 3),
                torch.nn.ReLU(),
                torch.nn.Conv1d(hidden, hidden, 3),
                torch.nn.ReLU(),
            )
        else:
            from companion import torch_variants

            weights = VariantWeights.random(
                input_size, hidden, seed=self.seeds[0], dtype="float32", variant=variant
            )
            self.encoder = torch_variants.build(weights)
        self.readout = torch.nn.Linear(hidden, 1)

    def _merge(self, models: list[Classifier], hidden: int, input_size: int) -> None:
        """Build this model from one model per seed, the seeds' weights in separate blocks."""
        first = models[0]
        seeds = len(models)
        if self.kind == "cnn":
            self.encoder = torch.nn.Sequential(
                torch.nn.Conv1d(input_size, seeds * hidden, 3),
                torch.nn.ReLU(),
                torch.nn.Conv1d(seeds * hidden, seeds * hidden, 3, groups=seeds),
                torch.nn.ReLU(),
            )
        elif self.kind == "variant":
            from companion import torch_variants

            variant = first.encoder.variant
            self.encoder = torch_variants.build(
                VariantWeights.random(input_size, seeds * hidden, dtype="float32", variant=variant)
            )
        else:
            module = type(first.encoder)
            self.encoder = module(input_size, seeds * hidden, batch_first=True)
        self.readout = torch.nn.Linear(seeds * hidden, seeds)
        own = dict(self.named_parameters())
        with torch.no_grad():
            for name, parameter in own.items():
                parts = [dict(m.named_parameters())[name] for m in models]
                merged, mask = self._merged(name, parts)
                parameter.copy_(merged.reshape(parameter.shape))
                if not bool(mask.all()):
                    self.masks[name] = mask.reshape(parameter.shape)

    def _merged(self, name: str, parts: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """One parameter of the merged model from the seeds' parameters of that name."""
        if name == "readout.weight":  # (1, hidden) per seed: seed s reads its own units
            merged, mask = _block_diagonal([p.T for p in parts], 1, 1)
            return merged.T, mask.T
        if self.kind == "cnn" or name == "readout.bias":  # conv 2 is grouped by seed
            merged = torch.cat(parts)
            return merged, torch.ones_like(merged)
        if self.kind == "variant":  # Keras layout: columns in gate blocks (i, f, g, o)
            row_blocks, column_blocks, shared = {
                "encoder.kernel": (1, 4, True),
                "encoder.recurrent_kernel": (1, 4, False),
                "encoder.bias": (1, 4, True),
                "encoder.peephole": (1, 1, True),  # rows p_i, p_f, p_o
                "encoder.gate_kernel": (3, 3, False),
            }[name]
            arrays = [p.reshape(-1, p.shape[-1]) for p in parts]
            return _block_diagonal(arrays, row_blocks, column_blocks, shared_rows=shared)
        # torch.nn.RNN family: (gates * hidden, input or hidden) rows, gate blocks of rows
        gates = GATE_BLOCKS[self.kind]
        arrays = [p.reshape(p.shape[0], -1).T for p in parts]  # Keras-like (in, gates*hidden)
        shared = name.startswith(("encoder.weight_ih", "encoder.bias"))
        merged, mask = _block_diagonal(arrays, 1, gates, shared_rows=shared)
        return merged.T, mask.T

    @torch.no_grad()
    def keep_seeds_apart(self) -> None:
        """Zero the weights between different seeds' units (call after every optimiser step)."""
        parameters = dict(self.named_parameters())
        for name, mask in self.masks.items():
            parameters[name].mul_(mask)

    def forward(self, x: torch.Tensor, mask: np.ndarray | None = None) -> torch.Tensor:
        """x: (batch, time, input_size) -> logits (batch, seeds); mask: (batch, time) bool,
        steps where it is False keep the state (Keras's masking), recurrent kinds only."""
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
        return self.readout(features)


class Result(NamedTuple):
    """Test accuracy and final training loss of each seed's trained model, (seeds,) each."""

    accuracy: np.ndarray
    loss: np.ndarray


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
    the rest, which training never sees. Every seed's model sees the same minibatches.

    x: (samples, time, input_size) float32; y: (samples,) 0.0 or 1.0; mask: None or
    (samples, time) bool. Deterministic given ``seed`` and the model's seeds, on one machine.
    """
    if x.ndim != 3 or len(y) != len(x):
        raise ValueError(
            f"x must be (samples, time, features) with one label per sample; got x {x.shape}, "
            f"y {np.shape(y)}"
        )
    split = int(len(x) * (1 - test_fraction))
    x_all, y_all = torch.from_numpy(x), torch.from_numpy(y)[:, None]
    generator = torch.Generator().manual_seed(seed)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    losses = torch.zeros(len(model.seeds))

    def minibatches() -> Iterator[torch.Tensor]:
        for _ in range(steps):
            yield torch.randint(0, split, (batch,), generator=generator)

    def summed_loss(rows: torch.Tensor) -> torch.Tensor:
        nonlocal losses  # each seed's loss at the last step is part of the result
        batch_mask = None if mask is None else mask[rows.numpy()]
        logits = model(x_all[rows], batch_mask)
        losses = loss_fn(logits, y_all[rows].expand_as(logits)).mean(dim=0)
        return losses.sum()  # the seeds' losses are independent: each gets its own gradient

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    fit(model, minibatches, summed_loss, optimizer, epochs=1, after_step=model.keep_seeds_apart)
    with torch.no_grad():
        test_mask = None if mask is None else mask[split:]
        predictions = model(x_all[split:], test_mask) > 0
        accuracy = (predictions == (y_all[split:] > 0.5)).float().mean(dim=0)
    return Result(accuracy.numpy().astype(float), losses.detach().numpy().astype(float))


class SeedSummary(NamedTuple):
    """Test accuracies over seeds, summarised robustly: the median, the range, and how many
    seeds solve the task (accuracy at least ``solved_at``)."""

    median: float
    low: float
    high: float
    solved: int
    seeds: int

    def __str__(self) -> str:
        return (
            f"{self.median:.2f} [{self.low:.2f}, {self.high:.2f}] {self.solved}/{self.seeds} solve"
        )


def summarise(accuracy: np.ndarray, solved_at: float = 0.9) -> SeedSummary:
    """The median, lowest and highest of ``accuracy`` (seeds,) and how many reach ``solved_at``."""
    accuracy = np.asarray(accuracy, dtype=float)
    return SeedSummary(
        float(np.median(accuracy)), float(accuracy.min()), float(accuracy.max()),
        int(np.sum(accuracy >= solved_at)), len(accuracy),
    )  # fmt: skip


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

    def minibatches() -> Iterator[torch.Tensor]:
        for _ in range(steps):  # rows (seeds, batch_size): each seed's own sentences
            yield torch.from_numpy(
                np.stack([order.choice(train_size, batch_size, replace=False) for order in orders])
            )

    def summed_loss(rows: torch.Tensor) -> torch.Tensor:
        losses = torch.nn.functional.binary_cross_entropy_with_logits(
            model(train[models, rows]), labels[models, rows], reduction="none"
        ).mean(dim=1)
        return losses.sum()  # each model's gradient is that of its own mean loss

    with one_thread():
        model = SequenceClassifier(kind, len(VOCABULARY), hidden_size, seeds)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        fit(model, minibatches, summed_loss, optimizer, epochs=1)
        with torch.no_grad():
            logits = model(torch.from_numpy(np.stack([d.tokens for d in test])))
    correct = (logits > 0).numpy() == np.stack([d.labels for d in test])
    return [
        TrainingResult(kind, distance, seed, float(np.mean(right)), majority_rate(test_set))
        for seed, right, test_set in zip(seeds, correct, test, strict=True)
    ]


def majority_rate(data: AgreementData) -> float:
    """The accuracy of always answering the verb that is commoner in ``data``."""
    plural = float(np.mean(data.labels))
    return max(plural, 1.0 - plural)

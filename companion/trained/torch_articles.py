"""PyTorch twins of :mod:`companion.trained.keras_articles`, with the same parameter counts.

Two differences from Keras are handled here, in the open:

* ``torch.nn.LSTM`` carries two bias vectors per layer (``bias_ih`` and ``bias_hh``), always
  added together. :func:`single_bias` zeroes ``bias_hh`` and freezes it, which leaves exactly
  Keras's layer: same function, same trainable parameter count.
* ``torch.nn.LSTM`` has no ``activation`` argument (tanh is fixed). :class:`ActivatedLSTM`
  is an LSTM in Keras's layout with the activation chosen, for article 004's relu recipe.

:func:`keras_initialise` draws every weight the way Keras initialises it (Glorot-uniform
kernels, orthogonal recurrent kernels, forget-gate bias 1, uniform(-0.05, 0.05) embeddings),
from a NumPy seed, so both frameworks start training from the same kind of point.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from companion.trained import History, articles
from companion.trained.training import fit
from companion.weights import LSTMWeights, glorot_uniform

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
}


def single_bias(lstm: nn.LSTM) -> nn.LSTM:
    """Zero every ``bias_hh`` of ``lstm`` and freeze it: one trainable bias, as in Keras."""
    for name, parameter in lstm.named_parameters():
        if name.startswith("bias_hh"):
            with torch.no_grad():
                parameter.zero_()
            parameter.requires_grad_(False)
    return lstm


def parameter_count(module: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable, by default) parameters of ``module``."""
    return sum(
        p.numel() for p in module.parameters() if p.requires_grad or not trainable_only
    )


class EmbeddingLSTM(nn.Module):
    """Embedding -> ``nn.LSTM`` with one bias (:func:`single_bias`), batch first, as Keras
    builds it: the start of article 000's three models and of the character-level language
    model (``lstm_options`` go to ``nn.LSTM``). Subclasses add their read-out and
    ``forward``."""

    def __init__(
        self, vocabulary_size: int, embedding_dim: int, state_dim: int, **lstm_options: Any
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, embedding_dim)
        self.lstm = single_bias(
            nn.LSTM(embedding_dim, state_dim, batch_first=True, **lstm_options)
        )


class SingleLSTM(EmbeddingLSTM):
    """Article 000's single-layer LSTM: Embedding -> LSTM (all outputs) -> Flatten -> Linear.

    tokens (batch, sequence_length) int64 -> logits (batch,); sigmoid gives p(positive).
    """

    def __init__(
        self, vocabulary_size: int, embedding_dim: int, sequence_length: int, state_dim: int
    ) -> None:
        super().__init__(vocabulary_size, embedding_dim, state_dim)
        self.output = nn.Linear(sequence_length * state_dim, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.lstm(self.embedding(tokens))
        return self.output(outputs.flatten(1))[:, 0]


class BidirectionalLSTM(EmbeddingLSTM):
    """Article 000's bidirectional LSTM -> Dropout(0.25) -> Linear(64) -> Dropout(0.3) ->
    Linear(1). PyTorch has no recurrent dropout, so Keras's recurrent_dropout=0.1 has no
    counterpart here (it adds no parameters).

    tokens (batch, sequence_length) int64 -> logits (batch,).
    """

    def __init__(
        self, vocabulary_size: int, embedding_dim: int, sequence_length: int, state_dim: int
    ) -> None:
        super().__init__(vocabulary_size, embedding_dim, state_dim, bidirectional=True)
        self.head = nn.Sequential(
            nn.Dropout(0.25), nn.Linear(2 * state_dim, 64), nn.Dropout(0.3), nn.Linear(64, 1)
        )

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(self.embedding(tokens))
        # h: (2, batch, state): the forward direction's last output, then the backward one's,
        # concatenated as Keras's Bidirectional does.
        return self.head(torch.cat([h[0], h[1]], dim=1))[:, 0]


class StackedBidirectionalLSTM(EmbeddingLSTM):
    """Article 000's stacked bidirectional LSTM: one ``nn.LSTM(num_layers=2,
    bidirectional=True)`` -> Linear(1). tokens (batch, sequence_length) -> logits (batch,)."""

    def __init__(
        self, vocabulary_size: int, embedding_dim: int, sequence_length: int, state_dim: int
    ) -> None:
        super().__init__(
            vocabulary_size, embedding_dim, state_dim, num_layers=2, bidirectional=True
        )
        self.output = nn.Linear(2 * state_dim, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(self.embedding(tokens))
        return self.output(torch.cat([h[-2], h[-1]], dim=1))[:, 0]


class BagOfWords(nn.Module):
    """The order-free baseline of the sentiment models: a logistic regression on word counts,
    one weight per word (``nn.EmbeddingBag`` summing one number per token; the padding id 0
    counts nothing) plus a bias. Trained with :func:`train` like the LSTMs, it differs from
    them only in reading no order.

    tokens (batch, sequence_length) int64 -> logits (batch,).
    """

    def __init__(self, vocabulary_size: int) -> None:
        super().__init__()
        self.weights = nn.EmbeddingBag(vocabulary_size, 1, mode="sum", padding_idx=0)
        self.bias = nn.Parameter(torch.zeros(1))
        with torch.no_grad():
            self.weights.weight.zero_()

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.weights(tokens)[:, 0] + self.bias


SENTIMENT_MODELS = dict(
    zip(
        articles.SENTIMENT_MODELS,
        (SingleLSTM, BidirectionalLSTM, StackedBidirectionalLSTM),
        strict=True,
    )
)
"""Article 000's three models, keyed by the names in :data:`.articles.SENTIMENT_MODELS`."""


class ActivatedLSTM(nn.Module):
    """An LSTM layer in Keras's layout whose ``activation`` (candidate and cell output) can
    be chosen, as Keras's ``activation`` argument allows and ``nn.LSTM`` does not.

    x (batch, time, input_size) -> outputs (batch, time, units).
    """

    def __init__(self, input_size: int, units: int, activation: str = "tanh") -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}"
            )
        self.activation = ACTIVATIONS[activation]
        self.kernel = nn.Parameter(torch.zeros(input_size, 4 * units))
        self.recurrent_kernel = nn.Parameter(torch.zeros(units, 4 * units))
        self.bias = nn.Parameter(torch.zeros(4 * units))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        units = self.recurrent_kernel.shape[0]
        h = x.new_zeros(x.shape[0], units)
        c = x.new_zeros(x.shape[0], units)
        projected = x @ self.kernel + self.bias
        outputs = []
        for t in range(x.shape[1]):
            i, f, g, o = (projected[:, t] + h @ self.recurrent_kernel).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * self.activation(g)
            h = torch.sigmoid(o) * self.activation(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1)

    def set_weights(self, weights: LSTMWeights) -> ActivatedLSTM:
        """Copy ``weights`` in (Keras layout, as stored); the module takes their dtype."""
        with torch.no_grad():
            for name in ("kernel", "recurrent_kernel", "bias"):
                value = torch.from_numpy(np.array(getattr(weights, name)))
                setattr(self, name, nn.Parameter(value))
        return self


class Forecaster(nn.Module):
    """Article 004's recipe in PyTorch: LSTM(units, activation) -> Linear(1).

    x (batch, window, 1) -> (batch,) next values.
    """

    def __init__(self, units: int = 50, activation: str = "relu") -> None:
        super().__init__()
        self.lstm = ActivatedLSTM(1, units, activation)
        self.output = nn.Linear(units, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.lstm(x)[:, -1])[:, 0]


def keras_initialise(module: nn.Module, *, seed: int = 0) -> nn.Module:
    """Re-draw every weight of ``module`` as Keras would initialise it, from a NumPy seed.

    nn.LSTM and ActivatedLSTM: :meth:`LSTMWeights.random` per layer and direction
    (``bias_hh`` zero); nn.Linear: Glorot-uniform weight, zero bias; nn.Embedding:
    uniform(-0.05, 0.05). Other modules keep their weights.
    """
    rng = np.random.default_rng(seed)
    for child in module.modules():
        dtype = next(child.parameters(), torch.zeros(())).dtype
        numpy_dtype = str(dtype).removeprefix("torch.")
        if isinstance(child, nn.LSTM):
            for layer in range(child.num_layers):
                for reverse in (False, True)[: 1 + child.bidirectional]:
                    input_size = child.input_size if layer == 0 else child.hidden_size * (
                        1 + child.bidirectional
                    )
                    weights = LSTMWeights.random(
                        input_size, child.hidden_size,
                        seed=int(rng.integers(2**31)), dtype=numpy_dtype,
                    )
                    weights.to_torch(child, layer=layer, reverse=reverse)
        elif isinstance(child, ActivatedLSTM):
            units = child.recurrent_kernel.shape[0]
            child.set_weights(
                LSTMWeights.random(
                    child.kernel.shape[0], units,
                    seed=int(rng.integers(2**31)), dtype=numpy_dtype,
                )
            )
        elif isinstance(child, nn.Linear):
            kernel = glorot_uniform(
                rng, child.in_features, child.out_features, np.dtype(numpy_dtype)
            )
            with torch.no_grad():
                child.weight.copy_(torch.from_numpy(kernel.T.copy()))
                if child.bias is not None:
                    child.bias.zero_()
        elif isinstance(child, nn.Embedding):
            values = rng.uniform(-0.05, 0.05, size=tuple(child.weight.shape))
            with torch.no_grad():
                child.weight.copy_(torch.from_numpy(values.astype(numpy_dtype)))
    return module


LOSSES = {
    "binary_crossentropy": nn.BCEWithLogitsLoss,
    "mse": nn.MSELoss,
}


def train(
    module: nn.Module,
    x: Any,
    y: Any,
    *,
    loss: str,
    epochs: int,
    batch_size: int,
    learning_rate: float = 1e-3,
    seed: int = 0,
    validation: tuple[Any, Any] | None = None,
    restore_best: bool = False,
) -> History:
    """Adam on shuffled mini-batches, as Keras's ``fit`` does; return the losses per epoch.

    ``loss`` is 'binary_crossentropy' (the module returns logits) or 'mse'. x: (batch, ...)
    as the module takes it; y: (batch,); ``validation``: an (x, y) pair of the same kinds,
    never trained on, scored in eval mode after each epoch. ``restore_best`` (needs
    ``validation``): early stopping, the module ends with the weights of the epoch whose
    validation loss was lowest (Keras's ``EarlyStopping(restore_best_weights=True)``).
    ``seed`` fixes the shuffling and dropout.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    if restore_best and validation is None:
        raise ValueError("restore_best needs validation data; got validation=None")
    torch.manual_seed(seed)
    inputs = torch.from_numpy(np.array(x))
    targets = torch.from_numpy(np.array(y, dtype=np.float32))
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(f"x has {inputs.shape[0]} samples but y has {targets.shape[0]}")
    criterion = LOSSES[loss]()
    optimizer = torch.optim.Adam(
        [p for p in module.parameters() if p.requires_grad], lr=learning_rate
    )

    def shuffled() -> tuple[torch.Tensor, ...]:
        return torch.randperm(inputs.shape[0]).split(batch_size)

    def batch_loss(rows: torch.Tensor) -> torch.Tensor:
        return criterion(module(inputs[rows]), targets[rows])

    best: dict[str, Any] = {"loss": float("inf"), "weights": None}

    def validation_loss() -> float:
        outputs = torch.from_numpy(predict(module, validation[0]))
        expected = torch.from_numpy(np.array(validation[1], dtype=np.float32))
        value = criterion(outputs, expected).item()
        if restore_best and value < best["loss"]:
            best["loss"] = value
            best["weights"] = copy.deepcopy(module.state_dict())
        return value

    history = fit(
        module, shuffled, batch_loss, optimizer, epochs=epochs, samples=len,
        validation=None if validation is None else validation_loss,
    )  # fmt: skip
    if best["weights"] is not None:
        module.load_state_dict(best["weights"])
    module.eval()
    return history


def predict(module: nn.Module, x: Any) -> np.ndarray:
    """The module's outputs as a NumPy array, in eval mode (no dropout), without gradients."""
    module.eval()
    with torch.no_grad():
        return module(torch.from_numpy(np.array(x))).numpy()

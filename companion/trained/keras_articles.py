"""The book's Keras models: article 000's three sentiment models (and the one it comments
out), article 004's forecaster and article 002's stacked classifier, rebuilt for Keras 3,
with a seeded training helper.

Every builder seeds Keras first (``seed``), so a model's initial weights, its dropout masks
and the shuffling of ``fit`` are reproducible. Layers carry explicit names, so summaries read
the same in every session. :mod:`companion.trained.torch_articles` has the PyTorch twins.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from companion._keras_tools import keras, scoped
from companion.trained import History, articles

layers = keras.layers


def single_lstm(
    vocabulary_size: int, embedding_dim: int, sequence_length: int, state_dim: int, *,
    seed: int = 0,
) -> keras.Model:
    """Article 000's single-layer LSTM: Embedding -> LSTM(return_sequences=True) -> Flatten
    -> Dense(1, sigmoid). Input (batch, sequence_length) int token ids."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((sequence_length,), dtype="int32", name="tokens"),
            layers.Embedding(vocabulary_size, embedding_dim, name="embedding"),
            layers.LSTM(state_dim, return_sequences=True, name="lstm"),
            layers.Flatten(name="flatten"),
            layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="single_lstm",
    )


def last_output_lstm(
    vocabulary_size: int, embedding_dim: int, state_dim: int, *, seed: int = 0
) -> keras.Model:
    """The model article 000 comments out: Embedding -> LSTM(return_sequences=False) ->
    Dense(1, sigmoid). Only the last output reaches the classifier, so no layer depends on
    the sentence length: input (batch, any length) int token ids."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32", name="tokens"),
            layers.Embedding(vocabulary_size, embedding_dim, name="embedding"),
            layers.LSTM(state_dim, return_sequences=False, name="lstm"),
            layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="last_output_lstm",
    )


@scoped
def bidirectional_lstm(
    vocabulary_size: int, embedding_dim: int, sequence_length: int, state_dim: int, *,
    seed: int = 0,
) -> keras.Model:
    """Article 000's single-layer bidirectional LSTM: Embedding -> Bidirectional(LSTM with
    recurrent_dropout=0.1) -> Dropout(0.25) -> Dense(64) -> Dropout(0.3) -> Dense(1, sigmoid).
    The Dense(64) has no activation, as in the article."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((sequence_length,), dtype="int32", name="tokens"),
            layers.Embedding(vocabulary_size, embedding_dim, name="embedding"),
            layers.Bidirectional(
                layers.LSTM(state_dim, recurrent_dropout=0.1, name="lstm"), name="bidirectional"
            ),
            layers.Dropout(0.25, name="dropout_1"),
            layers.Dense(64, name="dense_64"),
            layers.Dropout(0.3, name="dropout_2"),
            layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="bidirectional_lstm",
    )


@scoped
def stacked_bidirectional_lstm(
    vocabulary_size: int, embedding_dim: int, sequence_length: int, state_dim: int, *,
    seed: int = 0,
) -> keras.Model:
    """Article 000's stacked bidirectional LSTM: Embedding -> Bidirectional(LSTM,
    return_sequences=True) -> Bidirectional(LSTM) -> Dense(1, sigmoid)."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((sequence_length,), dtype="int32", name="tokens"),
            layers.Embedding(vocabulary_size, embedding_dim, name="embedding"),
            layers.Bidirectional(
                layers.LSTM(state_dim, return_sequences=True, name="lstm_1"),
                name="bidirectional_1",
            ),
            layers.Bidirectional(layers.LSTM(state_dim, name="lstm_2"), name="bidirectional_2"),
            layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="stacked_bidirectional_lstm",
    )


SENTIMENT_MODELS = dict(
    zip(
        articles.SENTIMENT_MODELS,
        (single_lstm, bidirectional_lstm, stacked_bidirectional_lstm),
        strict=True,
    )
)
"""Article 000's three models, keyed by the names in :data:`.articles.SENTIMENT_MODELS`."""


def forecaster(
    window: int, units: int = 50, *, activation: str = "relu", seed: int = 0
) -> keras.Model:
    """Article 004's recipe: LSTM(units, activation) -> Dense(1) on (batch, window, 1)."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((window, 1), name="window"),
            layers.LSTM(units, activation=activation, name="lstm"),
            layers.Dense(1, name="next_value"),
        ],
        name=f"forecaster_{activation}",
    )


def stacked_lstm_classifier(
    sequence_length: int, features: int, hidden_units: int, classes: int, *, seed: int = 0
) -> keras.Model:
    """Article 002's model: three stacked LSTM(hidden_units) -> Dense(classes, softmax) on
    (batch, sequence_length, features); one class per sequence."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((sequence_length, features), name="sequence"),
            layers.LSTM(hidden_units, return_sequences=True, name="lstm_1"),
            layers.LSTM(hidden_units, return_sequences=True, name="lstm_2"),
            layers.LSTM(hidden_units, name="lstm_3"),
            layers.Dense(classes, activation="softmax", name="classes"),
        ],
        name="stacked_lstm_classifier",
    )


def train(
    model: keras.Model,
    x: Any,
    y: Any,
    *,
    loss: str,
    epochs: int,
    batch_size: int,
    learning_rate: float = 1e-3,
    validation: tuple[Any, Any] | None = None,
) -> History:
    """Compile with Adam and ``loss``, fit quietly (verbose=0); return the losses per epoch.

    x: (batch, ...) as the model takes it; y: the matching targets; ``validation``: an
    (x, y) pair of the same kinds, never trained on.
    """
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    history = model.fit(
        np.asarray(x), np.asarray(y), epochs=epochs, batch_size=batch_size, verbose=0,
        validation_data=None if validation is None else tuple(map(np.asarray, validation)),
    )
    return History(
        [float(value) for value in history.history["loss"]],
        [float(value) for value in history.history.get("val_loss", [])],
    )


def predict(model: keras.Model, x: Any, *, batch_size: int = 256) -> np.ndarray:
    """The model's outputs as a NumPy array, in inference mode (no dropout).

    Calls the model directly, ``batch_size`` samples at a time: ``model.predict`` would build
    a new traced function for every new model and make TensorFlow warn about retracing.
    """
    x = np.asarray(x)
    return np.concatenate(
        [
            np.asarray(keras.ops.convert_to_numpy(model(x[start : start + batch_size])))
            for start in range(0, max(len(x), 1), batch_size)
        ]
    )


class SummaryRow(NamedTuple):
    """One layer of a model: its name, class, output shape (batch first) and parameters."""

    name: str
    kind: str
    output_shape: tuple[int | None, ...]
    parameters: int


def summary_rows(model: keras.Model) -> list[SummaryRow]:
    """What ``model.summary()`` shows, as data: one row per layer of a built model."""
    return [
        SummaryRow(
            layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params()
        )
        for layer in model.layers
    ]


def format_summary(model: keras.Model) -> str:
    """A plain-text summary: layer (class), output shape and parameters, then the total."""
    rows = summary_rows(model)
    lines = [f"{'layer (class)':<40}{'output shape':<22}{'parameters':>10}"]
    for row in rows:
        shape = "(" + ", ".join("None" if d is None else str(d) for d in row.output_shape) + ")"
        lines.append(f"{row.name + ' (' + row.kind + ')':<40}{shape:<22}{row.parameters:>10,}")
    lines.append(f"{'total':<62}{model.count_params():>10,}")
    return "\n".join(lines)

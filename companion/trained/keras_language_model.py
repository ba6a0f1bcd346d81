"""The character-level language model in Keras: Embedding -> LSTM -> Dense, trained with
truncated backpropagation through time.

For training, the LSTM is ``stateful=True``: the model has a fixed batch of contiguous
streams (:func:`companion.data.characters.stream_batches`), and the state each row ends a
chunk with is where the same row starts the next chunk. Gradients flow only within a chunk;
the state carries information across chunks. The optimizer clips the global norm of every
step's gradient before it updates the weights. Same functions and signatures as
:mod:`.torch_language_model`; the weights move to NumPy as
:class:`~companion.trained.language_model.LanguageModelWeights`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from companion import keras_lstm
from companion._keras_tools import PLACEHOLDER_INITIALIZERS, keras
from companion.data.characters import StreamBatches
from companion.trained import History
from companion.trained.language_model import (
    LanguageModelWeights,
    check_sampling,
    check_training,
    sample_with,
)
from companion.weights import LSTMWeights


def from_weights(
    weights: LanguageModelWeights, *, batch_size: int | None = None, stateful: bool = False
) -> keras.Model:
    """A Keras model (batch, time) ids -> (batch, time, vocabulary_size) logits holding
    ``weights``, in their dtype. ``stateful=True`` needs a fixed ``batch_size``."""
    if stateful and batch_size is None:
        raise ValueError("a stateful model needs a fixed batch_size; got None")
    dtype = str(weights.dtype)
    ids = keras.Input(batch_shape=(batch_size, None), dtype="int64")
    embedded = keras.layers.Embedding(
        weights.vocabulary_size,
        weights.embedding.shape[1],
        embeddings_initializer="zeros",
        dtype=dtype,
        name="embedding",
    )(ids)
    outputs = keras.layers.LSTM(
        weights.lstm.hidden_size,
        return_sequences=True,
        stateful=stateful,
        dtype=dtype,
        name="lstm",
        **PLACEHOLDER_INITIALIZERS,
    )(embedded)
    logits = keras.layers.Dense(
        weights.vocabulary_size, kernel_initializer="zeros", dtype=dtype, name="dense"
    )(outputs)
    model = keras.Model(ids, logits)
    model.get_layer("embedding").set_weights([weights.embedding])
    weights.lstm.to_keras(model.get_layer("lstm"))
    model.get_layer("dense").set_weights([weights.dense_kernel, weights.dense_bias])
    return model


def to_weights(model: keras.Model) -> LanguageModelWeights:
    """The weights of a model made by :func:`from_weights`, as NumPy arrays."""
    (embedding,) = model.get_layer("embedding").get_weights()
    kernel, bias = model.get_layer("dense").get_weights()
    return LanguageModelWeights(
        embedding, LSTMWeights.from_keras(model.get_layer("lstm")), kernel, bias
    )


def train(
    weights: LanguageModelWeights,
    batches: StreamBatches,
    *,
    epochs: int,
    learning_rate: float,
    clip_norm: float,
    optimizer: Callable[..., keras.optimizers.Optimizer] = keras.optimizers.Adam,
    held_out: Callable[[LanguageModelWeights], float] | None = None,
    jit_compile: bool | str = "auto",
) -> tuple[LanguageModelWeights, History]:
    """Train from ``weights`` on ``batches`` (chunks, batch, steps), chunk after chunk, the
    state carried across chunks and reset at the start of every epoch.

    ``optimizer(learning_rate, global_clipnorm=clip_norm)`` makes the optimizer (default
    ``keras.optimizers.Adam``, in Keras's convention), which clips every step's gradient to
    global norm ``clip_norm``. ``held_out`` scores the weights at the end of every epoch
    (the held-out loss, say). Returns the trained weights and their History: the mean
    training loss (nats per character) of each epoch and, with ``held_out``, its score after
    each epoch. ``jit_compile`` goes to ``model.compile`` (True: XLA; Keras's "auto" leaves it
    off on TensorFlow without a GPU).
    """
    check_training(batches, epochs)
    model = from_weights(weights, batch_size=batches.inputs.shape[1], stateful=True)
    model.compile(
        optimizer=optimizer(learning_rate, global_clipnorm=clip_norm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    lstm = model.get_layer("lstm")
    history = History([], [])
    for _ in range(epochs):
        lstm.reset_states()
        chunk_losses = [
            float(model.train_on_batch(x, y))
            for x, y in zip(batches.inputs, batches.targets, strict=True)
        ]
        history.loss.append(float(np.mean(chunk_losses)))
        if held_out is not None:
            history.validation_loss.append(float(held_out(to_weights(model))))
    return to_weights(model), history


def sample(
    weights: LanguageModelWeights, prompt: Any, uniforms: Any, temperature: float = 1.0
) -> np.ndarray:
    """:func:`companion.trained.language_model.sample`, each step computed by the Keras
    layers: ids (count,) of the characters drawn."""
    prompt_ids, draws, temperature = check_sampling(
        prompt, uniforms, temperature, weights.vocabulary_size
    )
    model = from_weights(weights)
    embedding, dense = model.get_layer("embedding"), model.get_layer("dense")
    state = None

    def read(ids: np.ndarray) -> np.ndarray:
        nonlocal state
        embedded = keras.ops.convert_to_numpy(embedding(ids))
        run = keras_lstm.forward(embedded, weights.lstm, state)  # keras_lstm's kept layer
        state = (run.h, run.c)
        scaled = dense(run.outputs[:, -1]) / temperature
        return keras.ops.convert_to_numpy(keras.ops.softmax(scaled, axis=-1))[0]

    return sample_with(read, prompt_ids, draws)

"""The tagger of :mod:`companion.tagger` trained by Keras 3: ``Embedding``, ``LSTM``,
``Dense``, ``SparseCategoricalCrossentropy(from_logits=True)`` and a Keras optimizer
(:func:`companion.keras_optimizers.build`), one ``train_on_batch`` per step.

Same ``train`` as :mod:`companion.numpy_tagger`. Each step's loss is the one Keras reports,
a float32 running mean whatever the weights' dtype. The loss is built in the weights' dtype:
a Keras loss computes in ``keras.config.floatx()`` (float32) unless told otherwise, which
would cut a float64 run's gradients to 7 digits. On TensorFlow the model is compiled without
XLA (``jit_compile=False``), so it computes what the eager layers compute; on JAX, where an
eager step traces and compiles the LSTM's ``lax.scan`` again every time (about a second), the
train step is compiled once with ``jax.jit``, which runs the same XLA computations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion import keras_optimizers
from companion._keras_tools import BACKEND, PLACEHOLDER_INITIALIZERS, float64_kept, keras
from companion.optimizers import Clipping, Optimizer
from companion.tagger import TaggerWeights, Trajectory, prepare

REDUCTION = {"mean": "sum_over_batch_size", "sum": "sum"}
"""Keras's names for the reductions of :mod:`companion.tagger`."""


def build(weights: TaggerWeights) -> keras.Sequential:
    """A built ``keras.Sequential`` (Embedding, LSTM returning sequences, Dense) holding
    ``weights``: tokens (batch, time) -> logits (batch, time, classes)."""
    dtype = str(weights.dtype)
    built = keras.Sequential(
        [
            keras.Input((None,), dtype="int64"),
            keras.layers.Embedding(
                weights.vocabulary,
                weights.lstm.input_size,
                embeddings_initializer="zeros",
                dtype=dtype,
            ),
            keras.layers.LSTM(
                weights.lstm.hidden_size,
                return_sequences=True,
                dtype=dtype,
                **PLACEHOLDER_INITIALIZERS,
            ),
            keras.layers.Dense(weights.classes, kernel_initializer="zeros", dtype=dtype),
        ]
    )
    built.set_weights(list(weights.arrays()))
    return built


def train(
    weights: TaggerWeights,
    tokens: Any,
    targets: Any,
    optimizer: Optimizer,
    *,
    clipping: Clipping | None = None,
    reduction: str = "mean",
    dense_gradients: bool = True,
) -> Trajectory:
    """Train from ``weights`` as :func:`companion.numpy_tagger.train` does, with
    ``model.train_on_batch`` and the Keras optimizer of ``optimizer`` and ``clipping``
    (:func:`companion.keras_optimizers.build`). ``dense_gradients=False``: Keras's optimizers
    as they are, which on TensorFlow square an embedding's gradient row by row
    (:class:`companion.keras_optimizers.DenseGradients`)."""
    inputs = prepare(weights, tokens, targets, optimizer, clipping, reduction)
    with keras_optimizers.floatx(weights.dtype), float64_kept():
        tagger = build(weights)
        loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=REDUCTION[reduction], dtype=str(weights.dtype)
        )
        tagger.compile(
            optimizer=keras_optimizers.build(optimizer, clipping, dense=dense_gradients),
            loss=loss,
            jit_compile=BACKEND == "jax",
        )
        trajectory, losses = [weights], []
        for batch_tokens, batch_targets in zip(*inputs, strict=True):
            losses.append(float(tagger.train_on_batch(batch_tokens, batch_targets)))
            trajectory.append(TaggerWeights.from_arrays(tagger.get_weights()))
    return Trajectory(trajectory, np.array(losses))

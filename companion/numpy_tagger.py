"""The tagger of :mod:`companion.tagger` trained in plain NumPy, with the book's own backward
pass (:func:`companion.numpy_lstm.gradients`) and :mod:`companion.numpy_optimizers`.

A training step, one line each: forward, loss, backward, clipping, update::

    logits, cache = forward(tokens, weights)
    loss, d_logits = cross_entropy(logits, targets, reduction)
    grads = backward(d_logits, cache)
    grads = numpy_optimizers.clip(grads, clipping)
    params, state = numpy_optimizers.update(optimizer, params, grads, state)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion import numpy_lstm, numpy_optimizers
from companion.optimizers import Clipping, Optimizer
from companion.tagger import TaggerWeights, Trajectory, prepare


def forward(tokens: np.ndarray, weights: TaggerWeights) -> tuple[np.ndarray, tuple]:
    """tokens (batch, time) ids -> (logits (batch, time, classes), what :func:`backward`
    needs)."""
    x = weights.embedding[tokens]  # (batch, time, input_size)
    h = numpy_lstm.forward(x, weights.lstm).outputs  # (batch, time, hidden)
    logits = h @ weights.dense_kernel + weights.dense_bias
    return logits, (tokens, x, h, weights)


def cross_entropy(
    logits: np.ndarray, targets: np.ndarray, reduction: str = "mean"
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy of logits (batch, time, classes) against targets (batch, time),
    summed or averaged over batch and time; returns (loss, d loss / d logits)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probabilities, targets[..., None], axis=-1)[..., 0]
    d_logits = np.exp(log_probabilities) - np.eye(logits.shape[-1], dtype=logits.dtype)[targets]
    if reduction == "mean":
        return float(-picked.mean()), d_logits / targets.size
    return float(-picked.sum()), d_logits


def backward(d_logits: np.ndarray, cache: tuple) -> list[np.ndarray]:
    """The gradients of every parameter, in the order of :meth:`TaggerWeights.arrays`."""
    tokens, x, h, weights = cache
    d_dense_kernel = np.einsum("bth,btc->hc", h, d_logits)
    d_dense_bias = d_logits.sum(axis=(0, 1))
    d_h = d_logits @ weights.dense_kernel.T  # (batch, time, hidden)
    lstm = numpy_lstm.gradients(x, weights.lstm, d_h)
    d_embedding = np.zeros_like(weights.embedding)
    np.add.at(d_embedding, tokens, lstm.x)  # each row: the sum over the steps that read it
    return [
        d_embedding,
        lstm.kernel,
        lstm.recurrent_kernel,
        lstm.bias,
        d_dense_kernel,
        d_dense_bias,
    ]


def train(
    weights: TaggerWeights,
    tokens: Any,
    targets: Any,
    optimizer: Optimizer,
    *,
    clipping: Clipping | None = None,
    reduction: str = "mean",
) -> Trajectory:
    """Train from ``weights``, one step per batch of tokens and targets (steps, batch, time).

    Each step: forward, softmax cross-entropy (mean over batch and time, or sum), the
    book's backward pass, clipping, the optimizer's update. Returns the
    :class:`~companion.tagger.Trajectory` of weights after every step and the losses.
    """
    inputs = prepare(weights, tokens, targets, optimizer, clipping, reduction)
    params = list(weights.arrays())
    state = numpy_optimizers.init(optimizer, params)
    trajectory, losses = [weights], []
    for batch_tokens, batch_targets in zip(*inputs, strict=True):
        logits, cache = forward(batch_tokens, trajectory[-1])
        loss, d_logits = cross_entropy(logits, batch_targets, reduction)
        grads = numpy_optimizers.clip(backward(d_logits, cache), clipping)
        params, state = numpy_optimizers.update(optimizer, params, grads, state)
        trajectory.append(TaggerWeights.from_arrays(params))
        losses.append(loss)
    return Trajectory(trajectory, np.array(losses))

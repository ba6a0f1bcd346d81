"""The one PyTorch training loop of the book's models, and the single-threaded context the
seeded trainers run in.

Every PyTorch trainer of :mod:`companion.trained` (:func:`.classifier.train`,
:func:`.classifier.train_agreement`, :func:`.torch_articles.train`,
:func:`.chinese_sentiment.train` and :func:`.torch_language_model.train`) says what its
batches are and what loss they give, and :func:`fit` does the rest: the gradient, its
clipping, the optimiser's step, the state carried from batch to batch, and the losses per
epoch as a :class:`~companion.trained.History`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

from companion._checks import integer
from companion.trained import History


def fit(
    module: torch.nn.Module,
    batches: Callable[[], Iterable[Any]],
    loss: Callable[..., Any],
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    clip_norm: float | None = None,
    carry: Callable[[Any], Any] | None = None,
    after_step: Callable[[], None] | None = None,
    samples: Callable[[Any], int] | None = None,
    validation: Callable[[], float] | None = None,
) -> History:
    """Train ``module`` for ``epochs`` epochs; return the losses per epoch.

    Every epoch puts ``module`` in training mode and calls ``batches()`` for that epoch's
    batches (anything ``loss`` takes: a new call may shuffle). For each batch, in order:
    ``loss(batch)`` gives the scalar tensor to minimise; the optimiser's gradients are
    zeroed and the loss back-propagated; with ``clip_norm``, the gradients of the
    parameters the optimiser updates are scaled to a global norm of at most ``clip_norm``
    (``torch.nn.utils.clip_grad_norm_``); the optimiser steps; ``after_step()`` runs.

    carry: for a state carried from batch to batch (truncated backpropagation through
    time). Then ``loss(batch, state)`` returns ``(loss, state)``; the state is None at the
    start of every epoch and each batch gets ``carry`` of the state the batch before it
    returned (``detach``: the values go on, the gradients stop at the boundary).
    samples: how many samples a batch holds, its weight in the epoch's mean loss (None:
    every batch weighs the same). validation: the loss on held-out data, called after each
    epoch (it may switch the module to eval mode; the next epoch switches it back).

    Returns History(loss, validation_loss): the epoch's mean of the batches' losses,
    ``epochs`` of them, and as many validation losses (none without ``validation``). The
    module is left in the mode the last epoch ended in.
    """
    integer("epochs", epochs, 0)
    if clip_norm is not None and not clip_norm > 0:
        raise ValueError(f"clip_norm must be positive or None; got {clip_norm!r}")
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    history = History([], [])
    for _ in range(epochs):
        module.train()
        state = None
        total, weight = 0.0, 0
        for batch in batches():
            if carry is None:
                value = loss(batch)
            else:
                value, state = loss(batch, state)
                state = carry(state)
            optimizer.zero_grad()
            value.backward()
            if clip_norm is not None:
                torch.nn.utils.clip_grad_norm_(parameters, clip_norm)
            optimizer.step()
            if after_step is not None:
                after_step()
            size = 1 if samples is None else samples(batch)
            total += value.item() * size
            weight += size
        if weight == 0:
            raise ValueError("every epoch needs at least one batch of samples; got none")
        history.loss.append(total / weight)
        if validation is not None:
            history.validation_loss.append(float(validation()))
    return history


@contextmanager
def one_thread() -> Iterator[None]:
    """Run PyTorch on one thread inside the ``with`` block, so that a seeded training gives
    the same result whatever the machine's core count (it still depends on its numeric
    kernels); the thread count is restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)

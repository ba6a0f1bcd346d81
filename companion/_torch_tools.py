"""Running a PyTorch recurrent computation on NumPy inputs, forwards and through autograd,
and reading the gradients of PyTorch's parameters in Keras layout (:func:`backprop_modules`).

Shared by every PyTorch backend; only PyTorch modules import it. PyTorch has no masks:
:func:`masked_scan` steps a cell one time step at a time and keeps the state (repeating the
previous output) where the mask is False, as Keras does; :func:`run_module` uses it to run
``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` with a mask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

StepFn = Callable[[torch.Tensor, tuple[torch.Tensor, ...]], tuple[torch.Tensor, ...]]


def tensor(array: Any, requires_grad: bool = False) -> torch.Tensor:
    """A torch tensor holding a writable copy of ``array``."""
    return torch.from_numpy(np.array(array)).requires_grad_(requires_grad)


def masked_scan(
    step: StepFn,
    x: torch.Tensor,
    states: tuple[torch.Tensor, ...],
    mask: np.ndarray | None,
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """Run ``step(x_t, states) -> new_states`` over x (batch, time, input_size).

    The first state is the output. Returns (outputs (batch, time, hidden), final states).
    """
    keep_all = None if mask is None else torch.from_numpy(np.array(mask))
    previous = torch.zeros_like(states[0])
    steps = []
    for t in range(x.shape[1]):
        new_states = step(x[:, t], states)
        if keep_all is None:
            states, previous = new_states, new_states[0]
        else:
            keep = keep_all[:, t, None]
            states = tuple(
                torch.where(keep, new, old) for new, old in zip(new_states, states, strict=True)
            )
            previous = torch.where(keep, new_states[0], previous)
        steps.append(previous)
    if not steps:
        return torch.zeros((*x.shape[:2], states[0].shape[1]), dtype=x.dtype), states
    return torch.stack(steps, dim=1), states


def run_module(
    module: torch.nn.RNNBase,
    x: torch.Tensor,
    states: tuple[torch.Tensor, ...],
    mask: np.ndarray | None,
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """Run a one-layer, one-direction, batch_first ``nn.LSTM`` (states (h, c)), ``nn.GRU`` or
    ``nn.RNN`` (states (h,)) over x (batch, time, input_size), each state (batch, hidden):
    in one call without a mask, one step at a time with :func:`masked_scan` with one.
    Returns (outputs (batch, time, hidden), final states)."""

    def call(
        x_part: torch.Tensor, states: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        hx = tuple(s[None] for s in states)
        outputs, new = module(x_part, hx if len(hx) > 1 else hx[0])
        return outputs, tuple(s[0] for s in (new if isinstance(new, tuple) else (new,)))

    if mask is None and x.shape[1] > 0:
        return call(x, states)
    return masked_scan(lambda x_t, s: call(x_t[:, None], s)[1], x, states, mask)


def backprop_modules(
    results: Sequence[torch.Tensor],
    seeds: Sequence[np.ndarray],
    modules: Sequence[torch.nn.Module],
    inputs: Sequence[torch.Tensor],
    *,
    biases_summed: bool,
) -> list[np.ndarray]:
    """Gradients of sum over k of sum(results_k * seeds_k), by :func:`backprop`: those of
    ``inputs`` returned, those of every parameter of ``modules`` written into the parameter
    itself, so that the weights' own ``from_torch`` reads them in Keras layout, as it reads
    weights. The one conversion of PyTorch gradients; the modules' values are lost.

    ``biases_summed`` (the weights' ``torch_biases_summed``): the weights add ``bias_ih`` and
    ``bias_hh`` into one bias, so both have its gradient; ``bias_hh``'s is written as zero,
    so that ``from_torch`` counts it once.
    """
    named = [item for module in modules for item in module.named_parameters()]
    found = backprop(results, seeds, [*(param for _, param in named), *inputs])
    with torch.no_grad():
        for (name, param), grad in zip(named, found, strict=False):
            dropped = biases_summed and name.startswith("bias_hh")
            param.copy_(torch.zeros_like(param) if dropped else torch.from_numpy(grad))
    return found[len(named) :]


def backprop(
    results: Sequence[torch.Tensor], seeds: Sequence[np.ndarray], wrt: Sequence[torch.Tensor]
) -> list[np.ndarray]:
    """Gradients of sum over k of sum(results_k * seeds_k) with respect to each of ``wrt``
    (zeros where a tensor does not affect the loss), as NumPy arrays."""
    loss = sum((r * tensor(s)).sum() for r, s in zip(results, seeds, strict=True))
    grads = (
        torch.autograd.grad(loss, list(wrt), allow_unused=True)
        if loss.requires_grad
        else [None] * len(wrt)
    )
    return [
        np.zeros(tuple(w.shape), str(w.dtype).removeprefix("torch."))
        if g is None
        else g.detach().numpy()
        for g, w in zip(grads, wrt, strict=True)
    ]

"""The optimizers of :mod:`companion.optimizers` as ``torch.optim`` optimizers.

:func:`build` returns ``torch.optim.SGD`` or ``torch.optim.Adam`` (PyTorch's convention) or
:class:`KerasAdam`, a ``torch.optim.Optimizer`` computing ``keras.optimizers.Adam``'s update
(epsilon, default 1e-7, added to sqrt(v) with the bias correction folded into the step
size). :func:`clip_` clips gradients in place as a :class:`~companion.optimizers.Clipping`
says: with ``torch.nn.utils.clip_grad_norm_`` where its epsilon is asked for, otherwise by the
exact formula Keras uses. :func:`apply` runs a fixed sequence of gradients through both, with
the signature of :func:`companion.numpy_optimizers.apply`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch

from companion._torch_tools import tensor
from companion.optimizers import (
    ADAM_EPSILON,
    TORCH_CLIP_EPSILON,
    Adam,
    Clipping,
    Optimizer,
    check_optimizer,
)


class KerasAdam(torch.optim.Optimizer):
    """``torch.optim`` Adam computing ``keras.optimizers.Adam``'s update:
    ``theta -= alpha m / (sqrt(v) + epsilon)`` with
    ``alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)`` and epsilon defaulting to 1e-7."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = ADAM_EPSILON["keras"],
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        loss = None if closure is None else closure()
        for group in self.param_groups:
            beta_1, beta_2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(param)
                    state["v"] = torch.zeros_like(param)
                state["step"] += 1
                m, v, step = state["m"], state["v"], state["step"]
                m.add_((param.grad - m) * (1 - beta_1))
                v.add_((param.grad * param.grad - v) * (1 - beta_2))
                alpha = group["lr"] * (1 - beta_2**step) ** 0.5 / (1 - beta_1**step)
                param.sub_(m * alpha / (v.sqrt() + group["eps"]))
        return loss


def build(optimizer: Optimizer, params: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimizer computing ``optimizer`` on ``params``."""
    check_optimizer(optimizer)
    if not isinstance(optimizer, Adam):
        return torch.optim.SGD(params, lr=optimizer.learning_rate, momentum=optimizer.momentum)
    betas = (optimizer.beta_1, optimizer.beta_2)
    kind = torch.optim.Adam if optimizer.convention == "pytorch" else KerasAdam
    return kind(params, lr=optimizer.learning_rate, betas=betas, eps=optimizer.epsilon)


def clip_(params: Sequence[torch.Tensor], clipping: Clipping | None) -> None:
    """Rescale the ``.grad`` of ``params`` in place as ``clipping`` says (nothing if None).

    Global clipping with ``epsilon`` = :data:`~companion.optimizers.TORCH_CLIP_EPSILON` is
    ``torch.nn.utils.clip_grad_norm_``; any other is the formula of
    :func:`companion.numpy_optimizers.clip`, which with epsilon 0 is Keras's.
    """
    if clipping is None:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if clipping.scope == "global" and clipping.epsilon == TORCH_CLIP_EPSILON:
        torch.nn.utils.clip_grad_norm_(params, clipping.max_norm)
        return
    norms = [torch.linalg.vector_norm(g) for g in grads]
    if clipping.scope == "per_variable":
        for grad, norm in zip(grads, norms, strict=True):
            grad.mul_(clipping.max_norm / torch.clamp(norm, min=clipping.max_norm))
        return
    norm = torch.linalg.vector_norm(torch.stack(norms))
    grad_scale = torch.clamp(clipping.max_norm / (norm + clipping.epsilon), max=1.0)
    for grad in grads:
        grad.mul_(grad_scale)


def apply(
    optimizer: Optimizer,
    params: Sequence[Any],
    gradients: Iterable[Sequence[Any]],
    *,
    clipping: Clipping | None = None,
) -> list[np.ndarray]:
    """The parameters after one update per entry of ``gradients`` by the ``torch.optim``
    optimizer (see :func:`companion.numpy_optimizers.apply`). Returns new arrays."""
    tensors = [tensor(p, requires_grad=True) for p in params]
    built = build(optimizer, tensors)
    for grads in gradients:
        for param, grad in zip(tensors, grads, strict=True):
            param.grad = torch.from_numpy(np.array(grad, dtype=str(param.dtype)[6:]))
        clip_(tensors, clipping)
        built.step()
    return [p.detach().numpy().copy() for p in tensors]

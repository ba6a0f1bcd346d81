"""SGD, Adam and gradient clipping in plain NumPy: small pure functions, the state explicit.

:func:`sgd_step` and :func:`adam_step` update one parameter array from its gradient and
return the new parameter and the new state; nothing is modified in place. :func:`init` and
:func:`update` do the same for a list of parameters, :func:`clip` rescales gradients as
:class:`~companion.optimizers.Clipping` says, and :func:`apply` runs a fixed sequence of
gradients through all of it, with the signature :mod:`companion.keras_optimizers` and
:mod:`companion.torch_optimizers` share. The formulas, and how Keras's and PyTorch's Adam
differ, are in :mod:`companion.optimizers`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from companion._numeric import global_norm
from companion.optimizers import Adam, Clipping, Optimizer, check_optimizer


def sgd_step(
    param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, optimizer: Any
) -> tuple[np.ndarray, np.ndarray]:
    """One SGD step with momentum, PyTorch's form: ``b = momentum b + g; theta -= lr b``.

    velocity: b, zeros before the first step. Returns (new param, new velocity).
    """
    velocity = optimizer.momentum * velocity + grad
    return param - optimizer.learning_rate * velocity, velocity


def adam_step(
    param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, step: int, optimizer: Adam
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Adam step, in ``optimizer.convention``; step counts from 1.

    m, v: the first and second moment estimates, zeros before the first step.
    Returns (new param, new m, new v).
    """
    beta_1, beta_2 = optimizer.beta_1, optimizer.beta_2
    lr, eps = optimizer.learning_rate, optimizer.epsilon
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    if optimizer.convention == "pytorch":  # epsilon beside sqrt(v_hat)
        m_hat = m / (1 - beta_1**step)
        v_hat = v / (1 - beta_2**step)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    alpha = lr * np.sqrt(1 - beta_2**step) / (1 - beta_1**step)  # epsilon beside sqrt(v)
    return param - alpha * m / (np.sqrt(v) + eps), m, v


class OptimizerState(NamedTuple):
    """The state of an optimizer over a list of parameters.

    step: the number of updates made so far; slots: per parameter, (velocity,) for SGD and
    (m, v) for Adam, each shaped like the parameter.
    """

    step: int
    slots: tuple[tuple[np.ndarray, ...], ...]


def init(optimizer: Optimizer, params: Sequence[np.ndarray]) -> OptimizerState:
    """The state before the first update: zeros for every slot."""
    check_optimizer(optimizer)
    count = 2 if isinstance(optimizer, Adam) else 1
    return OptimizerState(0, tuple(tuple(np.zeros_like(p) for _ in range(count)) for p in params))


def update(
    optimizer: Optimizer,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    state: OptimizerState,
) -> tuple[list[np.ndarray], OptimizerState]:
    """One update of every parameter from its gradient. Returns (new params, new state)."""
    if len(params) != len(grads) or len(params) != len(state.slots):
        raise ValueError(
            f"params, grads and state must have one entry per parameter; got {len(params)}, "
            f"{len(grads)} and {len(state.slots)}"
        )
    step = state.step + 1
    new_params, new_slots = [], []
    for param, grad, slots in zip(params, grads, state.slots, strict=True):
        if grad.shape != param.shape:
            raise ValueError(f"a gradient has shape {grad.shape}; its parameter {param.shape}")
        if isinstance(optimizer, Adam):
            param, *slots = adam_step(param, grad, *slots, step, optimizer)
        else:
            param, *slots = sgd_step(param, grad, *slots, optimizer)
        new_params.append(param)
        new_slots.append(tuple(slots))
    return new_params, OptimizerState(step, tuple(new_slots))


def clip(grads: Sequence[np.ndarray], clipping: Clipping | None) -> list[np.ndarray]:
    """``grads`` rescaled as ``clipping`` says (unchanged where None, or within the norm).

    Global: every gradient times ``min(1, max_norm / (norm + epsilon))`` with ``norm`` the
    global norm of all of them (:func:`companion._numeric.global_norm`); per variable: each
    gradient times ``max_norm / max(norm, max_norm)`` with its own norm, as Keras's
    ``clipnorm``.
    """
    if clipping is None:
        return list(grads)
    if clipping.scope == "per_variable":
        return [g * clipping.max_norm / max(global_norm([g]), clipping.max_norm) for g in grads]
    scale = min(1.0, clipping.max_norm / (global_norm(grads) + clipping.epsilon))
    return [g * scale for g in grads]


def apply(
    optimizer: Optimizer,
    params: Sequence[Any],
    gradients: Iterable[Sequence[Any]],
    *,
    clipping: Clipping | None = None,
) -> list[np.ndarray]:
    """The parameters after one update per entry of ``gradients``, each a list of arrays
    shaped like ``params`` (clipped first, if ``clipping``). Returns new arrays."""
    params = [np.array(p) for p in params]
    state = init(optimizer, params)
    for grads in gradients:
        grads = [np.asarray(g, dtype=p.dtype) for g, p in zip(grads, params, strict=True)]
        params, state = update(optimizer, params, clip(grads, clipping), state)
    return params

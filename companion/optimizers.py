"""What an optimizer takes: SGD and Adam, each in the conventions Keras and PyTorch follow,
and gradient clipping, as plain settings that every backend reads.

One :class:`SGD` or :class:`Adam` value describes one optimizer exactly, down to where Adam
adds its epsilon; :mod:`companion.numpy_optimizers` computes it in NumPy,
:mod:`companion.keras_optimizers` builds the Keras optimizer that computes the same, and
:mod:`companion.torch_optimizers` the ``torch.optim`` one. Each of the three has
``apply(optimizer, params, gradients, clipping=...)``, NumPy arrays in and out.

Adam in the two conventions, with g the gradient of step t = 1, 2, ... (the same m and v)::

    m = beta_1 m + (1 - beta_1) g                 v = beta_2 v + (1 - beta_2) g^2

    PyTorch (torch.optim.Adam, Kingma & Ba's     Keras 3 (keras.optimizers.Adam, their
    Algorithm 1), epsilon = 1e-8:                 "epsilon hat" form), epsilon = 1e-7:

    m_hat = m / (1 - beta_1^t)                    alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
    v_hat = v / (1 - beta_2^t)
    theta -= lr m_hat / (sqrt(v_hat) + eps)       theta -= alpha m / (sqrt(v) + eps)

Keras's update is PyTorch's with epsilon replaced by ``eps / sqrt(1 - beta_2^t)``: at step 1,
with the default beta_2 = 0.999, Keras's 1e-7 acts as 3.2e-6 beside sqrt(v_hat), 316 times
PyTorch's 1e-8, shrinking towards 1e-7 as t grows. Where a gradient is small (an embedding
row of a rare token) that is a different optimizer.

SGD with momentum (no dampening, not Nesterov) is one optimizer in both frameworks: PyTorch
keeps ``b = momentum b + g`` and steps ``theta -= lr b``; Keras keeps
``u = momentum u - lr g`` and steps ``theta += u``, that is u = -lr b while the learning rate
is constant.

Clipping rescales the gradients before the update when their norm exceeds ``max_norm``:
``global`` over all parameters together (Keras's ``global_clipnorm``, PyTorch's
``clip_grad_norm_``), ``per_variable`` each parameter on its own (Keras's ``clipnorm``).
PyTorch's ``clip_grad_norm_`` divides by ``norm + 1e-6`` (:data:`TORCH_CLIP_EPSILON`), Keras
by the norm itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ADAM_EPSILON = {"pytorch": 1e-8, "keras": 1e-7}
"""The default epsilon of each Adam convention: ``torch.optim.Adam``'s and
``keras.optimizers.Adam``'s."""

TORCH_CLIP_EPSILON = 1e-6
"""What ``torch.nn.utils.clip_grad_norm_`` adds to the norm it divides by."""

Convention = Literal["pytorch", "keras"]


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be positive; got {value!r}")


def _fraction(name: str, value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value!r}")


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum; ``momentum=0`` is plain SGD.

    The same optimizer in PyTorch's form (``b = momentum b + g; theta -= lr b``) and Keras's
    (``u = momentum u - lr g; theta += u``) while the learning rate is constant.
    """

    learning_rate: float = 0.01
    momentum: float = 0.0

    def __post_init__(self) -> None:
        _positive("learning_rate", self.learning_rate)
        _fraction("momentum", self.momentum)


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba), in PyTorch's or Keras's convention (see the module docstring).

    ``epsilon=None`` takes the convention's default (:data:`ADAM_EPSILON`): 1e-8 added to
    sqrt(v_hat) in PyTorch's convention, 1e-7 added to sqrt(v) in Keras's.
    """

    learning_rate: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float | None = None
    convention: Convention = "pytorch"

    def __post_init__(self) -> None:
        _positive("learning_rate", self.learning_rate)
        _fraction("beta_1", self.beta_1)
        _fraction("beta_2", self.beta_2)
        if self.convention not in ADAM_EPSILON:
            raise ValueError(
                f"convention must be one of {tuple(ADAM_EPSILON)}; got {self.convention!r}"
            )
        if self.epsilon is None:
            object.__setattr__(self, "epsilon", ADAM_EPSILON[self.convention])
        _positive("epsilon", self.epsilon)


Optimizer = SGD | Adam


@dataclass(frozen=True)
class Clipping:
    """Rescale the gradients to norm ``max_norm`` where their norm exceeds it.

    scope: ``"global"``, the norm of all gradients together (Keras's ``global_clipnorm``,
    PyTorch's ``clip_grad_norm_``), or ``"per_variable"``, each gradient's own norm (Keras's
    ``clipnorm``). epsilon: added to the norm that ``max_norm`` is divided by: 0 in Keras,
    :data:`TORCH_CLIP_EPSILON` in ``clip_grad_norm_``.
    """

    max_norm: float
    scope: Literal["global", "per_variable"] = "global"
    epsilon: float = 0.0

    def __post_init__(self) -> None:
        _positive("max_norm", self.max_norm)
        if self.scope not in ("global", "per_variable"):
            raise ValueError(f"scope must be 'global' or 'per_variable'; got {self.scope!r}")
        if not self.epsilon >= 0:
            raise ValueError(f"epsilon must be >= 0; got {self.epsilon!r}")


def check_optimizer(optimizer: object) -> None:
    """Raise ``TypeError`` unless ``optimizer`` is an :class:`SGD` or :class:`Adam`."""
    if not isinstance(optimizer, SGD | Adam):
        raise TypeError(
            f"optimizer must be companion.optimizers.SGD or Adam; got {type(optimizer).__name__}"
        )

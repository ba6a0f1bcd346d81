"""The optimizers of :mod:`companion.optimizers` as Keras 3 optimizers.

:class:`PyTorchAdam` is ``keras.optimizers.Adam`` with PyTorch's update: epsilon (default
1e-8) added to sqrt(v_hat) rather than Keras's 1e-7 added to sqrt(v) (the formulas side by
side are in :mod:`companion.optimizers`). With it, a Keras model and a PyTorch model train
with one optimizer. Like :class:`DenseAdam` and :class:`DenseSGD` it makes TensorFlow's
sparse gradients of embeddings dense first (:class:`DenseGradients`). :func:`build` makes the
Keras optimizer for an :class:`~companion.optimizers.SGD` or
:class:`~companion.optimizers.Adam` and a :class:`~companion.optimizers.Clipping`;
:func:`apply` runs a fixed sequence of gradients through it, with the signature of
:func:`companion.numpy_optimizers.apply`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from companion._keras_tools import float64_kept, keras, scoped, to_numpy
from companion.optimizers import ADAM_EPSILON, Adam, Clipping, Optimizer, check_optimizer


@contextlib.contextmanager
def floatx(dtype: Any) -> Iterator[None]:
    """Keras's default float type set to ``dtype`` ('float32' or 'float64') inside the block.

    Keras turns Python floats into tensors of ``keras.config.floatx()``, float32 by default.
    An optimizer's settings are Python floats: on PyTorch ``1 - beta_1`` (0.1) becomes a
    float32 tensor when Adam multiplies by it, and a float64 run drifts 1e-10 from the first
    step. Build and run a float64 optimizer inside ``floatx("float64")``.

    Keras's global dtype policy is restored too: until a process sets one, the first layer
    built without a dtype fixes it from ``floatx()``, for good. Built inside the block, that
    would leave every later default layer of the process float64.
    """
    from keras.src.backend.common import global_state

    saved = keras.config.floatx(), global_state.get_global_attribute("dtype_policy")
    keras.config.set_floatx(str(np.dtype(dtype)))
    try:
        yield
    finally:
        keras.config.set_floatx(saved[0])
        global_state.set_global_attribute("dtype_policy", saved[1])


def dense(gradient: Any) -> Any:
    """``gradient`` as a dense tensor: a TensorFlow ``IndexedSlices`` (the gradient of a row
    lookup, one row per lookup) becomes the tensor of its summed rows; others pass as they
    are."""
    if type(gradient).__name__ == "IndexedSlices":
        import tensorflow as tf

        return tf.convert_to_tensor(gradient)
    return gradient


class DenseGradients:
    """Mixin for a Keras optimizer: make every gradient dense (:func:`dense`) before clipping
    and updating.

    On TensorFlow the gradient of an embedding lookup is a ``tf.IndexedSlices`` with one row
    per occurrence of a token, and Keras's optimizers square those rows one by one: Adam's v
    and the norm that ``global_clipnorm`` and ``clipnorm`` clip grow by the sum of the
    squares of a repeated token's rows, where the dense gradient of PyTorch (and of the
    mathematics) squares their sum. Dense, a token read twice in a batch contributes
    ``(g_1 + g_2)^2``. On JAX and PyTorch gradients are dense already.
    """

    def apply(self, grads: Any, trainable_variables: Any = None) -> Any:
        return super().apply([dense(g) for g in grads], trainable_variables)  # type: ignore[misc]


@keras.saving.register_keras_serializable(package="companion")
class PyTorchAdam(DenseGradients, keras.optimizers.Adam):
    """``keras.optimizers.Adam`` computing ``torch.optim.Adam``'s update.

    Arguments as ``keras.optimizers.Adam`` (clipping, weight decay, EMA, ...), with
    ``epsilon`` defaulting to PyTorch's 1e-8 and added to sqrt(v_hat):
    ``theta -= lr m_hat / (sqrt(v_hat) + epsilon)``, ``m_hat = m / (1 - beta_1^t)``,
    ``v_hat = v / (1 - beta_2^t)``. AMSGrad is not offered. ``weight_decay`` keeps Keras's
    meaning, decoupled from the gradient as in ``torch.optim.AdamW``, not the L2 term of
    ``torch.optim.Adam(weight_decay=...)``. Gradients are made dense first
    (:class:`DenseGradients`).
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        *,
        epsilon: float = ADAM_EPSILON["pytorch"],
        **kwargs: Any,
    ) -> None:
        if kwargs.get("amsgrad"):
            raise ValueError("PyTorchAdam does not implement AMSGrad; got amsgrad=True")
        super().__init__(learning_rate, epsilon=epsilon, **kwargs)

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """Update ``variable`` from ``gradient``, as ``torch.optim.Adam`` does."""
        ops = keras.ops
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        step = ops.cast(self.iterations + 1, variable.dtype)
        bias_correction_1 = 1 - ops.power(ops.cast(self.beta_1, variable.dtype), step)
        bias_correction_2 = 1 - ops.power(ops.cast(self.beta_2, variable.dtype), step)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        denominator = ops.add(ops.divide(ops.sqrt(v), ops.sqrt(bias_correction_2)), self.epsilon)
        self.assign_sub(variable, ops.multiply(lr / bias_correction_1, ops.divide(m, denominator)))


@keras.saving.register_keras_serializable(package="companion")
class DenseAdam(DenseGradients, keras.optimizers.Adam):
    """``keras.optimizers.Adam`` (Keras's convention) on dense gradients."""


@keras.saving.register_keras_serializable(package="companion")
class DenseSGD(DenseGradients, keras.optimizers.SGD):
    """``keras.optimizers.SGD`` on dense gradients."""


def build(optimizer: Optimizer, clipping: Clipping | None = None, *, dense: bool = True) -> Any:
    """The Keras optimizer computing ``optimizer``, clipping as ``clipping`` says.

    SGD: :class:`DenseSGD`; Adam: :class:`DenseAdam` in Keras's convention,
    :class:`PyTorchAdam` in PyTorch's: Keras's own optimizers, on dense gradients.
    Clipping: ``global_clipnorm`` (global) or ``clipnorm`` (per variable). ``dense=False``
    gives ``keras.optimizers.SGD`` and ``keras.optimizers.Adam`` themselves, which on
    TensorFlow treat an embedding's gradient row by row (:class:`DenseGradients`).

    Every setting is handed over as a NumPy float64, and the learning rate as a callable
    returning one: Keras stores a float learning rate in a variable of
    ``keras.config.floatx()`` (float32), and ``keras.ops.cast(0.9, "float64")`` on TensorFlow
    goes through a float32 tensor (0.9 becomes 0.8999999762): a float64 run would train with
    settings 1e-8 away from the ones asked for. Float64 settings are cast exactly, to float64
    or to float32. On PyTorch, Keras also makes float32 tensors of the Python floats an
    optimizer computes with (``1 - beta_1``): build and run a float64 optimizer inside
    :func:`floatx`.
    """
    check_optimizer(optimizer)
    arguments: dict[str, Any] = {}
    if clipping is not None:
        if clipping.epsilon:
            raise ValueError(
                "Keras clips by the norm itself; clipping.epsilon must be 0 (it is "
                f"torch.nn.utils.clip_grad_norm_'s convention); got {clipping.epsilon}"
            )
        name = "global_clipnorm" if clipping.scope == "global" else "clipnorm"
        arguments[name] = clipping.max_norm
    rate = np.float64(optimizer.learning_rate)

    def learning_rate() -> np.float64:
        return rate

    if isinstance(optimizer, Adam):
        if optimizer.convention == "pytorch":
            kind = PyTorchAdam
        else:
            kind = DenseAdam if dense else keras.optimizers.Adam
        return kind(
            learning_rate,
            beta_1=np.float64(optimizer.beta_1),
            beta_2=np.float64(optimizer.beta_2),
            epsilon=np.float64(optimizer.epsilon),
            **arguments,
        )
    momentum = np.float64(optimizer.momentum)
    kind = DenseSGD if dense else keras.optimizers.SGD
    return kind(learning_rate, momentum=momentum, **arguments)


@scoped
def apply(
    optimizer: Optimizer,
    params: Sequence[Any],
    gradients: Iterable[Sequence[Any]],
    *,
    clipping: Clipping | None = None,
) -> list[np.ndarray]:
    """The parameters after one update per entry of ``gradients`` by the Keras optimizer
    (see :func:`companion.numpy_optimizers.apply`). Returns new arrays."""
    params = [np.array(p) for p in params]
    with floatx(params[0].dtype), float64_kept():
        built = build(optimizer, clipping)
        variables = [keras.Variable(p, dtype=str(p.dtype)) for p in params]
        for grads in gradients:
            tensors = [
                keras.ops.convert_to_tensor(np.asarray(g, dtype=p.dtype))
                for g, p in zip(grads, params, strict=True)
            ]
            built.apply(tensors, variables)
        return to_numpy([v.value for v in variables])

"""Importing Keras quietly on the backend that ``KERAS_BACKEND`` names (TensorFlow when it names
none), and running a Keras layer on NumPy inputs, forwards and through that backend's own
automatic differentiation: ``tf.GradientTape``, ``jax.grad`` or ``torch.autograd``.

Shared by every Keras backend of the companion; only Keras modules import it, so ``import
companion`` imports no framework, and TensorFlow is imported only when it is the backend.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any, ParamSpec, TypeVar

import numpy as np

from companion._backends import KERAS_BACKENDS

# TensorFlow's C++ start-up messages about absent CUDA drivers: noise on a CPU machine, and
# their timestamps would change every stored notebook output.
_TF_NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    rb"|[IWE]\d{4} [\d:.]+ +\d+ (cudart_stub|cuda_platform|cuda_executor|cuda_diagnostics)\.cc)"
)


@contextlib.contextmanager
def _filtered_stderr() -> Iterator[None]:
    """Capture file descriptor 2 and pass on every line except TensorFlow's CUDA noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().splitlines(True) if not _TF_NOISE.match(line)]
            if kept:
                sys.stderr.write(b"".join(kept).decode(errors="replace"))


def import_keras() -> ModuleType:
    """Import Keras 3 on the backend ``KERAS_BACKEND`` names (default ``tensorflow``).

    TensorFlow is imported without its start-up log lines. Nothing about the process is
    changed: JAX's 64-bit types are switched on only inside :func:`scope`.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    requested = os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "keras" not in sys.modules and requested == "tensorflow":
        with _filtered_stderr():
            import tensorflow as tf

            tf.constant(0.0).numpy()  # initialise the devices now, while stderr is filtered
    import keras as keras_module

    backend = keras_module.config.backend()
    if backend not in KERAS_BACKENDS:
        raise RuntimeError(
            f"companion.keras_* runs Keras on one of {', '.join(KERAS_BACKENDS)}; "
            f"KERAS_BACKEND is {backend!r}"
        )
    return keras_module


keras = import_keras()
BACKEND: str = keras.config.backend()
"""The Keras backend of this process: one of :data:`KERAS_BACKENDS`."""


_TENSORFLOW_INSTALLED = importlib.util.find_spec("tensorflow") is not None


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """The context every call of a ``keras_*`` module runs in (:func:`scoped`); it leaves the
    user's process as it found it.

    - On JAX, 64-bit types are on (``jax.enable_x64``), without which a float64 layer
      silently computes in float32; outside, ``jnp.array(1.0)`` stays float32.
    - Keras on JAX or PyTorch imports TensorFlow lazily where it is installed:
      ``keras.layers.Bidirectional`` serializes the layer it wraps, and Keras's serializer
      asks whether TensorFlow is available (to test for ``tf.TensorShape``) by importing it.
      TensorFlow then prints its CUDA start-up lines, which are filtered out here.
    """
    with contextlib.ExitStack() as stack:
        if _TENSORFLOW_INSTALLED and "tensorflow" not in sys.modules:
            stack.enter_context(_filtered_stderr())
        if BACKEND == "jax":
            import jax

            stack.enter_context(jax.enable_x64(True))
        yield


Parameters = ParamSpec("Parameters")
Result = TypeVar("Result")


def scoped(function: Callable[Parameters, Result]) -> Callable[Parameters, Result]:
    """``function``, run inside :func:`scope`."""

    @functools.wraps(function)
    def in_scope(*args: Parameters.args, **kwargs: Parameters.kwargs) -> Result:
        with scope():
            return function(*args, **kwargs)

    return in_scope


@contextlib.contextmanager
def float64_kept() -> Iterator[None]:
    """Keep float64 arithmetic in float64 on every Keras backend.

    Keras 3's type promotion (``keras.backend.result_type``) maps float64 to float32 on every
    backend except TensorFlow, "to be aligned with JAX's default behavior", and operations
    that consult it compute in float32: on PyTorch ``keras.ops.matmul`` (two float64 arrays
    multiplied in float32, the product cast back where a variable is involved), on JAX
    ``keras.ops.tanh`` (a float64 array in, float32 out). A float64 LSTM loses 8 digits that
    way (about 1e-8 where float64 promises 1e-16); :mod:`companion.analysis.backend_differences`
    shows it. Inside this context the promotion table keeps float64, as it does on
    TensorFlow; float32 results are unchanged.
    """
    from keras.src.backend.common import dtypes

    table = dtypes.BIT64_TO_BIT32_DTYPE
    saved = table["float64"]
    table["float64"] = "float64"
    try:
        yield
    finally:
        table["float64"] = saved


def to_numpy(tensors: Sequence[Any]) -> list[np.ndarray]:
    return [np.ascontiguousarray(keras.ops.convert_to_numpy(t)) for t in tensors]


def evaluate(call: Callable[[], Sequence[Any]]) -> list[np.ndarray]:
    """``call()``'s results as NumPy arrays, computed with float64 kept (:func:`float64_kept`)."""
    with float64_kept():
        return to_numpy(call())


def started(mask: np.ndarray, *, go_backwards: bool = False) -> np.ndarray:
    """(batch, time) booleans, in the order a layer reads the steps (time reversed when
    ``go_backwards``): True from each sequence's first unmasked step on."""
    return np.logical_or.accumulate(mask[:, ::-1] if go_backwards else mask, axis=1)


def zero_before_start(outputs: Any, started: np.ndarray) -> Any:
    """``outputs`` (batch, time, hidden) with the steps where ``started`` is False set to 0.

    Over a masked step Keras carries the previous output over. Before a sequence's first
    unmasked step there is none: Keras on TensorFlow and on PyTorch gives zeros there, Keras on
    JAX gives the initial state h0 (its ``lax.scan`` loop carries ``states[0]``). NumPy,
    PyTorch and the companion give zeros, so the ``keras_*`` modules set those steps to zero
    on every backend (a no-op except on JAX); gradients follow.
    """
    if started.all():
        return outputs
    return keras.ops.where(started[..., None], outputs, keras.ops.zeros_like(outputs))


REUSED_LAYERS = 16
"""How many built layers :func:`reused_layer` keeps (the most recently used)."""

_REUSED: collections.OrderedDict[tuple[Any, ...], Any] = collections.OrderedDict()


def reused_layer(
    build: Callable[..., Any],
    weights: Any,
    *,
    key: tuple[Any, ...] = (),
    write: Callable[[Any, Any], Any] | None = None,
    **options: Any,
) -> Any:
    """``build(weights, **options)``, built once per builder, input and hidden size, dtype,
    ``key`` (whatever else the builder fixes: GRU's ``reset_after``, a variant, the stacked
    layers' directions) and ``options``, then kept: on every later use ``write(weights,
    layer)`` (default ``weights.to_keras(layer)``) writes the weights into it. The
    ``REUSED_LAYERS`` most recently used are kept.

    Building a Keras layer (its variables, its cell) costs more than running it on a small
    batch, and the ``keras_*`` functions run layers of one shape many times. They alone use
    these layers, one call at a time, and write every weight before each call, so no value
    survives from one call to the next; the builders the modules export (``layer``) still
    return a fresh layer, which the caller owns.
    """
    found = (build, weights.input_size, weights.hidden_size, str(weights.dtype), *key)
    found += tuple(sorted(options.items()))
    layer = _REUSED.pop(found, None)
    if layer is None:
        layer = build(weights, **options)
    elif write is None:
        weights.to_keras(layer)
    else:
        write(weights, layer)
    _REUSED[found] = layer
    while len(_REUSED) > REUSED_LAYERS:
        _REUSED.popitem(last=False)
    return layer


def run_layer(
    layer: Any, x: Any, states: Sequence[Any], mask: np.ndarray | None, go_backwards: bool
) -> list[Any]:
    """[outputs, final states...] of a Keras recurrent layer built with ``return_sequences``
    and ``return_state``, from ``states``, with :func:`zero_before_start`'s convention."""
    outputs, *final = layer(x, initial_state=list(states), mask=mask)
    if mask is not None:
        outputs = zero_before_start(outputs, started(mask, go_backwards=go_backwards))
    return [outputs, *final]


def gradients(
    call: Callable[..., Sequence[Any]],
    variables: Sequence[Any],
    x: np.ndarray,
    states: Sequence[np.ndarray],
    seeds: Sequence[np.ndarray],
) -> list[np.ndarray]:
    """Gradients of sum over k of sum(result_k * seeds_k) through ``call(x, states)``.

    ``call`` returns the layer's results (outputs, then the final states), one seed each.
    Returns the gradients with respect to ``variables`` (Keras variables), x, then each state,
    from the backend's own automatic differentiation, with float64 kept.
    """

    def loss(results: Sequence[Any]) -> Any:
        return sum(
            keras.ops.sum(r * keras.ops.convert_to_tensor(s))
            for r, s in zip(results, seeds, strict=True)
        )

    with float64_kept():
        return to_numpy(_AUTODIFF[BACKEND](call, loss, variables, x, states))


def _tensorflow_gradients(call, loss, variables, x, states) -> list[Any]:
    import tensorflow as tf

    x_tensor = tf.constant(x)
    state_tensors = [tf.constant(s) for s in states]
    with tf.GradientTape() as tape:
        tape.watch([x_tensor, *state_tensors])
        value = loss(call(x_tensor, state_tensors))
    targets = [v.value for v in variables] + [x_tensor, *state_tensors]
    return tape.gradient(value, targets, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _jax_gradients(call, loss, variables, x, states) -> list[Any]:
    import jax

    def value(weights: list[Any], x: Any, states: list[Any]) -> Any:
        with keras.StatelessScope(state_mapping=list(zip(variables, weights, strict=True))):
            return loss(call(x, states))

    arrays = [keras.ops.convert_to_tensor(a) for a in (x, *states)]
    d_weights, d_x, d_states = jax.grad(value, argnums=(0, 1, 2))(
        [v.value for v in variables], arrays[0], arrays[1:]
    )
    return [*d_weights, d_x, *d_states]


def _torch_gradients(call, loss, variables, x, states) -> list[Any]:
    import torch

    x_tensor, *state_tensors = (
        keras.ops.convert_to_tensor(np.array(a)).requires_grad_() for a in (x, *states)
    )
    targets = [v.value for v in variables] + [x_tensor, *state_tensors]
    found = torch.autograd.grad(loss(call(x_tensor, state_tensors)), targets, allow_unused=True)
    return [
        torch.zeros_like(t) if g is None else g.detach()
        for g, t in zip(found, targets, strict=True)
    ]


_AUTODIFF = {
    "tensorflow": _tensorflow_gradients,
    "jax": _jax_gradients,
    "torch": _torch_gradients,
}

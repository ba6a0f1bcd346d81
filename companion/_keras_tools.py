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
from typing import Any, NamedTuple, ParamSpec, TypeVar

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


def started(mask: Any, *, go_backwards: bool = False) -> Any:
    """(batch, time) booleans, in the order a layer reads the steps (time reversed when
    ``go_backwards``): True from each sequence's first unmasked step on. Keras operations, so
    that a compiled call (:class:`Reused`) can take the mask as an argument."""
    reading = keras.ops.flip(mask, axis=1) if go_backwards else mask
    return keras.ops.cumsum(keras.ops.cast(reading, "int32"), axis=1) > 0


def zero_before_start(outputs: Any, started: Any) -> Any:
    """``outputs`` (batch, time, hidden) with the steps where ``started`` is False set to 0.

    Over a masked step Keras carries the previous output over. Before a sequence's first
    unmasked step there is none: Keras on TensorFlow and on PyTorch gives zeros there, Keras on
    JAX gives the initial state h0 (its ``lax.scan`` loop carries ``states[0]``). NumPy,
    PyTorch and the companion give zeros, so the ``keras_*`` modules set those steps to zero
    on every backend (a no-op except on JAX); gradients follow.
    """
    return keras.ops.where(started[..., None], outputs, keras.ops.zeros_like(outputs))


def run_layer(layer: Any, x: Any, states: Sequence[Any], mask: Any) -> list[Any]:
    """[outputs, final states...] of a Keras recurrent layer built with ``return_sequences``
    and ``return_state``, from ``states``, with :func:`zero_before_start`'s convention."""
    outputs, *final = layer(x, initial_state=list(states), mask=mask)
    if mask is not None:
        outputs = zero_before_start(outputs, started(mask, go_backwards=layer.go_backwards))
    return [outputs, *final]


Run = Callable[[Any, Any, Sequence[Any], Any], Sequence[Any]]
"""``run(layer, x, states, mask)``: the tensors a call of the layer (or list of layers)
returns, outputs first, then the final states; :func:`run_layer` for one recurrent layer."""


def layer_list(layers: Any) -> list[Any]:
    """``layers`` as a list: a list of layers as it is, one layer in a list of its own."""
    return list(layers) if isinstance(layers, list | tuple) else [layers]


def trainable_variables(layers: Any) -> list[Any]:
    """The trainable Keras variables of a layer or a list of layers, in the order the
    weights' ``arrays()`` lists them (layer by layer, each layer's as Keras creates them)."""
    return [variable for layer in layer_list(layers) for variable in layer.trainable_weights]


class AutodiffGradients(NamedTuple):
    """What :meth:`Reused.gradients` returns, as NumPy arrays."""

    variables: list[np.ndarray]
    """One per variable of :func:`trainable_variables`, in its order."""
    x: np.ndarray
    states: list[np.ndarray]
    """One per initial state the call was given, in its order."""


PLACEHOLDER_INITIALIZERS = {
    "kernel_initializer": "zeros",
    "recurrent_initializer": "zeros",
    "bias_initializer": "zeros",
}
"""Initializers for a recurrent layer whose weights are written as soon as it is built
(every ``build`` here): what they draw is never used, and on JAX each random initializer
(glorot uniform, orthogonal) compiles again for every new shape. Measured: 25 s of the 128 s
the JAX test stage spent compiling."""


COMPILE_AFTER_STEPS = {"tensorflow": 256, "jax": 0, "torch": 0}
"""A :class:`Reused` call runs compiled once the layer's eager calls of its kind have run this
many time steps in all, by backend. An eager call of Keras on JAX compiles its ``lax.scan``
anyway, so JAX compiles from the first call, for good; on TensorFlow tracing a graph costs
about as much as a few hundred eagerly run steps, which a test's short sequences never reach
and the benchmark's 100 to 1000 steps reach in one or two calls (measured: the ``-m keras``
tests of the model modules took 113 s on TensorFlow compiling from the second call, 25 s
with this threshold, 22 s before any reuse). PyTorch runs eagerly either way."""


class Reused:
    """A Keras layer (or list of layers) built once, and its two calls, compiled once they
    have run eagerly for long enough (:data:`COMPILE_AFTER_STEPS`) where the backend
    compiles: ``tf.function`` (``reduce_retracing``, so that
    new batch and time sizes soon share one trace) on TensorFlow, ``jax.jit`` with every
    variable's value an argument on JAX (so that new weights do not compile it again);
    eagerly, forwards under ``torch.no_grad``, on PyTorch. Made by :func:`reused_layer`.

    The first calls run eagerly: compiling costs a second or more, which a layer used once
    or on short sequences, such as a test's one-off shape, would never win back.

    ``layer``: the built layer(s); ``variables``: their :func:`trainable_variables`, the
    variables :meth:`gradients` differentiates.
    """

    def __init__(self, layer: Any, run: Run) -> None:
        self.layer = layer
        self.variables = trainable_variables(layer)
        calls = _CALLS[BACKEND]
        self._eager = calls(layer, run, self.variables, compiled=False)
        self._compiled = calls(layer, run, self.variables, compiled=True)
        self._eager_steps = [0, 0]

    def _call(self, kind: int, steps: int) -> Callable:
        """Call ``kind`` (0 forward, 1 gradients) over ``steps`` time steps: eager until the
        eager calls of that kind have run :data:`COMPILE_AFTER_STEPS` steps, then compiled."""
        if self._eager_steps[kind] >= COMPILE_AFTER_STEPS[BACKEND]:
            return self._compiled[kind]
        self._eager_steps[kind] += steps
        return self._eager[kind]

    def forward(self, x: np.ndarray, states: Sequence[np.ndarray], mask: Any) -> list[np.ndarray]:
        """``run(layer, x, states, mask)`` as NumPy arrays, computed with float64 kept
        (:func:`float64_kept`)."""
        with float64_kept():
            return to_numpy(self._call(0, x.shape[1])(x, list(states), mask))

    def gradients(
        self,
        x: np.ndarray,
        states: Sequence[np.ndarray],
        seeds: Sequence[np.ndarray],
        mask: Any,
    ) -> AutodiffGradients:
        """Gradients of sum over k of sum(result_k * seeds_k), result_k the k-th tensor
        ``run(layer, x, states, mask)`` returns, with respect to :attr:`variables`, x and
        each state: from the backend's own automatic differentiation, with float64 kept."""
        with float64_kept():
            found = to_numpy(self._call(1, x.shape[1])(x, list(states), list(seeds), mask))
        count = len(self.variables)
        return AutodiffGradients(found[:count], found[count], found[count + 1 :])


def _loss(results: Sequence[Any], seeds: Sequence[Any]) -> Any:
    return sum(
        keras.ops.sum(r * keras.ops.convert_to_tensor(s))
        for r, s in zip(results, seeds, strict=True)
    )


def _tensorflow_calls(
    layer: Any, run: Run, variables: list[Any], *, compiled: bool
) -> tuple[Callable, Callable]:
    import tensorflow as tf

    def forward(x, states, mask):
        return run(layer, x, states, mask)

    def gradients(x, states, seeds, mask):
        with tf.GradientTape() as tape:
            tape.watch([x, *states])
            value = _loss(run(layer, x, states, mask), seeds)
        targets = [v.value for v in variables] + [x, *states]
        return tape.gradient(value, targets, unconnected_gradients=tf.UnconnectedGradients.ZERO)

    if compiled:
        forward, gradients = (
            tf.function(call, reduce_retracing=True) for call in (forward, gradients)
        )
        for function in (forward, gradients):
            # TensorFlow counts the traces of every tf.function of one Python function
            # together and warns of "excessive retracing" after five: here each layer kept
            # has its own, traced once or twice (with and without a mask), as intended.
            function._omit_frequent_tracing_warning = True

    def tensors(arrays: Sequence[Any]) -> list[Any]:
        return [tf.constant(a) for a in arrays]

    def mask_tensor(mask: Any) -> Any:
        return None if mask is None else tf.constant(mask)

    return (
        lambda x, states, mask: forward(tf.constant(x), tensors(states), mask_tensor(mask)),
        lambda x, states, seeds, mask: gradients(
            tf.constant(x), tensors(states), tensors(seeds), mask_tensor(mask)
        ),
    )


def _jax_calls(
    layer: Any, run: Run, variables: list[Any], *, compiled: bool
) -> tuple[Callable, Callable]:
    import jax

    fixed = [
        variable
        for built in layer_list(layer)
        for variable in built.variables
        if all(variable is not trainable for trainable in variables)
    ]  # a seed generator's state

    def stateless(values, fixed_values, x, states, mask):
        mapping = zip([*variables, *fixed], [*values, *fixed_values], strict=True)
        with keras.StatelessScope(state_mapping=list(mapping)):
            return run(layer, x, states, mask)

    def loss(values, fixed_values, x, states, seeds, mask):
        return _loss(stateless(values, fixed_values, x, states, mask), seeds)

    compiler = jax.jit if compiled else (lambda function: function)
    forward_call = compiler(stateless)
    gradients_call = compiler(jax.grad(loss, argnums=(0, 2, 3)))

    def values() -> tuple[list[Any], list[Any]]:
        return [v.value for v in variables], [v.value for v in fixed]

    def forward(x, states, mask):
        return forward_call(*values(), x, states, mask)

    def gradients(x, states, seeds, mask):
        d_values, d_x, d_states = gradients_call(*values(), x, states, seeds, mask)
        return [*d_values, d_x, *d_states]

    return forward, gradients


def _torch_calls(
    layer: Any, run: Run, variables: list[Any], *, compiled: bool
) -> tuple[Callable, Callable]:
    """PyTorch: eager either way (``compiled`` is ignored; Keras's ``torch.compile`` unrolls
    the time loop, see ``benchmarks/bench.py --torch-compile``)."""
    import torch

    def forward(x, states, mask):
        with torch.no_grad():
            return run(layer, x, states, mask)

    def gradients(x, states, seeds, mask):
        x_tensor, *state_tensors = (
            keras.ops.convert_to_tensor(np.array(a)).requires_grad_() for a in (x, *states)
        )
        targets = [v.value for v in variables] + [x_tensor, *state_tensors]
        value = _loss(run(layer, x_tensor, state_tensors, mask), seeds)
        found = torch.autograd.grad(value, targets, allow_unused=True)
        return [
            torch.zeros_like(t) if g is None else g.detach()
            for g, t in zip(found, targets, strict=True)
        ]

    return forward, gradients


_CALLS = {
    "tensorflow": _tensorflow_calls,
    "jax": _jax_calls,
    "torch": _torch_calls,
}


REUSED_LAYERS = 16
"""How many :class:`Reused` layers :func:`reused_layer` keeps (the most recently used)."""

_REUSED: collections.OrderedDict[tuple[Any, ...], Reused] = collections.OrderedDict()
_COUNTS = collections.Counter()


class CacheInfo(NamedTuple):
    """How :func:`reused_layer` has done in this process (as ``functools.lru_cache``'s)."""

    hits: int
    misses: int
    size: int
    limit: int


def cache_info() -> CacheInfo:
    """How many calls of :func:`reused_layer` found their layer, how many built one, and how
    many layers are kept."""
    return CacheInfo(_COUNTS["hits"], _COUNTS["misses"], len(_REUSED), REUSED_LAYERS)


def cache_clear() -> None:
    """Forget every kept layer (the next call of each shape builds and compiles again) and
    the counts of :func:`cache_info`."""
    _REUSED.clear()
    _COUNTS.clear()


def reused_layer(
    build: Callable[..., Any],
    weights: Any,
    *,
    key: tuple[Any, ...] = (),
    write: Callable[[Any, Any], Any] | None = None,
    run: Run = run_layer,
    **options: Any,
) -> Reused:
    """``Reused(build(weights, **options), run)``, made once per builder, run, input and
    hidden size, dtype, ``key`` (whatever else the builder fixes: GRU's ``reset_after``, a
    variant, the stacked layers' directions) and ``options`` (``go_backwards``), then kept:
    on every later use ``write(weights, layer)`` (default ``weights.to_keras(layer)``) writes
    the weights into it. The ``REUSED_LAYERS`` most recently used are kept.

    Building a Keras layer costs more than running it on a small batch, and tracing or
    compiling its time loop (which eager Keras on JAX does on every call) costs more still;
    the ``keras_*`` functions run layers of one shape many times. They alone use these
    layers, one call at a time, and write every weight before each call, and the layers keep
    no state between calls (``stateful=False``), so no value survives from one call to the
    next; the builders the modules export (``build``) still return a fresh layer, which the
    caller owns.
    """
    found = (build, run, weights.input_size, weights.hidden_size, str(weights.dtype), *key)
    found += tuple(sorted(options.items()))
    reused = _REUSED.pop(found, None)
    if reused is None:
        _COUNTS["misses"] += 1
        reused = Reused(build(weights, **options), run)
    else:
        _COUNTS["hits"] += 1
        if write is None:
            weights.to_keras(reused.layer)
        else:
            write(weights, reused.layer)
    _REUSED[found] = reused
    while len(_REUSED) > REUSED_LAYERS:
        _REUSED.popitem(last=False)
    return reused

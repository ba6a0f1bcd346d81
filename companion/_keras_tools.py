"""Importing Keras quietly, and running a Keras recurrent layer on NumPy inputs, forwards and
through ``tf.GradientTape``.

Shared by every Keras backend; only Keras modules import it, so ``import companion`` imports
no framework.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

import numpy as np

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
    """Import Keras 3 on the TensorFlow backend, without TensorFlow's start-up log lines."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "keras" not in sys.modules:
        with _filtered_stderr():
            import tensorflow as tf

            tf.constant(0.0).numpy()  # initialise the devices now, while stderr is filtered
    import keras as keras_module

    if keras_module.config.backend() != "tensorflow":
        raise RuntimeError(
            f"companion.keras_* needs Keras on the TensorFlow backend; KERAS_BACKEND is "
            f"{keras_module.config.backend()!r}"
        )
    return keras_module


keras = import_keras()
import tensorflow as tf  # noqa: E402  (after the quiet import above)


def to_numpy(tensors: Sequence[Any]) -> list[np.ndarray]:
    return [np.asarray(keras.ops.convert_to_numpy(t)) for t in tensors]


def gradients(
    call: Callable[..., Sequence[Any]],
    variables: Sequence[Any],
    x: np.ndarray,
    states: Sequence[np.ndarray],
    seeds: Sequence[np.ndarray],
) -> list[np.ndarray]:
    """Gradients of sum over k of sum(result_k * seeds_k) through ``call(x, states)``.

    ``call`` returns the layer's results (outputs, then the final states), one seed each.
    Returns the gradients with respect to ``variables`` (Keras variables), x, then each state.
    """
    x_tensor = tf.constant(x)
    state_tensors = [tf.constant(s) for s in states]
    with tf.GradientTape() as tape:
        tape.watch([x_tensor, *state_tensors])
        results = call(x_tensor, state_tensors)
        loss = tf.add_n([tf.reduce_sum(r * s) for r, s in zip(results, seeds, strict=True)])
    targets = [v.value for v in variables] + [x_tensor, *state_tensors]
    grads = tape.gradient(loss, targets, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return to_numpy(grads)

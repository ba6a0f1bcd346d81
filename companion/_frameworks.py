"""Importing Keras quietly, the same way for every module that needs it.

Only the Keras backends call this; ``import companion`` imports no framework.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType

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


def keras() -> ModuleType:
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


def tensorflow() -> ModuleType:
    """Import TensorFlow (for ``tf.GradientTape``) quietly, as :func:`keras` does."""
    keras()
    import tensorflow as tf

    return tf

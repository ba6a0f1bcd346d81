"""Keras on JAX or PyTorch, as a user's process sees it: the companion leaves JAX 32-bit
outside its calls (while computing float64 inside them) and keeps TensorFlow's CUDA start-up
lines, which Keras's lazy import of TensorFlow prints, off stderr. Each case runs in a fresh
process, since both are properties of a whole process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Every public kind of keras_* call, on float64 weights: each must compute in float64 (agree
# with NumPy within 1e-12) although the process never switches JAX's 64-bit types on.
CALLS = """
import numpy as np
from companion import LSTMWeights, StackedWeights, keras_lstm, keras_stacked
from companion import numpy_lstm, numpy_stacked

x = np.random.default_rng(0).standard_normal((2, 5, 3))
weights = LSTMWeights.random(3, 4, seed=1)
stacked = StackedWeights.random(3, 4, num_layers=2, bidirectional=True, seed=1)
d_outputs = np.ones((2, 5, 4))
pairs = [
    (keras_lstm.forward(x, weights), numpy_lstm.forward(x, weights)),
    (keras_lstm.gradients(x, weights, d_outputs), numpy_lstm.gradients(x, weights, d_outputs)),
    (keras_stacked.forward(x, stacked), numpy_stacked.forward(x, stacked)),
]
import os

if os.environ["KERAS_BACKEND"] == "jax":  # Keras's Adam on PyTorch differs by 3e-10 (so far)
    from companion import keras_optimizers, numpy_optimizers
    from companion.optimizers import Adam

    params = [np.ones((3, 4)), np.zeros(4)]
    steps = [[np.full((3, 4), 0.1), np.full(4, -0.2)]] * 3
    pairs.append((keras_optimizers.apply(Adam(0.01), params, steps),
                  numpy_optimizers.apply(Adam(0.01), params, steps)))
for got, expected in pairs:
    for a, b in zip(got, expected):
        a, b = (np.concatenate([np.ravel(v) for v in w.arrays()]) if hasattr(w, "arrays")
                else w for w in (a, b))
        assert a.dtype == np.float64 and np.max(np.abs(a - b)) < 1e-12, np.max(np.abs(a - b))
"""


def run(backend: str, code: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"):
        environment.pop(name, None)  # as a user's shell has them: unset
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


USER_JAX = """
import jax
import jax.numpy as jnp
print(jnp.array(1.0).dtype, jnp.arange(3).dtype, jax.config.jax_enable_x64)
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_calls_leave_the_users_process_as_they_found_it(backend):
    """On JAX: float64 inside the calls, 32-bit outside. On both: Keras imports TensorFlow
    for the Bidirectional layer, and TensorFlow's CUDA lines stay off stderr."""
    pytest.importorskip(backend)
    pytest.importorskip("tensorflow")  # the noise comes from importing it
    code = CALLS + "import sys\nprint('tensorflow' in sys.modules)\n"
    result = run(backend, code + (USER_JAX if backend == "jax" else ""))
    assert result.returncode == 0, result.stderr[-3000:]
    printed = result.stdout.split()
    assert printed[0] == "True"  # Keras did import TensorFlow, quietly
    noise = [line for line in result.stderr.splitlines() if "cuda" in line or "absl" in line]
    assert noise == []
    if backend == "jax":
        assert printed[1:] == ["float32", "int32", "False"]

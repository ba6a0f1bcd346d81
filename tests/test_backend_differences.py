"""Keras on each of its backends: what differs between them, the companion's two fixes, and
the crosscheck across processes. ``make unit`` runs these on TensorFlow, then again with
``KERAS_BACKEND=jax`` and ``torch``, each in a process of its own."""

from __future__ import annotations

import numpy as np
import pytest

from companion import crosscheck
from companion.analysis import backend_differences


@pytest.mark.keras
def test_keras_runs_on_the_backend_keras_backend_names():
    import os
    import subprocess
    import sys

    from companion._keras_tools import BACKEND, keras

    assert BACKEND == keras.config.backend() == os.environ.get("KERAS_BACKEND", "tensorflow")
    # In a fresh process (in this one, Keras may have imported TensorFlow lazily by now, as
    # keras.layers.Bidirectional does on every backend): the companion imports TensorFlow
    # only when it is the backend.
    code = "import sys, companion._keras_tools; print('tensorflow' in sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == [str(BACKEND == "tensorflow")]


@pytest.mark.keras
def test_float64_is_kept_where_keras_would_compute_float32():
    from companion._keras_tools import BACKEND

    ops = backend_differences.float64_ops()
    assert [op.op for op in ops] == ["matmul", "tanh"]
    assert all(op.error_kept < 1e-12 for op in ops)
    demoted = {op.op for op in ops if op.error > 1e-12}
    # If Keras stops demoting float64, float64_kept is no longer needed: this fails to say so.
    assert demoted == {"tensorflow": set(), "jax": {"tanh"}, "torch": {"matmul"}}[BACKEND]


@pytest.mark.keras
def test_float64_kept_restores_the_promotion_table():
    from keras.src.backend.common import dtypes

    from companion._keras_tools import float64_kept

    before = dict(dtypes.BIT64_TO_BIT32_DTYPE)
    with pytest.raises(RuntimeError), float64_kept():
        assert dtypes.BIT64_TO_BIT32_DTYPE["float64"] == "float64"
        raise RuntimeError
    assert dtypes.BIT64_TO_BIT32_DTYPE == before


@pytest.mark.keras
def test_masked_first_steps_give_zeros_on_every_backend():
    from companion import keras_lstm, numpy_lstm
    from companion._keras_tools import BACKEND
    from companion.weights import LSTMWeights

    raw = backend_differences.masked_first_output()
    assert np.all(raw == (1.0 if BACKEND == "jax" else 0.0))  # Keras's own convention
    weights = LSTMWeights.random(2, 3, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 4, 2))
    mask = np.array([[False, False, True, True], [True, False, True, False]])
    state = (np.ones((2, 3)), np.ones((2, 3)))
    for go_backwards in (False, True):
        ours = keras_lstm.forward(x, weights, state, mask=mask, go_backwards=go_backwards)
        reference = numpy_lstm.forward(x, weights, state, mask=mask, go_backwards=go_backwards)
        np.testing.assert_allclose(ours.outputs, reference.outputs, rtol=0, atol=1e-12)
        leading = 2 if not go_backwards else 0  # masked steps read before the first
        assert np.all(ours.outputs[0, :leading] == 0.0)


@pytest.mark.keras
def test_stateful_training_fails_on_torch_only():
    from companion._keras_tools import BACKEND

    outcome = backend_differences.stateful_training()
    if BACKEND == "torch":  # Keras 3.15.1: the state is overwritten in place (see three_ways)
        assert outcome.startswith("RuntimeError: one of the variables needed")
    else:
        assert outcome == "trains"


def test_keras_backend_names():
    assert crosscheck.EVERY_BACKEND == (
        "numpy",
        "keras[tensorflow]",
        "keras[jax]",
        "keras[torch]",
        "torch",
    )
    for bad in ("keras[mxnet]", "keras[]", "jax", "Keras[jax]"):
        with pytest.raises(ValueError, match=r"keras\[b\] with b one of"):
            crosscheck.run(bad, crosscheck.Case(), "float64")
    with pytest.raises(ValueError, match="Keras backend must be one of"):
        crosscheck.keras_process("mxnet")


def test_table_against_numpy_has_a_column_per_implementation():
    rows = [
        crosscheck.Difference("plain", "numpy vs keras[jax]", "outputs", 1e-16, 1e-12),
        crosscheck.Difference("plain", "numpy vs keras[jax]", "h", 2e-12, 1e-12),
        crosscheck.Difference("plain", "numpy vs torch", "outputs", 3e-16, 1e-12),
        crosscheck.Difference("plain", "keras[jax] vs torch", "outputs", 9.0, 1e-12),
        crosscheck.Difference("mask", "numpy vs keras[jax]", "d x", 1e-15, 1e-12),
        crosscheck.Difference("mask", "numpy vs torch", "d x", 1e-15, 1e-12),
    ]
    lines = crosscheck.format_against_numpy(rows).splitlines()
    assert lines[0].split() == ["case", "keras[jax]", "torch"]
    assert lines[2].split() == ["plain", "False", "True"]  # h is outside its tolerance
    assert lines[3].split() == ["mask,", "gradients", "True", "True"]
    magnitudes = crosscheck.format_against_numpy(rows, magnitudes=True).splitlines()
    assert magnitudes[2].split() == ["plain", "2.0e-12", "3.0e-16"]


# Not marked keras: it runs Keras on every backend, each in its own process, whatever the stage.
def test_five_implementations_agree_across_processes():
    """Keras on TensorFlow, JAX and PyTorch, each in its own process, against NumPy and
    PyTorch: forward and gradients, with a mask, an initial state and go_backwards."""
    case = crosscheck.Case(
        batch=2,
        time=4,
        input_size=3,
        hidden_size=4,
        seed=1,
        initial_state=True,
        mask=True,
        go_backwards=True,
    )
    for dtype in ("float64", "float32"):
        rows = crosscheck.compare(case, dtype, crosscheck.EVERY_BACKEND)
        rows += crosscheck.compare_gradients(case, dtype, crosscheck.EVERY_BACKEND)
        assert len(rows) == 10 * (3 + 6)  # every pair of five, 3 outputs and 6 gradients
        assert all(row.ok for row in rows), [row for row in rows if not row.ok]

"""Where Keras 3 computes differently on its three backends: the smallest programs that show
it, each run on the backend of the process that calls it (``KERAS_BACKEND``).

The three-ways chapter runs each in a process per backend
(:func:`companion.crosscheck.processes.keras_process`) and prints what came back:

- :func:`float64_ops`: Keras's type promotion maps float64 to float32 outside TensorFlow, so
  on PyTorch ``keras.ops.matmul`` of two float64 arrays is computed in float32, and on JAX
  ``keras.ops.tanh`` of a float64 array returns float32;
  :func:`companion._keras_tools.float64_kept` keeps float64.
- :func:`masked_first_output`: over masked steps before a sequence's first unmasked step,
  ``keras.layers.LSTM`` outputs zeros on TensorFlow and PyTorch and the initial state on JAX.
- :func:`stateful_training`: training a ``stateful=True`` LSTM with ``train_on_batch``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Float64Op(NamedTuple):
    """One ``keras.ops`` function on float64 arrays, against NumPy's float64 result."""

    backend: str
    op: str
    dtype: str  # the dtype of Keras's result
    error: float  # largest |Keras - NumPy|, as Keras computes it
    error_kept: float  # the same inside float64_kept


def float64_ops(size: int = 64, seed: int = 0) -> list[Float64Op]:
    """``keras.ops.matmul`` of two standard-normal float64 (size, size) arrays and
    ``keras.ops.tanh`` of one, with Keras's type promotion and inside
    :func:`~companion._keras_tools.float64_kept`, each against NumPy."""
    from companion._keras_tools import BACKEND, float64_kept, keras, scope

    a, b = np.random.default_rng(seed).standard_normal((2, size, size))
    found = []
    with scope():  # JAX's 64-bit types on, as the companion computes
        a_tensor, b_tensor = keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)
        for name, call, exact in (
            ("matmul", lambda: keras.ops.matmul(a_tensor, b_tensor), a @ b),
            ("tanh", lambda: keras.ops.tanh(a_tensor), np.tanh(a)),
        ):
            result = call()
            with float64_kept():
                kept = call()
            errors = (
                float(np.max(np.abs(keras.ops.convert_to_numpy(r).astype(np.float64) - exact)))
                for r in (result, kept)
            )
            dtype = keras.backend.standardize_dtype(result.dtype)
            found.append(Float64Op(BACKEND, name, dtype, *errors))
    return found


def masked_first_output(hidden: int = 3, seed: int = 0) -> np.ndarray:
    """The first output of a plain ``keras.layers.LSTM`` (:func:`companion.keras_lstm.build`,
    called directly, without the companion's convention) whose first step is masked, for one
    sequence of two steps with initial state h0 = 1, c0 = 1: shape (hidden,)."""
    from companion import keras_lstm
    from companion._keras_tools import keras, scope
    from companion.weights import LSTMWeights

    weights = LSTMWeights.random(2, hidden, seed=seed)
    x = np.random.default_rng(seed).standard_normal((1, 2, 2))
    ones = np.ones((1, hidden))
    mask = np.array([[False, True]])
    with scope():  # JAX's 64-bit types on, as the companion computes
        outputs, _, _ = keras_lstm.build(weights)(x, initial_state=[ones, ones], mask=mask)
        return np.asarray(keras.ops.convert_to_numpy(outputs))[0, 0]


def stateful_training(steps: int = 2) -> str:
    """Train a ``stateful=True`` LSTM (batch 4, 6 steps, 8 units) on zeros with
    ``train_on_batch`` for ``steps`` steps: "trains", or the error Keras raised (its type and
    the first sentence of its message)."""
    from companion._keras_tools import keras

    model = keras.Sequential(
        [
            keras.Input((6, 3), batch_size=4),
            keras.layers.LSTM(8, stateful=True),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((4, 6, 3), "float32"), np.zeros((4, 1), "float32")
    try:
        for _ in range(steps):
            model.train_on_batch(x, y)
    except Exception as error:  # the error is what this reports
        return f"{type(error).__name__}: {str(error).split(':')[0]}"
    return "trains"

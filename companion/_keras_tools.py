"""Running a Keras recurrent layer on NumPy inputs, forwards and through ``tf.GradientTape``.

Shared by every Keras backend; only Keras modules import it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from companion._frameworks import keras as _import_keras

keras = _import_keras()
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

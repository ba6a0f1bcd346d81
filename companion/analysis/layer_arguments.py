"""What the arguments of ``keras.layers.LSTM`` mean, as NumPy arithmetic.

One Keras LSTM step, written the way the Keras 2 source writes it: the input x_t and the
previous output h_{t-1} side by side, one matrix product with the kernel and recurrent kernel
stacked, and the result z split into four blocks z0..z3 = i, f, c, o::

    z  = [x_t, h_{t-1}] @ [[kernel], [recurrent_kernel]] + bias    (batch, 4 * units)
    i  = recurrent_activation(z0)        f = recurrent_activation(z1)
    c  = f * c_{t-1} + i * activation(z2)
    o  = recurrent_activation(z3)        h = o * activation(c)

Also the two ``hard_sigmoid`` functions Keras has shipped (Keras 2's and Keras 3's), the
``MaxNorm`` weight constraint, and the parameter count of an LSTM layer in Keras and in
PyTorch. NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from companion._checks import integer, real_array
from companion._numeric import sigmoid
from companion.weights import LSTMWeights

Activation = Callable[[np.ndarray], np.ndarray]


def hard_sigmoid_keras2(z: Any) -> np.ndarray:
    """Keras 2's ``hard_sigmoid``: clip(0.2 * z + 0.5, 0, 1), linear on (-2.5, 2.5).

    It was the default recurrent activation of Keras's LSTM up to Keras 2.2; Keras 2.3.0
    (September 2019) made the default ``sigmoid``."""
    return np.clip(0.2 * np.asarray(z) + 0.5, 0.0, 1.0)


def hard_sigmoid_keras3(z: Any) -> np.ndarray:
    """Keras 3's ``hard_sigmoid`` (``keras.activations.hard_sigmoid``):
    clip(z / 6 + 0.5, 0, 1) = relu6(z + 3) / 6, linear on (-3, 3)."""
    return np.clip(np.asarray(z) / 6.0 + 0.5, 0.0, 1.0)


def max_norm(weights: Any, max_value: float, *, axis: int = 0) -> np.ndarray:
    """What ``keras.constraints.MaxNorm(max_value, axis)`` does to a weight array.

    Every slice along ``axis`` (axis 0: every column of a (inputs, outputs) kernel, the
    weights into one output) whose Euclidean norm exceeds ``max_value`` is scaled down to
    that norm; Keras writes it as w * clip(norm, 0, max_value) / (1e-7 + norm), so slices
    below the limit shrink by the factor norm / (1e-7 + norm) too.
    """
    weights = real_array("weights", weights)
    if not max_value > 0:
        raise ValueError(f"max_value must be positive; got {max_value!r}")
    norms = np.sqrt(np.sum(weights**2, axis=axis, keepdims=True))
    return weights * (np.clip(norms, 0.0, max_value) / (1e-7 + norms))


class StepParts(NamedTuple):
    """Every intermediate of one LSTM step; each (batch, units) unless noted.

    concatenated: (batch, input_size + units), [x_t, h_{t-1}]
    z:            (batch, 4 * units), before any activation
    i, f, o:      the input, forget and output gates (after recurrent_activation)
    candidate:    activation(z2), the candidate cell values
    c, h:         the new cell state and the new output
    """

    concatenated: np.ndarray
    z: np.ndarray
    i: np.ndarray
    f: np.ndarray
    candidate: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray


def concatenated_step(
    x_t: Any,
    h_prev: Any,
    c_prev: Any,
    weights: LSTMWeights,
    *,
    activation: Activation = np.tanh,
    recurrent_activation: Activation = sigmoid,
) -> StepParts:
    """One LSTM step from the concatenation [x_t, h_prev].

    x_t: (batch, input_size); h_prev, c_prev: (batch, units). ``activation`` and
    ``recurrent_activation`` play the roles of the Keras arguments of the same names.
    """
    x_t = real_array("x_t", x_t, weights.dtype)
    h_prev = real_array("h_prev", h_prev, weights.dtype)
    c_prev = real_array("c_prev", c_prev, weights.dtype)
    units = weights.hidden_size
    if x_t.ndim != 2 or x_t.shape[1] != weights.input_size:
        raise ValueError(
            f"x_t must have shape (batch, {weights.input_size}); got {x_t.shape}"
        )
    for name, state in (("h_prev", h_prev), ("c_prev", c_prev)):
        if state.shape != (x_t.shape[0], units):
            raise ValueError(
                f"{name} must have shape (batch, units) = {(x_t.shape[0], units)}; "
                f"got {state.shape}"
            )
    concatenated = np.concatenate([x_t, h_prev], axis=1)
    stacked = np.concatenate([weights.kernel, weights.recurrent_kernel], axis=0)
    z = concatenated @ stacked + weights.bias
    z0, z1, z2, z3 = np.split(z, 4, axis=1)
    i, f, o = recurrent_activation(z0), recurrent_activation(z1), recurrent_activation(z3)
    candidate = activation(z2)
    c = f * c_prev + i * candidate
    h = o * activation(c)
    return StepParts(concatenated, z, i, f, candidate, o, c, h)


def run_steps(
    x: Any,
    weights: LSTMWeights,
    *,
    activation: Activation = np.tanh,
    recurrent_activation: Activation = sigmoid,
) -> np.ndarray:
    """Loop :func:`concatenated_step` over time from a zero state.

    x: (batch, time, input_size) -> outputs (batch, time, units).
    """
    x = real_array("x", x, weights.dtype)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (batch, time, input_size); got {x.shape}")
    h = np.zeros((x.shape[0], weights.hidden_size), weights.dtype)
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        _, _, _, _, _, _, c, h = concatenated_step(
            x[:, t], h, c, weights,
            activation=activation, recurrent_activation=recurrent_activation,
        )
        outputs.append(h)
    if not outputs:
        return np.zeros((x.shape[0], 0, weights.hidden_size), weights.dtype)
    return np.stack(outputs, axis=1)


def lstm_parameter_count(
    input_size: int, units: int, *, use_bias: bool = True, framework: str = "keras"
) -> int:
    """Trainable parameters of one LSTM layer (one direction).

    Keras: 4 * (units * (input_size + units) + units), four gate layers, each a dense layer
    on the (input_size + units)-wide concatenation. PyTorch adds a second bias vector
    (``bias_hh``) per gate: 4 * (units * (input_size + units) + 2 * units).
    """
    integer("input_size", input_size)
    integer("units", units)
    biases = {"keras": 1, "torch": 2}
    if framework not in biases:
        raise ValueError(f"framework must be 'keras' or 'torch'; got {framework!r}")
    bias_vectors = biases[framework] if use_bias else 0
    return int(4 * (units * (input_size + units) + bias_vectors * units))


def plot_recurrent_activations(low: float = -6.0, high: float = 6.0) -> Any:
    """Plot sigmoid and both Keras hard sigmoids over [low, high]; return the figure."""
    import matplotlib.pyplot as plt

    if not low < high:
        raise ValueError(f"low must be below high; got low={low}, high={high}")
    z = np.linspace(low, high, 481)
    figure, axes = plt.subplots(figsize=(7, 3.5))
    axes.plot(z, sigmoid(z), label="sigmoid (the default since Keras 2.3)")
    axes.plot(z, hard_sigmoid_keras2(z), label="hard_sigmoid, Keras 2: clip(0.2z + 0.5)")
    axes.plot(z, hard_sigmoid_keras3(z), label="hard_sigmoid, Keras 3: clip(z/6 + 0.5)")
    axes.set_title("Gate activations: recurrent_activation choices")
    axes.set_xlabel("gate pre-activation z (dimensionless)")
    axes.set_ylabel("gate value (dimensionless)")
    axes.legend()
    figure.tight_layout()
    return figure

"""Stacked and bidirectional LSTMs: the weights of every layer and direction, and what the
backends return.

A stacked LSTM feeds the output sequence of layer l to layer l + 1. A bidirectional layer
runs one LSTM forwards and another backwards over the same sequence and concatenates their
outputs at each time step, ``[forward, backward]``, the backward outputs put back in time
order: so the next layer's input size is 2 * hidden. ``keras.layers.Bidirectional`` (with
``merge_mode="concat"``) and ``torch.nn.LSTM(bidirectional=True)`` both do exactly this.

Final states follow PyTorch's layout: (layers * directions, batch, hidden), index
``layer * directions + direction``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from companion._checks import float_dtype, real_array
from companion.weights import LSTMWeights


@dataclass(frozen=True)
class StackedWeights:
    """``layers[l][d]``: the LSTMWeights of layer l, direction d (0 forwards, 1 backwards).

    Every layer has the same number of directions (1 or 2) and the same hidden size; layer
    l + 1 takes input size ``directions * hidden``.
    """

    layers: tuple[tuple[LSTMWeights, ...], ...]

    def __post_init__(self) -> None:
        layers = tuple(tuple(layer) for layer in self.layers)
        if not layers or {len(layer) for layer in layers} not in ({1}, {2}):
            raise ValueError(
                "layers must be a non-empty sequence of layers, each a tuple of 1 or 2 "
                "LSTMWeights (forwards[, backwards]), all with the same number of directions"
            )
        first = layers[0][0]
        for index, layer in enumerate(layers):
            for weights in layer:
                if not isinstance(weights, LSTMWeights):
                    raise TypeError(
                        f"layer {index} holds {type(weights).__name__}, not LSTMWeights"
                    )
                expected = first.input_size if index == 0 else len(layer) * first.hidden_size
                if (weights.input_size, weights.hidden_size, weights.dtype) != (
                    expected,
                    first.hidden_size,
                    first.dtype,
                ):
                    raise ValueError(
                        f"layer {index} must have input size {expected}, hidden size "
                        f"{first.hidden_size} and dtype {first.dtype}; got {weights!r}"
                    )
        object.__setattr__(self, "layers", layers)

    @property
    def directions(self) -> int:
        return len(self.layers[0])

    @property
    def input_size(self) -> int:
        return self.layers[0][0].input_size

    @property
    def hidden_size(self) -> int:
        return self.layers[0][0].hidden_size

    @property
    def dtype(self) -> np.dtype:
        return self.layers[0][0].dtype

    @classmethod
    def random(
        cls,
        input_size: int,
        hidden_size: int,
        *,
        num_layers: int = 2,
        bidirectional: bool = True,
        seed: int = 0,
        dtype: Any = "float64",
    ) -> StackedWeights:
        """Keras-style random weights (:meth:`LSTMWeights.random`) for every layer and
        direction, each from its own seed derived from ``seed``."""
        directions = 2 if bidirectional else 1
        return cls(
            tuple(
                tuple(
                    LSTMWeights.random(
                        input_size if layer == 0 else directions * hidden_size,
                        hidden_size,
                        seed=seed * 1000 + layer * directions + direction,
                        dtype=float_dtype(dtype),
                    )
                    for direction in range(directions)
                )
                for layer in range(num_layers)
            )
        )

    @classmethod
    def from_keras(cls, layers: Any) -> StackedWeights:
        """Read built Keras layers, one per stacked layer: ``keras.layers.LSTM`` or
        ``keras.layers.Bidirectional(keras.layers.LSTM)`` (merge mode "concat")."""
        return cls(
            tuple(
                tuple(LSTMWeights.from_keras(sublayer) for sublayer in _keras_directions(layer))
                for layer in layers
            )
        )

    def to_keras(self, layers: Any) -> Any:
        """Write every layer and direction into built Keras layers shaped like these weights
        (see :meth:`from_keras`); return them."""
        layers = list(layers)
        if len(layers) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} Keras layers; got {len(layers)}")
        for layer, directions in zip(layers, self.layers, strict=True):
            sublayers = _keras_directions(layer)
            if len(sublayers) != len(directions):
                raise ValueError(
                    f"these weights have {len(directions)} direction(s) per layer; the Keras "
                    f"layer {layer.name!r} has {len(sublayers)}"
                )
            for sublayer, weights in zip(sublayers, directions, strict=True):
                weights.to_keras(sublayer)
        return layers

    @classmethod
    def from_torch(cls, module: Any) -> StackedWeights:
        """Every layer and direction of a ``torch.nn.LSTM``."""
        directions = 2 if module.bidirectional else 1
        return cls(
            tuple(
                tuple(
                    LSTMWeights.from_torch(module, layer, reverse=bool(direction))
                    for direction in range(directions)
                )
                for layer in range(module.num_layers)
            )
        )

    def to_torch(self, module: Any) -> Any:
        """Write every layer and direction into a ``torch.nn.LSTM`` of the same shape."""
        if module.num_layers != len(self.layers) or module.bidirectional != (self.directions == 2):
            raise ValueError(
                f"the module has {module.num_layers} layers, bidirectional="
                f"{module.bidirectional}; these weights have {len(self.layers)} layers, "
                f"bidirectional={self.directions == 2}"
            )
        for layer, directions in enumerate(self.layers):
            for direction, weights in enumerate(directions):
                weights.to_torch(module, layer, reverse=bool(direction))
        return module


def _keras_directions(layer: Any) -> list[Any]:
    """The LSTM layers inside a Keras layer: [forward, backward] of a Bidirectional."""
    if hasattr(layer, "forward_layer"):
        if layer.merge_mode != "concat":
            raise ValueError(f"only merge_mode='concat' is supported; got {layer.merge_mode!r}")
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


class StackedOutput(NamedTuple):
    """outputs: (batch, time, directions * hidden) of the last layer, in time order;
    h, c: (layers * directions, batch, hidden), PyTorch's layout."""

    outputs: np.ndarray
    h: np.ndarray
    c: np.ndarray


class StackedGradients(NamedTuple):
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c): for the weights
    as a StackedWeights of gradient arrays, and for x (batch, time, input_size)."""

    weights: StackedWeights
    x: np.ndarray

    def arrays(self) -> list[np.ndarray]:
        """Every gradient array: kernel, recurrent_kernel, bias of each layer and direction
        in order, then x."""
        return [
            array
            for layer in self.weights.layers
            for weights in layer
            for array in (weights.kernel, weights.recurrent_kernel, weights.bias)
        ] + [self.x]


def check_input(x: Any, weights: StackedWeights) -> np.ndarray:
    """x as a (batch, time, input_size) array in the weights' dtype, or a clear error."""
    if not isinstance(weights, StackedWeights):
        raise TypeError(f"weights must be StackedWeights; got {type(weights).__name__}")
    x = real_array("x", x, weights.dtype)
    if x.ndim != 3 or x.shape[2] != weights.input_size:
        raise ValueError(
            f"x must have shape (batch, time, {weights.input_size}); got shape {x.shape}"
        )
    return x


def check_seeds(
    weights: StackedWeights, x: np.ndarray, d_outputs: Any, d_h: Any, d_c: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the output gradients; None means zeros."""
    batch, time, _ = x.shape
    state = (len(weights.layers) * weights.directions, batch, weights.hidden_size)
    expected = {
        "d_outputs": (batch, time, weights.directions * weights.hidden_size),
        "d_h": state,
        "d_c": state,
    }
    arrays = []
    for (name, shape), value in zip(expected.items(), (d_outputs, d_h, d_c), strict=True):
        array = (
            np.zeros(shape, weights.dtype)
            if value is None
            else real_array(name, value, weights.dtype)
        )
        if array.shape != shape:
            raise ValueError(f"{name} must have shape {shape}; got {array.shape}")
        arrays.append(array)
    return arrays[0], arrays[1], arrays[2]

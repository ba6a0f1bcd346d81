"""Stacked and bidirectional LSTMs: the weights of every layer and direction, and what the
backends return.

A stacked LSTM feeds the output sequence of layer l to layer l + 1. A bidirectional layer
runs one LSTM forwards and another backwards over the same sequence and concatenates their
outputs at each time step, ``[forward, backward]``, the backward outputs put back in time
order: so the next layer's input size is 2 * hidden. ``keras.layers.Bidirectional`` (with
``merge_mode="concat"``) and ``torch.nn.LSTM(bidirectional=True)`` both do exactly this.

Initial and final states follow PyTorch's layout: (layers * directions, batch, hidden), index
``layer * directions + direction``. A mask (batch, time) applies to every layer, with Keras's
meaning: a masked step keeps each direction's state and repeats its previous output.
:data:`SIGNATURE` declares the states, the validated inputs and the result types once; every
backend validates through it.

``go_backwards=True`` means what it means for one layer: the stack reads the sequence (and
the mask) reversed in time, once, and returns its outputs in that processing order; the
gradient of x comes back in the order of the x passed. That is what Keras computes for a
stack whose first layer has ``go_backwards=True`` (for a ``Bidirectional`` first layer, its
backward layer given with ``go_backwards=False``): that layer's outputs are in reversed order
already, and the layers above read them as they come. ``go_backwards=True`` on every layer of
a Keras stack would reverse the sequence again at every layer (the second would read it in
time order), which is another model. PyTorch has no such flag; its backends run the stack on
``x[:, ::-1]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from companion._checks import Signature, flag, float_dtype, integer
from companion.weights import LSTMWeights, check_torch_module


@dataclass(frozen=True)
class StackedWeights:
    """``layers[l][d]``: the LSTMWeights of layer l, direction d (0 forwards, 1 backwards).

    Every layer has the same number of directions (1 or 2) and the same hidden size; layer
    l + 1 takes input size ``directions * hidden``.
    """

    layers: tuple[tuple[LSTMWeights, ...], ...]

    def __post_init__(self) -> None:
        expected = (
            "a non-empty sequence of layers, each a tuple of 1 or 2 LSTMWeights "
            "(forwards[, backwards]), all with the same number of directions"
        )
        if not isinstance(self.layers, Sequence):
            raise TypeError(f"layers must be {expected}; got {type(self.layers).__name__}")
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, Sequence):
                raise TypeError(
                    f"layers[{index}] must be a tuple (forwards,) or (forwards, backwards) of "
                    f"LSTMWeights; got {type(layer).__name__} (one direction per layer: "
                    "StackedWeights(((layer_0,), (layer_1,))))"
                )
        layers = tuple(tuple(layer) for layer in self.layers)
        if not layers or {len(layer) for layer in layers} not in ({1}, {2}):
            lengths = [len(layer) for layer in layers]
            raise ValueError(f"layers must be {expected}; got layers of lengths {lengths}")
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

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Every array: kernel, recurrent_kernel, bias of each layer and direction in turn."""
        return tuple(
            array for layer in self.layers for weights in layer for array in weights.arrays()
        )

    def with_arrays(self, arrays: Sequence[np.ndarray]) -> StackedWeights:
        """Weights of the same shape holding ``arrays``, in the order of :meth:`arrays`."""
        remaining = iter(arrays)
        return StackedWeights(
            tuple(
                tuple(LSTMWeights(*itertools.islice(remaining, 3)) for _ in layer)
                for layer in self.layers
            )
        )

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
        directions = 2 if flag("bidirectional", bidirectional) else 1
        integer("num_layers", num_layers)
        integer("seed", seed, 0)
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
                for layer in _keras_layers(layers)
            )
        )

    def to_keras(self, layers: Any) -> Any:
        """Write every layer and direction into built Keras layers shaped like these weights
        (see :meth:`from_keras`); return them."""
        layers = _keras_layers(layers)
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
        check_torch_module(module, "LSTM")
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
        check_torch_module(module, "LSTM")
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


def _keras_layers(layers: Any) -> list[Any]:
    """``layers`` as a list, refusing one Keras layer where a sequence of them is expected."""
    if hasattr(layers, "get_weights") or not isinstance(layers, Sequence):
        raise TypeError(
            "layers must be a list of Keras layers, one per stacked layer; got "
            f"{type(layers).__name__} (for one layer, pass [layer])"
        )
    return list(layers)


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
    as a StackedWeights of gradient arrays, for x (batch, time, input_size), and for the
    initial states h0, c0 (layers * directions, batch, hidden)."""

    weights: StackedWeights
    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray

    def arrays(self) -> list[np.ndarray]:
        """Every gradient array: kernel, recurrent_kernel, bias of each layer and direction
        in order, then x, h0 and c0."""
        return [*self.weights.arrays(), self.x, self.h0, self.c0]


class StackedInputs(NamedTuple):
    """Validated arguments of a stacked call, in the weights' dtype.

    x: (batch, time, input_size); h0, c0: (layers * directions, batch, hidden);
    mask: (batch, time) bool or None.
    """

    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    mask: np.ndarray | None


class StackedCotangents(NamedTuple):
    """Validated weights of the loss terms, in the weights' dtype.

    d_outputs: (batch, time, directions * hidden), in processing order like
    ``StackedOutput.outputs``; d_h, d_c: (layers * directions, batch, hidden), zeros where
    not given.
    """

    d_outputs: np.ndarray
    d_h: np.ndarray
    d_c: np.ndarray


class _StackedSignature(Signature):
    """A stack's states hold every layer and direction, (layers * directions, batch,
    hidden), its outputs both directions, and its weight gradients come as StackedWeights."""

    STATE_AXES: ClassVar[str] = "(layers * directions, batch, hidden)"
    OUTPUT_AXES: ClassVar[str] = "(batch, time, directions * hidden)"

    def state_shape(self, weights: StackedWeights, batch: int) -> tuple[int, ...]:
        return (len(weights.layers) * weights.directions, batch, weights.hidden_size)

    def output_size(self, weights: StackedWeights) -> int:
        return weights.directions * weights.hidden_size

    def gradients(
        self,
        weights: StackedWeights,
        weight_gradients: Sequence[np.ndarray],
        d_x: np.ndarray,
        d_states: Sequence[np.ndarray],
    ) -> StackedGradients:
        d_weights = weights.with_arrays([np.ascontiguousarray(a) for a in weight_gradients])
        return StackedGradients(d_weights, *(np.ascontiguousarray(a) for a in (d_x, *d_states)))


SIGNATURE = _StackedSignature(
    StackedWeights,
    ("h0", "c0"),
    StackedOutput,
    StackedGradients,
    StackedInputs,
    StackedCotangents,
)
"""What a stacked call takes and returns; every stacked backend validates through it."""


def prepare(
    x: Any,
    weights: StackedWeights,
    initial_state: Any = None,
    mask: Any = None,
    *,
    go_backwards: Any = False,
) -> StackedInputs:
    """Validate a stacked call's arguments: x (batch, time, input_size); ``initial_state``
    None (zeros) or (h0, c0), each (layers * directions, batch, hidden); mask None or
    boolean (batch, time); go_backwards a bool."""
    return SIGNATURE.inputs(x, weights, initial_state, mask, go_backwards)


def prepare_gradients(
    x: Any,
    weights: StackedWeights,
    d_outputs: Any,
    initial_state: Any = None,
    mask: Any = None,
    d_h: Any = None,
    d_c: Any = None,
    *,
    go_backwards: Any = False,
) -> tuple[StackedInputs, StackedCotangents]:
    """Validate a ``gradients`` call: the arguments of :func:`prepare`, then d_outputs
    (batch, time, directions * hidden) and d_h, d_c (layers * directions, batch, hidden) or
    None. Returns the inputs and the cotangents, in the weights' dtype."""
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    batch, time, _ = inputs.x.shape
    return inputs, SIGNATURE.cotangents(weights, batch, time, d_outputs, d_h=d_h, d_c=d_c)


def directions_of(states: Sequence[np.ndarray], layer: int, directions: int) -> list[tuple]:
    """The (h, c) pairs of one layer's directions, from states (h, c) each (layers *
    directions, batch, hidden): index ``layer * directions + direction``."""
    h, c = states
    return [(h[layer * directions + d], c[layer * directions + d]) for d in range(directions)]

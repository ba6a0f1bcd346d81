"""The one validation layer of every model and backend.

Each model declares once, in its own module, what its calls take and return: a
:class:`Signature` (weights type, state names, the types of its validated inputs and of its
results). Every backend validates through it before it computes anything, so bad input gets
the same clear error whichever framework was asked, no framework ever sees it, and a call
with no sample or no time step gets the same empty result everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np

FLOAT_DTYPES = (np.dtype("float32"), np.dtype("float64"))


def float_dtype(dtype: Any) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype, which must be float32 or float64."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be 'float32' or 'float64'; got {dtype!r}") from error
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be 'float32' or 'float64'; got {resolved}")
    return resolved


def real_array(name: str, value: Any, dtype: np.dtype | None = None) -> np.ndarray:
    """Convert ``value`` to a finite real NumPy array.

    With ``dtype`` given, real values (bool, integer or float) are cast to it; without, the
    array must already be float32 or float64. Complex numbers, strings, objects, NaN and
    infinity raise, naming ``name``.
    """
    array = as_numpy(name, value)
    kind = array.dtype.kind
    if kind not in "biuf":
        what = {"c": "complex", "U": "string", "S": "bytes", "O": "object"}.get(kind, "non-real")
        raise TypeError(f"{name} must hold real numbers; got {what} dtype {array.dtype}")
    if dtype is None:
        if array.dtype not in FLOAT_DTYPES:
            raise TypeError(f"{name} must be float32 or float64; got {array.dtype}")
    else:
        array = array.astype(dtype, copy=False)
    if kind == "f" and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{name} must be finite; got {array[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
        )
    return array


def integer_kind(minimum: int = 1, maximum: int | None = None) -> str:
    """The words :func:`integer` uses for what it expects, e.g. "a positive integer"."""
    if maximum is not None:
        return f"an integer from {minimum} to {maximum}"
    return {0: "a non-negative integer", 1: "a positive integer"}.get(
        minimum, f"an integer >= {minimum}"
    )


def integer(
    name: str,
    value: Any,
    minimum: int = 1,
    maximum: int | None = None,
    *,
    optional: bool = False,
) -> int | None:
    """``value`` as a Python int from ``minimum`` to ``maximum`` (no upper bound if None),
    naming ``name`` when it is not: Python's and NumPy's integers are accepted; bools (True
    is not a count), floats (even 2.0) and anything else raise TypeError, an integer out of
    range ValueError. With ``optional``, None is accepted and returned."""
    if optional and value is None:
        return None
    kind = integer_kind(minimum, maximum)
    kind = f"None or {kind}" if optional else kind
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be {kind}; got {value!r} ({type(value).__name__})")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {kind}; got {value!r}")
    return int(value)


def as_numpy(name: str, value: Any) -> np.ndarray:
    """``value`` as a NumPy array, or an error naming ``name`` and what came: a ragged list,
    a torch tensor that requires grad (the companion returns NumPy arrays, so no gradient
    would flow back through it), or a tensor NumPy cannot hold (bfloat16, or on a GPU)."""
    if getattr(value, "requires_grad", False):
        raise TypeError(
            f"{name} must be a NumPy array or a tensor without gradient tracking; got a "
            f"{type(value).__name__} with requires_grad=True (pass {name}.detach(); the "
            "companion computes gradients with its own gradients functions)"
        )
    try:
        return np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array; got {error}") from error
    except (TypeError, RuntimeError) as error:  # e.g. a bfloat16 or a GPU tensor
        dtype = getattr(value, "dtype", None)
        raise TypeError(
            f"{name} must be an array NumPy can hold (float32 or float64); got "
            f"{type(value).__name__}"
            + (f" of dtype {dtype}" if dtype is not None else "")
            + f" ({error})"
        ) from error


def flag(name: str, value: Any) -> bool:
    """``value`` as a bool; anything but True or False (Python's or NumPy's) raises, naming
    ``name``: a string such as "no" would otherwise count as True."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


WithTime = TypeVar("WithTime", bound=tuple)


def reverse_time(inputs: WithTime) -> WithTime:
    """The same inputs (a named tuple with fields ``x`` (batch, time, features) and ``mask``
    (batch, time) or None) with time reversed: what ``go_backwards=True`` processes."""
    mask = None if inputs.mask is None else inputs.mask[:, ::-1]
    return inputs._replace(x=inputs.x[:, ::-1], mask=mask)


@dataclass(frozen=True)
class Signature:
    """What one model's calls take and return, declared once in the model's module (for
    example ``companion.lstm.SIGNATURE``); every backend of the model validates through it.

    weights_type:    the weights class, e.g. LSTMWeights
    state_names:     the states a caller may pass as ``initial_state``, e.g. ("h0", "c0");
                     the loss weights of the final states are named after them ("d_h", "d_c")
    output_type:     the forward result, (outputs, *final states)
    gradients_type:  the gradients, (*weight arrays, x, *initial states)
    inputs_type:     the validated arguments of a call, (x, *initial states, mask)
    cotangents_type: the validated loss weights of a gradient call, (d_outputs, d_h, ...)
    """

    weights_type: type
    state_names: tuple[str, ...]
    output_type: type
    gradients_type: type
    inputs_type: type
    cotangents_type: type

    STATE_AXES: ClassVar[str] = "(batch, hidden)"
    OUTPUT_AXES: ClassVar[str] = "(batch, time, hidden)"

    def __post_init__(self) -> None:
        expected = (
            (self.inputs_type, ("x", *self.state_names, "mask")),
            (self.cotangents_type, ("d_outputs", *self.seed_names)),
        )
        for kind, fields in expected:
            if getattr(kind, "_fields", None) != fields:
                raise TypeError(f"{kind.__name__} must be a named tuple with fields {fields}")

    @property
    def seed_names(self) -> tuple[str, ...]:
        """The ``gradients`` arguments that weight the final states: ("d_h", "d_c")."""
        return tuple(f"d_{name.removesuffix('0')}" for name in self.state_names)

    def state_shape(self, weights: Any, batch: int) -> tuple[int, ...]:
        """The shape of each state: (batch, hidden)."""
        return (batch, weights.hidden_size)

    def output_size(self, weights: Any) -> int:
        """The width of each output step."""
        return weights.hidden_size

    def inputs(
        self,
        x: Any,
        weights: Any,
        initial_state: Any = None,
        mask: Any = None,
        go_backwards: Any = False,
    ) -> Any:
        """Validate and convert a call's arguments; raise before any computation.

        x: (batch, time, input_size); ``initial_state`` None (zeros) or one array per name in
        ``state_names`` (a tuple or list; a model with one state also takes the bare array);
        mask: None or boolean (batch, time); go_backwards: a bool. Returns the model's
        inputs type, (x, *initial states, mask), the arrays in the weights' dtype.
        """
        if not isinstance(weights, self.weights_type):
            raise TypeError(
                f"weights must be {self.weights_type.__name__}; got {type(weights).__name__}"
            )
        flag("go_backwards", go_backwards)
        x = real_array("x", x, weights.dtype)
        input_size = weights.input_size
        if x.ndim != 3:
            raise ValueError(
                f"x must have 3 dimensions (batch, time, {input_size}); got shape {x.shape}"
            )
        batch, time, features = x.shape
        if features != input_size:
            raise ValueError(
                f"x must have shape (batch, time, {input_size}) to match the weights' input "
                f"size {input_size}; got {x.shape}"
            )
        states = self._states(initial_state, self.state_shape(weights, batch), weights.dtype)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.dtype != np.bool_:
                raise TypeError(f"mask must be a boolean array; got dtype {mask.dtype}")
            if mask.shape != (batch, time):
                raise ValueError(
                    f"mask must have shape (batch, time) = {(batch, time)}; got {mask.shape}"
                )
        return self.inputs_type(x, *states, mask)

    def states(self, inputs: Any) -> tuple[np.ndarray, ...]:
        """The initial states of validated ``inputs``, in the order of :attr:`state_names`."""
        return tuple(getattr(inputs, name) for name in self.state_names)

    def _states(
        self, initial_state: Any, shape: tuple[int, ...], dtype: np.dtype
    ) -> tuple[np.ndarray, ...]:
        names = self.state_names
        if initial_state is None:
            return tuple(np.zeros(shape, dtype) for _ in names)
        single = len(names) == 1
        if single and not isinstance(initial_state, tuple | list):
            initial_state = (initial_state,)  # the bare state, as Keras takes it
        if not isinstance(initial_state, tuple | list) or len(initial_state) != len(names):
            if single:
                expected = f"an array {names[0]} shaped {shape} or a 1-tuple ({names[0]},)"
            else:
                kind = "a pair " if len(names) == 2 else ""
                expected = f"{kind}({', '.join(names)}) of arrays shaped {shape}"
            raise TypeError(f"initial_state must be {expected}; got {_describe(initial_state)}")
        states = tuple(
            real_array(name, value, dtype)
            for name, value in zip(names, initial_state, strict=True)
        )
        for name, state in zip(names, states, strict=True):
            if state.shape != shape:
                raise ValueError(
                    f"{name} must have shape {self.STATE_AXES} = {shape}; got {state.shape}"
                )
        return states

    def cotangents(
        self, weights: Any, batch: int, time: int, d_outputs: Any, **d_states: Any
    ) -> Any:
        """Validate the loss weights of a gradient call, the loss being
        ``sum(outputs * d_outputs) + sum(h * d_h) + ...``: ``d_outputs`` (batch, time,
        output size) is required, each of ``d_states`` (named as :attr:`seed_names`) is None
        (zeros) or shaped like the state. Returns the model's cotangents type,
        (d_outputs, *d_states) in the order of :attr:`seed_names`, in the weights' dtype."""
        outputs_shape = (batch, time, self.output_size(weights))
        if d_outputs is None:
            raise TypeError(
                f"d_outputs must be an array shaped {self.OUTPUT_AXES} = {outputs_shape}; got None"
            )
        arrays = [
            _cotangent("d_outputs", d_outputs, self.OUTPUT_AXES, outputs_shape, weights.dtype)
        ]
        state_shape = self.state_shape(weights, batch)
        arrays += [
            _cotangent(name, d_states.get(name), self.STATE_AXES, state_shape, weights.dtype)
            for name in self.seed_names
        ]
        return self.cotangents_type(*arrays)

    def output(self, outputs: Any, *final_states: Any) -> Any:
        """The model's output type, every array a C-contiguous NumPy array (a framework may
        return a transposed or reversed view)."""
        return self.output_type(*(np.ascontiguousarray(a) for a in (outputs, *final_states)))

    def empty_output(self, weights: Any, inputs: Any) -> Any:
        """The result of a call whose validated ``inputs`` leave nothing to compute, x of
        size 0 (no sample or no time step), which the frameworks reject: no outputs, and the
        final states are the initial states."""
        batch, time, _ = inputs.x.shape
        outputs = np.zeros((batch, time, self.output_size(weights)), weights.dtype)
        return self.output_type(outputs, *self.states(inputs))

    def empty_gradients(self, weights: Any, inputs: Any, cotangents: Sequence[Any]) -> Any:
        """The gradients of a call whose ``inputs`` have x of size 0: zero for the weights
        and x, and since the final states are the initial states, d h0 = d_h (and so on)
        from ``cotangents`` (d_outputs, d_h, ...)."""
        zeros = [np.zeros_like(array) for array in weights.arrays()]
        seeds = [np.array(seed) for seed in cotangents[1:]]
        return self.gradients(weights, zeros, np.zeros_like(inputs.x), seeds)

    def gradients(
        self,
        weights: Any,
        weight_gradients: Sequence[np.ndarray],
        d_x: np.ndarray,
        d_states: Sequence[np.ndarray],
    ) -> Any:
        """The model's gradients type, from the gradients of ``weights.arrays()`` (in that
        order), of x and of the initial states, every array made C-contiguous."""
        contiguous = [np.ascontiguousarray(a) for a in (*weight_gradients, d_x, *d_states)]
        return self.gradients_type(*contiguous)


def field_array(value: Any) -> np.ndarray:
    """One field of a result as one array: an array as it is; a weights object (such as
    ``StackedGradients.weights``) as all of its arrays, raveled and joined."""
    if hasattr(value, "arrays"):
        return np.concatenate([np.ravel(array) for array in value.arrays()])
    return np.asarray(value)


def _describe(value: Any) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of length {len(value)}"
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__}" + (f" of shape {shape}" if shape is not None else "")


def _cotangent(
    name: str, value: Any, axes: str, shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """One loss weight: None means zeros (the term is absent); anything else must be a finite
    real array of exactly ``shape`` (whose axes are spelled ``axes``), cast to ``dtype``."""
    if value is None:
        return np.zeros(shape, dtype)
    array = real_array(name, value, dtype)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {axes} = {shape}; got {array.shape}")
    return array

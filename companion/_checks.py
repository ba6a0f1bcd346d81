"""Input checks shared by the weight layouts and every backend.

Every backend calls :func:`prepare_inputs` before it computes anything, so bad input gets the
same clear error whichever framework was asked, and no framework ever sees it.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

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
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array; got {error}") from error
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


class Inputs(NamedTuple):
    """Validated inputs of a recurrent layer: NumPy arrays in the weights' dtype.

    x: (batch, time, input_size); states: tuple of (batch, hidden) arrays, one per state;
    mask: (batch, time) bool, or None.
    """

    x: np.ndarray
    states: tuple[np.ndarray, ...]
    mask: np.ndarray | None

    @property
    def time(self) -> int:
        return self.x.shape[1]


WithTime = TypeVar("WithTime", bound=tuple)


def reverse_time(inputs: WithTime) -> WithTime:
    """The same inputs (a named tuple with fields ``x`` (batch, time, features) and ``mask``
    (batch, time) or None) with time reversed: what ``go_backwards=True`` processes."""
    mask = None if inputs.mask is None else inputs.mask[:, ::-1]
    return inputs._replace(x=inputs.x[:, ::-1], mask=mask)


def prepare_inputs(
    x: Any,
    input_size: int,
    hidden_size: int,
    dtype: np.dtype,
    initial_state: Any,
    mask: Any,
    state_names: tuple[str, ...] = ("h0", "c0"),
) -> Inputs:
    """Validate and convert a layer's inputs; raise before any computation.

    ``initial_state`` is None or a tuple/list with one (batch, hidden) array per name in
    ``state_names``; None means zeros.
    """
    x = real_array("x", x, dtype)
    if x.ndim != 3:
        raise ValueError(
            f"x must have 3 dimensions (batch, time, {input_size}); got shape {x.shape}"
        )
    batch, time, features = x.shape
    if features != input_size:
        raise ValueError(
            f"x must have shape (batch, time, {input_size}) to match the weights' input size "
            f"{input_size}; got {x.shape}"
        )
    expected_state = (batch, hidden_size)
    if initial_state is None:
        states = tuple(np.zeros(expected_state, dtype) for _ in state_names)
    else:
        pair = " pair" if len(state_names) == 2 else ""
        spelled = ", ".join(state_names)
        if not isinstance(initial_state, tuple | list) or len(initial_state) != len(state_names):
            raise TypeError(
                f"initial_state must be a{pair} ({spelled}) of arrays shaped {expected_state}; "
                f"got {_describe(initial_state)}"
            )
        states = tuple(
            real_array(name, value, dtype)
            for name, value in zip(state_names, initial_state, strict=True)
        )
        for name, state in zip(state_names, states, strict=True):
            if state.shape != expected_state:
                raise ValueError(
                    f"{name} must have shape (batch, hidden) = {expected_state}; got {state.shape}"
                )
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"mask must be a boolean array; got dtype {mask.dtype}")
        if mask.shape != (batch, time):
            raise ValueError(
                f"mask must have shape (batch, time) = {(batch, time)}; got {mask.shape}"
            )
    return Inputs(x, states, mask)


def _describe(value: Any) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of length {len(value)}"
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__}" + (f" of shape {shape}" if shape is not None else "")


def cotangent(
    name: str, value: Any, axes: str, shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """The weights of one loss term, e.g. ``d_outputs`` in ``sum(outputs * d_outputs)``.

    None means zeros (the term is absent); anything else must be a finite real array of
    exactly ``shape`` (whose axes are spelled ``axes``, e.g. "(batch, hidden)"), and is cast
    to ``dtype``.
    """
    if value is None:
        return np.zeros(shape, dtype)
    array = real_array(name, value, dtype)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {axes} = {shape}; got {array.shape}")
    return array


def prepare_cotangents(
    d_outputs: Any,
    d_states: dict[str, Any],
    batch: int,
    time: int,
    hidden_size: int,
    dtype: np.dtype,
) -> tuple[np.ndarray, ...]:
    """Validate the loss weights of a gradient call: ``d_outputs`` (batch, time, hidden) is
    required, each of ``d_states`` (name -> None or (batch, hidden)) is optional.

    Returns (d_outputs, *d_states in order), all arrays in ``dtype``.
    """
    if d_outputs is None:
        raise TypeError(
            f"d_outputs must be an array shaped (batch, time, hidden) = "
            f"{(batch, time, hidden_size)}; got None"
        )
    axes = "(batch, time, hidden)"
    arrays = [cotangent("d_outputs", d_outputs, axes, (batch, time, hidden_size), dtype)]
    arrays += [
        cotangent(name, value, "(batch, hidden)", (batch, hidden_size), dtype)
        for name, value in d_states.items()
    ]
    return tuple(arrays)

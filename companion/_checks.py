"""Input checks shared by the weight layouts and every backend.

Every backend calls :func:`prepare_inputs` before it computes anything, so bad input gets the
same clear error whichever framework was asked, and no framework ever sees it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

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

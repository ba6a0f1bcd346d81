"""Look inside an LSTM: every gate, candidate, cell and hidden value at every step.

:func:`trace` runs the NumPy LSTM (:func:`companion.numpy_lstm.forward_with_cache`, the
forward pass that keeps what backpropagation needs) and arranges what each step computed by
step. Its ``h`` and ``c`` are exactly the states ``forward`` carries, so
``trace(x, w).h[:, -1]`` equals ``forward(x, w).h`` bit for bit.

With a mask, a masked step still computes its gates (they are recorded), but the state is
carried over unchanged, as in ``forward``: ``c[:, t]`` and ``h[:, t]`` then repeat step
t - 1 (or the initial state). ``go_backwards=True`` records the steps in processing order,
the order of ``forward``'s outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from companion.numpy_lstm import forward_with_cache
from companion.weights import GATES, LSTMWeights


class LSTMTrace(NamedTuple):
    """Every value of an LSTM forward pass, each (batch, time, hidden), in processing order.

    i, f, o: input, forget and output gates, in (0, 1)
    g:       candidate cell values, in (-1, 1)
    c:       cell state after each step
    h:       hidden state after each step
    """

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray

    def gates(self) -> dict[str, np.ndarray]:
        """The three gates and the candidate, keyed by their letters in the order (i, f, g,
        o), each (batch, time, hidden)."""
        return {name: getattr(self, name) for name in GATES}


def trace(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMTrace:
    """Run the NumPy LSTM over a batch of sequences and record every intermediate value.

    Arguments as :func:`companion.numpy_lstm.forward`: x (batch, time, input_size),
    initial_state None or (h0, c0) each (batch, hidden), mask None or boolean (batch, time).
    Returns an :class:`LSTMTrace` of (batch, time, hidden) arrays.
    """
    output, cache = forward_with_cache(
        x, weights, initial_state, mask=mask, go_backwards=go_backwards
    )
    i, f, g, o = np.split(cache.gates, 4, axis=2)  # each (time, batch, hidden)
    # The state after step t is the state step t + 1 started from; after the last, the output.
    c = np.concatenate([cache.c_prev, output.c[None]])[1:]
    h = np.concatenate([cache.h_prev, output.h[None]])[1:]
    return LSTMTrace(*(array.transpose(1, 0, 2) for array in (i, f, g, o, c, h)))


def step_table(
    values: LSTMTrace, tokens: Sequence[str], *, sample: int = 0, unit: int | None = None
) -> str:
    """A plain-text table of one sequence of a trace, one row per time step.

    With ``unit=None`` each column is the mean over the hidden units (of ``|c|`` and ``|h|`` for
    the states, whose signs would cancel); with a unit index, that unit's values.
    ``tokens`` label the rows (the last column, so wide characters do not shift the others).
    """
    batch, time, hidden = values.h.shape
    if len(tokens) != time:
        raise ValueError(f"tokens must label every time step: {time}; got {len(tokens)}")
    if not 0 <= sample < batch:
        raise ValueError(f"sample must be in [0, {batch}); got {sample}")
    if unit is not None and not 0 <= unit < hidden:
        raise ValueError(f"unit must be None or in [0, {hidden}); got {unit}")
    columns = {}
    for name, array in values._asdict().items():
        series = array[sample]
        if unit is None:
            absolute = name in ("c", "h")
            columns[f"mean |{name}|" if absolute else f"mean {name}"] = (
                np.abs(series).mean(axis=1) if absolute else series.mean(axis=1)
            )
        else:
            columns[f"{name}[{unit}]"] = series[:, unit]
    header = ["t", *columns, "token"]
    rows = [
        [str(t + 1), *(f"{column[t]:+.3f}" for column in columns.values()), tokens[t]]
        for t in range(time)
    ]
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in [header, *rows]
    )

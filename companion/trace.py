"""Look inside an LSTM: every gate, candidate, cell and hidden value at every step.

:func:`trace` runs the NumPy LSTM (:func:`companion.numpy_lstm.step`, the same step function
:func:`companion.numpy_lstm.forward` uses, on the same input projection) and keeps what each
step computed instead of only the outputs. Its ``h`` and ``c`` are exactly the states
``forward`` carries, so ``trace(x, w).h[:, -1]`` equals ``forward(x, w).h`` bit for bit.

With a mask, a masked step still computes its gates (they are recorded), but the state is
carried over unchanged, as in ``forward``: ``c[:, t]`` and ``h[:, t]`` then repeat step
t - 1 (or the initial state). ``go_backwards=True`` records the steps in processing order,
the order of ``forward``'s outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from companion.interface import prepare
from companion.numpy_lstm import LSTMStep, step
from companion.weights import GATES, LSTMWeights


class LSTMTrace(LSTMStep):
    """Every value of an LSTM forward pass: the fields of :class:`LSTMStep` (i, f, g, o, c,
    h), each (batch, time, hidden) instead of (batch, hidden), in processing order.

    i, f, o: input, forget and output gates, in (0, 1)
    g:       candidate cell values, in (-1, 1)
    c:       cell state after each step
    h:       hidden state after each step
    """

    __slots__ = ()

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
    inputs = prepare(x, weights, initial_state, mask)
    if go_backwards:
        inputs = inputs.reversed()
    x, h, c, mask = inputs
    batch, time, _ = x.shape
    # The same time-major projection as forward, so every value agrees with it exactly.
    projected = np.matmul(x.transpose(1, 0, 2), weights.kernel) + weights.bias
    record = np.zeros((len(LSTMTrace._fields), time, batch, weights.hidden_size), weights.dtype)
    for t in range(time):
        values = step(projected[t] + h @ weights.recurrent_kernel, c)
        if mask is None:
            h, c = values.h, values.c
        else:
            keep = mask[:, t, None]
            h = np.where(keep, values.h, h)
            c = np.where(keep, values.c, c)
        record[:, t] = (*values[:4], c, h)
    return LSTMTrace(*(array.transpose(1, 0, 2) for array in record))


def step_table(
    values: LSTMTrace, tokens: Sequence[str], *, sample: int = 0, unit: int | None = None
) -> str:
    """A plain-text table of one sequence of a trace, one row per time step.

    With ``unit=None`` each column is the mean over the hidden units (of |c| and |h| for
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

"""The LSTM cell filled with the values of one token: its gates, candidate and states as
strips of coloured squares, one per hidden unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from companion.figures.diagrams import _primitives as draw
from companion.figures.diagrams.cells import CellLayout, draw_lstm_cell
from companion.figures.diagrams.equations import LSTM_GATES, SIGMOID, TANH, Activation
from companion.figures.fonts import chinese_font_family

_GATE_LETTERS = tuple(gate.letter for gate in LSTM_GATES)

CELL_VALUE_NAMES = (*_GATE_LETTERS, "c_prev", "c", "h")
"""The values :func:`lstm_cell_values` draws, each a (hidden,) vector for one token."""

_LOWEST = {gate.letter: gate.activation.low for gate in LSTM_GATES} | {"h": TANH.low}
"""The lower end of the range of each bounded value (the upper end is 1): a gate's is its
activation's, h = o * tanh(c) lies in tanh's."""


def _check_cell_values(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    missing = [name for name in CELL_VALUE_NAMES if name not in values]
    unknown = [name for name in values if name not in CELL_VALUE_NAMES]
    if missing or unknown:
        raise ValueError(
            f"values must have exactly the keys {list(CELL_VALUE_NAMES)}; "
            f"missing {missing}, unknown {unknown}"
        )
    arrays = {name: np.asarray(values[name], dtype=float) for name in CELL_VALUE_NAMES}
    first = CELL_VALUE_NAMES[0]
    hidden = arrays[first].shape
    for name, array in arrays.items():
        if array.ndim != 1 or array.size == 0 or array.shape != hidden:
            raise ValueError(
                f"values[{name!r}] must have shape (hidden,) like values[{first!r}] {hidden}; "
                f"got {array.shape}"
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"values[{name!r}] must be finite")
    for name, low in _LOWEST.items():
        if arrays[name].min() < low or arrays[name].max() > 1.0:
            raise ValueError(
                f"values[{name!r}] must lie in [{low:g}, 1]; got values from "
                f"{arrays[name].min():.3g} to {arrays[name].max():.3g}"
            )
    return arrays


def cell_values(trace: Any, step: int, *, sample: int = 0, c_prev: Any = None) -> dict:
    """The values :func:`lstm_cell_values` draws for one token, from an
    :class:`~companion.analysis.trace.LSTMTrace` (arrays (batch, time, hidden)).

    c_prev of step 0 is the initial cell state, which a trace does not record: pass it as
    ``c_prev`` (hidden,) if it was not zero.
    """
    time, hidden = trace.c.shape[1:]
    if not 0 <= step < time:
        raise ValueError(f"step must be in [0, {time}); got {step}")
    if step > 0:
        previous = trace.c[sample, step - 1]
    else:
        previous = np.zeros(hidden) if c_prev is None else np.asarray(c_prev, dtype=float)
    values = {name: getattr(trace, name)[sample, step] for name in (*_GATE_LETTERS, "c", "h")}
    return {**values, "c_prev": previous}


@dataclass(frozen=True)
class _Scale:
    """A colour map stretched over the values low..high."""

    colour_map: Any
    low: float
    high: float

    def colour(self, value: float) -> Any:
        return self.colour_map((value - self.low) / (self.high - self.low))


def _scales(arrays: Mapping[str, np.ndarray]) -> tuple[dict[str, _Scale], dict[str, _Scale]]:
    """The colour scale of every value, and the scales as the legend names them: one for
    the gates of each activation's range (h with tanh's), one for the cell states, wide
    enough for the largest |c|."""
    plt = draw.pyplot()
    red_blue = plt.get_cmap("RdBu_r")
    limit = max(1.0, float(np.abs(arrays["c"]).max()), float(np.abs(arrays["c_prev"]).max()))
    by_activation = {
        SIGMOID: _Scale(plt.get_cmap("viridis"), 0.0, 1.0),
        TANH: _Scale(red_blue, -1.0, 1.0),
    }
    state = _Scale(red_blue, -limit, limit)
    scales = {gate.letter: by_activation[gate.activation] for gate in LSTM_GATES}
    scales.update(h=by_activation[TANH], c_prev=state, c=state)

    def named(activation: Activation, *others: str) -> str:
        gates = [gate.letter for gate in LSTM_GATES if gate.activation is activation]
        return ", ".join([*gates, *others])

    legend = {named(SIGMOID): by_activation[SIGMOID], named(TANH, "h"): by_activation[TANH]}
    return scales, {**legend, "c": state}


def _strip(
    axes: Any, x: float, y: float, values: np.ndarray, scale: _Scale, *, length: float = 0.72
) -> None:
    """One small square per value (hidden unit), centred on (x, y), coloured by ``scale``."""
    size = length / values.size
    left = x - length / 2
    for unit, value in enumerate(values):
        axes.add_patch(
            draw.pyplot().Rectangle(
                (left + unit * size, y - 0.07),
                size,
                0.14,
                fc=scale.colour(value),
                ec="white",
                lw=0.4,
                zorder=5,
            )
        )


def lstm_cell_values(values: Mapping[str, Any], token: str, *, sentence: str = "") -> Any:
    """The LSTM cell of :func:`~companion.figures.diagrams.cells.lstm_cell` filled with the
    values of one token: every block shows its vector as a strip of coloured squares (one
    per hidden unit) and its mean, the cell states their mean size.

    values:   name -> (hidden,) vector, for the names i, f, o (gates, in [0, 1]), g and h
              (in [-1, 1]), c_prev and c: one token of one sequence
    token:    the token, named in the title
    sentence: the sentence it belongs to, named after it if given

    :func:`cell_values` takes these values from a trace. Chinese characters in the title are
    drawn with the CJK font of :func:`companion.figures.fonts.chinese_font_family`.
    """
    arrays = _check_cell_values(values)
    if not isinstance(token, str) or not token:
        raise ValueError(f"token must be a non-empty string; got {token!r}")
    if not isinstance(sentence, str):
        raise ValueError(f"sentence must be a string; got {sentence!r}")
    scales, legend = _scales(arrays)
    layout = CellLayout(block_width=0.9, block_height=0.74, block_y=1.85, c_lane=3.35)
    figure, axes = draw.canvas(layout.width, layout.height)
    heading = f"The LSTM cell at the token “{token}”" + (f" of “{sentence}”" if sentence else "")
    draw.title(axes, heading, family=list(chinese_font_family()))
    draw_lstm_cell(axes, layout, block_text=False)
    for gate in LSTM_GATES:
        x, values_of_gate = layout.block_x(gate), arrays[gate.letter]
        draw.label(axes, x, layout.block_y + 0.22, gate.activation.label, fontsize=10)
        _strip(axes, x, layout.block_y, values_of_gate, scales[gate.letter])
        draw.label(axes, x, layout.block_y - 0.22, f"mean {values_of_gate.mean():.2f}", fontsize=8)
    for name, x, y in (
        ("c_prev", 0.5, layout.c_lane - 0.25),
        ("c", layout.width - 0.5, layout.c_lane - 0.25),
        ("h", layout.width - 0.5, layout.h_lane - 0.25),
    ):
        _strip(axes, x, y, arrays[name], scales[name], length=0.8)
        draw.label(axes, x, y - 0.2, f"mean |·| {np.abs(arrays[name]).mean():.2f}", fontsize=8)
    _scale_legend(axes, layout.x_in + 0.75, legend)
    return figure


def _scale_legend(axes: Any, x: float, scales: Mapping[str, _Scale]) -> None:
    """A row of colour scales from their low to their high end, each after the names of
    the values it colours, starting at x."""
    for names, scale in scales.items():
        text = axes.text(x, 0.2, f"{names}:  {scale.low:.3g}", ha="left", va="center", fontsize=8)
        x += draw.text_width(axes, text) + 0.4
        _strip(axes, x, 0.2, np.linspace(scale.low, scale.high, 9), scale, length=0.6)
        draw.label(axes, x + 0.36, 0.2, f"{scale.high:.3g}", ha="left", fontsize=8)
        x += 1.0

"""Architecture diagrams drawn by code: the LSTM cell, unrolled, its gradient paths, the GRU,
peephole and CIFG variants, stacked and bidirectional layers, and the cell filled with the
gate values of one token.

Every drawing uses the symbols of the book's equations (:math:`x_t`, :math:`h_{t-1}`,
:math:`c_{t-1}`, the blocks :math:`i, f, g, o`, the element-wise :math:`\\odot` and :math:`+`)
and one visual language:

- a square-cornered box is a layer with weights, ``x_t W + h_{t-1} U + b`` followed by its
  activation (orange: sigmoid :math:`\\sigma`, green: tanh);
- a pink circle or rounded box is an element-wise operation (:math:`\\odot`, :math:`+`,
  tanh, :math:`1-`);
- the thick blue line is the cell state lane :math:`c`, the thin dark lines carry :math:`h`
  and :math:`x`;
- in the variant drawings green marks what the variant adds, red what it removes.

Every function returns the figure and leaves showing or saving it to the caller (a notebook
ends the cell with ``plt.show()``). Matplotlib is imported inside the functions, so
``import companion`` stays light. Each drawing is a pure function of its arguments: the same
call renders the same pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from companion._checks import integer
from companion.figures.fonts import chinese_font_family

# --- One visual language -------------------------------------------------------------------

INK = "#2b2b2b"
C_LANE = "#1f4e79"
CELL_FACE, CELL_EDGE = "#f3f6fa", "#9fb3c8"
SIGMOID_FACE, SIGMOID_EDGE = "#fde3b0", "#b7791f"
TANH_FACE, TANH_EDGE = "#d6efdc", "#2f855a"
LINEAR_FACE, LINEAR_EDGE = "#e7e3f4", "#5b4b9a"
POINTWISE_FACE, POINTWISE_EDGE = "#fbe3ec", "#a8325e"
ADDED = "#2b8a3e"
REMOVED = "#c92a2a"
FADED = 0.3
NODE_RADIUS = 0.15


MERGE_MODES = ("concat", "sum", "mul", "ave")
"""The ``merge_mode`` values of ``keras.layers.Bidirectional`` that :func:`bidirectional_layer`
draws (those that return one sequence)."""

_MERGES = {
    "concat": ("concat", r"$y_t = [\overrightarrow{h}_t,\ \overleftarrow{h}_t]$", 2),
    "sum": ("+", r"$y_t = \overrightarrow{h}_t + \overleftarrow{h}_t$", 1),
    "mul": (r"$\odot$", r"$y_t = \overrightarrow{h}_t \odot \overleftarrow{h}_t$", 1),
    "ave": ("ave", r"$y_t = (\overrightarrow{h}_t + \overleftarrow{h}_t)\,/\,2$", 1),
}
# merge_mode -> (the merge node's label, the equation, the output width in units of `units`)

CELL_VALUE_NAMES = ("i", "f", "g", "o", "c_prev", "c", "h")
"""The values :func:`lstm_cell_values` draws, each a (hidden,) vector for one token."""


def _pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _check_count(name: str, value: int, high: int) -> None:
    integer(name, value, 1, high)


def _canvas(width: float, height: float) -> tuple[Any, Any]:
    """A figure of width x height inches whose data coordinates are inches."""
    plt = _pyplot()
    figure = plt.figure(figsize=(width, height))
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0.0, width)
    axes.set_ylim(0.0, height)
    axes.set_aspect("equal")
    axes.axis("off")
    return figure, axes


def _title(axes: Any, text: str, **font: Any) -> None:
    width, height = axes.get_xlim()[1], axes.get_ylim()[1]
    axes.text(width / 2, height - 0.12, text, ha="center", va="top", fontsize=12, **font)


def _wire(
    axes: Any,
    points: Sequence[tuple[float, float]],
    *,
    colour: str = INK,
    width: float = 1.3,
    arrow: bool = True,
    bridge: bool = False,
    alpha: float = 1.0,
    style: str = "-",
    zorder: float = 2.0,
) -> None:
    """A polyline through ``points``, with an arrowhead at the end; ``bridge`` draws a white
    halo so that the wire visibly passes over the lines it crosses."""
    from matplotlib import patheffects
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    effects = [patheffects.withStroke(linewidth=width + 5, foreground="white")] if bridge else []
    patch = FancyArrowPatch(
        path=Path(points),
        arrowstyle="-|>,head_length=0.5,head_width=0.22" if arrow else "-",
        mutation_scale=12,
        color=colour,
        lw=width,
        alpha=alpha,
        linestyle=style,
        zorder=zorder,
        path_effects=effects,
    )
    axes.add_patch(patch)


def _dot(axes: Any, x: float, y: float, *, colour: str = INK, alpha: float = 1.0) -> None:
    axes.add_patch(_pyplot().Circle((x, y), 0.035, color=colour, alpha=alpha, zorder=3))


def _box(
    axes: Any,
    x: float,
    y: float,
    width: float,
    height: float,
    label: str,
    *,
    face: str,
    edge: str,
    rounded: bool = False,
    fontsize: float = 11,
    alpha: float = 1.0,
    style: str = "-",
) -> None:
    """A box centred on (x, y) with ``label`` in it."""
    from matplotlib.patches import FancyBboxPatch

    pad = min(width, height) / 3 if rounded else 0.0
    axes.add_patch(
        FancyBboxPatch(
            (x - width / 2 + pad, y - height / 2 + pad),
            width - 2 * pad,
            height - 2 * pad,
            boxstyle=f"round,pad={pad}" if rounded else "square,pad=0",
            fc=face,
            ec=edge,
            lw=1.3,
            alpha=alpha,
            linestyle=style,
            zorder=3,
        )
    )
    axes.text(
        x,
        y,
        label,
        ha="center",
        va="center",
        fontsize=fontsize,
        color=INK,
        alpha=alpha,
        zorder=4,
    )


def _node(
    axes: Any, x: float, y: float, symbol: str, *, alpha: float = 1.0, zorder: float = 3.0
) -> None:
    """An element-wise operation: a pink circle with its symbol."""
    axes.add_patch(
        _pyplot().Circle(
            (x, y),
            NODE_RADIUS,
            fc=POINTWISE_FACE,
            ec=POINTWISE_EDGE,
            lw=1.3,
            alpha=alpha,
            zorder=zorder,
        )
    )
    axes.text(
        x,
        y,
        symbol,
        ha="center",
        va="center_baseline",
        fontsize=12,
        color=INK,
        alpha=alpha,
        zorder=zorder + 1,
    )


def _pointwise_box(
    axes: Any,
    x: float,
    y: float,
    text: str,
    *,
    width: float = 0.56,
    edge: str = POINTWISE_EDGE,
    fontsize: float = 10,
    alpha: float = 1.0,
) -> None:
    """An element-wise operation too wide for a circle (tanh, 1 -, a merge): a pink rounded
    box 0.3 high."""
    _box(
        axes, x, y, width, 0.3, text, face=POINTWISE_FACE, edge=edge, rounded=True,
        fontsize=fontsize, alpha=alpha,
    )  # fmt: skip


def _cell_outline(
    axes: Any, left: float, right: float, h_lane: float, top_lane: float, *, alpha: float = 1.0
) -> None:
    """The pale background of one cell, from below the h lane to above the top lane."""
    axes.add_patch(
        _pyplot().Rectangle(
            (left, h_lane - 0.4), right - left, top_lane - h_lane + 0.75, fc=CELL_FACE,
            ec=CELL_EDGE, lw=1.2, alpha=alpha, zorder=0,
        )
    )  # fmt: skip


def _label(axes: Any, x: float, y: float, text: str, **options: Any) -> None:
    options = {"ha": "center", "va": "center", "fontsize": 11, "color": INK, **options}
    axes.text(x, y, text, zorder=5, **options)


def _text_width(axes: Any, text: Any) -> float:
    """The width of a drawn text in inches (the canvas's data unit)."""
    figure = axes.figure
    return text.get_window_extent(figure.canvas.get_renderer()).width / figure.dpi


def _legend(
    axes: Any,
    x: float,
    y: float,
    entries: Sequence[tuple[str, str]],
    *,
    line_styles: Sequence[str] = (),
) -> None:
    """A row of coloured swatches with their meaning, starting at (x, y); with
    ``line_styles`` (one per entry) each swatch is a line drawn in that style."""
    for index, (colour, text) in enumerate(entries):
        if line_styles:
            _wire(axes, [(x, y), (x + 0.3, y)], colour=colour, width=2.2, arrow=False,
                  style=line_styles[index])  # fmt: skip
        else:
            axes.add_patch(
                _pyplot().Rectangle((x, y - 0.06), 0.3, 0.12, fc=colour, ec="none", zorder=3)
            )
        annotation = axes.text(x + 0.4, y, text, ha="left", va="center", fontsize=8.5)
        x += 0.4 + _text_width(axes, annotation) + 0.3


# --- The LSTM cell -------------------------------------------------------------------------


@dataclass(frozen=True)
class _CellLayout:
    """Where everything of the LSTM cell drawing sits, in inches."""

    block_width: float = 0.62
    block_height: float = 0.46
    block_y: float = 1.75
    c_lane: float = 3.2
    h_lane: float = 0.95
    cell_left: float = 0.95
    cell_right: float = 6.95
    forget_x: float = 2.1
    input_x: float = 3.3
    candidate_x: float = 4.45
    output_x: float = 5.45
    write_x: float = 3.875
    out_x: float = 6.3
    x_in: float = 1.45
    width: float = 8.0

    @property
    def height(self) -> float:
        return self.c_lane + 0.85

    def block_x(self, name: str) -> float:
        return {"f": self.forget_x, "i": self.input_x, "g": self.candidate_x, "o": self.output_x}[
            name
        ]


def _lstm_cell(
    axes: Any,
    layout: _CellLayout,
    *,
    faded: Sequence[str] = (),
    block_labels: Mapping[str, str] | None = None,
) -> None:
    """Draw the standard LSTM cell; blocks named in ``faded`` are drawn dashed and pale
    (removed by a variant). ``block_labels`` overrides the text inside a block."""
    r = NODE_RADIUS
    top, bottom = (
        layout.block_y + layout.block_height / 2,
        layout.block_y - layout.block_height / 2,
    )
    _cell_outline(axes, layout.cell_left, layout.cell_right, layout.h_lane, layout.c_lane)
    # The cell state lane, c_{t-1} -> forget -> write -> c_t.
    _wire(
        axes,
        [(0.25, layout.c_lane), (layout.width - 0.25, layout.c_lane)],
        colour=C_LANE,
        width=2.4,
    )
    _label(axes, 0.5, layout.c_lane + 0.22, "$c_{t-1}$")
    _label(axes, layout.width - 0.45, layout.c_lane + 0.22, "$c_t$")
    _node(axes, layout.forget_x, layout.c_lane, r"$\odot$")
    _node(axes, layout.write_x, layout.c_lane, "$+$")
    # The input bus [h_{t-1}, x_t] feeding the four blocks.
    _wire(axes, [(0.25, layout.h_lane), (layout.output_x, layout.h_lane)], arrow=False)
    _label(axes, 0.5, layout.h_lane + 0.2, "$h_{t-1}$")
    _wire(axes, [(layout.x_in, 0.05), (layout.x_in, layout.h_lane)], arrow=False)
    _label(axes, layout.x_in + 0.12, 0.15, "$x_t$", ha="left")
    _dot(axes, layout.x_in, layout.h_lane)
    for name in "figo":
        x = layout.block_x(name)
        removed = name in faded
        _wire(axes, [(x, layout.h_lane), (x, bottom)], alpha=FADED if removed else 1.0)
        if name != "o":
            _dot(axes, x, layout.h_lane, alpha=FADED if removed else 1.0)
        sigmoid = name != "g"
        default = r"$\sigma$" if sigmoid else "tanh"
        _box(
            axes,
            x,
            layout.block_y,
            layout.block_width,
            layout.block_height,
            (block_labels or {}).get(name, default),
            face=SIGMOID_FACE if sigmoid else TANH_FACE,
            edge=REMOVED if removed else (SIGMOID_EDGE if sigmoid else TANH_EDGE),
            alpha=FADED if removed else 1.0,
            style="--" if removed else "-",
        )
    # f_t multiplies the lane; i_t * g_t is added to it.
    if "f" not in faded:
        _wire(axes, [(layout.forget_x, top), (layout.forget_x, layout.c_lane - r)])
        _label(axes, layout.forget_x + 0.1, (top + layout.c_lane) / 2, "$f_t$", ha="left")
    write_y = (top + layout.c_lane) / 2 + 0.05
    _node(axes, layout.write_x, write_y, r"$\odot$")
    _wire(axes, [(layout.input_x, top), (layout.input_x, write_y), (layout.write_x - r, write_y)])
    _label(axes, layout.input_x + 0.1, (top + write_y) / 2, "$i_t$", ha="left")
    _wire(
        axes,
        [(layout.candidate_x, top), (layout.candidate_x, write_y), (layout.write_x + r, write_y)],
    )
    _label(axes, layout.candidate_x - 0.1, (top + write_y) / 2, "$g_t$", ha="right")
    _wire(axes, [(layout.write_x, write_y + r), (layout.write_x, layout.c_lane - r)])
    # h_t = o_t * tanh(c_t).
    squash_y = (layout.block_y + layout.c_lane) / 2 + 0.05
    _wire(axes, [(layout.out_x, layout.c_lane), (layout.out_x, squash_y + 0.15)])
    _dot(axes, layout.out_x, layout.c_lane, colour=C_LANE)
    _pointwise_box(axes, layout.out_x, squash_y, "tanh")
    _wire(axes, [(layout.out_x, squash_y - 0.15), (layout.out_x, layout.block_y + r)])
    _node(axes, layout.out_x, layout.block_y, r"$\odot$")
    _wire(
        axes,
        [
            (layout.output_x + layout.block_width / 2, layout.block_y),
            (layout.out_x - r, layout.block_y),
        ],
    )
    _label(
        axes,
        (layout.output_x + layout.block_width / 2 + layout.out_x - r) / 2,
        layout.block_y + 0.17,
        "$o_t$",
    )
    _wire(
        axes,
        [
            (layout.out_x, layout.block_y - r),
            (layout.out_x, layout.h_lane),
            (layout.width - 0.25, layout.h_lane),
        ],
    )
    _label(axes, layout.width - 0.45, layout.h_lane + 0.2, "$h_t$")


def _cell_legend(axes: Any, layout: _CellLayout) -> None:
    _legend(
        axes,
        layout.x_in + 0.75,
        0.2,
        [
            (SIGMOID_FACE, r"layer $x_t W + h_{t-1} U + b$, then $\sigma$"),
            (TANH_FACE, "... then tanh"),
            (POINTWISE_FACE, "element-wise"),
        ],
    )


def lstm_cell() -> Any:
    """The LSTM cell as the book's equations compute it: the cell state lane c on top
    (forget :math:`\\odot f_t`, then :math:`+\\, i_t \\odot g_t`), the input
    :math:`[h_{t-1}, x_t]` below feeding the four blocks i, f, g, o, and
    :math:`h_t = o_t \\odot \\tanh(c_t)` leaving at the bottom right."""
    layout = _CellLayout()
    figure, axes = _canvas(layout.width, layout.height)
    _title(axes, "One step of an LSTM layer")
    _lstm_cell(axes, layout)
    _cell_legend(axes, layout)
    return figure


VARIANT_CHANGES = {
    "peephole": "peephole LSTM: the gates also see the cell state",
    "CIFG": "CIFG: coupled input and forget gate, $f_t = 1 - i_t$",
}
"""The variants :func:`lstm_variant_cell` draws, with their titles."""


def lstm_variant_cell(variant: str) -> Any:
    """The LSTM cell of :func:`lstm_cell` with one variant's changes marked on it, green for
    what it adds and red for what it removes.

    variant: "peephole" (Gers and Schmidhuber: p_i * c_{t-1} and p_f * c_{t-1} into the
             input and forget gates, p_o * c_t into the output gate) or "CIFG" (no forget
             block; f_t = 1 - i_t)
    """
    if variant not in VARIANT_CHANGES:
        raise ValueError(f"variant must be one of {sorted(VARIANT_CHANGES)}; got {variant!r}")
    layout = _CellLayout()
    figure, axes = _canvas(layout.width, layout.height)
    _title(axes, VARIANT_CHANGES[variant])
    top = layout.block_y + layout.block_height / 2
    if variant == "peephole":
        _lstm_cell(axes, layout)
        left = layout.block_width / 2
        for name, source_x, text in (
            ("f", layout.cell_left + 0.2, r"$p_f \odot c_{t-1}$"),
            ("i", layout.forget_x + 0.5, r"$p_i \odot c_{t-1}$"),
            ("o", layout.out_x - 0.35, r"$p_o \odot c_t$"),
        ):
            x = layout.block_x(name)
            target = (x - left, layout.block_y + 0.08) if name != "o" else (x, top)
            path = [(source_x, layout.c_lane), (source_x, layout.block_y + 0.08), target]
            if name == "o":
                path = [(source_x, layout.c_lane), (source_x, top + 0.3), (x, top + 0.3), target]
            _wire(axes, path, colour=ADDED, width=1.5, style="--")
            _dot(axes, source_x, layout.c_lane, colour=ADDED)
            text_x = source_x + (0.08 if name != "o" else -0.08)
            _label(
                axes,
                text_x,
                (layout.c_lane + top) / 2 + (0.25 if name == "o" else 0.0),
                text,
                ha="left" if name != "o" else "right",
                color=ADDED,
                fontsize=10,
            )
        _legend(
            axes,
            layout.x_in + 0.75,
            0.2,
            [(ADDED, "added: one weight vector $p$ per gate, times the cell state")],
        )
    else:
        _lstm_cell(axes, layout, faded=("f",), block_labels={"f": r"$\sigma$"})
        _label(
            axes,
            layout.forget_x,
            layout.block_y - 0.4,
            "no forget block",
            color=REMOVED,
            fontsize=9,
        )
        coupled_y = top + 0.4
        _pointwise_box(axes, layout.forget_x, coupled_y, "$1-$", width=0.42, edge=ADDED)
        _wire(
            axes,
            [(layout.input_x, coupled_y), (layout.forget_x + 0.21, coupled_y)],
            colour=ADDED,
            width=1.5,
        )
        _dot(axes, layout.input_x, coupled_y, colour=ADDED)
        _wire(
            axes,
            [(layout.forget_x, coupled_y + 0.15), (layout.forget_x, layout.c_lane - NODE_RADIUS)],
            colour=ADDED,
            width=1.5,
        )
        _label(
            axes,
            layout.forget_x + 0.1,
            (coupled_y + layout.c_lane) / 2 + 0.02,
            "$f_t = 1 - i_t$",
            ha="left",
            color=ADDED,
            fontsize=10,
        )
        _legend(
            axes,
            layout.x_in + 0.75,
            0.2,
            [(ADDED, "added: $1 - i_t$"), (REMOVED, "removed: the forget gate's weights")],
        )
    return figure


# --- The cell filled with one token's values -----------------------------------------------


def _check_cell_values(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    missing = [name for name in CELL_VALUE_NAMES if name not in values]
    unknown = [name for name in values if name not in CELL_VALUE_NAMES]
    if missing or unknown:
        raise ValueError(
            f"values must have exactly the keys {list(CELL_VALUE_NAMES)}; "
            f"missing {missing}, unknown {unknown}"
        )
    arrays = {name: np.asarray(values[name], dtype=float) for name in CELL_VALUE_NAMES}
    hidden = arrays["i"].shape
    for name, array in arrays.items():
        if array.ndim != 1 or array.size == 0 or array.shape != hidden:
            raise ValueError(
                f"values[{name!r}] must have shape (hidden,) like values['i'] {hidden}; "
                f"got {array.shape}"
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"values[{name!r}] must be finite")
    for name, low in (("i", 0.0), ("f", 0.0), ("o", 0.0), ("g", -1.0), ("h", -1.0)):
        if arrays[name].min() < low or arrays[name].max() > 1.0:
            raise ValueError(
                f"values[{name!r}] must lie in [{low:g}, 1]; got values from "
                f"{arrays[name].min():.3g} to {arrays[name].max():.3g}"
            )
    return arrays


@dataclass(frozen=True)
class _Scale:
    """A colour map stretched over the values low..high."""

    colour_map: Any
    low: float
    high: float

    def colour(self, value: float) -> Any:
        return self.colour_map((value - self.low) / (self.high - self.low))


def _strip(
    axes: Any, x: float, y: float, values: np.ndarray, scale: _Scale, *, length: float = 0.72
) -> None:
    """One small square per value (hidden unit), centred on (x, y), coloured by ``scale``."""
    size = length / values.size
    left = x - length / 2
    for unit, value in enumerate(values):
        axes.add_patch(
            _pyplot().Rectangle(
                (left + unit * size, y - 0.07),
                size,
                0.14,
                fc=scale.colour(value),
                ec="white",
                lw=0.4,
                zorder=5,
            )
        )


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
    values = {name: getattr(trace, name)[sample, step] for name in ("i", "f", "g", "o", "c", "h")}
    return {**values, "c_prev": previous}


def lstm_cell_values(values: Mapping[str, Any], token: str, *, sentence: str = "") -> Any:
    """The LSTM cell of :func:`lstm_cell` filled with the values of one token: every block
    shows its vector as a strip of coloured squares (one per hidden unit) and its mean, the
    cell states their mean size.

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
    plt = _pyplot()
    red_blue = plt.get_cmap("RdBu_r")
    state_limit = max(1.0, float(np.abs(arrays["c"]).max()), float(np.abs(arrays["c_prev"]).max()))
    gate_scale = _Scale(plt.get_cmap("viridis"), 0.0, 1.0)
    unit_scale = _Scale(red_blue, -1.0, 1.0)
    state_scale = _Scale(red_blue, -state_limit, state_limit)
    scales = {"i": gate_scale, "f": gate_scale, "o": gate_scale, "g": unit_scale}
    scales.update(h=unit_scale, c_prev=state_scale, c=state_scale)
    layout = _CellLayout(block_width=0.9, block_height=0.74, block_y=1.85, c_lane=3.35)
    figure, axes = _canvas(layout.width, layout.height)
    title = f"The LSTM cell at the token “{token}”" + (f" of “{sentence}”" if sentence else "")
    _title(axes, title, family=list(chinese_font_family()))
    labels = {"f": r"$\sigma$", "i": r"$\sigma$", "g": "tanh", "o": r"$\sigma$"}
    _lstm_cell(axes, layout, block_labels={name: "" for name in labels})
    for name in "ifgo":
        x = layout.block_x(name)
        _label(axes, x, layout.block_y + 0.22, labels[name], fontsize=10)
        _strip(axes, x, layout.block_y, arrays[name], scales[name])
        _label(axes, x, layout.block_y - 0.22, f"mean {arrays[name].mean():.2f}", fontsize=8)
    for name, x, y in (
        ("c_prev", 0.5, layout.c_lane - 0.25),
        ("c", layout.width - 0.5, layout.c_lane - 0.25),
        ("h", layout.width - 0.5, layout.h_lane - 0.25),
    ):
        _strip(axes, x, y, arrays[name], scales[name], length=0.8)
        _label(axes, x, y - 0.2, f"mean |·| {np.abs(arrays[name]).mean():.2f}", fontsize=8)
    x = layout.x_in + 0.75
    for title, scale in (("i, f, o", gate_scale), ("g, h", unit_scale), ("c", state_scale)):
        text = axes.text(x, 0.2, f"{title}:  {scale.low:.3g}", ha="left", va="center", fontsize=8)
        x += _text_width(axes, text) + 0.4
        _strip(axes, x, 0.2, np.linspace(scale.low, scale.high, 9), scale, length=0.6)
        _label(axes, x + 0.36, 0.2, f"{scale.high:.3g}", ha="left", fontsize=8)
        x += 1.0
    return figure


# --- The LSTM unrolled, and its two gradient paths ------------------------------------------


@dataclass(frozen=True)
class _ChainLayout:
    """Where the cells of the unrolled LSTM sit, in inches."""

    steps: int
    bottom: float = 0.0
    margin: float = 0.55
    cell_width: float = 2.0
    gap: float = 0.5

    @property
    def c_lane(self) -> float:
        return self.bottom + 2.9

    @property
    def h_lane(self) -> float:
        return self.bottom + 1.0

    @property
    def gates_y(self) -> float:
        return self.bottom + 1.75

    @property
    def width(self) -> float:
        return self.margin + self.steps * (self.cell_width + self.gap) + 0.35

    def left(self, t: int) -> float:
        """The left edge of the cell of step t (1-based)."""
        return self.margin + (t - 1) * (self.cell_width + self.gap)


def _unrolled(
    axes: Any, chain: _ChainLayout, *, alpha: float = 1.0, gates_label: str = "$i, f, g, o$"
) -> None:
    """The unrolled LSTM: per step a cell with the c lane (through its forget and write
    nodes), the gates block fed by x_t and h_{t-1}, and h_t = o_t * tanh(c_t) leaving to
    the right and upwards. ``alpha`` < 1 draws it pale, as a background."""
    r = NODE_RADIUS
    plain = alpha == 1.0
    width, c_lane, h_lane, gates_y = chain.width, chain.c_lane, chain.h_lane, chain.gates_y
    _wire(axes, [(0.15, c_lane), (width - 0.15, c_lane)], colour=C_LANE, width=2.4, alpha=alpha)
    _label(axes, 0.3, c_lane + 0.2, "$c_0$", alpha=alpha)
    _label(axes, 0.3, h_lane + 0.2, "$h_0$", alpha=alpha)
    entry = 0.15
    for t in range(1, chain.steps + 1):
        x0 = chain.left(t)
        forget_x, write_x, out_x = x0 + 0.35, x0 + 0.95, x0 + 1.7
        _cell_outline(axes, x0, x0 + chain.cell_width, h_lane, c_lane, alpha=alpha)
        _node(axes, forget_x, c_lane, r"$\odot$", alpha=alpha)
        _node(axes, write_x, c_lane, "$+$", alpha=alpha)
        _box(
            axes,
            x0 + 0.65,
            gates_y,
            1.0,
            0.5,
            gates_label,
            face=SIGMOID_FACE,
            edge=SIGMOID_EDGE,
            fontsize=10,
            alpha=alpha,
        )
        top = gates_y + 0.25
        _wire(axes, [(forget_x, top), (forget_x, c_lane - r)], alpha=alpha)
        _wire(axes, [(write_x, top), (write_x, c_lane - r)], alpha=alpha)
        if plain:
            _label(axes, forget_x + 0.08, c_lane - 0.5, f"$f_{t}$", ha="left", fontsize=10)
            _label(
                axes,
                write_x + 0.08,
                c_lane - 0.5,
                rf"$i_{t} \odot g_{t}$",
                ha="left",
                fontsize=10,
            )
        # Inputs: h_{t-1} along the lane, x_t from below, joined into the gates block.
        _wire(axes, [(entry, h_lane), (forget_x, h_lane)], arrow=False, alpha=alpha)
        _wire(axes, [(forget_x, chain.bottom + 0.1), (forget_x, gates_y - 0.25)], alpha=alpha)
        _dot(axes, forget_x, h_lane, alpha=alpha)
        _label(axes, forget_x + 0.1, chain.bottom + 0.2, f"$x_{t}$", ha="left", alpha=alpha)
        # Output: h_t = o_t * tanh(c_t), to the next step and up as the layer's output.
        squash_y = gates_y + 0.45
        _dot(axes, out_x, c_lane, colour=C_LANE, alpha=alpha)
        _wire(axes, [(out_x, c_lane), (out_x, squash_y + 0.15)], alpha=alpha)
        _pointwise_box(axes, out_x, squash_y, "tanh", width=0.5, fontsize=9, alpha=alpha)
        out_y = gates_y - 0.1
        _wire(axes, [(out_x, squash_y - 0.15), (out_x, out_y + r)], alpha=alpha)
        _node(axes, out_x, out_y, r"$\odot$", alpha=alpha)
        _wire(axes, [(x0 + 1.15, out_y), (out_x - r, out_y)], alpha=alpha)
        if plain:
            _label(axes, (x0 + 1.15 + out_x - r) / 2, out_y - 0.15, f"$o_{t}$", fontsize=10)
        right = x0 + chain.cell_width
        up_x = right + chain.gap - 0.15
        last = t == chain.steps
        _wire(
            axes,
            [(out_x, out_y - r), (out_x, h_lane), (width - 0.15 if last else up_x, h_lane)],
            arrow=last,
            alpha=alpha,
        )
        entry = up_x
        _dot(axes, up_x, h_lane, alpha=alpha)
        _wire(axes, [(up_x, h_lane), (up_x, c_lane + 0.75)], bridge=True, alpha=alpha, zorder=2.5)
        _label(axes, up_x, c_lane + 0.88, f"$h_{t}$", alpha=alpha)
        _label(axes, right + 0.15, c_lane + 0.2, f"$c_{t}$", alpha=alpha)
        _label(axes, right + 0.15, h_lane - 0.2, f"$h_{t}$", alpha=alpha)


def unrolled_lstm(steps: int = 3) -> Any:
    """The LSTM layer unrolled over ``steps`` time steps (1 to 3): one cell per step, all
    with the same weights; c and h pass from each step to the next, x_t enters from below,
    h_t leaves upwards as the output."""
    _check_count("steps", steps, 3)
    chain = _ChainLayout(steps)
    figure, axes = _canvas(chain.width, chain.c_lane + 1.45)
    _title(axes, f"An LSTM layer unrolled over {steps} steps (one set of weights)")
    _unrolled(axes, chain)
    return figure


def gradient_paths(steps: int = 3) -> Any:
    """The two ways the gradient travels back through the unrolled LSTM of
    :func:`unrolled_lstm`: along the cell state, multiplied at each step by the forget gate
    :math:`f_t` only, and through the hidden state, where every step applies the recurrent
    weights :math:`U^\\top` and the slopes of the sigmoid and tanh."""
    _check_count("steps", steps, 3)
    chain = _ChainLayout(steps, bottom=0.55)
    figure, axes = _canvas(chain.width, chain.c_lane + 1.45)
    _title(axes, "Two ways back: along the cell state and through the hidden state")
    _unrolled(axes, chain, alpha=FADED, gates_label="")
    c_lane, h_lane, r = chain.c_lane, chain.h_lane, NODE_RADIUS
    end = chain.width - 0.15
    back = {"colour": REMOVED, "width": 2.2, "zorder": 6, "style": "--"}
    for t in range(chain.steps, 0, -1):
        x0 = chain.left(t)
        forget_x, out_x, out_y = x0 + 0.35, x0 + 1.7, chain.gates_y - 0.1
        later = t < chain.steps
        right = chain.left(t + 1) + 0.35 - r if later else end
        _wire(axes, [(right, c_lane), (forget_x + r, c_lane)], colour=ADDED, width=3, zorder=6)
        if t == 1:
            _wire(axes, [(forget_x - r, c_lane), (0.15, c_lane)], colour=ADDED, width=3, zorder=6)
        right = chain.left(t + 1) - 0.3 if later else end
        _node(axes, forget_x, c_lane, r"$\odot$", zorder=7)
        _node(axes, x0 + 0.95, c_lane, "$+$", zorder=7)
        _label(axes, forget_x, c_lane + 0.35, rf"$\odot f_{t}$", color=ADDED, fontsize=10)
        _wire(axes, [(right, h_lane), (out_x, h_lane), (out_x, out_y - r)], arrow=False, **back)
        _node(axes, out_x, out_y, r"$\odot$", zorder=7)
        _wire(axes, [(out_x - r, out_y), (x0 + 1.15, out_y)], **back)
        _box(
            axes,
            x0 + 0.65,
            chain.gates_y,
            1.0,
            0.5,
            r"$U^\top\!,\ \sigma', \tanh'$",
            face="white",
            edge=REMOVED,
            fontsize=9,
        )
        left = x0 - 0.3 if t > 1 else 0.15
        _wire(axes, [(forget_x, chain.gates_y - 0.25), (forget_x, h_lane), (left, h_lane)], **back)
    _legend(
        axes,
        0.3,
        0.3,
        [
            (ADDED, r"along $c$: $\delta c_{t-1} = \delta c_t \odot f_t$"),
            (
                REMOVED,
                r"through $h$: $\delta h_{t-1} = \delta z_t\, U^\top$, "
                r"$\delta z_t$ with $\sigma'$ and $\tanh'$",
            ),
        ],
        line_styles=("-", "--"),
    )
    return figure


# --- The GRU cell --------------------------------------------------------------------------


def gru_cell() -> Any:
    """One step of a GRU layer as Keras computes it by default (``reset_after=True``, the
    only form PyTorch has): the hidden state lane on top,
    :math:`h_t = u_t \\odot h_{t-1} + (1 - u_t) \\odot n_t`, the update gate u (Keras's
    ``z``), the reset gate r applied after the recurrent product, and the candidate
    :math:`n_t = \\tanh(x_t W_n + b_n + r_t \\odot (h_{t-1} U_n + b'_n))`."""
    lane, bus, block_y, r = 3.5, 1.0, 1.65, NODE_RADIUS
    update_x, reset_x, recurrent_x, input_x, out_x = 1.95, 2.95, 4.05, 5.35, 6.45
    top = block_y + 0.23
    figure, axes = _canvas(8.0, lane + 0.85)
    _title(axes, "One step of a GRU layer (Keras's default, reset_after=True)")
    _cell_outline(axes, 0.7, 7.0, bus, lane)
    _wire(axes, [(0.25, lane), (7.75, lane)], colour=C_LANE, width=2.4)
    _label(axes, 0.5, lane + 0.22, "$h_{t-1}$")
    _label(axes, 7.55, lane + 0.22, "$h_t$")
    _node(axes, update_x, lane, r"$\odot$")
    _node(axes, out_x, lane, "$+$")
    # The input bus [h_{t-1}, x_t].
    _dot(axes, 0.95, lane, colour=C_LANE)
    _wire(axes, [(0.95, lane), (0.95, bus), (input_x, bus)], arrow=False)
    _wire(axes, [(1.35, 0.05), (1.35, bus)], arrow=False)
    _dot(axes, 1.35, bus)
    _label(axes, 1.47, 0.15, "$x_t$", ha="left")
    blocks = (
        (update_x, r"$\sigma$", 0.62, SIGMOID_FACE, SIGMOID_EDGE),
        (reset_x, r"$\sigma$", 0.62, SIGMOID_FACE, SIGMOID_EDGE),
        (recurrent_x, r"$h_{t-1} U_n + b'_n$", 1.15, LINEAR_FACE, LINEAR_EDGE),
        (input_x, r"$x_t W_n + b_n$", 1.0, LINEAR_FACE, LINEAR_EDGE),
    )
    for x, text, width, face, edge in blocks:
        _wire(axes, [(x, bus), (x, block_y - 0.23)])
        if x != input_x:
            _dot(axes, x, bus)
        _box(axes, x, block_y, width, 0.46, text, face=face, edge=edge, fontsize=10)
    # u_t keeps h_{t-1}; 1 - u_t lets the candidate in.
    blend_y = 2.85
    _wire(axes, [(update_x, top), (update_x, lane - r)])
    _label(axes, update_x - 0.1, (top + blend_y) / 2, "$u_t$", ha="right")
    _dot(axes, update_x, blend_y)
    _pointwise_box(axes, 5.65, blend_y, "$1-$", width=0.42)
    _wire(axes, [(update_x, blend_y), (5.65 - 0.21, blend_y)])
    _wire(axes, [(5.65 + 0.21, blend_y), (out_x - r, blend_y)])
    _node(axes, out_x, blend_y, r"$\odot$")
    _wire(axes, [(out_x, blend_y + r), (out_x, lane - r)])
    # The candidate: r_t gates the recurrent part after its matrix product.
    mix_y = 2.25
    _node(axes, recurrent_x, mix_y, r"$\odot$")
    _wire(axes, [(reset_x, top), (reset_x, mix_y), (recurrent_x - r, mix_y)])
    _label(axes, reset_x + 0.1, (top + mix_y) / 2 - 0.02, "$r_t$", ha="left")
    _wire(axes, [(recurrent_x, top), (recurrent_x, mix_y - r)])
    _node(axes, input_x, mix_y, "$+$")
    _wire(axes, [(recurrent_x + r, mix_y), (input_x - r, mix_y)])
    _wire(axes, [(input_x, top), (input_x, mix_y - r)])
    _wire(axes, [(input_x + r, mix_y), (out_x - 0.28, mix_y)])
    _pointwise_box(axes, out_x, mix_y, "tanh")
    _wire(axes, [(out_x, mix_y + 0.15), (out_x, blend_y - r)])
    _label(axes, out_x + 0.1, (mix_y + blend_y) / 2, "$n_t$", ha="left")
    for y, text in (
        (
            0.38,
            r"$u_t$: update gate (Keras's $z$), $r_t$: reset gate, $n_t$: candidate; "
            "purple: weights without activation",
        ),
        (
            0.13,
            "reset_after=False (Cho et al.'s original, Keras only): "
            r"$n_t = \tanh(x_t W_n + (r_t \odot h_{t-1})\, U_n + b_n)$",
        ),
    ):
        axes.text(1.9, y, text, ha="left", va="center", fontsize=8.5)
    return figure


# --- Stacked and bidirectional layers ------------------------------------------------------


def _first_centre(steps: int, pitch: float) -> float:
    """The x of the first column of ``steps`` columns ``pitch`` apart, centred on the 8-inch
    canvas."""
    return 4.0 - (steps - 1) * pitch / 2


def _layer_box(axes: Any, x: float, y: float, text: str, width: float, height: float) -> None:
    _box(axes, x, y, width, height, text, face=SIGMOID_FACE, edge=SIGMOID_EDGE, fontsize=9.5)


def stacked_layers(num_layers: int = 2, steps: int = 3) -> Any:
    """A stack of ``num_layers`` LSTM layers (1 to 3) unrolled over ``steps`` steps (1 to 3):
    each layer passes its state (h, c) to its next step, and its output sequence
    :math:`h^{(l)}_t` is the input sequence of the layer above; x_t enters the first layer,
    the top layer's :math:`h^{(L)}_t` are the stack's outputs."""
    _check_count("num_layers", num_layers, 3)
    _check_count("steps", steps, 3)
    pitch, box_width, box_height, row_pitch = 2.2, 1.2, 0.55, 1.35
    first = _first_centre(steps, pitch)
    rows = [1.05 + layer * row_pitch for layer in range(num_layers)]
    height = rows[-1] + 1.55
    figure, axes = _canvas(8.0, height)
    _title(axes, f"{num_layers} stacked LSTM layers, unrolled over {steps} steps")
    _label(
        axes,
        4.0,
        height - 0.45,
        "each layer below the top returns its whole sequence (return_sequences=True)",
        fontsize=9,
    )
    for layer, y in enumerate(rows, start=1):
        for t in range(1, steps + 1):
            x = first + (t - 1) * pitch
            _layer_box(axes, x, y, f"LSTM layer {layer}", box_width, box_height)
            below = y - box_height / 2
            if layer == 1:
                _wire(axes, [(x, 0.25), (x, below)])
                _label(axes, x + 0.1, 0.2, f"$x_{t}$", ha="left")
            else:
                _wire(axes, [(x, below - row_pitch + box_height), (x, below)])
                _label(axes, x + 0.1, below - 0.4, f"$h^{{({layer - 1})}}_{t}$", ha="left")
            if layer == num_layers:
                _wire(axes, [(x, y + box_height / 2), (x, y + box_height / 2 + 0.45)])
                _label(axes, x, y + box_height / 2 + 0.58, f"$h^{{({layer})}}_{t}$")
            start = x - pitch + box_width / 2 if t > 1 else first - box_width / 2 - 0.95
            _wire(axes, [(start, y), (x - box_width / 2, y)])
            state = f"$h^{{({layer})}}_{t - 1}, c^{{({layer})}}_{t - 1}$"
            _label(axes, (start + x - box_width / 2) / 2, y + 0.17, state, fontsize=8.5)
        end = first + (steps - 1) * pitch + box_width / 2
        _wire(axes, [(end, y), (end + 0.95, y)])
        state = f"$h^{{({layer})}}_{steps}, c^{{({layer})}}_{steps}$"
        _label(axes, end + 0.47, y + 0.17, state, fontsize=8.5)
    return figure


def bidirectional_layer(merge_mode: str = "concat", steps: int = 3) -> Any:
    """A bidirectional LSTM layer over ``steps`` steps (1 to 3), as
    ``keras.layers.Bidirectional(LSTM(units), merge_mode=...)`` computes it: a forward LSTM
    reads x_1 ... x_T, a backward LSTM (``go_backwards=True``) reads x_T ... x_1, and at
    every step the two outputs are merged into y_t.

    merge_mode: "concat", "sum", "mul" or "ave" (:data:`MERGE_MODES`)

    Keras's ``merge_mode=None``, which returns the two sequences separately, is not drawn.
    """
    if merge_mode not in MERGE_MODES:
        raise ValueError(f"merge_mode must be one of {list(MERGE_MODES)}; got {merge_mode!r}")
    _check_count("steps", steps, 3)
    symbol, equation, factor = _MERGES[merge_mode]
    pitch, box_width, box_height = 2.2, 1.1, 0.5
    backward_y, forward_y, merge_y = 1.5, 2.6, 3.45
    first = _first_centre(steps, pitch)
    height = 4.9
    figure, axes = _canvas(8.0, height)
    _title(axes, f"A bidirectional LSTM layer, merge_mode='{merge_mode}'")
    width_text = "2 × units" if factor == 2 else "units"
    _label(
        axes, 4.0, height - 0.45, f"{equation},   output (batch, time, {width_text})", fontsize=9.5
    )
    r = NODE_RADIUS
    centres = [first + k * pitch for k in range(steps)]
    for t, x in enumerate(centres, start=1):
        _layer_box(axes, x, forward_y, "forward", box_width, box_height)
        _layer_box(axes, x, backward_y, "backward", box_width, box_height)
        # x_t feeds both directions.
        _label(axes, x + 0.1, 0.15, f"$x_{t}$", ha="left")
        _wire(axes, [(x, 0.25), (x, backward_y - box_height / 2)])
        _dot(axes, x, 0.7)
        _wire(
            axes,
            [
                (x, 0.7),
                (x - 0.75, 0.7),
                (x - 0.75, 2.1),
                (x - 0.3, 2.1),
                (x - 0.3, forward_y - box_height / 2),
            ],
            bridge=True,
            zorder=2.5,
        )
        # The two outputs meet in the merge node.
        if merge_mode in ("sum", "mul"):
            _node(axes, x, merge_y, symbol)
            half_width = half_height = r
        else:
            half_width, half_height = 0.31, 0.15
            _pointwise_box(axes, x, merge_y, symbol, width=2 * half_width, fontsize=9)
        _wire(axes, [(x, forward_y + box_height / 2), (x, merge_y - half_height)])
        _label(
            axes,
            x - 0.08,
            (forward_y + merge_y) / 2 + 0.05,
            rf"$\overrightarrow{{h}}_{t}$",
            ha="right",
        )
        _wire(
            axes,
            [
                (x + box_width / 2, backward_y + 0.12),
                (x + 0.8, backward_y + 0.12),
                (x + 0.8, merge_y),
                (x + half_width, merge_y),
            ],
            bridge=True,
            zorder=2.5,
        )
        _label(
            axes,
            x + 0.88,
            (forward_y + merge_y) / 2 + 0.05,
            rf"$\overleftarrow{{h}}_{t}$",
            ha="left",
        )
        _wire(axes, [(x, merge_y + half_height), (x, merge_y + 0.5)])
        _label(axes, x, merge_y + 0.63, f"$y_{t}$")
    # The forward chain runs left to right, the backward chain right to left.
    edges = [first - box_width / 2 - 0.95, *centres, centres[-1] + box_width / 2 + 0.95]
    for left, right in pairwise(edges):
        start = left + box_width / 2 if left in centres else left
        end = right - box_width / 2 if right in centres else right
        _wire(axes, [(start, forward_y), (end, forward_y)])
        _wire(axes, [(end, backward_y - 0.08), (start, backward_y - 0.08)])
    return figure

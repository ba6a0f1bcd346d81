"""Layers made of LSTM layers, each layer a box per time step: a stack of layers, and a
bidirectional layer."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from companion._checks import integer
from companion.figures.diagrams import _primitives as draw
from companion.figures.diagrams._primitives import NODE_RADIUS, SIGMOID_EDGE, SIGMOID_FACE

_PITCH = 2.2
"""The distance between the columns of two time steps, in inches."""


def _centres(steps: int) -> list[float]:
    """The x of ``steps`` columns :data:`_PITCH` apart, centred on the 8-inch canvas."""
    first = 4.0 - (steps - 1) * _PITCH / 2
    return [first + k * _PITCH for k in range(steps)]


def _layer_box(axes: Any, x: float, y: float, text: str, width: float, height: float) -> None:
    draw.box(axes, x, y, width, height, text, face=SIGMOID_FACE, edge=SIGMOID_EDGE, fontsize=9.5)


# --- Stacked layers ------------------------------------------------------------------------


@dataclass(frozen=True)
class _StackLayout:
    """Where the boxes of a stack of layers sit, in inches; layers l are 1-based."""

    num_layers: int
    box_width: float = 1.2
    box_height: float = 0.55
    row_pitch: float = 1.35

    def row(self, layer: int) -> float:
        """The height of the row of layer ``layer``."""
        return 1.05 + (layer - 1) * self.row_pitch

    @property
    def height(self) -> float:
        return self.row(self.num_layers) + 1.55


def stacked_layers(num_layers: int = 2, steps: int = 3) -> Any:
    """A stack of ``num_layers`` LSTM layers (1 to 3) unrolled over ``steps`` steps (1 to 3):
    each layer passes its state (h, c) to its next step, and its output sequence
    :math:`h^{(l)}_t` is the input sequence of the layer above; x_t enters the first layer,
    the top layer's :math:`h^{(L)}_t` are the stack's outputs."""
    integer("num_layers", num_layers, 1, 3)
    integer("steps", steps, 1, 3)
    stack = _StackLayout(num_layers)
    figure, axes = draw.canvas(8.0, stack.height)
    draw.title(axes, f"{num_layers} stacked LSTM layers, unrolled over {steps} steps")
    draw.label(
        axes,
        4.0,
        stack.height - 0.45,
        "each layer below the top returns its whole sequence (return_sequences=True)",
        fontsize=9,
    )
    for layer in range(1, num_layers + 1):
        _stacked_row(axes, stack, layer, _centres(steps))
    return figure


def _stacked_row(axes: Any, stack: _StackLayout, layer: int, centres: list[float]) -> None:
    """One layer over every step: its input from below, its state passed from step to step,
    and, for the top layer, its outputs."""
    y, half_width, half_height = stack.row(layer), stack.box_width / 2, stack.box_height / 2
    for t, x in enumerate(centres, start=1):
        _layer_box(axes, x, y, f"LSTM layer {layer}", stack.box_width, stack.box_height)
        below = y - half_height
        if layer == 1:
            draw.wire(axes, [(x, 0.25), (x, below)])
            draw.label(axes, x + 0.1, 0.2, f"$x_{t}$", ha="left")
        else:
            draw.wire(axes, [(x, below - stack.row_pitch + stack.box_height), (x, below)])
            draw.label(axes, x + 0.1, below - 0.4, f"$h^{{({layer - 1})}}_{t}$", ha="left")
        if layer == stack.num_layers:
            draw.wire(axes, [(x, y + half_height), (x, y + half_height + 0.45)])
            draw.label(axes, x, y + half_height + 0.58, f"$h^{{({layer})}}_{t}$")
        start = x - _PITCH + half_width if t > 1 else centres[0] - half_width - 0.95
        draw.wire(axes, [(start, y), (x - half_width, y)])
        state = f"$h^{{({layer})}}_{t - 1}, c^{{({layer})}}_{t - 1}$"
        draw.label(axes, (start + x - half_width) / 2, y + 0.17, state, fontsize=8.5)
    end = centres[-1] + half_width
    draw.wire(axes, [(end, y), (end + 0.95, y)])
    steps = len(centres)
    state = f"$h^{{({layer})}}_{steps}, c^{{({layer})}}_{steps}$"
    draw.label(axes, end + 0.47, y + 0.17, state, fontsize=8.5)


# --- A bidirectional layer -----------------------------------------------------------------

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

_BOX_WIDTH, _BOX_HEIGHT = 1.1, 0.5
_BACKWARD_Y, _FORWARD_Y, _MERGE_Y = 1.5, 2.6, 3.45
"""The size of a direction's box, and the heights of the backward and forward rows and of
the merge nodes, in inches."""


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
    integer("steps", steps, 1, 3)
    _, equation, factor = _MERGES[merge_mode]
    height = 4.9
    figure, axes = draw.canvas(8.0, height)
    draw.title(axes, f"A bidirectional LSTM layer, merge_mode='{merge_mode}'")
    width_text = "2 × units" if factor == 2 else "units"
    draw.label(
        axes, 4.0, height - 0.45, f"{equation},   output (batch, time, {width_text})", fontsize=9.5
    )
    centres = _centres(steps)
    for t, x in enumerate(centres, start=1):
        _bidirectional_step(axes, t, x, merge_mode)
    # The forward chain runs left to right, the backward chain right to left.
    edges = [centres[0] - _BOX_WIDTH / 2 - 0.95, *centres, centres[-1] + _BOX_WIDTH / 2 + 0.95]
    for left, right in pairwise(edges):
        start = left + _BOX_WIDTH / 2 if left in centres else left
        end = right - _BOX_WIDTH / 2 if right in centres else right
        draw.wire(axes, [(start, _FORWARD_Y), (end, _FORWARD_Y)])
        draw.wire(axes, [(end, _BACKWARD_Y - 0.08), (start, _BACKWARD_Y - 0.08)])
    return figure


def _bidirectional_step(axes: Any, t: int, x: float, merge_mode: str) -> None:
    """Step t in column x: x_t feeds both directions, whose outputs meet in the merge node
    and leave as y_t."""
    _layer_box(axes, x, _FORWARD_Y, "forward", _BOX_WIDTH, _BOX_HEIGHT)
    _layer_box(axes, x, _BACKWARD_Y, "backward", _BOX_WIDTH, _BOX_HEIGHT)
    draw.label(axes, x + 0.1, 0.15, f"$x_{t}$", ha="left")
    draw.wire(axes, [(x, 0.25), (x, _BACKWARD_Y - _BOX_HEIGHT / 2)])
    draw.dot(axes, x, 0.7)
    around = [(x - 0.75, 0.7), (x - 0.75, 2.1), (x - 0.3, 2.1)]
    draw.wire(axes, [(x, 0.7), *around, (x - 0.3, _FORWARD_Y - _BOX_HEIGHT / 2)], bridge=True,
              zorder=2.5)  # fmt: skip
    symbol = _MERGES[merge_mode][0]
    if merge_mode in ("sum", "mul"):
        draw.node(axes, x, _MERGE_Y, symbol)
        half_width = half_height = NODE_RADIUS
    else:
        half_width, half_height = 0.31, 0.15
        draw.pointwise_box(axes, x, _MERGE_Y, symbol, width=2 * half_width, fontsize=9)
    label_y = (_FORWARD_Y + _MERGE_Y) / 2 + 0.05
    draw.wire(axes, [(x, _FORWARD_Y + _BOX_HEIGHT / 2), (x, _MERGE_Y - half_height)])
    draw.label(axes, x - 0.08, label_y, rf"$\overrightarrow{{h}}_{t}$", ha="right")
    up = [(x + 0.8, _BACKWARD_Y + 0.12), (x + 0.8, _MERGE_Y)]
    draw.wire(axes, [(x + _BOX_WIDTH / 2, _BACKWARD_Y + 0.12), *up, (x + half_width, _MERGE_Y)],
              bridge=True, zorder=2.5)  # fmt: skip
    draw.label(axes, x + 0.88, label_y, rf"$\overleftarrow{{h}}_{t}$", ha="left")
    draw.wire(axes, [(x, _MERGE_Y + half_height), (x, _MERGE_Y + 0.5)])
    draw.label(axes, x, _MERGE_Y + 0.63, f"$y_{t}$")

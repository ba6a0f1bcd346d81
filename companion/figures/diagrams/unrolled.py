"""The LSTM layer unrolled over time, one cell per step, and the two paths its gradient
takes back through the steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion._checks import integer
from companion.figures.diagrams import _primitives as draw
from companion.figures.diagrams._primitives import (
    ADDED,
    C_LANE,
    FADED,
    NODE_RADIUS,
    REMOVED,
    SIGMOID_EDGE,
    SIGMOID_FACE,
)
from companion.figures.diagrams.equations import (
    CANDIDATE,
    FORGET,
    INPUT,
    LSTM_GATES,
    OUTPUT,
    TANH,
    letters,
)


@dataclass(frozen=True)
class _ChainLayout:
    """Where the cells of the unrolled LSTM sit, in inches; steps t are 1-based."""

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
    def out_y(self) -> float:
        """The height of the o_t * tanh(c_t) node."""
        return self.gates_y - 0.1

    @property
    def width(self) -> float:
        return self.margin + self.steps * (self.cell_width + self.gap) + 0.35

    def left(self, t: int) -> float:
        """The left edge of the cell of step t."""
        return self.margin + (t - 1) * (self.cell_width + self.gap)

    def forget_x(self, t: int) -> float:
        """The column of step t's forget node, where x_t enters."""
        return self.left(t) + 0.35

    def out_x(self, t: int) -> float:
        """The column of step t's output, h_t = o_t * tanh(c_t)."""
        return self.left(t) + 1.7

    def up_x(self, t: int) -> float:
        """The column, right of step t's cell, where h_t rises as the layer's output."""
        return self.left(t) + self.cell_width + self.gap - 0.15


def _unrolled(axes: Any, chain: _ChainLayout, *, faded: bool = False) -> None:
    """The unrolled LSTM: per step a cell with the c lane (through its forget and write
    nodes), the gates block fed by x_t and h_{t-1}, and h_t = o_t * tanh(c_t) leaving to
    the right and upwards. ``faded`` draws it pale and unlabelled, as a background."""
    alpha = FADED if faded else 1.0
    c_lane = chain.c_lane
    draw.wire(axes, [(0.15, c_lane), (chain.width - 0.15, c_lane)], colour=C_LANE, width=2.4,
              alpha=alpha)  # fmt: skip
    draw.label(axes, 0.3, c_lane + 0.2, "$c_0$", alpha=alpha)
    draw.label(axes, 0.3, chain.h_lane + 0.2, "$h_0$", alpha=alpha)
    for t in range(1, chain.steps + 1):
        _step_gates(axes, chain, t, faded=faded)
        _step_output(axes, chain, t, faded=faded)


def _step_gates(axes: Any, chain: _ChainLayout, t: int, *, faded: bool) -> None:
    """Step t's cell: its gates block, fed by h_{t-1} along the h lane and x_t from below,
    and the forget and write nodes on the c lane."""
    r, alpha = NODE_RADIUS, FADED if faded else 1.0
    c_lane, h_lane, gates_y = chain.c_lane, chain.h_lane, chain.gates_y
    x0, forget_x = chain.left(t), chain.forget_x(t)
    write_x = x0 + 0.95
    draw.cell_outline(axes, x0, x0 + chain.cell_width, h_lane, c_lane, alpha=alpha)
    draw.node(axes, forget_x, c_lane, r"$\odot$", alpha=alpha)
    draw.node(axes, write_x, c_lane, "$+$", alpha=alpha)
    gates = "" if faded else letters(LSTM_GATES)
    draw.box(axes, x0 + 0.65, gates_y, 1.0, 0.5, gates, face=SIGMOID_FACE, edge=SIGMOID_EDGE,
             fontsize=10, alpha=alpha)  # fmt: skip
    top = gates_y + 0.25
    draw.wire(axes, [(forget_x, top), (forget_x, c_lane - r)], alpha=alpha)
    draw.wire(axes, [(write_x, top), (write_x, c_lane - r)], alpha=alpha)
    if not faded:
        written = rf"${INPUT.at(t)} \odot {CANDIDATE.at(t)}$"
        for x, text in ((forget_x, f"${FORGET.at(t)}$"), (write_x, written)):
            draw.label(axes, x + 0.08, c_lane - 0.5, text, ha="left", fontsize=10)
    entry = chain.up_x(t - 1) if t > 1 else 0.15
    draw.wire(axes, [(entry, h_lane), (forget_x, h_lane)], arrow=False, alpha=alpha)
    draw.wire(axes, [(forget_x, chain.bottom + 0.1), (forget_x, gates_y - 0.25)], alpha=alpha)
    draw.dot(axes, forget_x, h_lane, alpha=alpha)
    draw.label(axes, forget_x + 0.1, chain.bottom + 0.2, f"$x_{t}$", ha="left", alpha=alpha)


def _step_output(axes: Any, chain: _ChainLayout, t: int, *, faded: bool) -> None:
    """Step t's output h_t = o_t * tanh(c_t), to the next step and up as the layer's
    output."""
    r, alpha = NODE_RADIUS, FADED if faded else 1.0
    c_lane, h_lane, out_x, out_y = chain.c_lane, chain.h_lane, chain.out_x(t), chain.out_y
    x0 = chain.left(t)
    squash_y = chain.gates_y + 0.45
    draw.dot(axes, out_x, c_lane, colour=C_LANE, alpha=alpha)
    draw.wire(axes, [(out_x, c_lane), (out_x, squash_y + 0.15)], alpha=alpha)
    draw.pointwise_box(axes, out_x, squash_y, TANH.label, width=0.5, fontsize=9, alpha=alpha)
    draw.wire(axes, [(out_x, squash_y - 0.15), (out_x, out_y + r)], alpha=alpha)
    draw.node(axes, out_x, out_y, r"$\odot$", alpha=alpha)
    draw.wire(axes, [(x0 + 1.15, out_y), (out_x - r, out_y)], alpha=alpha)
    if not faded:
        draw.label(
            axes, (x0 + 1.15 + out_x - r) / 2, out_y - 0.15, f"${OUTPUT.at(t)}$", fontsize=10
        )
    right, up_x, last = x0 + chain.cell_width, chain.up_x(t), t == chain.steps
    onward = chain.width - 0.15 if last else up_x
    draw.wire(
        axes, [(out_x, out_y - r), (out_x, h_lane), (onward, h_lane)], arrow=last, alpha=alpha
    )
    draw.dot(axes, up_x, h_lane, alpha=alpha)
    draw.wire(axes, [(up_x, h_lane), (up_x, c_lane + 0.75)], bridge=True, alpha=alpha, zorder=2.5)
    draw.label(axes, up_x, c_lane + 0.88, f"$h_{t}$", alpha=alpha)
    draw.label(axes, right + 0.15, c_lane + 0.2, f"$c_{t}$", alpha=alpha)
    draw.label(axes, right + 0.15, h_lane - 0.2, f"$h_{t}$", alpha=alpha)


def unrolled_lstm(steps: int = 3) -> Any:
    """The LSTM layer unrolled over ``steps`` time steps (1 to 3): one cell per step, all
    with the same weights; c and h pass from each step to the next, x_t enters from below,
    h_t leaves upwards as the output."""
    integer("steps", steps, 1, 3)
    chain = _ChainLayout(steps)
    figure, axes = draw.canvas(chain.width, chain.c_lane + 1.45)
    draw.title(axes, f"An LSTM layer unrolled over {steps} steps (one set of weights)")
    _unrolled(axes, chain)
    return figure


_BACK_THROUGH_H = {"colour": REMOVED, "width": 2.2, "zorder": 6, "style": "--"}
"""How :func:`gradient_paths` draws the gradient's way back through the hidden state."""


def gradient_paths(steps: int = 3) -> Any:
    """The two ways the gradient travels back through the unrolled LSTM of
    :func:`unrolled_lstm`: along the cell state, multiplied at each step by the forget gate
    :math:`f_t` only, and through the hidden state, where every step applies the recurrent
    weights :math:`U^\\top` and the slopes of the sigmoid and tanh."""
    integer("steps", steps, 1, 3)
    chain = _ChainLayout(steps, bottom=0.55)
    figure, axes = draw.canvas(chain.width, chain.c_lane + 1.45)
    draw.title(axes, "Two ways back: along the cell state and through the hidden state")
    _unrolled(axes, chain, faded=True)
    for t in range(chain.steps, 0, -1):
        _step_back(axes, chain, t)
    forget = FORGET.at()
    draw.legend(
        axes,
        0.3,
        0.3,
        [
            (ADDED, rf"along $c$: $\delta c_{{t-1}} = \delta c_t \odot {forget}$"),
            (
                REMOVED,
                r"through $h$: $\delta h_{t-1} = \delta z_t\, U^\top$, "
                r"$\delta z_t$ with $\sigma'$ and $\tanh'$",
            ),
        ],
        line_styles=("-", "--"),
    )
    return figure


def _step_back(axes: Any, chain: _ChainLayout, t: int) -> None:
    """The gradient's two ways back through step t: along the c lane through the forget
    node only, and from h_t through the output node, the gates block and down to h_{t-1}."""
    r, c_lane, h_lane = NODE_RADIUS, chain.c_lane, chain.h_lane
    x0, forget_x, out_x, out_y = chain.left(t), chain.forget_x(t), chain.out_x(t), chain.out_y
    end, later = chain.width - 0.15, t < chain.steps
    along_c = {"colour": ADDED, "width": 3, "zorder": 6}
    right = chain.forget_x(t + 1) - r if later else end
    draw.wire(axes, [(right, c_lane), (forget_x + r, c_lane)], **along_c)
    if t == 1:
        draw.wire(axes, [(forget_x - r, c_lane), (0.15, c_lane)], **along_c)
    draw.node(axes, forget_x, c_lane, r"$\odot$", zorder=7)
    draw.node(axes, x0 + 0.95, c_lane, "$+$", zorder=7)
    draw.label(axes, forget_x, c_lane + 0.35, rf"$\odot {FORGET.at(t)}$", color=ADDED, fontsize=10)
    right = chain.left(t + 1) - 0.3 if later else end
    draw.wire(axes, [(right, h_lane), (out_x, h_lane), (out_x, out_y - r)], arrow=False,
              **_BACK_THROUGH_H)  # fmt: skip
    draw.node(axes, out_x, out_y, r"$\odot$", zorder=7)
    draw.wire(axes, [(out_x - r, out_y), (x0 + 1.15, out_y)], **_BACK_THROUGH_H)
    slopes = r"$U^\top\!,\ \sigma', \tanh'$"
    draw.box(
        axes, x0 + 0.65, chain.gates_y, 1.0, 0.5, slopes, face="white", edge=REMOVED, fontsize=9
    )
    left = x0 - 0.3 if t > 1 else 0.15
    draw.wire(axes, [(forget_x, chain.gates_y - 0.25), (forget_x, h_lane), (left, h_lane)],
              **_BACK_THROUGH_H)  # fmt: skip

"""One step of a recurrent layer, drawn as a cell: the LSTM cell, its peephole and CIFG
variants, and the GRU cell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from companion.figures.diagrams import _primitives as draw
from companion.figures.diagrams._primitives import (
    ACTIVATION_COLOURS,
    ADDED,
    C_LANE,
    FADED,
    LINEAR_EDGE,
    LINEAR_FACE,
    NODE_RADIUS,
    POINTWISE_FACE,
    REMOVED,
    SIGMOID_FACE,
    TANH_FACE,
)
from companion.figures.diagrams.equations import (
    CANDIDATE,
    FORGET,
    GRU_CANDIDATE,
    INPUT,
    LSTM_GATES,
    OUTPUT,
    RESET,
    SIGMOID,
    TANH,
    UPDATE,
    Gate,
)

# --- The LSTM cell -------------------------------------------------------------------------


@dataclass(frozen=True)
class CellLayout:
    """Where everything of the LSTM cell drawing sits, in inches: the blocks' size and
    height, the lanes of c (top) and h (bottom), each gate's column, the write node, the
    output column and the x_t input."""

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
        """The height of the drawing."""
        return self.c_lane + 0.85

    @property
    def block_top(self) -> float:
        """Where a gate's output leaves its block."""
        return self.block_y + self.block_height / 2

    def block_x(self, gate: Gate) -> float:
        """The column of one of the four LSTM blocks."""
        columns = {
            INPUT: self.input_x,
            FORGET: self.forget_x,
            CANDIDATE: self.candidate_x,
            OUTPUT: self.output_x,
        }
        return columns[gate]


def draw_lstm_cell(
    axes: Any, layout: CellLayout, *, faded: Sequence[Gate] = (), block_text: bool = True
) -> None:
    """Draw the standard LSTM cell on ``axes``; the gates in ``faded`` are drawn dashed and
    pale (removed by a variant). With ``block_text`` False the blocks are left empty, for
    a drawing that fills them itself."""
    draw.cell_outline(axes, layout.cell_left, layout.cell_right, layout.h_lane, layout.c_lane)
    # The cell state lane, c_{t-1} -> forget -> write -> c_t.
    draw.wire(axes, [(0.25, layout.c_lane), (layout.width - 0.25, layout.c_lane)], colour=C_LANE,
              width=2.4)  # fmt: skip
    draw.label(axes, 0.5, layout.c_lane + 0.22, "$c_{t-1}$")
    draw.label(axes, layout.width - 0.45, layout.c_lane + 0.22, "$c_t$")
    draw.node(axes, layout.forget_x, layout.c_lane, r"$\odot$")
    draw.node(axes, layout.write_x, layout.c_lane, "$+$")
    # The input bus [h_{t-1}, x_t] feeding the four blocks.
    draw.wire(axes, [(0.25, layout.h_lane), (layout.output_x, layout.h_lane)], arrow=False)
    draw.label(axes, 0.5, layout.h_lane + 0.2, "$h_{t-1}$")
    draw.wire(axes, [(layout.x_in, 0.05), (layout.x_in, layout.h_lane)], arrow=False)
    draw.label(axes, layout.x_in + 0.12, 0.15, "$x_t$", ha="left")
    draw.dot(axes, layout.x_in, layout.h_lane)
    for gate in sorted(LSTM_GATES, key=layout.block_x):  # left to right
        _block(axes, layout, gate, removed=gate in faded, with_text=block_text)
    if FORGET not in faded:
        end = (layout.forget_x, layout.c_lane - NODE_RADIUS)
        _gate_wire(axes, layout, FORGET, [end], layout.c_lane)
    _write(axes, layout)
    _output(axes, layout)


def _block(axes: Any, layout: CellLayout, gate: Gate, *, removed: bool, with_text: bool) -> None:
    """One gate's block, fed from the input bus below it."""
    x, alpha = layout.block_x(gate), FADED if removed else 1.0
    draw.wire(
        axes, [(x, layout.h_lane), (x, layout.block_y - layout.block_height / 2)], alpha=alpha
    )
    if x < layout.output_x:  # the bus ends under the output gate's block
        draw.dot(axes, x, layout.h_lane, alpha=alpha)
    face, edge = ACTIVATION_COLOURS[gate.activation]
    draw.box(
        axes, x, layout.block_y, layout.block_width, layout.block_height,
        gate.activation.label if with_text else "", face=face,
        edge=REMOVED if removed else edge, alpha=alpha, style="--" if removed else "-",
    )  # fmt: skip


def _gate_wire(
    axes: Any, layout: CellLayout, gate: Gate, path: Sequence[tuple[float, float]], level: float
) -> None:
    """The wire from the top of a gate's block along ``path`` to the ``level`` its value
    acts on, labelled with the gate's symbol halfway up (left of the wire for the candidate,
    right of it for the others)."""
    x, y = layout.block_x(gate), (layout.block_top + level) / 2
    draw.wire(axes, [(x, layout.block_top), *path])
    if gate is CANDIDATE:
        draw.label(axes, x - 0.1, y, gate.symbol, ha="right")
    else:
        draw.label(axes, x + 0.1, y, gate.symbol, ha="left")


def _write(axes: Any, layout: CellLayout) -> None:
    """i_t * g_t, added to the cell state lane."""
    r = NODE_RADIUS
    write_y = (layout.block_top + layout.c_lane) / 2 + 0.05
    draw.node(axes, layout.write_x, write_y, r"$\odot$")
    for gate, side in ((INPUT, -r), (CANDIDATE, r)):
        path = [(layout.block_x(gate), write_y), (layout.write_x + side, write_y)]
        _gate_wire(axes, layout, gate, path, write_y)
    draw.wire(axes, [(layout.write_x, write_y + r), (layout.write_x, layout.c_lane - r)])


def _output(axes: Any, layout: CellLayout) -> None:
    """h_t = o_t * tanh(c_t), leaving at the bottom right."""
    r, out_x = NODE_RADIUS, layout.out_x
    squash_y = (layout.block_y + layout.c_lane) / 2 + 0.05
    draw.wire(axes, [(out_x, layout.c_lane), (out_x, squash_y + 0.15)])
    draw.dot(axes, out_x, layout.c_lane, colour=C_LANE)
    draw.pointwise_box(axes, out_x, squash_y, TANH.label)
    draw.wire(axes, [(out_x, squash_y - 0.15), (out_x, layout.block_y + r)])
    draw.node(axes, out_x, layout.block_y, r"$\odot$")
    block_right = layout.output_x + layout.block_width / 2
    draw.wire(axes, [(block_right, layout.block_y), (out_x - r, layout.block_y)])
    draw.label(axes, (block_right + out_x - r) / 2, layout.block_y + 0.17, OUTPUT.symbol)
    h_lane = layout.h_lane
    draw.wire(axes, [(out_x, layout.block_y - r), (out_x, h_lane), (layout.width - 0.25, h_lane)])
    draw.label(axes, layout.width - 0.45, h_lane + 0.2, "$h_t$")


def lstm_cell() -> Any:
    """The LSTM cell as the book's equations compute it: the cell state lane c on top
    (forget :math:`\\odot f_t`, then :math:`+\\, i_t \\odot g_t`), the input
    :math:`[h_{t-1}, x_t]` below feeding the four blocks i, f, g, o, and
    :math:`h_t = o_t \\odot \\tanh(c_t)` leaving at the bottom right."""
    layout = CellLayout()
    figure, axes = draw.canvas(layout.width, layout.height)
    draw.title(axes, "One step of an LSTM layer")
    draw_lstm_cell(axes, layout)
    draw.legend(
        axes,
        layout.x_in + 0.75,
        0.2,
        [
            (SIGMOID_FACE, rf"layer $x_t W + h_{{t-1}} U + b$, then {SIGMOID.label}"),
            (TANH_FACE, f"... then {TANH.label}"),
            (POINTWISE_FACE, "element-wise"),
        ],
    )
    return figure


# --- Its variants --------------------------------------------------------------------------

_COUPLING = f"${FORGET.at()} = 1 - {INPUT.at()}$"
"""The CIFG's forget gate, computed from the input gate."""

VARIANT_CHANGES = {
    "peephole": "peephole LSTM: the gates also see the cell state",
    "CIFG": f"CIFG: coupled input and forget gate, {_COUPLING}",
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
    layout = CellLayout()
    figure, axes = draw.canvas(layout.width, layout.height)
    draw.title(axes, VARIANT_CHANGES[variant])
    if variant == "peephole":
        _peepholes(axes, layout)
    else:
        _coupled_gates(axes, layout)
    return figure


def _peepholes(axes: Any, layout: CellLayout) -> None:
    """The cell with a peephole p * c from the cell state into the forget, input and output
    gates (the output gate's from the new state c_t)."""
    draw_lstm_cell(axes, layout)
    for gate, source_x in (
        (FORGET, layout.cell_left + 0.2),
        (INPUT, layout.forget_x + 0.5),
        (OUTPUT, layout.out_x - 0.35),
    ):
        x, top, output = layout.block_x(gate), layout.block_top, gate is OUTPUT
        if output:
            path = [(source_x, layout.c_lane), (source_x, top + 0.3), (x, top + 0.3), (x, top)]
        else:
            side = (x - layout.block_width / 2, layout.block_y + 0.08)
            path = [(source_x, layout.c_lane), (source_x, layout.block_y + 0.08), side]
        draw.wire(axes, path, colour=ADDED, width=1.5, style="--")
        draw.dot(axes, source_x, layout.c_lane, colour=ADDED)
        state = "c_t" if output else "c_{t-1}"
        draw.label(
            axes, source_x + (-0.08 if output else 0.08),
            (layout.c_lane + top) / 2 + (0.25 if output else 0.0),
            rf"$p_{gate.letter} \odot {state}$", ha="right" if output else "left",
            color=ADDED, fontsize=10,
        )  # fmt: skip
    draw.legend(
        axes,
        layout.x_in + 0.75,
        0.2,
        [(ADDED, "added: one weight vector $p$ per gate, times the cell state")],
    )


def _coupled_gates(axes: Any, layout: CellLayout) -> None:
    """The cell without a forget block, its forget gate computed as 1 - i_t."""
    draw_lstm_cell(axes, layout, faded=(FORGET,))
    x = layout.forget_x
    draw.label(axes, x, layout.block_y - 0.4, "no forget block", color=REMOVED, fontsize=9)
    coupled_y = layout.block_top + 0.4
    draw.pointwise_box(axes, x, coupled_y, "$1-$", width=0.42, edge=ADDED)
    draw.wire(axes, [(layout.input_x, coupled_y), (x + 0.21, coupled_y)], colour=ADDED, width=1.5)
    draw.dot(axes, layout.input_x, coupled_y, colour=ADDED)
    draw.wire(axes, [(x, coupled_y + 0.15), (x, layout.c_lane - NODE_RADIUS)], colour=ADDED,
              width=1.5)  # fmt: skip
    draw.label(axes, x + 0.1, (coupled_y + layout.c_lane) / 2 + 0.02, _COUPLING, ha="left",
               color=ADDED, fontsize=10)  # fmt: skip
    draw.legend(
        axes,
        layout.x_in + 0.75,
        0.2,
        [
            (ADDED, f"added: $1 - {INPUT.at()}$"),
            (REMOVED, f"removed: the {FORGET.name}'s weights"),
        ],
    )


# --- The GRU cell --------------------------------------------------------------------------


@dataclass(frozen=True)
class _GRULayout:
    """Where everything of the GRU cell drawing sits, in inches."""

    lane: float = 3.5
    bus: float = 1.0
    block_y: float = 1.65
    blend_y: float = 2.85
    mix_y: float = 2.25
    update_x: float = 1.95
    reset_x: float = 2.95
    recurrent_x: float = 4.05
    input_x: float = 5.35
    out_x: float = 6.45

    @property
    def block_top(self) -> float:
        return self.block_y + 0.23


def gru_cell() -> Any:
    """One step of a GRU layer as Keras computes it by default (``reset_after=True``, the
    only form PyTorch has): the hidden state lane on top,
    :math:`h_t = u_t \\odot h_{t-1} + (1 - u_t) \\odot n_t`, the update gate u (Keras's
    ``z``), the reset gate r applied after the recurrent product, and the candidate
    :math:`n_t = \\tanh(x_t W_n + b_n + r_t \\odot (h_{t-1} U_n + b'_n))`."""
    layout = _GRULayout()
    figure, axes = draw.canvas(8.0, layout.lane + 0.85)
    draw.title(axes, "One step of a GRU layer (Keras's default, reset_after=True)")
    _gru_inputs(axes, layout)
    _gru_blend(axes, layout)
    _gru_candidate(axes, layout)
    gates = (
        f"{UPDATE.symbol}: {UPDATE.name} (Keras's ${UPDATE.block}$), "
        f"{RESET.symbol}: {RESET.name}, {GRU_CANDIDATE.symbol}: {GRU_CANDIDATE.name}"
    )
    for y, text in (
        (0.38, f"{gates}; purple: weights without activation"),
        (
            0.13,
            "reset_after=False (Cho et al.'s original, Keras only): "
            rf"${GRU_CANDIDATE.at()} = \tanh(x_t W_n + "
            rf"({RESET.at()} \odot h_{{t-1}})\, U_n + b_n)$",
        ),
    ):
        axes.text(1.9, y, text, ha="left", va="center", fontsize=8.5)
    return figure


def _gru_inputs(axes: Any, layout: _GRULayout) -> None:
    """The hidden state lane h_{t-1} -> h_t, and the input bus [h_{t-1}, x_t] feeding the
    two gates and the candidate's two matrix products."""
    lane, bus = layout.lane, layout.bus
    draw.cell_outline(axes, 0.7, 7.0, bus, lane)
    draw.wire(axes, [(0.25, lane), (7.75, lane)], colour=C_LANE, width=2.4)
    draw.label(axes, 0.5, lane + 0.22, "$h_{t-1}$")
    draw.label(axes, 7.55, lane + 0.22, "$h_t$")
    draw.node(axes, layout.update_x, lane, r"$\odot$")
    draw.node(axes, layout.out_x, lane, "$+$")
    draw.dot(axes, 0.95, lane, colour=C_LANE)
    draw.wire(axes, [(0.95, lane), (0.95, bus), (layout.input_x, bus)], arrow=False)
    draw.wire(axes, [(1.35, 0.05), (1.35, bus)], arrow=False)
    draw.dot(axes, 1.35, bus)
    draw.label(axes, 1.47, 0.15, "$x_t$", ha="left")
    blocks = (
        (layout.update_x, UPDATE.activation.label, 0.62, *ACTIVATION_COLOURS[SIGMOID]),
        (layout.reset_x, RESET.activation.label, 0.62, *ACTIVATION_COLOURS[SIGMOID]),
        (layout.recurrent_x, r"$h_{t-1} U_n + b'_n$", 1.15, LINEAR_FACE, LINEAR_EDGE),
        (layout.input_x, r"$x_t W_n + b_n$", 1.0, LINEAR_FACE, LINEAR_EDGE),
    )
    for x, text, width, face, edge in blocks:
        draw.wire(axes, [(x, bus), (x, layout.block_y - 0.23)])
        if x != layout.input_x:
            draw.dot(axes, x, bus)
        draw.box(axes, x, layout.block_y, width, 0.46, text, face=face, edge=edge, fontsize=10)


def _gru_blend(axes: Any, layout: _GRULayout) -> None:
    """u_t keeps h_{t-1}; 1 - u_t lets the candidate in."""
    r, x, blend_y = NODE_RADIUS, layout.update_x, layout.blend_y
    draw.wire(axes, [(x, layout.block_top), (x, layout.lane - r)])
    draw.label(axes, x - 0.1, (layout.block_top + blend_y) / 2, UPDATE.symbol, ha="right")
    draw.dot(axes, x, blend_y)
    draw.pointwise_box(axes, 5.65, blend_y, "$1-$", width=0.42)
    draw.wire(axes, [(x, blend_y), (5.65 - 0.21, blend_y)])
    draw.wire(axes, [(5.65 + 0.21, blend_y), (layout.out_x - r, blend_y)])
    draw.node(axes, layout.out_x, blend_y, r"$\odot$")
    draw.wire(axes, [(layout.out_x, blend_y + r), (layout.out_x, layout.lane - r)])


def _gru_candidate(axes: Any, layout: _GRULayout) -> None:
    """The candidate n_t: r_t gates the recurrent part after its matrix product."""
    r, top, mix_y, out_x = NODE_RADIUS, layout.block_top, layout.mix_y, layout.out_x
    recurrent_x, input_x = layout.recurrent_x, layout.input_x
    draw.node(axes, recurrent_x, mix_y, r"$\odot$")
    draw.wire(axes, [(layout.reset_x, top), (layout.reset_x, mix_y), (recurrent_x - r, mix_y)])
    draw.label(axes, layout.reset_x + 0.1, (top + mix_y) / 2 - 0.02, RESET.symbol, ha="left")
    draw.wire(axes, [(recurrent_x, top), (recurrent_x, mix_y - r)])
    draw.node(axes, input_x, mix_y, "$+$")
    draw.wire(axes, [(recurrent_x + r, mix_y), (input_x - r, mix_y)])
    draw.wire(axes, [(input_x, top), (input_x, mix_y - r)])
    draw.wire(axes, [(input_x + r, mix_y), (out_x - 0.28, mix_y)])
    draw.pointwise_box(axes, out_x, mix_y, GRU_CANDIDATE.activation.label)
    draw.wire(axes, [(out_x, mix_y + 0.15), (out_x, layout.blend_y - r)])
    draw.label(axes, out_x + 0.1, (mix_y + layout.blend_y) / 2, GRU_CANDIDATE.symbol, ha="left")

"""The pieces every diagram is drawn with, in one visual language: a canvas measured in
inches, wires, boxes, element-wise nodes, labels and legends (the package docstring
of companion.figures.diagrams describes it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from companion.figures.diagrams.equations import SIGMOID, TANH, Activation

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

ACTIVATION_COLOURS: dict[Activation, tuple[str, str]] = {
    SIGMOID: (SIGMOID_FACE, SIGMOID_EDGE),
    TANH: (TANH_FACE, TANH_EDGE),
}
"""The face and edge colour of a layer box, by the activation that follows its weights."""


def pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def canvas(width: float, height: float) -> tuple[Any, Any]:
    """A figure of width x height inches whose data coordinates are inches."""
    plt = pyplot()
    figure = plt.figure(figsize=(width, height))
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0.0, width)
    axes.set_ylim(0.0, height)
    axes.set_aspect("equal")
    axes.axis("off")
    return figure, axes


def title(axes: Any, text: str, **font: Any) -> None:
    width, height = axes.get_xlim()[1], axes.get_ylim()[1]
    axes.text(width / 2, height - 0.12, text, ha="center", va="top", fontsize=12, **font)


def wire(
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


def dot(axes: Any, x: float, y: float, *, colour: str = INK, alpha: float = 1.0) -> None:
    axes.add_patch(pyplot().Circle((x, y), 0.035, color=colour, alpha=alpha, zorder=3))


def box(
    axes: Any,
    x: float,
    y: float,
    width: float,
    height: float,
    text: str,
    *,
    face: str,
    edge: str,
    rounded: bool = False,
    fontsize: float = 11,
    alpha: float = 1.0,
    style: str = "-",
) -> None:
    """A box centred on (x, y) with ``text`` in it."""
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
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        color=INK,
        alpha=alpha,
        zorder=4,
    )


def node(
    axes: Any, x: float, y: float, symbol: str, *, alpha: float = 1.0, zorder: float = 3.0
) -> None:
    """An element-wise operation: a pink circle with its symbol."""
    axes.add_patch(
        pyplot().Circle(
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


def pointwise_box(
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
    box(
        axes, x, y, width, 0.3, text, face=POINTWISE_FACE, edge=edge, rounded=True,
        fontsize=fontsize, alpha=alpha,
    )  # fmt: skip


def cell_outline(
    axes: Any, left: float, right: float, h_lane: float, top_lane: float, *, alpha: float = 1.0
) -> None:
    """The pale background of one cell, from below the h lane to above the top lane."""
    axes.add_patch(
        pyplot().Rectangle(
            (left, h_lane - 0.4), right - left, top_lane - h_lane + 0.75, fc=CELL_FACE,
            ec=CELL_EDGE, lw=1.2, alpha=alpha, zorder=0,
        )
    )  # fmt: skip


def label(axes: Any, x: float, y: float, text: str, **options: Any) -> None:
    options = {"ha": "center", "va": "center", "fontsize": 11, "color": INK, **options}
    axes.text(x, y, text, zorder=5, **options)


def text_width(axes: Any, text: Any) -> float:
    """The width of a drawn text in inches (the canvas's data unit)."""
    figure = axes.figure
    return text.get_window_extent(figure.canvas.get_renderer()).width / figure.dpi


def legend(
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
            wire(axes, [(x, y), (x + 0.3, y)], colour=colour, width=2.2, arrow=False,
                 style=line_styles[index])  # fmt: skip
        else:
            axes.add_patch(
                pyplot().Rectangle((x, y - 0.06), 0.3, 0.12, fc=colour, ec="none", zorder=3)
            )
        annotation = axes.text(x + 0.4, y, text, ha="left", va="center", fontsize=8.5)
        x += 0.4 + text_width(axes, annotation) + 0.3

"""Figures of the book, each from NumPy arrays to a Matplotlib figure.

Every function returns the figure and leaves showing or saving it to the caller (a notebook
ends the cell with ``plt.show()``). Matplotlib is imported inside the functions, so
``import companion`` stays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from companion._checks import integer

# --- Gates and cell state (chapter "Inside the LSTM") ----------------------------------------

GATE_TITLES = {
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
}
"""Panel titles for the values an :class:`~companion.analysis.trace.LSTMTrace` records."""


def gate_heatmap(values: Mapping[str, np.ndarray], tokens: Sequence[str], *, title: str) -> Any:
    """One heat map per gate or state: time steps (labelled with ``tokens``) down, hidden
    units across.

    values: name ('i', 'f', 'g', 'o', 'c' or 'h', or any label) -> (time, hidden) array.
    Gates in (0, 1) use a 0..1 colour scale; the others a symmetric -1..1 (or wider) scale.
    Tokens and title may be Chinese: they are set in :func:`~.fonts.chinese_font_family`.
    """
    import matplotlib.pyplot as plt

    from companion.figures.fonts import chinese_font_family

    arrays = {name: np.asarray(array) for name, array in values.items()}
    for name, array in arrays.items():
        if array.ndim != 2 or array.shape[0] != len(tokens):
            raise ValueError(
                f"values[{name!r}] must have shape (time, hidden) = ({len(tokens)}, hidden); "
                f"got {array.shape}"
            )
    figure, axes = plt.subplots(
        1,
        len(arrays),
        figsize=(2.2 * len(arrays) + 1, 0.45 * len(tokens) + 1.8),
        squeeze=False,
        constrained_layout=True,
    )
    for axis, (name, array) in zip(axes[0], arrays.items(), strict=True):
        if name in ("i", "f", "o"):
            image = axis.imshow(array, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        else:
            limit = max(1.0, float(np.abs(array).max()))
            image = axis.imshow(array, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        axis.set_title(GATE_TITLES.get(name, name), fontsize=10)
        axis.set_xlabel("hidden unit")
        axis.set_xticks(range(0, array.shape[1], -(-array.shape[1] // 8)))  # 8 labels at most
        axis.set_yticks(
            range(len(tokens)),
            labels=tokens if axis is axes[0, 0] else [],
            fontfamily=chinese_font_family(),
        )
        figure.colorbar(image, ax=axis, orientation="horizontal", pad=0.02, shrink=0.9)
    axes[0, 0].set_ylabel("time step (token)")
    figure.suptitle(title, fontfamily=chinese_font_family())
    return figure


def gate_histogram(gates: Mapping[str, np.ndarray], *, title: str, bins: int = 20) -> Any:
    """Histograms of gate activations in (0, 1), one panel per gate.

    gates: name -> array of any shape (flattened). Each panel shows the share of values per
    bin (so panels with different counts compare) and the share below 0.1 or above 0.9.
    """
    import matplotlib.pyplot as plt

    edges = np.linspace(0.0, 1.0, bins + 1)
    figure, axes = plt.subplots(
        1,
        len(gates),
        figsize=(3.2 * len(gates), 3.0),
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    for axis, (name, values) in zip(axes[0], gates.items(), strict=True):
        flat = np.ravel(values)
        if flat.size == 0 or flat.min() < 0.0 or flat.max() > 1.0:
            raise ValueError(f"gates[{name!r}] must be a non-empty array of values in [0, 1]")
        counts, _ = np.histogram(flat, bins=edges)
        axis.bar(edges[:-1], counts / flat.size, width=np.diff(edges), align="edge")
        extreme = np.mean((flat < 0.1) | (flat > 0.9))
        axis.set_title(
            f"{GATE_TITLES.get(name, name)}\n{extreme:.0%} below 0.1 or above 0.9", fontsize=10
        )
        axis.set_xlabel("activation")
    axes[0, 0].set_ylabel("share of values")
    figure.suptitle(title)
    return figure


# --- Recurrent networks and long-term dependency -----------------------------------------


def _pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def plot_unrolled_chain(steps: int = 4) -> Any:
    """The recurrence unrolled over ``steps`` time steps: one cell per step, the same
    weights in each, x_t entering from below, h_t leaving upwards and to the right."""
    integer("steps", steps)
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(1.9 * steps + 1.2, 2.6))
    arrow = dict(arrowstyle="->", lw=1.4)
    for t in range(steps):
        centre = 1.9 * t + 1.2
        axes.add_patch(
            plt.Rectangle((centre - 0.5, 0.6), 1.0, 0.8, fc="#dbe9f6", ec="#1f4e79", lw=1.5)
        )
        axes.text(centre, 1.0, "tanh", ha="center", va="center")
        axes.annotate("", (centre, 0.6), (centre, 0.0), arrowprops=arrow)
        axes.text(centre, -0.15, f"$x_{{{t + 1}}}$", ha="center", va="top")
        axes.annotate("", (centre, 2.0), (centre, 1.4), arrowprops=arrow)
        axes.text(centre, 2.05, f"$h_{{{t + 1}}}$", ha="center", va="bottom")
        axes.annotate("", (centre - 0.5, 1.0), (centre - 1.4, 1.0), arrowprops=arrow)
        axes.text(centre - 0.95, 1.08, f"$h_{{{t}}}$", ha="center", va="bottom")
    axes.set_xlim(-0.3, 1.9 * steps + 0.3)
    axes.set_ylim(-0.6, 2.5)
    axes.set_title(f"A recurrent layer unrolled over {steps} steps (one set of weights)")
    axes.axis("off")
    return figure


def plot_hidden_states(outputs: Any, title: str = "Hidden state at every step") -> Any:
    """Heat map of one sequence's hidden states: ``outputs`` (time, hidden)."""
    outputs = np.asarray(outputs)
    if outputs.ndim != 2:
        raise ValueError(f"outputs must have shape (time, hidden); got {outputs.shape}")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3))
    image = axes.imshow(outputs.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    axes.set_xlabel("time step t")
    axes.set_ylabel("hidden unit")
    axes.set_xticks(range(outputs.shape[0]), [str(t + 1) for t in range(outputs.shape[0])])
    axes.set_yticks(range(outputs.shape[1]))
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label="$h_t$ (tanh, between -1 and 1)")
    return figure


def plot_log_curves(
    curves: Mapping[str, Any],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    first_x: int = 0,
    marker: str | None = None,
) -> Any:
    """One line per label of ``curves`` (label -> (n,) values at x = first_x, first_x + 1,
    ...) on a log-scaled y axis: how a gradient or Jacobian norm fades with distance."""
    if not curves:
        raise ValueError("curves must hold at least one labelled (n,) array; got none")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.5, 4))
    for label, values in curves.items():
        values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError(f"curves[{label!r}] must have shape (n,); got {values.shape}")
        x = np.arange(first_x, first_x + values.size)
        axes.semilogy(x, values, marker=marker, markersize=3, label=label)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


def plot_jacobian_norms(
    norms: Mapping[str, Any], title: str = "How much h_T depends on x_t"
) -> Any:
    """One line per label: ||dh_T/dx_t|| (each array indexed by distance T - t) on a log
    scale against the distance."""
    return plot_log_curves(
        norms,
        title=title,
        xlabel="distance T - t (time steps)",
        ylabel=r"$\|\partial h_T / \partial x_t\|_F$ (mean over the batch)",
    )


def plot_clipping(gradient: Any, by_norm: Any, by_value: Any, limit: float) -> Any:
    """A 2-D gradient and its two clipped versions as arrows, with the value-clipping box
    [-limit, limit]^2 and the norm-clipping circle of radius ``limit``."""
    vectors = {"gradient": gradient, "clipped by norm": by_norm, "clipped by value": by_value}
    for name, vector in vectors.items():
        if np.shape(vector) != (2,):
            raise ValueError(f"{name} must be a 2-vector; got shape {np.shape(vector)}")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(4.8, 4.8))
    axes.add_patch(plt.Circle((0, 0), limit, fill=False, ls="--", ec="grey"))
    axes.add_patch(plt.Rectangle((-limit, -limit), 2 * limit, 2 * limit, fill=False, ec="grey"))
    for (name, vector), colour in zip(vectors.items(), ("k", "C0", "C3"), strict=True):
        axes.annotate(
            "", tuple(vector), (0, 0), arrowprops=dict(arrowstyle="->", lw=2, color=colour)
        )
        axes.plot([], [], color=colour, label=name)
    reach = 1.15 * max(float(np.max(np.abs(v))) for v in vectors.values())
    axes.set_xlim(-0.2 * reach, reach)
    axes.set_ylim(-0.2 * reach, reach)
    axes.set_aspect("equal")
    axes.set_xlabel("gradient component 1")
    axes.set_ylabel("gradient component 2")
    axes.set_title(f"Clipping a gradient to {limit:g}")
    axes.legend(loc="upper left")
    return figure


def plot_accuracy_vs_distance(results: Sequence[Any], *, threshold: float) -> Any:
    """Test accuracy against subject-verb distance, one dot per trained model.

    At each distance the kinds of model stand side by side, their seeds spread a little
    sideways; a bar marks each group's median, and above each group "k/n" counts the runs
    that reach ``threshold`` (the dashed line). The dotted line is chance: the largest
    majority-class rate of the test sets. ``results``: objects with ``kind``, ``distance``,
    ``test_accuracy`` and ``majority``, such as
    :class:`companion.trained.classifier.TrainingResult`.
    """
    if not results:
        raise ValueError("results must hold at least one training run")
    if not 0.5 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0.5, 1]; got {threshold}")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.2))
    kinds = list(dict.fromkeys(r.kind for r in results))
    distances = sorted({r.distance for r in results})
    width = 0.7 / len(kinds)
    for index, kind in enumerate(kinds):
        offset = (index - (len(kinds) - 1) / 2) * width
        colour = f"C{index}"
        for position, distance in enumerate(distances):
            accuracies = [
                r.test_accuracy for r in results if r.kind == kind and r.distance == distance
            ]
            if not accuracies:
                continue
            centre = position + offset
            first = position == 0
            spread = np.linspace(-0.3, 0.3, len(accuracies)) * width
            axes.plot(
                centre + spread, accuracies, "o", color=colour, alpha=0.6, ms=5,
                label=f"{kind}, one seed" if first else None,
            )  # fmt: skip
            axes.hlines(
                np.median(accuracies), centre - 0.4 * width, centre + 0.4 * width,
                color=colour, lw=2, label=f"{kind}, median" if first else None,
            )  # fmt: skip
            solved = sum(a >= threshold for a in accuracies)
            axes.annotate(
                f"{solved}/{len(accuracies)}", (centre, 1.06), ha="center", color=colour,
                fontsize=9,
            )  # fmt: skip
    axes.axhline(threshold, color="black", ls="--", lw=0.8, label=f"solved (>= {threshold:g})")
    chance = max(r.majority for r in results)
    axes.axhline(chance, color="grey", ls=":", label="chance (majority class)")
    axes.set_xticks(range(len(distances)), labels=[str(d) for d in distances])
    axes.set_ylim(0.3, 1.12)
    axes.set_xlabel("distance from subject to verb (time steps)")
    axes.set_ylabel("test accuracy (fraction correct)")
    axes.set_title("Subject-verb agreement: test accuracy of every seed")
    axes.legend(loc="lower left", fontsize=8, ncol=2)
    return figure


def plot_learning_curves(
    runs: Sequence[Any], *, baseline: float, solved_below: float, title: str
) -> Any:
    """Validation error against training steps, one line per run, on a log scale.

    ``runs``: objects with ``kind``, ``checked_at`` and ``validation_mse`` (such as
    :class:`companion.trained.adding.AddingRun`); each kind gets one colour. The dotted line
    is the ``baseline`` (always answering the mean), the dashed one ``solved_below``.
    """
    if not runs:
        raise ValueError("runs must hold at least one training run; got none")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.2))
    kinds = list(dict.fromkeys(run.kind for run in runs))
    for run in runs:
        index = kinds.index(run.kind)
        first = run is next(r for r in runs if r.kind == run.kind)
        axes.semilogy(
            run.checked_at, run.validation_mse, color=f"C{index}", alpha=0.7, lw=1.2,
            label=f"{run.kind}, one line per seed" if first else None,
        )  # fmt: skip
    axes.axhline(baseline, color="grey", ls=":", label="baseline: always the mean")
    axes.axhline(solved_below, color="black", ls="--", lw=0.8, label="solved below this")
    axes.set_xlabel("training steps (batches of Adam)")
    axes.set_ylabel("validation mean squared error (log scale)")
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    return figure


# --- Forecasting (chapter "Training LSTMs") ----------------------------------------


def plot_forecast(
    years: Any, actual: Any, forecasts: dict[str, Any], *, title: str
) -> Any:
    """Plot the actual series and each forecast over the same years; return the figure.

    years, actual and every forecast: (n,).
    """
    plt = _pyplot()
    years = np.asarray(years)
    actual = np.asarray(actual)
    for name, forecast in forecasts.items():
        if np.shape(forecast) != actual.shape:
            raise ValueError(
                f"forecast {name!r} has shape {np.shape(forecast)}; actual has {actual.shape}"
            )
    if years.shape != actual.shape:
        raise ValueError(f"years has shape {years.shape}; actual has {actual.shape}")
    figure, axes = plt.subplots(figsize=(8, 3.5))
    axes.plot(years, actual, color="black", linewidth=2, label="actual")
    for name, forecast in forecasts.items():
        axes.plot(years, forecast, marker=".", label=name)
    axes.set_title(title)
    axes.set_xlabel("year")
    axes.set_ylabel("sunspot number (yearly mean)")
    axes.legend()
    figure.tight_layout()
    return figure

"""Figures of the book, each from NumPy arrays to a Matplotlib figure.

Every function returns the figure and leaves showing or saving it to the caller (a notebook
ends the cell with ``plt.show()``). Matplotlib is imported inside the functions, so
``import companion`` stays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# --- Gates and cell state (chapter "Inside the LSTM") ----------------------------------------

GATE_TITLES = {
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
}
"""Panel titles for the values an :class:`~companion.trace.LSTMTrace` records."""


def gate_heatmap(values: Mapping[str, np.ndarray], tokens: Sequence[str], *, title: str) -> Any:
    """One heat map per gate or state: time steps (labelled with ``tokens``) down, hidden
    units across.

    values: name ('i', 'f', 'g', 'o', 'c' or 'h', or any label) -> (time, hidden) array.
    Gates in (0, 1) use a 0..1 colour scale; the others a symmetric -1..1 (or wider) scale.
    """
    import matplotlib.pyplot as plt

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
        axis.set_xticks(range(array.shape[1]))
        axis.set_yticks(range(len(tokens)), labels=tokens if axis is axes[0, 0] else [])
        figure.colorbar(image, ax=axis, orientation="horizontal", pad=0.02, shrink=0.9)
    axes[0, 0].set_ylabel("time step (token)")
    figure.suptitle(title)
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

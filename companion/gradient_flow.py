"""How far back a gradient reaches: the norm of dL/dx_t for every input time step t.

The loss looks only at the end of the sequence, ``L = sum(h_T * d_h)``; the gradient that
reaches an early input has flowed back through every step in between. Plotting its norm
against t (log scale) shows it shrink, or grow, on the way: the picture behind vanishing and
exploding gradients.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from companion import numpy_lstm
from companion.interface import prepare
from companion.weights import LSTMWeights


def input_gradient_norms(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    backend: ModuleType = numpy_lstm,
) -> np.ndarray:
    """The norm of dL/dx_t over the batch and features, for each time step t.

    x: (batch, time, input_size); d_h: None (ones) or (batch, hidden), the weights of the
    final hidden state in the loss ``L = sum(h_T * d_h)``; ``backend`` computes the gradient
    (any module with ``gradients``). Returns an array of shape (time,), in input order.
    """
    inputs = prepare(x, weights, initial_state, mask)
    batch, time, _ = inputs.x.shape
    hidden = weights.hidden_size
    if d_h is None:
        d_h = np.ones((batch, hidden), weights.dtype)
    d_outputs = np.zeros((batch, time, hidden), weights.dtype)
    found = backend.gradients(
        inputs.x, weights, d_outputs, (inputs.h0, inputs.c0), d_h=d_h, mask=inputs.mask
    )
    return np.sqrt(np.sum(np.square(found.x), axis=(0, 2)))


def plot_gradient_norms(
    norms: Mapping[str, np.ndarray], *, title: str = "Gradient reaching each input step"
) -> Any:
    """Plot one line per entry of ``norms`` (label -> (time,) norms), log-scaled y axis.

    Returns the matplotlib Figure; call ``plt.show()`` (or save it) afterwards.
    """
    import matplotlib.pyplot as plt

    if not norms:
        raise ValueError("norms must hold at least one labelled (time,) array; got none")
    figure, axes = plt.subplots(figsize=(6.5, 3.8))
    for label, values in norms.items():
        values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError(f"norms[{label!r}] must have shape (time,); got {values.shape}")
        axes.semilogy(np.arange(1, values.size + 1), values, marker="o", markersize=3, label=label)
    axes.set_title(title)
    axes.set_xlabel("input time step t (the loss is read after the last step)")
    axes.set_ylabel(r"$\|\partial L / \partial x_t\|$ (log scale)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure

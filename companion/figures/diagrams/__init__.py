"""Architecture diagrams drawn by code: the LSTM cell, unrolled, its gradient paths, the GRU,
peephole and CIFG variants, stacked and bidirectional layers, and the cell filled with the
gate values of one token.

Every drawing takes the gates from one table, :mod:`companion.figures.diagrams.equations`
(letter, name and activation of :math:`i, f, g, o` and of the GRU's :math:`u, r, n`, as the
book's equations write them), uses the other symbols of the equations (:math:`x_t`,
:math:`h_{t-1}`, :math:`c_{t-1}`, the element-wise :math:`\\odot` and :math:`+`) and one
visual language:

- a square-cornered box is a layer with weights, ``x_t W + h_{t-1} U + b`` followed by its
  activation (orange: sigmoid :math:`\\sigma`, green: tanh);
- a pink circle or rounded box is an element-wise operation (:math:`\\odot`, :math:`+`,
  tanh, :math:`1-`);
- the thick blue line is the cell state lane :math:`c`, the thin dark lines carry :math:`h`
  and :math:`x`;
- in the variant drawings green marks what the variant adds, red what it removes.

The drawings are grouped by kind:

- :mod:`companion.figures.diagrams.cells`: one step as a cell (``lstm_cell``,
  ``lstm_variant_cell``, ``gru_cell``);
- :mod:`companion.figures.diagrams.values`: the LSTM cell filled with one token's values
  (``lstm_cell_values``, ``cell_values``);
- :mod:`companion.figures.diagrams.unrolled`: the LSTM over time steps (``unrolled_lstm``,
  ``gradient_paths``);
- :mod:`companion.figures.diagrams.layers`: layers of LSTM layers (``stacked_layers``,
  ``bidirectional_layer``).

Every drawing function is also a name of this package (``diagrams.lstm_cell``, ...). Each
returns the figure and leaves showing or saving it to the caller (a notebook ends the cell
with ``plt.show()``). Matplotlib is imported inside the functions, so ``import companion``
stays light. Each drawing is a pure function of its arguments: the same call renders the
same pixels.
"""

from __future__ import annotations

from companion.figures.diagrams.cells import (
    VARIANT_CHANGES,
    gru_cell,
    lstm_cell,
    lstm_variant_cell,
)
from companion.figures.diagrams.layers import MERGE_MODES, bidirectional_layer, stacked_layers
from companion.figures.diagrams.unrolled import gradient_paths, unrolled_lstm
from companion.figures.diagrams.values import CELL_VALUE_NAMES, cell_values, lstm_cell_values

__all__ = [
    "CELL_VALUE_NAMES",
    "MERGE_MODES",
    "VARIANT_CHANGES",
    "bidirectional_layer",
    "cell_values",
    "gradient_paths",
    "gru_cell",
    "lstm_cell",
    "lstm_cell_values",
    "lstm_variant_cell",
    "stacked_layers",
    "unrolled_lstm",
]

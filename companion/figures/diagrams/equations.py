"""The gates as the book's equations write them, the one table every diagram reads.

The LSTM (chapter "Inside the LSTM"), in the order its blocks are stacked in the weights:

.. math::

   i_t = \\sigma(z^i_t), \\quad f_t = \\sigma(z^f_t), \\quad g_t = \\tanh(z^g_t),
   \\quad o_t = \\sigma(z^o_t)

and the GRU (chapter "LSTM variants", Keras's default ``reset_after=True``): the update gate
:math:`u_t = \\sigma(z^u_t)`, the reset gate :math:`r_t = \\sigma(z^r_t)` and the candidate
:math:`n_t = \\tanh(\\dots)`.

A drawing takes every gate's letter, name and activation from here, so a renamed gate cannot
leave a stale picture behind.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activation:
    """An activation function as the diagrams show it.

    name:  "sigmoid" or "tanh"
    label: what a block with this activation shows: $\\sigma$ (as mathtext) or tanh
    low:   the lower end of its range (the upper end is 1 for both)
    """

    name: str
    label: str
    low: float


SIGMOID = Activation("sigmoid", r"$\sigma$", 0.0)
"""The logistic sigmoid, range (0, 1): the activation of every gate."""

TANH = Activation("tanh", "tanh", -1.0)
"""The hyperbolic tangent, range (-1, 1): the activation of the candidates."""


@dataclass(frozen=True)
class Gate:
    """One gate (or the candidate) of an equation.

    letter:     its letter in the book's equations (f of f_t)
    name:       what the book calls it ("forget gate")
    activation: SIGMOID or TANH
    block:      the letter of its block in the weights (companion.weights.GATES and
                GRU_GATES), which is Keras's letter
    """

    letter: str
    name: str
    activation: Activation
    block: str

    def at(self, step: int | str = "t") -> str:
        """Its symbol at a time step, in LaTeX without dollars: ``f_t``, ``f_2``."""
        return f"{self.letter}_{step}"

    @property
    def symbol(self) -> str:
        """Its symbol as an equation writes it, ``$f_t$``."""
        return f"${self.at()}$"


INPUT = Gate("i", "input gate", SIGMOID, "i")
FORGET = Gate("f", "forget gate", SIGMOID, "f")
CANDIDATE = Gate("g", "candidate", TANH, "g")
OUTPUT = Gate("o", "output gate", SIGMOID, "o")

LSTM_GATES = (INPUT, FORGET, CANDIDATE, OUTPUT)
"""The four blocks of the LSTM, in the order of its weights (i, f, g, o)."""

UPDATE = Gate("u", "update gate", SIGMOID, "z")
RESET = Gate("r", "reset gate", SIGMOID, "r")
GRU_CANDIDATE = Gate("n", "candidate", TANH, "h")

GRU_GATES = (UPDATE, RESET, GRU_CANDIDATE)
"""The three blocks of the GRU, in the order of its weights (Keras's z, r, h)."""


def letters(gates: tuple[Gate, ...]) -> str:
    """The letters of ``gates`` as a list in one formula: ``$i, f, g, o$``."""
    return "$" + ", ".join(gate.letter for gate in gates) + "$"

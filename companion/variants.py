"""LSTM variants described once, as data, and one cell step that every framework runs.

Greff et al., "LSTM: A Search Space Odyssey" (2017), compare a *vanilla* LSTM (with
peephole connections, Gers & Schmidhuber 2000) with eight variants, each changing one thing.
Here a variant is an :class:`LSTMVariant`: a set of switches. :func:`cell_step` reads the
switches and computes one time step with whatever ``sigmoid`` and ``tanh`` it is given, on
whatever arrays it is given (NumPy arrays, TensorFlow tensors, torch tensors all support
``@``, ``*``, ``+`` and slicing), so NumPy, the Keras cell and the PyTorch module share one
description of every variant instead of re-implementing each by hand. The NumPy backward
pass (:mod:`companion.numpy_variants`) is written by hand from the same switches, and checked
against both frameworks' automatic differentiation.

With pre-activations a = x_t @ kernel + h @ recurrent_kernel + bias split into
(a_i, a_f, a_g, a_o), peephole weights p_i, p_f, p_o (each (hidden,)):

    i  = sigmoid(a_i + p_i * c)              (1 without an input gate)
    f  = sigmoid(a_f + p_f * c)              (1 without a forget gate; 1 - i when coupled)
    g  = tanh(a_g)                           (a_g without the input activation)
    c' = f * c + i * g
    o  = sigmoid(a_o + p_o * c')             (1 without an output gate)
    h' = o * tanh(c')                        (o * c' without the output activation)

Full gate recurrence adds (i, f, o) of the previous step, times ``gate_kernel``, to the
gates' pre-activations; those three arrays become extra states that start at zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from companion._checks import Signature, float_dtype, real_array
from companion.lstm import LSTMCotangents, LSTMInputs, LSTMOutput
from companion.weights import LSTMWeights, _KernelSizes


@dataclass(frozen=True)
class LSTMVariant:
    """The switches that define an LSTM variant; the defaults are Keras's and PyTorch's LSTM.

    peepholes:              gates also see the cell state (i, f: c_{t-1}; o: c_t)
    input_gate, forget_gate, output_gate: False replaces that gate by the constant 1
    input_activation:       False drops the tanh of the candidate g
    output_activation:      False drops the tanh in h = o * tanh(c)
    coupled_input_forget:   f = 1 - i (CIFG; the forget gate's own weights go unused)
    full_gate_recurrence:   every gate sees all three gates of the previous step (FGR)
    """

    peepholes: bool = False
    input_gate: bool = True
    forget_gate: bool = True
    output_gate: bool = True
    input_activation: bool = True
    output_activation: bool = True
    coupled_input_forget: bool = False
    full_gate_recurrence: bool = False

    def __post_init__(self) -> None:
        for field in fields(self):
            if not isinstance(getattr(self, field.name), bool):
                raise TypeError(f"{field.name} must be a bool; got {getattr(self, field.name)!r}")
        if self.coupled_input_forget and not (self.input_gate and self.forget_gate):
            raise ValueError("coupled_input_forget needs both an input gate and a forget gate")
        all_gates = self.input_gate and self.forget_gate and self.output_gate
        if self.full_gate_recurrence and not all_gates:
            raise ValueError("full_gate_recurrence needs all three gates")

    @property
    def state_names(self) -> tuple[str, ...]:
        """The layer's states: (h, c), plus the previous gates (i, f, o) for FGR."""
        gates = ("i0", "f0", "o0") if self.full_gate_recurrence else ()
        return SIGNATURE.state_names + gates

    def initial_states(self, h0: np.ndarray, c0: np.ndarray) -> tuple[np.ndarray, ...]:
        """The states the cell starts from, as :attr:`state_names` names them: (h0, c0),
        each (batch, hidden), then for full gate recurrence the previous gates (i, f, o),
        zeros."""
        gates = (np.zeros_like(h0),) * (len(self.state_names) - 2)
        return (h0, c0, *gates)

    def used_blocks(self) -> tuple[bool, bool, bool, bool]:
        """Which of the four (i, f, g, o) column blocks of the kernels and bias are used."""
        return (
            self.input_gate,
            self.forget_gate and not self.coupled_input_forget,
            True,
            self.output_gate,
        )

    def parameter_count(self, input_size: int, hidden_size: int) -> int:
        """How many parameters this variant uses (and can learn)."""
        blocks = sum(self.used_blocks())
        count = blocks * hidden_size * (input_size + hidden_size + 1)
        if self.peepholes:
            count += hidden_size * sum(self.used_blocks()[i] for i in (0, 1, 3))
        if self.full_gate_recurrence:
            count += (3 * hidden_size) ** 2
        return count


VARIANTS: dict[str, LSTMVariant] = {
    "V": LSTMVariant(peepholes=True),
    "NIG": LSTMVariant(peepholes=True, input_gate=False),
    "NFG": LSTMVariant(peepholes=True, forget_gate=False),
    "NOG": LSTMVariant(peepholes=True, output_gate=False),
    "NIAF": LSTMVariant(peepholes=True, input_activation=False),
    "NOAF": LSTMVariant(peepholes=True, output_activation=False),
    "NP": LSTMVariant(),
    "CIFG": LSTMVariant(peepholes=True, coupled_input_forget=True),
    "FGR": LSTMVariant(peepholes=True, full_gate_recurrence=True),
}
"""Greff et al.'s vanilla LSTM ("V", with peepholes) and its eight variants, by their names.
"NP" (no peepholes) is the LSTM that Keras and PyTorch compute."""


def _validated(name: str, value: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    array = np.array(real_array(name, value), copy=True)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {array.shape}")
    if array.dtype != dtype:
        raise TypeError(f"{name} must have the kernel's dtype {dtype}; got {array.dtype}")
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class VariantWeights(_KernelSizes):
    """The parameters of an LSTM variant: the standard LSTM's, in Keras layout with gate
    order (i, f, g, o), plus peephole and gate-recurrence weights.

    variant:          the :class:`LSTMVariant` these weights are for
    kernel:           (input_size, 4 * hidden_size)
    recurrent_kernel: (hidden_size, 4 * hidden_size)
    bias:             (4 * hidden_size,)
    peephole:         (3, hidden_size), rows p_i, p_f, p_o
    gate_kernel:      (3 * hidden_size, 3 * hidden_size), previous (i, f, o) to (i, f, o)

    Parts the variant does not use are ignored (and get zero gradient).
    """

    variant: LSTMVariant
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    peephole: np.ndarray
    gate_kernel: np.ndarray

    def __post_init__(self) -> None:
        if not isinstance(self.variant, LSTMVariant):
            raise TypeError(f"variant must be an LSTMVariant; got {type(self.variant).__name__}")
        lstm = LSTMWeights(self.kernel, self.recurrent_kernel, self.bias)  # checks those three
        hidden = lstm.hidden_size
        object.__setattr__(self, "kernel", lstm.kernel)
        object.__setattr__(self, "recurrent_kernel", lstm.recurrent_kernel)
        object.__setattr__(self, "bias", lstm.bias)
        for name, shape in (("peephole", (3, hidden)), ("gate_kernel", (3 * hidden,) * 2)):
            object.__setattr__(
                self, name, _validated(name, getattr(self, name), shape, lstm.dtype)
            )

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(kernel, recurrent_kernel, bias, peephole, gate_kernel)."""
        return self.kernel, self.recurrent_kernel, self.bias, self.peephole, self.gate_kernel

    def with_arrays(self, arrays: Sequence[np.ndarray]) -> VariantWeights:
        """Weights of the same variant holding ``arrays``, in the order of :meth:`arrays`."""
        return VariantWeights(self.variant, *arrays)

    def __repr__(self) -> str:
        return (
            f"VariantWeights({self.variant}, input_size={self.input_size}, "
            f"hidden_size={self.hidden_size}, dtype={self.dtype})"
        )

    def astype(self, dtype: Any) -> VariantWeights:
        resolved = float_dtype(dtype)
        return VariantWeights(self.variant, *(a.astype(resolved) for a in self.arrays()))

    @classmethod
    def from_lstm(cls, weights: LSTMWeights, variant: LSTMVariant) -> VariantWeights:
        """A variant with the standard LSTM's weights and zero peephole and gate weights."""
        hidden, dtype = weights.hidden_size, weights.dtype
        return cls(
            variant,
            weights.kernel,
            weights.recurrent_kernel,
            weights.bias,
            np.zeros((3, hidden), dtype),
            np.zeros((3 * hidden, 3 * hidden), dtype),
        )

    @classmethod
    def random(
        cls,
        input_size: int,
        hidden_size: int,
        *,
        seed: int = 0,
        dtype: Any = "float64",
        variant: LSTMVariant | None = None,
    ) -> VariantWeights:
        """Keras-style LSTM weights (:meth:`LSTMWeights.random`), peepholes from
        U(-0.5, 0.5) and a gate kernel from U(-a, a), a = sqrt(1 / (3 * hidden)), where the
        variant uses them (zeros elsewhere). ``variant`` None is Greff's vanilla LSTM."""
        variant = VARIANTS["V"] if variant is None else variant
        weights = cls.from_lstm(
            LSTMWeights.random(input_size, hidden_size, seed=seed, dtype=dtype), variant
        )
        rng = np.random.default_rng([seed, 1])
        peephole = rng.uniform(-0.5, 0.5, weights.peephole.shape) * variant.peepholes
        limit = np.sqrt(1.0 / (3 * hidden_size)) * variant.full_gate_recurrence
        gate_kernel = rng.uniform(-limit, limit, weights.gate_kernel.shape)
        return cls(
            variant,
            weights.kernel,
            weights.recurrent_kernel,
            weights.bias,
            peephole.astype(weights.dtype),
            gate_kernel.astype(weights.dtype),
        )


class VariantGradients(NamedTuple):
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c), shaped like
    the VariantWeights arrays, then x (batch, time, input_size), h0 and c0 (batch, hidden)."""

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    peephole: np.ndarray
    gate_kernel: np.ndarray
    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray


SIGNATURE = Signature(
    VariantWeights, ("h0", "c0"), LSTMOutput, VariantGradients, LSTMInputs, LSTMCotangents
)
"""What a variant's call takes and returns (what an LSTM call takes and returns, with the
variant's gradients); every variants backend validates through it."""


def prepare(
    x: Any,
    weights: VariantWeights,
    initial_state: Any = None,
    mask: Any = None,
    *,
    go_backwards: Any = False,
) -> LSTMInputs:
    """Validate a call's arguments (``initial_state``: None or (h0, c0)); the cell starts
    from ``weights.variant.initial_states(h0, c0)``."""
    return SIGNATURE.inputs(x, weights, initial_state, mask, go_backwards)


def prepare_gradients(
    x: Any,
    weights: VariantWeights,
    d_outputs: Any,
    initial_state: Any = None,
    mask: Any = None,
    d_h: Any = None,
    d_c: Any = None,
    *,
    go_backwards: Any = False,
) -> tuple[LSTMInputs, LSTMCotangents]:
    """Validate a ``gradients`` call: the arguments of :func:`prepare`, then d_outputs
    (batch, time, hidden) and d_h, d_c (batch, hidden) or None. Returns the inputs and the
    cotangents, in the weights' dtype."""
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    batch, time, _ = inputs.x.shape
    return inputs, SIGNATURE.cotangents(weights, batch, time, d_outputs, d_h=d_h, d_c=d_c)


Activation = Callable[[Any], Any]


def cell_step(
    variant: LSTMVariant,
    params: tuple[Any, ...],
    x_t: Any,
    states: tuple[Any, ...],
    sigmoid: Activation,
    tanh: Activation,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """One time step of ``variant``, in any array library.

    params: (kernel, recurrent_kernel, bias, peephole, gate_kernel) as the library's arrays;
    x_t: (batch, input_size); states: (h, c) or, with full gate recurrence, (h, c, i, f, o).
    Returns (new states, intermediates); a gate the variant lacks is None in the
    intermediates, which the NumPy backward pass reads.
    """
    kernel, recurrent_kernel, bias, peephole, gate_kernel = params
    h, c = states[0], states[1]
    hidden = h.shape[1]
    a = x_t @ kernel + h @ recurrent_kernel + bias
    a_i, a_f = a[:, :hidden], a[:, hidden : 2 * hidden]
    a_g, a_o = a[:, 2 * hidden : 3 * hidden], a[:, 3 * hidden :]
    if variant.full_gate_recurrence:
        for k, previous_gate in enumerate(states[2:]):
            recurrence = previous_gate @ gate_kernel[k * hidden : (k + 1) * hidden]
            a_i = a_i + recurrence[:, :hidden]
            a_f = a_f + recurrence[:, hidden : 2 * hidden]
            a_o = a_o + recurrence[:, 2 * hidden :]
    if variant.peepholes:
        a_i = a_i + c * peephole[0]
        a_f = a_f + c * peephole[1]
    i = sigmoid(a_i) if variant.input_gate else None
    if variant.coupled_input_forget:
        f = 1 - i
    else:
        f = sigmoid(a_f) if variant.forget_gate else None
    g = tanh(a_g) if variant.input_activation else a_g
    c_new = (c if f is None else f * c) + (g if i is None else i * g)
    if variant.peepholes:
        a_o = a_o + c_new * peephole[2]
    o = sigmoid(a_o) if variant.output_gate else None
    squashed = tanh(c_new) if variant.output_activation else c_new
    h_new = squashed if o is None else o * squashed
    new_states = (h_new, c_new, i, f, o) if variant.full_gate_recurrence else (h_new, c_new)
    return new_states, dict(i=i, f=f, g=g, o=o, squashed=squashed, c_new=c_new)

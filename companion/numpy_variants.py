"""LSTM variants in NumPy: :func:`companion.variants.cell_step` forwards, and its backward
pass written by hand from the same switches.

Same functions and signatures as :mod:`companion.numpy_lstm`, with :class:`VariantWeights`
(which carry their :class:`LSTMVariant`) in place of ``LSTMWeights``; ``gradients`` returns
:class:`VariantGradients`. Masking and ``go_backwards`` follow Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion._numeric import sigmoid
from companion._scan import scan, scan_backward
from companion.lstm import LSTMOutput
from companion.variants import (
    SIGNATURE,
    VariantGradients,
    VariantWeights,
    cell_step,
    prepare,
    prepare_gradients,
)


def step_forward(x_t: np.ndarray, *states: np.ndarray, weights: VariantWeights) -> tuple:
    """One step of the variant: :func:`companion.variants.cell_step` in NumPy.

    x_t: (batch, input_size); states: (h, c), and with ``full_gate_recurrence`` the three
    gates of the step before, each (batch, hidden). Returns ``(*next_states, cache)``.
    """
    next_states, parts = cell_step(
        weights.variant, weights.arrays(), x_t, states, sigmoid, np.tanh
    )
    return (*next_states, (x_t, states, parts, weights))


def _sigmoid_grad(d_gate: np.ndarray, gate: np.ndarray | None) -> np.ndarray:
    """Through a sigmoid gate; zero when the variant has no such gate."""
    return np.zeros_like(d_gate) if gate is None else d_gate * gate * (1 - gate)


def step_backward(*d_next_states: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """The gradients of one step, walking :func:`step_forward` backwards.

    d_next_states: the gradients with respect to the step's next states, each
    (batch, hidden). Returns ``(d_x_t, *d_states, *d_weights)``: d_x_t (batch, input_size),
    and the weight gradients in the order of ``weights.arrays()``, this step's share of the
    sums over time.
    """
    x_t, states, parts, weights = cache
    variant = weights.variant
    kernel, recurrent_kernel, _, peephole, gate_kernel = weights.arrays()
    h, c = states[:2]
    i, f, g, o = parts["i"], parts["f"], parts["g"], parts["o"]
    squashed, c_new = parts["squashed"], parts["c_new"]
    d_h_new, d_c_new = d_next_states[:2]
    zero = np.zeros_like(d_h_new)
    d_i_gate, d_f_gate, d_o_gate = d_next_states[2:] or (zero, zero, zero)
    # h' = o * squashed(c')
    d_squashed = d_h_new if o is None else d_h_new * o
    d_a_o = _sigmoid_grad(d_h_new * squashed + d_o_gate, o)
    d_c = d_c_new + (d_squashed * (1 - squashed**2) if variant.output_activation else d_squashed)
    d_peephole = np.zeros_like(peephole)
    if variant.peepholes:
        d_c = d_c + d_a_o * peephole[2]
        d_peephole[2] = np.sum(d_a_o * c_new, axis=0)
    # c' = f * c + i * g
    d_c_previous = d_c if f is None else d_c * f
    d_f = d_c * c + d_f_gate
    d_i = d_c * g + d_i_gate
    d_g = d_c if i is None else d_c * i
    if variant.coupled_input_forget:  # f = 1 - i
        d_i, d_a_f = d_i - d_f, zero
    else:
        d_a_f = _sigmoid_grad(d_f, f)
    d_a_i = _sigmoid_grad(d_i, i)
    d_a_g = d_g * (1 - g**2) if variant.input_activation else d_g
    if variant.peepholes:
        d_c_previous = d_c_previous + d_a_i * peephole[0] + d_a_f * peephole[1]
        d_peephole[0] = np.sum(d_a_i * c, axis=0)
        d_peephole[1] = np.sum(d_a_f * c, axis=0)
    d_a = np.concatenate([d_a_i, d_a_f, d_a_g, d_a_o], axis=1)
    d_states = [d_a @ recurrent_kernel.T, d_c_previous]
    d_gate_kernel = np.zeros_like(gate_kernel)
    if variant.full_gate_recurrence:
        d_a_gates = np.concatenate([d_a_i, d_a_f, d_a_o], axis=1)
        d_gate_kernel = np.concatenate(states[2:], axis=1).T @ d_a_gates
        d_states += np.split(d_a_gates @ gate_kernel.T, 3, axis=1)
    d_weights = (x_t.T @ d_a, h.T @ d_a, d_a.sum(axis=0), d_peephole, d_gate_kernel)
    return d_a @ kernel.T, *d_states, *d_weights


def forward(
    x: Any,
    weights: VariantWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMOutput:
    """Run the variant over a batch of sequences.

    x: (batch, time, input_size); initial_state: None or (h0, c0), each (batch, hidden);
    mask: None or boolean (batch, time).
    Returns LSTMOutput(outputs (batch, time, hidden), h, c (batch, hidden)).
    """
    x, h0, c0, mask = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    states = weights.variant.initial_states(h0, c0)
    outputs, states, _ = scan(step_forward, weights, x, states, mask, go_backwards)
    return SIGNATURE.output(outputs, states[0], states[1])


def gradients(
    x: Any,
    weights: VariantWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> VariantGradients:
    """Backpropagation through time, by hand: the gradients of
    sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c).

    d_outputs: (batch, time, hidden) in the processing order of ``outputs``; d_h, d_c:
    (batch, hidden) or None (zeros). Other arguments as :func:`forward`.
    """
    (x, h0, c0, mask), (d_outputs, *seeds) = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    states = weights.variant.initial_states(h0, c0)
    seeds += [np.zeros_like(seeds[0])] * (len(states) - 2)  # the gates full_gate_recurrence keeps
    d_weights, d_x, d_states = scan_backward(
        step_forward, step_backward, weights, x, states, mask, go_backwards, d_outputs, seeds
    )
    return SIGNATURE.gradients(weights, d_weights, d_x, d_states[:2])

"""The vanilla (Elman) RNN in plain NumPy, forward and backpropagation through time.

For every time step t, with x_t (batch, input_size) and the previous state h (batch, hidden),
the layer computes

    h' = tanh(x_t @ kernel + h @ recurrent_kernel + bias)      (batch, hidden)

and h' is both the step's output and the state handed to the next step.

:func:`step_forward` and :func:`step_backward` are that step and its gradients, written to be
read beside the equation; :func:`forward` and :func:`gradients` run them over a sequence with
the time loop every NumPy model shares. (A second path making the input projection of every
step one matrix product before the loop was no faster: ``benchmarks/README.md``.)

Semantics are Keras's ``SimpleRNN``: where ``mask[b, t]`` is False, step t leaves sample b's
state as it was and repeats its previous output (zeros before its first unmasked step);
``go_backwards=True`` reads the sequence from the last step to the first and returns the
outputs in that processing order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion._scan import scan, scan_backward
from companion.rnn import SIGNATURE, RNNGradients, RNNOutput, prepare, prepare_gradients
from companion.weights import RNNWeights


def step_forward(x_t: np.ndarray, h: np.ndarray, weights: RNNWeights) -> tuple[np.ndarray, tuple]:
    """One vanilla RNN step.

    x_t: (batch, input_size); h: (batch, hidden), the state before the step.
    Returns (h_next (batch, hidden), cache), the cache being what :func:`step_backward` needs.
    """
    h_next = np.tanh(x_t @ weights.kernel + h @ weights.recurrent_kernel + weights.bias)
    return h_next, (x_t, h, h_next, weights)


def step_backward(d_h_next: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """The gradients of one vanilla RNN step, walking :func:`step_forward` backwards.

    d_h_next: (batch, hidden), the gradient of the loss with respect to the step's h_next.
    Returns (d_x_t (batch, input_size), d_h (batch, hidden), d_kernel, d_recurrent_kernel,
    d_bias), the weight gradients being this step's share of the sums over time.
    """
    x_t, h, h_next, weights = cache
    d_a = d_h_next * (1 - h_next**2)  # a = x_t @ kernel + h @ recurrent_kernel + bias; tanh'
    d_x_t = d_a @ weights.kernel.T
    d_h = d_a @ weights.recurrent_kernel.T
    return d_x_t, d_h, x_t.T @ d_a, h.T @ d_a, d_a.sum(axis=0)


def forward(
    x: Any,
    weights: RNNWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNOutput:
    """Run a vanilla RNN layer over a batch of sequences: :func:`step_forward` at every time
    step.

    x: (batch, time, input_size), any real array-like (cast to ``weights.dtype``)
    initial_state: None (zeros) or a 1-tuple (h0,) with h0 (batch, hidden)
    mask: None or a boolean (batch, time) array; False skips the step for that sample
    Returns RNNOutput(outputs (batch, time, hidden), h (batch, hidden)).
    """
    x, h0, mask = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    outputs, (h,), _ = scan(step_forward, weights, x, (h0,), mask, go_backwards)
    return SIGNATURE.output(outputs, h)


def gradients(
    x: Any,
    weights: RNNWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> RNNGradients:
    """Backpropagation through time: the gradients of
    L = sum(outputs * d_outputs) + sum(h * d_h) for the same call as :func:`forward`,
    :func:`step_forward` forwards over time, then :func:`step_backward` from the last step to
    the first.

    d_outputs: (batch, time, hidden), in the order ``forward`` returns the outputs
    d_h: None (zeros) or (batch, hidden), the gradient arriving at the final state
    Returns RNNGradients(kernel, recurrent_kernel, bias, x, h0), each shaped like what it is
    the gradient of; the x gradient is in the order of the x passed in.
    """
    (x, h0, mask), (d_outputs, d_h) = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, go_backwards=go_backwards
    )
    d_weights, d_x, d_initial_states = scan_backward(
        step_forward, step_backward, weights, x, (h0,), mask, go_backwards, d_outputs, (d_h,)
    )
    return SIGNATURE.gradients(weights, d_weights, d_x, d_initial_states)

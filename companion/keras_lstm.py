"""The LSTM computed by ``keras.layers.LSTM`` (Keras 3, on the backend
``KERAS_BACKEND`` names: TensorFlow, JAX or PyTorch).

Same functions and signatures as :mod:`companion.numpy_lstm`: NumPy arrays in, NumPy arrays
out. Each call writes the weights into a layer of the weights' shape and dtype with
:meth:`~companion.weights.LSTMWeights.to_keras` (a layer built once and reused:
:func:`companion._keras_tools.reused_layer`), and lets Keras do the masking and the reversal.
:func:`gradients` differentiates the same layer with the backend's own automatic
differentiation.
"""

from __future__ import annotations

from typing import Any

from companion._keras_tools import PLACEHOLDER_INITIALIZERS, keras, reused_layer, scoped
from companion.lstm import SIGNATURE, LSTMGradients, LSTMOutput, prepare, prepare_gradients
from companion.weights import LSTMWeights


@scoped
def build(weights: LSTMWeights, *, go_backwards: bool = False) -> keras.layers.LSTM:
    """A built ``keras.layers.LSTM`` holding ``weights``, returning sequences and states."""
    lstm = keras.layers.LSTM(
        weights.hidden_size,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        dtype=str(weights.dtype),
        **PLACEHOLDER_INITIALIZERS,
    )
    lstm.build((None, None, weights.input_size))
    return weights.to_keras(lstm)


@scoped
def forward(
    x: Any,
    weights: LSTMWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMOutput:
    """Run ``keras.layers.LSTM`` over a batch of sequences.

    x: (batch, time, input_size); initial_state: None or (h0, c0), each (batch, hidden);
    mask: None or boolean (batch, time).
    Returns LSTMOutput(outputs (batch, time, hidden), h (batch, hidden), c (batch, hidden)).
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_output(weights, inputs)
    lstm = reused_layer(build, weights, go_backwards=go_backwards)
    return SIGNATURE.output(*lstm.forward(inputs.x, [inputs.h0, inputs.c0], inputs.mask))


@scoped
def gradients(
    x: Any,
    weights: LSTMWeights,
    d_outputs: Any,
    initial_state: Any = None,
    *,
    d_h: Any = None,
    d_c: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMGradients:
    """Gradients of ``sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c)``, by
    the backend's automatic differentiation through ``keras.layers.LSTM``.

    Arguments as for :func:`companion.numpy_lstm.gradients`.
    Returns LSTMGradients(kernel, recurrent_kernel, bias, x, h0, c0) as NumPy arrays.
    """
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    lstm = reused_layer(build, weights, go_backwards=go_backwards)
    found = lstm.gradients(inputs.x, [inputs.h0, inputs.c0], cotangents, inputs.mask)
    return SIGNATURE.gradients(weights, found.variables, found.x, found.states)

"""LSTM variants in Keras 3: a custom cell in ``keras.layers.RNN``.

:class:`VariantCell` runs :func:`companion.variants.cell_step` with ``keras.ops``;
``keras.layers.RNN`` does the time loop, the masking and ``go_backwards``, and
the backend's automatic differentiation the gradients. Same functions and signatures as
:mod:`companion.numpy_variants`.
"""

from __future__ import annotations

from typing import Any

from companion._keras_tools import keras, reused_layer, run_layer, scoped
from companion.lstm import LSTMOutput
from companion.variants import (
    SIGNATURE,
    VariantGradients,
    VariantWeights,
    cell_step,
    prepare,
    prepare_gradients,
)

_NAMES = ("kernel", "recurrent_kernel", "bias", "peephole", "gate_kernel")


class VariantCell(keras.layers.Layer):
    """A Keras RNN cell computing one step of ``weights.variant``, holding ``weights``."""

    def __init__(self, weights: VariantWeights, **kwargs: Any) -> None:
        super().__init__(dtype=str(weights.dtype), **kwargs)
        self.variant = weights.variant
        self.initial_values = weights.arrays()
        self.state_size = [weights.hidden_size] * len(weights.variant.state_names)
        self.output_size = weights.hidden_size

    def build(self, input_shape: Any) -> None:
        for name, value in zip(_NAMES, self.initial_values, strict=True):
            setattr(
                self,
                name,
                self.add_weight(
                    shape=value.shape,
                    initializer=lambda shape, dtype, value=value: value,
                    name=name,
                ),
            )

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, list[Any]]:
        params = tuple(keras.ops.convert_to_tensor(getattr(self, name)) for name in _NAMES)
        new_states, _ = cell_step(
            self.variant, params, inputs, tuple(states), keras.ops.sigmoid, keras.ops.tanh
        )
        return new_states[0], list(new_states)


@scoped
def build(weights: VariantWeights, *, go_backwards: bool = False) -> keras.layers.RNN:
    """A built ``keras.layers.RNN`` over a :class:`VariantCell`, returning sequences and
    states."""
    rnn = keras.layers.RNN(
        VariantCell(weights),
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        dtype=str(weights.dtype),
    )
    rnn.build((None, None, weights.input_size))
    return rnn


RETURNED = 1 + len(SIGNATURE.state_names)
"""How many tensors a call returns: the outputs, then the final h and c. Full gate
recurrence carries three more states (the previous gates), internal to the layer."""


def _run(rnn: keras.layers.RNN, x: Any, states: list[Any], mask: Any) -> list[Any]:
    """[outputs, h, c] of the layer (:func:`companion._keras_tools.run_layer`)."""
    return run_layer(rnn, x, states, mask)[:RETURNED]


def _write(weights: VariantWeights, rnn: keras.layers.RNN) -> keras.layers.RNN:
    """Write ``weights`` into a layer built by :func:`build` for weights of their shape."""
    for name, value in zip(_NAMES, weights.arrays(), strict=True):
        getattr(rnn.cell, name).assign(value)
    return rnn


@scoped
def forward(
    x: Any,
    weights: VariantWeights,
    initial_state: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
) -> LSTMOutput:
    """Run the variant as a Keras RNN layer.

    x: (batch, time, input_size); initial_state: None or (h0, c0), each (batch, hidden);
    mask: None or boolean (batch, time). Returns LSTMOutput(outputs, h, c).
    """
    inputs = prepare(x, weights, initial_state, mask, go_backwards=go_backwards)
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_output(weights, inputs)
    rnn = reused_layer(
        build, weights, key=(weights.variant,), write=_write, run=_run, go_backwards=go_backwards
    )
    states = weights.variant.initial_states(inputs.h0, inputs.c0)
    return SIGNATURE.output(*rnn.forward(inputs.x, states, inputs.mask))


@scoped
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
    """Gradients of sum(outputs * d_outputs) + sum(h * d_h) + sum(c * d_c), from
    the backend's automatic differentiation. Arguments as
    :func:`companion.numpy_variants.gradients`."""
    inputs, cotangents = prepare_gradients(
        x, weights, d_outputs, initial_state, mask, d_h, d_c, go_backwards=go_backwards
    )
    if inputs.x.size == 0:  # no sample or no step: Keras would fail on it
        return SIGNATURE.empty_gradients(weights, inputs, cotangents)
    rnn = reused_layer(
        build, weights, key=(weights.variant,), write=_write, run=_run, go_backwards=go_backwards
    )
    states = weights.variant.initial_states(inputs.h0, inputs.c0)
    found = rnn.gradients(inputs.x, states, cotangents, inputs.mask)
    # The zero gate states of full gate recurrence are no argument of the call.
    caller_states = found.states[: len(SIGNATURE.state_names)]
    return SIGNATURE.gradients(weights, found.variables, found.x, caller_states)

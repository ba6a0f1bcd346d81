"""Stacked and bidirectional LSTMs: NumPy, keras.layers.Bidirectional and
torch.nn.LSTM(num_layers, bidirectional) agree on outputs, final states and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import examples, sizes
from hypothesis import given
from hypothesis import strategies as st

from companion import LSTMWeights, numpy_lstm
from companion._numeric import max_difference
from companion.gradcheck import gradcheck
from companion.registry import TOLERANCES, backend_module
from companion.stacked import StackedWeights


def flat(gradients) -> list[np.ndarray]:
    return gradients.arrays()


@pytest.mark.keras
@examples(12)
@given(
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    shape=sizes(batch=(1, 3), time=(1, 5), input_size=(1, 4), hidden=(1, 4)),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 1000),
)
def test_backends_agree(num_layers, bidirectional, shape, dtype, seed):
    batch, time, input_size, hidden = shape
    weights = StackedWeights.random(
        input_size,
        hidden,
        num_layers=num_layers,
        bidirectional=bidirectional,
        seed=seed,
        dtype=dtype,
    )
    rng = np.random.default_rng(seed)
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((batch, time, input_size))
    d_outputs = rng.standard_normal((batch, time, directions * hidden))
    d_h, d_c = rng.standard_normal((2, num_layers * directions, batch, hidden))
    tolerance = TOLERANCES[dtype]
    numpy_stacked = backend_module("numpy", "stacked")
    reference = numpy_stacked.forward(x, weights)
    reference_grads = numpy_stacked.gradients(x, weights, d_outputs, d_h=d_h, d_c=d_c)
    for name in ("keras", "torch"):
        backend = backend_module(name, "stacked")
        assert max_difference(reference, backend.forward(x, weights)) < tolerance, name
        grads = backend.gradients(x, weights, d_outputs, d_h=d_h, d_c=d_c)
        assert max_difference(flat(reference_grads), flat(grads)) < tolerance, name


def test_one_layer_one_direction_is_the_lstm():
    lstm = LSTMWeights.random(3, 4, seed=3)
    x = np.random.default_rng(3).standard_normal((2, 5, 3))
    out = backend_module("numpy", "stacked").forward(x, StackedWeights(((lstm,),)))
    expected = numpy_lstm.forward(x, lstm)
    np.testing.assert_array_equal(out.outputs, expected.outputs)
    np.testing.assert_array_equal(out.h[0], expected.h)


def test_torch_converters_round_trip_every_layer_and_direction():
    torch = pytest.importorskip("torch")
    weights = StackedWeights.random(3, 4, num_layers=2, bidirectional=True, seed=5)
    module = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    assert StackedWeights.from_torch(weights.to_torch(module)) == weights
    with pytest.raises(ValueError, match="the module has 1 layers"):
        weights.to_torch(torch.nn.LSTM(3, 4, dtype=torch.float64))


def test_layers_must_fit_together():
    first = LSTMWeights.random(3, 4)
    with pytest.raises(ValueError, match="layer 1 must have input size 8"):
        StackedWeights(((first, first), (first, first)))
    with pytest.raises(ValueError, match="tuple of 1 or 2"):
        StackedWeights(((first,), (first, first)))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, 3\)"):
        numpy_stacked = backend_module("numpy", "stacked")
        numpy_stacked.forward(np.zeros((1, 2, 4)), StackedWeights(((first,),)))


@pytest.mark.keras
def test_keras_converters_round_trip_every_layer_and_direction():
    keras_stacked = backend_module("keras", "stacked")
    weights = StackedWeights.random(3, 4, num_layers=2, bidirectional=True, seed=6)
    assert StackedWeights.from_keras(keras_stacked.build(weights)) == weights


@pytest.mark.keras
@pytest.mark.parametrize("go_backwards", [False, True])
@examples(8)
@given(
    num_layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    shape=sizes(batch=(1, 3), time=(1, 4)),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 1000),
)
def test_backends_agree_with_initial_state_and_mask(
    go_backwards, num_layers, bidirectional, shape, dtype, seed
):
    batch, time = shape
    weights = StackedWeights.random(
        2, 3, num_layers=num_layers, bidirectional=bidirectional, seed=seed, dtype=dtype
    )
    rng = np.random.default_rng(seed)
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((batch, time, 2))
    initial_state = tuple(rng.standard_normal((2, num_layers * directions, batch, 3)))
    mask = rng.random((batch, time)) > 0.3
    d_outputs = rng.standard_normal((batch, time, directions * 3))
    d_h, d_c = rng.standard_normal((2, num_layers * directions, batch, 3))
    tolerance = TOLERANCES[dtype]
    numpy_stacked = backend_module("numpy", "stacked")
    options = {"mask": mask, "go_backwards": go_backwards}
    reference = numpy_stacked.forward(x, weights, initial_state, **options)
    reference_grads = numpy_stacked.gradients(
        x, weights, d_outputs, initial_state, d_h=d_h, d_c=d_c, **options
    )
    for name in ("keras", "torch"):
        backend = backend_module(name, "stacked")
        output = backend.forward(x, weights, initial_state, **options)
        assert max_difference(reference, output) < tolerance, name
        grads = backend.gradients(
            x, weights, d_outputs, initial_state, d_h=d_h, d_c=d_c, **options
        )
        assert max_difference(flat(reference_grads), flat(grads)) < tolerance, name


@pytest.mark.parametrize("go_backwards", [False, True])
def test_one_layer_with_initial_state_and_mask_is_the_lstm(go_backwards):
    lstm = LSTMWeights.random(3, 4, seed=3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 3))
    h0, c0 = rng.standard_normal((2, 2, 4))
    mask = rng.random((2, 5)) > 0.3
    d_outputs = rng.standard_normal((2, 5, 4))
    options = {"mask": mask, "go_backwards": go_backwards}
    numpy_stacked, weights = backend_module("numpy", "stacked"), StackedWeights(((lstm,),))
    stacked = numpy_stacked.forward(x, weights, (h0[None], c0[None]), **options)
    expected = numpy_lstm.forward(x, lstm, (h0, c0), **options)
    np.testing.assert_array_equal(stacked.outputs, expected.outputs)
    np.testing.assert_array_equal(stacked.h[0], expected.h)
    np.testing.assert_array_equal(stacked.c[0], expected.c)
    stacked_grads = numpy_stacked.gradients(x, weights, d_outputs, (h0[None], c0[None]), **options)
    expected_grads = numpy_lstm.gradients(x, lstm, d_outputs, (h0, c0), **options)
    np.testing.assert_allclose(stacked_grads.x, expected_grads.x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(stacked_grads.h0[0], expected_grads.h0, rtol=0, atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("bidirectional", [False, True])
def test_go_backwards_is_a_keras_stack_whose_first_layer_reads_backwards(bidirectional):
    from companion._keras_tools import float64_kept, keras

    weights = StackedWeights.random(3, 4, num_layers=2, bidirectional=bidirectional, seed=7)
    x = np.random.default_rng(7).standard_normal((2, 5, 3))

    def keras_stack(go_backwards: list[bool]) -> np.ndarray:
        """The outputs of Keras layers, one per stacked layer, each with its go_backwards
        (a Bidirectional's backward layer reads the other way)."""
        layers = []
        for backwards, directions in zip(go_backwards, weights.layers, strict=True):
            layer, backward = (
                keras.layers.LSTM(4, return_sequences=True, go_backwards=b, dtype="float64")
                for b in (backwards, not backwards)
            )
            if bidirectional:
                layer = keras.layers.Bidirectional(layer, backward_layer=backward, dtype="float64")
            layer.build((None, None, directions[0].input_size))
            layers.append(layer)
        outputs = x
        with float64_kept():  # Keras's type promotion would compute float64 in float32
            for layer in weights.to_keras(layers):
                outputs = layer(outputs)
        return keras.ops.convert_to_numpy(outputs)

    ours = backend_module("numpy", "stacked").forward(x, weights, go_backwards=True).outputs
    assert max_difference(ours, keras_stack([True, False])) < TOLERANCES["float64"]
    # go_backwards on every Keras layer reverses again in the second layer: another model
    assert max_difference(ours, keras_stack([True, True])) > 0.01


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_numpy_gradients_match_finite_differences(bidirectional, go_backwards):
    weights = StackedWeights.random(2, 2, num_layers=2, bidirectional=bidirectional, seed=5)
    rng = np.random.default_rng(5)
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((2, 3, 2))
    initial_state = tuple(rng.standard_normal((2, 2 * directions, 2, 2)))
    d_outputs = rng.standard_normal((2, 3, 2 * directions))
    d_h, d_c = rng.standard_normal((2, 2 * directions, 2, 2))
    mask = np.array([[True, False, True], [False, True, True]])
    result = gradcheck(
        x,
        weights,
        d_outputs,
        initial_state,
        d_h=d_h,
        d_c=d_c,
        mask=mask,
        go_backwards=go_backwards,
        step=1e-6,
    )
    assert result.worst[1] < 1e-7, result.errors

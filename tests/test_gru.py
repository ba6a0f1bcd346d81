"""The GRU: weights and converters, three backends that agree forwards and backwards, the
hand-written NumPy gradients against finite differences in both reset_after forms, and clear
errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import backend_params, sizes
from hypothesis import given
from hypothesis import strategies as st

from companion import GRUWeights, numpy_gru
from companion._numeric import max_difference
from companion.gradcheck import gradcheck
from companion.registry import TOLERANCES, backend_module

W = GRUWeights.random(3, 4, seed=0)
X = np.random.default_rng(0).standard_normal((2, 5, 3))


@st.composite
def gru_cases(draw, dtypes=("float32", "float64"), reset_after=(True,)):
    batch, time, input_size, hidden = draw(
        sizes(batch=(1, 3), time=(0, 6), input_size=(1, 4), hidden=(1, 5))
    )
    dtype = draw(st.sampled_from(dtypes))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    weights = GRUWeights.random(
        input_size, hidden, seed=seed, dtype=dtype, reset_after=draw(st.sampled_from(reset_after))
    )
    x = (rng.standard_normal((batch, time, input_size)) * 2).astype(dtype)
    state = (rng.uniform(-1, 1, (batch, hidden)),) if draw(st.booleans()) else None
    mask = rng.random((batch, time)) < 0.7 if draw(st.booleans()) else None
    d_outputs = rng.standard_normal((batch, time, hidden))
    d_h = rng.standard_normal((batch, hidden)) if draw(st.booleans()) else None
    return x, weights, state, mask, draw(st.booleans()), d_outputs, d_h


@pytest.mark.keras
@given(gru_cases())
def test_backends_agree_forwards_and_backwards(case):
    x, weights, state, mask, go_backwards, d_outputs, d_h = case
    tolerance = TOLERANCES[str(weights.dtype)]
    options = dict(mask=mask, go_backwards=go_backwards)
    reference = numpy_gru.forward(x, weights, state, **options)
    reference_grads = numpy_gru.gradients(x, weights, d_outputs, state, d_h=d_h, **options)
    for name in ("keras", "torch"):
        backend = backend_module(name, "gru")
        assert max_difference(reference, backend.forward(x, weights, state, **options)) < tolerance
        grads = backend.gradients(x, weights, d_outputs, state, d_h=d_h, **options)
        assert max_difference(reference_grads, grads) < tolerance, name


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
def test_numpy_and_keras_agree_on_both_reset_positions(reset_after):
    weights = GRUWeights.random(3, 4, seed=5, reset_after=reset_after)
    rng = np.random.default_rng(5)
    d_outputs = rng.standard_normal((2, 5, 4))
    mask = rng.random((2, 5)) < 0.7
    options = dict(mask=mask, reset_after=reset_after)
    keras_gru = backend_module("keras", "gru")
    assert (
        max_difference(
            numpy_gru.forward(X, weights, **options), keras_gru.forward(X, weights, **options)
        )
        < 1e-12
    )
    assert (
        max_difference(
            numpy_gru.gradients(X, weights, d_outputs, **options),
            keras_gru.gradients(X, weights, d_outputs, **options),
        )
        < 1e-12
    )


@pytest.mark.parametrize("reset_after", [True, False])
def test_numpy_gradients_match_finite_differences(reset_after):
    weights = GRUWeights.random(2, 3, seed=3, reset_after=reset_after)
    rng = np.random.default_rng(3)
    x, h0 = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 3))
    d_outputs, d_h = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 3))
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    result = gradcheck(
        x, weights, d_outputs, (h0,), d_h=d_h, mask=mask, go_backwards=True, step=1e-6
    )
    assert result.worst[1] < 1e-7, result.errors


@pytest.mark.keras
def test_converters_round_trip_exactly():
    torch = pytest.importorskip("torch")
    keras = backend_module("keras", "gru").keras
    module = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    for layer in (0, 1):
        for reverse in (False, True):
            size = 3 if layer == 0 else 8
            weights = GRUWeights.random(size, 4, seed=layer + 2 * reverse)
            weights.to_torch(module, layer, reverse)
            assert GRUWeights.from_torch(module, layer, reverse) == weights
    for reset_after in (True, False):
        layer = keras.layers.GRU(4, reset_after=reset_after, dtype="float64")
        layer.build((None, None, 3))
        weights = GRUWeights.random(3, 4, seed=1, reset_after=reset_after)
        assert GRUWeights.from_keras(weights.to_keras(layer)) == weights


def test_torch_gate_order_is_r_z_n():
    torch = pytest.importorskip("torch")
    module = backend_module("torch", "gru").build(W)
    hidden = W.hidden_size
    np.testing.assert_array_equal(
        module.weight_ih_l0.detach().numpy()[:hidden], W.kernel[:, hidden : 2 * hidden].T
    )
    np.testing.assert_array_equal(
        module.bias_hh_l0.detach().numpy()[hidden : 2 * hidden], W.bias[1, :hidden]
    )
    assert torch.is_tensor(module.weight_hh_l0)


def test_torch_refuses_reset_after_false_clearly():
    weights = GRUWeights.random(3, 4, reset_after=False)
    torch_gru = backend_module("torch", "gru")
    with pytest.raises(ValueError, match=r"torch\.nn\.GRU cannot compute reset_after=False"):
        torch_gru.forward(X, weights, reset_after=False)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="cannot compute reset_after=False"):
        weights.to_torch(torch.nn.GRU(3, 4, dtype=torch.float64))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (dict(weights=W, reset_after=False), ValueError, r"reset_after=False"),
        (dict(initial_state=np.zeros((2, 5))), ValueError, r"h0 must have shape .* \(2, 4\)"),
        (dict(initial_state=(np.zeros((2, 5)),)), ValueError, r"h0 must have shape"),
        (dict(x=np.zeros((2, 5, 4))), ValueError, r"x must have shape \(batch, time, 3\)"),
        (dict(weights=W.kernel), TypeError, "weights must be GRUWeights; got ndarray"),
        (dict(mask=np.ones((2, 5))), TypeError, "mask must be a boolean array"),
    ],
)
@pytest.mark.parametrize("name", backend_params())
def test_bad_input_is_rejected_clearly(name, call, error, message):
    arguments = {"x": X, "weights": W, "initial_state": None, "reset_after": True} | call
    arguments.setdefault("mask", None)
    with pytest.raises(error, match=message):
        backend_module(name, "gru").forward(
            arguments["x"],
            arguments["weights"],
            arguments["initial_state"],
            mask=arguments["mask"],
            reset_after=arguments["reset_after"],
        )


def test_bad_gradient_seeds_are_rejected_clearly():
    with pytest.raises(ValueError, match=r"d_outputs must have shape \(batch, time, hidden\)"):
        numpy_gru.gradients(X, W, np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"d_h must have shape \(batch, hidden\)"):
        numpy_gru.gradients(X, W, np.zeros((2, 5, 4)), d_h=np.zeros(4))


def test_weights_validate_shapes():
    with pytest.raises(ValueError, match=r"bias must have shape \(2, 12\)"):
        GRUWeights(W.kernel, W.recurrent_kernel, np.zeros(5))
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape"):
        GRUWeights(W.kernel, np.zeros((4, 16)), W.bias)
    assert GRUWeights.random(2, 3, reset_after=False).bias.shape == (9,)

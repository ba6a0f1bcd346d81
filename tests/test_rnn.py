"""The vanilla RNN: RNNWeights, its converters, the three backends' forward and gradients, and
the NumPy step and its gradients against the equation and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import backend_params, sizes
from hypothesis import given
from hypothesis import strategies as st

from companion import LSTMWeights, RNNWeights, keras_rnn, numpy_rnn
from companion.__main__ import main as cli
from companion._numeric import max_difference
from companion.gradcheck import gradcheck
from companion.registry import TOLERANCES, backend_module

keras = keras_rnn.keras
W = RNNWeights.random(3, 4, seed=0)
X = np.random.default_rng(0).standard_normal((2, 5, 3))


@pytest.fixture(params=backend_params())
def rnn_backend(request):
    return backend_module(request.param, "rnn")


# --- RNNWeights ----------------------------------------------------------------------------


@pytest.mark.keras
def test_random_weights_follow_keras_defaults():
    w = RNNWeights.random(3, 5, seed=1)
    assert w.kernel.shape == (3, 5) and w.recurrent_kernel.shape == (5, 5)
    np.testing.assert_array_equal(w.bias, np.zeros(5))
    np.testing.assert_allclose(w.recurrent_kernel @ w.recurrent_kernel.T, np.eye(5), atol=1e-12)
    assert np.abs(w.kernel).max() <= np.sqrt(6 / 8)
    assert RNNWeights.random(3, 5, seed=1) == w != RNNWeights.random(3, 5, seed=2)
    assert repr(w.astype("float32")) == "RNNWeights(input_size=3, hidden_size=5, dtype=float32)"


def test_rnn_and_lstm_weights_are_never_equal():
    w = LSTMWeights.random(1, 1)
    assert RNNWeights(w.kernel[:, :1], w.recurrent_kernel[:, :1], w.bias[:1]) != w


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        (((3, 4), (4, 5), (4,)), r"recurrent_kernel must have shape \(hidden_size, hidden_size\)"),
        (((3, 5), (4, 4), (4,)), r"kernel must have shape \(input_size, hidden_size\) = "),
        (((3, 4), (4, 4), (5,)), r"bias must have shape \(hidden_size,\) = \(4,\)"),
    ],
)
def test_weight_shapes_are_checked(shapes, message):
    with pytest.raises(ValueError, match=message):
        RNNWeights(*(np.zeros(shape) for shape in shapes))


def test_weight_values_are_checked():
    with pytest.raises(ValueError, match="kernel must be finite"):
        RNNWeights(np.full((3, 4), np.nan), np.zeros((4, 4)), np.zeros(4))
    with pytest.raises(TypeError, match="must share one dtype"):
        RNNWeights(np.zeros((3, 4), np.float32), np.zeros((4, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        RNNWeights.random(3, 0)


@pytest.mark.keras
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_keras_round_trip_and_initialisation(dtype):
    w = RNNWeights.random(3, 4, seed=2, dtype=dtype)
    layer = keras.layers.SimpleRNN(4, dtype=dtype)
    layer.build((None, None, 3))
    assert RNNWeights.from_keras(w.to_keras(layer)) == w
    fresh = keras.layers.SimpleRNN(5, dtype=dtype)
    fresh.build((None, None, 2))
    np.testing.assert_array_equal(RNNWeights.from_keras(fresh).bias, np.zeros(5))
    with pytest.raises(ValueError, match="build the layer with units=4 on input size 3"):
        w.to_keras(fresh)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_round_trip_is_exact(dtype):
    w = RNNWeights.random(3, 4, seed=2, dtype=dtype)
    module = torch.nn.RNN(3, 4, dtype=getattr(torch, dtype))
    assert RNNWeights.from_torch(w.to_torch(module)) == w
    np.testing.assert_array_equal(module.bias_hh_l0.detach().numpy(), np.zeros(4))


def test_from_torch_adds_the_two_biases_and_matches_nn_rnn():
    torch.manual_seed(0)
    module = torch.nn.RNN(3, 4, batch_first=True, dtype=torch.float64)
    w = RNNWeights.from_torch(module)
    expected = (module.bias_ih_l0 + module.bias_hh_l0).detach().numpy()
    np.testing.assert_array_equal(w.bias, expected)
    with torch.no_grad():
        torch_out, _ = module(torch.from_numpy(X))
    assert np.abs(numpy_rnn.forward(X, w).outputs - torch_out.numpy()).max() < 1e-12


def test_every_layer_and_direction_of_a_deep_bidirectional_rnn():
    module = torch.nn.RNN(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    for layer, input_size in ((0, 3), (1, 8)):
        for reverse in (False, True):
            w = RNNWeights.random(input_size, 4, seed=10 * layer + reverse)
            w.to_torch(module, layer=layer, reverse=reverse)
            assert RNNWeights.from_torch(module, layer=layer, reverse=reverse) == w


def test_torch_converter_errors():
    with pytest.raises(ValueError, match="nonlinearity='relu' has no Keras SimpleRNN"):
        RNNWeights.from_torch(torch.nn.RNN(3, 4, nonlinearity="relu"))
    with pytest.raises(ValueError, match=r"reverse=True needs a bidirectional torch\.nn\.RNN"):
        RNNWeights.from_torch(torch.nn.RNN(3, 4), reverse=True)
    with pytest.raises(ValueError, match=r"weight_ih_l0 has shape \(4, 2\).*nn.RNN\(3, 4\)"):
        W.to_torch(torch.nn.RNN(2, 4, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"weight_ih_l0 is torch\.float32 but the weights"):
        W.to_torch(torch.nn.RNN(3, 4))


# --- the backends ----------------------------------------------------------------------------


def test_shapes_dtypes_and_last_output(rnn_backend):
    for dtype in ("float32", "float64"):
        out = rnn_backend.forward(X, W.astype(dtype))
        assert out.outputs.shape == (2, 5, 4) and out.h.shape == (2, 4)
        assert {a.dtype for a in out} == {np.dtype(dtype)}
        np.testing.assert_array_equal(out.outputs[:, -1], out.h)


def test_empty_sequence(rnn_backend):
    h0 = np.full((2, 4), 0.5)
    out = rnn_backend.forward(np.zeros((2, 0, 3)), W, (h0,))
    assert out.outputs.shape == (2, 0, 4)
    np.testing.assert_array_equal(out.h, h0)
    d_h = np.ones((2, 4))
    grads = rnn_backend.gradients(np.zeros((2, 0, 3)), W, np.zeros((2, 0, 4)), (h0,), d_h=d_h)
    np.testing.assert_array_equal(grads.h0, d_h)
    assert grads.x.shape == (2, 0, 3) and not grads.kernel.any()


def test_fully_masked_sample_keeps_its_state(rnn_backend):
    h0 = np.full((2, 4), 0.3)
    mask = np.array([[True] * 5, [False] * 5])
    out = rnn_backend.forward(X, W, (h0,), mask=mask)
    np.testing.assert_array_equal(out.h[1], h0[1])
    np.testing.assert_array_equal(out.outputs[1], np.zeros((5, 4)))


BAD_CALLS = [
    (dict(x=np.zeros((5, 3))), ValueError, r"x must have 3 dimensions \(batch, time, 3\)"),
    (dict(x=np.zeros((2, 5, 4))), ValueError, "to match the weights' input size 3"),
    (dict(x=np.full((2, 5, 3), np.nan)), ValueError, "x must be finite; got nan"),
    (dict(x=np.zeros((2, 5, 3), complex)), TypeError, "x must hold real numbers"),
    (dict(initial_state=np.zeros((2, 3))), ValueError, r"h0 must have shape .* \(2, 4\)"),
    (dict(initial_state=(np.zeros((2, 4)),) * 2), TypeError, "got a tuple of length 2"),
    (dict(initial_state=(np.zeros((2, 5)),)), ValueError, r"h0 must have shape .* \(2, 4\)"),
    (dict(mask=np.ones((2, 5))), TypeError, "mask must be a boolean array"),
    (dict(mask=np.ones((2, 4), bool)), ValueError, r"mask must have shape \(batch, time\)"),
    (dict(weights=LSTMWeights.random(3, 4)), TypeError, "weights must be RNNWeights; got LSTM"),
    (dict(d_outputs=np.zeros((2, 5, 3))), ValueError, r"d_outputs must have shape .*\(2, 5, 4\)"),
    (dict(d_h=np.zeros(4)), ValueError, r"d_h must have shape .* = \(2, 4\); got \(4,\)"),
    (dict(d_h=np.full((2, 4), np.inf)), ValueError, "d_h must be finite"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_CALLS)
def test_bad_input_is_rejected_clearly(rnn_backend, kwargs, error, message):
    call = {"x": X, "weights": W, "initial_state": None, "mask": None}
    call |= {"d_outputs": np.zeros((2, 5, 4)), "d_h": None} | kwargs
    gradient_only = {"d_outputs", "d_h"} & kwargs.keys()
    if not gradient_only:
        with pytest.raises(error, match=message):
            rnn_backend.forward(
                call["x"], call["weights"], call["initial_state"], mask=call["mask"]
            )
    with pytest.raises(error, match=message):
        rnn_backend.gradients(
            call["x"], call["weights"], call["d_outputs"], call["initial_state"],
            d_h=call["d_h"], mask=call["mask"],
        )  # fmt: skip


# --- agreement (hypothesis) ------------------------------------------------------------------


@st.composite
def rnn_cases(draw, dtypes=("float32", "float64")):
    batch, time, input_size, hidden = draw(
        sizes(batch=(1, 3), time=(0, 6), input_size=(1, 4), hidden=(1, 5))
    )
    dtype = draw(st.sampled_from(dtypes))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    weights = RNNWeights.random(input_size, hidden, seed=seed, dtype=dtype)
    x = rng.standard_normal((batch, time, input_size)) * draw(st.sampled_from([0.5, 3.0]))
    state = (rng.uniform(-1, 1, (batch, hidden)),) if draw(st.booleans()) else None
    mask = rng.random((batch, time)) < 0.7 if draw(st.booleans()) else None
    d_outputs = rng.standard_normal((batch, time, hidden))
    d_h = rng.standard_normal((batch, hidden)) if draw(st.booleans()) else None
    return x.astype(dtype), weights, state, mask, draw(st.booleans()), d_outputs, d_h


@pytest.mark.keras
@given(rnn_cases())
def test_backends_agree_forward_and_gradients(case):
    x, weights, state, mask, go_backwards, d_outputs, d_h = case
    tolerance = TOLERANCES[str(weights.dtype)]
    flags = dict(mask=mask, go_backwards=go_backwards)
    reference = numpy_rnn.forward(x, weights, state, **flags)
    reference_grads = numpy_rnn.gradients(x, weights, d_outputs, state, d_h=d_h, **flags)
    for name in ("keras", "torch"):
        backend = backend_module(name, "rnn")
        assert max_difference(reference, backend.forward(x, weights, state, **flags)) < (
            tolerance
        ), name
        grads = backend.gradients(x, weights, d_outputs, state, d_h=d_h, **flags)
        assert max_difference(reference_grads, grads) < tolerance, name


def test_reference_step_and_its_gradients():
    """One step against tanh(x W + h U + b) written out, and step_backward against central
    differences of step_forward."""
    rng = np.random.default_rng(4)
    weights = RNNWeights(*(rng.standard_normal(shape) for shape in ((3, 4), (4, 4), (4,))))
    x_t, h, d_h_next = (rng.standard_normal(shape) for shape in ((2, 3), (2, 4), (2, 4)))
    h_next, cache = numpy_rnn.step_forward(x_t, h, weights)
    expected = np.tanh(x_t @ weights.kernel + h @ weights.recurrent_kernel + weights.bias)
    np.testing.assert_array_equal(h_next, expected)
    d_x_t, d_h, *_ = numpy_rnn.step_backward(d_h_next, cache)
    for array, analytic in ((x_t, d_x_t), (h, d_h)):
        numeric = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            for sign in (1, -1):
                array[position] += sign * 1e-6
                loss = np.sum(numpy_rnn.step_forward(x_t, h, weights)[0] * d_h_next)
                array[position] -= sign * 1e-6
                numeric[position] += sign * loss / 2e-6
        np.testing.assert_allclose(analytic, numeric, atol=1e-8)


def test_numpy_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    w = RNNWeights.random(2, 3, seed=3)
    x, h0 = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 3))
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    d_outputs, d_h = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 3))
    result = gradcheck(x, w, d_outputs, (h0,), d_h=d_h, mask=mask, step=1e-6)
    assert result.worst[1] < 1e-7, result.errors


@pytest.mark.keras
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_crosscheck_command_covers_the_rnn(dtype, capsys):
    assert cli(["crosscheck", "--model", "rnn", "--dtype", dtype, "--time", "4"]) == 0
    out = capsys.readouterr().out
    assert f"rnn, {dtype}: 30 of 30 comparisons within" in out
    assert {"outputs", "h"} <= set(out.split()) and " c " not in out

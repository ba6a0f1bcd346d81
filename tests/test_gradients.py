"""Backpropagation through time: NumPy's backward pass against PyTorch's and TensorFlow's
autograd, against the readable reference, and against finite differences."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import test_agreement  # its case strategy; a module import, so its tests are not collected twice
from conftest import examples
from hypothesis import given
from hypothesis import strategies as st

from companion import LSTMGradients, LSTMWeights, numpy_lstm
from companion.crosscheck import gradient_scale
from companion.gradcheck import finite_differences, gradcheck, relative_error
from companion.registry import BACKENDS, TOLERANCES, backend_module


@st.composite
def gradient_cases(draw, dtypes=("float32", "float64")):
    """(x, weights, d_outputs, initial_state, d_h, d_c, mask, go_backwards): the forward
    cases of test_agreement, with loss weights drawn for them."""
    x, weights, state, mask, go_backwards = draw(test_agreement.lstm_cases(dtypes))
    batch, time, _ = x.shape
    hidden, dtype = weights.hidden_size, weights.dtype
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    d_outputs = rng.standard_normal((batch, time, hidden)).astype(dtype)
    d_h, d_c = (
        rng.standard_normal((batch, hidden)).astype(dtype) if draw(st.booleans()) else None
        for _ in range(2)
    )
    return x, weights, d_outputs, state, d_h, d_c, mask, go_backwards


def call_gradients(backend, case) -> LSTMGradients:
    x, weights, d_outputs, state, d_h, d_c, mask, go_backwards = case
    return backend.gradients(
        x, weights, d_outputs, state, d_h=d_h, d_c=d_c, mask=mask, go_backwards=go_backwards
    )


def scaled_difference(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| relative to the gradient's scale, as crosscheck measures it."""
    return float(np.max(np.abs(a - b), initial=0.0)) / gradient_scale(a, b)


@pytest.mark.keras
@examples(25)
@given(gradient_cases())
def test_numpy_gradients_equal_torch_and_keras(case):
    results = {name: call_gradients(backend_module(name), case) for name in BACKENDS}
    weights = case[1]
    tolerance = TOLERANCES[str(weights.dtype)]
    for name in ("keras", "torch"):
        for field, ours, theirs in zip(
            LSTMGradients._fields, results["numpy"], results[name], strict=True
        ):
            assert ours.shape == theirs.shape, (name, field)
            assert ours.dtype == weights.dtype, (name, field)
            assert theirs.dtype == weights.dtype, (name, field)
            assert scaled_difference(ours, theirs) < tolerance, (name, field)


@examples(30)
@given(gradient_cases(dtypes=("float64",)))
def test_finite_differences_agree(case):
    x, weights, d_outputs, state, d_h, d_c, mask, go_backwards = case
    result = gradcheck(
        x, weights, d_outputs, state, d_h=d_h, d_c=d_c, mask=mask, go_backwards=go_backwards
    )
    assert result.worst[1] < 1e-6, result.errors


@given(gradient_cases(dtypes=("float64",)))
def test_fast_gradients_equal_the_reference(case):
    fast = call_gradients(numpy_lstm, case)
    reference = call_gradients(SimpleNamespace(gradients=numpy_lstm.reference_gradients), case)
    for field, ours, theirs in zip(LSTMGradients._fields, fast, reference, strict=True):
        assert ours.shape == theirs.shape, field
        assert np.max(np.abs(ours - theirs), initial=0.0) < 1e-12, field
        assert theirs.flags.c_contiguous, field


REFERENCE = SimpleNamespace(
    forward=numpy_lstm.reference_forward, gradients=numpy_lstm.reference_gradients
)


@examples(10)
@given(gradient_cases(dtypes=("float64",)))
def test_reference_gradients_match_finite_differences(case):
    """The reference checked on its own, with nothing from the fast path."""
    x, weights, d_outputs, state, d_h, d_c, mask, go_backwards = case
    result = gradcheck(
        x, weights, d_outputs, state, d_h=d_h, d_c=d_c, mask=mask, go_backwards=go_backwards,
        backend=REFERENCE,
    )  # fmt: skip
    assert result.worst[1] < 1e-6, result.errors


def test_gradients_have_the_shapes_of_what_they_differentiate():
    weights = LSTMWeights.random(3, 4, seed=2)
    x = np.ones((2, 5, 3))
    grads = numpy_lstm.gradients(x, weights, np.ones((2, 5, 4)))
    assert grads.kernel.shape == (3, 16) and grads.recurrent_kernel.shape == (4, 16)
    assert grads.bias.shape == (16,) and grads.x.shape == (2, 5, 3)
    assert grads.h0.shape == grads.c0.shape == (2, 4)


def test_backward_pairs_with_forward_with_cache():
    weights = LSTMWeights.random(2, 3, seed=4)
    rng = np.random.default_rng(4)
    x, d_outputs = rng.standard_normal((2, 6, 2)), rng.standard_normal((2, 6, 3))
    mask = rng.random((2, 6)) < 0.6
    output, cache = numpy_lstm.forward_with_cache(x, weights, mask=mask, go_backwards=True)
    plain = numpy_lstm.forward(x, weights, mask=mask, go_backwards=True)
    for ours, theirs in zip(output, plain, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert cache.gates.shape == (6, 2, 12) and cache.mask.shape == (6, 2)
    found = numpy_lstm.backward(d_outputs, cache, d_h=np.ones((2, 3)))
    expected = numpy_lstm.gradients(
        x, weights, d_outputs, d_h=np.ones((2, 3)), mask=mask, go_backwards=True
    )
    for ours, theirs in zip(found, expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_fully_masked_sample_passes_the_state_gradient_straight_through():
    weights = LSTMWeights.random(2, 3, seed=5)
    x = np.ones((1, 4, 2))
    d_h, d_c = np.full((1, 3), 2.0), np.full((1, 3), -1.0)
    grads = numpy_lstm.gradients(
        x, weights, np.ones((1, 4, 3)), d_h=d_h, d_c=d_c, mask=np.zeros((1, 4), bool)
    )
    np.testing.assert_array_equal(grads.h0, d_h)
    np.testing.assert_array_equal(grads.c0, d_c)
    assert not np.any(grads.x) and not np.any(grads.kernel)


def test_torch_bias_gradient_counts_one_bias_not_both():
    """nn.LSTM adds bias_ih and bias_hh: each has the gradient of the Keras bias."""
    weights = LSTMWeights.random(2, 3, seed=6)
    rng = np.random.default_rng(6)
    x, d_outputs = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 4, 3))
    ours = numpy_lstm.gradients(x, weights, d_outputs).bias
    theirs = backend_module("torch").gradients(x, weights, d_outputs).bias
    assert np.max(np.abs(ours - theirs)) < 1e-12


def test_no_time_steps(backend):
    weights = LSTMWeights.random(2, 3, seed=7)
    d_h, d_c = np.ones((2, 3)), np.full((2, 3), 3.0)
    grads = backend.gradients(np.zeros((2, 0, 2)), weights, np.zeros((2, 0, 3)), d_h=d_h, d_c=d_c)
    assert grads.x.shape == (2, 0, 2)
    assert not np.any(grads.kernel) and not np.any(grads.recurrent_kernel)
    np.testing.assert_array_equal(grads.h0, d_h)
    np.testing.assert_array_equal(grads.c0, d_c)


BAD_COTANGENTS = [
    (dict(d_outputs=np.ones((2, 5, 3))), ValueError, r"d_outputs must have shape \(batch, time"),
    (dict(d_outputs=np.ones((2, 4))), ValueError, r"= \(2, 5, 4\); got \(2, 4\)"),
    (dict(d_outputs=None), TypeError, "d_outputs must be an array"),
    (dict(d_outputs=np.full((2, 5, 4), np.nan)), ValueError, "d_outputs must be finite"),
    (dict(d_outputs=np.full((2, 5, 4), "a")), TypeError, "d_outputs must hold real numbers"),
    (dict(d_h=np.ones((2, 3))), ValueError, r"d_h must have shape \(batch, hidden\) = \(2, 4\)"),
    (dict(d_c=np.ones(4)), ValueError, r"d_c must have shape \(batch, hidden\)"),
    (dict(d_c=np.full((2, 4), np.inf)), ValueError, "d_c must be finite"),
    (dict(x=np.ones((2, 5))), ValueError, "x must have 3 dimensions"),
    (dict(mask=np.ones((2, 4), bool)), ValueError, "mask must have shape"),
]


@pytest.mark.parametrize(("change", "error", "message"), BAD_COTANGENTS)
def test_bad_input_gets_the_same_clear_error(backend, change, error, message):
    arguments = dict(
        x=np.ones((2, 5, 3)),
        weights=LSTMWeights.random(3, 4),
        d_outputs=np.ones((2, 5, 4)),
        d_h=None,
        d_c=None,
        mask=None,
    )
    arguments.update(change)
    with pytest.raises(error, match=message):
        backend.gradients(**arguments)


def test_backward_checks_its_arguments():
    weights = LSTMWeights.random(1, 2)
    _, cache = numpy_lstm.forward_with_cache(np.ones((1, 3, 1)), weights)
    with pytest.raises(TypeError, match="cache must be the LSTMCache"):
        numpy_lstm.backward(np.ones((1, 3, 2)), (1, 2))
    with pytest.raises(ValueError, match=r"d_outputs must have shape .* = \(1, 3, 2\)"):
        numpy_lstm.backward(np.ones((1, 2, 2)), cache)


def test_gradcheck_catches_a_wrong_backward_pass():
    class HalfBias:
        """A backend whose bias gradient is half what it should be."""

        forward = staticmethod(numpy_lstm.forward)

        @staticmethod
        def gradients(*args, **kwargs):
            grads = numpy_lstm.gradients(*args, **kwargs)
            return grads._replace(bias=grads.bias / 2)

    weights = LSTMWeights.random(2, 2, seed=8)
    x, d_outputs = np.ones((1, 3, 2)), np.ones((1, 3, 2))
    result = gradcheck(x, weights, d_outputs, backend=HalfBias)
    assert result.worst[0] == "bias" and result.worst[1] > 0.1
    assert result.errors["kernel"] < 1e-6


def test_finite_differences_need_float64():
    weights = LSTMWeights.random(1, 1, dtype="float32")
    with pytest.raises(TypeError, match="float64"):
        finite_differences(np.ones((1, 1, 1)), weights, np.ones((1, 1, 1)))
    with pytest.raises(ValueError, match="step must be positive"):
        finite_differences(np.ones((1, 1, 1)), weights.astype("float64"), 1.0, step=0.0)


def test_relative_error_is_relative_to_the_scale():
    assert relative_error(np.array([101.0, 0.0]), np.array([100.0, 0.0])) == pytest.approx(0.01)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(np.array([1e-3]), np.zeros(1)) == pytest.approx(1e-3)


def test_gradients_never_alias_the_callers_arrays(backend):
    weights = LSTMWeights.random(1, 2)
    d_h, d_c = np.ones((1, 2)), np.ones((1, 2))
    for time in (0, 2):
        grads = backend.gradients(
            np.ones((1, time, 1)), weights, np.ones((1, time, 2)), d_h=d_h, d_c=d_c
        )
        assert not np.shares_memory(grads.h0, d_h) and not np.shares_memory(grads.c0, d_c)

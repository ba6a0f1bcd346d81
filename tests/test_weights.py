"""LSTMWeights: layout, validation, Keras-style initialisation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from companion import LSTMWeights


def test_shapes_and_properties():
    w = LSTMWeights.random(3, 5, seed=1)
    assert w.kernel.shape == (3, 20)
    assert w.recurrent_kernel.shape == (5, 20)
    assert w.bias.shape == (20,)
    assert (w.input_size, w.hidden_size, w.dtype) == (3, 5, np.dtype("float64"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_random_is_reproducible_and_typed(dtype):
    a = LSTMWeights.random(4, 6, seed=7, dtype=dtype)
    assert a == LSTMWeights.random(4, 6, seed=7, dtype=dtype)
    assert a != LSTMWeights.random(4, 6, seed=8, dtype=dtype)
    assert all(arr.dtype == np.dtype(dtype) for arr in (a.kernel, a.recurrent_kernel, a.bias))


@pytest.mark.keras
def test_random_draws_like_keras_defaults():
    w = LSTMWeights.random(10, 6, seed=3)
    limit = np.sqrt(6 / (10 + 24))  # Glorot uniform: fan_in 10, fan_out 4 * 6
    assert np.all(np.abs(w.kernel) <= limit)
    assert np.abs(w.kernel).max() > 0.8 * limit
    # Orthogonal (6, 24): orthonormal rows.
    np.testing.assert_allclose(w.recurrent_kernel @ w.recurrent_kernel.T, np.eye(6), atol=1e-12)
    # unit_forget_bias: ones on the forget gate, zeros elsewhere.
    np.testing.assert_array_equal(w.gate("f")[2], np.ones(6))
    for gate in "igo":
        np.testing.assert_array_equal(w.gate(gate)[2], np.zeros(6))


def test_gate_slices_follow_i_f_g_o():
    w = LSTMWeights.random(2, 3, seed=0)
    kernel, recurrent, bias = w.gate("g")
    np.testing.assert_array_equal(kernel, w.kernel[:, 6:9])
    np.testing.assert_array_equal(recurrent, w.recurrent_kernel[:, 6:9])
    np.testing.assert_array_equal(bias, w.bias[6:9])
    with pytest.raises(ValueError, match="gate must be one of"):
        w.gate("c")


def test_is_frozen_and_read_only():
    source = np.zeros((2, 4))
    w = LSTMWeights(source, np.zeros((1, 4)), np.zeros(4))
    source[0, 0] = 1.0  # the weights took a copy
    assert w.kernel[0, 0] == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.kernel = np.ones((2, 4))
    with pytest.raises(ValueError, match="read-only"):
        w.kernel[0, 0] = 1.0


def test_astype_rounds():
    w = LSTMWeights.random(2, 3, seed=0)
    w32 = w.astype("float32")
    assert w32.dtype == np.float32
    np.testing.assert_array_equal(w32.kernel, w.kernel.astype(np.float32))
    with pytest.raises(TypeError, match="float32' or 'float64'; got float16"):
        w.astype("float16")


@pytest.mark.parametrize(
    ("kernel", "recurrent", "bias", "error", "message"),
    [
        ((3, 8), (2, 8), (8,), None, None),
        ((3, 8), (2, 7), (8,), ValueError, r"recurrent_kernel must have shape .* got \(2, 7\)"),
        ((3, 12), (2, 8), (8,), ValueError, r"^kernel must have shape .*= \(input_size, 8\)"),
        ((3,), (2, 8), (8,), ValueError, r"kernel must have shape .* got \(3,\)"),
        ((3, 8), (2, 8), (4,), ValueError, r"bias must have shape .*\(8,\).* got \(4,\)"),
        ((3, 8), (2, 8), (2, 4), ValueError, r"bias must have shape"),
    ],
)
def test_shape_validation(kernel, recurrent, bias, error, message):
    arrays = [np.zeros(shape) for shape in (kernel, recurrent, bias)]
    if error is None:
        LSTMWeights(*arrays)
    else:
        with pytest.raises(error, match=message):
            LSTMWeights(*arrays)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.full((3, 8), np.nan), ValueError, "kernel must be finite; got nan at index"),
        (np.full((3, 8), np.inf), ValueError, "kernel must be finite; got inf"),
        (np.zeros((3, 8), complex), TypeError, "kernel must hold real numbers; got complex"),
        (np.full((3, 8), "a"), TypeError, "got string dtype"),
        (np.full((3, 8), None), TypeError, "got object dtype"),
        (np.zeros((3, 8), int), TypeError, "kernel must be float32 or float64; got int64"),
        (np.zeros((3, 8), np.float32), TypeError, "must share one dtype; got float32, float64"),
    ],
)
def test_value_validation(bad, error, message):
    with pytest.raises(error, match=message):
        LSTMWeights(bad, np.zeros((2, 8)), np.zeros(8))


def test_nan_in_recurrent_kernel_and_bias():
    with pytest.raises(ValueError, match="recurrent_kernel must be finite"):
        LSTMWeights(np.zeros((3, 8)), np.full((2, 8), np.nan), np.zeros(8))
    with pytest.raises(ValueError, match="bias must be finite"):
        LSTMWeights(np.zeros((3, 8)), np.zeros((2, 8)), np.array([np.inf] + [0.0] * 7))


@pytest.mark.parametrize(
    ("size", "name"), [(0, "input_size"), (-1, "input_size"), (2.5, "input_size")]
)
def test_random_rejects_bad_sizes(size, name):
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        LSTMWeights.random(size, 3)


def test_equality_checks_dtype_and_values():
    w = LSTMWeights.random(2, 3)
    assert w == LSTMWeights(w.kernel, w.recurrent_kernel, w.bias)
    assert w != w.astype("float32")
    assert (w == "weights") is False
    assert repr(w) == "LSTMWeights(input_size=2, hidden_size=3, dtype=float64)"

"""Every backend: the same signature, the same results on simple facts, the same clear errors
for bad input, raised before any framework computes; and the fast NumPy path against the
readable reference it is built beside."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import test_agreement  # its case strategy; a module import, so its tests are not collected twice
from hypothesis import given

from companion import LSTMWeights, numpy_lstm
from companion._numeric import max_difference
from companion.registry import BACKENDS, backend_module

W = LSTMWeights.random(3, 4, seed=0)
X = np.random.default_rng(0).standard_normal((2, 5, 3))


@pytest.mark.parametrize("model", ["lstm", "rnn", "gru", "variants", "stacked"])
@pytest.mark.parametrize("function", ["forward", "gradients"])
def test_same_signature_everywhere(model, function):
    signatures = {
        name: inspect.signature(getattr(backend_module(name, model), function))
        for name in BACKENDS
    }
    assert len({str(s) for s in signatures.values()}) == 1, signatures


def test_shapes_and_dtype(backend):
    for dtype in ("float32", "float64"):
        out = backend.forward(X, W.astype(dtype))
        assert out.outputs.shape == (2, 5, 4)
        assert out.h.shape == out.c.shape == (2, 4)
        assert {a.dtype for a in out} == {np.dtype(dtype)}
        assert all(isinstance(a, np.ndarray) for a in out)


def test_last_output_is_h(backend):
    out = backend.forward(X, W)
    np.testing.assert_array_equal(out.outputs[:, -1], out.h)


def test_empty_sequence_returns_initial_state(backend):
    h0, c0 = np.full((2, 4), 0.5), np.full((2, 4), -0.25)
    out = backend.forward(np.zeros((2, 0, 3)), W, (h0, c0))
    assert out.outputs.shape == (2, 0, 4)
    np.testing.assert_array_equal(out.h, h0)
    np.testing.assert_array_equal(out.c, c0)
    zero = backend.forward(np.zeros((2, 0, 3)), W)
    np.testing.assert_array_equal(zero.h, np.zeros((2, 4)))


def test_lists_and_ints_are_cast_to_the_weights_dtype(backend):
    as_list = [[[1, 0, -1], [0, 2, 1]]]
    out = backend.forward(as_list, W.astype("float32"))
    assert out.outputs.dtype == np.float32
    as_array = backend.forward(np.array(as_list, np.float32), W.astype("float32"))
    for field, from_list, from_array in zip(out._fields, out, as_array, strict=True):
        np.testing.assert_array_equal(from_list, from_array, err_msg=field)


def test_fully_masked_sample_keeps_its_state(backend):
    h0, c0 = np.ones((2, 4)) * 0.3, np.ones((2, 4)) * 0.7
    mask = np.array([[True] * 5, [False] * 5])
    out = backend.forward(X, W, (h0, c0), mask=mask)
    np.testing.assert_array_equal(out.h[1], h0[1])
    np.testing.assert_array_equal(out.c[1], c0[1])
    np.testing.assert_array_equal(out.outputs[1], np.zeros((5, 4)))  # Keras repeats zeros


BAD_INPUTS = [
    # (description, kwargs, error, message)
    (
        "x of rank 2",
        dict(x=np.zeros((5, 3))),
        ValueError,
        r"x must have 3 dimensions \(batch, time, 3\); got shape \(5, 3\)",
    ),
    ("x of rank 4", dict(x=np.zeros((1, 2, 5, 3))), ValueError, "x must have 3 dimensions"),
    (
        "wrong feature size",
        dict(x=np.zeros((2, 5, 4))),
        ValueError,
        r"x must have shape \(batch, time, 3\) to match the weights' input size 3; "
        r"got \(2, 5, 4\)",
    ),
    (
        "NaN in x",
        dict(x=np.where(np.arange(30).reshape(2, 5, 3) == 7, np.nan, 0.0)),
        ValueError,
        r"x must be finite; got nan at index \(0, 2, 1\)",
    ),
    ("inf in x", dict(x=np.full((2, 5, 3), -np.inf)), ValueError, "x must be finite; got -inf"),
    (
        "complex x",
        dict(x=np.zeros((2, 5, 3), complex)),
        TypeError,
        "x must hold real numbers; got complex dtype complex128",
    ),
    (
        "string x",
        dict(x=np.full((2, 5, 3), "1.0")),
        TypeError,
        "x must hold real numbers; got string",
    ),
    (
        "object x",
        dict(x=np.full((2, 5, 3), None)),
        TypeError,
        "x must hold real numbers; got object",
    ),
    (
        "ragged x",
        dict(x=[[[1.0, 2.0, 3.0]], [[1.0]]]),
        ValueError,
        "x must be a rectangular array",
    ),
    (
        "state not a pair",
        dict(initial_state=np.zeros((2, 4))),
        TypeError,
        r"initial_state must be a pair \(h0, c0\) of arrays shaped \(2, 4\); got ndarray of shape",
    ),
    (
        "state of three",
        dict(initial_state=(np.zeros((2, 4)),) * 3),
        TypeError,
        "initial_state must be a pair .*; got a tuple of length 3",
    ),
    (
        "h0 wrong shape",
        dict(initial_state=(np.zeros((2, 5)), np.zeros((2, 4)))),
        ValueError,
        r"h0 must have shape \(batch, hidden\) = \(2, 4\); got \(2, 5\)",
    ),
    (
        "c0 wrong batch",
        dict(initial_state=(np.zeros((2, 4)), np.zeros((3, 4)))),
        ValueError,
        r"c0 must have shape \(batch, hidden\) = \(2, 4\); got \(3, 4\)",
    ),
    (
        "NaN in c0",
        dict(initial_state=(np.zeros((2, 4)), np.full((2, 4), np.nan))),
        ValueError,
        "c0 must be finite",
    ),
    (
        "complex h0",
        dict(initial_state=(np.zeros((2, 4), complex), np.zeros((2, 4)))),
        TypeError,
        "h0 must hold real numbers",
    ),
    (
        "mask of floats",
        dict(mask=np.ones((2, 5))),
        TypeError,
        "mask must be a boolean array; got dtype float64",
    ),
    (
        "mask wrong shape",
        dict(mask=np.ones((2, 4), bool)),
        ValueError,
        r"mask must have shape \(batch, time\) = \(2, 5\); got \(2, 4\)",
    ),
    (
        "mask with features",
        dict(mask=np.ones((2, 5, 3), bool)),
        ValueError,
        "mask must have shape",
    ),
    (
        "weights not LSTMWeights",
        dict(weights=(W.kernel, W.recurrent_kernel, W.bias)),
        TypeError,
        "weights must be LSTMWeights; got tuple",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_is_rejected_clearly(backend, kwargs, error, message):
    call = {"x": X, "weights": W, "initial_state": None, "mask": None} | kwargs
    with pytest.raises(error, match=message):
        backend.forward(call["x"], call["weights"], call["initial_state"], mask=call["mask"])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_the_reference_rejects_bad_input_as_clearly(kwargs, error, message):
    call = {"x": X, "weights": W, "initial_state": None, "mask": None} | kwargs
    with pytest.raises(error, match=message):
        numpy_lstm.reference_forward(
            call["x"], call["weights"], call["initial_state"], mask=call["mask"]
        )


@given(test_agreement.lstm_cases(dtypes=("float64",)))
def test_fast_forward_equals_the_reference(case):
    x, weights, state, mask, go_backwards = case
    fast = numpy_lstm.forward(x, weights, state, mask=mask, go_backwards=go_backwards)
    reference = numpy_lstm.reference_forward(
        x, weights, state, mask=mask, go_backwards=go_backwards
    )
    assert max_difference(fast, reference) < 1e-12


def test_reference_step_is_the_equations():
    """One step from a known state, against the gate equations written out entry by entry."""
    weights = LSTMWeights.random(3, 2, seed=3)
    x_t, h, c = X[:, 0], np.full((2, 2), 0.5), np.full((2, 2), -1.5)
    h_next, c_next, _ = numpy_lstm.step_forward(x_t, h, c, weights)

    def gate(name, activation):
        kernel, recurrent_kernel, bias = weights.gate(name)
        return activation(x_t @ kernel + h @ recurrent_kernel + bias)

    def logistic(z):
        return 1 / (1 + np.exp(-z))

    i, f, o = gate("i", logistic), gate("f", logistic), gate("o", logistic)
    expected_c = f * c + i * gate("g", np.tanh)
    assert max_difference((c_next, h_next), (expected_c, o * np.tanh(expected_c))) < 1e-12


def test_a_masked_step_keeps_the_state_and_repeats_the_output():
    """Keras's masking, in the reference: the state of a skipped step stays, the output
    repeats the previous one (zeros before any step was taken)."""
    mask = np.array([[False, True, False, True, True], [True, True, False, False, True]])
    out = numpy_lstm.reference_forward(X, W, mask=mask)
    np.testing.assert_array_equal(out.outputs[0, 0], np.zeros(4))
    np.testing.assert_array_equal(out.outputs[0, 2], out.outputs[0, 1])
    np.testing.assert_array_equal(out.outputs[1, 3], out.outputs[1, 1])
    only_the_kept_steps = numpy_lstm.reference_forward(X[:1, [1, 3, 4]], W)
    assert max_difference((out.h[:1], out.c[:1]), only_the_kept_steps[1:]) < 1e-12

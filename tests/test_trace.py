"""The trace records exactly what numpy_lstm.forward computes, step by step."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from test_agreement import lstm_cases

from companion import LSTMWeights, numpy_lstm
from companion.analysis.trace import LSTMTrace, step_table, trace

W = LSTMWeights.random(2, 3, seed=4)


def sigmoid(z):
    """The logistic function written out: the oracle owes nothing to the package."""
    return 1 / (1 + np.exp(-z))


@given(lstm_cases())
def test_trace_states_equal_forward_exactly(case):
    x, weights, state, mask, go_backwards = case
    out = numpy_lstm.forward(x, weights, state, mask=mask, go_backwards=go_backwards)
    traced = trace(x, weights, state, mask=mask, go_backwards=go_backwards)
    batch, time, _ = x.shape
    assert all(a.shape == (batch, time, weights.hidden_size) for a in traced)
    assert all(a.dtype == weights.dtype for a in traced)
    if time == 0:
        return
    np.testing.assert_array_equal(traced.h[:, -1], out.h)
    np.testing.assert_array_equal(traced.c[:, -1], out.c)
    if mask is None:
        np.testing.assert_array_equal(traced.h, out.outputs)
    else:
        # forward's output at an unmasked step is the new state the trace records there.
        keep = np.asarray(mask)[:, ::-1] if go_backwards else np.asarray(mask)
        np.testing.assert_array_equal(traced.h[keep], out.outputs[keep])


@given(lstm_cases(dtypes=("float64",)))
def test_trace_gates_satisfy_the_lstm_equations(case):
    x, weights, state, mask, go_backwards = case
    traced = trace(x, weights, state, mask=mask, go_backwards=go_backwards)
    batch, time, _ = x.shape
    hidden = weights.hidden_size
    h0, c0 = state if state is not None else (np.zeros((batch, hidden)),) * 2
    xs = x[:, ::-1] if go_backwards else x
    keep = np.ones((batch, time), bool) if mask is None else np.asarray(mask)
    keep = keep[:, ::-1] if go_backwards else keep
    h_prev, c_prev = h0, c0
    for t in range(time):
        for name, activation in zip("ifgo", (sigmoid, sigmoid, np.tanh, sigmoid), strict=True):
            kernel, recurrent, bias = weights.gate(name)
            expected = activation(xs[:, t] @ kernel + h_prev @ recurrent + bias)
            np.testing.assert_allclose(getattr(traced, name)[:, t], expected, atol=1e-12)
        c_new = traced.f[:, t] * c_prev + traced.i[:, t] * traced.g[:, t]
        h_new = traced.o[:, t] * np.tanh(c_new)
        k = keep[:, t, None]
        np.testing.assert_allclose(traced.c[:, t], np.where(k, c_new, c_prev), atol=1e-12)
        np.testing.assert_allclose(traced.h[:, t], np.where(k, h_new, h_prev), atol=1e-12)
        h_prev, c_prev = traced.h[:, t], traced.c[:, t]


def test_gates_are_in_their_ranges():
    traced = trace(np.random.default_rng(0).standard_normal((3, 6, 2)) * 3, W)
    for gate in (traced.i, traced.f, traced.o):
        assert np.all((gate > 0) & (gate < 1))
    assert np.all(np.abs(traced.g) < 1)
    assert list(traced.gates()) == ["i", "f", "g", "o"]


def test_trace_rejects_bad_input_like_forward():
    with pytest.raises(ValueError, match=r"x must have shape"):
        trace(np.zeros((1, 2, 5)), W)
    with pytest.raises(TypeError, match="weights must be LSTMWeights"):
        trace(np.zeros((1, 2, 2)), "weights")


def test_step_table_rows_and_columns():
    traced = trace(np.ones((1, 2, 2)), W)
    table = step_table(traced, ["我", "喜欢"]).splitlines()
    assert len(table) == 3
    assert table[0].split() == [
        "t",
        "mean",
        "i",
        "mean",
        "f",
        "mean",
        "g",
        "mean",
        "o",
        "mean",
        "|c|",
        "mean",
        "|h|",
        "token",
    ]
    assert table[2].endswith("喜欢")
    unit_table = step_table(traced, ["a", "b"], unit=1)
    assert f"{traced.f[0, 0, 1]:+.3f}" in unit_table.splitlines()[1]


def test_step_table_rejects_wrong_labels():
    traced = trace(np.ones((2, 2, 2)), W)
    with pytest.raises(ValueError, match="tokens must label every time step: 2; got 3"):
        step_table(traced, ["a", "b", "c"])
    with pytest.raises(ValueError, match="sample"):
        step_table(traced, ["a", "b"], sample=2)
    with pytest.raises(ValueError, match="unit"):
        step_table(traced, ["a", "b"], unit=3)


def test_trace_is_a_named_tuple_of_six():
    assert LSTMTrace._fields == ("i", "f", "g", "o", "c", "h")

"""The one NumPy time loop (``companion._scan``): Keras's masking, ``go_backwards`` and empty
input against a cell whose results have a closed form, and the backward loop against central
finite differences for every model's step functions."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
from conftest import sizes
from hypothesis import given
from hypothesis import strategies as st

from companion import (
    GRUWeights,
    LSTMWeights,
    RNNWeights,
    numpy_gru,
    numpy_lstm,
    numpy_rnn,
    numpy_variants,
)
from companion._scan import scan, scan_backward
from companion.variants import VARIANTS, VariantWeights


class Accumulator(NamedTuple):
    """The weights of a cell with a closed form: h' = h + x_t @ kernel, count' = count + 1."""

    kernel: np.ndarray

    def arrays(self) -> tuple[np.ndarray]:
        return (self.kernel,)

    def with_arrays(self, arrays) -> Accumulator:
        return Accumulator(*arrays)


def accumulate_forward(x_t, h, count, weights):
    return h + x_t @ weights.kernel, count + 1, (x_t, weights)


def accumulate_backward(d_h_next, d_count_next, cache):
    x_t, weights = cache
    return d_h_next @ weights.kernel.T, d_h_next, d_count_next, x_t.T @ d_h_next


@given(
    sizes(batch=(0, 3), time=(0, 6), input_size=(1, 3), hidden=(1, 3)),
    st.integers(0, 2**16),
    st.booleans(),
    st.booleans(),
)
def test_masking_and_go_backwards_follow_keras(shape, seed, masked, go_backwards):
    """A skipped step keeps every state and repeats the previous output (zeros before the
    first kept step); go_backwards reads from the last step and returns the outputs in that
    order; with no sample or no step the outputs are empty and the states the initial ones."""
    batch, time, input_size, hidden = shape
    rng = np.random.default_rng(seed)
    weights = Accumulator(rng.standard_normal((input_size, hidden)))
    x = rng.standard_normal((batch, time, input_size))
    h0 = rng.standard_normal((batch, hidden))
    count0 = rng.integers(0, 5, (batch, hidden)).astype(float)  # exact sums
    mask = rng.random((batch, time)) < 0.6 if masked else None
    outputs, (h, count), caches = scan(
        accumulate_forward, weights, x, (h0, count0), mask, go_backwards
    )
    kept = np.ones((batch, time), bool) if mask is None else mask
    if go_backwards:
        x, kept = x[:, ::-1], kept[:, ::-1]
    states = h0[:, None] + np.cumsum((x * kept[..., None]) @ weights.kernel, axis=1)
    seen = np.cumsum(kept, axis=1)[..., None] > 0
    np.testing.assert_allclose(outputs, np.where(seen, states, 0.0), atol=1e-12)
    np.testing.assert_allclose(h, states[:, -1] if time else h0, atol=1e-12)
    np.testing.assert_array_equal(count, count0 + kept.sum(axis=1)[:, None])
    assert outputs.shape == (batch, time, hidden) and len(caches) == time


def _loss(step_forward, weights, x, states, mask, go_backwards, d_outputs, d_states):
    outputs, finals, _ = scan(step_forward, weights, x, states, mask, go_backwards)
    return np.sum(outputs * d_outputs) + sum(
        np.sum(final * d) for final, d in zip(finals, d_states, strict=True)
    )


def _finite_differences(step_forward, weights, x, states, mask, go_backwards, d_outputs, d_states):
    """Central differences of the loss over every entry of the weights, x and the states."""
    arrays = [np.array(a) for a in weights.arrays()]
    x, states = np.array(x), [np.array(s) for s in states]

    def derivative(array):
        result = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            losses = []
            for sign in (1, -1):
                array[index] += sign * 1e-6
                losses.append(
                    _loss(
                        step_forward,
                        weights.with_arrays(arrays),
                        x,
                        tuple(states),
                        mask,
                        go_backwards,
                        d_outputs,
                        d_states,
                    )
                )
                array[index] -= sign * 1e-6
            result[index] = (losses[0] - losses[1]) / 2e-6
        return result

    return [derivative(a) for a in arrays], derivative(x), [derivative(s) for s in states]


STEPS = {
    "accumulator": (
        accumulate_forward,
        accumulate_backward,
        Accumulator(np.random.default_rng(0).standard_normal((2, 3))),
        2,
    ),
    "rnn": (numpy_rnn.step_forward, numpy_rnn.step_backward, RNNWeights.random(2, 3, seed=1), 1),
    "gru": (numpy_gru.step_forward, numpy_gru.step_backward, GRUWeights.random(2, 3, seed=2), 1),
    "gru reset_after=False": (
        numpy_gru.step_forward,
        numpy_gru.step_backward,
        GRUWeights.random(2, 3, seed=3, reset_after=False),
        1,
    ),
    "lstm": (
        numpy_lstm.step_forward,
        numpy_lstm.step_backward,
        LSTMWeights.random(2, 3, seed=4),
        2,
    ),
    "lstm with gate recurrence": (
        numpy_variants.step_forward,
        numpy_variants.step_backward,
        VariantWeights.random(2, 3, seed=5, variant=VARIANTS["FGR"]),
        5,
    ),
}


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("name", list(STEPS))
def test_scan_backward_matches_finite_differences(name, go_backwards):
    step_forward, step_backward, weights, count = STEPS[name]
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4, 2))
    states = tuple(rng.uniform(-1, 1, (3, 3)) for _ in range(count))
    # A sample skipping its first step, one skipping its last, one skipping none.
    mask = np.array([[False, True, True, False], [True, True, False, False], [True] * 4])
    d_outputs = rng.standard_normal((3, 4, 3))
    d_states = [rng.standard_normal((3, 3)) for _ in range(count)]
    arguments = (weights, x, states, mask, go_backwards, d_outputs, d_states)
    d_weights, d_x, d_initial = scan_backward(step_forward, step_backward, *arguments)
    numeric_weights, numeric_x, numeric_initial = _finite_differences(step_forward, *arguments)
    for analytic, numeric in zip(
        [*d_weights, d_x, *d_initial],
        [*numeric_weights, numeric_x, *numeric_initial],
        strict=True,
    ):
        np.testing.assert_allclose(analytic, numeric, atol=1e-7)


@pytest.mark.parametrize("shape", [(2, 0, 2), (0, 4, 2)], ids=["no step", "no sample"])
@pytest.mark.parametrize("name", list(STEPS))
def test_empty_input_gives_zeros_and_passes_the_state_gradients_on(name, shape):
    step_forward, step_backward, weights, count = STEPS[name]
    batch, time, _ = shape
    rng = np.random.default_rng(8)
    states = tuple(rng.standard_normal((batch, 3)) for _ in range(count))
    d_states = [rng.standard_normal((batch, 3)) for _ in range(count)]
    arguments = (weights, np.zeros(shape), states, None, False)
    outputs, finals, _ = scan(step_forward, *arguments)
    assert outputs.shape == (batch, time, 3)
    for final, state in zip(finals, states, strict=True):
        np.testing.assert_array_equal(final, state)
    d_weights, d_x, d_initial = scan_backward(
        step_forward, step_backward, *arguments, np.zeros((batch, time, 3)), d_states
    )
    assert d_x.shape == shape and not np.any(d_x)
    assert not any(np.any(d) for d in d_weights)
    for d, seed in zip(d_initial, d_states, strict=True):
        np.testing.assert_array_equal(d, seed)
        assert d is not seed

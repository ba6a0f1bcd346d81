"""companion.analysis.layer_arguments: the concatenated Keras step, hard sigmoids, counts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion import LSTMWeights, numpy_lstm
from companion.analysis import layer_arguments as arguments


@given(
    batch=st.integers(1, 3),
    time=st.integers(0, 5),
    input_size=st.integers(1, 4),
    units=st.integers(1, 4),
    seed=st.integers(0, 100),
)
def test_run_steps_equals_the_numpy_lstm(batch, time, input_size, units, seed):
    weights = LSTMWeights.random(input_size, units, seed=seed)
    x = np.random.default_rng(seed).standard_normal((batch, time, input_size))
    expected = numpy_lstm.forward(x, weights).outputs
    np.testing.assert_allclose(arguments.run_steps(x, weights), expected, rtol=0, atol=1e-12)


def test_run_steps_equals_the_plain_reference():
    weights = LSTMWeights.random(3, 4, seed=1)
    x = np.random.default_rng(1).standard_normal((2, 6, 3))
    expected = numpy_lstm.reference_forward(x, weights).outputs
    np.testing.assert_allclose(arguments.run_steps(x, weights), expected, rtol=0, atol=1e-12)


def test_step_shapes_and_the_split_order():
    weights = LSTMWeights.random(300, 128, seed=0)
    x_t = np.ones((1, 300))
    zeros = np.zeros((1, 128))
    step = arguments.concatenated_step(x_t, zeros, zeros, weights)
    assert step.concatenated.shape == (1, 428)
    assert step.z.shape == (1, 512)
    np.testing.assert_array_equal(step.f, arguments.sigmoid(step.z[:, 128:256]))
    np.testing.assert_array_equal(step.candidate, np.tanh(step.z[:, 256:384]))


def test_activation_changes_candidate_and_output_but_no_gate():
    weights = LSTMWeights.random(3, 4, seed=2)
    rng = np.random.default_rng(2)
    x_t = rng.standard_normal((2, 3))
    h, c = rng.standard_normal((2, 2, 4))
    tanh = arguments.concatenated_step(x_t, h, c, weights)
    relu = arguments.concatenated_step(x_t, h, c, weights, activation=lambda z: np.maximum(z, 0))
    for gate in ("i", "f", "o"):
        np.testing.assert_array_equal(getattr(tanh, gate), getattr(relu, gate))
    for piece in ("candidate", "c", "h"):
        assert not np.array_equal(getattr(tanh, piece), getattr(relu, piece))


def test_step_rejects_wrong_shapes():
    weights = LSTMWeights.random(3, 4)
    with pytest.raises(ValueError, match=r"x_t must have shape \(batch, 3\); got \(2, 5\)"):
        arguments.concatenated_step(np.zeros((2, 5)), np.zeros((2, 4)), np.zeros((2, 4)), weights)
    with pytest.raises(ValueError, match="h_prev must have shape"):
        arguments.concatenated_step(np.zeros((2, 3)), np.zeros((1, 4)), np.zeros((2, 4)), weights)
    with pytest.raises(ValueError, match="x must have shape"):
        arguments.run_steps(np.zeros((2, 3)), weights)


def test_run_steps_with_no_time_steps():
    assert arguments.run_steps(np.zeros((2, 0, 3)), LSTMWeights.random(3, 4)).shape == (2, 0, 4)


def test_hard_sigmoids():
    z = np.array([-10.0, -3.0, -2.5, 0.0, 1.0, 2.5, 3.0, 10.0])
    np.testing.assert_allclose(
        arguments.hard_sigmoid_keras2(z), [0, 0, 0, 0.5, 0.7, 1, 1, 1], atol=1e-15
    )
    np.testing.assert_allclose(
        arguments.hard_sigmoid_keras3(z), [0, 0, 1 / 12, 0.5, 0.5 + 1 / 6, 11 / 12, 1, 1],
        atol=1e-15,
    )
    assert arguments.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


@pytest.mark.keras
def test_max_norm_equals_the_keras_constraint():
    from companion._keras_tools import float64_kept
    from companion.trained.keras_articles import keras

    # 2.25, not 2.3: Keras on PyTorch clips to the limit as a float32 number, and 2.25 is one
    limit = 2.25
    weights = np.random.default_rng(3).standard_normal((5, 8))
    for axis in (0, 1):
        constrained = arguments.max_norm(weights, limit, axis=axis)
        with float64_kept():  # outside TensorFlow Keras would compute it in float32
            tensor = keras.ops.convert_to_tensor(weights, dtype="float64")
            expected = keras.constraints.MaxNorm(limit, axis=axis)(tensor)
        expected = keras.ops.convert_to_numpy(expected)
        np.testing.assert_allclose(constrained, expected, rtol=0, atol=1e-12)
        norms = np.linalg.norm(constrained, axis=axis)
        assert np.all(norms <= limit + 1e-12)
        long = np.linalg.norm(weights, axis=axis) > limit
        assert long.any() and (~long).any()  # the case has slices on both sides of the limit
        np.testing.assert_allclose(norms[long], limit, rtol=1e-6)


def test_max_norm_rejects_a_limit_that_is_not_positive():
    with pytest.raises(ValueError, match="max_value must be positive; got 0"):
        arguments.max_norm(np.ones((2, 2)), 0)


@given(input_size=st.integers(1, 500), units=st.integers(1, 500))
def test_parameter_count_formula(input_size, units):
    keras_count = arguments.lstm_parameter_count(input_size, units)
    assert keras_count == 4 * units * (input_size + units) + 4 * units
    assert arguments.lstm_parameter_count(input_size, units, framework="torch") == (
        keras_count + 4 * units
    )
    assert arguments.lstm_parameter_count(input_size, units, use_bias=False) == (
        keras_count - 4 * units
    )


@pytest.mark.keras
def test_parameter_count_against_the_frameworks():
    import torch

    from companion.trained.keras_articles import keras

    layer = keras.layers.LSTM(7)
    layer.build((None, None, 5))
    assert layer.count_params() == arguments.lstm_parameter_count(5, 7)
    torch_count = sum(p.numel() for p in torch.nn.LSTM(5, 7).parameters())
    assert torch_count == arguments.lstm_parameter_count(5, 7, framework="torch")


def test_parameter_count_rejects_bad_arguments():
    with pytest.raises(ValueError, match="units must be a positive integer; got 0"):
        arguments.lstm_parameter_count(3, 0)
    with pytest.raises(ValueError, match="framework must be 'keras' or 'torch'; got 'jax'"):
        arguments.lstm_parameter_count(3, 4, framework="jax")


def test_plot_recurrent_activations_runs():
    import matplotlib.pyplot as plt

    figure = arguments.plot_recurrent_activations()
    assert len(figure.axes[0].lines) == 3
    assert figure.axes[0].get_xlabel()
    plt.close(figure)
    with pytest.raises(ValueError, match="low must be below high"):
        arguments.plot_recurrent_activations(1.0, 1.0)

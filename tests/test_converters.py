"""Converters between LSTMWeights and Keras / PyTorch: exact round trips, the double bias."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion import GRUWeights, LSTMWeights, RNNWeights, StackedWeights, keras_lstm, numpy_lstm

keras = keras_lstm.keras


@pytest.mark.keras
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_keras_round_trip_is_exact(dtype):
    w = LSTMWeights.random(3, 4, seed=2, dtype=dtype)
    layer = keras.layers.LSTM(4, dtype=dtype)
    layer.build((None, None, 3))
    assert LSTMWeights.from_keras(w.to_keras(layer)) == w


@pytest.mark.keras
def test_from_keras_reads_what_keras_initialised():
    layer = keras.layers.LSTM(5, dtype="float64")
    layer.build((None, None, 2))
    w = LSTMWeights.from_keras(layer)
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_array_equal(w.kernel, kernel)
    np.testing.assert_array_equal(w.recurrent_kernel, recurrent)
    np.testing.assert_array_equal(w.bias, bias)
    np.testing.assert_array_equal(w.gate("f")[2], np.ones(5))  # Keras's unit_forget_bias


@pytest.mark.keras
def test_to_keras_rejects_wrong_sizes():
    layer = keras.layers.LSTM(4, dtype="float64")
    layer.build((None, None, 3))
    with pytest.raises(ValueError, match=r"build the layer with units=5 on input size 3"):
        LSTMWeights.random(3, 5).to_keras(layer)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_round_trip_is_exact(dtype):
    w = LSTMWeights.random(3, 4, seed=2, dtype=dtype)
    module = torch.nn.LSTM(3, 4, dtype=getattr(torch, dtype))
    assert LSTMWeights.from_torch(w.to_torch(module)) == w
    np.testing.assert_array_equal(module.bias_hh_l0.detach().numpy(), np.zeros(16))


def test_from_torch_adds_the_two_biases():
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, batch_first=True, dtype=torch.float64)  # random bias_ih, bias_hh
    w = LSTMWeights.from_torch(module)
    expected = (module.bias_ih_l0 + module.bias_hh_l0).detach().numpy()
    np.testing.assert_array_equal(w.bias, expected)
    np.testing.assert_array_equal(w.kernel, module.weight_ih_l0.detach().numpy().T)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    with torch.no_grad():
        torch_out, _ = module(torch.from_numpy(x))
    assert np.abs(numpy_lstm.forward(x, w).outputs - torch_out.numpy()).max() < 1e-12


def test_every_layer_and_direction_of_a_deep_bidirectional_module():
    module = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    for layer, input_size in ((0, 3), (1, 8)):
        for reverse in (False, True):
            w = LSTMWeights.random(input_size, 4, seed=10 * layer + reverse)
            w.to_torch(module, layer=layer, reverse=reverse)
            assert LSTMWeights.from_torch(module, layer=layer, reverse=reverse) == w
    assert LSTMWeights.from_torch(module, 1, True) != LSTMWeights.from_torch(module, 1, False)


def test_torch_converter_errors():
    w = LSTMWeights.random(3, 4)
    with pytest.raises(
        TypeError, match=r"weight_ih_l0 is torch.float32 but the weights are float64"
    ):
        w.to_torch(torch.nn.LSTM(3, 4))
    with pytest.raises(ValueError, match=r"weight_ih_l0 has shape \(16, 2\)"):
        w.to_torch(torch.nn.LSTM(2, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="reverse=True needs a bidirectional"):
        LSTMWeights.from_torch(torch.nn.LSTM(3, 4), reverse=True)
    with pytest.raises(ValueError, match=r"layer must be in \[0, 1\); got 1"):
        LSTMWeights.from_torch(torch.nn.LSTM(3, 4), layer=1)
    with pytest.raises(ValueError, match="proj_size"):
        LSTMWeights.from_torch(torch.nn.LSTM(3, 4, proj_size=2))


def test_torch_without_bias():
    module = torch.nn.LSTM(3, 4, bias=False, dtype=torch.float64)
    w = LSTMWeights.from_torch(module)
    np.testing.assert_array_equal(w.bias, np.zeros(16))
    with pytest.raises(ValueError, match="bias=False but these weights have a bias"):
        LSTMWeights.random(3, 4).to_torch(module)


KERAS_LAYERS = {LSTMWeights: "LSTM", GRUWeights: "GRU", RNNWeights: "SimpleRNN"}


@pytest.mark.keras
@pytest.mark.parametrize(
    ("weights_type", "argument", "value"),
    [
        (LSTMWeights, "activation", "relu"),
        (LSTMWeights, "activation", "linear"),
        (LSTMWeights, "recurrent_activation", "hard_sigmoid"),
        (LSTMWeights, "recurrent_activation", "tanh"),
        (GRUWeights, "activation", "relu"),
        (GRUWeights, "recurrent_activation", "hard_sigmoid"),
        (RNNWeights, "activation", "relu"),
        (RNNWeights, "activation", "linear"),
    ],
)
def test_from_keras_refuses_activations_the_companion_does_not_compute(
    weights_type, argument, value
):
    layer = getattr(keras.layers, KERAS_LAYERS[weights_type])(4, **{argument: value})
    layer.build((None, None, 3))
    expected = f"{argument}={value!r}"
    with pytest.raises(ValueError, match=expected):
        weights_type.from_keras(layer)


@pytest.mark.keras
@pytest.mark.parametrize("weights_type", [LSTMWeights, GRUWeights, RNNWeights])
def test_from_keras_names_the_layer_it_expects(weights_type):
    other = keras.layers.GRU if weights_type is not GRUWeights else keras.layers.LSTM
    layer = other(4)
    layer.build((None, None, 3))
    expected = f"expected a keras.layers.{KERAS_LAYERS[weights_type]}; got {type(layer).__name__}"
    with pytest.raises(TypeError, match=expected):
        weights_type.from_keras(layer)


@pytest.mark.parametrize(
    ("weights_type", "module", "expected"),
    [
        (LSTMWeights, torch.nn.LSTMCell(3, 4), "torch.nn.LSTM; got LSTMCell"),
        (LSTMWeights, torch.nn.Linear(3, 4), "torch.nn.LSTM; got Linear"),
        (GRUWeights, torch.nn.LSTM(3, 4), "torch.nn.GRU; got LSTM"),
        (RNNWeights, torch.nn.GRU(3, 4), "torch.nn.RNN; got GRU"),
    ],
)
def test_torch_converters_name_the_module_they_expect(weights_type, module, expected):
    with pytest.raises(TypeError, match=expected):
        weights_type.from_torch(module)
    with pytest.raises(TypeError, match=expected):
        weights_type.random(3, 4).to_torch(module)


def test_stacked_torch_converters_name_the_module_they_expect():
    with pytest.raises(TypeError, match=r"torch\.nn\.LSTM; got GRU"):
        StackedWeights.from_torch(torch.nn.GRU(3, 4))

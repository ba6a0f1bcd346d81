"""One validation layer for every model and backend: the same clear errors, the same empty
results, bool flags, bare single states, contiguous results, one gradient field order."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from conftest import backend_params

from companion import (
    GRUGradients,
    GRUWeights,
    LSTMGradients,
    LSTMWeights,
    RNNGradients,
    RNNWeights,
    StackedGradients,
    StackedWeights,
    VariantGradients,
    VariantWeights,
)
from companion._checks import Signature, integer
from companion.lstm import LSTMCotangents, LSTMOutput
from companion.registry import BACKENDS, backend_module, signature
from companion.rnn import RNNInputs
from companion.variants import VARIANTS

INPUT, HIDDEN = 3, 4


def lstm_weights():
    return LSTMWeights.random(INPUT, HIDDEN, seed=1)


def gru_weights():
    return GRUWeights.random(INPUT, HIDDEN, seed=1)


def rnn_weights():
    return RNNWeights.random(INPUT, HIDDEN, seed=1)


def fgr_weights():
    return VariantWeights.random(INPUT, HIDDEN, seed=1, variant=VARIANTS["FGR"])


def stacked_weights():
    return StackedWeights.random(INPUT, HIDDEN, num_layers=2, bidirectional=True, seed=1)


# model module suffix, weights, number of states, state shape (batch -> shape), output width
MODELS = {
    "lstm": ("lstm", lstm_weights, 2, lambda b: (b, HIDDEN), HIDDEN),
    "gru": ("gru", gru_weights, 1, lambda b: (b, HIDDEN), HIDDEN),
    "rnn": ("rnn", rnn_weights, 1, lambda b: (b, HIDDEN), HIDDEN),
    "variant-fgr": ("variants", fgr_weights, 2, lambda b: (b, HIDDEN), HIDDEN),
    "stacked": ("stacked", stacked_weights, 2, lambda b: (4, b, HIDDEN), 2 * HIDDEN),
}
SEED_NAMES = ("d_h", "d_c")


def every(models=tuple(MODELS)):
    return [param for model in models for param in backend_params(prefix=(model,))]


def call_arguments(model, batch, time, rng, *, initial_state=True, mask=False):
    """(module name, weights, x, initial_state, mask, d_outputs, d_states) for one call."""
    module, make_weights, states, state_shape, width = MODELS[model]
    x = rng.standard_normal((batch, time, INPUT))
    initial = tuple(rng.standard_normal(state_shape(batch)) for _ in range(states))
    d_outputs = rng.standard_normal((batch, time, width))
    d_states = {name: rng.standard_normal(state_shape(batch)) for name in SEED_NAMES[:states]}
    keep = rng.random((batch, time)) > 0.3 if mask else None
    return module, make_weights(), x, initial if initial_state else None, keep, d_outputs, d_states


@pytest.mark.parametrize(("model", "backend_name"), every())
@pytest.mark.parametrize(("batch", "time"), [(0, 3), (2, 0), (0, 0)])
def test_empty_batch_and_empty_time_give_the_empty_result(model, backend_name, batch, time):
    rng = np.random.default_rng(0)
    module, weights, x, initial, _, d_outputs, d_states = call_arguments(model, batch, time, rng)
    backend = backend_module(backend_name, module)
    output = backend.forward(x, weights, initial)
    assert output.outputs.shape == d_outputs.shape
    assert not output.outputs.any()
    for state, given in zip(output[1:], initial, strict=True):  # the final state is the first
        np.testing.assert_array_equal(state, given)
    grads = backend.gradients(x, weights, d_outputs, initial, **d_states)
    assert grads.x.shape == x.shape
    for name, seed in zip(("h0", "c0"), d_states.values(), strict=False):
        np.testing.assert_array_equal(getattr(grads, name), seed)  # d h0 = d_h: h is h0
    arrays = grads.weights.arrays() if model == "stacked" else grads
    assert not any(np.any(a) for a in arrays[:3])  # no step: no weight gradient


@pytest.mark.parametrize(("model", "backend_name"), every())
@pytest.mark.parametrize("flag", ["no", 1, None])
def test_go_backwards_must_be_a_bool(model, backend_name, flag):
    rng = np.random.default_rng(0)
    module, weights, x, initial, _, d_outputs, d_states = call_arguments(model, 2, 3, rng)
    backend = backend_module(backend_name, module)
    message = f"go_backwards must be True or False; got {flag!r}"
    with pytest.raises(TypeError, match=message):
        backend.forward(x, weights, initial, go_backwards=flag)
    with pytest.raises(TypeError, match=message):
        backend.gradients(x, weights, d_outputs, initial, go_backwards=flag, **d_states)


@pytest.mark.parametrize("backend_name", backend_params())
def test_reset_after_must_be_a_bool(backend_name):
    backend = backend_module(backend_name, "gru")
    x = np.ones((1, 2, INPUT))
    with pytest.raises(TypeError, match="reset_after must be True or False; got 'no'"):
        backend.forward(x, gru_weights(), reset_after="no")


@pytest.mark.parametrize(("model", "backend_name"), every(("gru", "rnn")))
def test_single_state_models_take_a_bare_initial_state(model, backend_name):
    rng = np.random.default_rng(0)
    module, weights, x, (h0,), _, d_outputs, d_states = call_arguments(model, 2, 3, rng)
    backend = backend_module(backend_name, module)
    bare, one_tuple = backend.forward(x, weights, h0), backend.forward(x, weights, (h0,))
    for a, b in zip(bare, one_tuple, strict=True):
        np.testing.assert_array_equal(a, b)
    bare = backend.gradients(x, weights, d_outputs, h0, **d_states)
    one_tuple = backend.gradients(x, weights, d_outputs, [h0], **d_states)
    for a, b in zip(bare, one_tuple, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("model", "backend_name"), every(("gru", "rnn")))
def test_a_wrong_single_state_says_what_it_takes(model, backend_name):
    rng = np.random.default_rng(0)
    module, weights, x, (h0,), _, _, _ = call_arguments(model, 2, 3, rng)
    backend = backend_module(backend_name, module)
    expected = (
        r"initial_state must be an array h0 shaped \(2, 4\) or a 1-tuple \(h0,\); "
        r"got a tuple of length 2"
    )
    with pytest.raises(TypeError, match=expected):
        backend.forward(x, weights, (h0, h0))
    with pytest.raises(ValueError, match=r"h0 must have shape \(batch, hidden\) = \(2, 4\)"):
        backend.forward(x, weights, h0[:1])


@pytest.mark.parametrize("backend_name", backend_params())
def test_a_pair_of_states_is_still_a_pair(backend_name):
    rng = np.random.default_rng(0)
    _, weights, x, (h0, _), _, _, _ = call_arguments("lstm", 2, 3, rng)
    expected = (
        r"initial_state must be a pair \(h0, c0\) of arrays shaped \(2, 4\); "
        r"got ndarray of shape \(2, 4\)"
    )
    with pytest.raises(TypeError, match=expected):
        backend_module(backend_name, "lstm").forward(x, weights, h0)


@pytest.mark.parametrize(("model", "backend_name"), every())
@pytest.mark.parametrize("masked", [False, True])
def test_every_array_out_is_c_contiguous(model, backend_name, masked):
    rng = np.random.default_rng(0)
    module, weights, x, initial, mask, d_outputs, d_states = call_arguments(
        model, 3, 4, rng, mask=masked
    )
    backend = backend_module(backend_name, module)
    options = {"mask": mask, "go_backwards": True}
    output = backend.forward(x, weights, initial, **options)
    grads = backend.gradients(x, weights, d_outputs, initial, **options, **d_states)
    grads = grads.arrays() if model == "stacked" else grads
    assert all(a.flags.c_contiguous for a in grads), [a.flags.c_contiguous for a in grads]
    assert all(a.flags.c_contiguous for a in output), [a.flags.c_contiguous for a in output]


@pytest.mark.parametrize(
    "gradients_type",
    [LSTMGradients, GRUGradients, RNNGradients, VariantGradients, StackedGradients],
)
def test_every_gradient_type_puts_the_weights_first_then_x_then_the_states(gradients_type):
    fields = gradients_type._fields
    x = fields.index("x")
    assert set(fields[:x]) <= {
        "kernel",
        "recurrent_kernel",
        "bias",
        "peephole",
        "gate_kernel",
        "weights",
    }
    assert x >= 1
    assert fields[x + 1 :] in (("h0",), ("h0", "c0"))


@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_validates_into_named_tuples_with_a_field_per_state(model):
    rng = np.random.default_rng(0)
    module, weights, x, initial, mask, d_outputs, d_states = call_arguments(
        model, 2, 3, rng, mask=True
    )
    inputs, cotangents = importlib.import_module(f"companion.{module}").prepare_gradients(
        x, weights, d_outputs, initial, mask, **d_states
    )
    names = signature(module).state_names
    assert type(inputs)._fields == ("x", *names, "mask")
    assert type(cotangents)._fields == ("d_outputs", *d_states)
    for given, field in zip((x, *initial, mask), inputs, strict=True):
        np.testing.assert_array_equal(field, given)
    for given, field in zip((d_outputs, *d_states.values()), cotangents, strict=True):
        np.testing.assert_array_equal(field, given)


def test_a_signature_refuses_inputs_without_a_field_per_state():
    expected = r"RNNInputs must be a named tuple with fields \('x', 'h0', 'c0', 'mask'\)"
    with pytest.raises(TypeError, match=expected):
        Signature(LSTMWeights, ("h0", "c0"), LSTMOutput, LSTMGradients, RNNInputs, LSTMCotangents)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(x=np.ones((2, 3))), r"x must have 3 dimensions \(batch, time, 3\)"),
        (dict(x=np.ones((2, 3, 5))), r"x must have shape \(batch, time, 3\)"),
        (dict(mask=np.ones((2, 3), int)), "mask must be a boolean array"),
        (dict(mask=np.ones((2, 4), bool)), r"mask must have shape \(batch, time\) = \(2, 3\)"),
        (dict(d_outputs=np.ones((2, 3, 4))), r"d_outputs must have shape .* = \(2, 3, 8\)"),
        (dict(d_h=np.ones((2, 4))), r"d_h must have shape .* = \(4, 2, 4\)"),
        (
            dict(initial_state=np.ones((4, 2, 4))),
            r"initial_state must be a pair \(h0, c0\) of arrays shaped \(4, 2, 4\)",
        ),
    ],
)
@pytest.mark.parametrize("backend_name", backend_params())
def test_stacked_calls_get_the_same_checks(backend_name, change, message):
    rng = np.random.default_rng(0)
    _, weights, x, initial, mask, d_outputs, d_states = call_arguments(
        "stacked", 2, 3, rng, mask=True
    )
    arguments = dict(x=x, initial_state=initial, mask=mask, d_outputs=d_outputs, **d_states)
    arguments.update(change)
    backend = backend_module(backend_name, "stacked")
    with pytest.raises((TypeError, ValueError), match=message):
        backend.gradients(arguments.pop("x"), weights, arguments.pop("d_outputs"), **arguments)


def test_flags_of_the_weights_must_be_bools():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="reverse must be True or False; got 'yes'"):
        LSTMWeights.from_torch(torch.nn.LSTM(3, 4, bidirectional=True), reverse="yes")
    with pytest.raises(TypeError, match="bidirectional must be True or False; got 'no'"):
        StackedWeights.random(3, 4, bidirectional="no")
    with pytest.raises(TypeError, match="reset_after must be True or False; got 0"):
        GRUWeights.random(3, 4, reset_after=0)


@pytest.mark.parametrize(
    ("value", "arguments", "error", "message"),
    [
        (True, {}, TypeError, r"count must be a positive integer; got True \(bool\)"),
        (np.True_, {}, TypeError, r"count must be a positive integer; got np.True_ \(bool"),
        (2.0, {}, TypeError, r"count must be a positive integer; got 2.0 \(float\)"),
        ("3", {}, TypeError, r"count must be a positive integer; got '3' \(str\)"),
        (None, {}, TypeError, r"count must be a positive integer; got None \(NoneType\)"),
        (0, {}, ValueError, "count must be a positive integer; got 0"),
        (-1, dict(minimum=0), ValueError, "count must be a non-negative integer; got -1"),
        (1, dict(minimum=2), ValueError, "count must be an integer >= 2; got 1"),
        (9, dict(maximum=8), ValueError, "count must be an integer from 1 to 8; got 9"),
        (0, dict(optional=True), ValueError, "count must be None or a positive integer; got 0"),
    ],
)
def test_one_integer_check_names_the_argument_the_kind_and_what_came(
    value, arguments, error, message
):
    with pytest.raises(error, match=message):
        integer("count", value, **arguments)


def test_the_integer_check_takes_numpy_integers_and_optional_none():
    assert integer("count", np.int64(3)) == 3
    assert type(integer("count", np.uint8(3))) is int
    assert integer("count", 0, 0) == 0
    assert integer("count", None, optional=True) is None


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_tensor_that_requires_grad_is_named_not_a_framework_error(backend_name):
    torch = pytest.importorskip("torch")
    backend = backend_module(backend_name)
    x = torch.zeros((2, 5, INPUT), dtype=torch.float64, requires_grad=True)
    with pytest.raises(TypeError, match=r"x must be .* got a Tensor with requires_grad=True"):
        backend.forward(x, lstm_weights())
    h0 = torch.zeros((2, HIDDEN), dtype=torch.float64, requires_grad=True)
    with pytest.raises(TypeError, match=r"h0 must be .* requires_grad=True .*h0.detach"):
        backend.forward(np.zeros((2, 5, INPUT)), lstm_weights(), (h0, np.zeros((2, HIDDEN))))
    with pytest.raises(TypeError, match=r"x must be an array NumPy can hold .*bfloat16"):
        backend.forward(x.detach().to(torch.bfloat16), lstm_weights())


def test_stacked_weights_name_a_layer_that_is_not_a_tuple_of_directions():
    layer = LSTMWeights.random(INPUT, HIDDEN)
    with pytest.raises(
        TypeError,
        match=r"layers\[0\] must be a tuple \(forwards,\) .* got "
        "LSTMWeights",
    ):
        StackedWeights([layer, layer])
    with pytest.raises(TypeError, match=r"layers must be a non-empty sequence .* got LSTMWeights"):
        StackedWeights(layer)
    with pytest.raises(ValueError, match=r"got layers of lengths \[3\]"):
        StackedWeights([(layer, layer, layer)])

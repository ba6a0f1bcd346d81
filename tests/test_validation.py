"""One validation layer for every model and backend: the same clear errors, the same empty
results, bool flags, bare single states, contiguous results, one gradient field order."""

from __future__ import annotations

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
from companion.registry import backend_module
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


@pytest.mark.parametrize(("model", "backend_name"), every(("lstm", "gru", "rnn", "variant-fgr")))
@pytest.mark.parametrize("flag", ["no", 1, None])
def test_go_backwards_must_be_a_bool(model, backend_name, flag):  # stacked has no such flag
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
    options = {} if model == "stacked" else {"go_backwards": True}
    output = backend.forward(x, weights, initial, mask=mask, **options)
    grads = backend.gradients(x, weights, d_outputs, initial, mask=mask, **options, **d_states)
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

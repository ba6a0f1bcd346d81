"""The ``keras_*`` modules keep a built, compiled layer per weights shape, dtype and options
(:func:`companion._keras_tools.reused_layer`): a call on a kept layer gives what NumPy gives
for that call's own weights and arguments, whatever the calls before it were."""

from __future__ import annotations

import numpy as np
import pytest

from companion._numeric import max_difference
from companion.registry import MODELS, TOLERANCES, backend_module

pytestmark = pytest.mark.keras

REUSED_MODELS = ("lstm", "gru", "rnn", "variant-fgr", "stacked")
"""One model of each Keras module; variant FGR carries states beyond h and c."""

BATCH, TIME, INPUT_SIZE, HIDDEN = 2, 5, 3, 4


def arrays(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def call_sequence(model: str) -> list[dict]:
    """Calls on one layer shape, each changing one thing from the call before it: the
    weights, a mask, an initial state, the direction, the batch and time sizes, and back."""
    weights = [MODELS[model].random_weights(INPUT_SIZE, HIDDEN, seed=seed) for seed in (0, 1)]
    x = arrays(2, BATCH, TIME, INPUT_SIZE)
    mask = np.array([[False, True, True, False, True], [True] * TIME])
    signature = backend_module("numpy", model).SIGNATURE
    zeros = signature.states(signature.inputs(x, weights[0]))
    initial_state = [arrays(3 + k, *state.shape) for k, state in enumerate(zeros)]
    plain = dict(x=x, weights=weights[0])
    calls = [
        plain,
        dict(plain, weights=weights[1]),
        dict(plain, mask=mask),
        plain,
        dict(plain, initial_state=initial_state),
        plain,
        dict(plain, x=arrays(4, BATCH + 1, TIME - 2, INPUT_SIZE), weights=weights[1]),
    ]
    return [*calls, dict(plain, go_backwards=True, mask=mask), plain]


@pytest.mark.parametrize("model", REUSED_MODELS)
def test_a_kept_layer_gives_each_call_its_own_result(model, monkeypatch):
    """With every call after the first compiled, on every backend (on TensorFlow a test's
    short sequences would otherwise stay eager; JAX compiles from the first call)."""
    from companion._keras_tools import BACKEND, COMPILE_AFTER_STEPS, cache_info

    monkeypatch.setitem(COMPILE_AFTER_STEPS, BACKEND, min(1, COMPILE_AFTER_STEPS[BACKEND]))

    keras_module, numpy_module = (backend_module(b, model) for b in ("keras", "numpy"))
    before = cache_info()
    calls = call_sequence(model)
    for number, call in enumerate(calls):
        x, weights = call["x"], call["weights"]
        options = {name: call[name] for name in ("initial_state", "mask", "go_backwards")
                   if name in call}
        d_outputs = arrays(5, *numpy_module.forward(x, weights, **options).outputs.shape)
        tolerance = TOLERANCES[str(weights.dtype)]
        for function, arguments in (("forward", (x, weights)),
                                    ("gradients", (x, weights, d_outputs))):
            expected = getattr(numpy_module, function)(*arguments, **options)
            found = getattr(keras_module, function)(*arguments, **options)
            assert max_difference(expected, found) < tolerance, (model, number, function)
    after = cache_info()
    # A one-layer model keeps a layer per direction (go_backwards is an option of Keras's
    # layer); the stack reverses its inputs instead and keeps one.
    directions = 1 if model == "stacked" else 2
    assert after.misses - before.misses <= directions
    assert after.hits - before.hits >= 2 * len(calls) - directions


def test_the_exported_builder_returns_a_fresh_layer():
    """A caller owns the layer ``build`` returns: not the one the module keeps."""
    from companion import LSTMWeights, keras_lstm
    from companion._keras_tools import reused_layer

    weights = LSTMWeights.random(INPUT_SIZE, HIDDEN)
    keras_lstm.forward(arrays(0, BATCH, TIME, INPUT_SIZE), weights)
    kept = reused_layer(keras_lstm.build, weights, go_backwards=False).layer
    assert keras_lstm.build(weights) is not kept

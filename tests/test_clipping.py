"""Gradient clipping: by global norm keeps the direction, by value does not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion import LSTMGradients, LSTMWeights, numpy_lstm
from companion.analysis.clipping import clip_by_global_norm, clip_by_value, global_norm


def flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


@given(st.integers(0, 2**16), st.floats(0.01, 10.0))
def test_norm_clipping_keeps_direction_and_bounds_the_norm(seed, max_norm):
    rng = np.random.default_rng(seed)
    gradients = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(7)]
    clipped, norm = clip_by_global_norm(gradients, max_norm)
    assert norm == pytest.approx(np.linalg.norm(flat(gradients)))
    assert global_norm(clipped) <= max_norm * (1 + 1e-12)
    before, after = flat(gradients), flat(clipped)
    cosine = before @ after / (np.linalg.norm(before) * np.linalg.norm(after))
    assert cosine == pytest.approx(1.0, abs=1e-12)


def test_norm_clipping_leaves_small_gradients_alone():
    gradients = (np.array([0.3, 0.4]),)
    clipped, norm = clip_by_global_norm(gradients, 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped[0], gradients[0])
    zero, zero_norm = clip_by_global_norm([np.zeros(3)], 1.0)
    assert zero_norm == 0.0 and not np.any(zero[0])


def test_value_clipping_bounds_entries_and_changes_direction():
    gradients = [np.array([10.0, 0.5]), np.array([-3.0])]
    clipped = clip_by_value(gradients, 1.0)
    np.testing.assert_array_equal(flat(clipped), [1.0, 0.5, -1.0])
    before, after = flat(gradients), flat(clipped)
    cosine = before @ after / (np.linalg.norm(before) * np.linalg.norm(after))
    assert cosine < 0.99  # the direction moved


def test_clipping_keeps_the_named_tuple_and_dtype():
    weights = LSTMWeights.random(2, 3, dtype="float32")
    grads = numpy_lstm.gradients(np.ones((1, 4, 2)), weights, np.full((1, 4, 3), 50.0))
    original = [a.copy() for a in grads]
    by_norm, _ = clip_by_global_norm(grads, 0.5)
    by_value = clip_by_value(grads, 0.5)
    for clipped in (by_norm, by_value):
        assert isinstance(clipped, LSTMGradients)
        assert all(a.dtype == np.float32 for a in clipped)
    assert max(float(np.max(np.abs(a))) for a in by_value) == 0.5
    assert global_norm(by_norm) == pytest.approx(0.5, rel=1e-6)
    for before, after in zip(original, grads, strict=True):
        np.testing.assert_array_equal(before, after)  # the input is untouched


@pytest.mark.parametrize("limit", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_limits(limit):
    with pytest.raises(ValueError, match="positive finite"):
        clip_by_value([np.ones(2)], limit)
    with pytest.raises(ValueError, match="positive finite"):
        clip_by_global_norm([np.ones(2)], limit)


def test_bad_gradients():
    with pytest.raises(TypeError, match="sequence of arrays"):
        clip_by_value(np.ones(3), 1.0)
    with pytest.raises(TypeError, match="max_norm must be a number"):
        clip_by_global_norm([np.ones(3)], "1")
    with pytest.raises(ValueError, match=r"gradients\[1\] must be finite"):
        clip_by_global_norm([np.ones(3), np.array([np.nan])], 1.0)


GRADIENTS = [
    np.random.default_rng(7).standard_normal((3, 4)) * 5,
    np.random.default_rng(8).standard_normal(7),
]


def test_torch_clips_as_we_do():
    """``clip_grad_norm_`` and ``clip_grad_value_`` on parameters whose gradients are ours."""
    torch = pytest.importorskip("torch")

    def torch_clipped(clip) -> list[np.ndarray]:
        parameters = [
            torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in GRADIENTS
        ]
        for parameter, gradient in zip(parameters, GRADIENTS, strict=True):
            parameter.grad = torch.from_numpy(gradient.copy())
        clip(parameters)
        return [parameter.grad.numpy() for parameter in parameters]

    ours, norm = clip_by_global_norm(GRADIENTS, 1.5)
    theirs = torch_clipped(lambda p: torch.nn.utils.clip_grad_norm_(p, 1.5))
    total = torch.nn.utils.get_total_norm([torch.from_numpy(g) for g in GRADIENTS])
    assert norm == pytest.approx(float(total), rel=1e-12)
    for a, b in zip(ours, theirs, strict=True):  # PyTorch divides by norm + 1e-6
        np.testing.assert_allclose(a, b, rtol=1e-6 / norm * 1.01)
    theirs = torch_clipped(lambda p: torch.nn.utils.clip_grad_value_(p, 0.7))
    for a, b in zip(clip_by_value(GRADIENTS, 0.7), theirs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.keras
def test_keras_optimizers_clip_as_we_do():
    """One SGD step of rate 1 from zero weights is minus the clipped gradient: Keras's
    ``global_clipnorm`` is our global norm, its ``clipnorm`` our norm of each array alone,
    its ``clipvalue`` our clip by value."""
    from companion._keras_tools import keras

    expected = {
        "global_clipnorm": clip_by_global_norm(GRADIENTS, 1.5)[0],
        "clipnorm": [clip_by_global_norm([g], 1.5)[0][0] for g in GRADIENTS],
        "clipvalue": clip_by_value(GRADIENTS, 0.7),
    }
    for option, ours in expected.items():
        variables = [keras.Variable(np.zeros_like(g), dtype="float32") for g in GRADIENTS]
        limit = 0.7 if option == "clipvalue" else 1.5
        optimizer = keras.optimizers.SGD(learning_rate=1.0, **{option: limit})
        optimizer.apply([keras.ops.convert_to_tensor(g, "float32") for g in GRADIENTS], variables)
        for variable, clipped in zip(variables, ours, strict=True):
            step = -keras.ops.convert_to_numpy(variable.value)
            np.testing.assert_allclose(step, clipped, rtol=1e-6, atol=1e-6, err_msg=option)

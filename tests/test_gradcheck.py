"""companion.gradcheck: one finite-difference checker for every model."""

from __future__ import annotations

import numpy as np
import pytest

from companion import GRUWeights, LSTMWeights, RNNWeights, numpy_gru
from companion.gradcheck import finite_differences, gradcheck


@pytest.mark.parametrize(
    ("weights", "states"),
    [
        (LSTMWeights.random(2, 3, seed=1), 2),
        (GRUWeights.random(2, 3, seed=1, reset_after=False), 1),
        (RNNWeights.random(2, 3, seed=1), 1),
    ],
)
def test_numeric_gradients_have_the_backends_type_and_shapes(weights, states):
    rng = np.random.default_rng(1)
    x, d_outputs = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 3))
    numeric = finite_differences(x, weights, d_outputs)
    result = gradcheck(x, weights, d_outputs)
    assert type(numeric) is type(result.analytic)
    for a, n in zip(result.analytic, numeric, strict=True):
        assert a.shape == n.shape
    assert set(result.errors) == set(numeric._fields)
    assert len(numeric._fields) == 4 + states
    assert result.worst[1] < 1e-6, result.errors


def test_gradcheck_catches_a_wrong_gru_backward_pass():
    class DoubleX:
        """A GRU backend whose input gradient is twice what it should be."""

        forward = staticmethod(numpy_gru.forward)

        @staticmethod
        def gradients(*args, **kwargs):
            grads = numpy_gru.gradients(*args, **kwargs)
            return grads._replace(x=2 * grads.x)

    weights = GRUWeights.random(2, 2, seed=8)
    x, d_outputs = np.ones((1, 3, 2)), np.ones((1, 3, 2))
    result = gradcheck(x, weights, d_outputs, backend=DoubleX)
    assert result.worst[0] == "x" and result.worst[1] > 0.5
    assert result.errors["kernel"] < 1e-6

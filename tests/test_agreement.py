"""Property tests: the three backends agree."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import sizes
from hypothesis import given
from hypothesis import strategies as st

from companion import LSTMWeights, numpy_lstm
from companion._numeric import max_difference
from companion.registry import BACKENDS, TOLERANCES, backend_module


@st.composite
def lstm_cases(draw, dtypes=("float32", "float64")):
    batch, time, input_size, hidden = draw(
        sizes(batch=(1, 4), time=(0, 7), input_size=(1, 5), hidden=(1, 6))
    )
    dtype = draw(st.sampled_from(dtypes))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    weights = LSTMWeights.random(input_size, hidden, seed=seed, dtype=dtype)
    # Inputs of a few units: big enough to saturate some gates.
    x = rng.standard_normal((batch, time, input_size)) * draw(st.sampled_from([0.5, 3.0]))
    state = None
    if draw(st.booleans()):
        state = tuple(rng.uniform(-2, 2, (batch, hidden)) for _ in range(2))
    mask = rng.random((batch, time)) < 0.7 if draw(st.booleans()) else None
    return x.astype(dtype), weights, state, mask, draw(st.booleans())


@pytest.mark.keras
@given(lstm_cases())
def test_backends_agree(case):
    x, weights, state, mask, go_backwards = case
    results = {
        name: backend_module(name).forward(x, weights, state, mask=mask, go_backwards=go_backwards)
        for name in BACKENDS
    }
    tolerance = TOLERANCES[str(weights.dtype)]
    for name in ("keras", "torch"):
        assert max_difference(results["numpy"], results[name]) < tolerance, name


@pytest.mark.keras
def test_keras_go_backwards_reverses_processing_order():
    """go_backwards on the original sequence equals forwards on the reversed sequence."""
    weights = LSTMWeights.random(3, 4, seed=1)
    x = np.random.default_rng(1).standard_normal((2, 6, 3))
    backwards = backend_module("keras").forward(x, weights, go_backwards=True)
    forwards_on_reversed = numpy_lstm.forward(x[:, ::-1], weights)
    assert max_difference(backwards, forwards_on_reversed) < 1e-12

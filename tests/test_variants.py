"""LSTM variants: one description, three backends that agree forwards and backwards, the
hand-written NumPy gradients against finite differences, and the parameter counts."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import sizes
from hypothesis import given
from hypothesis import strategies as st

from companion import LSTMWeights, numpy_lstm, numpy_variants
from companion._numeric import max_difference
from companion.crosscheck import format_summaries, summary
from companion.gradcheck import gradcheck
from companion.registry import BACKENDS, TOLERANCES, backend_module
from companion.variants import VARIANTS, LSTMVariant, VariantWeights


@st.composite
def variant_cases(draw, dtypes=("float32", "float64")):
    variant = VARIANTS[draw(st.sampled_from(sorted(VARIANTS)))]
    batch, time, input_size, hidden = draw(
        sizes(batch=(1, 3), time=(0, 5), input_size=(1, 4), hidden=(1, 4))
    )
    dtype = draw(st.sampled_from(dtypes))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    weights = VariantWeights.random(input_size, hidden, seed=seed, dtype=dtype, variant=variant)
    x = (rng.standard_normal((batch, time, input_size)) * 2).astype(dtype)
    state = None
    if draw(st.booleans()):
        state = tuple(rng.uniform(-1, 1, (batch, hidden)) for _ in range(2))
    mask = rng.random((batch, time)) < 0.7 if draw(st.booleans()) else None
    seeds = [rng.standard_normal((batch, time, hidden))]
    seeds += [rng.standard_normal((batch, hidden)) if draw(st.booleans()) else None] * 2
    return x, weights, state, mask, draw(st.booleans()), seeds


@pytest.mark.keras
@given(variant_cases())
def test_backends_agree_forwards_and_backwards(case):
    x, weights, state, mask, go_backwards, (d_outputs, d_h, d_c) = case
    tolerance = TOLERANCES[str(weights.dtype)]
    options = dict(mask=mask, go_backwards=go_backwards)
    reference = numpy_variants.forward(x, weights, state, **options)
    reference_grads = numpy_variants.gradients(
        x, weights, d_outputs, state, d_h=d_h, d_c=d_c, **options
    )
    for name in ("keras", "torch"):
        backend = backend_module(name, "variants")
        assert max_difference(reference, backend.forward(x, weights, state, **options)) < tolerance
        grads = backend.gradients(x, weights, d_outputs, state, d_h=d_h, d_c=d_c, **options)
        assert max_difference(reference_grads, grads) < tolerance, (name, weights)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_numpy_gradients_match_finite_differences(name):
    weights = VariantWeights.random(2, 3, seed=4, variant=VARIANTS[name])
    rng = np.random.default_rng(4)
    x, h0, c0 = rng.standard_normal((2, 4, 2)), *rng.standard_normal((2, 2, 3))
    d_outputs, d_h, d_c = rng.standard_normal((2, 4, 3)), *rng.standard_normal((2, 2, 3))
    mask = np.array([[True, False, True, True], [False] + [True] * 3])
    result = gradcheck(x, weights, d_outputs, (h0, c0), d_h=d_h, d_c=d_c, mask=mask, step=1e-6)
    assert result.worst[1] < 1e-7, result.errors


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_parameter_count_is_the_number_of_parameters_that_matter(name):
    """Exactly the parameters the count includes get a nonzero gradient."""
    weights = VariantWeights.random(3, 4, seed=1, variant=VARIANTS[name])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6, 3))
    grads = numpy_variants.gradients(x, weights, rng.standard_normal((5, 6, 4)))
    used = sum(int(np.count_nonzero(g)) for g in grads[:5])
    assert used == VARIANTS[name].parameter_count(3, 4)


@pytest.mark.keras
def test_no_peepholes_is_the_keras_and_pytorch_lstm():
    lstm = LSTMWeights.random(3, 4, seed=2)
    x = np.random.default_rng(2).standard_normal((2, 6, 3))
    weights = VariantWeights.from_lstm(lstm, VARIANTS["NP"])
    assert max_difference(numpy_variants.forward(x, weights), numpy_lstm.forward(x, lstm)) < 1e-15
    assert VARIANTS["NP"].parameter_count(3, 4) == 4 * 4 * (3 + 4 + 1)


def test_impossible_variants_are_refused():
    with pytest.raises(ValueError, match="coupled_input_forget needs both"):
        LSTMVariant(input_gate=False, coupled_input_forget=True)
    with pytest.raises(ValueError, match="full_gate_recurrence needs all three gates"):
        LSTMVariant(output_gate=False, full_gate_recurrence=True)
    with pytest.raises(TypeError, match="peepholes must be a bool"):
        LSTMVariant(peepholes=1)


def test_bad_inputs_are_refused_clearly():
    weights = VariantWeights.random(3, 4)
    with pytest.raises(TypeError, match="weights must be VariantWeights; got LSTMWeights"):
        numpy_variants.forward(np.zeros((1, 2, 3)), LSTMWeights.random(3, 4))
    with pytest.raises(ValueError, match=r"peephole must have shape \(3, 4\); got \(4,\)"):
        VariantWeights(weights.variant, *weights.arrays()[:3], np.zeros(4), weights.gate_kernel)
    with pytest.raises(ValueError, match=r"d_c must have shape \(batch, hidden\)"):
        numpy_variants.gradients(np.zeros((1, 2, 3)), weights, np.zeros((1, 2, 4)), d_c=[1.0])
    for name in BACKENDS:
        with pytest.raises(ValueError, match=r"x must have shape \(batch, time, 3\)"):
            backend_module(name, "variants").forward(np.zeros((1, 2, 5)), weights)


@pytest.mark.keras
def test_summary_table():
    row = summary("variant-cifg", "float64", batch=2, time=3, input_size=2, hidden_size=3)
    assert row.ok and row.gradients is not None
    table = format_summaries([row])
    assert "variant-cifg  float64  1e-12      True" in table
    assert "variant-cifg  float64  " in format_summaries([row], magnitudes=True)

"""Shared test settings: a deterministic hypothesis profile and the backends under test."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from companion.registry import BACKENDS, backend_module

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
if os.environ.get("KERAS_BACKEND") == "jax":
    # Tests build float64 Keras layers themselves, which JAX computes in float32 unless its
    # 64-bit types are on. The companion's own calls switch them on only while they run and
    # leave a user's process 32-bit (tests/test_keras_scope.py checks that, in a process of
    # its own).
    # XLA compiles without its backend (LLVM) optimizations here: the tests call each compiled
    # function once or a few times on tiny arrays, so compiling is most of their time
    # (measured: 92 s of a serial 133 s), and the level speeds code up, which tiny arrays do
    # not need. The stage went from 114 s to 85 s (-n 2); every tolerance is the same.
    os.environ["XLA_FLAGS"] = " ".join(
        [os.environ.get("XLA_FLAGS", ""), "--xla_backend_optimization_level=0"]
    ).strip()
    import jax

    jax.config.update("jax_enable_x64", True)

# Framework calls are slow and their first call slower still: no deadline. Derandomized, so
# CI and a reader's machine run the same examples.
settings.register_profile(
    "book",
    deadline=None,
    derandomize=True,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
# The second and third Keras backends rerun the Keras tests with 10 examples each (also
# derandomized): Keras on JAX compiles its time loop afresh for every new shape, which makes
# 40 examples of every property test take minutes.
OTHER_KERAS_BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow"
settings.register_profile(
    "other-keras-backend", parent=settings.get_profile("book"), max_examples=10
)
settings.load_profile("other-keras-backend" if OTHER_KERAS_BACKEND else "book")


def examples(count: int) -> settings:
    """``settings(max_examples=count)`` for a property test that sets its own number of
    examples: ``count`` on TensorFlow, a quarter of it (at least 2) on the other Keras
    backends, as the profiles give every other property test (40 and 10)."""
    return settings(max_examples=max(2, count // 4) if OTHER_KERAS_BACKEND else count)



COMPILES_EVERY_SHAPE = os.environ.get("KERAS_BACKEND", "tensorflow") == "jax"
"""Whether Keras compiles its time loop again for every new shape (on JAX it does, about a
second each on this machine)."""


def sizes(**ranges: tuple[int, int]):
    """A strategy for a tuple of sizes, one per keyword, each within its (low, high) range.

    On a Keras backend that compiles for every new shape (:data:`COMPILES_EVERY_SHAPE`) the
    tuples come from three fixed buckets instead, every size at its low, middle or high
    value, so the property tests reuse a few compiled shapes rather than compile for each
    example.
    """
    if not COMPILES_EVERY_SHAPE:
        return st.tuples(*(st.integers(low, high) for low, high in ranges.values()))
    buckets = [
        tuple(pick(low, high) for low, high in ranges.values())
        for pick in (min, lambda low, high: (low + high) // 2, max)
    ]
    return st.sampled_from(buckets)


def backend_params(names=BACKENDS, prefix=()):
    """``names`` as pytest parameters (each after the values of ``prefix``), those that run
    Keras marked ``keras``: ``make unit`` runs the tests marked ``keras`` again on each of
    Keras's other backends (``KERAS_BACKEND=jax pytest -m keras``)."""
    return [
        pytest.param(*prefix, name, marks=[pytest.mark.keras] if name == "keras" else [])
        for name in names
    ]


@pytest.fixture(params=backend_params())
def backend(request):
    """Each LSTM backend module in turn."""
    return backend_module(request.param)

"""Shared test settings: a deterministic hypothesis profile and the backends under test."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from companion.registry import BACKENDS, backend_module

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

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
settings.register_profile(
    "other-keras-backend", parent=settings.get_profile("book"), max_examples=10
)
settings.load_profile(
    "book"
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"
    else "other-keras-backend"
)

def max_difference(a, b) -> float:
    """The largest absolute difference of any element of matching arrays of ``a`` and ``b``."""
    return max(float(np.max(np.abs(p - q), initial=0.0)) for p, q in zip(a, b, strict=True))


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each LSTM backend module in turn."""
    return backend_module(request.param)


def _uses_keras(item: pytest.Item) -> bool:
    """Whether a test runs Keras: a parameter or the test's code names it."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any("keras" in str(v) for v in callspec.params.values()):
        return True
    function = getattr(item, "function", None)
    return function is not None and "keras" in inspect.getsource(function)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that run Keras ``keras``: ``make unit`` runs them again on each of
    Keras's other backends, each in a process of its own (``KERAS_BACKEND=jax pytest -m
    keras``)."""
    for item in items:
        if _uses_keras(item):
            item.add_marker(pytest.mark.keras)

"""Run every backend on the same case and measure how far apart their results are.

A *case* (:class:`~companion.crosscheck.cases.Case`) fixes the model, the shapes, the seed
and which features are switched on (initial state, mask, ``go_backwards``).
:func:`~companion.crosscheck.comparison.compare` runs NumPy, Keras and PyTorch on it and
reports, for each pair of backends and each output (for the LSTM: ``outputs``, ``h``, ``c``),
the largest absolute difference of any element, against the tolerance of the dtype;
:func:`~companion.crosscheck.comparison.compare_gradients` does the same for gradients,
relative to their scale; :func:`~companion.crosscheck.comparison.summary` reduces it all to
one verdict per model and dtype.

The models and backends are those of the registry, :mod:`companion.registry`, whose names
this package re-exports (``MODELS``, ``TOLERANCES``, ``BACKENDS``, ``KERAS_BACKENDS``,
``EVERY_BACKEND``). The work is split by job:

- :mod:`companion.crosscheck.cases`: ``Case`` and ``standard_cases``;
- :mod:`companion.crosscheck.comparison`: running backends and comparing their results;
- :mod:`companion.crosscheck.processes`: Keras on each of its backends, a process each
  (``keras_process``);
- :mod:`companion.crosscheck.tables`: the results as text tables;
- :mod:`companion.crosscheck.cli`: ``python -m companion crosscheck`` (``main``).

Every public name of these modules is also a name of this package (``crosscheck.Case``,
``crosscheck.compare``, ...).
"""

from __future__ import annotations

from companion.crosscheck.cases import Case, standard_cases
from companion.crosscheck.cli import main
from companion.crosscheck.comparison import (
    Difference,
    Summary,
    compare,
    compare_gradients,
    gradient_backends,
    gradient_scale,
    run,
    run_gradients,
    summary,
)
from companion.crosscheck.processes import keras_process
from companion.crosscheck.tables import format_against_numpy, format_summaries, format_table
from companion.registry import (
    BACKENDS,
    EVERY_BACKEND,
    KERAS_BACKENDS,
    MODELS,
    TOLERANCES,
    Model,
    signature,
)

__all__ = [
    "BACKENDS",
    "EVERY_BACKEND",
    "KERAS_BACKENDS",
    "MODELS",
    "TOLERANCES",
    "Case",
    "Difference",
    "Model",
    "Summary",
    "compare",
    "compare_gradients",
    "format_against_numpy",
    "format_summaries",
    "format_table",
    "gradient_backends",
    "gradient_scale",
    "keras_process",
    "main",
    "run",
    "run_gradients",
    "signature",
    "standard_cases",
    "summary",
]

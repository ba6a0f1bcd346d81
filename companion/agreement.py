"""The worst disagreement between the backends of a model, forwards and backwards.

For every standard case of :mod:`companion.crosscheck` (plain, initial state, mask,
``go_backwards``, all together), compare NumPy, Keras and PyTorch forwards and, where the
model's backends have ``gradients``, backwards, exactly as :mod:`companion.crosscheck` does;
report the largest absolute difference of any element between NumPy and either framework.
This is the "agreement table" of the variants chapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from companion._checks import float_dtype
from companion.crosscheck import (
    BACKENDS,
    TOLERANCES,
    Case,
    Difference,
    compare,
    compare_gradients,
    gradient_backends,
    standard_cases,
)


class Agreement(NamedTuple):
    """The worst difference from NumPy of any framework, over every case of one model."""

    model: str
    dtype: str
    forward: float
    gradients: float | None  # None: the model's backends have no gradients
    tolerance: float

    @property
    def ok(self) -> bool:
        worst = max(self.forward, self.gradients or 0.0)
        return worst < self.tolerance


def _worst_from_numpy(rows: Sequence[Difference]) -> float:
    return max(row.max_abs_diff for row in rows if row.pair.startswith("numpy vs"))


def case_differences(case: Case, dtype: Any) -> tuple[float, float | None]:
    """(forward, gradients) worst absolute differences from NumPy over the frameworks on
    ``case``, from :func:`companion.crosscheck.compare` and
    :func:`~companion.crosscheck.compare_gradients`; gradients None when not every backend
    has them."""
    forward = _worst_from_numpy(compare(case, dtype))
    if gradient_backends(case.model) != list(BACKENDS):
        return forward, None
    return forward, _worst_from_numpy(compare_gradients(case, dtype, BACKENDS))


def agreement(model: str, dtype: Any = "float64", **shapes: int) -> Agreement:
    """The worst differences over :func:`companion.crosscheck.standard_cases` of ``model``;
    ``shapes`` (batch, time, input_size, hidden_size, seed) go to those cases."""
    resolved = str(float_dtype(dtype))
    pairs = [case_differences(case, resolved) for case in standard_cases(model, **shapes)]
    forward = max(p[0] for p in pairs)
    gradients = None if pairs[0][1] is None else max(p[1] for p in pairs)
    return Agreement(model, resolved, forward, gradients, TOLERANCES[resolved])


def format_agreement(rows: Sequence[Agreement], *, magnitudes: bool = False) -> str:
    """A table, one row per model and dtype: pass/fail against the tolerance, and with
    ``magnitudes=True`` the worst differences themselves (which vary from CPU to CPU)."""
    header = ["model", "dtype", "tolerance", "forward", "gradients"]
    body = []
    for row in rows:
        if magnitudes:
            cells = [
                f"{row.forward:.1e}",
                "-" if row.gradients is None else f"{row.gradients:.1e}",
            ]
        else:
            cells = [
                str(row.forward < row.tolerance),
                "-" if row.gradients is None else str(row.gradients < row.tolerance),
            ]
        body.append([row.model, row.dtype, f"{row.tolerance:.0e}", *cells])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

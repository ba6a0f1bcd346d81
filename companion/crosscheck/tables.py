"""The crosscheck's results as plain-text tables: a row per difference
(:func:`format_table`), a column per implementation against NumPy
(:func:`format_against_numpy`), a row per model's verdict (:func:`format_summaries`)."""

from __future__ import annotations

from collections.abc import Sequence

from companion.crosscheck.comparison import Difference, Summary


def format_table(rows: Sequence[Difference], *, magnitudes: bool = True) -> str:
    """A plain-text table of differences, one row per case, pair and output.

    With ``magnitudes=False`` the table shows only whether each difference is within
    tolerance: the exact magnitudes (around machine epsilon) change from CPU to CPU, the
    verdicts do not.
    """
    header = ("case", "pair", "output", "max |diff|", "tolerance", "agree")
    body = [
        (r.case, r.pair, r.output, f"{r.max_abs_diff:.2e}", f"{r.tolerance:.0e}", str(r.ok))
        for r in rows
    ]
    if not magnitudes:
        header = ("case", "pair", "output", "within tolerance")
        body = [(r.case, r.pair, r.output, f"< {r.tolerance:.0e}: {r.ok}") for r in rows]
    return _table(header, body)


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def format_summaries(rows: Sequence[Summary], *, magnitudes: bool = False) -> str:
    """A table, one row per model and dtype: whether every comparison is within tolerance,
    and with ``magnitudes=True`` the worst differences themselves (which vary from CPU to
    CPU)."""
    header = ("model", "dtype", "tolerance", "within tolerance")
    if magnitudes:
        header = ("model", "dtype", "forward", "gradients")
    body = []
    for row in rows:
        if magnitudes:
            grads = "-" if row.gradients is None else f"{row.gradients:.1e}"
            body.append((row.model, row.dtype, f"{row.forward:.1e}", grads))
        else:
            body.append((row.model, row.dtype, f"{row.tolerance:.0e}", str(row.ok)))
    return _table(header, body)


def format_against_numpy(rows: Sequence[Difference], *, magnitudes: bool = False) -> str:
    """A table with a column per implementation compared with NumPy and a line per case
    (forward results, then gradients as "<case>, gradients"): whether every output of the
    case is within its tolerance, or with ``magnitudes=True`` the largest difference."""
    columns: list[str] = []
    cells: dict[str, dict[str, list[Difference]]] = {}
    for row in rows:
        first, other = row.pair.split(" vs ")
        if first != "numpy":
            continue
        if other not in columns:
            columns.append(other)
        line = f"{row.case}, gradients" if row.output.startswith("d ") else row.case
        cells.setdefault(line, {}).setdefault(other, []).append(row)

    def cell(found: list[Difference]) -> str:
        if magnitudes:
            return f"{max(r.max_abs_diff for r in found):.1e}"
        return str(all(r.ok for r in found))

    body = [(line, *(cell(by[c]) for c in columns)) for line, by in cells.items()]
    return _table(("case", *columns), body)

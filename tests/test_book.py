"""The book's rules for its notebooks, checked on the stored notebooks.

- Every figure a cell draws has a caption, a name (so it is numbered and can be referenced)
  and alt text, given in the cell's ``mystnb`` metadata.
- Code and printed output fit the page: at most :data:`COLUMNS` characters a line.
- A cell whose output nbval does not compare either is followed by a cell that asserts
  what the prose claims (and prints a verdict nbval does compare), or says in a comment why
  its output is not compared.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
COLUMNS = 80
IGNORE_TAG = "nbval-ignore-output"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes (Keras's summaries) take no column
# A comment in an ignored cell that gives the reason, e.g. "# Not compared: timings vary".
REASON = re.compile(
    r"^\s*#.*\b(not compared|varies|vary|differ)\b", re.IGNORECASE | re.MULTILINE
)


def code_cells(path: Path) -> list[nbformat.NotebookNode]:
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def text_of(output: nbformat.NotebookNode) -> str:
    text = output.text if output.output_type == "stream" else ""
    text = text or output.get("data", {}).get("text/plain", "")
    return ANSI.sub("", text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_figure_has_a_caption_a_name_and_alt_text(path: Path) -> None:
    missing = []
    for number, cell in enumerate(code_cells(path)):
        if not any("image/png" in output.get("data", {}) for output in cell.outputs):
            continue
        options = cell.metadata.get("mystnb", {})
        figure, image = options.get("figure", {}), options.get("image", {})
        if not (figure.get("caption") and figure.get("name") and image.get("alt")):
            missing.append(f"code cell {number} ({cell.source.splitlines()[0][:40]!r})")
    assert not missing, (
        f"{path.name}: figures without caption, name or alt text in their cell's metadata "
        f'("mystnb": {{"figure": {{"caption": ..., "name": ...}}, "image": {{"alt": ...}}}}): '
        + "; ".join(missing)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_code_and_output_fit_the_page(path: Path) -> None:
    too_wide = []
    for number, cell in enumerate(code_cells(path)):
        texts = [("code", cell.source)] + [("output", text_of(o)) for o in cell.outputs]
        for kind, text in texts:
            for line in text.splitlines():
                if len(line) > COLUMNS:
                    too_wide.append(f"code cell {number}, {kind}: {line[:60]!r}... ({len(line)})")
    assert not too_wide, f"{path.name}: lines over {COLUMNS} columns:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_ignored_output_is_checked_or_explained(path: Path) -> None:
    cells = code_cells(path)
    unchecked = []
    for number, cell in enumerate(cells):
        if IGNORE_TAG not in cell.metadata.get("tags", []):
            continue
        following = cells[number + 1].source if number + 1 < len(cells) else ""
        if "assert" not in following and not REASON.search(cell.source):
            unchecked.append(f"code cell {number} ({cell.source.splitlines()[0][:40]!r})")
    assert not unchecked, (
        f"{path.name}: outputs nbval ignores with no assertion after them and no reason "
        "('# Not compared: ...') in the cell: " + "; ".join(unchecked)
    )

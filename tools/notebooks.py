"""Execute notebooks in place and store their outputs: ``python -m tools.notebooks NB...``.

This is what ``make notebooks`` runs, so every stored output in the book comes from one
script, in the project's own environment, with a fresh kernel per notebook, cells in order.

Every notebook starts (after its title) with :data:`INSTALL_CELL`, which installs the
companion from the repository when it is not importable: on Colab or Binder it makes the
notebook runnable; here, and under nbval, it does nothing. :func:`execute` adds the cell to
a notebook that lacks it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPOSITORY = "https://github.com/lstm-three-ways/lstm-three-ways"
"""Where the book and its companion live; ``_config.yml`` names the same repository."""

INSTALL_CELL = f"""\
# On Colab or Binder, install the book's companion package first
# (nothing happens where it is installed already).
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("companion") is None:
    repository = "git+{REPOSITORY}"
    command = [sys.executable, "-m", "pip", "install", "--quiet", repository]
    subprocess.run(command, check=True)"""
"""Source of the first code cell of every notebook."""

INSTALL_MARK = 'find_spec("companion") is None'
"""What every version of the install cell tests; :func:`ensure_install_cell` replaces a cell
holding it rather than adding a second one."""

INSTALL_TAGS = ["hide-input"]
"""The install cell's tags: the rendered book shows it collapsed."""


def ensure_install_cell(notebook: Any) -> bool:
    """Make :data:`INSTALL_CELL`, tagged :data:`INSTALL_TAGS`, the first code cell of
    ``notebook`` (nbformat v4): an older install cell there is brought up to date, and
    where there is none the cell is inserted after the title cell.
    Returns True if the notebook changed."""
    import nbformat

    first = next((cell for cell in notebook.cells if cell.cell_type == "code"), None)
    if first is not None and INSTALL_MARK in first.source:  # this cell, or an older version
        changed = first.source != INSTALL_CELL or first.metadata.get("tags") != INSTALL_TAGS
        first.source = INSTALL_CELL
        first.metadata["tags"] = list(INSTALL_TAGS)
        return changed
    cell = nbformat.v4.new_code_cell(INSTALL_CELL, metadata={"tags": list(INSTALL_TAGS)})
    titled = bool(notebook.cells) and notebook.cells[0].cell_type == "markdown"
    notebook.cells.insert(1 if titled else 0, cell)
    return True


def execute(path: Path, timeout: int = 600) -> float:
    """Run every cell of the notebook at ``path`` in a fresh kernel started in its folder;
    write the outputs back into the file. Returns the seconds taken."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    ensure_install_cell(notebook)
    for cell in notebook.cells:  # no timestamps from earlier runs: a re-run changes nothing
        cell.metadata.pop("execution", None)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: execute each notebook given, in place, and print how long it took."""
    parser = argparse.ArgumentParser(prog="python -m tools.notebooks", description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        print(f"  done in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

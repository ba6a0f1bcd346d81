"""Execute notebooks in place and store their outputs: ``python -m companion.notebooks NB...``.

This is what ``make notebooks`` runs, so every stored output in the book comes from one
script, in the project's own environment, with a fresh kernel per notebook, cells in order.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def execute(path: Path, timeout: int = 600) -> float:
    """Run every cell of the notebook at ``path`` in a fresh kernel started in its folder;
    write the outputs back into the file. Returns the seconds taken."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
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
    parser = argparse.ArgumentParser(prog="python -m companion.notebooks", description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        print(f"  done in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

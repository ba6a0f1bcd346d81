"""Open a chapter in JupyterLab, as ``make lab`` does, run all its cells in headless Chromium,
and check that every cell ran and no output is an error.

Usage (what ``make browser-test`` runs)::

    python tests/browser/check_lab.py book/rnn.ipynb --screenshot _build/screenshots/lab.png

JupyterLab is started from this environment on 127.0.0.1 with a random token, on a copy of
the book (``book/`` and ``benchmarks/results``, so the chapters' relative paths hold), in a
temporary folder that also holds JupyterLab's settings and runtime files: running the cells
never rewrites the notebooks of the checkout. The kernel is the environment's own Python (the
one ``make lab`` gives readers), so ``companion`` imports as it does in the book.

The cells are run by JupyterLab's own "Run All Cells" command (the app is exposed to the page
for that, ``--LabApp.expose_app_in_browser``), and the outputs are read from JupyterLab's
notebook model. Like ``check_book.py``, this uses Debian's Chromium through Playwright and is
not collected by ``pytest tests``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from check_book import CHROMIUM, CHROMIUM_ARGS, free_port, running_server
from playwright.sync_api import Page, sync_playwright

REPOSITORY = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_MS = 600_000

# JupyterLab's notebook panel, once its kernel is ready.
KERNEL_READY = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === 'idle' && panel.content.model);
}"""

# Clear the stored outputs, then "Run All Cells"; resolves when the last cell has run.
RUN_ALL = """async () => {
  const commands = window.jupyterapp.commands;
  await commands.execute('notebook:clear-all-cell-outputs');
  return await commands.execute('notebook:run-all-cells');
}"""

# What every code cell holds now: its execution count and its outputs (nbformat JSON).
CELLS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  const result = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    result.push({index: i, source: cell.sharedModel.getSource(),
                 count: cell.executionCount, outputs: cell.outputs.toJSON()});
  }
  return result;
}"""


def copy_book(destination: Path) -> None:
    """The book's notebooks and pages, and the benchmark results a chapter reads."""
    shutil.copytree(REPOSITORY / "book", destination / "book")
    shutil.copytree(REPOSITORY / "benchmarks" / "results", destination / "benchmarks" / "results")


SETTINGS = {
    # Autosave off: the copy is never written either.
    ("docmanager-extension", "plugin"): {"autosave": False},
    # No update checks or news: the check stays on this machine.
    ("apputils-extension", "notification"): {"checkForUpdates": False, "fetchNews": "false"},
}


def write_settings(settings: Path) -> None:
    """JupyterLab user settings for the check (:data:`SETTINGS`)."""
    for (extension, plugin), values in SETTINGS.items():
        folder = settings / "@jupyterlab" / extension
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{plugin}.jupyterlab-settings").write_text(json.dumps(values))


def problems_in(cells: list[dict]) -> list[str]:
    """An entry per code cell that did not run or whose output is an error."""
    found = []
    for cell in cells:
        first_line = cell["source"].strip().splitlines()[0] if cell["source"].strip() else ""
        where = f"cell {cell['index']} ({first_line[:50]!r})"
        if cell["source"].strip() and cell["count"] is None:
            found.append(f"{where} did not run")
        for output in cell["outputs"]:
            if output.get("output_type") == "error":
                found.append(f"{where} raised {output['ename']}: {output['evalue']}")
    return found


def run_notebook(page: Page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_function(KERNEL_READY, timeout=RUN_TIMEOUT_MS)
    page.evaluate(RUN_ALL)
    return page.evaluate(CELLS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path, help="a chapter, e.g. book/rnn.ipynb")
    parser.add_argument("--screenshot", type=Path, default=Path("_build/screenshots/lab.png"))
    parser.add_argument("--chromium", default=CHROMIUM, help="the Chromium executable")
    args = parser.parse_args(argv)
    notebook = args.notebook.resolve().relative_to(REPOSITORY)

    with tempfile.TemporaryDirectory(prefix="check-lab-") as folder:
        root = Path(folder)
        copy_book(root / "root")
        write_settings(root / "settings")
        port, token = free_port(), secrets.token_hex(16)
        base = f"http://127.0.0.1:{port}"
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root / 'root'}",
            f"--LabApp.user_settings_dir={root / 'settings'}",
            f"--LabApp.workspaces_dir={root / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        ]
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
               "JUPYTER_CONFIG_DIR": str(root / "config")}
        log_file = root / "jupyterlab.log"
        try:
            with running_server(command, f"{base}/api?token={token}", log_file,
                                start_timeout=120, env=env), sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    cells = run_notebook(page, f"{base}/lab/tree/{notebook}?token={token}")
                    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(args.screenshot))
                finally:
                    browser.close()
        except Exception:
            print(log_file.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise

    found = {cell["index"]: problems_in([cell]) for cell in cells}
    failed = [problem for problems in found.values() for problem in problems]
    ran = sum(1 for cell in cells if cell["count"] is not None)
    print(f"JupyterLab ran {ran} of {len(cells)} code cells of {notebook}; "
          f"screenshot in {args.screenshot}")
    for problem in failed:
        print(f"     {problem}")
    bad_cells = sum(1 for problems in found.values() if problems)
    print(f"{len(cells) - bad_cells} passed, {bad_cells} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

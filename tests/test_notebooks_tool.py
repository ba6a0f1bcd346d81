"""`python -m tools.notebooks` executes a notebook in place and stores its outputs."""

from __future__ import annotations

import nbformat

from tools import notebooks


def test_execute_stores_outputs_in_place(tmp_path):
    path = tmp_path / "tiny.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os\nprint(os.getcwd())",
                metadata={"execution": {"iopub.execute_input": "2026-01-01T00:00:00Z"}},
            ),
            nbformat.v4.new_code_cell("6 * 7"),
        ]
    )
    nbformat.write(notebook, path)
    assert notebooks.main([str(path)]) == 0
    stored = nbformat.read(path, as_version=4)
    install, first, second = stored.cells  # no title cell: the install cell comes first
    assert install.source == notebooks.INSTALL_CELL
    assert first.outputs[0].text.strip() == str(tmp_path)  # runs in the notebook's folder
    assert second.outputs[0].data["text/plain"] == "42"
    assert [cell.execution_count for cell in stored.cells] == [1, 2, 3]
    assert all("execution" not in cell.metadata for cell in stored.cells)  # no timestamps


def test_execute_adds_the_install_cell_after_the_title(tmp_path):
    path = tmp_path / "titled.ipynb"
    title = nbformat.v4.new_markdown_cell("# A chapter")
    nbformat.write(
        nbformat.v4.new_notebook(cells=[title, nbformat.v4.new_code_cell("1 + 1")]), path
    )
    notebooks.main([str(path)])
    cells = nbformat.read(path, as_version=4).cells
    assert [cell.cell_type for cell in cells] == ["markdown", "code", "code"]
    assert cells[1].source == notebooks.INSTALL_CELL
    assert cells[1].metadata["tags"] == ["hide-input"]
    assert cells[1].outputs == []  # companion is importable here: the cell does nothing
    assert not notebooks.ensure_install_cell(nbformat.read(path, as_version=4))


def test_an_older_install_cell_is_replaced_not_doubled():
    older = "import importlib.util\nif importlib.util.find_spec(\"companion\") is None:\n    pass"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell(older)]
    )
    assert notebooks.ensure_install_cell(notebook)
    assert [cell.source for cell in notebook.cells[1:]] == [notebooks.INSTALL_CELL]
    assert notebook.cells[1].metadata["tags"] == notebooks.INSTALL_TAGS


def test_install_cell_installs_from_the_repository_only_when_companion_is_missing(
    monkeypatch,
):
    import importlib.util
    import subprocess

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda command, check: calls.append(command))
    exec(notebooks.INSTALL_CELL, {})
    assert calls == []
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    exec(notebooks.INSTALL_CELL, {})
    assert len(calls) == 1
    assert calls[0][1:4] == ["-m", "pip", "install"]
    assert calls[0][-1] == f"git+{notebooks.REPOSITORY}"


def test_every_chapter_starts_with_the_install_cell():
    from pathlib import Path

    book = Path(__file__).resolve().parents[1] / "book"
    chapters = sorted(book.glob("*.ipynb"))
    assert chapters
    for path in chapters:
        notebook = nbformat.read(path, as_version=4)
        assert not notebooks.ensure_install_cell(notebook), (
            f"{path.name} does not start with tools.notebooks.INSTALL_CELL; "
            "run `make notebooks` to add it"
        )


def test_install_cell_and_the_book_name_the_same_repository():
    from pathlib import Path

    config = (Path(__file__).resolve().parents[1] / "_config.yml").read_text(encoding="utf-8")
    assert f"url: {notebooks.REPOSITORY}\n" in config

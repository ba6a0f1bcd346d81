"""`python -m companion.notebooks` executes a notebook in place and stores its outputs."""

from __future__ import annotations

import nbformat

from companion import notebooks


def test_execute_stores_outputs_in_place(tmp_path):
    path = tmp_path / "tiny.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import os\nprint(os.getcwd())"),
            nbformat.v4.new_code_cell("6 * 7"),
        ]
    )
    nbformat.write(notebook, path)
    assert notebooks.main([str(path)]) == 0
    stored = nbformat.read(path, as_version=4)
    first, second = stored.cells
    assert first.outputs[0].text.strip() == str(tmp_path)  # runs in the notebook's folder
    assert second.outputs[0].data["text/plain"] == "42"
    assert [cell.execution_count for cell in stored.cells] == [1, 2]

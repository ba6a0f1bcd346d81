"""Keep the companion's "name: description" docstring lines apart in the API reference.

The companion's docstrings describe arguments and fields one per line, aligned::

    kernel:           (input_size, 4 * hidden_size), applied to the input x_t
    recurrent_kernel: (hidden_size, 4 * hidden_size), applied to the previous output h_{t-1}

reStructuredText would join such lines into one paragraph. This extension hands every run of
them (with their indented continuation lines) to Sphinx as a preformatted text block, so the
API reference shows them as they read in the source.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

FIELD_LINE = re.compile(r"^(?P<indent>\s*)[A-Za-z_]\w*(?:, [A-Za-z_]\w*)*:\s+\S")


def preformat_field_lines(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Wrap each run of "name: description" lines in a ``code-block:: text`` (in place)."""
    result: list[str] = []
    index = 0
    while index < len(lines):
        match = FIELD_LINE.match(lines[index])
        if match is None:
            result.append(lines[index])
            index += 1
            continue
        indent = match.group("indent")
        block = [lines[index]]
        index += 1
        while index < len(lines):
            line = lines[index]
            continuation = line.startswith(indent + " ") and line.strip()
            if (FIELD_LINE.match(line) and line.startswith(indent)) or continuation:
                block.append(line)
                index += 1
            else:
                break
        result += ["", f"{indent}.. code-block:: text", ""]
        result += [f"{indent}   {line[len(indent):]}" for line in block]
        result.append("")
    lines[:] = result


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", preformat_field_lines)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Keep the companion's "name: description" docstring lines apart in the API reference.

The companion's docstrings describe arguments and fields one per line, aligned::

    kernel:           (input_size, 4 * hidden_size), applied to the input x_t
    recurrent_kernel: (hidden_size, 4 * hidden_size), applied to the previous output h_{t-1}

reStructuredText would join such lines into one paragraph. This extension hands every run of
them (with their indented continuation lines) to Sphinx as a preformatted text block, so the
API reference shows them as they read in the source.

It also resolves the short names docstrings use for the companion's own objects
(``:class:`RNNWeights``` written in another module, ``:meth:`LSTMWeights.to_keras```): a
Python reference that Sphinx cannot find is linked to the one documented ``companion`` object
whose full name ends with it, if there is exactly one.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.nodes import make_refnode

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


def resolve_short_name(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    """Link ``Name`` or ``Class.method`` to the unique ``companion...Name`` documented."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    domain = env.get_domain("py")
    matches = [
        (name, entry)
        for name, entry in domain.objects.items()
        if name.startswith("companion.") and name.endswith("." + target)
    ]
    if len(matches) != 1:
        return None
    name, entry = matches[0]
    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", preformat_field_lines)
    app.connect("missing-reference", resolve_short_name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Small fixes to the HTML pages Jupyter Book 1 writes, found by the browser test.

sphinx-thebe and sphinx-togglebutton add their inline configuration scripts after the HTML
builder has started, and Sphinx then lists each of those scripts twice on every page. The
second copy of sphinx-thebe's ``const THEBE_JS_URL = ...`` is a JavaScript SyntaxError in
every reader's console. This extension drops exact repeats from each page's script list.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def drop_repeated_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Keep the first of several identical entries (same file, same attributes and body).

    An inline script's file name is None in one copy and "" in the other, so both count as
    "no file"."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        attributes = tuple(sorted(getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", script) or "", attributes)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""The book's two editions: English at the site's root, Simplified Chinese under ``zh_CN/``.

Both are built from the same sources (``make book``); the Chinese one with ``language =
"zh_CN"``, which makes Sphinx read the translations in ``locale/zh_CN/LC_MESSAGES``. This
extension puts a link at the top of every page to the same page in the other edition, so a
reader can switch language wherever they are.
"""

from __future__ import annotations

from html import escape
from typing import Any, NamedTuple

from sphinx.application import Sphinx


class Edition(NamedTuple):
    """One edition of the book: its Sphinx language, its name in its own language and the
    folder it is built into, relative to the English edition's root."""

    language: str
    name: str
    folder: str


EDITIONS = (Edition("en", "English", ""), Edition("zh_CN", "简体中文", "zh_CN/"))
"""The editions, English first (the source language)."""


def other_edition_link(language: str, pagename: str) -> str:
    """The HTML of the link from ``pagename`` in the ``language`` edition to the same page in
    the other edition, as a path relative to the page."""
    here = next((e for e in EDITIONS if e.language == language), EDITIONS[0])
    there = next(e for e in EDITIONS if e != here)
    # Up from the page's folder to this edition's root, then up to the English root.
    up_to_root = "../" * pagename.count("/") + "../" * here.folder.count("/")
    href = f"{up_to_root}{there.folder}{pagename}.html"
    return (
        f'<p class="edition-switch"><a href="{escape(href)}" hreflang="{there.language}" '
        f'lang="{there.language}">{escape(there.name)}</a></p>\n'
    )


def add_edition_link(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Prepend the other edition's link to the body of every page that has one."""
    if "body" in context:
        language = app.config.language or "en"
        context["body"] = other_edition_link(language, pagename) + context["body"]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", add_edition_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

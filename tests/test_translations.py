"""The Chinese edition's tooling: what a translation must keep (tools/translations.py), how a
catalogue follows the English sources, and the link between the two editions
(book/_ext/editions.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog

from tools.translations import (
    markup,
    merge,
    pages,
    problems,
    search_words,
    toc_template,
    translated_toc,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book" / "_ext"))
from editions import EDITIONS, other_edition_link

GLUE = "{glue:text}`rnn.ipynb::gap:.1e`"


def catalogue(*pairs: tuple[str, str], fuzzy: tuple[str, ...] = ()) -> Catalog:
    """A catalogue of (English, translation) messages, from the book's rnn chapter."""
    result = Catalog(locale="zh_CN")
    for english, translation in pairs:
        flags = ["fuzzy"] if english in fuzzy else []
        result.add(english, translation, locations=[("book/rnn.ipynb", None)], flags=flags)
    return result


def test_markup_is_the_roles_the_inline_math_and_the_link_targets():
    message = (
        f"The gap is {GLUE} {{cite}}`olah2015understanding`, see $h_t = o_t \\odot c_t$ and "
        "[the docs](https://keras.io/api/) and <https://pytorch.org>; `code` is not markup."
    )
    assert markup(message) == sorted([
        GLUE, "{cite}`olah2015understanding`", "$h_t = o_t \\odot c_t$",
        "](https://keras.io/api/)", "<https://pytorch.org>",
    ])


def test_a_roles_own_title_is_prose_and_only_its_target_counts():
    english = "the {doc}`long-term dependency chapter <long_term_dependency>`"
    chinese = "{doc}`长期依赖一章 <long_term_dependency>`"
    assert markup(english) == markup(chinese) == ["{doc}`<long_term_dependency>`"]
    assert markup("{doc}`长期依赖 <rnn>`") != markup(english)


def test_a_complete_translation_has_no_problems():
    assert problems(catalogue((f"The gap is {GLUE}.", f"差距是 {GLUE}。"))) == []


@pytest.mark.parametrize(
    ("translation", "problem"),
    [
        ("", "untranslated"),
        ("差距是 0.1。", "markup differs"),  # the glued number written out by hand
        (f"差距是 {GLUE}，$x$。", "markup differs"),  # math the English does not have
        (f"差距是 {GLUE.replace('.1e', '.2e')}。", "markup differs"),  # another format
    ],
)
def test_problems_name_what_is_missing(translation, problem):
    found = problems(catalogue((f"The gap is {GLUE}.", translation)))
    assert len(found) == 1 and found[0].startswith(problem), found


def test_a_fuzzy_translation_is_a_problem():
    found = problems(catalogue(("Summary", "小结"), fuzzy=("Summary",)))
    assert len(found) == 1 and found[0].startswith("fuzzy")


def test_merging_keeps_translations_marks_changes_fuzzy_and_drops_what_went():
    old = catalogue(("Summary", "小结"), ("The gate is open.", "门是开着的。"), ("Gone", "没了"))
    template = Catalog()
    for english in ("Summary", "The gate is wide open.", "New"):
        template.add(english, locations=[("../book/rnn.ipynb", 3)])
    template.add("A docstring line.", locations=[("../companion/numpy_lstm.py", 9)])
    merged = merge(template, old, "book/rnn")
    assert merged["Summary"].string == "小结" and not merged["Summary"].fuzzy
    assert merged["The gate is wide open."].fuzzy
    assert not merged["New"].string and not merged["New"].fuzzy
    assert "Gone" not in merged and "A docstring line." not in merged
    assert merged["New"].locations == [("book/rnn.ipynb", None)]


def test_every_page_of_the_book_is_listed_root_first():
    names = pages()
    assert names[0] == "book/intro" and "book/glossary" in names
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("language", "page", "href"),
    [
        ("en", "book/rnn", "../zh_CN/book/rnn.html"),
        ("zh_CN", "book/rnn", "../../book/rnn.html"),
        ("en", "index", "zh_CN/index.html"),
        ("zh_CN", "index", "../index.html"),
    ],
)
def test_every_page_links_to_itself_in_the_other_edition(language, page, href):
    link = other_edition_link(language, page)
    other = next(edition for edition in EDITIONS if edition.language != language)
    assert f'href="{href}"' in link and f'lang="{other.language}"' in link
    assert f">{other.name}</a>" in link


def test_the_search_keeps_the_editions_terms_whole():
    words = search_words()
    assert {"遗忘门", "细胞状态", "候选记忆单元", "梯度截断"} <= set(words)
    assert all(word == word.strip() and "(" not in word and not word.isascii() for word in words)


def test_the_side_bars_part_captions_are_messages_and_the_chinese_toc_uses_them(tmp_path):
    captions = [message.id for message in toc_template() if message.id]
    assert "Foundations" in captions and "Reference" in captions
    translated_toc(tmp_path / "toc.yml")
    toc = yaml.safe_load((tmp_path / "toc.yml").read_text(encoding="utf-8"))
    assert toc["parts"][0]["caption"] == "基础"
    assert toc["parts"][0]["chapters"][0]["file"] == "book/rnn"

"""The Chinese edition: its catalogues, their checks and its build.

``python -m tools.translations update`` extracts every message a reader reads (Sphinx's
gettext builder, over the same sources as the English book) and merges it into the
catalogues ``locale/zh_CN/LC_MESSAGES/<page>.po``: a new message comes in untranslated, a
changed one keeps its old translation marked fuzzy, a removed one goes. It then lists what
needs translating. ``check`` fails unless every message has a translation that is neither
empty nor fuzzy and that keeps the English message's markup (:func:`markup`). ``build``
builds the Chinese edition into ``_build/html/zh_CN`` (``make book`` runs it after the
English build).

The API reference's docstrings are code, and stay in English: the messages that come only
from the companion's docstrings are left out of the catalogues (:func:`from_docstrings`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

LANGUAGE = "zh_CN"
"""The translated edition's Sphinx language."""

LOCALE = Path("locale")
"""Where the catalogues live, as ``LOCALE/<language>/LC_MESSAGES/<page>.po``."""

BUILD = Path("_build")

JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))
"""The jupyter-book command of the environment this runs in."""

MARKUP = re.compile(
    r"\{[a-z:-]+\}`[^`]*`"  # roles: {glue:text}`doc.ipynb::key`, {cite}`key`, {ref}`label`
    r"|\$\$.+?\$\$|\$[^$\n]+\$"  # inline math
    r"|\]\([^)\s]+\)"  # the targets of Markdown links
    r"|<https?://[^>]+>"  # autolinks
)
"""What a translation must keep from its English message."""


EXPLICIT_TITLE = re.compile(r"^(\{[a-z:-]+\}`)[^`<]*<([^`>]+)>`$")
"""A role with a title of its own, ``{doc}`the chapter <rnn>```: the title is prose."""


def markup(message: str) -> list[str]:
    """The roles, inline math and link targets of ``message``, sorted: a translation
    reorders the words around them but keeps each of them as it is (a role's own title,
    ``{doc}`title <target>```, is translated: only its target counts)."""
    return sorted(EXPLICIT_TITLE.sub(r"\1<\2>`", item) for item in MARKUP.findall(message))


def catalogue_path(page: str, language: str = LANGUAGE) -> Path:
    """Where the catalogue of ``page`` (a document name such as ``book/rnn``) lives."""
    return LOCALE / language / "LC_MESSAGES" / f"{page}.po"


def from_docstrings(message: Message) -> bool:
    """Whether ``message`` comes only from the companion's docstrings (the API reference's
    generated text, which stays in English): no page of the book holds it."""
    return not any(file.endswith((".md", ".ipynb", ".yml")) for file, _ in message.locations)


def source(file: str) -> str:
    """A location as the catalogues record it: the source file, relative to the repository
    (Sphinx writes it relative to its output folder)."""
    return file.lstrip("./")


def extract(output: Path = BUILD / "gettext") -> dict[str, Catalog]:
    """Run Sphinx's gettext builder over the book; the templates by page name."""
    shutil.rmtree(output, ignore_errors=True)
    subprocess.run(
        [JUPYTER_BOOK, "build", ".", "--builder", "custom", "--custom-builder", "gettext",
         "--path-output", str(output), "-q"],
        check=True,
    )
    templates = {}
    root = output / "_build" / "gettext"
    for pot in sorted(root.rglob("*.pot")):
        with pot.open("rb") as file:
            templates[pot.relative_to(root).with_suffix("").as_posix()] = read_po(file)
    return templates


def merge(template: Catalog, catalogue: Catalog | None, page: str) -> Catalog:
    """``catalogue`` updated to ``template``: translations kept, changed messages fuzzy,
    removed ones dropped; a new catalogue where there was none. Docstring-only messages are
    left out."""
    kept = Catalog(
        locale=LANGUAGE,
        project=yaml.safe_load(Path("_config.yml").read_text())["title"],
        header_comment=f"# The Chinese edition's translations of {page}; `make translations`"
        " refreshes them\n# from the English sources.",
        fuzzy=False,
    )
    for message in template:
        if message.id and not from_docstrings(message):
            locations = sorted({(source(file), None) for file, _ in message.locations})
            kept.add(message.id, locations=locations)
    if catalogue is None:
        return kept
    catalogue.update(kept, update_header_comment=True)
    catalogue.obsolete.clear()
    return catalogue


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=LANGUAGE)


def write(catalogue: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalogue, width=0, include_lineno=False, omit_header=False)


def problems(catalogue: Catalog) -> list[str]:
    """What keeps ``catalogue`` from being complete: messages untranslated, fuzzy, or whose
    translation drops, adds or changes a role, a piece of inline math or a link target."""
    found = []
    for message in catalogue:
        if not message.id:
            continue
        where = f"{message.id[:60]!r}"
        if not message.string:
            found.append(f"untranslated: {where}")
        elif message.fuzzy:
            found.append(f"fuzzy (the English changed): {where}")
        elif markup(message.id) != markup(message.string):
            lost = sorted(set(markup(message.id)) - set(markup(message.string)))
            added = sorted(set(markup(message.string)) - set(markup(message.id)))
            found.append(f"markup differs: {where}: lost {lost}, added {added}")
    return found


TOC = Path("_toc.yml")
"""The table of contents, whose part captions are messages too (catalogue ``_toc``)."""


def pages() -> list[str]:
    """The book's pages, from ``_toc.yml`` (the root first)."""
    toc = yaml.safe_load(TOC.read_text())
    names = [toc["root"]]
    for part in toc.get("parts", []):
        names += [chapter["file"] for chapter in part["chapters"]]
    return names


def toc_template() -> Catalog:
    """The captions of the table of contents' parts (the side bar's headings), which Sphinx's
    gettext builder does not see: Jupyter Book adds the table of contents after reading."""
    template = Catalog()
    for part in yaml.safe_load(TOC.read_text()).get("parts", []):
        template.add(part["caption"], locations=[(TOC.name, None)])
    return template


def translated_toc(path: Path) -> None:
    """Write the table of contents with its captions translated to ``path``."""
    toc = yaml.safe_load(TOC.read_text())
    captions = read(catalogue_path(TOC.stem))
    for part in toc.get("parts", []):
        message = captions.get(part["caption"])
        if message is not None and message.string:
            part["caption"] = message.string
    path.write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def update(templates: dict[str, Catalog]) -> None:
    """Merge each template into its catalogue, write it, and say what needs translating."""
    for page, template in templates.items():
        path = catalogue_path(page)
        catalogue = merge(template, read(path) if path.exists() else None, page)
        write(catalogue, path)
        todo = problems(catalogue)
        print(f"{path}: {len(catalogue)} messages, {len(todo)} to translate")
        for line in todo:
            print("  ", line)


def check(paths: Iterable[Path]) -> int:
    """Print every problem of the catalogues at ``paths``; the number of problems."""
    count = 0
    for path in paths:
        for line in problems(read(path)):
            print(f"{path}: {line}")
            count += 1
    return count


INTERFACE = {
    "nb_code_prompt_show": "显示代码单元格",
    "nb_code_prompt_hide": "隐藏代码单元格",
}
"""MyST-NB's words on the buttons of folded cells, which its own catalogues lack."""

HAN = re.compile(r"[\u4e00-\u9fff]")


def search_words(glossary: Path = Path("book/glossary.md")) -> list[str]:
    """The terms of the Chinese edition, from the glossary's first table (its column "this
    edition"): the search index's word splitter (jieba) keeps them whole, so that a search
    for 遗忘门 finds the pages about the forget gate."""
    text = glossary.read_text(encoding="utf-8")
    table = text.split("## The terms of the Chinese edition", 1)[1].split("\n## ", 1)[0]
    words = []
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) > 1 and HAN.search(cells[1]):
            terms = re.sub(r"\([^)]*\)", "", cells[1]).split(",")
            words += [term.strip() for term in terms if HAN.search(term)]
    return words


def build(strict: bool = True) -> None:
    """Build the Chinese edition into ``_build/html/zh_CN`` (after the English one)."""
    config = yaml.safe_load(Path("_config.yml").read_text())
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("config", {})["language"] = LANGUAGE
    # The site's title is the root page's title, as its catalogue translates it.
    root = read(catalogue_path(pages()[0]))
    if config["title"] in root and root[config["title"]].string:
        config["title"] = root[config["title"]].string
    # Jupyter Book reads these folders relative to the configuration file, which is not at
    # the root here: give them as absolute paths.
    sphinx["config"]["locale_dirs"] = [str(LOCALE.resolve())]
    extensions = sphinx.get("local_extensions") or {}
    sphinx["local_extensions"] = {name: str(Path(folder).resolve())
                                  for name, folder in extensions.items()}
    config_path = BUILD / f"_config.{LANGUAGE}.yml"
    BUILD.mkdir(exist_ok=True)
    dictionary = BUILD / f"search_words.{LANGUAGE}.txt"
    dictionary.write_text("".join(f"{word}\n" for word in search_words()), encoding="utf-8")
    sphinx["config"]["html_search_options"] = {"dict": str(dictionary.resolve())}
    sphinx["config"].update(INTERFACE)
    toc_path = BUILD / f"_toc.{LANGUAGE}.yml"
    translated_toc(toc_path)
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True))
    work = BUILD / LANGUAGE
    shutil.rmtree(work, ignore_errors=True)
    flags = ["-W", "-n", "--keep-going"] if strict else []
    subprocess.run(
        [JUPYTER_BOOK, "build", ".", "--config", str(config_path), "--toc", str(toc_path),
         "--path-output", str(work), *flags],
        check=True,
    )
    target = BUILD / "html" / LANGUAGE
    shutil.rmtree(target, ignore_errors=True)
    shutil.move(work / "_build" / "html", target)
    print(f"The Chinese edition is at file://{target.resolve()}/index.html")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("update", help="refresh the catalogues and list what needs translating")
    commands.add_parser("check", help="fail unless every message is translated, markup kept")
    commands.add_parser("build", help="build the Chinese edition into _build/html/zh_CN")
    arguments = parser.parse_args(argv)
    if arguments.command == "update":
        update({**extract(), TOC.stem: toc_template()})
    elif arguments.command == "check":
        paths = [catalogue_path(page) for page in [*pages(), TOC.stem]]
        missing = [path for path in paths if not path.exists()]
        for path in missing:
            print(f"{path}: no catalogue (run `make translations`)")
        count = check(path for path in paths if path.exists()) + len(missing)
        print(f"{len(paths)} catalogues, {count} problems")
        return 1 if count else 0
    else:
        build()
    return 0


if __name__ == "__main__":
    sys.exit(main())

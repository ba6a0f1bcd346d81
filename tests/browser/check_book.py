"""Open every page of the built book in headless Chromium and check it as a reader meets it.

Usage (what ``make browser-test`` runs, after building the book)::

    python tests/browser/check_book.py _build/html --screenshots _build/screenshots

The built HTML is served by ``python -m http.server`` on 127.0.0.1 in a child process that is
stopped however the check ends. Pages are found by walking the built HTML, so chapters added
later are covered without changing this script. For every page it checks that:

- the page and every request it makes (images, scripts, stylesheets, fonts, ...) answer
  HTTP 200, and nothing is requested from any host but the local server (the book must
  work offline);
- the browser console shows no error and no script throws;
- every math element Sphinx wrote (inline and display) is typeset by MathJax, with no MathJax
  error, and no ``$$`` or ``\\begin{`` is left as plain text in the prose;
- every image is decoded with a non-zero size, and every image of a chapter has alt text (not
  its file name) and sits in a numbered figure with a caption;
- every tab of every tab set can be selected, shows its own content, and selecting a synced
  tab selects the same tab in every tab set of its group;
- a page made from a notebook links to the notebook on Colab and on Binder (at the repository
  and branch of ``_config.yml``), to the repository, and offers the notebook for download
  from the site itself;
- a page built from a source file declares its edition's language (``<html lang>``) and
  links to the same page in the other edition (English at the root, Simplified Chinese under
  ``zh_CN/``), which exists;
- on a Chinese page, the Chinese prose is drawn in a font that has CJK glyphs (Chromium says
  which fonts drew a paragraph), not in boxes of a fallback;

and that each edition's search page finds its words for the forget gate. A full-page
screenshot of each page is saved.
The browser is Debian's Chromium (``/usr/bin/chromium``), driven by Playwright; Playwright's
own browser downloads are never used.

This file is not collected by ``pytest tests`` (its name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Flags for a sandboxed, offline, headless Chromium that never phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass(frozen=True)
class Edition:
    """One edition of the book: the folder it is built into under the English root, the
    language its pages declare, and a phrase its search must find."""

    folder: str
    html_lang: str
    search_phrase: str


EDITIONS = (Edition("", "en", "forget gate"), Edition("zh_CN/", "zh-CN", "遗忘门"))
# Fonts with CJK glyphs, as Chromium names them (.ci/run installs WenQuanYi Micro Hei).
CJK_FONT = re.compile(r"CJK|WenQuanYi|Source Han|Droid Sans Fallback|AR PL|"
                      r"Noto (Sans|Serif) (SC|TC|HK|JP|KR)", re.IGNORECASE)
HAN = re.compile(r"[\u4e00-\u9fff]")


def edition_of(name: Path) -> tuple[Edition, Path]:
    """The edition a page belongs to, and the page's name within that edition."""
    for edition in EDITIONS[1:]:
        folder = edition.folder.rstrip("/")
        if name.parts and name.parts[0] == folder:
            return edition, name.relative_to(folder)
    return EDITIONS[0], name
# Folders of the built site that hold assets, not pages.
ASSET_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
PAGE_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Repository:
    """Where the launch buttons should point: from ``_config.yml``."""

    url: str  # https://github.com/OWNER/NAME
    branch: str
    path_to_book: str
    colab_url: str
    binderhub_url: str

    @classmethod
    def from_config(cls, config_file: Path) -> Repository:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        repository, launch = config["repository"], config["launch_buttons"]
        return cls(
            url=repository["url"].rstrip("/"),
            branch=repository.get("branch", "main"),
            path_to_book=(repository.get("path_to_book") or "").strip("/"),
            colab_url=launch["colab_url"].rstrip("/"),
            binderhub_url=launch["binderhub_url"].rstrip("/"),
        )

    def launch_links(self, notebook: str) -> dict[str, str]:
        """The links a notebook page must carry, by name; ``notebook`` is relative to the
        book, e.g. ``book/three_ways.ipynb``."""
        owner_name = urlsplit(self.url).path.strip("/")
        in_repo = f"{self.path_to_book}/{notebook}" if self.path_to_book else notebook
        return {
            "repository": self.url,
            "Colab": f"{self.colab_url}/github/{owner_name}/blob/{self.branch}/{in_repo}",
            "Binder": f"{self.binderhub_url}/v2/gh/{owner_name}/{self.branch}"
                      f"?urlpath=lab/tree/{in_repo}",
        }


REDIRECT = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)"', re.IGNORECASE)


def redirect_target(html_file: Path) -> str | None:
    """Where a redirect page (the book's index.html) sends the reader, or None."""
    match = REDIRECT.search(html_file.read_text(encoding="utf-8"))
    return match.group(1) if match else None


class MathCounter(HTMLParser):
    """Counts the math elements Sphinx writes for MathJax: ``<span class="math">`` for inline
    math and ``<div class="math">`` for display math (``$$``, ``\\begin{align}``, ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.inline = 0
        self.display = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if "math" in classes:
            if tag == "span":
                self.inline += 1
            elif tag == "div":
                self.display += 1


def count_math(html_file: Path) -> tuple[int, int]:
    """(inline, display) math elements in a built page, before any script runs."""
    counter = MathCounter()
    counter.feed(html_file.read_text(encoding="utf-8"))
    return counter.inline, counter.display


def find_pages(html_dir: Path) -> list[Path]:
    """Every HTML page of the built book, relative to ``html_dir``, sorted."""
    pages = [
        path.relative_to(html_dir)
        for path in html_dir.rglob("*.html")
        if not ASSET_DIRS.intersection(path.relative_to(html_dir).parts)
    ]
    return sorted(pages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    command: list[str], url: str, log_file: Path, *, start_timeout: float = 20, **popen: Any
) -> Iterator[None]:
    """Run ``command`` (a server) until ``url`` answers; stop it however the block ends.
    ``popen`` goes to :class:`subprocess.Popen` (``cwd``, ``env``)."""
    with log_file.open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **popen)
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=2):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{command[0]} did not start; see {log_file}") from None
                    time.sleep(0.2)
            yield
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextlib.contextmanager
def serve(html_dir: Path, log_file: Path) -> Iterator[str]:
    """Serve ``html_dir`` on 127.0.0.1 with Python's http.server; always stopped on exit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
               "--directory", str(html_dir)]
    with running_server(command, base, log_file):
        yield base


@dataclass
class PageReport:
    """What one page showed; ``problems`` empty means the page passed."""

    name: str
    problems: list[str] = field(default_factory=list)
    math_expected: int = 0
    math_rendered: int = 0
    images: int = 0
    tabs: int = 0
    requests: int = 0
    notebook: bool = False
    fonts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        status = "ok  " if not self.problems else "FAIL"
        return (f"{status} {self.name}: math {self.math_rendered}/{self.math_expected}, "
                f"images {self.images}, tabs {self.tabs}, requests {self.requests}"
                + (", notebook links" if self.notebook else "")
                + (f", fonts {', '.join(self.fonts)}" if self.fonts else ""))


def watch(page: Page, report: PageReport) -> None:
    """Record console errors, script errors, failed requests and non-200 answers."""

    def on_console(message) -> None:
        if message.type == "error":
            report.problems.append(f"console error: {message.text}")

    def on_response(response) -> None:
        report.requests += 1
        if response.status != 200:
            report.problems.append(f"HTTP {response.status} for {response.url}")

    def on_failed(request: Request) -> None:
        report.problems.append(f"request failed ({request.failure}): {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: report.problems.append(f"script error: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)


def offline_only(report_for: dict[str, PageReport]) -> Callable[[Route], None]:
    """A route handler that lets local requests through and blocks (and reports) others."""

    def handle(route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            report_for["current"].problems.append(f"request to a non-local host: {url}")
            route.abort("blockedbyclient")
        else:
            route.continue_()

    return handle


WAIT_FOR_MATHJAX = """async () => {
    const deadline = Date.now() + 20000;
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
        if (Date.now() > deadline) return false;
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    await MathJax.startup.promise;
    return true;
}"""

MATH_STATE = """() => {
    const containers = [...document.querySelectorAll('mjx-container')];
    // The prose: every text node of the article outside code, scripts and typeset math.
    const walker = document.createTreeWalker(
        document.querySelector('article') || document.body, NodeFilter.SHOW_TEXT);
    const prose = [];
    while (walker.nextNode()) {
        const parent = walker.currentNode.parentElement;
        if (!parent.closest('pre, code, script, style, mjx-container, .math')) {
            prose.push(walker.currentNode.textContent);
        }
    }
    const proseText = prose.join('\\n');
    return {
        inline: containers.filter(c => c.getAttribute('display') !== 'true').length,
        display: containers.filter(c => c.getAttribute('display') === 'true').length,
        // A TeX error typesets as <merror>; an undefined macro as red text (MathJax's
        // noundefined package): look for both in the MathML of every typeset equation.
        errors: [...MathJax.startup.document.math]
            .filter(item => /<merror|mathcolor="red"/.test(MathJax.startup.toMML(item.root)))
            .map(item => item.math),
        leftover: (proseText.match(/\\$\\$|\\\\begin\\{/g) || []).length,
    };
}"""

IMAGES = """async () => {
    const images = [...document.images];
    for (const image of images) image.loading = 'eager';
    await Promise.all(images.map(image => image.decode().catch(() => null)));
    return images.map(image => {
        const figure = image.closest('figure');
        const number = figure && figure.querySelector('figcaption .caption-number');
        return {
            src: image.currentSrc || image.src,
            width: image.naturalWidth,
            height: image.naturalHeight,
            complete: image.complete,
            alt: image.getAttribute('alt') || '',
            in_article: Boolean(image.closest('article')),
            caption: number ? figure.querySelector('figcaption').innerText.trim() : null,
        };
    });
}"""

TAB_SETS = """() => [...document.querySelectorAll('.sd-tab-set')].map(set =>
    [...set.querySelectorAll(':scope > label.sd-tab-label')].length)"""

# Select tab ``tab`` of tab set ``set`` by clicking its label, then report which tab is shown
# in every tab set (index of the checked radio input, and whether only its content is visible).
SELECT_TAB = """([set, tab]) => {
    const sets = [...document.querySelectorAll('.sd-tab-set')];
    const label = sets[set].querySelectorAll(':scope > label.sd-tab-label')[tab];
    label.click();
    const state = sets.map(s => {
        const inputs = [...s.querySelectorAll(':scope > input')];
        const contents = [...s.querySelectorAll(':scope > .sd-tab-content')];
        const checked = inputs.findIndex(input => input.checked);
        const shown = contents.map(c => getComputedStyle(c).display !== 'none');
        return {checked, shown};
    });
    return {
        state,
        group: label.getAttribute('data-sync-group'),
        id: label.getAttribute('data-sync-id'),
        syncIds: sets.map(s => [...s.querySelectorAll(':scope > label.sd-tab-label')]
            .map(l => [l.getAttribute('data-sync-group'), l.getAttribute('data-sync-id')])),
    };
}"""


def check_math(page: Page, html_file: Path, report: PageReport) -> None:
    inline, display = count_math(html_file)
    report.math_expected = inline + display
    if report.math_expected == 0:
        return
    if not page.evaluate(WAIT_FOR_MATHJAX):
        report.problems.append("MathJax did not load")
        return
    state = page.evaluate(MATH_STATE)
    report.math_rendered = state["inline"] + state["display"]
    if (state["inline"], state["display"]) != (inline, display):
        report.problems.append(
            f"MathJax rendered {state['inline']} inline and {state['display']} display "
            f"equations; the page has {inline} inline and {display} display"
        )
    for error in state["errors"]:
        report.problems.append(f"MathJax error: {error}")
    if state["leftover"]:
        report.problems.append(f"{state['leftover']} '$$' or '\\begin{{' left as plain text")


def check_images(page: Page, report: PageReport) -> None:
    images = page.evaluate(IMAGES)
    report.images = len(images)
    for image in images:
        if not image["complete"] or image["width"] == 0 or image["height"] == 0:
            report.problems.append(f"image not decoded: {image['src']}")
        if not image["in_article"] or "/_images/" not in image["src"]:
            continue  # the theme's and Sphinx's own icons, from _static
        name = image["src"].rsplit("/", 1)[-1]
        if not image["alt"].strip() or name in image["alt"] or image["alt"].endswith(".png"):
            report.problems.append(f"image without alt text: {name} (alt {image['alt']!r})")
        if image["caption"] is None:
            report.problems.append(f"image not in a numbered figure with a caption: {name}")


def check_tabs(page: Page, report: PageReport) -> None:
    for set_index, labels in enumerate(page.evaluate(TAB_SETS)):
        report.tabs += labels
        for tab in range(labels):
            result = page.evaluate(SELECT_TAB, [set_index, tab])
            mine = result["state"][set_index]
            expected_shown = [index == tab for index in range(labels)]
            if mine["checked"] != tab or mine["shown"] != expected_shown:
                report.problems.append(
                    f"tab set {set_index}: selecting tab {tab} shows {mine['shown']}"
                )
            if result["group"] is None:
                continue
            for other, sync_ids in enumerate(result["syncIds"]):
                key = [result["group"], result["id"]]
                if other != set_index and key in sync_ids:
                    if result["state"][other]["checked"] != sync_ids.index(key):
                        report.problems.append(
                            f"tab set {other} did not follow synced tab {key} of set {set_index}"
                        )


def check_notebook_links(page: Page, base: str, html_dir: Path, name: Path,
                         repository: Repository, report: PageReport) -> None:
    """Launch buttons and the download button of a page built from a notebook."""
    edition, name = edition_of(name)
    notebook = name.with_suffix(".ipynb").as_posix()
    if not (html_dir / edition.folder / "_sources" / notebook).is_file():
        return
    report.notebook = True
    links = set(page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"))
    for label, url in repository.launch_links(notebook).items():
        if url not in links:
            report.problems.append(f"no {label} link {url}")
    download = base + edition.folder + "_sources/" + notebook
    if download not in links:
        report.problems.append(f"no download link {download}")
        return
    response = page.request.get(download)
    if response.status != 200 or "cells" not in response.json():
        report.problems.append(f"the notebook download {download} is not a notebook")


EDITION_LINK = """() => {
    const links = [...document.querySelectorAll('.edition-switch a[href]')];
    return {lang: document.documentElement.lang, links: links.map(a => a.href)};
}"""


def check_edition(page: Page, base: str, name: Path, report: PageReport) -> None:
    """The page's language, and its link to the same page in the other edition."""
    edition, within = edition_of(name)
    state = page.evaluate(EDITION_LINK)
    if state["lang"] != edition.html_lang:
        report.problems.append(f"<html lang={state['lang']!r}>, expected {edition.html_lang!r}")
    others = [other for other in EDITIONS if other != edition]
    expected = [base + other.folder + within.as_posix() for other in others]
    if state["links"] != expected:
        report.problems.append(f"edition links {state['links']}, expected {expected}")
        return
    for url in expected:
        response = page.request.get(url)
        if response.status != 200:
            report.problems.append(f"the other edition's page {url} answered {response.status}")


# The first paragraph of the article with Chinese characters in it, marked for CDP to find.
MARK_CHINESE_PARAGRAPH = """() => {
    const han = /[\\u4e00-\\u9fff]/;
    const paragraph = [...document.querySelectorAll('article p')]
        .find(p => han.test(p.textContent));
    if (!paragraph) return false;
    paragraph.setAttribute('data-cjk-check', '');
    return true;
}"""


def check_cjk_font(page: Page, report: PageReport) -> None:
    """A Chinese page's prose is drawn in a font that has CJK glyphs."""
    if not page.evaluate(MARK_CHINESE_PARAGRAPH):
        report.problems.append("no paragraph with Chinese characters on a Chinese page")
        return
    session = page.context.new_cdp_session(page)
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = session.send("DOM.querySelector",
                            {"nodeId": root, "selector": "[data-cjk-check]"})["nodeId"]
        # The fonts that drew the paragraph's own text (its first text node).
        text_node = session.send("DOM.describeNode", {"nodeId": node, "depth": 1})
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        children = text_node["node"].get("children", [])
        for child in children:
            if child["nodeType"] == 3 and HAN.search(child["nodeValue"]):
                pushed = session.send("DOM.pushNodesByBackendIdsToFrontend",
                                      {"backendNodeIds": [child["backendNodeId"]]})
                fonts = session.send("CSS.getPlatformFontsForNode",
                                     {"nodeId": pushed["nodeIds"][0]})["fonts"]
                break
    finally:
        session.detach()
    report.fonts = sorted(font["familyName"] for font in fonts if font["glyphCount"])
    if not any(CJK_FONT.search(family) for family in report.fonts):
        report.problems.append(f"Chinese text drawn without a CJK font: {report.fonts}")


def check_page(browser: Browser, base: str, html_dir: Path, name: Path,
               screenshots: Path, repository: Repository) -> PageReport:
    report = PageReport(str(name))
    current = {"current": report}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", offline_only(current))
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    watch(page, report)
    try:
        response = page.goto(base + name.as_posix(), wait_until="load")
        if response is None or response.status != 200:
            report.problems.append(f"page answered {response and response.status}")
        target = redirect_target(html_dir / name)
        if target is not None:
            # Sphinx's index.html only forwards to the first page, which is checked itself.
            expected = urljoin(base + name.as_posix(), target)
            page.wait_for_url(expected, wait_until="load")
            report.name += f" -> {target}"
            return report
        check_math(page, html_dir / name, report)
        check_images(page, report)
        check_tabs(page, report)
        check_notebook_links(page, base, html_dir, name, repository, report)
        edition, within = edition_of(name)
        # Pages built from a source file; Sphinx's own (the index, search) have no body to
        # put the other edition's link in.
        sources = html_dir / edition.folder / "_sources"
        if list(sources.glob(within.with_suffix(".*").as_posix())):
            check_edition(page, base, name, report)
            if edition != EDITIONS[0]:
                check_cjk_font(page, report)
        page.wait_for_load_state("networkidle")
        shot = screenshots / (name.with_suffix("").as_posix().replace("/", "__") + ".png")
        page.screenshot(path=str(shot), full_page=True)
    except Exception as error:  # a timeout or a crash is a failure of this page, not the run
        report.problems.append(f"{type(error).__name__}: {error}")
    finally:
        context.close()
    return report


def check_search(browser: Browser, base: str, edition: Edition) -> PageReport:
    """The edition's search page, asked for its phrase, lists at least one page."""
    phrase = edition.search_phrase
    report = PageReport(f"{edition.folder}search.html?q={phrase}")
    context = browser.new_context()
    context.route("**/*", offline_only({"current": report}))
    page = context.new_page()
    watch(page, report)
    try:
        page.goto(base + edition.folder + "search.html?q=" + phrase.replace(" ", "+"))
        page.wait_for_function(
            "() => document.querySelector('#search-results .search-summary') !== null"
            " || document.querySelectorAll('#search-results ul.search li').length > 0",
            timeout=PAGE_TIMEOUT_MS,
        )
        page.wait_for_timeout(500)  # let the result list finish filling in
        hits = page.locator("#search-results ul.search li").all_inner_texts()
        if not hits:
            report.problems.append(f"search for {phrase!r} found nothing")
        else:
            print(f"     search {phrase!r}: {len(hits)} pages, first: "
                  f"{hits[0].splitlines()[0]}")
    except Exception as error:
        report.problems.append(f"{type(error).__name__}: {error}")
    finally:
        context.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", type=Path, help="the built book, e.g. _build/html")
    parser.add_argument("--screenshots", type=Path, default=Path("_build/screenshots"))
    parser.add_argument("--chromium", default=CHROMIUM, help="the Chromium executable")
    parser.add_argument("--config", type=Path, default=Path("_config.yml"),
                        help="the book's configuration, for the expected launch links")
    args = parser.parse_args(argv)
    repository = Repository.from_config(args.config)

    html_dir = args.html_dir.resolve()
    pages = find_pages(html_dir)
    if not pages:
        print(f"no pages under {html_dir}; build the book first", file=sys.stderr)
        return 2
    args.screenshots.mkdir(parents=True, exist_ok=True)
    for old in args.screenshots.glob("*.png"):
        old.unlink()

    reports = []
    with serve(html_dir, html_dir.parent / "http-server.log") as base, \
            sync_playwright() as playwright:
        # Playwright starts Chromium with a new, empty --user-data-dir of its own, deleted
        # when the browser closes.
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for name in pages:
                report = check_page(browser, base, html_dir, name, args.screenshots, repository)
                print(report.summary(), flush=True)
                for problem in report.problems:
                    print(f"     {problem}")
                reports.append(report)
            for edition in EDITIONS:
                report = check_search(browser, base, edition)
                print(report.summary(), flush=True)
                for problem in report.problems:
                    print(f"     {problem}")
                reports.append(report)
        finally:
            browser.close()

    failed = sum(1 for report in reports if report.problems)
    inline_display = sum(report.math_rendered for report in reports)
    print(f"checked {len(pages)} pages and the search pages; {inline_display} equations "
          f"rendered by MathJax; screenshots in {args.screenshots}")
    print(f"{len(reports) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

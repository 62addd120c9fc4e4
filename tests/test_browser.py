"""The built sample site in a real Chromium: one page of every kind, as a reader sees it.

For each kind of page (home, forecast, marketing, a territory, a rep, a manager, the accounts
list, an account, support, a deal, the data contract) the page loads with no console error and
no uncaught exception, asks nothing of any host but 127.0.0.1, draws every chart with a table
after it, and has no serious or critical axe-core violation. Search finds Chinese and English
words of the sample data; a rep's page prints without the navigation, charts kept, on a few
pages.

The site is built once from the repository's mkdocs.yml and data/ with a fixed date, served
from a thread on a free port of 127.0.0.1, and driven through Playwright with Debian's
Chromium, never a browser that Playwright downloads. Without Chromium (or without the history
the review pages need) the tests skip, except in CI (CI set to any non-empty value), where
they fail: .ci/setup-browser installs Chromium there, and .ci/run fetches the full history.
FUNNEL_CHROMIUM overrides the browser's path.

"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner
from conftest import repository_is_shallow

import generator.cli.main

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("FUNNEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
VIEWPORT = {"width": 1280, "height": 900}  # desktop: both sidebars and the header search box
TIMEOUT_MS = 10_000
SEARCH_TIMEOUT_MS = 5_000
MAX_PDF_PAGES = 6
# The PDF's paper and margins, and the same printable width in CSS pixels (96 per inch).
PDF_FORMAT = "A4"
PDF_MARGIN_MM = 12
PRINT_WIDTH_PX = round((210 - 2 * PDF_MARGIN_MM) / 25.4 * 96)

# One page of every kind. "account" and "deal" are found by following links (`links`).
PAGES = {
    "home": "/",
    "forecast": "/forecast/",
    "marketing": "/marketing/",
    "territory": "/territories/east/",
    "rep": "/reps/liu-yang/",
    "manager": "/reps/zhang-wei/",
    "accounts": "/accounts/",
    "account": None,
    "support": "/support/",
    "deal": None,
    "data-contract": "/data-contract/",
    "reviews": "/reviews/",
    "review": "/reviews/2026-W48/team-zhang-wei/",
    "compliance": "/compliance/",
    "trends": "/trends/",
    "handovers": "/handovers/",
    "handover": "/handovers/liu-yang-2026-11-20/",
}
# Kinds whose page must show at least one chart (the others may show none).
CHARTED = {"home", "forecast", "marketing", "territory", "rep", "manager", "trends"}


SERIOUS = {"serious", "critical"}


# --- the site, the server, the browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    """The path of Chromium; skip without it, or fail in CI, where it must be there."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = (
        f"Chromium not found at {CHROMIUM} (Debian's package `chromium`: "
        "`apt-get install chromium`, or set FUNNEL_CHROMIUM to its path; "
        "never `playwright install`)"
    )
    skip_outside_ci(f"{message}; in CI, .ci/setup-browser installs it")


def skip_outside_ci(reason: str) -> NoReturn:
    """Skip; in CI (CI set to any non-empty value) fail instead: a browser test that does
    not run there is a test dropped without anyone noticing."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this may not skip: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site, built from the repository's mkdocs.yml and data/ as of AS_OF."""
    target = tmp_path_factory.mktemp("browser") / "site"
    result = CliRunner().invoke(
        generator.cli.main.main,
        [
            "build",
            "--config",
            str(ROOT / "mkdocs.yml"),
            "--data",
            str(ROOT / "data"),
            "--site-dir",
            str(target),
            "--as-of",
            AS_OF,
        ],
    )
    assert result.exit_code == 0, result.output
    assert (target / "index.html").is_file()
    return target


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The site served over HTTP on 127.0.0.1, on a free port, from a daemon thread."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOCAL_HOSTS


@dataclass
class Visit:
    """A page and what it did: console errors, uncaught exceptions, requests to other hosts."""

    page: Any
    base_url: str
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        response = self.page.goto(urljoin(self.base_url, path), wait_until="load")
        assert response is not None, f"{path}: no response"
        assert response.ok, f"{path}: HTTP {response.status}"
        # Material's scripts finish their setup after `load`: let them, and any late request.
        self.page.wait_for_load_state("networkidle")


def open_visit(browser: Any, base_url: str, **options: Any) -> tuple[Any, Visit]:
    """A new context and page that record errors and block (and record) non-local requests."""
    context = browser.new_context(**{"viewport": VIEWPORT, "locale": "en-US", **options})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    seen = Visit(page=page, base_url=base_url)

    def note(request: Any) -> None:
        line = f"{request.resource_type} {request.url}"
        if line not in seen.external:
            seen.external.append(line)

    def route(route: Any) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            note(route.request)
            route.abort("blockedbyclient")

    def on_request(request: Any) -> None:  # also what the route does not see (workers)
        if not is_local(request.url):
            note(request)

    def on_console(message: Any) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            seen.errors.append(f"console error: {message.text} ({where})")

    page.route("**/*", route)
    context.on("request", on_request)
    page.on("websocket", lambda socket: seen.external.append(f"websocket {socket.url}"))
    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.errors.append(f"page error: {error}"))
    return context, seen


@pytest.fixture
def visit(browser: Any, base_url: str) -> Iterator[Visit]:
    context, seen = open_visit(browser, base_url)
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture(scope="module")
def links(browser: Any, base_url: str) -> dict[str, str]:
    """Pages found by following links: the first account listed, the rep's first deal."""
    context, seen = open_visit(browser, base_url)
    here = urlsplit(base_url).netloc
    found = {}
    try:
        for kind, path, pattern in (
            ("account", PAGES["accounts"], r"^/accounts/[^/]+/$"),
            ("deal", PAGES["rep"], r"^/deals/[^/]+/$"),
        ):
            seen.goto(path)
            hrefs = seen.page.eval_on_selector_all("article a[href]", "as => as.map(a => a.href)")
            paths = [urlsplit(href).path for href in hrefs if urlsplit(href).netloc == here]
            matching = [p for p in paths if re.match(pattern, p)]
            assert matching, f"{path}: no link matching {pattern} among {paths}"
            found[kind] = matching[0]
    finally:
        context.close()
    return found


@pytest.fixture(scope="module")
def url_of(links: dict[str, str]) -> Callable[[str], str]:
    def resolve(kind: str) -> str:
        if kind == "review" and repository_is_shallow():
            skip_outside_ci("this checkout has no history: the weekly review pages need it")
        return PAGES[kind] or links[kind]

    return resolve


# --- every kind of page: errors, requests, charts ----------------------------------------------


@pytest.mark.parametrize("kind", PAGES)
def test_page_has_no_console_error_or_page_error(visit: Visit, url_of, kind: str) -> None:
    path = url_of(kind)
    visit.goto(path)
    assert not visit.errors, f"{path}:\n" + "\n".join(visit.errors)


@pytest.mark.parametrize("kind", PAGES)
def test_page_requests_nothing_but_the_local_server(visit: Visit, url_of, kind: str) -> None:
    path = url_of(kind)
    visit.goto(path)
    assert not visit.external, f"{path} asked other hosts for:\n" + "\n".join(visit.external)


CHARTS_JS = """
() => [...document.querySelectorAll('div.chart > svg[role=img]')].map(svg => {
  const title = svg.querySelector(':scope > title');
  const box = svg.getBoundingClientRect();
  const shapes = [...svg.querySelectorAll('rect, polyline')]
    .filter(s => !s.closest('.legend'))
    .map(s => { const b = s.getBoundingClientRect(); return [s.tagName, b.width, b.height]; });
  const chart = svg.parentElement;
  const after = node => !!(chart.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING);
  const table = [...document.querySelectorAll('table')].find(after);
  const next = [...document.querySelectorAll('div.chart')].find(after);
  return {
    title: title ? title.textContent.trim() : null,
    width: box.width,
    shapes,
    table: !!table,
    tableFirst: !!table && (!next
      || !!(table.compareDocumentPosition(next) & Node.DOCUMENT_POSITION_FOLLOWING)),
  };
})
"""


def chart_problems(charts: list[dict[str, Any]]) -> list[str]:
    problems = []
    for number, chart in enumerate(charts, start=1):
        name = f"chart {number} ({chart['title']!r})"
        if not chart["title"]:
            problems.append(f"{name}: no <title>, or an empty one")
        if chart["width"] <= 200:
            problems.append(f"{name}: {chart['width']:.0f}px wide, want more than 200px")
        drawn = [
            (tag, width, height)
            for tag, width, height in chart["shapes"]
            if (tag == "rect" and width > 0 and height > 0)
            or (tag == "polyline" and width + height > 0)  # a flat line has no height
        ]
        if not drawn:
            problems.append(f"{name}: no rect or polyline of non-zero size: {chart['shapes']}")
        if not chart["table"]:
            problems.append(f"{name}: no table after it on the page")
        elif not chart["tableFirst"]:
            problems.append(f"{name}: the next chart comes before any table")
    return problems


@pytest.mark.parametrize("kind", PAGES)
def test_every_chart_is_drawn_with_a_title_and_a_table_after_it(
    visit: Visit, url_of, kind: str
) -> None:
    path = url_of(kind)
    visit.goto(path)
    charts = visit.page.evaluate(CHARTS_JS)
    if kind in CHARTED:
        assert charts, f"{path}: no chart (div.chart > svg[role=img])"
    problems = chart_problems(charts)
    assert not problems, f"{path}:\n" + "\n".join(problems)


# --- accessibility (axe-core) ------------------------------------------------------------------

AXE_RUN_JS = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}
"""


@pytest.fixture(scope="module")
def axe_violations(browser: Any, base_url: str, url_of) -> Callable[[str], list[dict[str, Any]]]:
    """axe-core's violations on a kind of page, run once per page and kept for the module."""
    source = AXE.read_text(encoding="utf-8")
    cache: dict[str, list[dict[str, Any]]] = {}

    def run(kind: str) -> list[dict[str, Any]]:
        if kind not in cache:
            context, seen = open_visit(browser, base_url)
            try:
                seen.goto(url_of(kind))
                seen.page.add_script_tag(content=source)
                cache[kind] = seen.page.evaluate(AXE_RUN_JS)
            finally:
                context.close()
        return cache[kind]

    return run


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} [{v['impact']}] {v['help']} ({len(v['targets'])} nodes): "
        + ", ".join(v["targets"][:3])
        for v in violations
    )


@pytest.mark.parametrize("kind", PAGES)
def test_page_has_no_serious_accessibility_violation(axe_violations, url_of, kind: str) -> None:
    """No serious or critical axe-core violation."""
    serious = [v for v in axe_violations(kind) if v["impact"] in SERIOUS]
    assert not serious, f"{url_of(kind)}: serious or critical axe-core violations:\n" + describe(
        serious
    )


# --- search ------------------------------------------------------------------------------------

SEARCHES = [
    pytest.param("王丽", "王丽", id="chinese-person"),
    pytest.param("上海华东电子有限公司", "上海华东电子有限公司", id="chinese-company"),
    pytest.param("华东电子", "上海华东电子有限公司", id="chinese-part-of-company"),
    pytest.param("李明", "李明", id="chinese-contact"),
    pytest.param("ProBook", "ProBook", id="english-product"),
]


@pytest.mark.parametrize(("query", "first_hit"), SEARCHES)
def test_search_on_the_home_page_finds_words_of_the_sample_data(
    visit: Visit, query: str, first_hit: str
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = visit.page
    visit.goto(PAGES["home"])
    box = page.locator("input.md-search__input")
    box.click()  # at desktop width the box is in the header: a click opens the search
    box.fill(query)  # at once: no results of a half-typed query to be mistaken for the answer
    # Playwright enters characters its keyboard lacks (Chinese) as text, with no key events;
    # Material reads the query on keyup, which an input method's commit key sends.
    box.press("End")
    results = page.locator(".md-search-result__item")
    with contextlib.suppress(PlaywrightTimeout):  # none within the time: the assert says so
        results.first.wait_for(state="visible", timeout=SEARCH_TIMEOUT_MS)
    meta = (page.locator(".md-search-result__meta").text_content() or "").strip()
    assert results.count() > 0, f"search for {query!r}: no result in {SEARCH_TIMEOUT_MS}ms ({meta})"
    top = results.first.text_content() or ""
    assert first_hit in top, f"search for {query!r}: the first result is not about it: {top[:200]}"
    assert not visit.errors, "\n".join(visit.errors)


# --- print -------------------------------------------------------------------------------------

LAYOUT_JS = """
() => ({
  sidebars: [...document.querySelectorAll('.md-sidebar')]
    .map(s => [s.className, getComputedStyle(s).display]),
  charts: [...document.querySelectorAll('div.chart > svg[role=img]')].map(svg => {
    const b = svg.getBoundingClientRect();
    return [b.width, b.height, getComputedStyle(svg).display,
            getComputedStyle(svg.parentElement).display,
            getComputedStyle(svg).visibility];
  }),
})
"""

CUT_COLUMNS_JS = """
() => {
  const right = document.querySelector('article').getBoundingClientRect().right + 1;
  return [...document.querySelectorAll('article table')]
    .filter(t => t.getBoundingClientRect().right > right)
    .map(t => {
      const cut = [...t.rows[0].cells].filter(c => c.getBoundingClientRect().right > right);
      let h = (t.closest('.md-typeset__scrollwrap') || t).previousElementSibling;
      while (h && !/^H[1-6]$/.test(h.tagName)) h = h.previousElementSibling;
      const heading = h ? h.textContent.replace('\u00b6', '').trim() : '(no heading)';
      return heading + ': ' + cut.map(c => c.textContent.trim()).join(', ');
    });
}
"""


def test_rep_page_in_print_hides_the_sidebars_and_keeps_the_charts(visit: Visit) -> None:
    path = PAGES["rep"]
    visit.goto(path)
    screen = visit.page.evaluate(LAYOUT_JS)
    shown = [name for name, display in screen["sidebars"] if display != "none"]
    assert shown, f"{path}: no sidebar shown on screen at {VIEWPORT}, so print proves nothing"

    visit.page.emulate_media(media="print")
    printed = visit.page.evaluate(LAYOUT_JS)
    shown = [name for name, display in printed["sidebars"] if display != "none"]
    assert not shown, f"{path}: sidebars still displayed in print: {shown}"
    assert len(printed["charts"]) == len(screen["charts"]) > 0, (screen, printed)
    hidden = [
        chart
        for chart in printed["charts"]
        if chart[0] <= 0 or chart[1] <= 0 or "none" in chart[2:4] or chart[4] == "hidden"
    ]
    assert not hidden, f"{path}: charts not visible in print: {hidden}"
    for svg in visit.page.locator("div.chart > svg[role=img]").all():
        assert svg.is_visible()
    assert not visit.errors, "\n".join(visit.errors)


def pdf_page_count(pdf: bytes) -> int:
    """Page objects in a PDF (`/Type /Page`, not `/Pages`); Chromium writes them uncompressed."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


@pytest.mark.parametrize(("kind", "most"), [("rep", MAX_PDF_PAGES), ("handover", 1)])
def test_page_prints_on_few_a4_pages(
    visit: Visit, tmp_path_factory: pytest.TempPathFactory, kind: str, most: int
) -> None:
    """A rep's page on a few sheets; a handover checklist on one, to take to the customer."""
    path = PAGES[kind]
    visit.goto(path)
    visit.page.emulate_media(media="print")
    # Under pytest's base temp (in /tmp), which keeps the last runs' files for a look.
    out = tmp_path_factory.mktemp("print") / f"{kind}.pdf"
    margin = f"{PDF_MARGIN_MM}mm"
    pdf = visit.page.pdf(
        path=str(out),
        format=PDF_FORMAT,
        print_background=True,
        margin={"top": margin, "bottom": margin, "left": margin, "right": margin},
    )
    assert out.read_bytes() == pdf
    assert pdf.startswith(b"%PDF-")
    pages = pdf_page_count(pdf)
    total = re.search(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf) or re.search(
        rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf
    )
    if total:  # the page tree's own count, where it can be read, must agree
        assert pages == int(total.group(1)), (pages, total.group(0))
    assert 1 <= pages <= most, f"{path} prints on {pages} {PDF_FORMAT} pages: {out}"


def test_rep_page_prints_every_table_column(browser: Any, base_url: str) -> None:
    context, seen = open_visit(
        browser, base_url, viewport={"width": PRINT_WIDTH_PX, "height": 1000}
    )
    try:
        seen.goto(PAGES["rep"])
        seen.page.emulate_media(media="print")
        cut = seen.page.evaluate(CUT_COLUMNS_JS)
    finally:
        context.close()
    assert not cut, (
        f"{PAGES['rep']} on {PDF_FORMAT} with {PDF_MARGIN_MM} mm margins "
        f"({PRINT_WIDTH_PX}px): tables whose columns are cut off:\n" + "\n".join(cut)
    )

"""Every page of the sample site at desktop (1280 px) and phone (390 px) width in Chromium:
no table column is cut off without a way to reach it, and the page itself never scrolls
sideways. The site, the server and the browser are test_browser's (Debian's Chromium, never
one Playwright downloads)."""

from __future__ import annotations

from typing import Any

import pytest
from test_browser import (  # noqa: F401 (fixtures)
    PAGES,
    base_url,
    browser,
    chromium,
    links,
    open_visit,
    site,
    url_of,
)

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}

# For each table of the article: the headers whose right edge is past the article's and that no
# sideways-scrolling box around the table can bring into view, and whether a box that scrolls
# shows the shadow that tells the reader there is more.
UNREACHABLE_JS = """
() => {
  const article = document.querySelector('article').getBoundingClientRect();
  const content = document.querySelector('.md-content').getBoundingClientRect();
  const problems = [];
  const names = cells => cells.map(c => c.textContent.trim()).join(', ');
  for (const table of document.querySelectorAll('article table')) {
    let box = table.parentElement, scroller = null;
    while (box && box.tagName !== 'ARTICLE') {
      const overflow = getComputedStyle(box).overflowX;
      if ((overflow === 'auto' || overflow === 'scroll') && box.scrollWidth > box.clientWidth + 1) {
        scroller = box; break;
      }
      box = box.parentElement;
    }
    let h = (table.closest('.md-typeset__scrollwrap') || table).previousElementSibling;
    while (h && !/^H[1-6]$/.test(h.tagName)) h = h.previousElementSibling;
    const heading = h ? h.textContent.replace('\\u00b6', '').trim() : '(no heading)';
    const headers = [...table.rows[0].cells];
    if (scroller) {
      const frame = scroller.getBoundingClientRect();
      const end = frame.left + scroller.scrollWidth + 1;
      const lost = headers.filter(c => c.getBoundingClientRect().right > end);
      if (frame.right > Math.min(content.right, window.innerWidth) + 1 || lost.length)
        problems.push(heading + ': out of reach: ' + names(lost));
      if (!getComputedStyle(scroller).backgroundImage.includes('gradient'))
        problems.push(heading + ': scrolls sideways without a shadow at its edge');
    } else {
      const cut = headers.filter(c => c.getBoundingClientRect().right > article.right + 1);
      if (cut.length) problems.push(heading + ': cut off: ' + names(cut));
    }
  }
  const page = document.scrollingElement;
  if (page.scrollWidth > window.innerWidth + 1)
    problems.push('the page scrolls sideways: ' + page.scrollWidth + 'px in ' + window.innerWidth);
  return problems;
}
"""


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("kind", PAGES)
def test_every_table_column_is_in_view_or_reachable_by_scrolling(
    browser: Any,  # noqa: F811 (test_browser's fixtures, imported above)
    base_url: str,  # noqa: F811
    url_of,  # noqa: F811
    kind: str,
    width: int,
) -> None:
    """Wide tables scroll inside a box with a shadow on the edge that hides columns."""
    context, seen = open_visit(browser, base_url, viewport={"width": width, "height": 900})
    try:
        seen.goto(url_of(kind))
        problems = seen.page.evaluate(UNREACHABLE_JS)
    finally:
        context.close()
    assert not problems, f"{url_of(kind)} at {width}px:\n" + "\n".join(problems)


PRINT_HEADERS_JS = """
() => [...document.querySelectorAll('article table th')].filter(th => {
  const words = th.textContent.trim().split(/\\s+/).filter(w => /^[A-Za-z]{4,}$/.test(w));
  const range = document.createRange();
  return words.length && [...th.childNodes].some(n => {
    if (n.nodeType !== 3) return false;
    range.selectNodeContents(n);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return lines.size > words.length;  // more lines than words: a word was broken
  });
}).map(th => th.textContent.trim())
"""


@pytest.mark.parametrize("kind", ["home", "account", "marketing", "handover", "rep"])
def test_printed_table_headers_break_between_words_only(
    browser: Any,  # noqa: F811 (test_browser's fixtures, imported above)
    base_url: str,  # noqa: F811
    url_of,  # noqa: F811
    kind: str,
) -> None:
    """In print, a header wraps at its spaces, never inside a word ("Probabil" / "ity")."""
    context, seen = open_visit(browser, base_url, viewport={"width": 718, "height": 1000})
    try:
        seen.goto(url_of(kind))
        seen.page.emulate_media(media="print")
        broken = seen.page.evaluate(PRINT_HEADERS_JS)
    finally:
        context.close()
    assert not broken, f"{url_of(kind)} in print: headers broken inside a word: {broken}"


# Every text of every chart: its box inside the picture (a label that runs off the edge or
# out of a small bar is cut or unreadable).
CHART_TEXT_JS = """
() => [...document.querySelectorAll('div.chart > svg')].flatMap(svg => {
  const view = svg.viewBox.baseVal;
  return [...svg.querySelectorAll('text')].filter(text => {
    if (text.closest('[transform]') || text.hasAttribute('transform')) return false;
    const box = text.getBBox();
    return box.x < view.x - 1 || box.x + box.width > view.x + view.width + 1
      || box.y < view.y - 1 || box.y + box.height > view.y + view.height + 1;
  }).map(text => text.textContent.trim());
})
"""


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("kind", ["home", "marketing", "territory", "rep", "forecast", "trends"])
def test_chart_labels_stay_inside_their_picture(
    browser: Any,  # noqa: F811 (test_browser's fixtures, imported above)
    base_url: str,  # noqa: F811
    url_of,  # noqa: F811
    kind: str,
    width: int,
) -> None:
    """Funnel labels beside the bars, axis labels left of the plot: none runs off the edge."""
    context, seen = open_visit(browser, base_url, viewport={"width": width, "height": 900})
    try:
        seen.goto(url_of(kind))
        outside = seen.page.evaluate(CHART_TEXT_JS)
    finally:
        context.close()
    assert not outside, f"{url_of(kind)} at {width}px: chart labels outside the chart: {outside}"

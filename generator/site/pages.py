"""Pages of the site as plain data: `(path, markdown)`, rendered from Jinja2 templates.

The user's `templates/` folder comes first; the packaged templates are the fallback and can
be extended as `default:<name>`. Every `{{ value }}` is escaped once, by the environment.
The pages come in families over one `SiteContext`: the sales pages (overviews, territories,
reps), the records (the accounts and support lists, each account and deal), the history
pages and the handover pages. Deal and account pages are
reached from tables and search, never listed in the navigation, so a page's size does not
grow with the number of deals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment

from ..data.forked import Theirs
from ..data.load import ValidDataset
from ..history.records import History
from . import markup
from .calibration_pages import build_calibration_pages
from .context import Page, SiteContext
from .environment import PACKAGED, environment
from .handover_pages import build_handover_pages
from .history_pages import build_history_pages
from .markup import SortKeys, html_text
from .memo import PageMemo, file_hash, installed_versions
from .record_pages import build_list_pages, build_record_pages
from .sales_pages import build_sales_pages, build_team_pages
from .words import WORDS

__all__ = ["SCRIPT", "STYLESHEET", "Page", "build_pages", "navigation"]

ROBOTS = Page("robots.txt", "User-agent: *\nDisallow: /\n")
"""The site is the team's own: search engines are asked to stay out."""
PINYIN = " ".join(["pinyin", *installed_versions(["pypinyin"]), file_hash(Path(markup.__file__))])
"""The memo's key of the names read in pinyin: by the code that reads them, and pypinyin."""
APART_FROM = 1000
"""With this many accounts and deals or more, a second process makes part of the pages
(`build_pages`' `cores`, `FAMILIES`); fewer are not worth a fork."""

Family = Callable[[SiteContext], list[Page]]


def _robots(context: SiteContext) -> list[Page]:
    return [ROBOTS]


FAMILIES: tuple[tuple[Family, bool], ...] = (
    (build_sales_pages, False),
    (build_list_pages, True),
    (_robots, False),
    (build_team_pages, True),
    (build_record_pages, True),
    (build_history_pages, False),
    (build_calibration_pages, False),
    (build_handover_pages, False),
)
"""The site's pages by family, in the search index's order; True: made by the second process
when there is one. The two parts take about as long in a first build (the deals' and accounts'
pages, a third of a millisecond each, against the reviews) and in a build whose pages are mostly
in the memo (the lists, made again for any deal's change, against the overviews, the win rates
and the reviews of a new commit's week). Measured family by family at 10,000 deals: a first
build 3.8 s here against 4.4 s there, one after a new commit 0.8 s here against 0.7 s there."""


def build_pages(
    dataset: ValidDataset,
    as_of: date,
    *,
    templates: Path | None = None,
    language: str = "en",
    history: History | None = None,
    history_notice: str | None = None,
    memo: PageMemo | None = None,
    env: Environment | None = None,
    directory_urls: bool = True,
    cores: int = 1,
) -> list[Page]:
    """Every generated page and file of the site; without `history`, the pages that need it
    show `history_notice` instead. The order is the search index's: the overviews and lists
    first, then the team's pages, a page per account and deal, history and handovers. With a
    `memo`, a page whose inputs are those of a page made before is taken from it (and the
    names read in pinyin before are not read again). `env` is the `environment` of
    `templates` when the caller keeps it (its templates compiled once). `directory_urls`:
    the site's addresses are folders (`deals/x/`), else files (`deals/x.html`). With two
    `cores` and many records, a forked process makes part of the pages (the lists, the
    team's, the accounts' and deals': see `FAMILIES`) while this one makes the others: the
    same pages either way (see `_apart`)."""
    known = memo.recall(PINYIN) if memo is not None else None
    sort_key = SortKeys(known if isinstance(known, dict) else {})
    context = SiteContext.of(
        dataset,
        as_of,
        environment(templates) if env is None else env,
        language,
        history,
        history_notice,
        memo=memo,
        templates=templates,
        sort_key=sort_key,
        directory_urls=directory_urls,
    )
    records = len(dataset.deals) + len(dataset.accounts)
    apart = [family for family, theirs in FAMILIES if theirs]
    made: dict[Family, list[Page]] = {}
    theirs = None
    if cores > 1 and records >= APART_FROM:
        theirs = Theirs([apart], lambda parts: [_apart(context, part) for part in parts])
    try:
        for family, _ in FAMILIES:
            if theirs is None or family not in apart:
                made[family] = family(context)
        if theirs is not None:
            [their] = theirs.results()
            made.update(zip(apart, their.merged_into(context), strict=True))
    finally:
        if theirs is not None:
            theirs.stop()
    pages = [page for family, _ in FAMILIES for page in made[family]]
    if memo is not None:
        memo.keep(PINYIN, sort_key.pinyin)
    return pages


@dataclass(frozen=True)
class _Apart:
    """The pages a second process made, with what it added to the memo and the names it read
    in pinyin: plain values, sent back pickled."""

    pages: list[list[Page]]
    """Each family's."""
    used: dict[str, bytes]
    hits: int
    rendered: int
    pinyin: dict[str, str]

    def merged_into(self, context: SiteContext) -> list[list[Page]]:
        """Each family's pages; their memo's entries and names are added to `context`'s."""
        memo = context.memo
        if memo is not None:
            memo.used.update(self.used)
            memo.hits += self.hits
            memo.rendered += self.rendered
        context.sort_key.pinyin.update(self.pinyin)
        return self.pages


def _apart(context: SiteContext, families: Sequence[Family]) -> _Apart:
    """`families`' pages, made as by this process alone; what they add to the memo is kept
    apart, and handed back with them (the memo as it was is left as it was)."""
    memo = context.memo if context.memo is not None else PageMemo()  # none: nothing to add
    before = memo.used, memo.hits, memo.rendered
    memo.used, memo.hits, memo.rendered = {}, 0, 0
    try:
        pages = [family(context) for family in families]
        return _Apart(pages, memo.used, memo.hits, memo.rendered, dict(context.sort_key.pinyin))
    finally:
        memo.used, memo.hits, memo.rendered = before


def navigation(pages: list[Page], language: str = "en") -> list[object]:
    """The site's navigation in mkdocs.yml's `nav` form; deal and account pages stay out."""
    t = WORDS[language]
    section = {
        prefix: [
            {str(html_text(page.title)): page.path}  # MkDocs puts nav titles into HTML as is
            for page in pages
            if page.path.startswith(prefix)
        ]
        for prefix in ("territories/", "reps/")
    }
    nav: list[object] = [
        {t["home"]: "index.md"},
        {t["forecast"]: "forecast.md"},
        {t["marketing"]: "marketing.md"},
        {t["territories"]: section["territories/"]},
        {t["people"]: section["reps/"]},
        {t["review"]: "reviews/index.md"},
        {t["handovers"]: "handovers/index.md"},
        {t["accounts"]: "accounts/index.md"},
        {t["support"]: "support.md"},
        {t["compliance"]: "compliance.md"},
        {t["trends"]: "trends.md"},
        {t["calibration"]: "calibration.md"},
    ]
    return nav


STYLESHEET = Page("assets/funnel.css", (PACKAGED / "funnel.css").read_text(encoding="utf-8"))
SCRIPT = Page("assets/funnel.js", (PACKAGED / "funnel.js").read_text(encoding="utf-8"))

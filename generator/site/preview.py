"""The live preview's first answer to a save: the few pages that show what changed.

`funnel serve` keeps one `Preview` for as long as it runs. After a save, the data is checked
again (the records of unchanged files come back from the parse cache as the very same
objects), compared with the data of the last answer, and the pages that show what changed are
made from a context that reuses everything else: each changed deal's page, its account's, its
owner's and its territory's, the home page and the forecast. The whole site is then built again
beside it; until that build is done, the other pages show the data as it was. A change of the
funnel, the team, the targets or the handovers, or of many records at once (another branch
checked out), is answered by the whole build alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TypeVar

from jinja2 import Environment

from ..analytics.calendar import KINDS, PeriodKind
from ..analytics.forecast import Forecast, build_forecasts
from ..data.files import FileEntry, walk, walk_again
from ..data.load import ValidDataset
from ..data.model import Record
from ..data.parse_cache import ParseCache
from ..data.problems import Problem, error, only_errors
from ..data.validate import check
from ..history.records import History
from .context import Page, SiteContext
from .environment import environment
from .record_pages import account_page, deal_page
from .sales_pages import forecast_page, home_page, rep_page, territory_page

MOST_RECORDS = 20
"""A save that changes more deals and accounts than this (a branch checked out, an import) is
answered by the whole build alone."""
R = TypeVar("R", bound=Record)
GONE = "the data folder is gone: the pages show the last good data until it is back"
OVERVIEWS = ("index.md", "forecast.md")
"""The pages that show every deal and are made again after any change of one."""


@dataclass(frozen=True)
class Answer:
    """What a save changed: the pages to show now; or the data's errors (nothing made); or
    `whole`: the site must be built again as a whole before anything is shown."""

    pages: list[Page] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    whole: bool = False


class Preview:
    """The checked data and the context of the last answer, made again after each save from
    what changed. `history` is the one the site was built with: a commit is a change for the
    whole build."""

    def __init__(
        self,
        data: Path,
        as_of: date,
        *,
        display: str | None = None,
        templates: Path | None = None,
        language: str = "en",
        history: History | None = None,
        history_notice: str | None = None,
        cache: ParseCache | None = None,
        env: Environment | None = None,
        directory_urls: bool = True,
    ) -> None:
        self.data, self.as_of, self.display = data, as_of, display
        self.named = display or str(data)
        """How messages name the data folder."""
        self.directory_urls = directory_urls
        self.language, self.templates, self.cache = language, templates, cache
        self.history, self.history_notice = history, history_notice
        self.env = environment(templates) if env is None else env
        """The templates' environment (the whole build's, given: compiled already)."""
        self.context: SiteContext | None = None
        self.files: list[FileEntry] | None = None
        """The data's files as the last answer found them (see `_files`)."""

    def answer(self, now_ns: int | None = None, changed: Collection[str] | None = None) -> Answer:
        """Check the data as it is now and make the pages that show what changed since the
        last answer; the first answer only keeps the data (it has nothing to compare).
        `now_ns` (the caller's clock, in nanoseconds) lets files that have not changed for a
        second be known next time by their size and times, unread (see `ParseCache.settle`).
        `changed`, the paths the system's file events named since the last answer, spares
        looking at every other file (None: every file is looked at)."""
        if self.cache is not None and now_ns is not None:
            self.cache.settle(now_ns)
        if not self.data.is_dir():  # moved or removed: one error, not one for each file
            self.files = None
            return Answer(errors=[error(self.named, 1, 1, GONE)])
        entries = self._files(changed)
        result = check(  # the cache's file is written by the whole builds
            self.data,
            self.as_of,
            display=self.display,
            cache=self.cache,
            entries=entries,
            save=False,
        )
        errors = only_errors(result.problems)
        if errors:
            return Answer(errors=errors)
        dataset = result.dataset.valid()
        before = self.context
        self.context = SiteContext.of(
            dataset,
            self.as_of,
            self.env,
            self.language,
            self.history,
            self.history_notice,
            previous=before,
            directory_urls=self.directory_urls,
        )
        if before is None:
            return Answer()
        paths = touched_pages(before.dataset, dataset)
        if paths is None:
            return Answer(whole=True)
        return Answer(pages=preview_pages(self.context, paths))

    def _files(self, changed: Collection[str] | None) -> list[FileEntry] | None:
        """The data's files: the last answer's, updated by the `changed` paths when that
        can be done; else found again. None when the data folder holds a file that `walk`
        refuses (the check walks again and says so)."""
        if changed is not None and self.files is not None:
            self.files = walk_again(self.data, self.files, changed)
            if self.files is not None:
                return self.files
        refused: list[Problem] = []
        found = walk(self.data, self.named, refused)
        self.files = None if refused else found
        return self.files


def touched_pages(before: ValidDataset, after: ValidDataset) -> set[str] | None:
    """The paths of the pages that show a deal or account changed from `before` to `after`
    (added and removed ones included); None when something else changed, or too much."""
    for name in ("funnel", "team", "targets", "handovers"):
        if not _same(getattr(before, name), getattr(after, name)):
            return None
    deals = _changed(before.deals, after.deals)
    accounts = _changed(before.accounts, after.accounts)
    if not deals and not accounts:
        return set()
    if len(deals) + len(accounts) > MOST_RECORDS:
        return None
    paths = set(OVERVIEWS)
    for deal in _versions(deals, before.deals, after.deals):
        paths |= {f"deals/{deal.id}.md", f"accounts/{deal.account}.md", f"reps/{deal.owner}.md"}
        paths |= _territory_pages(deal.account, before, after)
    for account in _versions(accounts, before.accounts, after.accounts):
        paths.add(f"accounts/{account.id}.md")
        paths |= _territory_pages(account.id, before, after)
    if accounts:  # a deal's page names its account
        shown = set(accounts)
        paths |= {f"deals/{d.id}.md" for d in after.deals.values() if d.account in shown}
    return paths


def preview_pages(context: SiteContext, paths: Iterable[str]) -> list[Page]:
    """The pages at `paths` that the context has (a removed deal's has gone), by path."""
    forecasts = cache(lambda: build_forecasts(context.dataset, context.as_of, KINDS))
    pages = [_page(context, path, forecasts) for path in sorted(paths)]
    return [page for page in pages if page is not None]


def _page(
    context: SiteContext, path: str, forecasts: Callable[[], dict[PeriodKind, Forecast]]
) -> Page | None:
    folder, _, name = path.rpartition("/")
    record = name.removesuffix(".md")
    if path == "index.md":
        return home_page(context, forecasts())
    if path == "forecast.md":
        return forecast_page(context, forecasts())
    if folder == "deals" and record in context.views:
        return deal_page(context, context.views[record])
    if folder == "accounts" and record in context.dataset.accounts:
        return account_page(context, context.dataset.accounts[record])
    if folder == "reps" and record in context.people:
        return rep_page(context, context.people[record])
    if folder == "territories" and record in context.territories:
        return territory_page(context, record)
    return None


def _same(before: object, after: object) -> bool:
    return before is after or before == after


def _changed(before: Mapping[str, Record], after: Mapping[str, Record]) -> list[str]:
    """The ids whose record was added, removed or changed (unchanged ones are usually the
    very same objects: the comparison is rarely needed)."""
    return [
        record_id
        for record_id in before.keys() | after.keys()
        if not _same(before.get(record_id), after.get(record_id))
    ]


def _versions(ids: list[str], before: Mapping[str, R], after: Mapping[str, R]) -> list[R]:
    """The records of `ids` as they were and as they are (either may be missing)."""
    return [record for i in ids for record in (before.get(i), after.get(i)) if record is not None]


def _territory_pages(account_id: str, before: ValidDataset, after: ValidDataset) -> set[str]:
    """The pages of the territory of an account, before and after."""
    return {
        f"territories/{account.territory}.md"
        for account in (before.accounts.get(account_id), after.accounts.get(account_id))
        if account is not None
    }

"""What every page of the site is rendered from: one checked dataset at one date, in one
language, with its history when there is one; and the page itself as plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

import jinja2

from ..analytics.accounts import supported_accounts
from ..analytics.deals import DealView, deal_view
from ..analytics.pipeline import DealIndex
from ..analytics.support import Support
from ..data.load import ValidDataset
from ..data.model import CLOSED_STAGES, Deal, Funnel, Person, Stage, Territory
from ..history.events import Event, all_events
from ..history.git import SHALLOW_MESSAGE
from ..history.records import History
from .credits import Credits
from .describe import describe_change
from .markup import SortKeys
from .memo import Digest, PageMemo, Unkeyable, pack, page_key, shared_digest, unpack
from .reads import may_read
from .words import WORDS

T = TypeVar("T")


@dataclass(frozen=True, init=False)
class Page:
    """One generated file: where it goes, its content, and its title in the navigation.

    The content is held packed (UTF-8, compressed: see `pack`) and read as `markdown`: a
    build holds every page's text from its making to its conversion, and as Python text a
    page of Chinese names takes two bytes a character (150 MiB at 10,000 deals; packed, 18)."""

    path: str
    packed: bytes
    title: str

    def __init__(self, path: str, markdown: str, title: str = "") -> None:
        self._set(path, pack(markdown), title)

    @classmethod
    def of_packed(cls, path: str, packed: bytes, title: str = "") -> Page:
        """The page whose content `packed` holds (see `pack`)."""
        page = cls.__new__(cls)
        page._set(path, packed, title)
        return page

    def _set(self, path: str, packed: bytes, title: str) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "packed", packed)
        object.__setattr__(self, "title", title)

    @property
    def markdown(self) -> str:
        """The page's content."""
        return unpack(self.packed)


@dataclass(frozen=True)
class SiteContext:
    """The dataset and everything looked up once for all pages: people, territories, each
    deal's view, who may receive support, the history's events, the site's words."""

    dataset: ValidDataset
    funnel: Funnel
    as_of: date
    t: dict[str, str]
    """The site's words in its language."""
    env: jinja2.Environment
    index: DealIndex
    people: dict[str, Person]
    territories: dict[str, Territory]
    reps: list[Person]
    """Everyone in the team, by name as people expect them sorted."""
    views: dict[str, DealView]
    labels: dict[str, dict[str, str]]
    """Stage, owner and account ids -> their names, for telling changes."""
    credits: Credits
    support: dict[str, Support]
    """Account id -> why it may receive support (by id); the accounts without are left out."""
    history: History | None
    history_notice: str | None
    """Why the history pages are missing, in the site's words; None with history."""
    events: list[Event]
    timelines: dict[str, list[Event]]
    """Deal id -> its events, oldest first."""
    memo: PageMemo | None = None
    """Pages made before, by the digest of their inputs (see `memo`); None: render all."""
    shared: str = ""
    """The digest of what every page depends on (with a memo)."""
    undated: str = ""
    """`shared` but for the as-of day: the key of a page whose templates never read the day
    (see `may_read`), which then comes from the memo on a new day when its inputs are the
    same (a deal's page, once its inputs say nothing of the day)."""
    history_key: str = ""
    """The digest of what everything made from the history depends on besides its commits
    (with a memo and history): what every page shares but the day (a timeline, a week's
    facts, a forecast at a period's start are told from the commits up to a day, never
    from the as-of day), the data folder, the baseline and the funnel."""
    reader: Digest = field(default_factory=Digest)
    sort_key: SortKeys = field(default_factory=SortKeys)
    """Sorts names as people expect (see `SortKeys`)."""
    directory_urls: bool = True
    """A page's address is its folder (`deals/x/`), else its file (`deals/x.html`): the links
    in raw HTML are written as the site's addresses (`url()`)."""

    @classmethod
    def of(
        cls,
        dataset: ValidDataset,
        as_of: date,
        env: jinja2.Environment,
        language: str,
        history: History | None = None,
        history_notice: str | None = None,
        memo: PageMemo | None = None,
        templates: Path | None = None,
        previous: SiteContext | None = None,
        sort_key: SortKeys | None = None,
        directory_urls: bool = True,
    ) -> SiteContext:
        """The context of a checked dataset (funnel and team present) at `as_of`; with a
        `memo`, pages whose inputs are unchanged (`templates`: the user's folder among them)
        are taken from it. A `previous` context's events (same history) and the views of its
        deals (the very same records) are reused, and so are the names it read in pinyin
        unless `sort_key` is given."""
        funnel, team = dataset.funnel, dataset.team
        t = WORDS[language]
        people = {person.id: person for person in team.people}
        closed = {
            stage.id: stage.model_copy(update={"name": t[stage.id]})
            for stage in map(funnel.stage, CLOSED_STAGES)
            if stage is not None
        }
        if sort_key is None:
            sort_key = previous.sort_key if previous is not None else SortKeys()
        if previous is not None and previous.history is history and previous.funnel is funnel:
            events, timelines = previous.events, previous.timelines
        else:
            events = all_events(history, funnel) if history is not None else []
            timelines = _timelines(events)
        context = cls(
            dataset=dataset,
            funnel=funnel,
            as_of=as_of,
            t=t,
            env=env,
            index=DealIndex.of(dataset),
            people=people,
            territories={territory.id: territory for territory in team.territories},
            reps=sorted(team.people, key=lambda person: sort_key(person.name)),
            views=_views(
                dataset, closed, people, previous if previous and previous.t is t else None
            ),
            labels=_labels(dataset, [*funnel.stages, *closed.values()]),
            credits=Credits.of(team.people),
            support=supported_accounts(dataset, as_of),
            history=history,
            history_notice=_notice(history_notice, t),
            events=events,
            timelines=timelines,
            memo=memo,
            sort_key=sort_key,
            directory_urls=directory_urls,
        )
        if memo is None:
            return context
        context.reader.know([*dataset.deals.values(), *dataset.accounts.values()], dataset.blobs)
        _name_views(context.reader, context.views, dataset, closed, people)
        undated = shared_digest(
            [] if templates is None else [templates],
            language,
            t,
            funnel.currency,
            funnel.rules,
            context.labels,
            context.credits,
            history is None,
            context.history_notice,
            directory_urls,
        )
        shared = context.reader.of((undated, as_of))
        if history is None:
            return replace(context, shared=shared, undated=undated)
        history_key = context.reader.of((undated, history.data_prefix, history.baseline, funnel))
        _name_timelines(context.reader, history_key, history, timelines)
        return replace(context, shared=shared, undated=undated, history_key=history_key)

    def render(self, template: str, path: str, **context: object) -> bytes:
        """The template rendered for the page at `path`, with what every page receives,
        packed (see `pack`); the memo's when this page's inputs are those of a page made
        before."""
        key = None
        if self.memo is not None:
            shared = self.shared if self.day_for(template) else self.undated
            try:
                key = page_key(shared, self.reader, template, path, context)
            except Unkeyable:
                key = None
            made = None if key is None else self.memo.get(key)
            if made is not None:
                return made
        packed = pack(self._render(template, path, **context))
        if key is not None and self.memo is not None:
            self.memo.put(key, packed)
        return packed

    def day_for(self, template: str) -> date | None:
        """The as-of day when `template` may read it (see `may_read`), else None: part of the
        key of what is rendered from it."""
        return self.as_of if may_read(self.env, template, "as_of") else None

    def _render(self, template: str, path: str, **context: object) -> str:
        return self.env.get_template(template).render(
            t=self.t,
            as_of=self.as_of,
            currency=self.funnel.currency,
            rules=self.funnel.rules,
            page_path=path,
            # a change in the site's words; not a method of the context: a rendering leaves
            # cycles, which would hold the context (the dataset, the history, every view)
            # until the collector finds them
            describe=partial(describe_change, t=self.t, labels=self.labels),
            credits=self.credits,
            history_notice=self.history_notice if self.history is None else None,
            directory_urls=self.directory_urls,
            **context,
        )

    def remembered(self, key: str | None, make: Callable[[], T], kind: type) -> T:
        """What `make` makes, kept in the memo under `key` (the digest of all it is made from)
        for the next build; the memo's, when a build before kept a `kind` under that key.
        Made every time without a memo or a key."""
        if self.memo is None or key is None:
            return make()
        found = self.memo.recall(key)
        if found is not None and isinstance(found, kind):
            return cast(T, found)  # kept by `make` under the digest of what it is made from
        made = make()
        self.memo.keep(key, made)
        return made

    def made_of(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)`, kept in the memo by the digest of its arguments (read whole, as
        a page's values are) for the next build: for a function of its arguments alone (its
        code is the site's, which every key holds)."""
        if self.memo is None:
            return function(*args)
        try:
            key = self.reader.of((self.shared, function.__module__, function.__qualname__, args))
        except Unkeyable:
            return function(*args)
        return self.remembered(key, lambda: function(*args), object)

    def page(self, template: str, path: str, title: str, **context: object) -> Page:
        """The page at `path` with its title, rendered from `template`."""
        return Page.of_packed(path, self.render(template, path, title=title, **context), title)

    def views_of(self, deals: list[Deal]) -> list[DealView]:
        """The views of `deals`, in their order."""
        return [self.views[deal.id] for deal in deals]


def _views(
    dataset: ValidDataset,
    closed: dict[str, Stage],
    people: dict[str, Person],
    previous: SiteContext | None,
) -> dict[str, DealView]:
    """Each deal's view; a previous context's where the deal, its account, the funnel and the
    team are the very same records (a view is made of nothing else)."""
    before = None
    if previous is not None:
        old = previous.dataset
        if old.funnel is dataset.funnel and old.team is dataset.team:
            before = previous
    views = {}
    for deal_id, deal in dataset.deals.items():
        if (
            before is not None
            and before.dataset.deals.get(deal_id) is deal
            and before.dataset.accounts.get(deal.account) is dataset.accounts.get(deal.account)
        ):
            views[deal_id] = before.views[deal_id]
        else:
            views[deal_id] = _view(dataset, deal, closed, people)
    return views


def _name_views(
    reader: Digest,
    views: dict[str, DealView],
    dataset: ValidDataset,
    closed: dict[str, Stage],
    people: dict[str, Person],
) -> None:
    """Read each deal's view by what it is made from (see `_view`): its deal and its account
    (each read as its file: see `Digest.know`), and the funnel, the closed stages and the team
    that all views share. Read field by field, the views were read once in each process
    making pages, a tenth of a warm build's keys."""
    shared = reader.of((dataset.funnel, closed, people))
    for view in views.values():  # its account: the dataset's record of it, or None
        reader.name(view, f"DealView@{shared}@{reader.of(view.deal)}@{reader.of(view.account)}")


def _view(
    dataset: ValidDataset, deal: Deal, closed: dict[str, Stage], people: dict[str, Person]
) -> DealView:
    view = deal_view(dataset, deal, stages=closed, people=people)
    assert view is not None, f"{deal.id}: a checked deal's stage is in the funnel"
    return view


def _labels(dataset: ValidDataset, stages: list[Stage]) -> dict[str, dict[str, str]]:
    return {
        "stage": {stage.id: stage.label for stage in stages},
        "owner": {person.id: person.name for person in dataset.team.people},
        "account": {account.id: account.name for account in dataset.accounts.values()},
    }


def _timelines(events: list[Event]) -> dict[str, list[Event]]:
    timelines: dict[str, list[Event]] = {}
    for event in events:
        timelines.setdefault(event.change.deal, []).append(event)
    return timelines


def _name_timelines(
    reader: Digest, history_key: str, history: History, timelines: dict[str, list[Event]]
) -> None:
    """Read each deal's timeline by what it is made from: the deal's versions, each by its
    commit in full (a commit's id stands for its tree, so for the deal's file in it), and
    `history_key`. Read field by field, the events of every timeline took most of the time
    a warm build spends on the pages' keys."""
    for deal, timeline in timelines.items():
        commits = ",".join(reader.of(version.commit) for version in history.deals.get(deal, []))
        reader.name(timeline, f"Timeline@{history_key}@{deal}@{commits}")


def _notice(notice: str | None, t: dict[str, str]) -> str | None:
    """Why the history pages are missing, in the site's words."""
    if notice is None:
        return None
    if notice.startswith(SHALLOW_MESSAGE):
        return t["history_shallow"]
    return t["history_missing"].format(reason=notice)

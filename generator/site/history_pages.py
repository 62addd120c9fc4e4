"""The pages that git history makes possible: weekly reviews, compliance and trends (the
funnel's fill per week, the forecast's accuracy per quarter and month).

Without history (a shallow clone, no repository) each of them is a page with a notice that
says how to get it, and the deal pages go without their timeline; nothing is guessed.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import TypeVar

from ..analytics.accuracy import (
    KEPT,
    StartForecast,
    accuracy_periods,
    forecast_accuracy,
    start_forecast,
)
from ..analytics.calendar import Period, Week
from ..analytics.compliance import Finding, findings
from ..analytics.review import RepWeek, agenda, state_at, weekly_review
from ..analytics.team_review import TeamWeek, team_weeks
from ..data.model import Person
from ..data.money import ZERO
from ..history.records import Commit, History, Snapshot
from .context import Page, SiteContext
from .memo import RenderedParts, pickled_name

REVIEW = "review.md.j2"
"""The template of a week's review pages."""
WEEKS_KEPT = 12
SECTIONS = [
    ("new_deals_week", ("added",)),
    ("stage_moves", ("stage_up", "stage_down", "reopened")),
    ("won_lost", ("won", "lost")),
    ("slips", ("slipped", "pulled_in")),
    ("amounts_owners", ("amount", "owner")),
    ("other_changes", ("changed", "moved", "removed_closed")),
]
NOTICE_PAGES = (
    ("reviews/index.md", "review"),
    ("compliance.md", "compliance"),
    ("trends.md", "trends"),
)
"""The history pages (path, title's word) that say why they are missing without history."""
ONE_DAY = timedelta(days=1)
T = TypeVar("T")


State = dict[str, tuple[Snapshot, date]]
"""Each deal as it stood at the end of a day, with the day it last changed."""
Reviewed = tuple[RepWeek, Person | None]
"""A rep's week, and the rep as the team names them (None for an owner it does not)."""


@dataclass(frozen=True)
class FillRow:
    """A week's funnel fill, for the trends page."""

    week: Week
    stages: list[tuple[int, Decimal]]  # per open stage, top down: count and amount


def weeks_to_show(as_of: date) -> list[Week]:
    """The last WEEKS_KEPT ISO weeks, newest first."""
    current = Week.of(as_of)
    return [current.previous(count) for count in range(WEEKS_KEPT)]


def build_history_pages(context: SiteContext) -> list[Page]:
    """Review, compliance and trends pages; without history, each says why it is missing."""
    if context.history is None:
        return [
            context.page(
                "history_notice.md.j2", path, context.t[key], notice=context.history_notice
            )
            for path, key in NOTICE_PAGES
        ]
    history = context.history
    shown = weeks_to_show(context.as_of)
    periods = [period for kind in KEPT for period in accuracy_periods(history, context.as_of, kind)]
    days = [week.end for week in shown] + [period.start - ONE_DAY for period in periods]
    keys = history_keys(context, history, days) if context.memo is not None else {}
    titles = {deal_id: deal.title for deal_id, deal in context.dataset.deals.items()}
    weeks = [week_pages(context, history, week, keys, titles) for week in shown]
    pages = [page for week in weeks for page in week.pages]
    index_rows = [(week.week, week.managers, week.people) for week in weeks]
    pages.append(
        context.page("reviews.md.j2", "reviews/index.md", context.t["review"], rows=index_rows)
    )
    pages.append(compliance_page(context, history))
    pages.append(trends_page(context, history, [week.fill for week in weeks], keys))
    return pages


@dataclass(frozen=True)
class WeekPages:
    """What the site shows of a week: its review pages, the managers with a team page and
    the people with a page of their own (by owner, as the team names them; in the order of
    the pages), and the funnel's fill at the week's end (a row of the trends page)."""

    week: Week
    pages: list[Page]
    managers: list[Person]
    people: list[tuple[str, Person | None]]
    fill: FillRow


def week_pages(
    context: SiteContext,
    history: History,
    week: Week,
    keys: dict[date, str],
    titles: dict[str, str],
) -> WeekPages:
    """The week's pages (see `WeekPages`). With a memo, a week whose history up to its end
    (`keys`: see `history_keys`, by day) and whose names (the deals' titles, the accounts'
    and the people's names, the team's order) are those of a build before is taken whole:
    its facts are not read, and kept for a later build (a name changed makes its pages again
    from them)."""
    memo = context.memo
    facts_key = _history_key(context, keys, week.end, week)
    key = None
    if memo is not None and facts_key is not None:
        names = (titles, context.labels["account"], context.people, context.reps)
        day = context.day_for(REVIEW)  # the pages are taken whole: the day if they show it
        key = context.reader.of((facts_key, "pages", *names, day))
        kept = memo.recall(key)
        if isinstance(kept, WeekPages):
            memo.keep_unread(facts_key)
            memo.hits += len(kept.pages)  # each page's Markdown kept
            return kept
    facts = week_facts(context, history, week, keys)
    pages, managers, reviewed = review_pages(context, week, facts.reviews, titles)
    people = [(rep.owner, person) for rep, person in reviewed]
    made = WeekPages(week, pages, managers, people, facts.fill)
    if memo is not None and key is not None:
        memo.keep(key, made)
    return made


@dataclass(frozen=True)
class WeekFacts:
    """What a week's review pages and its row of the trends page are made from: every rep's
    week, and the funnel's fill at the week's end."""

    reviews: dict[str, RepWeek]
    fill: FillRow
    names: dict[str, str | None]
    """Each rep's week by its pickle (see `pickled_name`), by owner, with a memo: a rep's
    page is keyed by its week as it is, not by the week's commits (a commit of another rep
    keeps it). Named as the week is worked out, so a week read back is not pickled again."""


def week_facts(
    context: SiteContext, history: History, week: Week, keys: dict[date, str]
) -> WeekFacts:
    """The week's facts. With a memo, a week whose history up to its end (`keys`: see
    `history_keys`, by day) is that of a week worked out before is taken from it, and its
    reps' weeks are read by the names they were given as they were worked out (see
    `WeekFacts.names`), not field by field."""
    named = context.memo is not None

    def work_out() -> WeekFacts:
        state = state_at(history, week.end)
        reviews = weekly_review(history, context.events, context.funnel, week, state=state)
        names = {owner: pickled_name(rep) for owner, rep in reviews.items()} if named else {}
        return WeekFacts(reviews, _fill_row(context, week, state), names)

    facts = _kept_by_history(context, keys, week.end, week, work_out, WeekFacts)
    for owner, rep in facts.reviews.items():
        name = facts.names.get(owner)
        if name is not None:
            context.reader.name(rep, f"RepWeek@{name}")
    return facts


def history_keys(context: SiteContext, history: History, days: list[date]) -> dict[date, str]:
    """A key per day for what the history as it stood at the day's end is made from: the main
    line's commits up to the last one that landed on or before the day (each commit in full:
    its id stands for its tree and its parents), and what everything made from the history
    shares (`SiteContext.history_key`: the data folder, the funnel, the code ...)."""
    reader, commits = context.reader, history.commits
    ordered = sorted((commit.day, index) for index, commit in enumerate(commits))
    landed = [day for day, _ in ordered]
    latest = list(accumulate((index for _, index in ordered), max, initial=-1))
    last = {day: latest[bisect_right(landed, day)] for day in days}
    hasher = hashlib.blake2b(context.history_key.encode("utf-8", "surrogatepass"), digest_size=20)
    upto = {-1: hasher.hexdigest()}  # by the index of the last commit read
    for index, commit in enumerate(commits[: max(last.values(), default=-1) + 1]):
        hasher.update(f"\n{reader.of(commit)}".encode("utf-8", "surrogatepass"))
        upto[index] = hasher.hexdigest()
    return {day: upto[index] for day, index in last.items()}


def _kept_by_history(
    context: SiteContext,
    keys: dict[date, str],
    day: date,
    what: Week | Period,
    make: Callable[[], T],
    kind: type,
) -> T:
    """What `make` makes for `what` of the history as it stood at `day`'s end, kept in the
    memo by that history (`keys`: see `history_keys`, by day) and `what`; made every time
    without a key (no memo)."""
    return context.remembered(_history_key(context, keys, day, what), make, kind)


def _history_key(
    context: SiteContext, keys: dict[date, str], day: date, what: Week | Period
) -> str | None:
    """The memo's key of what is made for `what` of the history as it stood at `day`'s end
    (see `_kept_by_history`); None without one."""
    day_key = keys.get(day)
    return None if day_key is None else context.reader.of((day_key, what))


def review_pages(
    context: SiteContext, week: Week, reviews: dict[str, RepWeek], titles: dict[str, str]
) -> tuple[list[Page], list[Person], list[Reviewed]]:
    """A week's review page for each person on the agenda (not those who left, nor managers
    with nothing to discuss), and one for each manager's team with its roll-up; with the
    managers that have a team page and the people's weeks. `titles` names the deals by id."""
    listed = agenda(reviews, context.people)
    made = RenderedParts()
    pages = []
    by_person: list[Reviewed] = []
    for owner, rep in listed.items():
        person = context.people.get(owner)
        title = f"{person.name if person else owner} · {week.name}"
        path = f"reviews/{week.name}/{owner}.md"
        pages.append(review_page(context, path, title, week, [(rep, person)], titles, made))
        by_person.append((rep, person))
    team_pages = []
    for team in team_weeks(reviews, context.reps):
        manager = context.people[team.manager]
        members = [(rep, context.people.get(rep.owner)) for rep in team.reps if rep.owner in listed]
        path = f"reviews/{week.name}/team-{manager.id}.md"
        title = f"{manager.name} · {week.name}"
        pages.append(review_page(context, path, title, week, members, titles, made, [team]))
        team_pages.append(manager)
    return pages, team_pages, by_person


def review_page(
    context: SiteContext,
    path: str,
    title: str,
    week: Week,
    reps: Sequence[Reviewed],
    titles: dict[str, str],
    made: RenderedParts,
    teams: Sequence[TeamWeek] = (),
) -> Page:
    """The agenda of a week's review with one rep, or with a manager's team and its roll-up;
    `titles` names the deals by id. `made` keeps each rep's week as rendered for one week's
    pages (the same text on the rep's page and on the team's page), by owner."""
    return context.page(
        REVIEW,
        path,
        title,
        week=week,
        reps=reps,
        teams=teams,
        sections=SECTIONS,
        links=True,
        deal_titles=titles,
        accounts=context.labels["account"],
        people_by_id=context.people,
        rep_weeks_made=made,
    )


def compliance_page(context: SiteContext, history: History) -> Page:
    """The deals a manager should ask about, by owner: won too soon, or removed unclosed."""
    rules = context.funnel.rules
    found = findings(history, context.events, rules.min_days_in_funnel)
    commits = {(event.change.deal, event.commit.sha): event.commit for event in context.events}
    by_owner: dict[str, list[tuple[Finding, Commit]]] = {}
    for finding in found:
        commit = commits[(finding.deal, finding.commit)]
        by_owner.setdefault(finding.owner or "", []).append((finding, commit))
    rows = [
        (context.people.get(owner), owner, by_owner[owner])
        for owner in sorted(by_owner, key=lambda o: (o not in context.people, o))
    ]
    return context.page(
        "compliance.md.j2",
        "compliance.md",
        context.t["compliance"],
        rows=rows,
        deal_ids=set(context.dataset.deals),
    )


def trends_page(
    context: SiteContext, history: History, rows: list[FillRow], keys: dict[date, str]
) -> Page:
    """Funnel fill per week (`rows`: newest week first), and
    the forecast at each quarter's and month's start against what was won in it, for the
    team and each rep. With a memo, a period's forecast at its start is taken from it when
    the history up to the day before (`keys`: see `history_keys`) is that of a build before."""
    funnel = context.funnel

    def forecast_at(period: Period) -> StartForecast:
        def work_out() -> StartForecast:
            return start_forecast(history, funnel, period)

        return _kept_by_history(context, keys, period.start - ONE_DAY, period, work_out, dict)

    fill = rows[::-1]
    deals = context.dataset.deals.values()
    accuracy = forecast_accuracy(history, deals, funnel, context.as_of, forecast_at)
    named = sorted(accuracy.reps, key=lambda r: (r.owner not in context.people, r.owner or ""))
    reps = [(context.people.get(rep.owner or ""), rep) for rep in named]  # the team's first
    return context.page(
        "trends.md.j2",
        "trends.md",
        context.t["trends"],
        fill=fill,
        series=[
            {"name": stage.label, "values": [row.stages[index][0] for row in fill]}
            for index, stage in enumerate(funnel.stages)
        ],
        team=accuracy.team,
        reps=reps,
        stages=funnel.stages,
    )


def _fill_row(context: SiteContext, week: Week, state: State) -> FillRow:
    """Each open stage's count and amount at the week's end (`state`)."""
    counts: dict[str, tuple[int, Decimal]] = {
        stage.id: (0, ZERO) for stage in context.funnel.stages
    }
    for snapshot, _ in state.values():
        if snapshot.stage in counts and snapshot.amount is not None:
            count, amount = counts[snapshot.stage]
            counts[snapshot.stage] = (count + 1, amount + snapshot.amount)
    return FillRow(week, list(counts.values()))

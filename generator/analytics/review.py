"""The manager's weekly review: each rep's week, customer by customer, from git history.

What changed (new and removed deals, stage moves, slips, amounts, owners) and why the weighted
pipeline moved, what the rep logged, and what needs a word: stale, overdue and untouched deals,
deals that slipped twice, close dates set in the past and open deals without a next step, as
they stood at the end of the week. A manager's team rolls its reps' weeks up.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from ..data.model import CLOSED_STAGES, Funnel, Person
from ..data.money import ZERO, json_amount
from ..history.events import Change, ChangeWhat, Event
from ..history.records import History, Snapshot
from .calendar import Week
from .slips import PeriodSlips, week_slips


class Rolled(Protocol):
    """A roll-up that programs read (a manager's team: `team_review.TeamWeek`)."""

    def as_json(self) -> dict[str, object]:
        """The roll-up for programs."""
        ...


Describe = Callable[[Change], str]
"""How a change of a deal is told in words (the site layer's describers)."""

UNTOUCHED_WEEKS = 3
SLIPS_WINDOW_DAYS = 91
"""A deal whose expected close slipped twice or more within this many days needs a word."""

CAUSES: tuple[str, ...] = (
    "new",
    "won",
    "lost",
    "stage",
    "amount",
    "slips",
    "handover_in",
    "handover_out",
    "other",
)
"""Why a rep's weighted pipeline moved, in the order the review tells it."""

TALLIED: tuple[str, ...] = ("new", "won", "lost", "slipped")
"""The deals a week's roll-up counts and sums: new, won, lost and slipped."""

FOLDED = ("closed_on", "lost_reason")
"""Fields that a win or a loss sets in the same commit: told on the won or lost line."""

_CAUSE_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("won", ("won", "won_at_once")),
    ("lost", ("lost", "removed")),
    ("new", ("added",)),
    ("handover", ("owner",)),
    ("stage", ("stage_up", "stage_down", "reopened")),
    ("amount", ("amount",)),
    ("slips", ("slipped", "pulled_in")),
)


@dataclass(frozen=True)
class Tally:
    """How many deals, and their amount."""

    count: int = 0
    amount: Decimal = ZERO

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.count + other.count, self.amount + other.amount)

    def as_json(self) -> dict[str, object]:
        """The tally for programs."""
        return {"count": self.count, "amount": json_amount(self.amount)}


@dataclass
class RepWeek:
    """One rep's week: the agenda of the manager's meeting with them."""

    owner: str
    week: Week
    changes: list[Event] = field(default_factory=list)
    logged: list[tuple[str, date, str]] = field(default_factory=list)
    stale: list[tuple[str, date]] = field(default_factory=list)
    overdue: list[tuple[str, date]] = field(default_factory=list)
    untouched: list[tuple[str, date]] = field(default_factory=list)
    weighted_delta: Decimal = ZERO
    imported: int = 0
    titles: dict[str, str] = field(default_factory=dict)
    causes: dict[str, Decimal] = field(default_factory=dict)
    slipped_twice: list[tuple[str, int]] = field(default_factory=list)
    past_close: list[tuple[str, date]] = field(default_factory=list)
    no_next_step: list[str] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)
    """Deal id -> its account's id, to name the customer beside the deal."""
    facts: dict[tuple[str, str], Snapshot] = field(default_factory=dict)
    """The deal as each of the week's commits left it (as it was, for a removed deal)."""
    slipped_out: list[PeriodSlips] = field(default_factory=list)
    """What of the rep's deals slipped out of the week's month and quarter (`slips`)."""

    def of(self, *whats: ChangeWhat) -> list[Event]:
        """The week's changes of these kinds (`Change.what`), in the order they happened."""
        return [event for event in self.changes if event.change.what in whats]

    def fact(self, event: Event) -> Snapshot | None:
        """The deal as the event's commit left it: its account, amount and close dates."""
        return self.facts.get((event.change.deal, event.commit.sha))

    @property
    def quiet(self) -> bool:
        """Nothing to talk about: nothing changed, logged, imported or waiting."""
        return not (
            self.changes
            or self.logged
            or self.stale
            or self.overdue
            or self.untouched
            or self.imported
            or self.slipped_twice
            or self.past_close
            or self.no_next_step
            or any(found.slips for found in self.slipped_out)
        )

    def tally(self, what: str) -> Tally:
        """The rep's own deals that were new, won, lost or slipped this week (each once)."""
        whats = {"new": ("added",), "slipped": ("slipped",)}.get(what, (what,))
        seen: dict[str, Decimal] = {}
        for event in self.changes:
            if event.owner == self.owner and event.change.what in whats:
                fact = self.fact(event)
                seen[event.change.deal] = (fact.amount if fact else None) or ZERO
        return Tally(len(seen), sum(seen.values(), ZERO))

    def as_json(self, describe: Describe) -> dict[str, object]:
        """The rep's week for programs; each change with its text as `describe` tells it."""
        return {
            "owner": self.owner,
            "week": self.week.name,
            "weighted_delta": json_amount(self.weighted_delta),
            "imported": self.imported,
            "changes": [self._change_json(e, describe) for e in self.changes],
            "logged": [
                {"deal": deal, "date": day.isoformat(), "note": note}
                for deal, day, note in self.logged
            ],
            "stale": [{"deal": d, "last_activity": day.isoformat()} for d, day in self.stale],
            "overdue": [{"deal": d, "expected_close": day.isoformat()} for d, day in self.overdue],
            "untouched": [{"deal": d, "last_change": day.isoformat()} for d, day in self.untouched],
            "causes": {cause: json_amount(self.causes.get(cause, ZERO)) for cause in CAUSES},
            "tally": {what: self.tally(what).as_json() for what in TALLIED},
            "slipped_twice": [{"deal": d, "slips": n} for d, n in self.slipped_twice],
            "past_close": [
                {"deal": d, "expected_close": day.isoformat()} for d, day in self.past_close
            ],
            "no_next_step": [{"deal": d} for d in self.no_next_step],
            "slipped_out": [found.as_json() for found in self.slipped_out],
        }

    def _change_json(self, e: Event, describe: Describe) -> dict[str, object]:
        fact = self.fact(e)
        return {
            "deal": e.change.deal,
            "what": e.change.what,
            "field": e.change.field,
            "text": describe(e.change),
            "date": e.day.isoformat(),
            "commit": e.commit.sha,
            "author": e.commit.author,
            "merged_by": e.commit.merged_by or None,
            "title": self.titles.get(e.change.deal, e.change.deal),
            "weighted_delta": json_amount(e.delta_of(self.owner)),
            "account": fact.account if fact else None,
            "amount": json_amount(fact.amount) if fact and fact.amount is not None else None,
            "expected_close": _iso(fact.expected_close if fact else None),
            "closed_on": _iso(fact.closed_on if fact else None),
            "lost_reason": fact.get("lost_reason") if fact else None,
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def state_at(history: History, day: date) -> dict[str, tuple[Snapshot, date]]:
    """Each deal as it stood at the end of `day`, with the day it last changed."""
    state: dict[str, tuple[Snapshot, date]] = {}
    for deal, versions in history.deals.items():
        current = None
        for version in versions:
            if version.commit.day > day:
                break
            current = (version.snapshot, version.commit.day) if version.snapshot else None
        if current is not None:
            state[deal] = current
    return state


def weekly_review(
    history: History,
    events: list[Event],
    funnel: Funnel,
    week: Week,
    owners: list[str] | None = None,
    state: dict[str, tuple[Snapshot, date]] | None = None,
) -> dict[str, RepWeek]:
    """Every rep's week (or only `owners`'), keyed by owner id. `state` is the deals at the
    week's end (`state_at`), when the caller has it already."""
    reviews = {owner: RepWeek(owner, week) for owner in owners or []}
    in_week = [e for e in events if week.start <= e.day <= week.end and e.owner is not None]
    facts = _facts(history, in_week)
    _add_changes(reviews, in_week, week, facts)
    if state is None:
        state = state_at(history, week.end)
    since = week.end - timedelta(days=SLIPS_WINDOW_DAYS)
    slips: dict[str, int] = {}
    for event in events:
        if event.change.what == "slipped" and since < event.day <= week.end:
            slips[event.change.deal] = slips.get(event.change.deal, 0) + 1
    _add_deals(reviews, state, funnel.rules.stale_after_days, week, slips)
    slipped = week_slips(history, funnel, week)
    for owner in {s.owner for found in slipped for s in found.slips if s.owner}:
        _rep(reviews, owner, week)
    if owners:
        reviews = {owner: reviews[owner] for owner in owners}
    for rep in reviews.values():
        rep.slipped_out = [found.of_owner(rep.owner) for found in slipped]
        for event in rep.changes:
            rep.titles.setdefault(event.change.deal, event.change.deal)
    return dict(sorted(reviews.items()))


def _facts(history: History, events: list[Event]) -> dict[tuple[str, str], Snapshot]:
    """The deal as each event's commit left it (as it was before, for a removal)."""
    wanted = {(e.change.deal, e.commit.sha) for e in events}
    facts: dict[tuple[str, str], Snapshot] = {}
    for deal in {deal for deal, _ in wanted}:
        previous: Snapshot | None = None
        for version in history.deals.get(deal, []):
            shown = version.snapshot or previous
            if (deal, version.commit.sha) in wanted and shown is not None:
                facts[(deal, version.commit.sha)] = shown
            previous = version.snapshot
    return facts


def _rep(reviews: dict[str, RepWeek], owner: str, week: Week) -> RepWeek:
    """The owner's week, begun when they first turn up."""
    if owner not in reviews:
        reviews[owner] = RepWeek(owner, week)
    return reviews[owner]


def _add_changes(
    reviews: dict[str, RepWeek],
    events: list[Event],
    week: Week,
    facts: dict[tuple[str, str], Snapshot],
) -> None:
    """The week's changes, on the agenda of every rep whose weighted pipeline they moved, each
    move put down to its cause; the baseline's deals only counted as imported; a win's or a
    loss's close date and reason told on its line."""
    commits: dict[tuple[str, str], set[str]] = {}
    for event in events:
        commits.setdefault((event.change.deal, event.commit.sha), set()).add(event.change.what)
    for event in events:
        assert event.owner is not None
        if event.commit.baseline:  # adoption day: the team's existing funnel, not news
            _rep(reviews, event.owner, week).imported += 1
            continue
        whats = commits[(event.change.deal, event.commit.sha)]
        if event.change.field in FOLDED and whats & {"won", "lost"}:
            continue
        for who in _involved(event, event.owner):
            rep = _rep(reviews, who, week)
            rep.changes.append(event)
            delta = event.delta_of(who)
            rep.weighted_delta += delta
            if delta:
                cause = _cause(whats, who == event.owner)
                rep.causes[cause] = rep.causes.get(cause, ZERO) + delta
            fact = facts.get((event.change.deal, event.commit.sha))
            if fact is not None:
                rep.facts[(event.change.deal, event.commit.sha)] = fact
                if fact.account:
                    rep.accounts.setdefault(event.change.deal, fact.account)
                if (
                    who == event.owner
                    and event.change.what in ("added", "slipped", "pulled_in")
                    and fact.stage not in CLOSED_STAGES
                    and fact.expected_close is not None
                    and fact.expected_close < event.day
                    and event.change.deal not in (d for d, _ in rep.past_close)
                ):
                    rep.past_close.append((event.change.deal, fact.expected_close))
            if event.title:
                rep.titles.setdefault(event.change.deal, event.title)


def _cause(whats: set[str], new_owner: bool) -> str:
    """Why a commit moved a deal's weight: the weightiest of its changes."""
    for cause, kinds in _CAUSE_ORDER:
        if whats.intersection(kinds):
            if cause == "handover":
                return "handover_in" if new_owner else "handover_out"
            return cause
    return "other"


def _involved(event: Event, owner: str) -> list[str]:
    """The deal's owner, the owner a handover took it from, and whoever's weight it moved."""
    involved = [owner]
    if event.change.what == "owner" and event.change.old:  # the weight left the old owner
        involved.append(str(event.change.old))
    for who, _ in event.deltas:
        if who not in involved:
            involved.append(who)
    return involved


def _add_deals(
    reviews: dict[str, RepWeek],
    state: dict[str, tuple[Snapshot, date]],
    stale_days: int,
    week: Week,
    slips: Mapping[str, int],
) -> None:
    """Each deal as it stood at the week's end, on its owner's agenda: what was logged that
    week, and whether the open deal is stale, overdue, untouched, slipped twice or has no
    next step."""
    for deal, (snapshot, changed) in sorted(state.items()):
        if snapshot.owner is None:
            continue
        rep = _rep(reviews, snapshot.owner, week)
        rep.titles[deal] = snapshot.title or rep.titles.get(deal, deal)
        if snapshot.account:
            rep.accounts[deal] = snapshot.account
        for day, note in snapshot.log:
            if day is not None and week.start <= day <= week.end:
                rep.logged.append((deal, day, note))
        if snapshot.stage in CLOSED_STAGES:
            continue
        last = max((day for day, _ in snapshot.log if day), default=None)
        last = last or snapshot.get("created") or changed
        if isinstance(last, date) and (week.end - last).days >= stale_days:
            rep.stale.append((deal, last))
        if snapshot.expected_close and snapshot.expected_close < week.end:
            rep.overdue.append((deal, snapshot.expected_close))
        if (week.end - changed).days >= 7 * UNTOUCHED_WEEKS:
            rep.untouched.append((deal, changed))
        if slips.get(deal, 0) >= 2:
            rep.slipped_twice.append((deal, slips[deal]))
        if not snapshot.get("next_step"):
            rep.no_next_step.append(deal)


def agenda(reviews: dict[str, RepWeek], people: Mapping[str, Person]) -> dict[str, RepWeek]:
    """The weeks worth a meeting: without the people who have left, and without managers
    who have nothing to discuss."""
    kept = {}
    for owner, rep in reviews.items():
        person = people.get(owner)
        if person is not None and person.status == "left":
            continue
        if person is not None and person.role == "manager" and rep.quiet:
            continue
        kept[owner] = rep
    return kept


def to_json(
    week: Week,
    reviews: dict[str, RepWeek],
    describe: Describe,
    teams: Sequence[Rolled] = (),
    listed: Collection[str] | None = None,
) -> str:
    """The week's review for programs; each change with its text as `describe` tells it.
    Every rep is there; `on_agenda` says whether the meeting lists them (`listed`, see
    `agenda`: not those who left, nor managers with nothing to discuss)."""
    document = {
        "week": week.name,
        "from": week.start.isoformat(),
        "to": week.end.isoformat(),
        "reps": [
            {**rep.as_json(describe), "on_agenda": listed is None or owner in listed}
            for owner, rep in reviews.items()
        ],
        "teams": [team.as_json() for team in teams],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

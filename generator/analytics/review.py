"""The manager's weekly review: each rep's week, customer by customer, from git history.

What changed (new and removed deals, stage moves, slips, amounts, owners), what the rep
logged, and what needs a word: stale, overdue and untouched deals, as they stood at the end
of the week.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..data.model import CLOSED_STAGES, Funnel
from ..data.money import ZERO, json_amount
from ..history.events import Change, ChangeWhat, Event
from ..history.records import History, Snapshot
from .calendar import Week

Describe = Callable[[Change], str]
"""How a change of a deal is told in words (the site layer's describers)."""

UNTOUCHED_WEEKS = 3


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

    def of(self, *whats: ChangeWhat) -> list[Event]:
        """The week's changes of these kinds (`Change.what`), in the order they happened."""
        return [event for event in self.changes if event.change.what in whats]

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
        )

    def as_json(self, describe: Describe) -> dict[str, object]:
        """The rep's week for programs; each change with its text as `describe` tells it."""
        return {
            "owner": self.owner,
            "week": self.week.name,
            "weighted_delta": json_amount(self.weighted_delta),
            "imported": self.imported,
            "changes": [
                {
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
                }
                for e in self.changes
            ],
            "logged": [
                {"deal": deal, "date": day.isoformat(), "note": note}
                for deal, day, note in self.logged
            ],
            "stale": [{"deal": d, "last_activity": day.isoformat()} for d, day in self.stale],
            "overdue": [{"deal": d, "expected_close": day.isoformat()} for d, day in self.overdue],
            "untouched": [{"deal": d, "last_change": day.isoformat()} for d, day in self.untouched],
        }


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
    _add_changes(reviews, events, week)
    if state is None:
        state = state_at(history, week.end)
    _add_deals(reviews, state, funnel.rules.stale_after_days, week)
    if owners:
        reviews = {owner: reviews[owner] for owner in owners}
    for rep in reviews.values():
        for event in rep.changes:
            rep.titles.setdefault(event.change.deal, event.change.deal)
    return dict(sorted(reviews.items()))


def _rep(reviews: dict[str, RepWeek], owner: str, week: Week) -> RepWeek:
    """The owner's week, begun when they first turn up."""
    if owner not in reviews:
        reviews[owner] = RepWeek(owner, week)
    return reviews[owner]


def _add_changes(reviews: dict[str, RepWeek], events: list[Event], week: Week) -> None:
    """The week's changes, on the agenda of every rep whose weighted pipeline they moved; the
    baseline's deals only counted as imported."""
    for event in events:
        if not week.start <= event.day <= week.end or event.owner is None:
            continue
        if event.commit.baseline:  # adoption day: the team's existing funnel, not news
            _rep(reviews, event.owner, week).imported += 1
            continue
        for who in _involved(event, event.owner):
            rep = _rep(reviews, who, week)
            rep.changes.append(event)
            rep.weighted_delta += event.delta_of(who)
            if event.title:
                rep.titles.setdefault(event.change.deal, event.title)


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
) -> None:
    """Each deal as it stood at the week's end, on its owner's agenda: what was logged that
    week, and whether the open deal is stale, overdue or untouched."""
    for deal, (snapshot, changed) in sorted(state.items()):
        if snapshot.owner is None:
            continue
        rep = _rep(reviews, snapshot.owner, week)
        rep.titles[deal] = snapshot.title or rep.titles.get(deal, deal)
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


def to_json(week: Week, reviews: dict[str, RepWeek], describe: Describe) -> str:
    """The week's review for programs; each change with its text as `describe` tells it."""
    document = {
        "week": week.name,
        "from": week.start.isoformat(),
        "to": week.end.isoformat(),
        "reps": [rep.as_json(describe) for rep in reviews.values()],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

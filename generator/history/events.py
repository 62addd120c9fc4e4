"""What changed in the business: two versions of a deal compared field by field.

The same comparison drives `funnel diff` (two revisions), the deals' timelines and the weekly
review (every commit of the main line). Stages are compared by their place in the team's own
funnel, never by their names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from ..data.model import CLOSED_STAGES, Funnel
from ..data.money import ZERO, weighted_amount
from .records import EXTRA_FIELDS, Commit, History, Snapshot, Version

ChangeKind = Literal["added", "removed", "moved", "changed"]
"""What happened to a deal's file: it was added, removed, moved, or a field of it changed."""

ChangeWhat = Literal[
    "added",
    "won_at_once",
    "removed",
    "removed_closed",
    "moved",
    "stage_up",
    "stage_down",
    "won",
    "lost",
    "reopened",
    "amount",
    "slipped",
    "pulled_in",
    "owner",
    "logged",
    "changed",
]
"""A change in the sales team's words: a new deal (entered as won at once), a removed deal (one
that was closed), a move between folders, a stage up or down, won, lost or reopened, a new
amount, a slipped or pulled-in expected close, a new owner, a log entry, or another field."""

FIELDS = ("stage", "amount", "expected_close", "owner", "account", "contact", "title", "closed_on")


@dataclass(frozen=True)
class Change:
    """One business change of one deal: added, removed, moved, or a field changed (`kind`);
    `what` names it in the sales team's words (see ChangeWhat)."""

    deal: str
    kind: ChangeKind
    what: ChangeWhat
    field: str | None = None
    old: Any = None
    new: Any = None

    @property
    def red_flag(self) -> bool:
        """Deals removed instead of closed hide business; entries won at once hide it too."""
        return self.what in ("removed", "won_at_once")


def _stage_rank(funnel: Funnel, stage: str | None) -> int | None:
    ids = [s.id for s in funnel.stages]
    if stage in ids:
        return ids.index(stage)
    if stage == "won":
        return len(ids)
    return None


def compare(deal: str, old: Snapshot | None, new: Snapshot | None, funnel: Funnel) -> list[Change]:
    """The business changes from `old` to `new` (None: the deal does not exist)."""
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        what: ChangeWhat = "won_at_once" if new.stage == "won" else "added"
        return [Change(deal, "added", what, "stage", None, new.stage)]
    if new is None:
        closed = old.stage in CLOSED_STAGES
        return [Change(deal, "removed", "removed_closed" if closed else "removed")]
    changes: list[Change] = []
    if old.path != new.path:
        changes.append(Change(deal, "moved", "moved", "path", old.path, new.path))
    for name in FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes.append(
                Change(deal, "changed", _what(name, before, after, funnel), name, before, after)
            )
    if old.extra != new.extra:  # most commits change none of them
        for name in EXTRA_FIELDS:
            before, after = old.get(name), new.get(name)
            if before != after:
                changes.append(Change(deal, "changed", "changed", name, before, after))
    for index, entry in enumerate(new.log):
        if index >= len(old.log):
            changes.append(Change(deal, "changed", "logged", "log", None, entry))
        elif old.log[index] != entry:
            changes.append(Change(deal, "changed", "changed", "log", old.log[index], entry))
    if len(new.log) < len(old.log):
        changes.append(Change(deal, "changed", "changed", "log", len(old.log), len(new.log)))
    return changes


def _what(name: str, before: Any, after: Any, funnel: Funnel) -> ChangeWhat:
    if name == "stage":
        if after == "won":
            return "won"
        if after == "lost":
            return "lost"
        if before in CLOSED_STAGES:
            return "reopened"
        old_rank, new_rank = _stage_rank(funnel, before), _stage_rank(funnel, after)
        if old_rank is not None and new_rank is not None:
            return "stage_up" if new_rank > old_rank else "stage_down"
        return "changed"
    if name == "expected_close" and isinstance(before, date) and isinstance(after, date):
        return "slipped" if after > before else "pulled_in"
    if name == "amount":
        return "amount"
    if name == "owner":
        return "owner"
    return "changed"


def weighted_snapshot(snapshot: Snapshot | None, funnel: Funnel) -> Decimal:
    """The weighted amount of an open deal's version (0 when closed, gone or unreadable)."""
    if snapshot is None or snapshot.amount is None or snapshot.stage in CLOSED_STAGES:
        return ZERO
    stage = funnel.stage(snapshot.stage or "")
    return weighted_amount(snapshot.amount, stage.probability) if stage else ZERO


def owner_deltas(
    before: Snapshot | None, after: Snapshot | None, funnel: Funnel
) -> dict[str, Decimal]:
    """How one deal's change moves the weighted open pipeline of each owner: the old owner
    loses the weight it had, the new owner gains the weight it has (owners without change
    left out). `funnel diff` and the weekly review both add these up."""
    deltas: dict[str, Decimal] = {}
    if before is not None and before.owner:
        deltas[before.owner] = -weighted_snapshot(before, funnel)
    if after is not None and after.owner:
        deltas[after.owner] = deltas.get(after.owner, ZERO) + weighted_snapshot(after, funnel)
    return {owner: delta for owner, delta in deltas.items() if delta != 0}


def weighted_delta(
    old: dict[str, Snapshot], new: dict[str, Snapshot], funnel: Funnel
) -> tuple[Decimal, dict[str, Decimal]]:
    """The change in weighted open pipeline, in total and per owner (a new owner takes the
    weight, the old one loses it)."""
    owners: dict[str, Decimal] = {}
    for deal in old.keys() | new.keys():
        for owner, delta in owner_deltas(old.get(deal), new.get(deal), funnel).items():
            owners[owner] = owners.get(owner, ZERO) + delta
    owners = {owner: delta for owner, delta in owners.items() if delta != 0}
    return sum(owners.values(), ZERO), owners


@dataclass(frozen=True)
class Event:
    """A change as history tells it: when, in which commit, by whom, whose deal it was, and
    how it moved each owner's weighted pipeline (carried by the first change of a commit)."""

    change: Change
    commit: Commit
    owner: str | None
    deltas: tuple[tuple[str, Decimal], ...] = ()
    title: str | None = None

    @property
    def day(self) -> date:
        """The day the change landed on the main line."""
        return self.commit.day

    @property
    def weighted_delta(self) -> Decimal:
        """The change of the weighted pipeline in total."""
        return sum((delta for _, delta in self.deltas), ZERO)

    def delta_of(self, owner: str) -> Decimal:
        """The change of `owner`'s weighted pipeline."""
        return sum((delta for who, delta in self.deltas if who == owner), ZERO)


def deal_events(deal: str, versions: list[Version], funnel: Funnel) -> list[Event]:
    """Every business change of one deal along the main line, oldest first."""
    events: list[Event] = []
    previous: Snapshot | None = None
    for version in versions:
        current = version.snapshot
        deltas = tuple(sorted(owner_deltas(previous, current, funnel).items()))
        shown = current or previous
        owner = shown.owner if shown else None
        title = shown.title if shown else None
        for change in compare(deal, previous, current, funnel):
            events.append(Event(change, version.commit, owner, deltas, title))
            deltas = ()  # the weight moves once per commit
        previous = current
    return events


def all_events(history: History, funnel: Funnel) -> list[Event]:
    """Every deal's events, in the order of the main line."""
    order = {commit.sha: index for index, commit in enumerate(history.commits)}
    events = [
        event
        for deal, versions in history.deals.items()
        for event in deal_events(deal, versions, funnel)
    ]
    events.sort(key=lambda event: (order.get(event.commit.sha, 0), event.change.deal))
    return events

"""Sales targets (the optional data/targets.yaml) and the target of a period."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from ..data.model import Targets
from ..data.money import ZERO
from .calendar import Period, PeriodKind, parse_period, period_of, span

Level = Literal["company", "territory", "owner"]
"""Whose target: the company's, a territory's or an owner's."""

LEVELS: tuple[Level, ...] = ("company", "territory", "owner")
"""The company's target first; without one, its territories' added up, else its owners'."""

PARTS: tuple[PeriodKind, ...] = ("half", "quarter", "month")
"""The shorter periods whose targets add up to a longer one's, the longest first."""


def target_for(
    targets: Targets | None,
    period: Period,
    *,
    owner: str | None = None,
    territory: str | None = None,
) -> Decimal | None:
    """The target of a period for an owner, a territory, or (neither) the company.

    A target given for exactly the period wins; otherwise the targets of the shorter periods
    that make it up are added, when all of them are given (four quarters make a year).
    For the company, when it has no target of its own, the territories' targets are added
    up, else the owners'.
    """
    if targets is None:
        return None
    if owner is None and territory is None:
        for level in LEVELS:
            found = _sum(targets, period, level, None)
            if found is not None:
                return found
        return None
    if owner is not None:
        return _sum(targets, period, "owner", owner)
    return _sum(targets, period, "territory", territory)


def _sum(targets: Targets, period: Period, level: Level, who: str | None) -> Decimal | None:
    """The target of `level` (of `who`, or all of them) for exactly `period`, else added up
    from the shorter periods that make it up, when every one of them has a target."""
    exact: Decimal | None = None
    parts: dict[PeriodKind, dict[Period, Decimal]] = {}
    for target in targets.targets:
        if _level(target.owner, target.territory) != level:
            continue
        if who is not None and who not in (target.owner, target.territory):
            continue
        theirs = parse_period(target.period)
        if theirs == period:
            exact = (exact or ZERO) + target.amount
        elif theirs.kind != period.kind and period.start <= theirs.start <= period.end:
            shorter = parts.setdefault(theirs.kind, {})
            shorter[theirs] = shorter.get(theirs, ZERO) + target.amount
    if exact is not None:
        return exact
    for kind in PARTS:
        found = parts.get(kind, {})
        inside = _periods_inside(period, kind)
        if inside and set(found) == set(inside):
            return sum(found.values(), ZERO)
    return None


def _periods_inside(period: Period, kind: PeriodKind) -> list[Period]:
    """The periods of `kind` that make up `period` (none when `kind` is not shorter)."""
    first = period_of(period.start, kind)
    last = period_of(period.end, kind)
    inside = span(first, last)
    return inside if len(inside) > 1 else []


def _level(owner: str | None, territory: str | None) -> Level:
    if owner:
        return "owner"
    if territory:
        return "territory"
    return "company"

"""What slipped: per period, the amount whose expected close moved out of the period during it.

A deal *slipped out of period P during window W* when some state of the deal standing during
W (the state at the end of the day before W starts, or any version committed in W) was open
(in an open stage of the funnel) with `expected_close` in P, and the state standing at the end
of W is open with `expected_close` after P's end. It counts once per period; its amount,
weighted amount (the stage's configured probability) and owner are those of the last state in
W that had it in P; `from` is that state's expected close, `to` the end state's. A deal won,
lost or removed by the end of W, or moved back into P, did not slip. Only periods that are not
over when W starts count: an overdue deal given a new date did not slip "during" its period.

The forecast page asks each period about itself (up to the as-of day for the period in
progress), the weekly review asks the week's months and quarters about the week, and
`funnel diff` asks the quarter of each deal's close at BASE about BASE → HEAD.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..data.model import Funnel
from ..data.money import ZERO, json_amount
from ..history.events import weighted_snapshot
from ..history.records import History, Snapshot, Version
from .calendar import Period, Week, period_of


@dataclass(frozen=True)
class Slip:
    """One deal that slipped out of `period`: as the last state that had it in the period
    left it (owner, amount, weighted), moved from `moved_from` to `moved_to`."""

    deal: str
    period: Period
    owner: str | None
    account: str | None
    title: str | None
    amount: Decimal
    weighted: Decimal
    moved_from: date
    moved_to: date

    def as_json(self) -> dict[str, object]:
        """The slip for programs."""
        return {
            "deal": self.deal,
            "owner": self.owner,
            "account": self.account,
            "amount": json_amount(self.amount),
            "weighted": json_amount(self.weighted),
            "from": self.moved_from.isoformat(),
            "to": self.moved_to.isoformat(),
        }


@dataclass(frozen=True)
class OwnerSlips:
    """What slipped out of a period from one owner's deals."""

    owner: str | None
    count: int
    amount: Decimal
    weighted: Decimal

    def as_json(self) -> dict[str, object]:
        """The owner's slips for programs."""
        return {
            "owner": self.owner,
            "amount": json_amount(self.amount),
            "weighted": json_amount(self.weighted),
        }


@dataclass(frozen=True)
class PeriodSlips:
    """What slipped out of one period: the deals, largest amount first."""

    period: Period
    slips: tuple[Slip, ...] = ()

    @property
    def count(self) -> int:
        """How many deals slipped."""
        return len(self.slips)

    @property
    def amount(self) -> Decimal:
        """The amount that slipped."""
        return sum((slip.amount for slip in self.slips), ZERO)

    @property
    def weighted(self) -> Decimal:
        """The weighted amount that slipped."""
        return sum((slip.weighted for slip in self.slips), ZERO)

    def of_owner(self, owner: str) -> PeriodSlips:
        """Only the slips of `owner`'s deals."""
        return PeriodSlips(self.period, tuple(s for s in self.slips if s.owner == owner))

    def owners(self) -> list[OwnerSlips]:
        """Each owner's slips, the largest amount first (then by owner id)."""
        grouped: dict[str | None, list[Slip]] = {}
        for slip in self.slips:
            grouped.setdefault(slip.owner, []).append(slip)
        rows = [
            OwnerSlips(
                owner,
                len(slips),
                sum((s.amount for s in slips), ZERO),
                sum((s.weighted for s in slips), ZERO),
            )
            for owner, slips in grouped.items()
        ]
        return sorted(rows, key=lambda row: (-row.amount, row.owner or ""))

    def as_json(self, *, owners: bool = False) -> dict[str, object]:
        """The period's slips for programs; with `owners`, also summed per owner."""
        document: dict[str, object] = {
            "period": self.period.name,
            "amount": json_amount(self.amount),
            "weighted": json_amount(self.weighted),
            "deals": [slip.as_json() for slip in self.slips],
        }
        if owners:
            document["owners"] = [row.as_json() for row in self.owners()]
        return document


def _open_stages(funnel: Funnel) -> frozenset[str]:
    return frozenset(stage.id for stage in funnel.stages)


def _open_close(snapshot: Snapshot | None, open_stages: frozenset[str]) -> date | None:
    """The expected close of an open version of a deal (in one of `open_stages`, the funnel's);
    None when it is closed, gone, in an unknown stage or without a close date."""
    if snapshot is None or snapshot.stage not in open_stages:
        return None
    return snapshot.expected_close


def slip_of(
    deal: str,
    standing: Sequence[Snapshot | None],
    end: Snapshot | None,
    period: Period,
    funnel: Funnel,
) -> Slip | None:
    """The slip of `deal` out of `period`, if it slipped: `standing` are its states during the
    window, oldest first, and `end` the state at the window's end."""
    open_stages = _open_stages(funnel)
    moved_to = _open_close(end, open_stages)
    if moved_to is None or moved_to <= period.end:
        return None
    last_in: tuple[Snapshot, date] | None = None
    for state in standing:
        close = _open_close(state, open_stages)
        if state is not None and close is not None and close in period:
            last_in = (state, close)
    return None if last_in is None else _slip(deal, period, *last_in, moved_to, funnel)


_Told = tuple[date, date | None, Snapshot | None]
"""A version of a deal: its commit's day, its expected close when open, the version."""


def _told(versions: Iterable[Version], open_stages: frozenset[str]) -> list[_Told]:
    return [
        (version.commit.day, _open_close(version.snapshot, open_stages), version.snapshot)
        for version in versions
    ]


def _slip_during(
    deal: str, told: list[_Told], period: Period, start: date, end: date, funnel: Funnel
) -> Slip | None:
    """`slip_of` the states `window_states` finds from `start` to `end`, in one scan."""
    first, last = period.start, period.end
    before: _Told | None = None
    standing: _Told | None = None
    standing_in: _Told | None = None
    for entry in told:
        if entry[0] < start:
            before = entry
        elif entry[0] <= end:
            standing = entry
            close = entry[1]
            if close is not None and first <= close <= last:
                standing_in = entry
        else:
            break
    final = standing if standing is not None else before
    moved_to = final[1] if final is not None else None
    if moved_to is None or moved_to <= last:
        return None
    if standing_in is None and before is not None:
        close = before[1]
        if close is not None and first <= close <= last:
            standing_in = before
    if standing_in is None:
        return None
    _, moved_from, state = standing_in
    if state is None or moved_from is None:  # cannot be: only a version has a close
        return None
    return _slip(deal, period, state, moved_from, moved_to, funnel)


def _slip(
    deal: str, period: Period, state: Snapshot, moved_from: date, moved_to: date, funnel: Funnel
) -> Slip:
    """The slip as the last state in the period (`state`, closing on `moved_from`) left it."""
    return Slip(
        deal=deal,
        period=period,
        owner=state.owner,
        account=state.account,
        title=state.title,
        amount=state.amount if state.amount is not None else ZERO,
        weighted=weighted_snapshot(state, funnel),
        moved_from=moved_from,
        moved_to=moved_to,
    )


def window_states(versions: Iterable[Version], start: date, end: date) -> list[Snapshot | None]:
    """A deal's states standing during `start`..`end`: the one at the end of the day before
    `start`, then each version committed in the window, oldest first (None: no deal)."""
    before: Snapshot | None = None
    standing: list[Snapshot | None] = []
    for version in versions:
        if version.commit.day < start:
            before = version.snapshot
        elif version.commit.day <= end:
            standing.append(version.snapshot)
        else:
            break
    return [before, *standing]


def largest_first(slips: Iterable[Slip]) -> tuple[Slip, ...]:
    """The slips, the largest amount first (then by deal id)."""
    return tuple(sorted(slips, key=lambda slip: (-slip.amount, slip.deal)))


def slipped_out(
    history: History, funnel: Funnel, periods: Sequence[Period], start: date, end: date
) -> list[PeriodSlips]:
    """What slipped out of each of `periods` from `start` to `end` (both included); nothing
    for a period over before `start`."""
    windows = [(period, start, end) for period in dict.fromkeys(periods) if period.end >= start]
    found = _slips_in(history, funnel, windows)
    return [PeriodSlips(period, found.get(period, ())) for period in dict.fromkeys(periods)]


def period_slips(history: History, funnel: Funnel, period: Period, as_of: date) -> PeriodSlips:
    """What slipped out of `period` during itself, up to `as_of` for the period in progress
    (the forecast page's view)."""
    (found,) = slips_during(history, funnel, [period], as_of)
    return found


def slips_during(
    history: History, funnel: Funnel, periods: Sequence[Period], as_of: date
) -> list[PeriodSlips]:
    """`period_slips` of each of `periods` (in their order), reading each deal's history once
    for all of them."""
    windows = [(period, period.start, min(period.end, as_of)) for period in dict.fromkeys(periods)]
    found = _slips_in(history, funnel, windows)
    return [PeriodSlips(period, found.get(period, ())) for period in periods]


def _slips_in(
    history: History, funnel: Funnel, windows: Sequence[tuple[Period, date, date]]
) -> dict[Period, tuple[Slip, ...]]:
    """What slipped out of each window's period from its start to its end (both included),
    the largest first; each deal's versions are read once for all the windows."""
    found: dict[Period, list[Slip]] = {period: [] for period, _, _ in windows}
    if windows:
        open_stages = _open_stages(funnel)
        for deal, versions in history.deals.items():
            told = _told(versions, open_stages)
            for period, start, end in windows:
                slip = _slip_during(deal, told, period, start, end, funnel)
                if slip is not None:
                    found[period].append(slip)
    return {period: largest_first(slips) for period, slips in found.items()}


def week_periods(week: Week) -> list[Period]:
    """The months, then the quarters, that the week's days fall in (two of a kind when the
    week straddles their boundary)."""
    return list(
        dict.fromkeys(
            period_of(day, kind) for kind in ("month", "quarter") for day in (week.start, week.end)
        )
    )


def week_slips(history: History, funnel: Funnel, week: Week) -> list[PeriodSlips]:
    """What slipped out of the week's months and quarters during the week."""
    return slipped_out(history, funnel, week_periods(week), week.start, week.end)


def combined(rolls: Iterable[Sequence[PeriodSlips]]) -> list[PeriodSlips]:
    """Several people's slips of the same periods rolled up into one list (a team's)."""
    found: dict[Period, list[Slip]] = {}
    for roll in rolls:
        for slips in roll:
            found.setdefault(slips.period, []).extend(slips.slips)
    return [PeriodSlips(period, largest_first(slips)) for period, slips in found.items()]


def slipped_between(
    old: dict[str, Snapshot], new: dict[str, Snapshot], funnel: Funnel, as_of: date
) -> list[PeriodSlips]:
    """What slipped from `old` to `new` (two revisions: `funnel diff`), per quarter of the
    close date in `old`; quarters over before `as_of` left out."""
    found: dict[Period, list[Slip]] = {}
    for deal, before in old.items():
        if before.expected_close is None:
            continue
        period = period_of(before.expected_close, "quarter")
        if period.end < as_of:
            continue
        slip = slip_of(deal, [before], new.get(deal), period, funnel)
        if slip is not None:
            found.setdefault(period, []).append(slip)
    return [PeriodSlips(period, largest_first(found[period])) for period in sorted(found)]

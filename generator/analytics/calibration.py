"""Calibrated probabilities: how often each stage really wins, read from the main line's history.

A deal *reached* stage S when, at some main-line commit, it stood in S or in an open stage below
S. Deals that were never open (entered as won or lost) and deals no longer in the data count
nowhere. `observed` = won / (won + lost) among the deals that reached S, by their final state;
the others count as open. The calibrated forecast weighs open deals by the observed rate of
their stage in the same group, or by the configured probability where the stage has fewer than
`rules.calibration_min_closed` closed deals.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Literal

from ..data.load import ValidDataset
from ..data.model import Deal, Funnel
from ..data.money import ZERO, json_amount, weighted_amount
from ..history.records import History, Snapshot, Version
from .calendar import PeriodKind, period_of

GroupBy = Literal["team", "territory", "owner"]
"""How the deals are grouped: the whole team, by the account's territory, or by owner."""

RATE_PLACES = Decimal("0.0001")
WILSON_Z = Decimal("1.96")
"""The normal quantile of a 95 % two-sided interval."""


@dataclass(frozen=True, slots=True)
class DealPath:
    """One deal's way through the funnel along the main line: the open stages it reached, the
    days each stay in a stage it left lasted (summed), and how and when it ended."""

    deal: str
    reached: frozenset[str]
    days_in_stage: tuple[tuple[str, int], ...]
    final: str
    owner: str
    account: str
    closed_day: date | None
    cycle_days: int | None
    """For a won deal: days from first seen to the main-line commit that marked it won."""


@dataclass(frozen=True)
class StageRate:
    """A stage's record in one group: reached, won, lost, open, the observed win rate with
    its 95 % Wilson interval (None when nothing closed) beside the configured probability."""

    stage: str
    label: str
    configured: Decimal
    reached: int
    won: int
    lost: int
    open: int
    observed: Decimal | None
    low: Decimal | None
    high: Decimal | None
    median_days_in_stage: Decimal | None
    median_cycle_days: Decimal | None

    @property
    def closed(self) -> int:
        """The deals that reached the stage and are now won or lost."""
        return self.won + self.lost

    def as_json(self) -> dict[str, object]:
        """The stage as `funnel calibrate --format json` prints it."""
        return {
            "stage": self.stage,
            "configured": str(self.configured),
            "reached": self.reached,
            "won": self.won,
            "lost": self.lost,
            "open": self.open,
            "observed": _rate(self.observed),
            "low": _rate(self.low),
            "high": _rate(self.high),
            "median_days_in_stage": _number(self.median_days_in_stage),
            "median_cycle_days": _number(self.median_cycle_days),
        }


@dataclass(frozen=True)
class CalibratedForecast:
    """The weighted open pipeline of a group: by configured and by calibrated probabilities."""

    configured: Decimal
    calibrated: Decimal
    periods: tuple[tuple[str, Decimal, Decimal], ...] = ()

    def as_json(self) -> dict[str, object]:
        """Amounts with cents; per period of expected close beside the totals."""
        return {
            "configured": json_amount(self.configured),
            "calibrated": json_amount(self.calibrated),
            "periods": [
                {"period": name, "configured": json_amount(c), "calibrated": json_amount(k)}
                for name, c, k in self.periods
            ],
        }


@dataclass(frozen=True)
class GroupCalibration:
    """One group's stages and forecast (the group is `team`, a territory id or an owner id)."""

    group: str
    stages: tuple[StageRate, ...]
    forecast: CalibratedForecast


@dataclass(frozen=True)
class Calibration:
    """Every group's calibration as of a day, over deals closed since `since` (None: all)."""

    as_of: date
    since: date | None
    by: GroupBy
    currency: str
    min_closed: int
    groups: tuple[GroupCalibration, ...]

    def as_json(self) -> dict[str, object]:
        """The document `funnel calibrate --format json` prints (see README)."""
        return {
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "by": self.by,
            "currency": self.currency,
            "min_closed": self.min_closed,
            "groups": [
                {
                    "group": group.group,
                    "stages": [stage.as_json() for stage in group.stages],
                    "forecast": group.forecast.as_json(),
                }
                for group in self.groups
            ],
        }


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def wilson(won: int, closed: int) -> tuple[Decimal, Decimal]:
    """The 95 % Wilson score interval of a win rate of `won` out of `closed` (closed > 0),
    rounded to 4 places: it stays inside 0..1 and is honest about few deals."""
    n, p, z2 = Decimal(closed), Decimal(won) / Decimal(closed), WILSON_Z * WILSON_Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = WILSON_Z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    return _places(max(centre - half, ZERO)), _places(min(centre + half, Decimal(1)))


def _places(value: Decimal) -> Decimal:
    return value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def deal_path(
    deal: str, versions: list[Version], funnel: Funnel, history: History
) -> DealPath | None:
    """The deal's way through the funnel, or None when it counts nowhere (never open, or no
    longer in the data)."""
    return _Paths(funnel, history).of(deal, versions)


class _Paths:
    """Reads deal paths with the funnel's order looked up once: the stages a deal reached are
    always the top of the funnel down to the lowest open stage it stood in."""

    def __init__(self, funnel: Funnel, history: History) -> None:
        order = [stage.id for stage in funnel.stages]
        self.rank = {stage: index for index, stage in enumerate(order)}
        self.reached = [frozenset(order[: index + 1]) for index in range(len(order))]
        self.history = history

    def of(self, deal: str, versions: list[Version]) -> DealPath | None:
        """The deal's path (see `deal_path`)."""
        last = versions[-1].snapshot if versions else None
        if last is None or not last.stage or not last.owner:
            return None
        rank, lowest = self.rank, -1
        stays: dict[str, int] = {}
        current: str | None = None
        entered: date | None = None
        closing: Version | None = None
        for version in versions:
            stage = version.snapshot.stage if version.snapshot else None
            if stage == current:
                continue
            if current in rank and entered is not None:
                stays[current] = stays.get(current, 0) + (version.commit.day - entered).days
            current, entered = stage, version.commit.day
            if stage in rank:
                lowest = max(lowest, rank[stage])
            elif stage in ("won", "lost"):
                closing = version
        if lowest < 0:
            return None
        return self._path(deal, last, lowest, stays, closing)

    def _path(
        self,
        deal: str,
        last: Snapshot,
        lowest: int,
        stays: dict[str, int],
        closing: Version | None,
    ) -> DealPath:
        final = last.stage if last.stage in ("won", "lost") else "open"
        closed = closing if closing is not None and final != "open" else None
        closed_owner = closed.snapshot.owner if closed and closed.snapshot else None
        first = self.history.first_seen(deal) if final == "won" else None
        won_day = closed.commit.day if closed and final == "won" else None
        return DealPath(
            deal=deal,
            reached=self.reached[lowest],
            days_in_stage=tuple(
                (stage, days) for stage, days in stays.items() if stage != last.stage
            ),
            final=final,
            owner=closed_owner or last.owner or "",
            account=last.account or "",
            closed_day=closed.commit.day if closed else None,
            cycle_days=(won_day - first).days if won_day and first else None,
        )


def deal_paths(history: History, funnel: Funnel) -> list[DealPath]:
    """The way through the funnel of every deal that was ever open, in deal id order."""
    reader = _Paths(funnel, history)
    with _without_collections():
        paths = (reader.of(deal, versions) for deal, versions in sorted(history.deals.items()))
        return [path for path in paths if path is not None]


@contextmanager
def _without_collections() -> Iterator[None]:
    """No garbage collection meanwhile: a history just read is many young objects without
    cycles, which the first collection would walk one by one (as `read_history` avoids too)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def stage_rates(funnel: Funnel, paths: Iterable[DealPath]) -> tuple[StageRate, ...]:
    """Each open stage's record over the given deal paths, from the top of the funnel down."""
    chosen = list(paths)
    rates = []
    for stage in funnel.stages:
        reached = [path for path in chosen if stage.id in path.reached]
        won = sum(1 for path in reached if path.final == "won")
        lost = sum(1 for path in reached if path.final == "lost")
        observed = low = high = None
        if won + lost:
            observed = _places(Decimal(won) / Decimal(won + lost))
            low, high = wilson(won, won + lost)
        days = [d for path in reached for s, d in path.days_in_stage if s == stage.id]
        cycles = [path.cycle_days for path in reached if path.cycle_days is not None]
        rates.append(
            StageRate(
                stage=stage.id,
                label=stage.label,
                configured=stage.probability,
                reached=len(reached),
                won=won,
                lost=lost,
                open=len(reached) - won - lost,
                observed=observed,
                low=low,
                high=high,
                median_days_in_stage=_median(days),
                median_cycle_days=_median(cycles),
            )
        )
    return tuple(rates)


def _median(values: list[int]) -> Decimal | None:
    return Decimal(str(median(values))) if values else None


def calibrated_probability(rate: StageRate, min_closed: int) -> Decimal:
    """The probability in percent the calibrated forecast weighs the stage's deals with: the
    observed rate once `min_closed` deals closed, the configured one before."""
    if rate.observed is None or rate.closed < min_closed:
        return rate.configured
    return rate.observed * 100


def calibrated_forecast(
    deals: Iterable[Deal], rates: tuple[StageRate, ...], min_closed: int, kind: PeriodKind
) -> CalibratedForecast:
    """The open deals weighted by configured and by calibrated probabilities, in total and
    per period of expected close."""
    by_stage = {rate.stage: rate for rate in rates}
    configured = calibrated = ZERO
    periods: dict[str, tuple[Decimal, Decimal]] = {}
    for deal in sorted(deals, key=lambda d: d.expected_close):
        rate = by_stage.get(deal.stage)
        if not deal.is_open or rate is None:
            continue
        plain = weighted_amount(deal.amount, rate.configured)
        calibrated_weight = weighted_amount(deal.amount, calibrated_probability(rate, min_closed))
        configured += plain
        calibrated += calibrated_weight
        name = period_of(deal.expected_close, kind).name
        before = periods.get(name, (ZERO, ZERO))
        periods[name] = (before[0] + plain, before[1] + calibrated_weight)
    rows = tuple((name, c, k) for name, (c, k) in periods.items())
    return CalibratedForecast(configured, calibrated, rows)


def calibrate(
    dataset: ValidDataset,
    history: History,
    as_of: date,
    *,
    since: date | None = None,
    by: GroupBy = "team",
    kind: PeriodKind = "quarter",
    paths: Sequence[DealPath] | None = None,
) -> Calibration:
    """The stages' observed win rates per group, from the history already read (never mined
    again), with the calibrated forecast of the dataset's open deals. With `since`, closed
    deals count only when they closed on or after it; open deals always count as open.
    `paths`: the history's `deal_paths`, when the caller has them already (one per grouping
    would read every deal's history again)."""
    funnel = dataset.funnel
    territory = {account_id: account.territory for account_id, account in dataset.accounts.items()}

    def group_of(owner: str, account: str) -> str:
        if by == "owner":
            return owner
        return territory.get(account, "") if by == "territory" else "team"

    with _without_collections():
        paths = [
            path
            for path in (deal_paths(history, funnel) if paths is None else paths)
            if since is None or path.closed_day is None or path.closed_day >= since
        ]
        grouped: dict[str, list[DealPath]] = {}
        for path in paths:
            grouped.setdefault(group_of(path.owner, path.account), []).append(path)
        open_deals: dict[str, list[Deal]] = {}
        for deal in dataset.deals.values():
            if deal.is_open:
                open_deals.setdefault(group_of(deal.owner, deal.account), []).append(deal)
        min_closed = funnel.rules.calibration_min_closed
        groups = []
        names = grouped.keys() | open_deals.keys() | ({"team"} if by == "team" else set())
        for name in sorted(names):
            rates = stage_rates(funnel, grouped.get(name, []))
            forecast = calibrated_forecast(open_deals.get(name, []), rates, min_closed, kind)
            groups.append(GroupCalibration(name, rates, forecast))
    return Calibration(as_of, since, by, funnel.currency, min_closed, tuple(groups))


def to_json(calibration: Calibration) -> str:
    """The calibration as the JSON document `funnel calibrate --format json` prints."""
    return json.dumps(calibration.as_json(), ensure_ascii=False, indent=2) + "\n"


def percent(rate: Decimal | None) -> str:
    """A rate as people read it: `0.5200` -> `52 %` (`–` when nothing closed)."""
    if rate is None:
        return "–"
    return f"{(rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)} %"


def margin(rate: StageRate) -> str:
    """The half width of the interval as people read it: `±9 %` (empty when nothing closed)."""
    if rate.low is None or rate.high is None:
        return ""
    half = (rate.high - rate.low) / 2 * 100
    return f"±{half.quantize(Decimal(1), rounding=ROUND_HALF_UP)} %"

"""The forecast set against the targets and against last year.

Coverage is what is won plus what is weighted, as a percentage of the target. The current
quarter, half and year are shown beside what was won in the same period a year earlier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..data.load import ValidDataset
from ..data.model import Deal, Person, Territory
from ..data.money import ZERO
from .calendar import KINDS, Period, PeriodKind, parse_period, period_of
from .forecast import Forecast, Totals, build_forecast, won_in
from .targets import target_for

CURRENT_KINDS: tuple[PeriodKind, ...] = ("quarter", "half", "year")


@dataclass(frozen=True)
class CurrentPeriod:
    """This quarter, half or year: its forecast beside what was won a year earlier."""

    period: Period
    deals: int
    pipeline: Decimal
    weighted: Decimal
    won: Decimal
    won_last_year: Decimal


@dataclass(frozen=True)
class PeriodRow:
    """One period of the forecast with last year's won, its target and the coverage."""

    period: Period
    totals: Totals
    won_last_year: Decimal
    target: Decimal | None
    coverage: Decimal | None


@dataclass(frozen=True)
class ForecastSection:
    """The forecast by one kind of period: every period with deals or a target, and the
    current period and those after it for the chart."""

    kind: PeriodKind
    rows: list[PeriodRow]
    chart: list[PeriodRow]


@dataclass(frozen=True)
class OwnerRow:
    """An owner's forecast for the year beside the owner's target; `person` is None for an
    owner the team does not name."""

    person: Person | None
    id: str
    totals: Totals
    target: Decimal | None


@dataclass(frozen=True)
class OwnerPeriod:
    """One owner's deals closing in one period (won and weighted) beside the owner's target
    for it; the coverage is of that period alone."""

    period: Period
    totals: Totals
    target: Decimal | None
    coverage: Decimal | None


@dataclass(frozen=True)
class OwnerCoverage:
    """An owner's coverage this quarter and this year; `person` is None for an owner the
    team does not name, `id` "" for the whole company."""

    person: Person | None
    id: str
    periods: list[OwnerPeriod]


COVERAGE_KINDS: tuple[PeriodKind, ...] = ("quarter", "year")


@dataclass(frozen=True)
class TerritoryRow:
    """A territory's forecast for the year beside its target."""

    territory: Territory | None
    totals: Totals
    target: Decimal | None


def coverage(expected: Decimal, target: Decimal | None) -> Decimal | None:
    """`expected` (won + weighted) as a whole percentage of `target`; None without a target."""
    if not target:
        return None
    return (expected * 100 / target).quantize(Decimal(1))


def current_periods(
    dataset: ValidDataset,
    as_of: date,
    forecasts: Mapping[PeriodKind, Forecast] | None = None,
    deals: list[Deal] | None = None,
) -> list[CurrentPeriod]:
    """This quarter, half and year (of `deals`, else of every deal): the weighted forecast
    beside what was won in the same period a year earlier. `forecasts` (of every deal, by
    kind) saves building them again."""
    rows = []
    for kind in CURRENT_KINDS:
        period = period_of(as_of, kind)
        forecast = (forecasts or {}).get(kind) or build_forecast(dataset, as_of, kind, deals)
        totals = forecast.periods.get(period)
        rows.append(
            CurrentPeriod(
                period=period,
                deals=totals.deals if totals else 0,
                pipeline=totals.pipeline if totals else ZERO,
                weighted=totals.weighted if totals else ZERO,
                won=totals.won if totals else ZERO,
                won_last_year=won_in(dataset, period.last_year(), deals),
            )
        )
    return rows


def forecast_sections(
    dataset: ValidDataset, as_of: date, forecasts: Mapping[PeriodKind, Forecast]
) -> list[ForecastSection]:
    """For each kind of period, every period with deals, the current one and each one with
    a target, in order, with last year's won, the target and the coverage."""
    targets = dataset.targets.targets if dataset.targets else []
    targeted = [parse_period(target.period) for target in targets]
    sections = []
    for kind in KINDS:
        current = period_of(as_of, kind)
        periods: dict[Period, Totals] = dict(forecasts[kind].periods)
        for period in [current, *(p for p in targeted if p.kind == kind)]:
            periods.setdefault(period, Totals())  # this period and the targets are shown
        rows = []
        for period, totals in sorted(periods.items()):
            target = target_for(dataset.targets, period)
            rows.append(
                PeriodRow(
                    period=period,
                    totals=totals,
                    won_last_year=won_in(dataset, period.last_year()),
                    target=target,
                    coverage=coverage(totals.won + totals.weighted, target),
                )
            )
        upcoming = [row for row in rows if row.period >= current]
        sections.append(ForecastSection(kind, rows, upcoming))
    return sections


def owner_rows(dataset: ValidDataset, year: Period, forecast: Forecast) -> list[OwnerRow]:
    """Each owner with deals in `forecast` or a target, by id: the year's totals and target."""
    people = {person.id: person for person in dataset.team.people}
    targets = dataset.targets.targets if dataset.targets else []
    owners = set(forecast.owners) | {target.owner for target in targets if target.owner}
    return [
        OwnerRow(
            person=people.get(owner),
            id=owner,
            totals=forecast.owners.get(owner, Totals()),
            target=target_for(dataset.targets, year, owner=owner),
        )
        for owner in sorted(owners)
    ]


def territory_rows(dataset: ValidDataset, year: Period, forecast: Forecast) -> list[TerritoryRow]:
    """Every territory, with deals or not, and any other with deals in `forecast`, by id:
    the year's totals and target."""
    territories = {t.id: t for t in dataset.team.territories}
    return [
        TerritoryRow(
            territory=territories.get(territory_id),
            totals=forecast.territories.get(territory_id, Totals()),
            target=target_for(dataset.targets, year, territory=territory_id),
        )
        for territory_id in sorted(set(forecast.territories) | set(territories))
    ]


def owner_coverage(dataset: ValidDataset, as_of: date) -> list[OwnerCoverage]:
    """Each owner with deals or a target, by id, then the company (id ""): this quarter's
    and this year's won and weighted of the deals closing in it, against the target."""
    people = {person.id: person for person in dataset.team.people}
    targets = dataset.targets.targets if dataset.targets else []
    deals = list(dataset.deals.values())
    owners = {deal.owner for deal in deals} | {t.owner for t in targets if t.owner}
    periods = [period_of(as_of, kind) for kind in COVERAGE_KINDS]
    rows = []
    for owner in [*sorted(owners), ""]:
        mine = [deal for deal in deals if deal.owner == owner] if owner else deals
        rows.append(
            OwnerCoverage(
                person=people.get(owner),
                id=owner,
                periods=[
                    _owner_period(dataset, as_of, period, mine, owner or None) for period in periods
                ],
            )
        )
    return rows


def _owner_period(
    dataset: ValidDataset, as_of: date, period: Period, deals: list[Deal], owner: str | None
) -> OwnerPeriod:
    totals = build_forecast(dataset, as_of, period.kind, deals).periods.get(period, Totals())
    target = target_for(dataset.targets, period, owner=owner)
    return OwnerPeriod(period, totals, target, coverage(totals.won + totals.weighted, target))

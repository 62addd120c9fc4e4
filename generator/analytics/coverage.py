"""The forecast set against the targets and against last year.

Coverage is what is won plus what is weighted, as a percentage of the target. The current
quarter, half and year are shown beside what was won in the same period a year earlier.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..data.load import ValidDataset
from ..data.model import Deal, Funnel, Person, Territory
from ..data.money import ZERO, weighted_deal
from .calendar import KINDS, Period, PeriodKind, parse_period, period_of
from .forecast import Forecast, Totals, forecasts_of, won_by_period, won_in
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
    source = dataset.deals.values() if deals is None else deals
    return periods_now(source, dataset.funnel, as_of, forecasts)


def periods_now(
    deals: Collection[Deal],
    funnel: Funnel,
    as_of: date,
    forecasts: Mapping[PeriodKind, Forecast] | None = None,
) -> list[CurrentPeriod]:
    """`current_periods` of `deals` with `funnel`: made of them alone (and `forecasts`, of
    these deals by kind, when given)."""
    wins = [deal for deal in deals if deal.stage == "won"]
    given = forecasts or {}
    missing = [kind for kind in CURRENT_KINDS if kind not in given]
    made = forecasts_of(deals, funnel, as_of, missing, {}) if missing else {}
    rows = []
    for kind in CURRENT_KINDS:
        period = period_of(as_of, kind)
        forecast = given.get(kind) or made[kind]
        totals = forecast.periods.get(period)
        rows.append(
            CurrentPeriod(
                period=period,
                deals=totals.deals if totals else 0,
                pipeline=totals.pipeline if totals else ZERO,
                weighted=totals.weighted if totals else ZERO,
                won=totals.won if totals else ZERO,
                won_last_year=won_in(wins, period.last_year()),
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
    wins = [deal for deal in dataset.deals.values() if deal.stage == "won"]
    sections = []
    for kind in KINDS:
        current = period_of(as_of, kind)
        won = won_by_period(wins, kind)
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
                    won_last_year=won.get(period.last_year(), ZERO),
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
    periods = [period_of(as_of, kind) for kind in COVERAGE_KINDS]
    by_owner, company = _closing_totals(dataset, periods)
    owners = set(by_owner) | {t.owner for t in targets if t.owner}
    rows = []
    for owner in [*sorted(owners), ""]:
        totals = by_owner.get(owner, {}) if owner else company
        rows.append(
            OwnerCoverage(
                person=people.get(owner),
                id=owner,
                periods=[
                    _owner_period(dataset, period, totals.get(period, Totals()), owner or None)
                    for period in periods
                ],
            )
        )
    return rows


def _closing_totals(
    dataset: ValidDataset, periods: list[Period]
) -> tuple[dict[str, dict[Period, Totals]], dict[Period, Totals]]:
    """Each owner's totals (of every deal owner) and the company's in each of `periods`, as
    `build_forecast` adds them up for a period, in one pass over the deals."""
    by_owner: dict[str, dict[Period, Totals]] = {}
    company = {period: Totals() for period in periods}
    for deal in dataset.deals.values():
        mine = by_owner.get(deal.owner)
        if mine is None:
            mine = by_owner[deal.owner] = {period: Totals() for period in periods}
        if deal.is_open:
            weight: Decimal | None = None
            for period in periods:
                if deal.expected_close in period:
                    weight = weighted_deal(deal, dataset.funnel) if weight is None else weight
                    mine[period].add_open(deal, weight)
                    company[period].add_open(deal, weight)
        elif deal.stage == "won" and deal.closed_on is not None:
            for period in periods:
                if deal.closed_on in period:
                    mine[period].won += deal.amount
                    company[period].won += deal.amount
    return by_owner, company


def _owner_period(
    dataset: ValidDataset, period: Period, totals: Totals, owner: str | None
) -> OwnerPeriod:
    target = target_for(dataset.targets, period, owner=owner)
    return OwnerPeriod(period, totals, target, coverage(totals.won + totals.weighted, target))

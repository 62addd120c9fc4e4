"""The forecast: open deals weighted by their stage's probability, added up by period.

Amounts stay exact `Decimal`s; they are rounded to cents (half up) only when shown.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from ..data.load import ValidDataset
from ..data.model import Deal, Funnel
from ..data.money import ZERO, json_amount, weighted_deal
from .calendar import Period, PeriodKind, period_of

K = TypeVar("K")


@dataclass
class Totals:
    """Open deals (count, pipeline, weighted) and the amount won, of one slice of the funnel."""

    deals: int = 0
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    won: Decimal = ZERO

    def add_open(self, deal: Deal, weight: Decimal) -> None:
        """Count an open deal with its weighted amount."""
        self.deals += 1
        self.pipeline += deal.amount
        self.weighted += weight

    def as_json(self, *, with_won: bool = True) -> dict[str, object]:
        """The totals for programs, amounts with cents (`won` left out for the overdue)."""
        result: dict[str, object] = {
            "deals": self.deals,
            "pipeline": json_amount(self.pipeline),
            "weighted": json_amount(self.weighted),
        }
        if with_won:
            result["won"] = json_amount(self.won)
        return result


@dataclass
class Forecast:
    """The forecast as of a day, by period of one kind, by owner, with the overdue deals apart."""

    as_of: date
    currency: str
    kind: PeriodKind
    periods: dict[Period, Totals] = field(default_factory=dict)
    owners: dict[str, Totals] = field(default_factory=dict)
    territories: dict[str, Totals] = field(default_factory=dict)
    total: Totals = field(default_factory=Totals)
    overdue: Totals = field(default_factory=Totals)

    def as_json(self) -> dict[str, object]:
        """The forecast for programs: by period in time order, by owner, total, overdue."""
        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "period": self.kind,
            "periods": [
                {"period": period.name, **totals.as_json()}
                for period, totals in sorted(self.periods.items())
            ],
            "owners": [
                {"owner": owner, **totals.as_json()}
                for owner, totals in sorted(self.owners.items())
            ],
            "total": self.total.as_json(),
            "overdue": self.overdue.as_json(with_won=False),
        }


def build_forecast(
    dataset: ValidDataset,
    as_of: date,
    kind: PeriodKind = "quarter",
    deals: Iterable[Deal] | None = None,
) -> Forecast:
    """Add up `deals` (default: all) by period of `kind`, by owner and by territory.

    Periods hold open deals by expected close (overdue ones stay in their past period) and
    won deals by `closed_on`. Owners and the total cover all open deals; their `won` is what
    was won in the as-of date's year.
    """
    return build_forecasts(dataset, as_of, (kind,), deals)[kind]


def build_forecasts(
    dataset: ValidDataset,
    as_of: date,
    kinds: Iterable[PeriodKind],
    deals: Iterable[Deal] | None = None,
) -> dict[PeriodKind, Forecast]:
    """`build_forecast` of each kind, in one pass over the deals; each is the very forecast
    `build_forecast` gives. The pass only sorts each deal's amounts into the slices it
    counts in (owners, territories, the total and the overdue once for every kind); each
    slice's amounts are then added up in the deals' order, as one at a time would."""
    source = dataset.deals.values() if deals is None else deals
    return forecasts_of(source, dataset.funnel, as_of, kinds, _territories(dataset))


def forecasts_of(
    deals: Iterable[Deal],
    funnel: Funnel,
    as_of: date,
    kinds: Iterable[PeriodKind],
    territory_of: Mapping[str, str],
) -> dict[PeriodKind, Forecast]:
    """`build_forecasts` of `deals` with `funnel`, each account in the territory that
    `territory_of` gives it (by account id; "" for one it does not)."""
    kinds = tuple(kinds)
    periods: dict[PeriodKind, dict[Period, _Slice]] = {kind: {} for kind in kinds}
    owners: dict[str, _Slice] = {}
    territories: dict[str, _Slice] = {}
    total, overdue = _Slice(), _Slice()
    period_at: dict[tuple[date, PeriodKind], Period] = {}
    for deal in deals:
        territory = territory_of.get(deal.account, "")
        if deal.is_open:
            day, amounts = deal.expected_close, (deal.amount, weighted_deal(deal, funnel))
            for kind in kinds:
                period = period_at.get((day, kind)) or period_at.setdefault(
                    (day, kind), period_of(day, kind)
                )
                _slice(periods[kind], period).open.append(amounts)
            for sums in (_slice(owners, deal.owner), _slice(territories, territory), total):
                sums.open.append(amounts)
            if day < as_of:
                overdue.open.append(amounts)
        elif deal.stage == "won" and deal.closed_on is not None:
            for kind in kinds:
                _slice(periods[kind], period_of(deal.closed_on, kind)).won.append(deal.amount)
            if deal.closed_on.year == as_of.year:
                for sums in (_slice(owners, deal.owner), _slice(territories, territory), total):
                    sums.won.append(deal.amount)
    return {
        kind: Forecast(
            as_of=as_of,
            currency=funnel.currency,
            kind=kind,
            periods={period: sums.totals() for period, sums in periods[kind].items()},
            owners={owner: sums.totals() for owner, sums in owners.items()},
            territories={name: sums.totals() for name, sums in territories.items()},
            total=total.totals(),
            overdue=overdue.totals(),
        )
        for kind in kinds
    }


@dataclass
class _Slice:
    """The amounts of one slice of the funnel: (amount, weighted) of each open deal, and the
    amount of each won deal, in the deals' order."""

    open: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    won: list[Decimal] = field(default_factory=list)

    def totals(self) -> Totals:
        """Its totals, each added up from zero in the deals' order."""
        return Totals(
            deals=len(self.open),
            pipeline=sum((amount for amount, _ in self.open), ZERO),
            weighted=sum((weight for _, weight in self.open), ZERO),
            won=sum(self.won, ZERO),
        )


def _slice(slices: dict[K, _Slice], key: K) -> _Slice:
    """The slice under `key`, a new one the first time."""
    found = slices.get(key)
    if found is None:
        found = slices[key] = _Slice()
    return found


def _territories(dataset: ValidDataset) -> dict[str, str]:
    """Account id -> territory id."""
    return {account_id: account.territory for account_id, account in dataset.accounts.items()}


def won_in(deals: Iterable[Deal], period: Period) -> Decimal:
    """The amount of `deals` won in a period (by `closed_on`)."""
    return sum(
        (
            deal.amount
            for deal in deals
            if deal.stage == "won" and deal.closed_on is not None and deal.closed_on in period
        ),
        ZERO,
    )


def won_by_period(deals: Iterable[Deal], kind: PeriodKind) -> dict[Period, Decimal]:
    """The amount won (by `closed_on`) in each period of `kind` that has a win: `won_in` of
    every period in one pass over the deals, each period's amounts added in the deals' order."""
    won: dict[tuple[int, int], Decimal] = {}
    period_of_month: dict[tuple[int, int], tuple[int, int]] = {}
    for deal in deals:
        if deal.stage == "won" and deal.closed_on is not None:
            month = (deal.closed_on.year, deal.closed_on.month)
            key = period_of_month.get(month)
            if key is None:
                period = period_of(deal.closed_on, kind)
                key = period_of_month[month] = (period.year, period.index)
            won[key] = won.get(key, ZERO) + deal.amount
    return {Period(year, index, kind): amount for (year, index), amount in won.items()}


def to_json(forecast: Forecast) -> str:
    """The forecast as the JSON document `funnel forecast --format json` prints."""
    return json.dumps(forecast.as_json(), ensure_ascii=False, indent=2) + "\n"


def to_csv(forecast: Forecast) -> str:
    """One row per period, then one per owner, then the total and the overdue deals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "name", "deals", "pipeline", "weighted", "won"])
    for period, totals in sorted(forecast.periods.items()):
        writer.writerow(["period", period.name, *_values(totals.as_json())])
    for owner, totals in sorted(forecast.owners.items()):
        writer.writerow(["owner", owner, *_values(totals.as_json())])
    writer.writerow(["total", "", *_values(forecast.total.as_json())])
    writer.writerow(["overdue", "", *_values(forecast.overdue.as_json(with_won=False))])
    return out.getvalue()


def _values(row: Mapping[str, object]) -> list[object]:
    return [row["deals"], row["pipeline"], row["weighted"], row.get("won", "")]

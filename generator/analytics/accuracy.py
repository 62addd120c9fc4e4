"""How good the forecast was: the weighted forecast of a period as it stood at its start,
against what was won in it, for the team and for each rep.

A quarter's (or a month's) forecast is the open deals as git knew them at the end of the day
before the period began, whose expected close fell in the period: their count, pipeline and
weighted amount. The weights are today's funnel.yaml probabilities, so every period is weighed
alike. What was won in it is today's won deals whose `closed_on` falls in the period (and on or
before the as-of date), whenever they entered the funnel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from ..data.model import Deal, Funnel
from ..data.money import ZERO
from ..history.events import weighted_snapshot
from ..history.records import History
from .calendar import Period, PeriodKind, last_n, period_of
from .review import state_at

QUARTERS_KEPT = 8
MONTHS_KEPT = 12
KEPT: dict[PeriodKind, int] = {"quarter": QUARTERS_KEPT, "month": MONTHS_KEPT}


@dataclass(frozen=True)
class PeriodAccuracy:
    """One period's forecast at its start (`deals`, `pipeline`, `weighted`) against the amount
    won in it (`won`); `in_progress` when the period holds the as-of date (won so far)."""

    period: Period
    in_progress: bool
    deals: int = 0
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    won: Decimal = ZERO

    @property
    def ratio(self) -> Decimal | None:
        """Won / weighted forecast (1 = the forecast came true); None without a forecast."""
        if self.weighted == 0:
            return None
        return self.won / self.weighted

    @property
    def percent(self) -> int | None:
        """The ratio in whole percent, rounded half up; None without a forecast."""
        ratio = self.ratio
        if ratio is None:
            return None
        return int((ratio * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Accuracy:
    """The quarters and months (oldest first) of the team (`owner` None) or of one rep."""

    owner: str | None
    quarters: tuple[PeriodAccuracy, ...]
    months: tuple[PeriodAccuracy, ...]


@dataclass(frozen=True)
class ForecastAccuracy:
    """The team's accuracy per period, and each rep's (by owner id)."""

    team: Accuracy
    reps: tuple[Accuracy, ...]


def accuracy_periods(history: History, as_of: date, kind: PeriodKind) -> list[Period]:
    """The latest periods of this kind (oldest first, at most KEPT) that started on or after
    the day of the history's first commit and on or before `as_of`."""
    if not history.commits:
        return []
    first_day = history.commits[0].day
    latest = last_n(period_of(as_of, kind), KEPT[kind])
    return [period for period in latest if first_day <= period.start <= as_of]


StartForecast = dict[str | None, tuple[int, Decimal, Decimal]]
"""A period's forecast at its start: the deals, pipeline and weighted amount of the team
(None) and of each rep with a deal in it (by owner id)."""


def start_forecast(history: History, funnel: Funnel, period: Period) -> StartForecast:
    """The open deals as git knew them at the end of the day before `period` began, whose
    expected close fell in it, added up for the team (None) and for each owner, in the
    history's order of deals. Made of the history up to that day and the funnel alone."""
    open_stages = {stage.id for stage in funnel.stages}
    found: StartForecast = {None: (0, ZERO, ZERO)}
    for snapshot, _ in state_at(history, period.start - timedelta(days=1)).values():
        if (
            snapshot.stage not in open_stages
            or snapshot.amount is None
            or snapshot.expected_close is None
            or snapshot.expected_close not in period
        ):
            continue
        weighted = weighted_snapshot(snapshot, funnel)
        for who in (None, snapshot.owner) if snapshot.owner else (None,):
            deals, pipeline, weights = found.get(who, (0, ZERO, ZERO))
            found[who] = (deals + 1, pipeline + snapshot.amount, weights + weighted)
    return found


def forecast_accuracy(
    history: History,
    deals: Iterable[Deal],
    funnel: Funnel,
    as_of: date,
    forecast_at: Callable[[Period], StartForecast] | None = None,
) -> ForecastAccuracy:
    """The forecast at each period's start against what was won in it. A rep's forecast is
    the deals they owned at the period's start (as git knew them); a rep's wins are today's
    won deals they own now (the owner in the data), so a deal handed over before it was won
    counts in one rep's forecast and in the other's wins. The team counts every deal. A rep
    has a row for a period only when they had a deal in its forecast or won one in it.
    `forecast_at` gives a period's `start_forecast` when the caller keeps them."""
    if forecast_at is None:
        forecast_at = partial(start_forecast, history, funnel)
    won = [deal for deal in deals if deal.stage == "won" and deal.closed_on is not None]
    by_kind: dict[PeriodKind, dict[str | None, list[PeriodAccuracy]]] = {}
    for kind in KEPT:
        rows: dict[str | None, list[PeriodAccuracy]] = {None: []}
        for period in accuracy_periods(history, as_of, kind):
            for owner, row in _period_rows(forecast_at(period), won, period, as_of).items():
                rows.setdefault(owner, []).append(row)
        by_kind[kind] = rows
    owners = sorted({owner for rows in by_kind.values() for owner in rows if owner is not None})
    return ForecastAccuracy(
        team=_accuracy(None, by_kind),
        reps=tuple(_accuracy(owner, by_kind) for owner in owners),
    )


def _accuracy(
    owner: str | None, by_kind: dict[PeriodKind, dict[str | None, list[PeriodAccuracy]]]
) -> Accuracy:
    return Accuracy(
        owner,
        tuple(by_kind["quarter"].get(owner, [])),
        tuple(by_kind["month"].get(owner, [])),
    )


def _period_rows(
    forecast: StartForecast, won: list[Deal], period: Period, as_of: date
) -> dict[str | None, PeriodAccuracy]:
    """One period's row for the team (key None) and for each rep with a forecast or a win."""
    in_progress = as_of in period
    rows = {
        owner: PeriodAccuracy(period, in_progress, deals, pipeline, weighted)
        for owner, (deals, pipeline, weighted) in forecast.items()
    }
    team = rows.pop(None)
    for deal in won:
        assert deal.closed_on is not None
        if deal.closed_on in period and deal.closed_on <= as_of:
            team = _won(team, deal.amount)
            row = rows.get(deal.owner, PeriodAccuracy(period, in_progress))
            rows[deal.owner] = _won(row, deal.amount)
    return {None: team, **rows}


def _won(row: PeriodAccuracy, amount: Decimal) -> PeriodAccuracy:
    return replace(row, won=row.won + amount)

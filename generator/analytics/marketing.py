"""Marketing's scorecard: how many prospects enter the funnel, from which source, and how
they end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..data.load import ValidDataset
from ..data.model import Deal
from ..data.money import ZERO
from .calendar import Period, last_n, period_of

NO_SOURCE = "(none)"


def source_of(deal: Deal) -> str:
    """The deal's lead source, or NO_SOURCE when it names none."""
    return deal.source or NO_SOURCE


@dataclass
class Tally:
    """How many deals, and their amount."""

    deals: int = 0
    amount: Decimal = ZERO

    def add(self, deal: Deal) -> None:
        """Count one more deal."""
        self.deals += 1
        self.amount += deal.amount


@dataclass
class SourceOutcome:
    """What became of one lead source's deals."""

    source: str
    entered: Tally = field(default_factory=Tally)
    open: Tally = field(default_factory=Tally)
    won: Tally = field(default_factory=Tally)
    lost: Tally = field(default_factory=Tally)

    @property
    def win_rate(self) -> Decimal | None:
        """Won deals as a percentage of closed deals (None before any closed)."""
        closed = self.won.deals + self.lost.deals
        return (Decimal(self.won.deals) * 100 / closed).quantize(Decimal(1)) if closed else None


@dataclass(frozen=True)
class Scorecard:
    """New deals per month and lead source over a window of months, and what became of each
    source's deals."""

    months: list[Period]
    sources: list[str]
    entered: dict[tuple[Period, str], Tally]
    outcomes: list[SourceOutcome]

    def counts(self, source: str | None = None) -> list[int]:
        """New deals per month of the window, of one source or (None) of all."""
        if source is None:
            return [self.entered_in(month).deals for month in self.months]
        return [
            tally.deals if (tally := self.entered.get((month, source))) else 0
            for month in self.months
        ]

    def series(self) -> list[dict[str, object]]:
        """One chart series per lead source."""
        return [{"name": source, "values": self.counts(source)} for source in self.sources]

    def entered_in(self, month: Period) -> Tally:
        """The deals that entered the funnel in `month`, of every source."""
        total = Tally()
        for source in self.sources:
            tally = self.entered.get((month, source))
            if tally:
                total.deals += tally.deals
                total.amount += tally.amount
        return total


def scorecard(
    dataset: ValidDataset,
    as_of: date,
    months: int = 12,
    entered_on: dict[str, date] | None = None,
    deals: Iterable[Deal] | None = None,
) -> Scorecard:
    """New deals per month and source over the last `months` months, and outcomes by source.

    A deal enters the funnel on `entered_on[deal.id]` when given (the day git first saw it),
    else on its `created` date.
    """
    entered_on = entered_on or {}
    window = last_n(period_of(as_of, "month"), months)
    first, last = window[0], window[-1]
    entered: dict[tuple[Period, str], Tally] = {}
    outcomes: dict[str, SourceOutcome] = {}
    for deal in dataset.deals.values() if deals is None else deals:
        source = source_of(deal)
        outcome = outcomes.setdefault(source, SourceOutcome(source))
        outcome.entered.add(deal)
        if deal.stage == "won":
            outcome.won.add(deal)
        elif deal.stage == "lost":
            outcome.lost.add(deal)
        else:
            outcome.open.add(deal)
        month = period_of(entered_on.get(deal.id, deal.created), "month")
        if first <= month <= last:
            entered.setdefault((month, source), Tally()).add(deal)
    sources = sorted(outcomes)
    return Scorecard(
        months=window,
        sources=sources,
        entered=entered,
        outcomes=[outcomes[source] for source in sources],
    )

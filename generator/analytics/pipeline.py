"""The funnel of a slice of deals: per stage, stale and overdue deals, what closes soon."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..data.load import ValidDataset
from ..data.model import Deal, Funnel, Stage
from ..data.money import ZERO, weighted_deal
from .calendar import Period


@dataclass(frozen=True)
class StageSummary:
    """Open deals of one stage: how many, their amount and weighted amount."""

    stage: Stage
    deals: tuple[Deal, ...]
    amount: Decimal
    weighted: Decimal

    @property
    def count(self) -> int:
        """How many open deals the stage holds."""
        return len(self.deals)

    @property
    def label(self) -> str:
        """The stage's name, or its id when it has none."""
        return self.stage.label


def by_stage(deals: Iterable[Deal], funnel: Funnel) -> list[StageSummary]:
    """The open stages from the top of the funnel down, each with its deals (largest first)."""
    grouped: dict[str, list[Deal]] = {stage.id: [] for stage in funnel.stages}
    for deal in deals:
        if deal.stage in grouped:
            grouped[deal.stage].append(deal)
    summaries = []
    for stage in funnel.stages:
        members = sorted(grouped[stage.id], key=lambda deal: (-deal.amount, deal.id))
        summaries.append(
            StageSummary(
                stage=stage,
                deals=tuple(members),
                amount=sum((deal.amount for deal in members), ZERO),
                weighted=sum((weighted_deal(deal, funnel) for deal in members), ZERO),
            )
        )
    return summaries


def last_activity(deal: Deal) -> date:
    """The day of the newest log entry, or the day the deal was created."""
    return max((entry.date for entry in deal.log), default=deal.created)


def stale(deals: Iterable[Deal], as_of: date, after_days: int) -> list[Deal]:
    """Open deals without a log entry for `after_days` days, the longest silent first."""
    found = [
        deal for deal in deals if deal.is_open and (as_of - last_activity(deal)).days >= after_days
    ]
    return sorted(found, key=lambda deal: (last_activity(deal), deal.id))


def overdue(deals: Iterable[Deal], as_of: date) -> list[Deal]:
    """Open deals whose expected close has passed, the oldest first."""
    found = [deal for deal in deals if deal.is_open and deal.expected_close < as_of]
    return sorted(found, key=lambda deal: (deal.expected_close, deal.id))


def closing_in(deals: Iterable[Deal], period: Period) -> list[Deal]:
    """Open deals expected to close in `period`, by date."""
    found = [deal for deal in deals if deal.is_open and deal.expected_close in period]
    return sorted(found, key=lambda deal: (deal.expected_close, deal.id))


@dataclass(frozen=True)
class DealIndex:
    """Deals grouped once by owner, territory and account (each list sorted by id)."""

    by_owner: dict[str, list[Deal]]
    by_territory: dict[str, list[Deal]]
    by_account: dict[str, list[Deal]]

    @classmethod
    def of(cls, dataset: ValidDataset) -> DealIndex:
        """Group the dataset's deals (a deal of an unknown account has no territory)."""
        by_owner: dict[str, list[Deal]] = {}
        by_territory: dict[str, list[Deal]] = {}
        by_account: dict[str, list[Deal]] = {}
        for deal_id in sorted(dataset.deals):
            deal = dataset.deals[deal_id]
            by_owner.setdefault(deal.owner, []).append(deal)
            by_account.setdefault(deal.account, []).append(deal)
            account = dataset.accounts.get(deal.account)
            if account is not None:
                by_territory.setdefault(account.territory, []).append(deal)
        return cls(by_owner, by_territory, by_account)

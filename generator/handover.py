"""The handover plan: a leaving rep's open deals, by the method their stage prescribes.

Bottom-of-funnel deals are handed over by a joint visit, the middle by a phone call that
introduces the successor, the top later. Within a method, the largest weighted amount first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .forecast import money, weighted
from .load import Dataset
from .model import HANDOVER_METHODS, Account, Contact, Deal, LogEntry, Stage


@dataclass(frozen=True)
class HandoverItem:
    deal: Deal
    account: Account | None
    contact: Contact | None
    stage: Stage
    weighted: Decimal

    @property
    def last_log(self) -> LogEntry | None:
        return self.deal.log[-1] if self.deal.log else None

    def as_json(self) -> dict[str, object]:
        last = self.last_log
        return {
            "deal": self.deal.id,
            "title": self.deal.title,
            "account": self.deal.account,
            "account_name": self.account.name if self.account else None,
            "contact": self.deal.contact,
            "phone": self.contact.phone if self.contact else None,
            "email": self.contact.email if self.contact else None,
            "amount": money(self.deal.amount),
            "weighted": money(self.weighted),
            "stage": self.deal.stage,
            "expected_close": self.deal.expected_close.isoformat(),
            "last_log": {"date": last.date.isoformat(), "note": last.note} if last else None,
        }


@dataclass(frozen=True)
class HandoverPlan:
    """FROM's open deals grouped by handover method, in the order visit, phone, later."""

    from_id: str
    to_id: str | None
    as_of: date
    groups: dict[str, list[HandoverItem]]

    @property
    def items(self) -> list[HandoverItem]:
        return [item for method in HANDOVER_METHODS for item in self.groups[method]]

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.from_id,
            "to": self.to_id,
            "as_of": self.as_of.isoformat(),
            **{
                method: [item.as_json() for item in self.groups[method]]
                for method in HANDOVER_METHODS
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"


def plan_handover(
    dataset: Dataset,
    from_id: str,
    as_of: date,
    to_id: str | None = None,
    accounts: Iterable[str] | None = None,
) -> HandoverPlan:
    """The plan for handing `from_id`'s open deals (optionally of some accounts only)."""
    funnel = dataset.funnel
    assert funnel is not None, "plan_handover needs a valid funnel.yaml"
    only = set(accounts) if accounts is not None else None
    groups: dict[str, list[HandoverItem]] = {method: [] for method in HANDOVER_METHODS}
    for deal in dataset.deals.values():
        if deal.owner != from_id or not deal.is_open:
            continue
        if only is not None and deal.account not in only:
            continue
        stage = funnel.stage(deal.stage)
        if stage is None:
            continue
        account = dataset.accounts.get(deal.account)
        groups[stage.handover].append(
            HandoverItem(
                deal=deal,
                account=account,
                contact=account.contact(deal.contact) if account else None,
                stage=stage,
                weighted=weighted(deal, funnel),
            )
        )
    for items in groups.values():
        items.sort(key=lambda item: (-item.weighted, -item.deal.amount, item.deal.id))
    return HandoverPlan(from_id, to_id, as_of, groups)

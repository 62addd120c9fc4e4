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

from ..data.load import Dataset
from ..data.model import HANDOVER_METHODS, Account, Contact, Deal, Handover, LogEntry, Stage
from ..data.money import ZERO, json_amount, weighted_deal


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
            "amount": json_amount(self.deal.amount),
            "weighted": json_amount(self.weighted),
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


def handover_item(dataset: Dataset, deal: Deal) -> HandoverItem | None:
    """The deal with what a successor needs: account, contact, stage, weighted amount."""
    funnel = dataset.funnel
    assert funnel is not None
    stage = funnel.stage(deal.stage)
    if stage is None:
        return None
    account = dataset.accounts.get(deal.account)
    return HandoverItem(
        deal=deal,
        account=account,
        contact=account.contact(deal.contact) if account else None,
        stage=stage,
        weighted=weighted_deal(deal, funnel) if deal.is_open else ZERO,
    )


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
        item = handover_item(dataset, deal)
        if item is not None:
            groups[item.stage.handover].append(item)
    for items in groups.values():
        items.sort(key=lambda item: (-item.weighted, -item.deal.amount, item.deal.id))
    return HandoverPlan(from_id, to_id, as_of, groups)


# -- the checklist as rows, for the command and the site ---------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    """One line of a printed checklist: the deal, how to reach the customer, and its status."""

    item: HandoverItem
    to: str | None
    status: str
    done_on: date | None
    note: str | None


def plan_rows(plan: HandoverPlan) -> dict[str, list[ChecklistRow]]:
    return {
        method: [ChecklistRow(item, plan.to_id, "pending", None, None) for item in items]
        for method, items in plan.groups.items()
    }


def checklist_rows(checklist: Handover, dataset: Dataset) -> dict[str, list[ChecklistRow]]:
    """A checklist file's deals by method, with the deals' current contact data."""
    groups: dict[str, list[ChecklistRow]] = {method: [] for method in HANDOVER_METHODS}
    for entry in checklist.deals:
        deal = dataset.deals.get(entry.deal)
        item = handover_item(dataset, deal) if deal is not None else None
        if item is None:
            continue
        groups[entry.method].append(
            ChecklistRow(item, entry.to, entry.status, entry.done_on, entry.note)
        )
    return groups

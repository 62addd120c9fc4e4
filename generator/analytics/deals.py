"""A deal with what is shown and handed over beside it: account, contact, stage, weight, owner.

The site's pages and the handover plan both show a deal this way; the site names the closed
stages (won, lost) in its own language, the handover keeps the funnel's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..data.load import ValidDataset
from ..data.model import Account, Contact, Deal, LogEntry, Person, Stage
from ..data.money import ZERO, json_amount, weighted_deal


@dataclass(frozen=True)
class DealView:
    """A deal with its account, its contact, its stage, its weighted amount and its owner;
    account, contact and owner are None when the data no longer names them."""

    deal: Deal
    account: Account | None
    contact: Contact | None
    stage: Stage
    weighted: Decimal
    owner: Person | None = None

    @property
    def id(self) -> str:
        """The deal's id, as pages link to it."""
        return self.deal.id

    @property
    def last_log(self) -> LogEntry | None:
        """The deal's latest log entry: what a successor reads first."""
        return self.deal.log[-1] if self.deal.log else None

    def as_json(self) -> dict[str, object]:
        """What a successor needs to reach the customer, as the handover plan's JSON has it."""
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


def deal_view(
    dataset: ValidDataset,
    deal: Deal,
    *,
    stages: Mapping[str, Stage] | None = None,
    people: Mapping[str, Person] | None = None,
) -> DealView | None:
    """The deal with its account, contact, stage, weighted amount and owner; None when the
    funnel does not know its stage. `stages` (by id) replaces the funnel's own, e.g. won and
    lost named in the site's language; `people` (by id) saves looking the owner up."""
    funnel = dataset.funnel
    stage = (stages or {}).get(deal.stage) or funnel.stage(deal.stage)
    if stage is None:
        return None
    account = dataset.accounts.get(deal.account)
    if people is None:
        people = team_by_id(dataset)
    return DealView(
        deal=deal,
        account=account,
        contact=account.contact(deal.contact) if account else None,
        stage=stage,
        weighted=weighted_deal(deal, funnel) if deal.is_open else ZERO,
        owner=people.get(deal.owner),
    )


def team_by_id(dataset: ValidDataset) -> dict[str, Person]:
    """The team's people by id (none without a team.yaml)."""
    return {person.id: person for person in dataset.team.people}

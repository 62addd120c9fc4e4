"""The handover plan: a leaving rep's open deals, by the method their stage prescribes.

Bottom-of-funnel deals are handed over by a joint visit, the middle by a phone call that
introduces the successor, the top later. Within a method, the largest weighted amount first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from ..data.load import ValidDataset
from ..data.model import HANDOVER_METHODS, Deal, Handover, Person
from .deals import DealView, deal_view, team_by_id


@dataclass(frozen=True)
class HandoverPlan:
    """FROM's open deals grouped by handover method, in the order visit, phone, later."""

    from_id: str
    to_id: str | None
    as_of: date
    groups: dict[str, list[DealView]]

    @property
    def items(self) -> list[DealView]:
        """Every deal of the plan, visits first, then phone calls, then the later ones."""
        return [item for method in HANDOVER_METHODS for item in self.groups[method]]

    def as_json(self) -> dict[str, object]:
        """The plan as `funnel handover --format json` prints it."""
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
        """The plan's JSON text, as written for a successor."""
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"


def handover_item(dataset: ValidDataset, deal: Deal) -> DealView | None:
    """The deal with what a successor needs: account, contact, stage, weighted amount."""
    return deal_view(dataset, deal)


def plan_handover(
    dataset: ValidDataset,
    from_id: str,
    as_of: date,
    to_id: str | None = None,
    accounts: Iterable[str] | None = None,
    *,
    owned: Iterable[Deal] | None = None,
    people: Mapping[str, Person] | None = None,
) -> HandoverPlan:
    """The plan for handing `from_id`'s open deals (optionally of some accounts only).
    `owned`: `from_id`'s deals, when the caller has them (else every deal is looked at: a
    site that plans for each rep gives them); `people`: the team by id."""
    only = set(accounts) if accounts is not None else None
    people = team_by_id(dataset) if people is None else people
    groups: dict[str, list[DealView]] = {method: [] for method in HANDOVER_METHODS}
    for deal in dataset.deals.values() if owned is None else owned:
        if deal.owner != from_id or not deal.is_open:
            continue
        if only is not None and deal.account not in only:
            continue
        item = deal_view(dataset, deal, people=people)
        if item is not None:
            groups[item.stage.handover].append(item)
    for items in groups.values():
        items.sort(key=lambda item: (-item.weighted, -item.deal.amount, item.deal.id))
    return HandoverPlan(from_id, to_id, as_of, groups)


# -- the checklist as rows, for the command and the site ---------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    """One line of a printed checklist: the deal, how to reach the customer, and its status."""

    item: DealView
    to: str | None
    status: str
    done_on: date | None
    note: str | None


def plan_rows(plan: HandoverPlan) -> dict[str, list[ChecklistRow]]:
    """A new plan as checklist rows: every deal pending, to the plan's successor."""
    return {
        method: [ChecklistRow(item, plan.to_id, "pending", None, None) for item in items]
        for method, items in plan.groups.items()
    }


def checklist_rows(checklist: Handover, dataset: ValidDataset) -> dict[str, list[ChecklistRow]]:
    """A checklist file's deals by method, with the deals' current contact data."""
    people = team_by_id(dataset)
    groups: dict[str, list[ChecklistRow]] = {method: [] for method in HANDOVER_METHODS}
    for entry in checklist.deals:
        deal = dataset.deals.get(entry.deal)
        item = deal_view(dataset, deal, people=people) if deal is not None else None
        if item is None:
            continue
        groups[entry.method].append(
            ChecklistRow(item, entry.to, entry.status, entry.done_on, entry.note)
        )
    return groups

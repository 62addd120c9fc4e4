"""The handover plan: a leaving rep's open deals, by the method their stage prescribes.

Bottom-of-funnel deals are handed over by a joint visit, the middle by a phone call that
introduces the successor, the top later. Within a method, the largest weighted amount first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

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


# -- applying a plan: the owner lines and the checklist ----------------------------------------

CHECKLIST_HEADER = """\
# yaml-language-server: $schema=../../schemas/handover.schema.json
# The handover of {name}'s deals. Tick each deal off in a pull request:
# set `status: done`, `done_on: YYYY-MM-DD` and a `note`.
"""


class HandoverError(Exception):
    """The plan cannot be applied (uncommitted changes, invalid data): nothing was changed."""


def replace_owner(text: str, new_owner: str) -> str:
    """The deal file with only its `owner:` value replaced: quoting, comments and every
    other byte stay as they are."""
    from ruamel.yaml import YAML

    document = YAML(typ="rt").load(text)
    line, column = document.lc.value("owner")
    lines = text.splitlines(keepends=True)
    current = lines[line]
    quote = current[column] if current[column] in "'\"" else ""
    if quote:
        end = current.index(quote, column + 1) + 1
    else:
        end = column
        while end < len(current) and (current[end].isalnum() or current[end] in "._-"):
            end += 1
    lines[line] = current[:column] + f"{quote}{new_owner}{quote}" + current[end:]
    return "".join(lines)


def checklist_text(existing: str | None, plan: HandoverPlan, from_name: str) -> str | None:
    """The checklist with the plan's deals added (those already listed are kept as they are,
    and so are the file's line endings); None when nothing is new."""
    items = [(method, item) for method in HANDOVER_METHODS for item in plan.groups[method]]
    newline = "\r\n" if existing and "\r\n" in existing else "\n"
    if existing is None:
        lines = [
            CHECKLIST_HEADER.format(name=from_name),
            f"from: {plan.from_id}\n",
            f"date: {plan.as_of.isoformat()}\n",
            "deals:\n",
        ]
        listed: set[str] = set()
    else:
        from ruamel.yaml import YAML

        document = YAML(typ="rt").load(existing)
        listed = {str(entry.get("deal")) for entry in (document.get("deals") or [])}
        text = existing if existing.endswith("\n") else existing + newline
        if not document.get("deals"):
            text = EMPTY_DEALS.sub("", text) + f"deals:{newline}"
        lines = [text]
    new = [
        f"  - {{deal: {item.deal.id}, to: {plan.to_id}, method: {method}, status: pending}}"
        + newline
        for method, item in items
        if item.deal.id not in listed
    ]
    if not new:
        return None
    return "".join(lines + new)


EMPTY_DEALS = re.compile(r"^deals:[ \t]*(?:\[\]|null|~)?[ \t]*(?:#[^\r\n]*)?\r?(?:\n|\Z)", re.M)
"""A `deals:` line without deals, replaced by one that the new items follow."""


@dataclass(frozen=True)
class Applied:
    """What `--apply` changed: deal files (old bytes kept for a rollback) and the checklist."""

    deals: dict[Path, bytes]
    checklist: Path
    checklist_before: bytes | None

    def rollback(self) -> None:
        for path, data in self.deals.items():
            path.write_bytes(data)
        if self.checklist_before is None:
            self.checklist.unlink(missing_ok=True)
        else:
            self.checklist.write_bytes(self.checklist_before)


def apply_handover(data_dir: Path, dataset: Dataset, plan: HandoverPlan) -> Applied | None:
    """Give the plan's deals to the successor and write the checklist; None if nothing to do.

    Refuses (HandoverError) when tracked files under the data folder have uncommitted
    changes, so the manager's commit holds exactly the handover.
    """
    from ..history.mining import uncommitted

    dirty = uncommitted(data_dir)
    if dirty:
        raise HandoverError(
            "tracked files under the data folder have uncommitted changes: commit or stash "
            "them first (" + ", ".join(dirty[:5]) + (", ..." if len(dirty) > 5 else "") + ")"
        )
    assert plan.to_id is not None
    people = {p.id: p for p in dataset.team.people} if dataset.team else {}
    checklist = data_dir / "handovers" / f"{plan.from_id}-{plan.as_of.isoformat()}.yaml"
    before = checklist.read_bytes() if checklist.exists() else None
    from_name = people[plan.from_id].name if plan.from_id in people else plan.from_id
    text = checklist_text(before.decode("utf-8") if before else None, plan, from_name)
    changed: dict[Path, bytes] = {}
    for item in plan.items:
        path = dataset.files[item.deal.path]
        original = path.read_bytes()
        updated = replace_owner(original.decode("utf-8"), plan.to_id).encode("utf-8")
        if updated != original:
            changed[path] = original
            path.write_bytes(updated)
    if text is None and not changed:
        return None
    if text is not None:
        checklist.parent.mkdir(parents=True, exist_ok=True)
        checklist.write_bytes(text.encode("utf-8"))
    return Applied(changed, checklist, before)


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

"""What else a pull request changes beside deals: the rules, the accounts, the checklists.

A changed probability moves every weighted figure, a new phone number is how a successor
reaches the customer, and a ticked checklist item is a handover done: `funnel diff` names each.
Files are read leniently; what cannot be read is compared as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ..data.model import Funnel
from ..data.strictyaml import parse
from ..history.git import GIT_ENV, files_at

Area = Literal["rules", "accounts", "checklists"]
RecordWhat = Literal[
    "currency",
    "stage_added",
    "stage_removed",
    "stage_renamed",
    "stages_reordered",
    "probability",
    "handover",
    "stage_changed",
    "rule",
    "account_added",
    "account_removed",
    "account_changed",
    "contact_added",
    "contact_removed",
    "contact_changed",
    "checklist_added",
    "checklist_removed",
    "item_added",
    "item_removed",
    "item_done",
    "item_changed",
]
"""What changed outside the deals: of the rules, of an account or contact, of a checklist."""
Whole = Literal["account", "contact", "checklist", "item"]
"""A record that is added or removed as a whole."""
ADDED_REMOVED: dict[Whole, tuple[RecordWhat, RecordWhat]] = {
    "account": ("account_added", "account_removed"),
    "contact": ("contact_added", "contact_removed"),
    "checklist": ("checklist_added", "checklist_removed"),
    "item": ("item_added", "item_removed"),
}
ACCOUNT_FIELDS = ("name", "territory", "industry", "address", "notes")
CONTACT_FIELDS = ("title", "phone", "email")
STAGE_FIELDS: tuple[tuple[str, RecordWhat], ...] = (
    ("name", "stage_renamed"),
    ("probability", "probability"),
    ("handover", "handover"),
    ("description", "stage_changed"),
)
ITEM_FIELDS = ("to", "method", "status", "done_on", "note")


@dataclass(frozen=True)
class RecordChange:
    """One change outside the deals.

    `what`: rules: `currency`, `stage_added`, `stage_removed`, `stage_renamed`,
    `stages_reordered`, `probability`, `handover`, `stage_changed`, `rule`; accounts:
    `account_added`, `account_removed`, `account_changed`, `contact_added`,
    `contact_removed`, `contact_changed`; checklists: `checklist_added`, `checklist_removed`,
    `item_added`, `item_removed`, `item_done`, `item_changed`.
    `subject` is the stage id, rule name, account id or checklist name; `item` the contact's
    name or the checklist item's deal.
    """

    area: Area
    subject: str
    what: RecordWhat
    item: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class DataFiles:
    """The data folder's rules, accounts and checklists at one revision, as plain values."""

    funnel: dict[str, Any]
    accounts: dict[str, dict[str, Any]]
    checklists: dict[str, dict[str, Any]]

    def valid_funnel(self) -> Funnel | None:
        """funnel.yaml as the model reads it (None when missing or not valid)."""
        try:
            return Funnel.model_validate(self.funnel) if self.funnel else None
        except (ValidationError, ValueError):
            return None


def data_files(
    root: Path, revision: str | None, prefix: str, *, env: Mapping[str, str] = GIT_ENV
) -> DataFiles:
    """Read funnel.yaml, accounts/ and handovers/ at `revision` (None: the working tree)."""
    base = f"{prefix}/" if prefix else ""
    paths = [f"{base}funnel.yaml", f"{base}accounts", f"{base}handovers"]
    texts = files_at(root, revision, paths, env=env)
    funnel: dict[str, Any] = {}
    accounts: dict[str, dict[str, Any]] = {}
    checklists: dict[str, dict[str, Any]] = {}
    for path, text in texts.items():
        relative = path.removeprefix(base)
        folder, _, name = relative.rpartition("/")
        if not name.endswith(".yaml") or folder not in ("", "accounts", "handovers"):
            continue
        if folder == "" and name != "funnel.yaml":
            continue
        value = _mapping(text, path)
        stem = name.removesuffix(".yaml")
        if folder == "":
            funnel = value
        elif folder == "accounts":
            accounts[stem] = value
        else:
            checklists[stem] = value
    return DataFiles(funnel, accounts, checklists)


def _mapping(text: bytes, path: str) -> dict[str, Any]:
    try:
        value, _ = parse(text.decode("utf-8"), path)
    except UnicodeDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def record_changes(old: DataFiles, new: DataFiles) -> list[RecordChange]:
    """Every change of the rules, accounts and checklists from `old` to `new`."""
    return [
        *rule_changes(old.funnel, new.funnel),
        *account_changes(old.accounts, new.accounts),
        *checklist_changes(old.checklists, new.checklists),
    ]


def _by_key(items: Any, key: str) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(item[key]): item for item in items if isinstance(item, dict) and key in item}


def rule_changes(old: dict[str, Any], new: dict[str, Any]) -> list[RecordChange]:
    """Currency, stages (added, removed, renamed, reordered, probability, handover), rules."""
    changes: list[RecordChange] = []
    if old.get("currency") != new.get("currency"):
        changes.append(
            RecordChange(
                "rules",
                "currency",
                "currency",
                None,
                "currency",
                old.get("currency"),
                new.get("currency"),
            )
        )
    before, after = _by_key(old.get("stages"), "id"), _by_key(new.get("stages"), "id")
    for stage in after.keys() - before.keys():
        probability = after[stage].get("probability")
        changes.append(
            RecordChange("rules", stage, "stage_added", None, "probability", None, probability)
        )
    for stage in before.keys() - after.keys():
        probability = before[stage].get("probability")
        changes.append(
            RecordChange("rules", stage, "stage_removed", None, "probability", probability, None)
        )
    for stage in sorted(before.keys() & after.keys()):
        for name, what in STAGE_FIELDS:
            if before[stage].get(name) != after[stage].get(name):
                changes.append(
                    RecordChange(
                        "rules",
                        stage,
                        what,
                        None,
                        name,
                        before[stage].get(name),
                        after[stage].get(name),
                    )
                )
    kept_before = [stage for stage in before if stage in after]
    kept_after = [stage for stage in after if stage in before]
    if kept_before != kept_after:
        changes.append(
            RecordChange(
                "rules", "stages", "stages_reordered", None, "stages", kept_before, kept_after
            )
        )
    rules_before, rules_after = _rules_of(old), _rules_of(new)
    for rule in sorted(rules_before.keys() | rules_after.keys()):
        if rules_before.get(rule) != rules_after.get(rule):
            changes.append(
                RecordChange(
                    "rules", rule, "rule", None, rule, rules_before.get(rule), rules_after.get(rule)
                )
            )
    return sorted(changes, key=lambda c: (c.subject, c.what))


def _rules_of(funnel: dict[str, Any]) -> dict[str, Any]:
    """funnel.yaml's `rules`, read leniently (empty when absent or not a mapping)."""
    rules = funnel.get("rules")
    return rules if isinstance(rules, dict) else {}


def _field_changes(
    area: Area,
    subject: str,
    item: str | None,
    was: dict[str, Any],
    now: dict[str, Any],
    fields: tuple[str, ...],
    what: RecordWhat,
) -> list[RecordChange]:
    """Each of `fields` that differs between `was` and `now`, as a change named `what`."""
    return [
        RecordChange(area, subject, what, item, name, was.get(name), now.get(name))
        for name in fields
        if was.get(name) != now.get(name)
    ]


def _item_changes(
    area: Area,
    subject: str,
    was: Any,
    now: Any,
    key: str,
    fields: tuple[str, ...],
    whole: Whole,
    changed: RecordWhat,
) -> list[RecordChange]:
    """The items of two lists matched by `key`: each added or removed `whole`, and each
    changed field as `changed`."""
    items_before, items_after = _by_key(was, key), _by_key(now, key)
    changes: list[RecordChange] = []
    for item in sorted(items_before.keys() | items_after.keys()):
        before, after = items_before.get(item), items_after.get(item)
        if before is None or after is None:
            added, removed = ADDED_REMOVED[whole]
            changes.append(RecordChange(area, subject, added if before is None else removed, item))
        else:
            changes += _field_changes(area, subject, item, before, after, fields, changed)
    return changes


def _whole(
    area: Area, subject: str, before: Any, after: Any, whole: Whole, field: str, value: Any
) -> RecordChange:
    """A record added or removed as a whole, with `value` (its name, its count) shown."""
    added, removed = ADDED_REMOVED[whole]
    what = added if before is None else removed
    return RecordChange(
        area, subject, what, None, field, None if before is None else value,
        None if after is None else value,
    )  # fmt: skip


def account_changes(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[RecordChange]:
    """New and removed accounts, changed account fields, and contacts by name."""
    changes: list[RecordChange] = []
    for account in sorted(old.keys() | new.keys()):
        before, after = old.get(account), new.get(account)
        if before is None or after is None:
            name = (after or before or {}).get("name")
            changes.append(_whole("accounts", account, before, after, "account", "name", name))
            continue
        changes += _field_changes(
            "accounts", account, None, before, after, ACCOUNT_FIELDS, "account_changed"
        )
        changes += _item_changes(
            "accounts", account, before.get("contacts"), after.get("contacts"), "name",
            CONTACT_FIELDS, "contact", "contact_changed",
        )  # fmt: skip
    return changes


def checklist_changes(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[RecordChange]:
    """Handover checklists written or removed, and their items ticked off or changed."""
    changes: list[RecordChange] = []
    for checklist in sorted(old.keys() | new.keys()):
        before, after = old.get(checklist), new.get(checklist)
        if before is None or after is None:
            written = after if before is None else before
            deals = (written or {}).get("deals")
            count = len(deals) if isinstance(deals, list) else 0
            changes.append(
                _whole("checklists", checklist, before, after, "checklist", "deals", count)
            )
            continue
        items = _item_changes(
            "checklists", checklist, before.get("deals"), after.get("deals"), "deal",
            ITEM_FIELDS, "item", "item_changed",
        )  # fmt: skip
        changes += [
            replace(change, what="item_done")
            if change.field == "status" and change.new == "done"
            else change
            for change in items
        ]
    return changes

"""The access rules of handover checklists: who writes a checklist, who ticks an item off.

The leaving rep's manager writes a checklist and adds deals to it; an item that was on the
checklist at the base revision is changed only by the leaving rep, that item's successor and
their managers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..data.model import Person
from ..data.strictyaml import parse
from ..history.git import FileChange


@dataclass(frozen=True)
class Checklist:
    """A checklist as policy compares it: who hands over, the rest of its head (`from`,
    `date`, anything unexpected) and its items by deal id."""

    origin: str | None
    head: tuple[Any, ...]
    items: dict[str, tuple[Any, ...]]


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


def read_checklist(data: bytes | None) -> Checklist | None:
    """A checklist file read leniently; None when it is absent or not a mapping."""
    if data is None:
        return None
    try:
        value, _ = parse(data.decode("utf-8"), "checklist")
    except UnicodeDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    entries = value.get("deals")
    items: dict[str, tuple[Any, ...]] = {}
    strays = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("deal"), str):
            items[entry["deal"]] = (*items.get(entry["deal"], ()), _frozen(entry))
        else:
            strays.append(_frozen(entry))
    head = _frozen({key: item for key, item in value.items() if key != "deals"})
    if not isinstance(entries, list):
        head = (*head, ("deals", _frozen(entries)))
    origin = value.get("from")
    return Checklist(origin if isinstance(origin, str) else None, (*head, *strays), items)


def _manager_of(people: dict[str, Person], person_id: str | None) -> str | None:
    person = people.get(person_id or "")
    return person.manager if person else None


def checklist_rule(
    person: Person,
    people: dict[str, Person],
    base: Checklist | None,
    change: FileChange,
    blobs: dict[str, bytes],
) -> str | None:
    """The leaving rep's manager writes a checklist (and adds deals to it); an item that was
    on the checklist at the base is changed only by FROM, that item's TO and their managers."""
    old = read_checklist(blobs.get(change.old_blob))
    new = read_checklist(blobs.get(change.new_blob))
    origins = {c.origin for c in (old, new) if c} if base is None else {base.origin}
    rewritten = base is None or old is None or new is None or old.head != new.head
    changed = [] if old is None or new is None else _changed_items(old, new)
    added = [deal for deal in changed if base is not None and deal not in base.items]
    if rewritten or added:
        managers = {_manager_of(people, origin) for origin in origins}
        if person.role == "manager" and managers <= {person.id}:
            return None
        whose = ", ".join(sorted(origin for origin in origins if origin)) or "its leaving rep"
        named = ", ".join(sorted(m for m in managers if m))
        what = f"added {', '.join(added)} to" if added and not rewritten else "wrote"
        return (
            f"{what} the handover checklist of {whose}: only {whose}'s manager"
            f"{f' ({named})' if named else ''} writes a checklist and adds deals to it "
            "(`funnel handover --apply`)"
        )
    assert base is not None
    refused = []
    for deal in changed:
        handover = {base.origin} | {_text(dict(item).get("to")) for item in base.items[deal]}
        allowed = handover | {_manager_of(people, someone) for someone in handover}
        if person.id not in allowed:
            who = ", ".join(sorted(someone for someone in handover if someone))
            refused.append(f"{deal}: only {who} and their managers tick it off")
    return f"changed the handover of {'; '.join(refused)}" if refused else None


def _changed_items(old: Checklist, new: Checklist) -> list[str]:
    return sorted(
        deal
        for deal in old.items.keys() | new.items.keys()
        if old.items.get(deal) != new.items.get(deal)
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None

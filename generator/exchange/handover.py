"""Applying a handover plan: the deals' `owner:` lines and the checklist file.

Only the owner's value changes in each deal file (quoting, comments and every other byte
stay); the checklist under `data/handovers/` is written or extended. Nothing is committed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..analytics.handover import HandoverPlan
from ..data.load import ValidDataset
from ..data.model import HANDOVER_METHODS
from ..data.problems import did_you_mean
from ..history.git import GIT_ENV, uncommitted
from .errors import OptionError
from .writes import CheckedWrite, write_checked

CHECKLIST_HEADER = """\
# yaml-language-server: $schema=../../schemas/handover.schema.json
# The handover of {name}'s deals. Tick each deal off in a pull request:
# set `status: done`, `done_on: YYYY-MM-DD` and a `note`.
"""


class HandoverError(Exception):
    """The plan cannot be applied (uncommitted changes, invalid data): nothing was changed."""


def validate_successor(
    dataset: ValidDataset, from_id: str, to_id: str, accounts: Sequence[str] = ()
) -> None:
    """FROM and TO are people of team.yaml, TO is someone else who has not left, and each
    account is known; raises OptionError naming the argument to correct."""
    people = {person.id: person for person in dataset.team.people}
    for role, person_id in (("FROM", from_id), ("TO", to_id)):
        if person_id not in people:
            hint = did_you_mean(person_id, people)
            raise OptionError(f"no person `{person_id}` in team.yaml{hint}", role)
    if to_id == from_id:
        raise OptionError("FROM and TO are the same person", "TO")
    if people[to_id].status == "left":
        raise OptionError(f"{to_id} has left: choose an active successor", "TO")
    for account in accounts:
        if account not in dataset.accounts:
            hint = did_you_mean(account, dataset.accounts)
            raise OptionError(f"no account `{account}`{hint}", "--account")


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
        """Put back the deal files' bytes and the checklist as they were."""
        for path, data in self.deals.items():
            path.write_bytes(data)
        if self.checklist_before is None:
            self.checklist.unlink(missing_ok=True)
        else:
            self.checklist.write_bytes(self.checklist_before)


def apply_handover(
    data_dir: Path,
    dataset: ValidDataset,
    plan: HandoverPlan,
    *,
    git_env: Mapping[str, str] = GIT_ENV,
) -> Applied | None:
    """Give the plan's deals to the successor and write the checklist; None if nothing to do.

    Refuses (HandoverError) when tracked files under the data folder have uncommitted
    changes (git runs in `git_env`), so the manager's commit holds exactly the handover.
    """
    dirty = uncommitted(data_dir, env=git_env)
    if dirty:
        raise HandoverError(
            "tracked files under the data folder have uncommitted changes: commit or stash "
            "them first (" + ", ".join(dirty[:5]) + (", ..." if len(dirty) > 5 else "") + ")"
        )
    assert plan.to_id is not None
    people = {p.id: p for p in dataset.team.people}
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


def apply_checked(
    data_dir: str,
    dataset: ValidDataset,
    plan: HandoverPlan,
    *,
    git_env: Mapping[str, str] = GIT_ENV,
) -> CheckedWrite[Applied] | None:
    """Apply the plan, then check the data folder (as the user named it) with it: rolled back
    when the data would not pass. None when there is nothing to hand over; HandoverError (or
    HistoryError) before any change."""
    return write_checked(
        lambda: apply_handover(Path(data_dir), dataset, plan, git_env=git_env),
        Applied.rollback,
        data_dir,
        plan.as_of,
    )

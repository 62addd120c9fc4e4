"""`funnel diff`: the business-level changes between two revisions, for pull requests.

"stage compare to commit, weighted +300,000" instead of raw YAML lines: grouped by owner, red
flags first (deals removed instead of closed, deals entered as already won).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..data.model import Funnel
from ..data.money import ZERO, json_amount, shown_amount, signed_amount
from ..history.events import Change, compare, weighted_delta, weighted_snapshot
from ..history.git import deals_at, repository, resolve
from ..history.records import Snapshot, is_log_entry
from ..site.markup import md
from .diff_records import RecordChange, data_files, record_changes

WORKTREE = "worktree"


@dataclass(frozen=True)
class Diff:
    """The business changes between two revisions. `owners` is how the deals' changes moved
    each owner's weighted pipeline (under the rules at head); `rules_delta` how the changed
    rules moved it (the deals at base, weighted by the rules at head minus those at base);
    `total` is both together."""

    base: str
    head: str
    changes: list[tuple[str | None, Change]]  # (owner, change)
    total: Decimal
    owners: dict[str, Decimal]
    records: list[RecordChange] = field(default_factory=list)
    rules_delta: Decimal = ZERO


def business_diff(data_dir: Path, base: str, head: str | None, funnel: Funnel) -> Diff:
    """Compare the data at `base` with that at `head` (None: the working tree, whose rules
    are `funnel`)."""
    root, prefix = repository(data_dir)
    base_sha = resolve(root, base)
    head_sha = resolve(root, head) if head else None
    old, new = deals_at(root, base_sha, prefix), deals_at(root, head_sha, prefix)
    old_files, new_files = data_files(root, base_sha, prefix), data_files(root, head_sha, prefix)
    head_funnel = (new_files.valid_funnel() if head_sha else None) or funnel
    base_funnel = old_files.valid_funnel() or head_funnel
    changes: list[tuple[str | None, Change]] = []
    for deal in sorted(old.keys() | new.keys()):
        before, after = old.get(deal), new.get(deal)
        owner = (after or before).owner if (after or before) else None
        for change in compare(deal, before, after, head_funnel):
            changes.append((owner, change))
    deals_total, owners = weighted_delta(old, new, head_funnel)
    rules_delta = _pipeline(old, head_funnel) - _pipeline(old, base_funnel)
    return Diff(
        base_sha,
        head_sha or WORKTREE,
        changes,
        deals_total + rules_delta,
        owners,
        record_changes(old_files, new_files),
        rules_delta,
    )


def _pipeline(deals: dict[str, Snapshot], funnel: Funnel) -> Decimal:
    return sum((weighted_snapshot(snapshot, funnel) for snapshot in deals.values()), ZERO)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_amount(value)
    if isinstance(value, date):
        return value.isoformat()
    if is_log_entry(value):
        day, note = value
        return {"date": _plain(day), "note": note}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def to_json(diff: Diff) -> str:
    changes = []
    for owner, change in diff.changes:
        entry: dict[str, Any] = {"deal": change.deal, "owner": owner, "kind": change.kind}
        if change.kind in ("changed", "moved"):
            entry.update(
                field=change.field, **{"from": _plain(change.old), "to": _plain(change.new)}
            )
        entry["what"] = change.what
        changes.append(entry)
    document: dict[str, Any] = {
        "base": diff.base,
        "head": diff.head,
        "changes": changes,
        "weighted_delta": {
            "total": json_amount(diff.total),
            "owners": {owner: json_amount(delta) for owner, delta in sorted(diff.owners.items())},
            "rules": json_amount(diff.rules_delta),
        },
    }
    for area in ("rules", "accounts", "checklists"):
        document[area] = [
            {
                "subject": record.subject,
                "what": record.what,
                "item": record.item,
                "field": record.field,
                "from": _plain(record.old),
                "to": _plain(record.new),
            }
            for record in diff.records
            if record.area == area
        ]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def describe(change: Change) -> str:
    """One line in the sales team's words (plain text; escape before use in Markdown)."""
    if change.what == "added":
        return f"new deal in {change.new}"
    if change.what == "won_at_once":
        return "entered as already won: the deal never appeared in the funnel"
    if change.what == "removed":
        return "removed without being closed: close it as lost instead"
    if change.what == "removed_closed":
        return "closed deal removed"
    if change.what == "moved":
        return f"file moved from {change.old} to {change.new}"
    if change.what == "logged":
        day, note = change.new
        return f"logged {day}: {note}"
    words = {
        "stage_up": "moved down the funnel",
        "stage_down": "moved back up the funnel",
        "slipped": "slipped",
        "pulled_in": "pulled in",
    }
    verb = words.get(change.what, "")
    old, new = shown(change.old), shown(change.new)
    return f"{change.field} {old} → {new}" + (f" ({verb})" if verb else "")


def shown(value: Any, none: str = "(none)") -> str:
    """A field's value as a change's text shows it (amounts with cents, dates ISO)."""
    if value is None:
        return none
    if isinstance(value, date):
        return value.isoformat()
    if is_log_entry(value):
        return f'"{value[0]}: {value[1]}"'
    if isinstance(value, Decimal):
        return shown_amount(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def to_markdown(diff: Diff, currency: str) -> str:
    """A pull-request comment: red flags first, then each owner's changes and weighted delta."""
    head = diff.head[:10] if diff.head != WORKTREE else "the working tree"
    lines = [
        f"### Funnel changes {diff.base[:10]} → {head}",
        "",
        f"Weighted forecast **{signed_amount(diff.total)} {currency}**.",
        "",
    ]
    if not diff.changes and not diff.records:
        return "\n".join([*lines, "No business change."]) + "\n"
    flags = [(owner, change) for owner, change in diff.changes if change.red_flag]
    if flags:
        lines += ["#### ⚠ Red flags", ""]
        lines += [
            f"- **{md(change.deal)}** ({md(owner or '?')}): {md(describe(change))}"
            for owner, change in flags
        ]
        lines.append("")
    rules = [record for record in diff.records if record.area == "rules"]
    if rules or diff.rules_delta:
        lines += [f"#### Rules · weighted {signed_amount(diff.rules_delta)}", ""]
        lines += [f"- {md(describe_record(record))}" for record in rules]
        lines += [
            "",
            "The weighted change of the rules: the deals as they were, under the new rules.",
            "",
        ]
    owners = sorted({owner or "" for owner, _ in diff.changes} | set(diff.owners))
    for owner in owners:
        delta = diff.owners.get(owner, ZERO)
        lines += [f"#### {md(owner or '(no owner)')} · weighted {signed_amount(delta)}", ""]
        for who, change in diff.changes:
            if (who or "") == owner and not change.red_flag:
                lines.append(f"- **{md(change.deal)}**: {md(describe(change))}")
        lines.append("")
    for area, heading in (("accounts", "Accounts and contacts"), ("checklists", "Handovers")):
        records = [record for record in diff.records if record.area == area]
        if records:
            lines += [f"#### {heading}", ""]
            lines += [
                f"- **{md(record.subject)}**: {md(describe_record(record))}" for record in records
            ]
            lines.append("")
    return "\n".join(lines)


RECORD_WORDS = {
    "currency": "currency {old} → {new}",
    "stage_added": "new stage at {new}%",
    "stage_removed": "stage removed (was {old}%)",
    "stage_renamed": "stage renamed {old} → {new}",
    "stages_reordered": "stages reordered: {old} → {new}",
    "probability": "probability {old}% → {new}%",
    "handover": "handover method {old} → {new}",
    "stage_changed": "stage {field} {old} → {new}",
    "rule": "{field} {old} → {new}",
    "account_added": "new account {new}",
    "account_removed": "account {old} removed",
    "account_changed": "{field} {old} → {new}",
    "contact_added": "new contact {item}",
    "contact_removed": "contact {item} removed",
    "contact_changed": "contact {item}: {field} {old} → {new}",
    "checklist_added": "handover checklist written ({new} deals)",
    "checklist_removed": "handover checklist removed",
    "item_added": "{item} added to the checklist",
    "item_removed": "{item} taken off the checklist",
    "item_done": "{item} handed over",
    "item_changed": "{item}: {field} {old} → {new}",
}


def describe_record(record: RecordChange) -> str:
    """A change of the rules, an account or a checklist in the team's words (plain text)."""
    return RECORD_WORDS[record.what].format(
        old=shown(record.old), new=shown(record.new), field=record.field, item=record.item
    )

"""`funnel diff`: the business-level changes between two revisions, for pull requests.

"stage compare to commit, weighted +300,000" instead of raw YAML lines: each deal's changes
with its owner, the weighted delta per owner, what slipped out of each quarter (see `slips`),
and the changes of the rules, accounts and checklists. `site.diff_comment` tells them as a
pull-request comment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..data.model import Funnel
from ..data.money import ZERO, json_amount
from ..history.events import Change, compare, weighted_delta, weighted_snapshot
from ..history.git import GIT_ENV, deals_at, repository, resolve
from ..history.records import Snapshot, is_log_entry
from .diff_records import RecordChange, data_files, record_changes
from .slips import PeriodSlips, slipped_between

WORKTREE = "worktree"


@dataclass(frozen=True)
class Diff:
    """The business changes between two revisions. `owners` is how the deals' changes moved
    each owner's weighted pipeline (under the rules at head); `rules_delta` how the changed
    rules moved it (the deals at base, weighted by the rules at head minus those at base);
    `total` is both together. `slipped_out`: per quarter of a deal's close at base, the deals
    whose close moved out of it (quarters over before the as-of day left out)."""

    base: str
    head: str
    changes: list[tuple[str | None, Change]]  # (owner, change)
    total: Decimal
    owners: dict[str, Decimal]
    records: list[RecordChange] = field(default_factory=list)
    rules_delta: Decimal = ZERO
    slipped_out: list[PeriodSlips] = field(default_factory=list)


def business_diff(
    data_dir: Path,
    base: str,
    head: str | None,
    funnel: Funnel,
    *,
    git_env: Mapping[str, str] = GIT_ENV,
    as_of: date | None = None,
) -> Diff:
    """Compare the data at `base` with that at `head` (None: the working tree, whose rules
    are `funnel`); git runs in `git_env`. What slipped is told only with `as_of`, the day
    that decides which quarters are over."""
    root, prefix = repository(data_dir, env=git_env)
    base_sha = resolve(root, base, env=git_env)
    head_sha = resolve(root, head, env=git_env) if head else None
    old, new = (
        deals_at(root, base_sha, prefix, env=git_env),
        deals_at(root, head_sha, prefix, env=git_env),
    )
    old_files = data_files(root, base_sha, prefix, env=git_env)
    new_files = data_files(root, head_sha, prefix, env=git_env)
    head_funnel = (new_files.valid_funnel() if head_sha else None) or funnel
    base_funnel = old_files.valid_funnel() or head_funnel
    changes: list[tuple[str | None, Change]] = []
    for deal in sorted(old.keys() | new.keys()):
        before, after = old.get(deal), new.get(deal)
        present = after or before
        owner = present.owner if present else None
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
        slipped_between(old, new, head_funnel, as_of) if as_of is not None else [],
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
    """The diff for programs: each change by its kind and values, the weighted deltas, the
    changes of the rules, accounts and checklists, and what slipped out of each quarter."""
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
    document["slipped_out"] = [found.as_json(owners=True) for found in diff.slipped_out]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

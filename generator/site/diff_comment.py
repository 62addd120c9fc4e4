"""The pull-request comment of `funnel diff`: a business diff told in Markdown, in English.

Red flags first (deals removed instead of closed, deals entered as already won), then the
rules, each owner's changes with their weighted delta, what slipped out of each quarter (by
rep and deal), the accounts and the handovers.
"""

from __future__ import annotations

from ..analytics.diff import WORKTREE, Diff
from ..data.money import ZERO, shown_amount, signed_amount
from .describe import describe_by_key, describe_record
from .markup import md

RECORD_HEADINGS = (("accounts", "Accounts and contacts"), ("checklists", "Handovers"))


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
    return "\n".join(
        lines
        + _red_flags(diff)
        + _rules(diff)
        + _owners(diff)
        + _slipped(diff, currency)
        + _records(diff)
    )


def _red_flags(diff: Diff) -> list[str]:
    flags = [(owner, change) for owner, change in diff.changes if change.red_flag]
    if not flags:
        return []
    return [
        "#### ⚠ Red flags",
        "",
        *(
            f"- **{md(change.deal)}** ({md(owner or '?')}): {md(describe_by_key(change))}"
            for owner, change in flags
        ),
        "",
    ]


def _rules(diff: Diff) -> list[str]:
    rules = [record for record in diff.records if record.area == "rules"]
    if not rules and not diff.rules_delta:
        return []
    return [
        f"#### Rules · weighted {signed_amount(diff.rules_delta)}",
        "",
        *(f"- {md(describe_record(record))}" for record in rules),
        "",
        "The weighted change of the rules: the deals as they were, under the new rules.",
        "",
    ]


def _owners(diff: Diff) -> list[str]:
    lines: list[str] = []
    for owner in sorted({owner or "" for owner, _ in diff.changes} | set(diff.owners)):
        delta = diff.owners.get(owner, ZERO)
        lines += [f"#### {md(owner or '(no owner)')} · weighted {signed_amount(delta)}", ""]
        for who, change in diff.changes:
            if (who or "") == owner and not change.red_flag:
                lines.append(f"- **{md(change.deal)}**: {md(describe_by_key(change))}")
        lines.append("")
    return lines


def _slipped(diff: Diff, currency: str) -> list[str]:
    """What slipped out of each quarter: the total, then each rep's amount and deals."""
    lines: list[str] = []
    for found in diff.slipped_out:
        lines += [
            f"#### What slipped out of {found.period.name} · {shown_amount(found.amount)} "
            f"{currency} (weighted {shown_amount(found.weighted)})",
            "",
        ]
        for row in found.owners():
            lines.append(
                f"- {md(row.owner or '(no owner)')}: {shown_amount(row.amount)} "
                f"(weighted {shown_amount(row.weighted)})"
            )
            lines += [
                f"  - **{md(slip.deal)}**"
                + (f" · {md(slip.account)}" if slip.account else "")
                + f": {shown_amount(slip.amount)}, {slip.moved_from} → {slip.moved_to}"
                for slip in found.slips
                if slip.owner == row.owner
            ]
        lines.append("")
    return lines


def _records(diff: Diff) -> list[str]:
    lines: list[str] = []
    for area, heading in RECORD_HEADINGS:
        records = [record for record in diff.records if record.area == area]
        if records:
            lines += [f"#### {heading}", ""]
            lines += [
                f"- **{md(record.subject)}**: {md(describe_record(record))}" for record in records
            ]
            lines.append("")
    return lines

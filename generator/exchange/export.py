"""Data out of and around the repository: CODEOWNERS for reviews, exports for finance.

`codeowners` makes each territory's manager review its deals and accounts, and the managers
review what only managers may change (the same paths `policy` protects). `export_rows` gives
every deal with its account and computed fields (probability, weighted amount, first seen).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..analytics.policy import managers_only
from ..data.load import ValidDataset
from ..data.model import Deal, Funnel, Person
from ..data.money import ZERO, json_amount, weighted_deal
from ..history.records import History


def _handle(person: Person) -> str | None:
    if person.github:
        return f"@{person.github}"
    return person.email


def codeowners(dataset: ValidDataset, repo_root: Path) -> str:
    """The text of a CODEOWNERS file for the data in `dataset` (paths from `repo_root`)."""
    managers = [p for p in dataset.team.people if p.role == "manager" and p.status != "left"]
    everyone = " ".join(h for p in managers if (h := _handle(p))) or "@nobody"
    by_territory: dict[str, str] = {}
    for territory in dataset.team.territories:
        handles = [h for p in managers if p.territory == territory.id and (h := _handle(p))]
        by_territory[territory.id] = " ".join(handles) or everyone

    def path_of(display_path: str) -> str:
        absolute = dataset.files[display_path].resolve()
        return "/" + absolute.relative_to(repo_root.resolve()).as_posix()

    prefix = dataset.root.resolve().relative_to(repo_root.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix
    data = f"/{prefix}" if prefix else ""
    lines = [
        "# Written by `funnel codeowners` from team.yaml: run it again after changing the team.",
        "# Later lines win: each deal and account names the manager of its territory.",
        "",
        "# The managers review the rules and the code.",
        *(f"/{path} {everyone}" for path in managers_only(prefix)),
        "",
        "# New files until this is written again: all managers.",
        f"{data}/accounts/ {everyone}",
        f"{data}/deals/ {everyone}",
        f"{data}/handovers/ {everyone}",
        "",
        "# Accounts and deals: the manager of their territory.",
    ]
    for account in sorted(dataset.accounts.values(), key=lambda a: a.id):
        lines.append(f"{path_of(account.path)} {by_territory.get(account.territory, everyone)}")
    for deal in sorted(dataset.deals.values(), key=lambda d: d.path):
        deal_account = dataset.accounts.get(deal.account)
        owners = by_territory.get(deal_account.territory, everyone) if deal_account else everyone
        lines.append(f"{path_of(deal.path)} {owners}")
    return "\n".join(lines) + "\n"


EXPORT_COLUMNS = (
    "deal",
    "title",
    "account",
    "account_name",
    "territory",
    "contact",
    "contact_phone",
    "contact_email",
    "owner",
    "owner_name",
    "stage",
    "probability",
    "amount",
    "weighted",
    "currency",
    "expected_close",
    "closed_on",
    "lost_reason",
    "next_step",
    "source",
    "products",
    "created",
    "first_seen",
    "last_activity",
    "path",
)


def export_rows(dataset: ValidDataset, history: History | None) -> list[dict[str, str]]:
    """Every deal as a flat row of text (amounts as decimal strings, dates ISO)."""
    funnel = dataset.funnel
    people = {p.id: p for p in dataset.team.people}
    rows = []
    for deal_id in sorted(dataset.deals):
        deal = dataset.deals[deal_id]
        account = dataset.accounts.get(deal.account)
        stage = funnel.stage(deal.stage)
        contact = account.contact(deal.contact) if account else None
        first_seen = history.first_seen(deal_id) if history else None
        last = max((entry.date for entry in deal.log), default=None)
        rows.append(
            {
                "deal": deal_id,
                "title": deal.title,
                "account": deal.account,
                "account_name": account.name if account else "",
                "territory": account.territory if account else "",
                "contact": deal.contact,
                "contact_phone": (contact.phone or "") if contact else "",
                "contact_email": (contact.email or "") if contact else "",
                "owner": deal.owner,
                "owner_name": people[deal.owner].name if deal.owner in people else "",
                "stage": deal.stage,
                "probability": f"{stage.probability.normalize():f}" if stage else "",
                "amount": json_amount(deal.amount),
                "weighted": json_amount(_weighted(deal, funnel)),
                "currency": funnel.currency,
                "expected_close": deal.expected_close.isoformat(),
                "closed_on": _iso(deal.closed_on),
                "lost_reason": deal.lost_reason or "",
                "next_step": deal.next_step or "",
                "source": deal.source or "",
                "products": "; ".join(deal.products),
                "created": deal.created.isoformat(),
                "first_seen": _iso(first_seen),
                "last_activity": _iso(last),
                "path": deal.path,
            }
        )
    return rows


def _weighted(deal: Deal, funnel: Funnel) -> Decimal:
    """Amount × probability as the row says it: a won deal counts in full (probability 100),
    a lost one as nothing, an open one by its stage."""
    if deal.is_open:
        return weighted_deal(deal, funnel)
    return deal.amount if deal.stage == "won" else ZERO


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


BYTE_ORDER_MARK = "\ufeff"
"""Tells a spreadsheet the CSV is UTF-8 (Excel on a Chinese or Western Windows guesses else)."""


def to_csv(rows: list[dict[str, str]]) -> str:
    """The exported deals as CSV for a spreadsheet: UTF-8 with a byte-order mark, a cell that
    would run as a formula defused."""
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()


def to_json(rows: list[dict[str, str]], as_of: date) -> str:
    """The exported deals and the as-of date as JSON, for other tools."""
    document = {"as_of": as_of.isoformat(), "deals": rows}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

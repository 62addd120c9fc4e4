"""`funnel new`: a deal file that is valid by construction, with the editor's schema line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..data.load import Dataset
from ..data.model import Deal
from ..data.strictyaml import resolve_plain
from ..data.values import parse_amount, slug

MODELINE = "# yaml-language-server: $schema={up}schemas/deal.schema.json\n"


@dataclass
class NewDeal:
    """What a rep types for a new deal (already checked against the data by the command)."""

    account: str
    contact: str
    owner: str
    title: str
    amount: Decimal
    expected_close: date
    stage: str
    created: date
    source: str | None = None
    products: list[str] = field(default_factory=list)
    note: str | None = None
    closed_on: date | None = None
    next_step: str | None = None
    lost_reason: str | None = None


def default_id(account: str, title: str, expected_close: date) -> str:
    """A readable id: the account and the title's Latin words, or the month."""
    words = slug(title)
    return slug(f"{account}-{words}" if words else f"{account}-{expected_close:%Y-%m}")


def free_id(dataset: Dataset, base: str) -> str:
    """`base`, or the first of `base-2`, `base-3`, ... that no deal file uses."""
    candidate, number = base, 2
    while candidate in dataset.deals or candidate in dataset.invalid:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def read_amount(text: str) -> Decimal:
    """An amount typed on the command line, read as the same text in a deal file would be
    (the loader's rules and messages); raises AmountError."""
    return parse_amount(resolve_plain(text.strip()))


def yaml_text(value: str) -> str:
    """A YAML scalar that reads back as exactly this text (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _amount(value: Decimal) -> str:
    """To the cent, as amounts are written (88000 -> 88000.00)."""
    return str(value.quantize(Decimal("0.01")))


def deal_text(deal: NewDeal, depth: int) -> str:
    """The file's text; `depth` is the folder depth below data/ (deals/east/ is 2)."""
    lines = [
        MODELINE.format(up="../" * (depth + 1)),
        f"account: {deal.account}\n",
        f"contact: {yaml_text(deal.contact)}\n",
        f"owner: {deal.owner}\n",
        f"title: {yaml_text(deal.title)}\n",
    ]
    if deal.products:
        lines.append(f"products: [{', '.join(yaml_text(p) for p in deal.products)}]\n")
    lines += [
        f"amount: {_amount(deal.amount)}\n",
        f"expected_close: {deal.expected_close.isoformat()}\n",
        f"stage: {deal.stage}\n",
    ]
    if deal.closed_on:
        lines.append(f"closed_on: {deal.closed_on.isoformat()}\n")
    if deal.lost_reason:
        lines.append(f"lost_reason: {yaml_text(deal.lost_reason)}\n")
    if deal.source:
        lines.append(f"source: {yaml_text(deal.source)}\n")
    if deal.next_step:
        lines.append(f"next_step: {yaml_text(deal.next_step)}\n")
    lines.append(f"created: {deal.created.isoformat()}\n")
    if deal.note:
        lines.append(
            f"log:\n  - {{date: {deal.created.isoformat()}, note: {yaml_text(deal.note)}}}\n"
        )
    return "".join(lines)


def write_deal(dataset: Dataset, deal: NewDeal, deal_id: str, folder: str) -> Path:
    """Write data/deals/<folder>/<id>.yaml after checking it against the schema."""
    Deal.model_validate(
        {
            "account": deal.account,
            "contact": deal.contact,
            "owner": deal.owner,
            "title": deal.title,
            "amount": deal.amount,
            "expected_close": deal.expected_close,
            "stage": deal.stage,
            "created": deal.created,
            "products": deal.products,
            **({"source": deal.source} if deal.source else {}),
        }
    )
    parts = [part for part in folder.split("/") if part]
    target = dataset.root.joinpath("deals", *parts, f"{deal_id}.yaml")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:
        handle.write(deal_text(deal, len(parts) + 1))
    return target

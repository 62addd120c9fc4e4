"""`funnel import`: accounts and deals from a CRM's CSV export.

Two ways in: the Salesforce opportunity export (Opportunity.csv with Account.csv and
Contact.csv beside it), or any CSV with a mapping file (column to field, stage names to stage
ids, date format, owner names to person ids). Every row that cannot be imported is listed
with its CSV line and the reason; nothing is written unless asked.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..data.load import Dataset
from ..data.money import ZERO, cents
from ..data.strictyaml import parse
from ..data.values import slug
from .new_deal import NewDeal, deal_text, yaml_text

FIELDS = (
    "id", "account", "account_id", "territory", "industry", "address", "contact", "contact_title",
    "phone", "email", "owner", "title", "amount", "expected_close", "stage", "closed_on",
    "source", "created", "products", "next_step", "lost_reason",
)  # fmt: skip
REQUIRED = ("account", "owner", "title", "amount", "expected_close", "stage")

# Salesforce's standard stages and their default probabilities (percent).
SALESFORCE_STAGES = {
    "prospecting": 10, "qualification": 10, "discovery": 20, "needs analysis": 20,
    "value proposition": 50, "id. decision makers": 60, "perception analysis": 70,
    "proposal/price quote": 75, "proposal/quote": 75, "negotiation/review": 90,
    "negotiation": 90,
}  # fmt: skip
CLOSED = {"closed won": "won", "closed lost": "lost", "won": "won", "lost": "lost"}


class ImportError_(Exception):
    """The source or the mapping cannot be read at all (a usage error)."""


class Mapping(BaseModel):
    """How the columns of a CSV become the fields of the data: a mapping file (see the
    README), or the built-in one of the Salesforce export."""

    model_config = ConfigDict(extra="forbid")

    deals: str | None = Field(None, description="The CSV file, relative to the mapping file.")
    columns: dict[str, str] = Field(default_factory=dict, description="funnel field: column.")
    stages: dict[str, str] = Field(default_factory=dict)
    owners: dict[str, str] = Field(default_factory=dict)
    territories: dict[str, str] = Field(default_factory=dict)
    territory: str | None = None
    date_format: str | None = None
    decimal_comma: bool = False
    default_contact: str | None = None
    folder: str = ""
    encoding: str = "utf-8-sig"
    delimiter: str = ","


@dataclass(frozen=True)
class Refused:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class Imported:
    """What an import would write: accounts, deals, and the rows it refused."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: dict[str, NewDeal] = field(default_factory=dict)
    refused: list[Refused] = field(default_factory=list)
    folder: str = ""
    rows: int = 0

    @property
    def total(self) -> Decimal:
        return sum((deal.amount for deal in self.deals.values()), ZERO)

    def summary(self) -> dict[str, object]:
        stages: dict[str, int] = {}
        for deal in self.deals.values():
            stages[deal.stage] = stages.get(deal.stage, 0) + 1
        return {
            "rows": self.rows,
            "accounts": len(self.accounts),
            "deals": len(self.deals),
            "amount": str(self.total),
            "stages": dict(sorted(stages.items())),
            "refused": [{"file": r.file, "line": r.line, "reason": r.reason} for r in self.refused],
        }


def load_mapping(path: Path) -> tuple[Mapping, Path]:
    """A mapping file and the CSV it names; problems raise ImportError_ with path:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from None
    value, problems = parse(text, str(path))
    if problems:
        raise ImportError_("\n".join(str(problem) for problem in problems))
    if isinstance(value, dict):  # YAML-typed scalars back to the text a mapping holds
        value = {
            key: {str(k): str(v) for k, v in item.items()} if isinstance(item, dict) else item
            for key, item in value.items()
        }
    try:
        mapping = Mapping.model_validate(value)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ImportError_(f"{path}: {details}") from None
    if not mapping.deals or not mapping.columns:
        raise ImportError_(f"{path}: give `deals:` (the CSV file) and `columns:`")
    unknown = sorted(set(mapping.columns) - set(FIELDS))
    if unknown:
        raise ImportError_(
            f"{path}: unknown field(s) under columns: {', '.join(unknown)} "
            f"(fields: {', '.join(FIELDS)})"
        )
    return mapping, (path.parent / mapping.deals)


def _unique(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def parse_amount(text: str, decimal_comma: bool) -> Decimal:
    """A CSV amount as exact cents: `1,234.56` (or `1.234,56` with `decimal_comma`)."""
    cleaned = re.sub(r"[^\d,.\-]", "", text)
    if decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    value = Decimal(cleaned)
    if not value.is_finite() or value < 0:
        raise InvalidOperation
    return cents(value)  # a CRM's fractions of a cent (conversions) round half up


def parse_date(text: str, date_format: str | None) -> date:
    text = text.strip()
    if date_format:
        return datetime.strptime(text, date_format).date()
    return date.fromisoformat(text[:10])


class _Resolver:
    """Names of the CRM (stages, owners, territories) to the ids of the data."""

    def __init__(self, dataset: Dataset, mapping: Mapping) -> None:
        assert dataset.funnel is not None and dataset.team is not None
        self.funnel = dataset.funnel
        self.mapping = mapping
        self.people: dict[str, str] = {}
        for person in dataset.team.people:
            for key in (person.id, person.name, person.email):
                if key:
                    self.people[key.casefold()] = person.id
        self.left = {p.id for p in dataset.team.people if p.status == "left"}
        self.territories: dict[str, str] = {}
        for territory in dataset.team.territories:
            self.territories[territory.id.casefold()] = territory.id
            self.territories[territory.name.casefold()] = territory.id

    def stage(self, name: str) -> str | None:
        key = name.strip().casefold()
        for known, stage in self.mapping.stages.items():
            if known.casefold() == key:
                return stage
        if key in CLOSED:
            return CLOSED[key]
        if self.funnel.stage(key) is not None:
            return key
        if key in SALESFORCE_STAGES:  # the team's stage nearest in probability
            target = SALESFORCE_STAGES[key]
            return min(self.funnel.stages, key=lambda s: abs(s.probability - target)).id
        return None

    def owner(self, name: str) -> str | None:
        mapped = {k.casefold(): v for k, v in self.mapping.owners.items()}
        return mapped.get(name.strip().casefold()) or self.people.get(name.strip().casefold())

    def territory(self, name: str | None) -> str | None:
        if not name:
            return self.mapping.territory
        mapped = {k.casefold(): v for k, v in self.mapping.territories.items()}
        key = name.strip().casefold()
        return mapped.get(key) or self.territories.get(key)


def import_rows(
    rows: Iterator[tuple[str, int, dict[str, str]]], mapping: Mapping, dataset: Dataset
) -> Imported:
    """Rows already in funnel's field names (file, line, values) into accounts and deals."""
    resolve = _Resolver(dataset, mapping)
    result = Imported(folder=mapping.folder)
    names = {account.name.casefold(): account.id for account in dataset.accounts.values()}
    taken_accounts = set(dataset.accounts)
    taken_deals = set(dataset.deals) | dataset.invalid
    for file, line, row in rows:
        result.rows += 1
        reasons = [f"no {name}: fill the column" for name in REQUIRED if not row.get(name)]
        stage = resolve.stage(row.get("stage", "")) if row.get("stage") else None
        if row.get("stage") and stage is None:
            reasons.append(
                f"stage `{row['stage']}` has no mapping: map it with "
                f"`--stage '{row['stage']}=<stage-id>'` or under `stages:`"
            )
        owner = resolve.owner(row.get("owner", "")) if row.get("owner") else None
        if owner is not None and owner in resolve.left and stage not in ("won", "lost"):
            reasons.append(
                f"owner `{row['owner']}` ({owner}) has left and cannot own an open deal: "
                "map it to an active person"
            )
        if row.get("owner") and owner is None:
            reasons.append(
                f"owner `{row['owner']}` is not a person of team.yaml: map it with "
                f"`--owner {row['owner']}=<person-id>` or under `owners:`"
            )
        territory = resolve.territory(row.get("territory"))
        if territory is None:
            reasons.append(
                f"territory `{row.get('territory', '')}` is not known: add it under "
                "`territories:` or give a default `territory:`"
            )
        amount = expected = created = closed = None
        try:
            amount = parse_amount(row.get("amount", ""), mapping.decimal_comma)
        except (InvalidOperation, ValueError):
            if row.get("amount"):
                reasons.append(f"amount `{row['amount']}` is not an amount")
        for name in ("expected_close", "created", "closed_on"):
            if not row.get(name):
                continue
            try:
                value = parse_date(row[name], mapping.date_format)
            except ValueError:
                fmt = mapping.date_format or "YYYY-MM-DD"
                reasons.append(f"{name} `{row[name]}` is not a date ({fmt}): set `date_format:`")
                continue
            expected, created, closed = (
                (value, created, closed) if name == "expected_close"
                else (expected, value, closed) if name == "created"
                else (expected, created, value)
            )  # fmt: skip
        contact = row.get("contact") or mapping.default_contact
        if not contact:
            reasons.append("no contact: fill the column, or give a `default_contact:`")
        if reasons:
            result.refused.append(Refused(file, line, "; ".join(reasons)))
            continue
        assert amount is not None and expected is not None and stage and owner and territory
        key = row["account"].strip()
        account_id = names.get(key.casefold())
        if account_id is None:
            account_id = _unique(slug(row.get("account_id") or key) or "account", taken_accounts)
            names[key.casefold()] = account_id
        account = result.accounts.get(account_id)
        if account is None and account_id not in dataset.accounts:
            account = result.accounts[account_id] = {
                "name": key,
                "territory": territory,
                "industry": row.get("industry") or None,
                "address": row.get("address") or None,
                "contacts": [],
            }
        if account is not None and all(c["name"] != contact for c in account["contacts"]):
            account["contacts"].append(
                {
                    "name": contact,
                    "title": row.get("contact_title") or None,
                    "phone": row.get("phone") or None,
                    "email": row.get("email") or None,
                }
            )
        deal_id = _unique(slug(row.get("id") or f"{account_id}-{row['title']}"), taken_deals)
        closed_on = (closed or expected) if stage in ("won", "lost") else None
        result.deals[deal_id] = NewDeal(
            account=account_id,
            contact=contact,
            owner=owner,
            title=row["title"].strip(),
            amount=amount,
            expected_close=expected,
            stage=stage,
            created=min(filter(None, (created, closed_on, expected))),
            source=row.get("source") or None,
            products=[p.strip() for p in re.split(r"[;|]", row.get("products", "")) if p.strip()],
            closed_on=closed_on,
            next_step=row.get("next_step") or None,
            lost_reason=row.get("lost_reason") or None if stage == "lost" else None,
        )
    return result


def read_csv(path: Path, mapping: Mapping) -> Iterator[tuple[str, int, dict[str, str]]]:
    """Rows of a CSV as funnel fields, with the line each starts on (1: the header)."""
    try:
        handle = path.open(encoding=mapping.encoding, newline="")
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle, delimiter=mapping.delimiter)
        missing = [c for c in mapping.columns.values() if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportError_(
                f"{path}: no column {', '.join(repr(c) for c in missing)} "
                f"(columns: {', '.join(reader.fieldnames or [])})"
            )
        line = reader.line_num
        for record in reader:
            yield (
                str(path),
                line + 1,
                {
                    name: (record.get(column) or "").strip()
                    for name, column in mapping.columns.items()
                },
            )
            line = reader.line_num


def salesforce_rows(folder: Path, mapping: Mapping) -> Iterator[tuple[str, int, dict[str, str]]]:
    """The Salesforce opportunity export: one row per opportunity, with its account and
    contact from Account.csv and Contact.csv (the account's main line when it has none)."""
    paths = {name: folder / f"{name}.csv" for name in ("Opportunity", "Account", "Contact")}
    for path in paths.values():
        if not path.is_file():
            raise ImportError_(f"no {path}: export Opportunity, Account and Contact as CSV")

    def records(path: Path) -> list[tuple[int, dict[str, str]]]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            reader.fieldnames  # noqa: B018 - reads the header, so lines count from it
            rows, line = [], reader.line_num
            for record in reader:
                rows.append((line + 1, record))
                line = reader.line_num
            return rows

    accounts = {record["Id"]: record for _, record in records(paths["Account"])}
    contacts: dict[str, dict[str, str]] = {}
    for _, record in records(paths["Contact"]):
        contacts.setdefault(record.get("AccountId", ""), record)
    for line, opportunity in records(paths["Opportunity"]):
        account = accounts.get(opportunity.get("AccountId", ""), {})
        contact = contacts.get(opportunity.get("AccountId", ""))
        address = ", ".join(
            part
            for part in (
                account.get(f"Billing{k}", "") for k in ("Street", "City", "State", "Country")
            )
            if part
        )
        yield str(paths["Opportunity"]), line, {
            "id": opportunity.get("Name", ""),
            "account": account.get("Name", ""),
            "industry": account.get("Industry", ""),
            "address": address,
            "contact": contact.get("Name", "") if contact else "Main line",
            "contact_title": contact.get("Title", "") if contact else "",
            "phone": (contact.get("Phone") or contact.get("MobilePhone", "")) if contact
            else account.get("Phone", ""),
            "email": contact.get("Email", "") if contact else "",
            "owner": opportunity.get("OwnerId", ""),
            "title": opportunity.get("Name", ""),
            "amount": opportunity.get("Amount", ""),
            "expected_close": opportunity.get("CloseDate", ""),
            "stage": opportunity.get("StageName", ""),
            "source": opportunity.get("LeadSource", ""),
            "created": opportunity.get("CreatedDate", "")[:10],
            "products": opportunity.get("Product__c", ""),
            "next_step": opportunity.get("NextStep", ""),
        }  # fmt: skip


def account_text(account: dict[str, Any]) -> str:
    lines = [
        "# yaml-language-server: $schema=../../schemas/account.schema.json\n",
        f"name: {yaml_text(account['name'])}\n",
        f"territory: {account['territory']}\n",
    ]
    for key in ("industry", "address"):
        if account.get(key):
            lines.append(f"{key}: {yaml_text(account[key])}\n")
    lines.append("contacts:\n")
    for contact in account["contacts"]:
        fields = ", ".join(
            f"{key}: {yaml_text(contact[key])}"
            for key in ("name", "title", "phone", "email")
            if contact.get(key)
        )
        lines.append(f"  - {{{fields}}}\n")
    return "".join(lines)


def write_import(imported: Imported, dataset: Dataset) -> list[Path]:
    """Write the accounts and deals (never over an existing file)."""
    written = []
    for account_id, account in imported.accounts.items():
        path = dataset.root / "accounts" / f"{account_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(account_text(account))
        written.append(path)
    parts = [part for part in imported.folder.split("/") if part]
    for deal_id, deal in imported.deals.items():
        path = dataset.root.joinpath("deals", *parts, f"{deal_id}.yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(deal_text(deal, len(parts) + 1))
        written.append(path)
    return written

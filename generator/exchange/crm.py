"""Reading a CRM's export: the Salesforce opportunity export (Opportunity.csv with
Account.csv and Contact.csv beside it), or any CSV with a mapping file (column to field,
stage names to stage ids, date format, owner names to person ids). Rows come out in funnel's
field names, each with the file and line it came from.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..data.load import ValidDataset
from ..data.money import cents
from ..data.strictyaml import parse
from .errors import OptionError

FIELDS = (
    "id", "account", "account_id", "territory", "industry", "address", "contact", "contact_title",
    "phone", "email", "owner", "title", "amount", "expected_close", "stage", "closed_on",
    "source", "created", "products", "next_step", "lost_reason",
)  # fmt: skip

# Salesforce's standard stages and their default probabilities (percent).
SALESFORCE_STAGES = {
    "prospecting": 10, "qualification": 10, "discovery": 20, "needs analysis": 20,
    "value proposition": 50, "id. decision makers": 60, "perception analysis": 70,
    "proposal/price quote": 75, "proposal/quote": 75, "negotiation/review": 90,
    "negotiation": 90,
}  # fmt: skip
CLOSED = {"closed won": "won", "closed lost": "lost", "won": "won", "lost": "lost"}


@dataclass(frozen=True)
class Row:
    """A row of the export in funnel's field names: the file and line it starts on, the
    values, and where each value came from (`column Amount`, `default`, `price list`...)."""

    file: str
    line: int
    values: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)


class ImportError_(OptionError):
    """The source or the mapping cannot be read at all (a usage error)."""


class PriceList(BaseModel):
    """Amounts from a price list when a row has none: `{file, key, value}`, matched on the
    row's product (ignoring case, spaces and punctuation)."""

    model_config = ConfigDict(extra="forbid")

    file: str
    key: str
    value: str


class AccountsFile(BaseModel):
    """An accounts CSV joined on `key` (matched against the deals' account column)."""

    model_config = ConfigDict(extra="forbid")

    file: str
    key: str
    columns: dict[str, str | list[str]] = Field(default_factory=dict)


class OwnersFile(BaseModel):
    """A people CSV for owners, joined on `key` (the deals' owner column): `name` required,
    `email` and `territory` optional."""

    model_config = ConfigDict(extra="forbid")

    file: str
    key: str
    columns: dict[str, str] = Field(default_factory=dict)


class Mapping(BaseModel):
    """How the columns of a CSV become the fields of the data: a mapping file (see the
    README), or the built-in one of the Salesforce export."""

    model_config = ConfigDict(extra="forbid")

    deals: str | None = Field(None, description="The CSV file, relative to the mapping file.")
    columns: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="funnel field: column, or several columns (the first non-empty wins).",
    )
    defaults: dict[str, str] = Field(
        default_factory=dict, description="funnel field: the value when its columns are empty."
    )
    prices: PriceList | None = None
    accounts: AccountsFile | None = None
    owners_file: OwnersFile | None = None
    update: list[str] = Field(
        default_factory=list,
        description="Fields the team edits after the import (owner, log, next_step, contact) "
        "that a re-import overwrites all the same.",
    )
    stages: dict[str, str] = Field(default_factory=dict)
    owners: dict[str, str] = Field(default_factory=dict)
    territories: dict[str, str] = Field(default_factory=dict)
    territory: str | None = Field(
        None,
        description="The territory of new accounts: a territory id, or `owner` (the owner's "
        "territory; the majority of its deals' owners when they differ).",
    )
    date_format: str | None = None
    decimal_comma: bool = False
    default_contact: str | None = None
    folder: str = ""
    encoding: str = "utf-8-sig"
    delimiter: str = ","


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


def read_csv(path: Path, mapping: Mapping) -> Iterator[Row]:
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
            yield Row(
                str(path),
                line + 1,
                {
                    name: (record.get(column) or "").strip()
                    for name, column in mapping.columns.items()
                    if isinstance(column, str)
                },
            )
            line = reader.line_num


def salesforce_rows(folder: Path, mapping: Mapping) -> Iterator[Row]:
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
        yield Row(str(paths["Opportunity"]), line, {
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
        })  # fmt: skip


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
    """A CSV date in the mapping's `date_format`, else ISO (a time after the day is cut off)."""
    text = text.strip()
    if date_format:
        return datetime.strptime(text, date_format).date()
    return date.fromisoformat(text[:10])


class CrmNames:
    """The CRM's names (stages, owners, territories) to the ids of the data."""

    def __init__(self, dataset: ValidDataset, mapping: Mapping) -> None:
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
        """The stage id: mapped, closed, the team's own, or the Salesforce stage nearest in
        probability; None when it has no mapping."""
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
        """The person id: mapped, or a person's id, name or email in team.yaml."""
        mapped = {k.casefold(): v for k, v in self.mapping.owners.items()}
        return mapped.get(name.strip().casefold()) or self.people.get(name.strip().casefold())

    def territory(self, name: str | None) -> str | None:
        """The territory id: mapped, or a territory's id or name; no name: the default."""
        if not name:
            return self.mapping.territory
        mapped = {k.casefold(): v for k, v in self.mapping.territories.items()}
        key = name.strip().casefold()
        return mapped.get(key) or self.territories.get(key)


def read_export(
    dataset: ValidDataset,
    source: Path,
    mapping_file: Path | None = None,
    *,
    territory: str | None = None,
) -> tuple[Mapping, Iterator[Row]]:
    """The mapping and the rows of an export: the CSV a mapping file names, else the
    Salesforce export folder SOURCE; ImportError_ when it cannot be read."""
    if mapping_file is not None:
        mapping, csv_path = load_mapping(mapping_file)
        return mapping, read_csv(csv_path, mapping)
    if not source.is_dir():
        raise ImportError_(f"{source}: give the folder of the Salesforce export, or --mapping")
    territories = dataset.team.territories
    mapping = Mapping(
        columns={},
        territory=territory or (territories[0].id if len(territories) == 1 else None),
    )
    return mapping, salesforce_rows(source, mapping)

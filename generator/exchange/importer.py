"""`funnel import`: accounts and deals from a CRM's CSV export.

The rows (read by `crm`) become accounts and deals of the data. Every row that cannot be
imported is listed with its CSV line and the reason; nothing is written unless asked, and
what is written is removed again when the data would not pass `funnel check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..data.load import ValidDataset
from ..data.money import ZERO
from ..data.values import slug
from .crm import (
    CrmNames,
    Mapping,
    Row,
    parse_amount,
    parse_date,
    read_export,
)
from .errors import OptionError
from .new_deal import NewDeal, deal_text, yaml_text
from .writes import CheckedWrite, write_checked

REQUIRED = ("account", "owner", "title", "amount", "expected_close", "stage")


@dataclass(frozen=True)
class Refused:
    """A row that was not imported: where it is in the CSV, and why."""

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
        """The amount of all the deals the import would write."""
        return sum((deal.amount for deal in self.deals.values()), ZERO)

    def summary(self) -> dict[str, object]:
        """What the import brings, in counts, per stage and with the refused rows, for the report
        `funnel import` prints."""
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


def _unique(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def run_import(
    dataset: ValidDataset,
    source: Path,
    mapping_file: Path | None = None,
    *,
    owners: Sequence[str] = (),
    stages: Sequence[str] = (),
    territory: str | None = None,
    folder: str = "",
) -> Imported:
    """What importing SOURCE would write: a Salesforce export folder, or the CSV that the
    mapping file names, with the NAME=ID pairs of `owners` and `stages` and the default
    territory and folder on top; OptionError (ImportError_ among them) when it cannot run."""
    mapping, rows = read_export(dataset, source, mapping_file, territory=territory)
    mapping.owners.update(_pairs(owners, "--owner"))
    mapping.stages.update(_pairs(stages, "--stage"))
    if territory:
        mapping.territory = territory
    if folder:
        mapping.folder = folder
    return import_rows(rows, mapping, dataset)


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    """`CRM_NAME=id` pairs given on the command line; OptionError for one without `=`."""
    found = {}
    for value in values:
        key, sep, target = value.rpartition("=")
        if not sep or not key or not target:
            raise OptionError(f"`{value}`: write NAME=ID", option)
        found[key] = target
    return found


def import_rows(rows: Iterable[Row], mapping: Mapping, dataset: ValidDataset) -> Imported:
    """Rows already in funnel's field names (file, line, values) into accounts and deals."""
    resolve = CrmNames(dataset, mapping)
    result = Imported(folder=mapping.folder)
    accounts = _Accounts(dataset, result.accounts)
    taken_deals = set(dataset.deals) | dataset.invalid
    for source_row in rows:
        file, line, values = source_row.file, source_row.line, source_row.values
        result.rows += 1
        row = _read_row(values, resolve, mapping)
        if isinstance(row, list):
            result.refused.append(Refused(file, line, "; ".join(row)))
            continue
        account_id = accounts.add(row)
        deal_id = _unique(slug(values.get("id") or f"{account_id}-{values['title']}"), taken_deals)
        result.deals[deal_id] = _new_deal(row, account_id)
    return result


@dataclass(frozen=True)
class _Row:
    """A row whose values all read: names resolved to the data's ids, amount and dates parsed."""

    values: dict[str, str]
    stage: str
    owner: str
    territory: str
    contact: str
    amount: Decimal
    expected: date
    created: date | None
    closed: date | None


def _read_row(values: dict[str, str], resolve: CrmNames, mapping: Mapping) -> _Row | list[str]:
    """The row read, or every reason why it is refused."""
    reasons = [f"no {name}: fill the column" for name in REQUIRED if not values.get(name)]
    stage, owner, territory = _names(values, resolve, reasons)
    amount = None
    try:
        amount = parse_amount(values.get("amount", ""), mapping.decimal_comma)
    except (InvalidOperation, ValueError):
        if values.get("amount"):
            reasons.append(f"amount `{values['amount']}` is not an amount")
    dates = _dates(values, mapping, reasons)
    contact = values.get("contact") or mapping.default_contact
    if not contact:
        reasons.append("no contact: fill the column, or give a `default_contact:`")
    if reasons:
        return reasons
    assert amount is not None and stage and owner and territory and contact
    return _Row(
        values, stage, owner, territory, contact, amount,
        dates["expected_close"], dates.get("created"), dates.get("closed_on"),
    )  # fmt: skip


def _names(
    values: dict[str, str], resolve: CrmNames, reasons: list[str]
) -> tuple[str | None, str | None, str | None]:
    """The row's stage, owner and territory as ids of the data; adds to `reasons` why any
    is not known."""
    name = values.get("stage")
    stage = resolve.stage(name) if name else None
    if name and stage is None:
        reasons.append(
            f"stage `{name}` has no mapping: map it with "
            f"`--stage '{name}=<stage-id>'` or under `stages:`"
        )
    name = values.get("owner")
    owner = resolve.owner(name) if name else None
    if owner is not None and owner in resolve.left and stage not in ("won", "lost"):
        reasons.append(
            f"owner `{name}` ({owner}) has left and cannot own an open deal: "
            "map it to an active person"
        )
    if name and owner is None:
        reasons.append(
            f"owner `{name}` is not a person of team.yaml: map it with "
            f"`--owner {name}=<person-id>` or under `owners:`"
        )
    territory = resolve.territory(values.get("territory"))
    if territory is None:
        reasons.append(
            f"territory `{values.get('territory', '')}` is not known: add it under "
            "`territories:` or give a default `territory:`"
        )
    return stage, owner, territory


def _dates(values: dict[str, str], mapping: Mapping, reasons: list[str]) -> dict[str, date]:
    """The row's dates that are given (expected_close, created, closed_on); adds to
    `reasons` each that does not read."""
    found = {}
    for name in ("expected_close", "created", "closed_on"):
        if not values.get(name):
            continue
        try:
            found[name] = parse_date(values[name], mapping.date_format)
        except ValueError:
            fmt = mapping.date_format or "YYYY-MM-DD"
            reasons.append(f"{name} `{values[name]}` is not a date ({fmt}): set `date_format:`")
    return found


class _Accounts:
    """The import's accounts: known ones found by name, new ones gathering their contacts."""

    def __init__(self, dataset: ValidDataset, new: dict[str, dict[str, Any]]) -> None:
        self.known = set(dataset.accounts)
        self.ids = {account.name.casefold(): account.id for account in dataset.accounts.values()}
        self.taken = set(dataset.accounts)
        self.new = new

    def add(self, row: _Row) -> str:
        """The row's account id: a new account for a new name, with the row's contact."""
        name = row.values["account"].strip()
        account_id = self.ids.get(name.casefold())
        if account_id is None:
            base = slug(row.values.get("account_id") or name) or "account"
            account_id = self.ids[name.casefold()] = _unique(base, self.taken)
        account = self.new.get(account_id)
        if account is None and account_id not in self.known:
            account = self.new[account_id] = {
                "name": name,
                "territory": row.territory,
                "industry": row.values.get("industry") or None,
                "address": row.values.get("address") or None,
                "contacts": [],
            }
        if account is not None and all(c["name"] != row.contact for c in account["contacts"]):
            account["contacts"].append(
                {
                    "name": row.contact,
                    "title": row.values.get("contact_title") or None,
                    "phone": row.values.get("phone") or None,
                    "email": row.values.get("email") or None,
                }
            )
        return account_id


def _new_deal(row: _Row, account_id: str) -> NewDeal:
    """The deal of a row: closed deals close on their close date (else the expected one)."""
    values = row.values
    closed_on = (row.closed or row.expected) if row.stage in ("won", "lost") else None
    return NewDeal(
        account=account_id,
        contact=row.contact,
        owner=row.owner,
        title=values["title"].strip(),
        amount=row.amount,
        expected_close=row.expected,
        stage=row.stage,
        created=min(filter(None, (row.created, closed_on, row.expected))),
        source=values.get("source") or None,
        products=[p.strip() for p in re.split(r"[;|]", values.get("products", "")) if p.strip()],
        closed_on=closed_on,
        next_step=values.get("next_step") or None,
        lost_reason=(values.get("lost_reason") or None) if row.stage == "lost" else None,
    )


def account_text(account: dict[str, Any]) -> str:
    """The account file the import writes for a customer, with the schema line."""
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


def write_import(imported: Imported, dataset: ValidDataset) -> list[Path]:
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


def write_checked_import(
    imported: Imported, dataset: ValidDataset, data_dir: str, as_of: date
) -> CheckedWrite[list[Path]] | None:
    """Write the import's files and check the data folder with them: the files are removed
    again when the data would not pass `funnel check`. None when there is no deal to write."""
    if not imported.deals:
        return None
    return write_checked(lambda: write_import(imported, dataset), _remove, data_dir, as_of)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)

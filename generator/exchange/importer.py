"""`funnel import`: accounts and deals from a CRM's CSV export, as a migration that can run
again and again.

The rows (read by `crm`) become accounts and deals of the data. A record the data already has
(the same `crm_id`) is left byte for byte when the export says the same, and changed in place,
line by line, when it does not; fields the team edits after the import (owner, contact, next
step, log) are kept unless the mapping's `update:` names them. Every row that cannot be
imported is listed with its CSV line and the reasons; nothing is written unless asked, and
what is written is undone when the data would not pass `funnel check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..data.load import ValidDataset
from ..data.model import Deal
from ..data.money import json_amount
from ..data.values import slug
from .crm import Row, read_export
from .errors import OptionError
from .import_accounts import ImportAccounts, account_text, unique
from .import_report import ImportReport, Refused, RowSources
from .import_rows import ImportRow, RowReader
from .new_deal import NewDeal, deal_text, yaml_text
from .presets import Mapping
from .reimport import edit_fields
from .writes import CheckedWrite, write_checked

DEAL_ORDER = (
    "account", "contact", "owner", "title", "products", "amount", "expected_close", "stage",
    "closed_on", "lost_reason", "source", "next_step", "created", "log", "crm_id",
)  # fmt: skip
TEAM_FIELDS = ("owner", "contact", "next_step", "log")
"""Fields the team edits after the import: a re-import keeps them unless `update:` names them."""


@dataclass
class Imported:
    """What an import would write: new accounts and deals, the new text of changed files,
    and the report."""

    report: ImportReport
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: dict[str, NewDeal] = field(default_factory=dict)
    crm_ids: dict[str, str] = field(default_factory=dict)
    """The CRM id of each new deal that has one."""
    updates: dict[Path, str] = field(default_factory=dict)
    folder: str = ""

    @property
    def refused(self) -> list[Refused]:
        """The rows that were not imported."""
        return self.report.refused

    def summary(self) -> dict[str, object]:
        """The report as `funnel import --format json` prints it."""
        return self.report.to_json()


def run_import(
    dataset: ValidDataset,
    source: Path,
    mapping_file: Path | None = None,
    *,
    as_of: date,
    owners: Sequence[str] = (),
    stages: Sequence[str] = (),
    territory: str | None = None,
    folder: str = "",
    preset: str | None = None,
) -> Imported:
    """What importing SOURCE would write as of the import's date: a preset's export (the
    Salesforce folder by default) or the CSV that the mapping file names, with the NAME=ID
    pairs of `owners` and `stages` and the default territory and folder on top; OptionError
    (ImportError_ among them) when it cannot run."""
    mapping, rows = read_export(dataset, source, mapping_file, territory=territory, preset=preset)
    mapping.owners.update(_pairs(owners, "--owner"))
    mapping.stages.update(_pairs(stages, "--stage"))
    if territory:
        mapping.territory = territory
    if folder:
        mapping.folder = folder
    return import_rows(rows, mapping, dataset, as_of)


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    """`CRM_NAME=id` pairs given on the command line; OptionError for one without `=`."""
    found = {}
    for value in values:
        key, sep, target = value.rpartition("=")
        if not sep or not key or not target:
            raise OptionError(f"`{value}`: write NAME=ID", option)
        found[key] = target
    return found


def import_rows(
    rows: Iterable[Row], mapping: Mapping, dataset: ValidDataset, as_of: date
) -> Imported:
    """Rows already in funnel's field names into new accounts and deals and the changes to
    the known ones, as of the import's date (the `created` of a deal without one)."""
    result = Imported(ImportReport(dataset.funnel.currency), folder=mapping.folder)
    reader = RowReader(dataset, mapping)
    accounts = ImportAccounts(dataset, result.accounts)
    deals = _Deals(dataset, result, mapping, as_of)
    for source_row in rows:
        result.report.rows += 1
        row = reader.read(source_row.values, source_row.sources)
        result.report.note_joins(source_row.line, source_row.sources)
        if not isinstance(row, list):
            row = deals.duplicate(row, source_row.line)
        if isinstance(row, list):
            result.report.refused.append(Refused(source_row.file, source_row.line, tuple(row)))
            deals.refused.add(source_row.values.get("crm_id", ""))
            continue
        account_id = accounts.add(row, with_contact=deals.needs_contact(row))
        deal_id = deals.add(row, account_id)
        sources = RowSources(source_row.file, source_row.line, deal_id, source_row.sources)
        result.report.sources.append(sources)
    result.updates.update(accounts.finish(result.report.accounts, result.report.splits))
    deals.finish()
    order = dataset.funnel.stage_ids
    stages = result.report.stages
    result.report.stages = dict(sorted(stages.items(), key=lambda s: order.index(s[0])))
    return result


class _Deals:
    """The import's deals: new ones, and the changes to those the data has by CRM id."""

    def __init__(
        self, dataset: ValidDataset, result: Imported, mapping: Mapping, as_of: date
    ) -> None:
        self.dataset, self.result, self.as_of = dataset, result, as_of
        self.by_crm = {d.crm_id: d for d in dataset.deals.values() if d.crm_id}
        self.taken = set(dataset.deals) | dataset.invalid
        self.lines: dict[str, int] = {}
        self.refused: set[str] = set()
        self.update = set(mapping.update)

    def duplicate(self, row: ImportRow, line: int) -> ImportRow | list[str]:
        """The row, or why not: a CRM id seen on an earlier row of the export."""
        crm = row.crm_id
        if crm is None:
            return row
        if crm in self.lines:
            return [f"crm_id `{crm}` is also on line {self.lines[crm]}: export each deal once"]
        self.lines[crm] = line
        return row

    def needs_contact(self, row: ImportRow) -> bool:
        """Whether the deal will name the row's contact: a new deal, or `update: [contact]`."""
        return row.crm_id not in self.by_crm or "contact" in self.update

    def add(self, row: ImportRow, account_id: str) -> str:
        """The row's deal: new, or compared with the deal of the same CRM id; its id."""
        report = self.result.report
        deal = _new_deal(row, account_id, self.as_of)
        report.total += deal.amount
        report.stages[deal.stage] = report.stages.get(deal.stage, 0) + 1
        existing = self.by_crm.get(row.crm_id) if row.crm_id else None
        if existing is None:
            deal_id = unique(_deal_id(row, account_id), self.taken)
            self.result.deals[deal_id] = deal
            if row.crm_id:
                self.result.crm_ids[deal_id] = row.crm_id
            report.deals.added.append(deal_id)
            report.created_as_of += row.created is None
            return deal_id
        changes = _deal_changes(existing, deal, row, self.update)
        if not changes:
            report.deals.unchanged.append(existing.id)
            return existing.id
        path = self.dataset.files[existing.path]
        text = path.read_bytes().decode("utf-8")
        self.result.updates[path] = edit_fields(text, changes, DEAL_ORDER)
        report.deals.updated[existing.id] = list(changes)
        return existing.id

    def finish(self) -> None:
        """Deals of the data whose CRM id the export no longer has: reported, never deleted."""
        if self.lines:
            seen = self.lines.keys() | self.refused
            missing = (d.id for d in self.by_crm.values() if d.crm_id not in seen)
            self.result.report.deals.missing = sorted(missing)


def _deal_id(row: ImportRow, account_id: str) -> str:
    """A new deal's id: the row's `id`, else its account's id and its title's, once (a title
    that starts with the account's name, as HubSpot's `Acme – Servers`, does not repeat it)."""
    if row.values.get("id"):
        return slug(row.values["id"])
    title = slug(row.values["title"])
    if title == account_id or title.startswith(f"{account_id}-"):
        return title
    return slug(f"{account_id}-{row.values['title']}")


def _new_deal(row: ImportRow, account_id: str, as_of: date) -> NewDeal:
    """The deal of a row: closed deals close on their close date (else the expected one);
    created on the row's date, else the import's, never later than the close nor the import."""
    values = row.values
    closed_on = (row.closed or row.expected) if row.stage in ("won", "lost") else None
    created = min(filter(None, (row.created, as_of, closed_on)))
    return NewDeal(
        account=account_id,
        contact=row.contact,
        owner=row.owner,
        title=values["title"].strip(),
        amount=row.amount,
        expected_close=row.expected,
        stage=row.stage,
        created=created,
        source=values.get("source") or None,
        products=[p.strip() for p in re.split(r"[;|]", values.get("products", "")) if p.strip()],
        closed_on=closed_on,
        next_step=values.get("next_step") or None,
        lost_reason=(values.get("lost_reason") or None) if row.stage == "lost" else None,
    )


def _deal_changes(
    existing: Deal, deal: NewDeal, row: ImportRow, update: set[str]
) -> dict[str, str | None]:
    """The fields of `existing` that the export changes, as YAML text (None: removed). An
    empty value keeps what the file has, except the close of a deal that is open again."""
    names = [n for n in DEAL_ORDER if n not in TEAM_FIELDS or n in update]
    if row.created is None:
        names.remove("created")  # the import's date is no news about the deal
    changes: dict[str, str | None] = {}
    for name in names:
        if name in ("log", "crm_id"):
            continue
        value, old = getattr(deal, name), getattr(existing, name)
        if name == "products":
            value = value or None
            old = old or None
        if value is None:
            if old is not None and (
                (name == "closed_on" and deal.stage not in ("won", "lost"))
                or (name == "lost_reason" and deal.stage != "lost")
            ):
                changes[name] = None
            continue
        if value != old:
            changes[name] = _yaml(name, value)
    return changes


def _yaml(name: str, value: Any) -> str:
    """A deal field's value as its file writes it."""
    if isinstance(value, date):
        return value.isoformat()
    if name == "amount":
        return json_amount(value)
    if name == "products":
        return "[" + ", ".join(yaml_text(p) for p in value) + "]"
    if name in ("account", "owner", "stage"):
        return str(value)
    return yaml_text(value)


@dataclass(frozen=True)
class ImportWrite:
    """The files an import wrote: new ones, and changed ones with their old bytes."""

    created: list[Path]
    replaced: dict[Path, bytes]

    @property
    def paths(self) -> list[Path]:
        """Every file the import wrote, new or changed."""
        return [*self.created, *self.replaced]

    def undo(self) -> None:
        """Remove the new files and put the changed ones' bytes back."""
        for path in self.created:
            path.unlink(missing_ok=True)
        for path, data in self.replaced.items():
            path.write_bytes(data)


def write_import(imported: Imported, dataset: ValidDataset) -> ImportWrite:
    """Write the new accounts and deals (never over an existing file) and the changed files."""
    written = ImportWrite([], {})
    for account_id, account in imported.accounts.items():
        path = dataset.root / "accounts" / f"{account_id}.yaml"
        _create(path, account_text(account), written)
    parts = [part for part in imported.folder.split("/") if part]
    for deal_id, deal in imported.deals.items():
        path = dataset.root.joinpath("deals", *parts, f"{deal_id}.yaml")
        text = deal_text(deal, len(parts) + 1)
        if deal_id in imported.crm_ids:
            text += f"crm_id: {yaml_text(imported.crm_ids[deal_id])}\n"
        _create(path, text, written)
    for path, text in imported.updates.items():
        written.replaced[path] = path.read_bytes()
        path.write_bytes(text.encode("utf-8"))
    return written


def _create(path: Path, text: str, written: ImportWrite) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    written.created.append(path)


def write_checked_import(
    imported: Imported, dataset: ValidDataset, data_dir: str, as_of: date
) -> CheckedWrite[ImportWrite] | None:
    """Write the import's files and check the data folder with them: undone (new files
    removed, changed ones put back) when the data would not pass `funnel check`. None when
    there is nothing to write."""
    if not (imported.accounts or imported.deals or imported.updates):
        return None
    return write_checked(lambda: write_import(imported, dataset), ImportWrite.undo, data_dir, as_of)

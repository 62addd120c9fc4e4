"""What an import found, for the team to review before and after `--write`: per kind the
records added, updated (which fields), unchanged and missing from the export, the refused rows
grouped by reason, the total and the deals per stage, the accounts whose deals' territories
split, and the deals whose `created` date is the import's."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..data.money import ZERO
from .export_files import NO_ROW

FIRST_LINES = 5
"""How many CSV lines the text report names for each reason a row was refused."""
FIRST_SPLITS = 10
"""How many territory splits the text report lists (the JSON lists them all)."""


@dataclass(frozen=True)
class Refused:
    """A row that was not imported: where it is in the CSV, and every reason why."""

    file: str
    line: int
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        """All the reasons, in one line."""
        return "; ".join(self.reasons)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class RowSources:
    """An imported row: where it is in the CSV, its deal, and where each value came from
    (`column Amount`, `default`, `price list`, `users.csv column Region`...)."""

    file: str
    line: int
    deal: str
    sources: dict[str, str]

    def to_json(self) -> dict[str, object]:
        """The row as `--format json` lists it under `sources`."""
        return {
            "file": self.file,
            "line": self.line,
            "deal": self.deal,
            "sources": dict(sorted(self.sources.items())),
        }


@dataclass
class KindReport:
    """The accounts (or the deals) of an import against the data: ids added, updated (with
    the fields that changed), unchanged, and missing (a crm_id the export no longer has)."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The counts, the updated records with their fields, and the missing ids."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "missing": len(self.missing),
            "updated_fields": {key: fields for key, fields in sorted(self.updated.items())},
            "missing_ids": sorted(self.missing),
        }

    def line(self, kind: str) -> str:
        """`deals: 3 added, 2 updated (amount 2, stage 1), 45 unchanged, 1 missing (x)`."""
        counts: dict[str, int] = {}
        for fields in self.updated.values():
            for name in fields:
                counts[name] = counts.get(name, 0) + 1
        which = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        missing = f" ({', '.join(sorted(self.missing)[:FIRST_LINES])}" if self.missing else ""
        if len(self.missing) > FIRST_LINES:
            missing += ", ..."
        return (
            f"{kind}: {len(self.added)} added, {len(self.updated)} updated"
            + (f" ({which})" if which else "")
            + f", {len(self.unchanged)} unchanged, {len(self.missing)} missing"
            + (f"{missing}: kept, never deleted)" if missing else "")
        )


@dataclass(frozen=True)
class TerritorySplit:
    """An account whose deals' territories differ: the territory it was given, and each
    territory with its number of deals."""

    account: str
    territory: str
    deals: dict[str, int]


@dataclass
class ImportReport:
    """Everything `funnel import` reports, text and JSON."""

    currency: str
    rows: int = 0
    accounts: KindReport = field(default_factory=KindReport)
    deals: KindReport = field(default_factory=KindReport)
    refused: list[Refused] = field(default_factory=list)
    total: Decimal = ZERO
    """The amount of every deal of the export that was read (new, updated or unchanged)."""
    stages: dict[str, int] = field(default_factory=dict)
    splits: list[TerritorySplit] = field(default_factory=list)
    created_as_of: int = 0
    """How many deals had no created date and took the import's date (or their close)."""
    sources: list[RowSources] = field(default_factory=list)
    """Every imported row with where its values came from, in the order of the export."""
    not_joined: dict[str, list[int]] = field(default_factory=dict)
    """The CSV lines of the rows that a joined file (accounts, owners) has no row for, by
    the file's name."""

    def note_joins(self, line: int, sources: dict[str, str]) -> None:
        """The joined files that have no row for the row at LINE (their own values stay)."""
        for source in sources.values():
            for part in source.split("; ")[1:]:
                if part.startswith(NO_ROW):
                    self.not_joined.setdefault(part[len(NO_ROW) :], []).append(line)

    def by_reason(self) -> dict[str, list[Refused]]:
        """The refused rows under each reason, in the order the reasons first appear."""
        groups: dict[str, list[Refused]] = {}
        for row in self.refused:
            for reason in row.reasons:
                groups.setdefault(reason, []).append(row)
        return groups

    def to_json(self) -> dict[str, object]:
        """The report as `--format json` prints it (see README)."""
        return {
            "rows": self.rows,
            "accounts": self.accounts.to_json(),
            "deals": self.deals.to_json(),
            "amount": str(self.total),
            "currency": self.currency,
            "stages": dict(self.stages),
            "refused": [
                {"file": r.file, "line": r.line, "reason": r.reason, "reasons": list(r.reasons)}
                for r in self.refused
            ],
            "refused_by_reason": [
                {"reason": reason, "rows": len(rows), "lines": [r.line for r in rows]}
                for reason, rows in self.by_reason().items()
            ],
            "territory_splits": [
                {"account": s.account, "territory": s.territory, "deals": s.deals}
                for s in self.splits
            ],
            "created_from_import_date": self.created_as_of,
            "sources": [row.to_json() for row in self.sources],
            "not_joined": [
                {"file": name, "rows": len(lines), "lines": lines}
                for name, lines in self.not_joined.items()
            ],
        }

    def text(self) -> list[str]:
        """The report's lines for a person: refused reasons, counts, total, stages, splits."""
        lines = []
        for reason, rows in self.by_reason().items():
            first = ", ".join(str(r.line) for r in rows[:FIRST_LINES])
            more = ", ..." if len(rows) > FIRST_LINES else ""
            lines.append(
                f"refused {len(rows)} row(s), {rows[0].file} line(s) {first}{more}: {reason}"
            )
        lines.append(f"{self.rows} row(s), {len(self.refused)} refused")
        lines.append(self.accounts.line("accounts"))
        lines.append(self.deals.line("deals"))
        lines.append(f"amount {self.total:,.2f} {self.currency}")
        if self.stages:
            stages = ", ".join(f"{stage} {count}" for stage, count in self.stages.items())
            lines.append(f"deals per stage: {stages}")
        for name, missed in self.not_joined.items():
            first = ", ".join(str(line) for line in missed[:FIRST_LINES])
            more = ", ..." if len(missed) > FIRST_LINES else ""
            lines.append(
                f"{len(missed)} row(s) not in {name}, line(s) {first}{more}: their own values "
                "were used (check the key column)"
            )
        for split in self.splits[:FIRST_SPLITS]:
            deals = ", ".join(f"{t} {n}" for t, n in split.deals.items())
            lines.append(f"territory split: {split.account} to {split.territory} ({deals})")
        if len(self.splits) > FIRST_SPLITS:
            lines.append(
                f"territory split: {len(self.splits) - FIRST_SPLITS} more account(s) "
                "(--format json lists them all)"
            )
        if self.created_as_of:
            lines.append(
                f"{self.created_as_of} deal(s) without a created date: created on the import "
                "date (or the close date, when earlier)"
            )
        return lines

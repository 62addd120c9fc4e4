"""One row of a CRM's export, read for the import: the CRM's names become the data's ids
(stage, owner, territory), the amount and the dates are parsed, and every reason a row cannot
be imported is collected, so the report names them all at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ..data.load import ValidDataset
from .crm import parse_date
from .export_files import parse_amount
from .presets import OWNER_TERRITORY, CrmNames, Mapping

REQUIRED = ("account", "owner", "title", "amount", "expected_close", "stage")


@dataclass(frozen=True)
class ImportRow:
    """A row whose values all read: names resolved to the data's ids, amount and dates parsed;
    `territory_given` when the territory came from the row's own column."""

    values: dict[str, str]
    stage: str
    owner: str
    territory: str
    territory_given: bool
    contact: str
    amount: Decimal
    expected: date
    created: date | None
    closed: date | None

    @property
    def crm_id(self) -> str | None:
        """The deal's id in the CRM, when the export has one."""
        return self.values.get("crm_id") or None

    @property
    def account_crm_id(self) -> str | None:
        """The account's id in the CRM, when the export has one."""
        return self.values.get("account_crm_id") or None


class RowReader:
    """Reads rows against the data's names: the stages, people and territories."""

    def __init__(self, dataset: ValidDataset, mapping: Mapping) -> None:
        self.resolve = CrmNames(dataset, mapping)
        self.mapping = mapping
        self.owner_territories = {p.id: p.territory for p in dataset.team.people}

    def read(
        self, values: dict[str, str], sources: dict[str, str] | None = None
    ) -> ImportRow | list[str]:
        """The row read, or every reason why it is refused (a required value left empty by
        its `sources` reason, such as `no price for product GTX Pro`, gives that reason)."""
        mapping = self.mapping
        reasons = [
            _empty(name, (sources or {}).get(name)) for name in REQUIRED if not values.get(name)
        ]
        stage, owner = self._stage_and_owner(values, reasons)
        territory = self._territory(values, owner, reasons)
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
        return ImportRow(
            values, stage, owner, territory, bool(values.get("territory")), contact, amount,
            dates["expected_close"], dates.get("created"), dates.get("closed_on"),
        )  # fmt: skip

    def _stage_and_owner(
        self, values: dict[str, str], reasons: list[str]
    ) -> tuple[str | None, str | None]:
        """The row's stage and owner as ids of the data; adds to `reasons` why either is not
        known."""
        name = values.get("stage")
        stage = self.resolve.stage(name) if name else None
        if name and stage is None:
            reasons.append(
                f"stage `{name}` has no mapping: map it with "
                f"`--stage '{name}=<stage-id>'` or under `stages:`"
            )
        name = values.get("owner")
        owner = self.resolve.owner(name) if name else None
        if owner is not None and owner in self.resolve.left and stage not in ("won", "lost"):
            reasons.append(
                f"owner `{name}` ({owner}) has left and cannot own an open deal: "
                "map it to an active person"
            )
        if name and owner is None:
            reasons.append(
                f"owner `{name}` is not a person of team.yaml: map it with "
                f"`--owner {name}=<person-id>` or under `owners:`"
            )
        return stage, owner

    def _territory(
        self, values: dict[str, str], owner: str | None, reasons: list[str]
    ) -> str | None:
        """The row's territory: its column, else the owner's (`territory: owner`), else the
        default; adds to `reasons` why it is not known."""
        name = values.get("territory")
        if not name and self.mapping.territory == OWNER_TERRITORY:
            return self._owner_territory(values, owner, reasons)
        territory = self.resolve.territory(name)
        if territory is None and not name:
            reasons.append(
                "no territory: give one with --territory (or `territory:` in the mapping, "
                "`owner` for the owner's), or map a column"
            )
        elif territory is None:
            reasons.append(
                f"territory `{name}` is not known: add it under "
                "`territories:` or give a default `territory:`"
            )
        return territory

    def _owner_territory(
        self, values: dict[str, str], owner: str | None, reasons: list[str]
    ) -> str | None:
        """The owner's territory: the owners file's (`owner_territory`, mapped under
        `territories:`), else team.yaml's; adds to `reasons` why it is not known."""
        if owner is None:
            return None  # the owner's own reason says why
        given = values.get("owner_territory")
        if given:
            territory = self.resolve.territory(given)
            if territory is None:
                reasons.append(
                    f"owner territory `{given}` is not known: map it under `territories:`"
                )
            return territory
        territory = self.owner_territories.get(owner)
        if territory is None:
            reasons.append(
                f"owner {owner} has no territory in team.yaml: give them one, "
                "or map a territory column"
            )
        return territory


def _empty(name: str, why: str | None) -> str:
    """Why a required field is empty: the reason its source gives (`no price for product
    GTX Pro`), else that the column is empty."""
    return f"{why.lstrip('; ')}: fill the {name} column" if why else f"no {name}: fill the column"


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

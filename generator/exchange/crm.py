"""Reading a CRM's export: the rows of a deals CSV in funnel's field names, each with the file
and line it came from and where each of its values came from. A mapping file or a preset
(Salesforce, HubSpot, Pipedrive; see `presets`) says which columns give which field, with
fallback columns, defaults, a price list for amounts, and an accounts CSV and a people CSV
joined on the deals' account and owner columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from ..data.load import ValidDataset
from ..data.money import ZERO
from ..data.strictyaml import parse
from .export_files import (
    NO_ROW,
    ImportError_,
    Join,
    first_value,
    header,
    listed,
    price_list,
    product_key,
    records,
    require,
)
from .preset_names import PRESETS
from .presets import (
    CLOSED,
    DATES,
    Mapping,
    SalesforceAccounts,
    mapping_problems,
    merged,
    preset_data,
)


@dataclass(frozen=True)
class Row:
    """A row of the export in funnel's field names: the file and line it starts on, the
    values, and where each value came from (`column Amount`, `default`, `price list`...; for
    an empty value, why it is empty: `no price for product GTX Pro`)."""

    file: str
    line: int
    values: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)


def _text(value: object) -> object:
    """YAML-typed values back to the text a mapping holds (a date as 2027-03-31)."""
    if isinstance(value, dict):
        return {str(key): _text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value if value is None else str(value)


def _mapping_data(path: Path) -> dict[str, object]:
    """A mapping file as data, its nested values as text; ImportError_ with path:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from None
    value, problems = parse(text, str(path))
    if problems:
        raise ImportError_("\n".join(str(problem) for problem in problems))
    if not isinstance(value, dict):
        raise ImportError_(f"{path}: write the mapping as `key: value` lines (see the README)")
    return {str(k): v if isinstance(v, bool) else _text(v) for k, v in value.items()}


def _placed(data: dict[str, object], folder: Path) -> dict[str, object]:
    """The files a mapping names, relative to FOLDER (the mapping file's, or the export's)."""
    for key in ("accounts", "owners_file", "prices"):
        item = data.get(key)
        if isinstance(item, dict) and isinstance(item.get("file"), str):
            data[key] = {**item, "file": str(folder / item["file"])}
    if isinstance(data.get("deals"), str):
        data["deals"] = str(folder / str(data["deals"]))
    return data


def _keys(value: object) -> set[str]:
    return {str(key) for key in value} if isinstance(value, dict) else set()


def _validated(data: dict[str, object], where: str) -> Mapping:
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ImportError_(f"{where}: {details}") from None
    problems = mapping_problems(mapping)
    if problems:
        raise ImportError_(f"{where}: {'; '.join(problems)}")
    return mapping


def load_mapping(path: Path) -> tuple[Mapping, Path]:
    """A mapping file and the CSV it names (its files relative to it); ImportError_ names
    what is wrong. The files' columns are checked when the export is read."""
    mapping = _validated(_placed(_mapping_data(path), path.parent), str(path))
    if not mapping.deals or not mapping.columns:
        raise ImportError_(f"{path}: give `deals:` (the CSV file) and `columns:`")
    return mapping, Path(mapping.deals)


def read_export(
    dataset: ValidDataset,
    source: Path,
    mapping_file: Path | None = None,
    *,
    territory: str | None = None,
    preset: str | None = None,
) -> tuple[Mapping, Iterator[Row]]:
    """The mapping and the rows of an export: a preset's (SOURCE is the Salesforce folder,
    or the HubSpot or Pipedrive deals CSV) with the mapping file over it, or the CSV a mapping
    file names; no preset and no mapping: Salesforce. Every file named and its columns are
    checked before the first row; ImportError_ when one cannot be read."""
    if preset is None and mapping_file is None:
        preset = "salesforce"
    if preset is None:
        assert mapping_file is not None
        mapping, deals = load_mapping(mapping_file)
        return mapping, _Reader(mapping, dataset, deals, set(), None).rows()
    if preset not in PRESETS:
        raise ImportError_(f"no preset `{preset}`: choose {', '.join(PRESETS)}", "--preset")
    if preset == "salesforce" and not source.is_dir():
        raise ImportError_(f"{source}: give the folder of the Salesforce export, or --mapping")
    folder = source if source.is_dir() else source.parent
    data = _placed(preset_data(preset), folder)
    if preset == "salesforce" and not (folder / "User.csv").is_file():
        del data["owners_file"]  # owners by --owner, as the CRM's user ids
    lenient = _keys(data.get("columns"))
    if mapping_file is not None:
        own = _placed(_mapping_data(mapping_file), mapping_file.parent)
        lenient -= _keys(own.get("columns"))
        data = merged(data, own)
    mapping = _validated(data, str(mapping_file or f"the {preset} preset"))
    if mapping.territory is None:
        territories = dataset.team.territories
        mapping.territory = territory or (territories[0].id if len(territories) == 1 else None)
    deals = Path(mapping.deals) if mapping.deals else source
    if deals.is_dir():
        raise ImportError_(f"{source}: give the deals CSV of the {preset} export")
    salesforce = folder if preset == "salesforce" else None
    return mapping, _Reader(mapping, dataset, deals, lenient, salesforce).rows()


def _deal_columns(path: Path, mapping: Mapping, lenient: set[str]) -> dict[str, list[str]]:
    """Each field's columns in the deals CSV: every column a mapping file names must be
    there; a preset's columns that are not are skipped."""
    present = header(path, mapping)
    found = {name: listed(columns) for name, columns in mapping.columns.items()}
    require(path, present, (c for name, cs in found.items() if name not in lenient for c in cs))
    for name in lenient & set(found):
        found[name] = [column for column in found[name] if column in present]
    if lenient and not any(found[name] for name in lenient & set(found)):
        expected = [c for columns in mapping.columns.values() for c in listed(columns)][:4]
        raise ImportError_(
            f"{path}: none of the preset's columns ({', '.join(expected)}...) are in the file: "
            "is it the export of that CRM?"
        )
    return {name: columns for name, columns in found.items() if columns}


def _salesforce(folder: Path, mapping: Mapping) -> SalesforceAccounts:
    paths = {name: folder / f"{name}.csv" for name in ("Opportunity", "Account", "Contact")}
    for path in paths.values():
        if not path.is_file():
            raise ImportError_(f"no {path}: export Opportunity, Account and Contact as CSV")
    return SalesforceAccounts(
        (record for _, record in records(paths["Account"], mapping)),
        (record for _, record in records(paths["Contact"], mapping)),
    )


class _Reader:
    """The rows of a deals CSV through a mapping: columns (the first non-empty wins), then
    the Salesforce account, the accounts and owners files, the status, the price list and
    the defaults, each only where the row has no value yet (the joined files' over it)."""

    def __init__(
        self,
        mapping: Mapping,
        dataset: ValidDataset,
        deals: Path,
        lenient: set[str],
        salesforce: Path | None,
    ) -> None:
        self.mapping, self.deals = mapping, deals
        self.salesforce = _salesforce(salesforce, mapping) if salesforce else None
        self.columns = _deal_columns(deals, mapping, lenient)
        accounts, owners, prices = mapping.accounts, mapping.owners_file, mapping.prices
        self.accounts = (
            Join.read(accounts.file, accounts.key, accounts.columns, mapping) if accounts else None
        )
        self.owners = (
            Join.read(owners.file, owners.key, dict(owners.columns), mapping) if owners else None
        )
        self.prices = price_list(prices.file, prices.key, prices.value, mapping) if prices else None
        self.team = {
            key.casefold()
            for person in dataset.team.people
            for key in (person.id, person.name, person.email)
            if key
        }

    def rows(self) -> Iterator[Row]:
        """Every row of the deals CSV, read."""
        for line, record in records(self.deals, self.mapping):
            yield self.row(line, record)

    def row(self, line: int, record: dict[str, str]) -> Row:
        """One record of the deals CSV in funnel's fields, with where each value came from."""
        values: dict[str, str] = {}
        sources: dict[str, str] = {}
        for name, columns in self.columns.items():
            found = first_value(record, columns)
            values[name] = found[0] if found else ""
            if found:
                sources[name] = f"column {found[1]}"
        if self.salesforce:
            self.salesforce.fill(values, sources)
        account = values.get("account")
        if self.accounts and account and not self.accounts.fill(account, values, sources):
            sources["account"] = f"{sources.get('account', '')}; {NO_ROW}{self.accounts.name}"
        if self.owners and values.get("owner"):
            self._owner(values, sources)
        if values.get("status", "").casefold() in CLOSED:
            values["stage"], sources["stage"] = values["status"], sources["status"]
        if self.prices is not None and not values.get("amount") and values.get("products"):
            self._price(values, sources)
        self._defaults(values, sources)
        return Row(str(self.deals), line, values, sources)

    def _owner(self, values: dict[str, str], sources: dict[str, str]) -> None:
        """The owner as the person's name or email (the one the team knows, if any), and
        their territory as `owner_territory`."""
        assert self.owners
        found: dict[str, str] = {}
        where: dict[str, str] = {}
        if not self.owners.fill(values["owner"], found, where):
            sources["owner"] = f"{sources.get('owner', '')}; {NO_ROW}{self.owners.name}"
            return
        mapped = {name.casefold() for name in self.mapping.owners}
        names = [key for key in ("name", "email") if found.get(key)]
        known = [key for key in names if found[key].casefold() in self.team | mapped]
        if names:
            key = (known or names)[0]
            values["owner"], sources["owner"] = found[key], where[key]
        if found.get("territory"):
            values["owner_territory"] = found["territory"]
            sources["owner_territory"] = where["territory"]

    def _price(self, values: dict[str, str], sources: dict[str, str]) -> None:
        """The amount from the price list: the sum of the row's products' prices; empty,
        naming the product, when one has no price."""
        assert self.prices is not None
        total = ZERO
        for product in (p.strip() for p in re.split(r"[;|]", values["products"]) if p.strip()):
            price = self.prices.get(product_key(product))
            if price is None:
                values["amount"], sources["amount"] = "", f"no price for product {product}"
                return
            total += price
        values["amount"], sources["amount"] = self._amount(str(total)), "price list"

    def _amount(self, text: str) -> str:
        """An amount written 1234.50 as the CSV writes it (1234,50 with decimal_comma)."""
        return text.replace(".", ",") if self.mapping.decimal_comma else text

    def _defaults(self, values: dict[str, str], sources: dict[str, str]) -> None:
        """The defaults where a field is empty and nothing said why (dates given as ISO,
        written in the mapping's date_format; amounts as 1234.50)."""
        fmt = self.mapping.date_format
        for name, value in self.mapping.defaults.items():
            if values.get(name) or name in sources:
                continue
            if name in DATES and fmt:
                value = date.fromisoformat(value).strftime(fmt)
            elif name == "amount":
                value = self._amount(value)
            values[name], sources[name] = value, "default"


def parse_date(text: str, date_format: str | None) -> date:
    """A CSV date in the mapping's `date_format`, else ISO (a time after the day is cut off)."""
    text = text.strip()
    if date_format:
        return datetime.strptime(text, date_format).date()
    return date.fromisoformat(text[:10])

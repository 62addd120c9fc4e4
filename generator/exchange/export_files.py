"""The files of a CRM's export as the import reads them: CSV records with the line each
starts on, the columns a mapping names checked against each file's header, and the files
joined to the deals: an accounts or people CSV on a key column, and a price list by product.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from ..data.money import cents
from .errors import OptionError
from .presets import Mapping

NO_ROW = "no row in "
"""How a row's source says that a joined file has no row for it (`; no row in users.csv`)."""


class ImportError_(OptionError):
    """The source or the mapping cannot be read at all (a usage error)."""


def open_csv(path: Path, mapping: Mapping) -> IO[str]:
    """A CSV of the export opened in the mapping's encoding; ImportError_ when it cannot be."""
    try:
        return path.open(encoding=mapping.encoding, newline="")
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from None


def header(path: Path, mapping: Mapping) -> list[str]:
    """The column names of a CSV (its first line)."""
    with open_csv(path, mapping) as handle:
        return next(csv.reader(handle, delimiter=mapping.delimiter), [])


def records(path: Path, mapping: Mapping) -> Iterator[tuple[int, dict[str, str]]]:
    """The records of a CSV with the line each starts on (1: the header)."""
    with open_csv(path, mapping) as handle:
        reader = csv.DictReader(handle, delimiter=mapping.delimiter)
        reader.fieldnames  # noqa: B018 - reads the header, so lines count from it
        line = reader.line_num
        for record in reader:
            yield line + 1, record
            line = reader.line_num


def require(path: Path, header: list[str], columns: Iterable[str]) -> None:
    """ImportError_ naming the file and every column the mapping names that it lacks."""
    missing = [column for column in columns if column not in header]
    if missing:
        raise ImportError_(
            f"{path}: no column {', '.join(repr(c) for c in dict.fromkeys(missing))} "
            f"(columns: {', '.join(header)})"
        )


def listed(columns: str | list[str]) -> list[str]:
    """A mapping's column, or its list of columns, as a list."""
    return [columns] if isinstance(columns, str) else list(columns)


def first_value(record: dict[str, str], columns: list[str]) -> tuple[str, str] | None:
    """The first non-empty value of COLUMNS in the record, with its column."""
    for column in columns:
        text = (record.get(column) or "").strip()
        if text:
            return text, column
    return None


@dataclass(frozen=True)
class Join:
    """A CSV joined on a key column: its records by key (case ignored), and the columns
    that give each field."""

    name: str
    columns: dict[str, list[str]]
    records: dict[str, dict[str, str]]

    @classmethod
    def read(
        cls, file: str, key: str, columns: dict[str, str | list[str]], mapping: Mapping
    ) -> Join:
        """The file read, its columns checked (ImportError_ naming the file and column)."""
        path = Path(file)
        wanted = {name: listed(names) for name, names in columns.items()}
        require(path, header(path, mapping), [key, *(c for cs in wanted.values() for c in cs)])
        by_key: dict[str, dict[str, str]] = {}
        for _, record in records(path, mapping):
            by_key.setdefault((record.get(key) or "").strip().casefold(), record)
        return cls(path.name, wanted, by_key)

    def fill(self, key: str, values: dict[str, str], sources: dict[str, str]) -> bool:
        """The fields of KEY's record over the row's; False when the file has no such key."""
        record = self.records.get(key.strip().casefold())
        if record is None:
            return False
        for name, columns in self.columns.items():
            if found := first_value(record, columns):
                values[name], sources[name] = found[0], f"{self.name} column {found[1]}"
        return True


def product_key(name: str) -> str:
    """A product as the price list matches it: case, spaces and punctuation ignored."""
    return re.sub(r"[\W_]+", "", name).casefold()


def price_list(file: str, key: str, value: str, mapping: Mapping) -> dict[str, Decimal]:
    """The prices of a price list by product key; ImportError_ at a price that is not an amount."""
    path = Path(file)
    require(path, header(path, mapping), [key, value])
    prices: dict[str, Decimal] = {}
    for line, record in records(path, mapping):
        product, price = (record.get(key) or "").strip(), (record.get(value) or "").strip()
        try:
            prices.setdefault(product_key(product), parse_amount(price, mapping.decimal_comma))
        except (InvalidOperation, ValueError):
            raise ImportError_(
                f"{path}:{line}: the price `{price}` of `{product}` is not an amount"
            ) from None
    return prices


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

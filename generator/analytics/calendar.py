"""The calendar: the periods of the forecast (month, quarter, half, year) and ISO weeks.

Periods are named `2027-03`, `2027-Q1`, `2027-H1` and `2027`; they sort in time order. Weeks are
named `2026-W48`, Monday to Sunday, as the weekly review counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import Literal

PeriodKind = Literal["month", "quarter", "half", "year"]
KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "half", "year")
_MONTHS: dict[PeriodKind, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: `index` counts months, quarters or halves from 1 (1 for a year)."""

    year: int
    index: int
    kind: PeriodKind

    @property
    def name(self) -> str:
        """`2027-03`, `2027-Q1`, `2027-H1` or `2027`."""
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        if self.kind == "half":
            return f"{self.year}-H{self.index}"
        return f"{self.year}"

    def __str__(self) -> str:
        return self.name

    @cached_property
    def start(self) -> date:
        """The first day of the period."""
        return date(self.year, (self.index - 1) * _MONTHS[self.kind] + 1, 1)

    @cached_property
    def end(self) -> date:
        """The last day of the period (worked out once: slips and accuracy ask it often)."""
        return self.next().start - timedelta(days=1)

    def next(self) -> Period:
        """The period of the same kind that follows."""
        per_year = 12 // _MONTHS[self.kind]
        if self.index < per_year:
            return Period(self.year, self.index + 1, self.kind)
        return Period(self.year + 1, 1, self.kind)

    def previous(self) -> Period:
        """The period of the same kind before this one."""
        if self.index > 1:
            return Period(self.year, self.index - 1, self.kind)
        return Period(self.year - 1, 12 // _MONTHS[self.kind], self.kind)

    def last_year(self) -> Period:
        """The same period a year earlier."""
        return Period(self.year - 1, self.index, self.kind)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@lru_cache(maxsize=8192)
def period_of(day: date, kind: PeriodKind) -> Period:
    """The period of this kind that holds `day` (one record per period and day: a period is
    frozen, and looked up for every deal's dates in every forecast)."""
    return Period(day.year, (day.month - 1) // _MONTHS[kind] + 1, kind)


def parse_period(name: str) -> Period:
    """Read `2027-03`, `2027-Q1`, `2027-H1` or `2027`; raise ValueError otherwise."""
    text = name.strip()
    try:
        if len(text) == 4 and text.isdigit():
            return Period(int(text), 1, "year")
        year, _, rest = text.partition("-")
        number = int(year)
        if len(year) != 4:
            raise ValueError
        if rest[:1] == "Q" and rest[1:] in ("1", "2", "3", "4"):
            return Period(number, int(rest[1:]), "quarter")
        if rest[:1] == "H" and rest[1:] in ("1", "2"):
            return Period(number, int(rest[1:]), "half")
        if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
            return Period(number, int(rest), "month")
    except ValueError:
        pass
    raise ValueError(f"`{name}` is not a period: write 2027-03, 2027-Q1, 2027-H1 or 2027")


def span(first: Period, last: Period) -> list[Period]:
    """Every period from `first` to `last`, both included."""
    periods = []
    current = first
    while current <= last:
        periods.append(current)
        current = current.next()
    return periods


def last_n(last: Period, count: int) -> list[Period]:
    """The `count` periods ending with `last`, oldest first."""
    periods = [last]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week: `2026-W48`, Monday to Sunday."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Week:
        """The week that holds `day`."""
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @classmethod
    def parse(cls, text: str) -> Week:
        """Read `2026-W48`; raise ValueError, saying how to write it, otherwise."""
        try:
            year, _, number = text.upper().partition("-W")
            week = cls(int(year), int(number))
            week.start  # noqa: B018 - raises for a week the year does not have
            return week
        except ValueError:
            raise ValueError(f"`{text}` is not an ISO week: write it like 2026-W48") from None

    @property
    def name(self) -> str:
        """`2026-W48`."""
        return f"{self.year}-W{self.number:02d}"

    @property
    def start(self) -> date:
        """The week's Monday."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        """The week's Sunday."""
        return self.start + timedelta(days=6)

    def previous(self, count: int = 1) -> Week:
        """The week `count` weeks before this one."""
        return Week.of(self.start - timedelta(weeks=count))

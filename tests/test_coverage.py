"""The forecast against the targets and last year (analytics/coverage.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.analytics.calendar import KINDS, parse_period
from generator.analytics.coverage import (
    coverage,
    current_periods,
    forecast_sections,
    owner_coverage,
    owner_rows,
    territory_rows,
)
from generator.analytics.forecast import build_forecast
from generator.data.load import Dataset
from generator.data.validate import check

AS_OF = date(2026, 11, 26)
TARGETS = """targets:
  - {period: 2027-Q1, amount: 2000000.00}
  - {owner: li-lei, period: 2027, amount: 1000000.00}
  - {owner: han-mei, period: 2027, amount: 500000.00}
  - {territory: south, period: 2027, amount: 3000000.00}
"""


@pytest.fixture
def dataset(valid_data: Path) -> Dataset:
    (valid_data / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    result = check(valid_data, AS_OF)
    assert result.ok, result.problems
    return result.dataset


def test_coverage_is_a_whole_percentage_of_the_target() -> None:
    assert coverage(Decimal("1500"), Decimal("2000")) == 75
    assert coverage(Decimal("1"), Decimal("3")) == 33
    assert coverage(Decimal("1500"), None) is None
    assert coverage(Decimal("1500"), Decimal(0)) is None


def test_the_current_periods_stand_beside_last_year(dataset: Dataset) -> None:
    rows = current_periods(dataset, AS_OF)
    assert [row.period.name for row in rows] == ["2026-Q4", "2026-H2", "2026"]
    year = rows[-1]
    assert (year.deals, year.won, year.won_last_year) == (0, Decimal("256000.00"), 0)
    assert current_periods(dataset, date(2027, 7, 1))[-1].won_last_year == Decimal("256000.00")
    pearl_deals = [dataset.deals["pearl-river-laptops"]]
    assert current_periods(dataset, AS_OF, deals=pearl_deals)[-1].won == 0


def test_given_forecasts_are_used_as_they_are(dataset: Dataset) -> None:
    forecasts = {kind: build_forecast(dataset, AS_OF, kind) for kind in KINDS}
    assert current_periods(dataset, AS_OF, forecasts) == current_periods(dataset, AS_OF)


def test_each_kind_shows_the_current_period_the_targeted_ones_and_those_with_deals(
    dataset: Dataset,
) -> None:
    forecasts = {kind: build_forecast(dataset, AS_OF, kind) for kind in KINDS}
    sections = {section.kind: section for section in forecast_sections(dataset, AS_OF, forecasts)}
    assert list(sections) == list(KINDS)
    quarters = sections["quarter"]
    assert [row.period.name for row in quarters.rows] == ["2026-Q2", "2026-Q4", "2027-Q1"]
    assert [row.period.name for row in quarters.chart] == ["2026-Q4", "2027-Q1"]
    q1 = quarters.rows[-1]
    assert q1.period == parse_period("2027-Q1")
    assert (q1.totals.weighted, q1.target) == (Decimal("460500.00"), Decimal("2000000.00"))
    assert q1.coverage == 23  # 460,500 of 2,000,000
    assert quarters.rows[0].target is None and quarters.rows[0].coverage is None


def test_the_years_owners_and_territories_with_deals_or_targets(dataset: Dataset) -> None:
    year = parse_period("2027")
    forecast = build_forecast(dataset, AS_OF, "year")
    owners = owner_rows(dataset, year, forecast)
    assert [(row.id, row.target) for row in owners] == [
        ("han-mei", Decimal("500000.00")),  # a target, no deals
        ("li-lei", Decimal("1000000.00")),
        ("zhou-bo", None),  # a won deal, no target
    ]
    assert owners[0].person is not None and owners[0].person.name == "韩梅"
    assert owners[0].totals.deals == 0 and owners[1].totals.weighted == Decimal("460500.00")
    territories = territory_rows(dataset, year, forecast)
    assert [(row.territory.id if row.territory else None, row.target) for row in territories] == [
        ("south", Decimal("3000000.00")),
        ("west", None),
    ]
    assert territories[1].totals.deals == 0


def test_each_owners_coverage_is_of_this_quarter_and_this_year_alone(dataset: Dataset) -> None:
    # as of 2027-02-01: li-lei's deals closing in 2027-Q1 count in both rows, won deals of
    # 2026 count in neither, and a deal closing in a later year never inflates this year
    rows = owner_coverage(dataset, date(2027, 2, 1))
    assert [row.id for row in rows] == ["han-mei", "li-lei", "zhou-bo", ""]
    li_lei = rows[1]
    assert [p.period.name for p in li_lei.periods] == ["2027-Q1", "2027"]
    quarter, year = li_lei.periods
    assert (quarter.target, year.target) == (None, Decimal("1000000.00"))
    assert quarter.coverage is None, "no target for the quarter: no coverage"
    assert year.totals.weighted >= quarter.totals.weighted == Decimal("460500.00")
    assert year.coverage == coverage(year.totals.won + year.totals.weighted, year.target)
    assert rows[0].periods[1].coverage == 0, "a target and nothing expected: 0 %"
    assert rows[2].periods[1].totals.won == 0, "zhou-bo's deal was won in 2026, not 2027"
    company = rows[-1]
    assert company.person is None and company.periods[0].target == Decimal("2000000.00")
    assert company.periods[0].coverage == 23  # 460,500 of 2,000,000

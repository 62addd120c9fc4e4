"""The forecast page adds its deals up once, grouped by owner and by the period they close in,
and reads each deal's history once for all its periods: that gives exactly what adding them
up per owner and per period the long way gives (coverage, won, weighted, targets, slips), at
a period's first and last day and the day after, for an owner with a target and no deals and
for the company row."""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from generator.analytics.calendar import KINDS, Period, last_n, parse_period, period_of, span
from generator.analytics.coverage import (
    COVERAGE_KINDS,
    CURRENT_KINDS,
    OwnerCoverage,
    OwnerPeriod,
    coverage,
    current_periods,
    forecast_sections,
    owner_coverage,
)
from generator.analytics.forecast import Totals, build_forecast, won_by_period, won_in
from generator.analytics.slips import (
    PeriodSlips,
    Slip,
    largest_first,
    period_slips,
    slip_of,
    slipped_out,
    slips_during,
    window_states,
)
from generator.analytics.targets import target_for
from generator.data.load import ValidDataset
from generator.data.model import Funnel
from generator.data.validate import check
from generator.history.events import weighted_snapshot
from generator.history.records import Commit, History, Snapshot, Version

AS_OF = date(2027, 2, 15)  # in 2027-Q1
TARGETS = """targets:
  - {period: 2027-Q1, amount: 5300.00}
  - {owner: li-lei, period: 2027, amount: 2600.00}
  - {owner: han-mei, period: 2027, amount: 500.00}
"""
DEALS = {  # name: (owner, stage, amount, expected close, closed on)
    "li-won-q1-first-day": ("li-lei", "won", "100.00", "2027-01-01", "2027-01-01"),
    "li-won-q1-last-day": ("li-lei", "won", "200.00", "2027-03-31", "2027-03-31"),
    "li-won-q2-first-day": ("li-lei", "won", "400.00", "2027-04-01", "2027-04-01"),
    "li-won-2026-last-day": ("li-lei", "won", "800.00", "2026-12-31", "2026-12-31"),
    "li-lost-in-q1": ("li-lei", "lost", "7000.00", "2027-02-01", "2027-02-01"),
    "li-open-q1-last-day": ("li-lei", "proposal", "1000.00", "2027-03-31", None),
    "li-open-q2-first-day": ("li-lei", "lead", "2000.00", "2027-04-01", None),
    "li-open-next-year": ("li-lei", "verbal", "5000.00", "2028-01-01", None),
    "chen-overdue-in-q1": ("chen-hua", "negotiation", "3000.00", "2027-01-10", None),
    "zhou-won-2026-q1-first-day": ("zhou-bo", "won", "16000.00", "2026-01-01", "2026-01-01"),
    "zhou-won-2026-q1-last-day": ("zhou-bo", "won", "32000.00", "2026-03-31", "2026-03-31"),
    "zhou-won-2026-q2-first-day": ("zhou-bo", "won", "64000.00", "2026-04-01", "2026-04-01"),
}


def deal_file(owner: str, stage: str, amount: str, expected: str, closed: str | None) -> str:
    text = (
        f"account: pearl-river-foods\ncontact: Peter Wong\nowner: {owner}\ntitle: Laptops\n"
        f"amount: {amount}\nexpected_close: {expected}\nstage: {stage}\ncreated: 2025-12-01\n"
    )
    return text + (f"closed_on: {closed}\n" if closed else "")


@pytest.fixture
def dataset(valid_data: Path) -> ValidDataset:
    """The team of the valid folder with the deals above (and no others) and the targets;
    checked as of the end of 2027, so every win is in the past."""
    shutil.rmtree(valid_data / "deals")
    (valid_data / "deals").mkdir()
    for name, fields in DEALS.items():
        (valid_data / "deals" / f"{name}.yaml").write_text(deal_file(*fields), encoding="utf-8")
    (valid_data / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    result = check(valid_data, date(2027, 12, 31))
    assert result.ok, result.problems
    return result.dataset.valid()


# -- the long way: each owner's deals filtered, each period summed on its own ----------------


def owner_coverage_the_long_way(dataset: ValidDataset, as_of: date) -> list[OwnerCoverage]:
    people = {person.id: person for person in dataset.team.people}
    targets = dataset.targets.targets if dataset.targets else []
    deals = list(dataset.deals.values())
    owners = {deal.owner for deal in deals} | {t.owner for t in targets if t.owner}
    rows = []
    for owner in [*sorted(owners), ""]:
        mine = [deal for deal in deals if deal.owner == owner] if owner else deals
        periods = []
        for period in (period_of(as_of, kind) for kind in COVERAGE_KINDS):
            forecast = build_forecast(dataset, as_of, period.kind, mine)
            totals = forecast.periods.get(period, Totals())
            target = target_for(dataset.targets, period, owner=owner or None)
            periods.append(
                OwnerPeriod(period, totals, target, coverage(totals.won + totals.weighted, target))
            )
        rows.append(OwnerCoverage(people.get(owner), owner, periods))
    return rows


def test_each_owners_coverage_at_the_quarters_first_and_last_day_and_the_day_after(
    dataset: ValidDataset,
) -> None:
    rows = {row.id: row for row in owner_coverage(dataset, AS_OF)}
    assert list(rows) == ["chen-hua", "han-mei", "li-lei", "zhou-bo", ""]
    quarter, year = rows["li-lei"].periods
    assert (quarter.period.name, year.period.name) == ("2027-Q1", "2027")
    # won on 2027-01-01 and 2027-03-31 count in the quarter, 2027-04-01 in the year only,
    # 2026-12-31 in neither; the same for the open deals' expected close
    assert quarter.totals == Totals(1, Decimal("1000.00"), Decimal("400.00"), Decimal("300.00"))
    assert year.totals == Totals(2, Decimal("3000.00"), Decimal("600.00"), Decimal("700.00"))
    assert (quarter.target, quarter.coverage) == (None, None)
    assert (year.target, year.coverage) == (Decimal("2600.00"), 50)  # 1,300 of 2,600
    overdue, _ = rows["chen-hua"].periods
    assert overdue.totals == Totals(1, Decimal("3000.00"), Decimal("1950.00"), Decimal(0))
    assert [p.totals for p in rows["zhou-bo"].periods] == [Totals(), Totals()], "won in 2026"


def test_an_owner_with_a_target_and_no_deals_has_a_row_of_zeros(dataset: ValidDataset) -> None:
    han_mei = owner_coverage(dataset, AS_OF)[1]
    assert han_mei.id == "han-mei" and han_mei.person is not None
    quarter, year = han_mei.periods
    assert quarter.totals == year.totals == Totals()
    assert isinstance(year.totals.weighted, Decimal) and isinstance(year.totals.won, Decimal)
    assert (quarter.target, quarter.coverage) == (None, None)
    assert (year.target, year.coverage) == (Decimal("500.00"), 0)


def test_the_company_row_adds_up_every_owner_against_the_companys_target(
    dataset: ValidDataset,
) -> None:
    rows = owner_coverage(dataset, AS_OF)
    company = rows[-1]
    assert (company.id, company.person) == ("", None)
    quarter, year = company.periods
    assert quarter.totals == Totals(2, Decimal("4000.00"), Decimal("2350.00"), Decimal("300.00"))
    assert year.totals == Totals(3, Decimal("6000.00"), Decimal("2550.00"), Decimal("700.00"))
    assert (quarter.target, quarter.coverage) == (Decimal("5300.00"), 50)  # 2,650 of 5,300
    assert year.target == Decimal("3100.00"), "no company target for the year: the owners'"
    for at in (0, 1):
        owners = [row.periods[at].totals for row in rows[:-1]]
        assert company.periods[at].totals.won == sum((t.won for t in owners), Decimal(0))
        assert company.periods[at].totals.deals == sum(t.deals for t in owners)


AS_OF_DAYS = [
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2027, 3, 31),
    date(2027, 4, 1),
    date(2027, 12, 31),
    date(2028, 1, 1),
]


@pytest.mark.parametrize("as_of", AS_OF_DAYS, ids=str)
def test_owner_coverage_is_the_long_ways_to_the_digit(dataset: ValidDataset, as_of: date) -> None:
    # repr, not ==: Decimal("1.0") == Decimal("1.00"), but the page would show them apart
    assert repr(owner_coverage(dataset, as_of)) == repr(owner_coverage_the_long_way(dataset, as_of))


def test_won_last_year_on_the_first_and_last_day_of_last_years_period(
    dataset: ValidDataset,
) -> None:
    forecasts = {kind: build_forecast(dataset, AS_OF, kind) for kind in KINDS}
    sections = {s.kind: s for s in forecast_sections(dataset, AS_OF, forecasts)}
    quarters = {row.period.name: row.won_last_year for row in sections["quarter"].rows}
    assert quarters["2027-Q1"] == Decimal("48000.00")  # won 2026-01-01 and 2026-03-31
    assert quarters["2027-Q2"] == Decimal("64000.00")  # won 2026-04-01
    assert quarters["2026-Q1"] == 0
    months = {row.period.name: row.won_last_year for row in sections["month"].rows}
    assert (months["2027-01"], months["2027-03"]) == (Decimal("16000.00"), Decimal("32000.00"))
    years = {row.period.name: row.won_last_year for row in sections["year"].rows}
    assert years["2027"] == Decimal("112800.00")
    current = current_periods(dataset, AS_OF, forecasts)
    assert [row.won_last_year for row in current] == [
        Decimal("48000.00"),
        Decimal("112000.00"),
        Decimal("112800.00"),
    ]
    li_lei = [deal for deal in dataset.deals.values() if deal.owner == "li-lei"]
    assert [row.won_last_year for row in current_periods(dataset, AS_OF, deals=li_lei)] == [
        0,
        0,
        Decimal("800.00"),
    ]


@pytest.mark.parametrize("as_of", AS_OF_DAYS, ids=str)
def test_won_last_year_is_won_in_of_each_period(dataset: ValidDataset, as_of: date) -> None:
    forecasts = {kind: build_forecast(dataset, as_of, kind) for kind in KINDS}
    for section in forecast_sections(dataset, as_of, forecasts):
        for row in section.rows:
            long_way = won_in(dataset.deals.values(), row.period.last_year())
            assert repr(row.won_last_year) == repr(long_way), row.period
    for row in current_periods(dataset, as_of):
        assert repr(row.won_last_year) == repr(
            won_in(dataset.deals.values(), row.period.last_year())
        )
    assert [row.period.kind for row in current_periods(dataset, as_of)] == list(CURRENT_KINDS)


def test_won_by_period_is_won_in_of_every_period(dataset: ValidDataset) -> None:
    deals = list(dataset.deals.values())
    for kind in KINDS:
        won = won_by_period(deals, kind)
        everything = span(period_of(date(2025, 1, 1), kind), period_of(date(2028, 12, 31), kind))
        assert set(won) <= set(everything)
        for period in everything:
            expected = won_in(dataset.deals.values(), period)
            assert repr(won.get(period, Decimal(0))) == repr(expected), period
    assert won_by_period(deals, "quarter")[parse_period("2027-Q1")] == Decimal("300.00")
    assert won_by_period([], "year") == {}


# -- slips: each deal's history read once for the four quarters and the month ----------------

FUNNEL = Funnel.model_validate(
    {
        "currency": "EUR",
        "stages": [
            {"id": "lead", "probability": 10, "handover": "later"},
            {"id": "offer", "probability": 40, "handover": "phone"},
        ],
    }
)


def state(
    close: date, stage: str | None = "offer", amount: str | None = "1000.00", **more: str
) -> Snapshot:
    return Snapshot(
        path="deals/d.yaml",
        account=more.get("account", "acme"),
        contact=None,
        owner=more.get("owner", "ann"),
        title="Laptops",
        amount=None if amount is None else Decimal(amount),
        expected_close=close,
        stage=stage,
        closed_on=None,
        log=(),
    )


def history(deals: dict[str, list[tuple[date, Snapshot | None]]]) -> History:
    found = History(Path("."), "", "head")
    for deal, versions in deals.items():
        for day, snapshot in versions:
            commit = Commit(f"{len(found.commits):040d}", "Ann", "a@x", day, "")
            found.commits.append(commit)
            found.deals.setdefault(deal, []).append(Version(commit, snapshot))
    return found


def slip_of_the_long_way(
    deal: str, standing: list[Snapshot | None], end: Snapshot | None, period: Period
) -> Slip | None:
    def open_close(snapshot: Snapshot | None) -> date | None:
        if snapshot is None or not any(s.id == snapshot.stage for s in FUNNEL.stages):
            return None
        return snapshot.expected_close

    moved_to = open_close(end)
    if moved_to is None or moved_to <= period.end:
        return None
    last_in = None
    for snapshot in standing:
        close = open_close(snapshot)
        if snapshot is not None and close is not None and close in period:
            last_in = (snapshot, close)
    if last_in is None:
        return None
    snapshot, moved_from = last_in
    amount = snapshot.amount if snapshot.amount is not None else Decimal(0)
    weighted = weighted_snapshot(snapshot, FUNNEL)
    return Slip(deal, period, snapshot.owner, snapshot.account, snapshot.title, amount, weighted,
                moved_from, moved_to)  # fmt: skip


def slipped_out_the_long_way(
    found: History, periods: list[Period], start: date, end: date
) -> list[PeriodSlips]:
    slips: dict[Period, list[Slip]] = {period: [] for period in periods}
    counted = [period for period in periods if period.end >= start]
    for deal, versions in found.deals.items():
        states = window_states(versions, start, end)
        for period in counted:
            slip = slip_of_the_long_way(deal, states, states[-1], period)
            if slip is not None:
                slips[period].append(slip)
    return [PeriodSlips(period, largest_first(listed)) for period, listed in slips.items()]


def forecast_periods(as_of: date) -> list[Period]:
    """The forecast page's: the quarter before last but two up to this one, then this month."""
    return [*last_n(period_of(as_of, "quarter"), 4), period_of(as_of, "month")]


def test_the_forecast_pages_slips_at_the_months_first_day_and_the_day_before() -> None:
    dec_31, jan_1 = date(2026, 12, 31), date(2027, 1, 1)
    found = history(
        {
            "on-decembers-first-day": [(date(2026, 10, 5), state(dec_31)),
                                       (date(2026, 12, 1), state(jan_1))],
            "on-the-day-before": [(date(2026, 10, 5), state(dec_31, amount="500.00")),
                                  (date(2026, 11, 30), state(jan_1, amount="500.00"))],
            "after-the-as-of-day": [(date(2026, 10, 5), state(dec_31)),
                                    (date(2027, 1, 1), state(jan_1))],
        }
    )  # fmt: skip
    as_of = dec_31
    slipped = slips_during(found, FUNNEL, forecast_periods(as_of), as_of)
    assert [found.period.name for found in slipped] == [
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-12",
    ]  # fmt: skip
    assert [s.deal for s in slipped[3].slips] == ["on-decembers-first-day", "on-the-day-before"]
    assert slipped[3].amount == Decimal("1500.00") and slipped[3].weighted == Decimal("600.00")
    assert [s.deal for s in slipped[4].slips] == ["on-decembers-first-day"]
    assert slipped[0].slips == slipped[1].slips == slipped[2].slips == ()
    assert slips_during(found, FUNNEL, [], as_of) == []
    again = slips_during(found, FUNNEL, [parse_period("2026-12"), parse_period("2026-12")], as_of)
    assert again == [slipped[4], slipped[4]]


def test_a_slip_counts_as_the_last_state_in_the_quarter_left_it_not_as_it_came_in() -> None:
    # in Q4 before Q4 began (700), moved within Q4 during it (900), then out on its last day
    found = history(
        {
            "moved-within-then-out": [
                (date(2026, 9, 20), state(date(2026, 11, 15), amount="700.00", owner="bob")),
                (date(2026, 10, 10), state(date(2026, 12, 20), amount="900.00")),
                (date(2026, 12, 31), state(date(2027, 1, 1), amount="900.00")),
            ]
        }
    )
    (quarter,) = slips_during(found, FUNNEL, [parse_period("2026-Q4")], date(2027, 1, 5))
    (slip,) = quarter.slips
    assert (slip.owner, slip.amount, slip.moved_from) == (
        "ann",
        Decimal("900.00"),
        date(2026, 12, 20),
    )
    assert slip.moved_to == date(2027, 1, 1)
    (before_the_move,) = slips_during(found, FUNNEL, [parse_period("2026-Q4")], date(2026, 12, 30))
    assert before_the_move.slips == ()


def random_history(seed: int) -> History:
    """Deals with up to six versions around the quarters' and months' boundaries: open in a
    known stage, won, lost, in a stage the funnel does not have, without an amount, removed;
    now and then with versions out of day order (a history put together by hand)."""
    rng = random.Random(seed)
    edges = [date(2026, m, 1) for m in range(4, 13)] + [date(2027, m, 1) for m in (1, 2, 3, 4)]
    days = [edge + timedelta(days=shift) for edge in edges for shift in (-1, 0, 1)]
    deals: dict[str, list[tuple[date, Snapshot | None]]] = {}
    for number in range(160):
        versions: list[tuple[date, Snapshot | None]] = []
        for _ in range(rng.randint(1, 6)):
            stage = rng.choice(["lead", "offer", "offer", "won", "lost", "pilot", None])
            snapshot = state(
                rng.choice(days),
                stage=stage,
                amount=rng.choice(["1000.00", "1000.5", "250", "99.99", None]),
                owner=rng.choice(["ann", "bob"]),
            )
            versions.append((rng.choice(days), None if rng.random() < 0.1 else snapshot))
        if rng.random() < 0.8:
            versions.sort(key=lambda version: version[0])
        deals[f"deal-{number:03d}"] = versions
    return history(deals)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slips_are_the_long_ways_to_the_digit(seed: int) -> None:
    found = random_history(seed)
    for as_of in (date(2026, 9, 30), date(2026, 10, 1), date(2026, 12, 31), date(2027, 2, 28)):
        periods = forecast_periods(as_of)
        long_way = [
            slipped_out_the_long_way(found, [p], p.start, min(p.end, as_of))[0] for p in periods
        ]
        assert sum(slips.count for slips in long_way) > 0, "the case must have slips"
        assert repr(slips_during(found, FUNNEL, periods, as_of)) == repr(long_way)
        assert repr([period_slips(found, FUNNEL, p, as_of) for p in periods]) == repr(long_way)
    week = [parse_period("2026-12"), parse_period("2026-Q4"), parse_period("2026-12")]
    for start, end in [
        (date(2026, 11, 30), date(2026, 12, 6)),
        (date(2027, 1, 1), date(2027, 1, 7)),
    ]:
        assert repr(slipped_out(found, FUNNEL, week, start, end)) == repr(
            slipped_out_the_long_way(found, week, start, end)
        )
    for deal, versions in found.deals.items():
        states = window_states(versions, date(2026, 10, 1), date(2026, 12, 31))
        for period in (parse_period("2026-Q4"), parse_period("2026-11")):
            assert slip_of(deal, states, states[-1], period, FUNNEL) == slip_of_the_long_way(
                deal, states, states[-1], period
            )


def forecast_the_long_way(dataset: ValidDataset, as_of: date, kind) -> tuple:
    """Each deal added to its slices one at a time, in the deals' order."""
    from generator.data.money import weighted_deal

    periods: dict = {}
    owners: dict = {}
    territories: dict = {}
    total, overdue = Totals(), Totals()
    for deal in dataset.deals.values():
        account = dataset.accounts.get(deal.account)
        territory = account.territory if account else ""
        if deal.is_open:
            weight = weighted_deal(deal, dataset.funnel)
            slices = (
                periods.setdefault(period_of(deal.expected_close, kind), Totals()),
                owners.setdefault(deal.owner, Totals()),
                territories.setdefault(territory, Totals()),
                total,
            )
            for totals in slices + ((overdue,) if deal.expected_close < as_of else ()):
                totals.add_open(deal, weight)
        elif deal.stage == "won" and deal.closed_on is not None:
            periods.setdefault(period_of(deal.closed_on, kind), Totals()).won += deal.amount
            if deal.closed_on.year == as_of.year:
                owners.setdefault(deal.owner, Totals()).won += deal.amount
                territories.setdefault(territory, Totals()).won += deal.amount
                total.won += deal.amount
    return periods, owners, territories, total, overdue


@pytest.mark.parametrize("as_of", AS_OF_DAYS, ids=str)
def test_the_forecast_of_every_kind_is_one_deal_at_a_time_to_the_digit(
    dataset: ValidDataset, as_of: date
) -> None:
    rng = random.Random(7)
    deals = dict(dataset.deals)
    for name, deal in list(deals.items())[:6]:  # amounts of other precisions, in any order
        amount = Decimal(rng.choice(["0.1", "12345.678", "7", "0.005", "99999999.99"]))
        deals[name] = deal.model_copy(update={"amount": amount})
    data = ValidDataset(**{**vars(dataset), "deals": deals})
    for kind in KINDS:
        got = build_forecast(data, as_of, kind)
        periods, owners, territories, total, overdue = forecast_the_long_way(data, as_of, kind)
        assert repr(got.periods) == repr(periods)  # insertion order and each Decimal's digits
        assert repr(got.owners) == repr(owners)
        assert repr(got.territories) == repr(territories)
        assert (repr(got.total), repr(got.overdue)) == (repr(total), repr(overdue))

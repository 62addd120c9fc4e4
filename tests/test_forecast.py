"""The forecast: exact decimal arithmetic, custom probabilities, periods and owners."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from generator.analytics.calendar import Period, parse_period, period_of
from generator.analytics.forecast import build_forecast, build_forecasts, to_csv, to_json, won_in
from generator.cli.main import main
from generator.data.money import cents, weighted_deal
from generator.data.money import json_amount as money
from generator.data.validate import check

AS_OF = date(2026, 11, 26)

FUNNEL = """\
currency: EUR
stages:
  - {id: lead, probability: 10, handover: later}
  - {id: offer, probability: 33, handover: phone}
  - {id: verbal, probability: 90, handover: visit}
"""
TEAM = """\
territories: [{id: west, name: West}, {id: north, name: North}]
people:
  - {id: boss, name: Boss, role: manager, status: active, territory: west}
  - {id: ann, name: Ann, role: rep, status: active, manager: boss, territory: west}
  - {id: bob, name: Bob, role: rep, status: active, manager: boss, territory: west}
"""
ACCOUNT = "name: Acme\nterritory: west\ncontacts: [{name: Li, phone: '+1 555'}]\n"


def deal(owner, amount, stage, expected, closed=None, account="acme"):
    text = (
        f"account: {account}\ncontact: Li\nowner: {owner}\ntitle: T\namount: {amount}\n"
        f"expected_close: {expected}\nstage: {stage}\ncreated: 2025-01-01\n"
    )
    return text + (f"closed_on: {closed}\n" if closed else "")


def make(tmp_path, deals):
    (tmp_path / "accounts").mkdir()
    (tmp_path / "deals").mkdir()
    (tmp_path / "funnel.yaml").write_text(FUNNEL)
    (tmp_path / "team.yaml").write_text(TEAM)
    (tmp_path / "accounts" / "acme.yaml").write_text(ACCOUNT)
    (tmp_path / "accounts" / "polar.yaml").write_text(ACCOUNT.replace("west", "north"))
    for name, text in deals.items():
        (tmp_path / "deals" / f"{name}.yaml").write_text(text)
    result = check(tmp_path, AS_OF)
    assert result.ok, result.problems
    return result.dataset


def test_weighted_sums_are_exact_to_the_cent(tmp_path):
    dataset = make(
        tmp_path,
        {
            "a": deal("ann", "100.01", "offer", "2027-01-15"),  # 33.0033
            "b": deal("ann", "0.03", "offer", "2027-02-01"),  # 0.0099
            "c": deal("bob", "1000.10", "verbal", "2027-03-31"),  # 900.09
            "d": deal("bob", "999.99", "lead", "2027-04-01"),  # 99.999
        },
    )
    forecast = build_forecast(dataset, AS_OF, "quarter").as_json()
    q1 = next(row for row in forecast["periods"] if row["period"] == "2027-Q1")
    assert q1 == {
        "period": "2027-Q1",
        "deals": 3,
        "pipeline": "1100.14",
        "weighted": "933.10",  # 33.0033 + 0.0099 + 900.09 = 933.1032
        "won": "0.00",
    }
    q2 = next(row for row in forecast["periods"] if row["period"] == "2027-Q2")
    assert q2["weighted"] == "100.00"  # 99.999 rounds half up to cents
    assert forecast["total"]["pipeline"] == "2100.13"
    assert forecast["total"]["weighted"] == "1033.10"  # 1033.1022


def test_periods_won_overdue_and_owners(tmp_path):
    dataset = make(
        tmp_path,
        {
            "late": deal("ann", "200", "verbal", "2026-10-31"),
            "future": deal("bob", "300", "lead", "2027-07-01"),
            "won-this-year": deal("ann", "500.50", "won", "2027-01-01", "2026-02-10"),
            "won-last-year": deal("bob", "700", "won", "2025-12-01", "2025-12-20"),
            "lost": deal("bob", "900", "lost", "2026-05-01", "2026-05-02"),
        },
    )
    forecast = build_forecast(dataset, AS_OF, "month").as_json()
    assert [row["period"] for row in forecast["periods"]] == [
        "2025-12",
        "2026-02",
        "2026-10",
        "2027-07",
    ]
    by_name = {row["period"]: row for row in forecast["periods"]}
    assert by_name["2026-02"]["won"] == "500.50"  # by closed_on, not expected close
    assert by_name["2026-10"]["deals"] == 1  # overdue stays in its past period
    assert forecast["overdue"] == {"deals": 1, "pipeline": "200.00", "weighted": "180.00"}
    assert forecast["owners"] == [
        {"owner": "ann", "deals": 1, "pipeline": "200.00", "weighted": "180.00", "won": "500.50"},
        {"owner": "bob", "deals": 1, "pipeline": "300.00", "weighted": "30.00", "won": "0.00"},
    ]
    assert forecast["total"] == {
        "deals": 2,
        "pipeline": "500.00",
        "weighted": "210.00",
        "won": "500.50",
    }


def test_owner_with_only_a_win_this_year_is_listed(tmp_path):
    dataset = make(tmp_path, {"w": deal("bob", "10", "won", "2026-01-01", "2026-03-01")})
    owners = build_forecast(dataset, AS_OF, "year").as_json()["owners"]
    assert owners == [
        {"owner": "bob", "deals": 0, "pipeline": "0.00", "weighted": "0.00", "won": "10.00"}
    ]


def test_period_names_and_arithmetic():
    day = date(2027, 3, 31)
    assert [period_of(day, kind).name for kind in ("month", "quarter", "half", "year")] == [
        "2027-03",
        "2027-Q1",
        "2027-H1",
        "2027",
    ]
    assert Period(2027, 4, "quarter").next().name == "2028-Q1"
    assert Period(2027, 1, "month").previous().name == "2026-12"
    assert Period(2027, 2, "half").end == date(2027, 12, 31)
    assert parse_period("2027-Q3") == Period(2027, 3, "quarter")
    assert parse_period("2027").last_year().name == "2026"


def test_forecast_command_json_and_csv(tmp_path):
    make(tmp_path, {"a": deal("ann", "100.01", "offer", "2027-01-15")})
    runner = CliRunner()
    args = ["forecast", "--data", str(tmp_path), "--as-of", "2026-11-26"]
    result = runner.invoke(main, [*args, "--format", "json", "--period", "half"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["as_of"] == "2026-11-26"
    assert document["currency"] == "EUR"
    assert document["period"] == "half"
    assert document["periods"][0]["period"] == "2027-H1"
    assert Decimal(document["periods"][0]["weighted"]) == Decimal("33.00")
    csv_out = runner.invoke(main, [*args, "--format", "csv"]).output
    assert csv_out.splitlines()[0] == "section,name,deals,pipeline,weighted,won"
    assert "period,2027-Q1,1,100.01,33.00,0.00" in csv_out
    table = runner.invoke(main, args).output
    assert "2027-Q1" in table and "33.00" in table


def test_forecast_refuses_bad_data(tmp_path):
    make(tmp_path, {"a": deal("ann", "1", "offer", "2027-01-15")})
    (tmp_path / "deals" / "b.yaml").write_text(deal("ann", "1e6", "offer", "2027-01-15"))
    result = CliRunner().invoke(main, ["forecast", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "b.yaml:5:9: error" in result.output


@pytest.mark.parametrize(
    ("exact", "shown"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),
        ("2.675", "2.68"),
        ("2.665", "2.67"),
        ("1000000.125", "1000000.13"),
        ("0.004999", "0.00"),
        ("7", "7.00"),
    ],
)
def test_cents_round_an_exact_tie_half_up(exact, shown):
    assert money(Decimal(exact)) == shown
    assert cents(Decimal(exact)) == Decimal(shown)


def test_a_weighted_tie_is_shown_rounded_up(tmp_path):
    dataset = make(
        tmp_path,
        {
            "a": deal("ann", "0.05", "lead", "2027-01-15"),  # 10 %: 0.005
            "b": deal("bob", "26.75", "lead", "2027-04-15"),  # 10 %: 2.675
        },
    )
    forecast = build_forecast(dataset, AS_OF, "quarter").as_json()
    assert [row["weighted"] for row in forecast["periods"]] == ["0.01", "2.68"]
    assert [row["weighted"] for row in forecast["owners"]] == ["0.01", "2.68"]
    assert forecast["total"]["weighted"] == "2.68"  # 2.68 exactly: 0.005 + 2.675


@pytest.mark.parametrize(
    ("days_before", "overdue"), [(0, False), (1, True), (-1, False), (400, True)]
)
def test_a_deal_due_today_is_not_overdue(tmp_path, days_before, overdue):
    expected = (AS_OF - timedelta(days=days_before)).isoformat()
    dataset = make(tmp_path, {"a": deal("ann", "100", "verbal", expected)})
    forecast = build_forecast(dataset, AS_OF, "month").as_json()
    assert forecast["overdue"] == (
        {"deals": 1, "pipeline": "100.00", "weighted": "90.00"}
        if overdue
        else {"deals": 0, "pipeline": "0.00", "weighted": "0.00"}
    )
    assert forecast["total"]["deals"] == 1  # overdue or not, it is in the forecast


def wins_and_open_deals(tmp_path):
    return make(
        tmp_path,
        {
            "won-1": deal("ann", "100.10", "won", "2026-12-31", "2026-04-02"),
            "won-2": deal("ann", "200.20", "won", "2026-12-31", "2026-05-30"),
            "won-north": deal("bob", "50", "won", "2026-12-31", "2026-06-30", account="polar"),
            "won-before": deal("ann", "7000", "won", "2026-01-01", "2026-03-31"),
            "lost": deal("ann", "900", "lost", "2026-05-01", "2026-05-02"),
            "open": deal("bob", "1000", "offer", "2026-05-15"),
            "open-north": deal("bob", "10", "verbal", "2027-02-01", account="polar"),
        },
    )


def test_wins_add_up_by_period_owner_territory_and_total(tmp_path):
    dataset = wins_and_open_deals(tmp_path)
    forecast = build_forecast(dataset, AS_OF)  # by quarter, unless told otherwise
    assert forecast.kind == "quarter"
    q2 = next(totals for period, totals in forecast.periods.items() if period.name == "2026-Q2")
    assert (q2.won, q2.deals, q2.pipeline) == (Decimal("350.30"), 1, Decimal(1000))
    assert {owner: t.won for owner, t in forecast.owners.items()} == {
        "ann": Decimal("7300.30"),
        "bob": Decimal(50),
    }
    assert {name: (t.won, t.deals, t.weighted) for name, t in forecast.territories.items()} == {
        "west": (Decimal("7300.30"), 1, Decimal(330)),
        "north": (Decimal(50), 1, Decimal(9)),
    }
    assert forecast.total.won == Decimal("7350.30")
    only = build_forecast(dataset, AS_OF, "year", deals=[dataset.deals["open-north"]])
    assert (only.total.deals, only.total.won, [p.name for p in only.periods]) == (1, 0, ["2027"])


def test_won_in_a_period_counts_won_deals_closed_in_it(tmp_path):
    dataset = wins_and_open_deals(tmp_path)
    q2 = parse_period("2026-Q2")
    assert won_in(dataset.deals.values(), q2) == Decimal("350.30")
    assert won_in(dataset.deals.values(), parse_period("2026-Q1")) == Decimal(7000)
    assert won_in(dataset.deals.values(), parse_period("2025")) == Decimal(0)
    assert won_in([dataset.deals["won-1"], dataset.deals["lost"]], q2) == Decimal("100.10")
    assert isinstance(won_in([], q2), Decimal)


def test_a_stage_the_funnel_does_not_know_weighs_nothing(tmp_path):
    dataset = make(tmp_path, {"a": deal("ann", "100", "offer", "2027-01-15")})
    gone = dataset.deals["a"].model_copy(update={"stage": "gone"})
    assert weighted_deal(gone, dataset.funnel) == 0
    assert weighted_deal(dataset.deals["a"], dataset.funnel) == Decimal(33)


def test_json_and_csv_texts(tmp_path):
    dataset = make(
        tmp_path,
        {
            "a": deal("ann", "100.01", "offer", "2027-01-15"),
            "late": deal("bob", "200", "verbal", "2026-10-31"),
            "w": deal("bob", "10", "won", "2026-01-01", "2026-03-01"),
        },
    )
    forecast = build_forecast(dataset, AS_OF, "half")
    assert to_csv(forecast) == (
        "section,name,deals,pipeline,weighted,won\n"
        "period,2026-H1,0,0.00,0.00,10.00\n"
        "period,2026-H2,1,200.00,180.00,0.00\n"
        "period,2027-H1,1,100.01,33.00,0.00\n"
        "owner,ann,1,100.01,33.00,0.00\n"
        "owner,bob,1,200.00,180.00,10.00\n"
        "total,,2,300.01,213.00,10.00\n"
        "overdue,,1,200.00,180.00,\n"
    )
    text = to_json(forecast)
    assert text.startswith('{\n  "as_of": "2026-11-26",\n  "currency": "EUR",\n')
    assert text.endswith('    "weighted": "180.00"\n  }\n}\n')
    assert json.loads(text)["overdue"] == {"deals": 1, "pipeline": "200.00", "weighted": "180.00"}


def test_the_forecasts_of_every_kind_in_one_pass_are_each_kinds_own(tmp_path):
    dataset = make(
        tmp_path,
        {
            "late": deal("ann", "200", "verbal", "2026-10-31"),
            "due": deal("ann", "120.5", "offer", "2026-11-26"),
            "future": deal("bob", "300.00", "lead", "2027-07-01", account="polar"),
            "won-this-year": deal("ann", "500.50", "won", "2027-01-01", "2026-02-10"),
            "won-new-year": deal("bob", "40.0", "won", "2026-12-01", "2026-01-01"),
            "won-last-year": deal("bob", "700", "won", "2025-12-01", "2025-12-31"),
            "lost": deal("bob", "900", "lost", "2026-05-01", "2026-05-02"),
        },
    )
    kinds = ("month", "quarter", "half", "year")
    together = build_forecasts(dataset, AS_OF, kinds)
    assert list(together) == list(kinds)
    for kind in kinds:
        alone = build_forecast(dataset, AS_OF, kind)
        assert repr(together[kind]) == repr(alone)  # the same totals, to each digit and order
    bobs = [d for d in dataset.deals.values() if d.owner == "bob"]
    some = build_forecasts(dataset, AS_OF, ("quarter",), bobs)["quarter"]
    assert repr(some) == repr(build_forecast(dataset, AS_OF, "quarter", bobs))
    assert some.total.deals == 1 and str(some.total.won) == "40.0"
    assert build_forecasts(dataset, AS_OF, ()) == {}

"""Forecast accuracy per period: the forecast at a quarter's (and a month's) start against what
was won in it, for the team and each rep, and the trends page that shows it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import GitRepo, deal_yaml

from generator.analytics.accuracy import (
    Accuracy,
    ForecastAccuracy,
    PeriodAccuracy,
    StartForecast,
    accuracy_periods,
    forecast_accuracy,
    start_forecast,
)
from generator.analytics.calendar import Period
from generator.data.validate import check
from generator.history.mining import read_history
from generator.history.records import Commit, History
from generator.site.pages import build_pages

AS_OF = date(2026, 7, 20)
Q2 = Period(2026, 2, "quarter")
Q3 = Period(2026, 3, "quarter")


def a_half_year(repo: GitRepo) -> None:
    """The history (the team's first commit is on 2026-01-02, see `history_repo`): Ann's deals,
    one of the manager's handed over to her, Bob without deals; Q2 2026 starts on a Wednesday."""
    deals = {
        "a-won": deal_yaml(stage="offer", amount="1000", expected="2026-05-15"),
        "b-slips": deal_yaml(stage="verbal", amount="2000", expected="2026-06-10"),
        "d-last-day": deal_yaml(amount="4000", expected="2026-06-30"),
        "e-next-first-day": deal_yaml(amount="8000", expected="2026-07-01"),
        "g-lost": deal_yaml(stage="offer", amount="16000", expected="2026-04-20"),
        "h-handed-over": deal_yaml(
            owner="boss", stage="verbal", amount="32000", expected="2026-06-01"
        ),
        "j-pulled-in-day-before": deal_yaml(stage="offer", amount="500", expected="2026-08-15"),
        "k-pulled-in-first-day": deal_yaml(stage="offer", amount="700", expected="2026-08-20"),
    }
    for deal, text in deals.items():
        repo.write(f"deals/{deal}.yaml", text)
    repo.commit("import", date="2026-03-10")
    steps = [
        ("2026-03-31", "j-pulled-in-day-before", {"stage": "offer", "amount": "500",
                                                  "expected": "2026-06-15"}),
        ("2026-04-01", "k-pulled-in-first-day", {"stage": "offer", "amount": "700",
                                                 "expected": "2026-06-20"}),
        ("2026-04-15", "c-new-and-won", {"amount": "300", "expected": "2026-06-15"}),
        ("2026-04-25", "g-lost", {"stage": "lost", "amount": "16000", "expected": "2026-04-20",
                                  "closed": "2026-04-25"}),
        ("2026-05-05", "b-slips", {"stage": "verbal", "amount": "2000", "expected": "2026-08-10"}),
        ("2026-05-10", "h-handed-over", {"stage": "verbal", "amount": "32000",
                                         "expected": "2026-06-01"}),
        ("2026-05-20", "a-won", {"stage": "won", "amount": "1000", "expected": "2026-05-15",
                                 "closed": "2026-05-20"}),
        ("2026-05-25", "c-new-and-won", {"stage": "won", "amount": "300",
                                         "expected": "2026-06-15", "closed": "2026-05-25"}),
        ("2026-06-01", "h-handed-over", {"stage": "won", "amount": "32000",
                                         "expected": "2026-06-01", "closed": "2026-06-01"}),
        ("2026-07-10", "e-next-first-day", {"stage": "won", "amount": "8000",
                                            "expected": "2026-07-01", "closed": "2026-07-10"}),
        ("2026-07-20", "b-slips", {"stage": "won", "amount": "2000", "expected": "2026-08-10",
                                   "closed": "2026-07-20"}),
    ]  # fmt: skip
    for day, deal, fields in steps:
        repo.write(f"deals/{deal}.yaml", deal_yaml(**fields))
        repo.commit(f"{deal} on {day}", date=day)


@pytest.fixture
def half_year(history_repo: GitRepo):
    """The dataset and history of `a_half_year`, checked as of AS_OF."""
    a_half_year(history_repo)
    result = check(history_repo.data, AS_OF)
    assert result.ok, result.problems
    return result.dataset, read_history(history_repo.data, use_cache=False)


def accuracy_of(half_year, as_of: date = AS_OF) -> ForecastAccuracy:
    dataset, history = half_year
    return forecast_accuracy(history, dataset.deals.values(), dataset.funnel, as_of)


def figures(row: PeriodAccuracy) -> tuple[str, bool, int, Decimal, Decimal, Decimal]:
    return (row.period.name, row.in_progress, row.deals, row.pipeline, row.weighted, row.won)


def rep(accuracy: ForecastAccuracy, owner: str) -> Accuracy:
    (found,) = [rep for rep in accuracy.reps if rep.owner == owner]
    return found


def test_the_team_quarter_compares_the_forecast_at_its_start_with_what_was_won(half_year):
    accuracy = accuracy_of(half_year)
    q2, q3 = accuracy.team.quarters  # Q1 began on 2026-01-01, before the history: omitted
    # At the end of 2026-03-31: a-won, b-slips, d-last-day (expected on Q2's last day), g-lost,
    # h-handed-over and j (pulled into Q2 the day before); not e (expected on Q3's first day),
    # not k (pulled in on Q2's first day), not c (created during Q2).
    assert figures(q2) == (
        "2026-Q2",
        False,
        6,
        Decimal(55500),
        Decimal(34600),
        Decimal(33300),
    )  # won: a 1000 + c 300 (created in Q2) + h 32000; not g (lost) nor b (slipped out)
    assert q2.ratio == Decimal(33300) / Decimal(34600)
    assert q2.percent == 96
    assert figures(q3) == ("2026-Q3", True, 2, Decimal(10000), Decimal(2400), Decimal(10000))
    assert q3.percent == 417  # e 8000 and b 2000 won so far; weighted 800 + 1600


def test_the_team_months_start_after_the_history_began(half_year):
    months = {row.period.name: row for row in accuracy_of(half_year).team.months}
    assert list(months) == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    assert figures(months["2026-03"]) == ("2026-03", False, 0, 0, 0, 0)  # no deals yet
    assert months["2026-03"].ratio is None and months["2026-03"].percent is None
    assert figures(months["2026-04"]) == ("2026-04", False, 1, 16000, 6400, 0)  # g, then lost
    assert months["2026-04"].ratio == 0
    assert figures(months["2026-05"]) == ("2026-05", False, 1, 1000, 400, 1300)  # c won too
    # At the end of 2026-05-31: d, h, j and k expected in June (k since its first day of Q2).
    assert figures(months["2026-06"]) == ("2026-06", False, 4, 37200, 26480, 32000)
    assert months["2026-06"].percent == 121
    assert figures(months["2026-07"]) == ("2026-07", True, 1, 8000, 800, 10000)
    assert months["2026-07"].percent == 1250


def test_each_rep_forecasts_what_they_owned_and_wins_what_they_own(half_year):
    accuracy = accuracy_of(half_year)
    assert [rep.owner for rep in accuracy.reps] == ["ann", "boss"]  # Bob has no deals
    ann, boss = rep(accuracy, "ann"), rep(accuracy, "boss")
    assert [figures(row) for row in ann.quarters] == [
        ("2026-Q2", False, 5, Decimal(23500), Decimal(9000), Decimal(33300)),
        ("2026-Q3", True, 2, Decimal(10000), Decimal(2400), Decimal(10000)),
    ]
    assert ann.quarters[0].percent == 370  # h was handed over to Ann and won by her
    # The manager's deal was in his forecast at Q2's start; he has no row for Q3 nor June.
    assert [figures(row) for row in boss.quarters] == [
        ("2026-Q2", False, 1, Decimal(32000), Decimal(25600), Decimal(0))
    ]
    assert boss.quarters[0].percent == 0
    assert [row.period.name for row in boss.months] == []  # h expected in June, his till May
    assert [row.period.name for row in ann.months] == ["2026-04", "2026-05", "2026-06", "2026-07"]


def test_what_is_won_after_the_as_of_date_does_not_count(half_year):
    accuracy = accuracy_of(half_year, date(2026, 7, 15))
    q3 = accuracy.team.quarters[-1]
    assert figures(q3) == ("2026-Q3", True, 2, Decimal(10000), Decimal(2400), Decimal(8000))
    assert q3.percent == 333
    on_q3s_eve = accuracy_of(half_year, date(2026, 6, 30))
    assert [row.period.name for row in on_q3s_eve.team.quarters] == ["2026-Q2"]
    assert on_q3s_eve.team.quarters[0].in_progress
    assert on_q3s_eve.team.quarters[0].won == Decimal(33300)


def test_periods_keep_the_latest_eight_quarters_and_twelve_months():
    history = History(root=Path("."), data_prefix="data/", head="")
    assert accuracy_periods(history, AS_OF, "quarter") == []  # no commits, no periods
    long_ago = date(2020, 1, 1)
    history.commits.append(_commit(long_ago))
    quarters = accuracy_periods(history, AS_OF, "quarter")
    assert [q.name for q in (quarters[0], quarters[-1])] == ["2024-Q4", "2026-Q3"]
    months = accuracy_periods(history, AS_OF, "month")
    assert len(months) == 12 and (months[0].name, months[-1].name) == ("2025-08", "2026-07")
    history.commits[0] = _commit(date(2026, 7, 1))  # a period starting on the first day counts
    assert [q.name for q in accuracy_periods(history, AS_OF, "quarter")] == ["2026-Q3"]
    history.commits[0] = _commit(date(2026, 7, 2))
    assert accuracy_periods(history, AS_OF, "quarter") == []


def _commit(day: date) -> Commit:
    return Commit(sha="0" * 40, author="Ann", email="ann@example.com", day=day, subject="")


def table_after(markdown: str, heading: str) -> list[list[str]]:
    """The cells of the table (HTML, a row per line) that follows `heading`, header left out."""
    lines = markdown.splitlines()
    start = lines.index(heading)
    found = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("<tr><td"):
            found.append(re.findall(r"<td[^>]*>(.*?)</td>", line))
    return found


def headers(markdown: str) -> list[str]:
    """The header cells of the first table of `markdown` (HTML)."""
    start = markdown.index("<thead>")
    return re.findall(r"<th[^>]*>(.*?)</th>", markdown[start : markdown.index("</thead>", start)])


def test_the_trends_page_shows_the_team_and_each_rep(half_year):
    dataset, history = half_year
    pages = {p.path: p.markdown for p in build_pages(dataset, AS_OF, history=history)}
    trends = pages["trends.md"]
    assert "Won of those deals" not in trends
    assert "today's probabilities in funnel\\.yaml" in trends  # Markdown-escaped
    assert headers(trends[trends.index("### Team, by quarter") :]) == [
        "Period", "Deals", "Pipeline at its start", "Weighted at its start", "Won in it",
        "Won / weighted",
    ]  # fmt: skip
    assert table_after(trends, "### Team, by quarter") == [
        ["2026-Q2", "6", "55,500.00", "34,600.00", "33,300.00", "96 %"],
        ["2026-Q3 (so far)", "2", "10,000.00", "2,400.00", "10,000.00", "417 %"],
    ]
    team_months = table_after(trends, "### Team, by month")
    assert team_months[1] == ["2026-03", "0", "0.00", "0.00", "0.00", "–"]
    assert team_months[-1] == ["2026-07 (so far)", "1", "8,000.00", "800.00", "10,000.00",
                               "1250 %"]  # fmt: skip
    assert [row[0] for row in table_after(trends, "### [Ann](reps/ann.md)")] == [
        "2026-Q2", "2026-Q3 (so far)", "2026-04", "2026-05", "2026-06",
        "2026-07 (so far)",
    ]  # fmt: skip
    assert table_after(trends, "### [Boss](reps/boss.md)") == [
        ["2026-Q2", "1", "32,000.00", "25,600.00", "0.00", "0 %"]
    ]
    assert "Bob" not in trends


def test_the_trends_page_speaks_chinese(half_year):
    dataset, history = half_year
    pages = build_pages(dataset, AS_OF, history=history, language="zh")
    trends = next(p.markdown for p in pages if p.path == "trends.md")
    assert headers(trends[trends.index("### 团队 · 按季度") :]) == [
        "期间", "商机", "期初管道金额", "期初加权金额", "期内赢单", "赢单 / 加权"
    ]  # fmt: skip
    assert table_after(trends, "### 团队 · 按季度")[1] == [
        "2026-Q3 (截至目前)", "2", "10,000.00", "2,400.00", "10,000.00", "417 %"
    ]  # fmt: skip


def test_before_a_quarter_or_a_month_has_begun_the_page_says_so(history_repo):
    history_repo.write("deals/a-offer.yaml", deal_yaml(stage="offer", expected="2026-02-20"))
    history_repo.commit("import", date="2026-01-05")  # the history began on 2026-01-02
    history = read_history(history_repo.data, use_cache=False)

    def trends(as_of: date) -> str:
        result = check(history_repo.data, as_of)
        pages = build_pages(result.dataset, as_of, history=history)
        return next(p.markdown for p in pages if p.path == "trends.md")

    none = "No quarter or month has begun since the first commit of the history\\."
    in_january = trends(date(2026, 1, 31))
    assert none in in_january and "### Team, by quarter" not in in_january
    in_february = trends(date(2026, 2, 1))
    assert none not in in_february
    assert "No quarter has begun since the first commit of the history\\." in in_february
    assert table_after(in_february, "### Team, by month") == [
        ["2026-02 (so far)", "1", "1,000.00", "400.00", "0.00", "0 %"]
    ]


def test_a_version_without_amount_close_date_or_owner_counts_as_git_knew_it(history_repo):
    """History keeps versions the check would refuse: one without an amount or an expected
    close is no forecast; one without an owner counts for the team once, and for no rep."""
    complete = deal_yaml(stage="offer", amount="1000", expected="2026-05-10")
    history_repo.write("deals/a-complete.yaml", complete)
    no_amount = complete.replace("amount: 1000\n", "")
    history_repo.write("deals/b-no-amount.yaml", no_amount)
    no_close = complete.replace("expected_close: 2026-05-10\n", "")
    history_repo.write("deals/c-no-close.yaml", no_close)
    no_owner = complete.replace("owner: ann\n", "").replace("1000", "300")
    history_repo.write("deals/d-no-owner.yaml", no_owner)
    history_repo.commit("import", date="2026-03-02")
    history = read_history(history_repo.data, use_cache=False)
    found = start_forecast(history, check(history_repo.data, AS_OF).dataset.funnel, Q2)
    assert found == {
        None: (2, Decimal(1300), Decimal(520)),
        "ann": (1, Decimal(1000), Decimal(400)),
    }


def test_a_rep_who_only_won_in_a_period_in_progress_has_its_row_so_far(half_year):
    dataset, history = half_year
    nothing: StartForecast = {None: (0, Decimal(0), Decimal(0))}
    accuracy = forecast_accuracy(
        history, dataset.deals.values(), dataset.funnel, AS_OF, lambda period: nothing
    )
    q3 = rep(accuracy, "ann").quarters[-1]
    assert (q3.period, q3.in_progress, q3.deals, q3.won) == (Q3, True, 0, Decimal(10000))
    assert rep(accuracy, "ann").quarters[0].in_progress is False

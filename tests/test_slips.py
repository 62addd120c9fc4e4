"""What slipped per period: the rule at its boundaries, and how the weekly review, the diff and
the forecast page tell it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from conftest import deal_yaml

from generator.analytics.calendar import Week, parse_period
from generator.analytics.diff import business_diff, to_json
from generator.analytics.slips import (
    PeriodSlips,
    Slip,
    period_slips,
    slipped_between,
    slipped_out,
    week_periods,
    week_slips,
)
from generator.cli.main import main
from generator.data.model import Funnel
from generator.data.validate import check
from generator.history.mining import read_history
from generator.history.records import Commit, History, Snapshot, Version
from generator.site.diff_comment import to_markdown
from generator.site.pages import build_pages

FUNNEL = Funnel.model_validate(
    {
        "currency": "EUR",
        "stages": [
            {"id": "lead", "probability": 10, "handover": "later"},
            {"id": "offer", "probability": 40, "handover": "phone"},
        ],
    }
)
Q4 = parse_period("2026-Q4")
DEC = parse_period("2026-12")


def state(
    close: str,
    *,
    stage: str = "offer",
    amount: str = "1000.00",
    owner: str = "ann",
    account: str = "acme",
) -> Snapshot:
    """A version of a deal as history reads it."""
    return Snapshot(
        path="deals/d.yaml",
        account=account,
        contact=None,
        owner=owner,
        title="Laptops",
        amount=Decimal(amount),
        expected_close=date.fromisoformat(close),
        stage=stage,
        closed_on=None,
        log=(),
    )


def history(**deals: list[tuple[str, Snapshot | None]]) -> History:
    """A history of the deals, each as (commit day, version) pairs, oldest first."""
    found = History(Path("."), "", "head")
    for deal, versions in deals.items():
        for day, snapshot in versions:
            commit = Commit(f"{len(found.commits):040d}", "Ann", "a@x", date.fromisoformat(day), "")
            found.commits.append(commit)
            found.deals.setdefault(deal, []).append(Version(commit, snapshot))
    return found


def moved(close: str, day: str, to: str, **fields: str) -> list[tuple[str, Snapshot | None]]:
    """A deal closing on `close` since 2026-10-05, given the close `to` on `day`."""
    return [("2026-10-05", state(close, **fields)), (day, state(to, **fields))]


def q4_slips(found: History, as_of: str = "2027-01-15") -> PeriodSlips:
    return period_slips(found, FUNNEL, Q4, date.fromisoformat(as_of))


# -- the rule ------------------------------------------------------------------------------


def test_a_close_on_the_periods_last_day_moved_to_the_next_day_slipped():
    found = q4_slips(
        history(d=[("2026-10-05", state("2026-12-31")), ("2026-12-10", state("2027-01-01"))])
    )
    assert found.slips == (
        Slip(
            "d", Q4, "ann", "acme", "Laptops", Decimal("1000.00"), Decimal("400.00"),
            date(2026, 12, 31), date(2027, 1, 1),
        ),
    )  # fmt: skip
    assert (found.count, found.amount, found.weighted) == (1, Decimal("1000.00"), Decimal("400"))


def test_a_close_moved_within_the_period_or_into_it_did_not_slip():
    within = history(d=[("2026-10-05", state("2026-10-01")), ("2026-12-10", state("2026-12-31"))])
    into = history(d=[("2026-10-05", state("2027-02-01")), ("2026-12-10", state("2026-12-31"))])
    assert q4_slips(within).slips == ()
    assert q4_slips(into).slips == ()


def test_moved_out_and_back_in_or_out_and_won_within_the_window_did_not_slip():
    back = history(
        d=[("2026-10-05", state("2026-12-01")), ("2026-11-02", state("2027-01-10")),
           ("2026-11-20", state("2026-12-15"))]
    )  # fmt: skip
    won = history(
        d=[("2026-10-05", state("2026-12-01")), ("2026-11-02", state("2027-01-10")),
           ("2026-11-20", state("2027-01-10", stage="won"))]
    )  # fmt: skip
    removed = history(d=[("2026-10-05", state("2026-12-01")), ("2026-11-02", None)])
    assert q4_slips(back).slips == ()
    assert q4_slips(won).slips == ()
    assert q4_slips(removed).slips == ()


def test_a_slip_counts_in_the_window_of_its_commit_day_from_the_first_to_the_last_day():
    week = Week.parse("2026-W50")  # Monday 2026-12-07 to Sunday 2026-12-13
    counted = {}
    for day in ("2026-12-06", "2026-12-07", "2026-12-13", "2026-12-14"):
        found = history(d=[("2026-10-05", state("2026-12-20")), (day, state("2027-01-20"))])
        counted[day] = [
            s.count for s in slipped_out(found, FUNNEL, [DEC, Q4], week.start, week.end)
        ]
    assert counted == {
        "2026-12-06": [0, 0],  # the day before the week: it had slipped already
        "2026-12-07": [1, 1],
        "2026-12-13": [1, 1],
        "2026-12-14": [0, 0],  # the day after: next week's slip
    }


def test_a_window_that_begins_on_the_period_s_last_day_still_sees_that_day_s_slip():
    week = Week.parse("2026-W53")  # Monday 2026-12-28 to Sunday 2027-01-03
    found = history(d=[("2026-10-05", state("2026-12-31")), ("2026-12-31", state("2027-01-10"))])
    start = date(2026, 12, 31)  # the window from Q4's last day on
    assert [s.count for s in slipped_out(found, FUNNEL, [Q4], start, week.end)] == [1]
    assert [s.count for s in slipped_out(found, FUNNEL, [Q4], date(2027, 1, 1), week.end)] == [0]


def test_an_overdue_deal_given_a_new_date_did_not_slip_during_its_period():
    q3 = parse_period("2026-Q3")
    found = history(d=[("2026-07-05", state("2026-09-30")), ("2026-10-05", state("2026-11-15"))])
    assert period_slips(found, FUNNEL, q3, date(2026, 10, 10)).slips == ()
    week = Week.parse("2026-W41")  # 2026-10-05 to 2026-10-11: over for Q3 before it began
    assert [s.count for s in slipped_out(found, FUNNEL, [q3], week.start, week.end)] == [0]
    assert [s.period.name for s in week_slips(found, FUNNEL, week)] == ["2026-10", "2026-Q4"]
    before, after = state("2026-09-30"), state("2026-11-15")
    assert slipped_between({"d": before}, {"d": after}, FUNNEL, date(2026, 10, 10)) == []
    (in_time,) = slipped_between({"d": before}, {"d": after}, FUNNEL, date(2026, 9, 30))
    assert (in_time.period, in_time.amount) == (q3, Decimal("1000.00"))


def test_a_deal_moved_out_twice_counts_once_with_its_last_amount_in_the_period():
    found = q4_slips(
        history(
            d=[("2026-10-05", state("2026-11-30")), ("2026-12-01", state("2027-01-15")),
               ("2026-12-05", state("2026-12-20", amount="1500.00")),
               ("2026-12-10", state("2027-02-01", amount="1500.00"))]
        )
    )  # fmt: skip
    (slip,) = found.slips
    assert (slip.amount, slip.weighted) == (Decimal("1500.00"), Decimal("600.00"))
    assert (slip.moved_from, slip.moved_to) == (date(2026, 12, 20), date(2027, 2, 1))


def test_an_amount_changed_in_the_commit_that_slips_counts_as_it_was_in_the_period():
    found = q4_slips(
        history(
            d=[("2026-10-05", state("2026-12-15", stage="lead")),
               ("2026-12-10", state("2027-01-15", stage="offer", amount="2000.00"))]
        )
    )  # fmt: skip
    (slip,) = found.slips
    assert (slip.amount, slip.weighted) == (Decimal("1000.00"), Decimal("100.00"))  # lead 10%


def test_the_owner_is_the_one_of_the_last_state_in_the_period():
    handed_then_moved = history(
        d=[("2026-10-05", state("2026-12-15")), ("2026-12-01", state("2026-12-15", owner="bob")),
           ("2026-12-10", state("2027-01-15", owner="bob"))]
    )  # fmt: skip
    moved_with_the_handover = history(
        d=[("2026-10-05", state("2026-12-15")), ("2026-12-10", state("2027-01-15", owner="bob"))]
    )
    assert [s.owner for s in q4_slips(handed_then_moved).slips] == ["bob"]
    assert [s.owner for s in q4_slips(moved_with_the_handover).slips] == ["ann"]


def test_deals_largest_first_and_summed_per_owner():
    found = q4_slips(
        history(
            a=moved("2026-12-15", "2026-12-10", "2027-01-15", amount="300.00"),
            b=moved("2026-11-15", "2026-12-10", "2027-01-15", amount="900.00", owner="bob"),
            c=moved("2026-12-15", "2026-12-11", "2027-03-15", amount="500.00"),
        )
    )
    assert [s.deal for s in found.slips] == ["b", "c", "a"]
    assert [(o.owner, o.count, o.amount, o.weighted) for o in found.owners()] == [
        ("bob", 1, Decimal("900.00"), Decimal("360.00")),
        ("ann", 2, Decimal("800.00"), Decimal("320.00")),
    ]
    assert found.of_owner("ann").amount == Decimal("800.00")
    assert found.as_json(owners=True)["owners"] == [
        {"owner": "bob", "amount": "900.00", "weighted": "360.00"},
        {"owner": "ann", "amount": "800.00", "weighted": "320.00"},
    ]


def test_the_period_in_progress_counts_up_to_the_as_of_day():
    found = history(d=[("2026-10-05", state("2026-12-15")), ("2026-12-10", state("2027-01-15"))])
    assert q4_slips(found, as_of="2026-12-09").count == 0
    assert q4_slips(found, as_of="2026-12-10").count == 1


def test_empty_history_and_straddling_weeks():
    empty = History(Path("."), "", "head")
    assert q4_slips(empty) == PeriodSlips(Q4)
    assert (PeriodSlips(Q4).amount, PeriodSlips(Q4).as_json()) == (
        Decimal(0),
        {"period": "2026-Q4", "amount": "0.00", "weighted": "0.00", "deals": []},
    )
    straddling = Week.parse("2026-W53")  # 2026-12-28 to 2027-01-03
    assert [p.name for p in week_periods(straddling)] == [
        "2026-12",
        "2027-01",
        "2026-Q4",
        "2027-Q1",
    ]
    assert [p.name for p in week_periods(Week.parse("2026-W50"))] == ["2026-12", "2026-Q4"]
    assert [s.count for s in week_slips(empty, FUNNEL, straddling)] == [0, 0, 0, 0]


# -- the review, the diff and the forecast page --------------------------------------------


def december(repo) -> tuple[str, str]:
    """Ann's acme slips out of December and Q4 in week 50; globex moves within December;
    initech slips in the commit that hands it from Bob to Ann (Bob's slip)."""
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", expected="2026-12-31"))
    repo.write(
        "deals/globex-servers.yaml",
        deal_yaml(account="globex", owner="bob", amount="2000.00", expected="2026-12-15"),
    )
    repo.write(
        "deals/initech-printers.yaml",
        deal_yaml(account="initech", owner="bob", amount="800.00", expected="2026-12-20"),
    )
    base = repo.commit("december", date="2026-12-01")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", expected="2027-01-15"))
    repo.commit("acme in january", date="2026-12-09")
    repo.write(
        "deals/globex-servers.yaml",
        deal_yaml(account="globex", owner="bob", amount="2000.00", expected="2026-12-28"),
    )
    repo.write(
        "deals/initech-printers.yaml",
        deal_yaml(account="initech", owner="ann", amount="800.00", expected="2027-03-31"),
    )
    head = repo.commit("initech to ann, in march", date="2026-12-11", who="Boss")
    return base, head


def review(repo, *args: str) -> str:
    result = CliRunner().invoke(
        main,
        ["review", "--week", "2026-W50", "--data", str(repo.data), "--as-of", "2026-12-13", *args],
    )
    assert result.exit_code == 0, result.output
    return result.output


ACME = {"deal": "acme-laptops", "owner": "ann", "account": "acme", "amount": "1000.00",
        "weighted": "400.00", "from": "2026-12-31", "to": "2027-01-15"}  # fmt: skip
INITECH = {"deal": "initech-printers", "owner": "bob", "account": "initech", "amount": "800.00",
           "weighted": "80.00", "from": "2026-12-20", "to": "2027-03-31"}  # fmt: skip


def test_the_review_json_tells_each_reps_and_teams_slips(history_repo):
    december(history_repo)
    document = json.loads(review(history_repo, "--format", "json"))
    reps = {rep["owner"]: rep["slipped_out"] for rep in document["reps"]}
    assert reps["ann"] == [
        {"period": "2026-12", "amount": "1000.00", "weighted": "400.00", "deals": [ACME]},
        {"period": "2026-Q4", "amount": "1000.00", "weighted": "400.00", "deals": [ACME]},
    ]
    assert reps["bob"][1] == {
        "period": "2026-Q4", "amount": "800.00", "weighted": "80.00", "deals": [INITECH]
    }  # fmt: skip
    (boss,) = json.loads(review(history_repo, "--format", "json", "--owner", "boss"))["reps"]
    assert boss["slipped_out"] == [  # a manager without deals
        {"period": "2026-12", "amount": "0.00", "weighted": "0.00", "deals": []},
        {"period": "2026-Q4", "amount": "0.00", "weighted": "0.00", "deals": []},
    ]
    (team,) = document["teams"]
    assert team["slipped_out"][0] == {
        "period": "2026-12", "amount": "1800.00", "weighted": "480.00", "deals": [ACME, INITECH]
    }  # fmt: skip
    assert "tally" in document["reps"][0] and "slipped" in team  # the keys before stay


def test_the_review_as_markdown_and_as_text(history_repo):
    december(history_repo)
    markdown = review(history_repo, "--format", "md")
    assert "### Slipped out of 2026\\-12 this week" in markdown
    assert "1,800\\.00 EUR \\(weighted 480\\.00 EUR\\)" in markdown  # the team's
    ann = markdown[markdown.index("## Ann") :]
    assert "- Laptops (acme\\-laptops) · Acme: 1,000.00 EUR · 2026-12-31 → 2027-01-15" in ann
    text = review(history_repo, "--format", "text")
    lines = text.splitlines()
    assert lines.count("Slipped out of 2026-Q4 this week") == 3  # the team, Ann and Bob
    team = lines.index("Slipped out of 2026-Q4 this week")
    assert lines[team + 1 : team + 6] == [
        "--------------------------------",
        "",
        "1,800.00 EUR (weighted 480.00 EUR)",
        "",
        "- Laptops · Acme · Ann: 1,000.00 EUR · 2026-12-31 → 2027-01-15",
    ]
    assert lines[team + 6] == "- Laptops · Initech · Bob: 800.00 EUR · 2026-12-20 → 2027-03-31"
    bob = text[text.index("\nBob\n") :]
    assert "- Laptops · Initech: 800.00 EUR · 2026-12-20 → 2027-03-31" in bob
    quiet = review(history_repo, "--format", "text", "--week", "2026-W51")
    assert "Slipped out" not in quiet


def test_the_diff_tells_what_slipped_out_of_each_quarter(history_repo):
    base, head = december(history_repo)
    funnel = check(history_repo.data, date(2026, 12, 13)).dataset.funnel
    diff = business_diff(history_repo.data, base, head, funnel, as_of=date(2026, 12, 13))
    (q4,) = json.loads(to_json(diff))["slipped_out"]
    assert q4 == {
        "period": "2026-Q4",
        "amount": "1800.00",
        "weighted": "480.00",
        "deals": [ACME, INITECH],
        "owners": [
            {"owner": "ann", "amount": "1000.00", "weighted": "400.00"},
            {"owner": "bob", "amount": "800.00", "weighted": "80.00"},
        ],
    }
    markdown = to_markdown(diff, "EUR")
    section = markdown[markdown.index("#### What slipped") :].splitlines()
    assert section[:6] == [
        "#### What slipped out of 2026-Q4 · 1,800.00 EUR (weighted 480.00)",
        "",
        "- ann: 1,000.00 (weighted 400.00)",
        "  - **acme\\-laptops** · acme: 1,000.00, 2026-12-31 → 2027-01-15",
        "- bob: 800.00 (weighted 80.00)",
        "  - **initech\\-printers** · initech: 800.00, 2026-12-20 → 2027-03-31",
    ]
    over = business_diff(history_repo.data, base, head, funnel, as_of=date(2027, 1, 1))
    assert over.slipped_out == [] and json.loads(to_json(over))["slipped_out"] == []
    assert "What slipped" not in to_markdown(over, "EUR")


def forecast(repo, as_of: date, *, with_history: bool = True) -> str:
    result = check(repo.data, as_of)
    assert result.ok, result.problems
    found = read_history(repo.data, use_cache=False) if with_history else None
    pages = build_pages(result.dataset, as_of, history=found, history_notice="no git")
    return next(page.markdown for page in pages if page.path == "forecast.md")


def test_the_forecast_page_tells_what_slipped_with_history_only(history_repo):
    december(history_repo)
    page = forecast(history_repo, date(2026, 12, 13))
    section = page[page.index("## What slipped") :].splitlines()
    rows = [line for line in section if line.startswith("| 2026")]
    assert rows == [
        "| 2026\\-Q1 | 0 | 0.00 | 0.00 |",
        "| 2026\\-Q2 | 0 | 0.00 | 0.00 |",
        "| 2026\\-Q3 | 0 | 0.00 | 0.00 |",
        "| 2026\\-Q4 | 2 | 1,800.00 | 480.00 |",
        "| 2026\\-12 | 2 | 1,800.00 | 480.00 |",
    ]
    assert "### By owner, 2026\\-Q4" in section
    assert "| [Ann](reps/ann.md) | 1 | 1,000.00 | 400.00 |" in section
    assert (
        "| [Laptops](deals/acme-laptops.md) | [Acme](accounts/acme.md) | [Ann](reps/ann.md) "
        "| 1,000.00 | 400.00 | 2026-12-31 → 2027-01-15 |"
    ) in section
    assert "more deals" not in page
    assert "What slipped" not in forecast(history_repo, date(2026, 12, 13), with_history=False)


def test_the_forecast_page_lists_the_25_largest_slips_and_counts_the_rest(history_repo):
    repo = history_repo
    for number in range(27):
        repo.write(
            f"deals/d{number:02d}.yaml",
            deal_yaml(amount=f"{100 + number}.00", expected="2026-11-30"),
        )
    repo.commit("many", date="2026-10-01")
    for number in range(27):
        repo.write(
            f"deals/d{number:02d}.yaml",
            deal_yaml(amount=f"{100 + number}.00", expected="2027-01-31"),
        )
    repo.commit("all in january", date="2026-11-02")  # fmt: skip
    page = forecast(repo, date(2026, 11, 20))
    assert "| 2026\\-Q4 | 27 | 3,051.00 | 305.10 |" in page  # 27 x 100 + 0+...+26, lead 10%
    assert "| 2026\\-11 | 27 | 3,051.00 | 305.10 |" in page
    listed = [line for line in page.splitlines() if line.startswith("| [Laptops]")]
    assert len(listed) == 25 and "| 126.00 |" in listed[0] and "| 102.00 |" in listed[-1]
    assert "… and 2 more deals\\." in page


def test_the_diff_looks_past_a_deal_without_a_date_and_an_overdue_one():
    undated = state("2026-12-15")
    undated = Snapshot(**{**undated.__dict__, "expected_close": None})
    old = {"a-undated": undated, "b-overdue": state("2026-06-30"), "c": state("2026-12-31")}
    new = {"a-undated": undated, "b-overdue": state("2027-02-01"), "c": state("2027-01-01")}
    (found,) = slipped_between(old, new, FUNNEL, date(2026, 11, 30))
    assert [(s.deal, s.moved_from, s.moved_to) for s in found.slips] == [
        ("c", date(2026, 12, 31), date(2027, 1, 1))
    ]


def test_owners_with_equal_amounts_are_listed_by_id():
    found = q4_slips(
        history(
            a=moved("2026-12-15", "2026-12-10", "2027-01-15", owner="zoe"),
            b=moved("2026-12-15", "2026-12-10", "2027-01-15", owner="ann"),
            c=moved("2026-12-15", "2026-12-10", "2027-01-15", owner="bob", amount="500.00"),
        )
    )
    assert [o.owner for o in found.owners()] == ["ann", "zoe", "bob"]

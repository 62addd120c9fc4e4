"""The weekly review from git, as a command and as pages of the site."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from conftest import deal_yaml

from generator.analytics.calendar import Week
from generator.analytics.review import to_json, weekly_review
from generator.cli.main import main
from generator.data.validate import check
from generator.history.events import all_events
from generator.history.mining import read_history
from generator.site.describe import describe_by_key, describe_change
from generator.site.pages import build_pages
from generator.site.words import ZH

ROOT = Path(__file__).resolve().parent.parent


def a_month_of_work(repo):
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="lead"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob"))
    repo.commit("import", date="2026-01-05")
    repo.write("deals/initech-printers.yaml", deal_yaml(account="initech", amount="800.00"))
    repo.commit("new deal", date="2026-02-02")  # week 6
    repo.write(
        "deals/acme-laptops.yaml",
        deal_yaml(stage="offer", expected="2026-09-30", log=[("2026-02-11", "Demo done")]),
    )
    repo.commit("demo", date="2026-02-11")  # week 7
    repo.remove("deals/globex-servers.yaml")
    repo.commit("tidy", date="2026-02-12", who="Bob")


def test_review_json_tells_the_reps_week(history_repo):
    a_month_of_work(history_repo)
    result = CliRunner().invoke(
        main,
        [
            "review",
            "--week",
            "2026-W07",
            "--data",
            str(history_repo.data),
            "--format",
            "json",
            "--as-of",
            "2026-02-15",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert (document["week"], document["from"], document["to"]) == (
        "2026-W07",
        "2026-02-09",
        "2026-02-15",
    )
    reps = {rep["owner"]: rep for rep in document["reps"]}
    ann = reps["ann"]
    assert [(c["deal"], c["what"]) for c in ann["changes"]] == [
        ("acme-laptops", "stage_up"),
        ("acme-laptops", "slipped"),
        ("acme-laptops", "logged"),
    ]
    assert ann["logged"] == [{"deal": "acme-laptops", "date": "2026-02-11", "note": "Demo done"}]
    assert ann["weighted_delta"] == "300.00"  # 1000 x 10% -> 40%
    bob = reps["bob"]
    assert [(c["deal"], c["what"], c["author"]) for c in bob["changes"]] == [
        ("globex-servers", "removed", "Bob")
    ]
    assert ann["untouched"] == []
    later = CliRunner().invoke(
        main,
        [
            "review",
            "--week",
            "2026-W09",
            "--owner",
            "ann",
            "--data",
            str(history_repo.data),
            "--format",
            "json",
        ],
    )
    (ann_later,) = json.loads(later.output)["reps"]
    assert ann_later["changes"] == []
    assert ann_later["untouched"] == [{"deal": "initech-printers", "last_change": "2026-02-02"}]


def test_review_markdown_is_an_agenda(history_repo):
    a_month_of_work(history_repo)
    result = CliRunner().invoke(
        main, ["review", "--week", "2026-W07", "--owner", "bob", "--data", str(history_repo.data)]
    )
    assert result.exit_code == 0, result.output
    assert "## Bob" in result.output
    assert "Red flags" in result.output
    assert "removed without being closed" in result.output
    assert "## Ann" not in result.output


def test_weeks_are_iso_weeks():
    assert Week.parse("2026-W48").start == date(2026, 11, 23)
    assert Week.of(date(2027, 1, 1)).name == "2026-W53"
    assert Week.parse("2027-W01").previous().name == "2026-W53"


def test_site_pages_from_history(history_repo):
    a_month_of_work(history_repo)
    history_repo.write(
        "deals/initech-printers.yaml",
        deal_yaml(account="initech", amount="800.00", stage="won", closed="2026-02-13"),
    )
    history_repo.commit("won", date="2026-02-13")
    as_of = date(2026, 2, 15)
    result = check(history_repo.data, as_of)
    assert result.ok, result.problems
    history = read_history(history_repo.data, use_cache=False)
    pages = {p.path: p.markdown for p in build_pages(result.dataset, as_of, history=history)}
    assert "reviews/2026-W07/ann.md" in pages
    assert "reviews/2026-W07/team-boss.md" in pages
    assert "2026\\-W07" in pages["reviews/index.md"]
    deal = pages["deals/acme-laptops.md"]
    assert "## Timeline" in deal and "stage lead → offer" in deal.replace("\\", "")
    compliance = pages["compliance.md"]
    assert "initech\\-printers" in compliance  # won 11 days after it appeared
    assert "globex\\-servers" in compliance  # removed without being closed
    assert "acme\\-laptops" not in compliance
    trends = pages["trends.md"].splitlines()
    header = trends.index("| Week | lead | offer | verbal | ")
    assert trends[header + 1] == "| --- | ---: | ---: | ---: | "
    assert trends[header + 2].startswith("| 2025\\-W48 | 0 ")
    assert trends[header + 13] == "| 2026\\-W07 | 0 · 0.00 | 1 · 1,000.00 | 0 · 0.00 | "


def test_without_git_the_history_pages_say_so(tmp_path):
    for name in ("data", "docs", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    result = check(tmp_path / "data", date(2026, 11, 26))
    notice = "not inside a git repository"
    pages = {
        p.path: p.markdown
        for p in build_pages(result.dataset, date(2026, 11, 26), history_notice=notice)
    }
    assert notice in pages["reviews/index.md"]
    assert notice in pages["index.md"]
    assert notice in pages["deals/contoso-elitebooks.md"]


def review_json(repo, week: str) -> dict:
    args = ["review", "--week", week, "--data", str(repo.data), "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--as-of", "2026-03-31"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_review_and_diff_agree_on_a_handover_to_the_cent(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml(owner="bob", stage="offer", amount="1234.57"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob"))
    start = repo.commit("bob's funnel", date="2026-02-02")
    repo.branch("boss/handover")
    acme = deal_yaml(owner="ann", stage="offer", amount="1234.57").replace("Laptops", "Acme PCs")
    repo.write("deals/acme-laptops.yaml", acme)
    repo.commit("hand acme over to ann", date="2026-02-10", who="Boss")
    repo.merge("boss/handover", date="2026-02-11", who="Boss")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob", stage="offer"))
    end = repo.commit("globex offer", date="2026-02-12", who="Bob")
    diff = CliRunner().invoke(
        main, ["diff", start, end, "--data", str(repo.data), "--format", "json"]
    )
    owners = json.loads(diff.output)["weighted_delta"]["owners"]
    reps = {rep["owner"]: rep for rep in review_json(repo, "2026-W07")["reps"]}
    assert owners == {"ann": "493.83", "bob": "-193.83"}  # 1234.57 x 40%; globex +300
    assert {owner: rep["weighted_delta"] for owner, rep in reps.items()} == owners
    handed = [c for c in reps["bob"]["changes"] if c["what"] == "owner"]
    assert handed and handed[0]["title"] == "Acme PCs"
    assert handed[0]["author"] == "Boss" and handed[0]["merged_by"] is None
    assert [c["title"] for c in reps["ann"]["changes"]][:1] == ["Acme PCs"]


def test_the_review_credits_the_branch_author_and_names_the_merger(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("acme", date="2026-02-02")
    repo.branch("bob/globex")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob"))
    repo.commit("globex servers", date="2026-02-09", who="Bob")
    repo.merge("bob/globex", date="2026-02-10", who="Boss")
    bob = {rep["owner"]: rep for rep in review_json(repo, "2026-W07")["reps"]}["bob"]
    assert [(c["what"], c["author"], c["merged_by"]) for c in bob["changes"]] == [
        ("added", "Bob", "Boss")
    ]


def test_the_review_document_tells_each_change_as_its_describer_does(history_repo):
    """The review's records carry no words of their own: the JSON's `text` is the describer's,
    by key in English for programs, or in any other words given."""
    a_month_of_work(history_repo)
    history = read_history(history_repo.data)
    funnel = check(history_repo.data, date(2026, 2, 15)).dataset.funnel
    week = Week.parse("2026-W07")
    reviews = weekly_review(history, all_events(history, funnel), funnel, week)
    texts = {
        rep["owner"]: [change["text"] for change in rep["changes"]]
        for rep in json.loads(to_json(week, reviews, describe_by_key))["reps"]
    }
    assert texts["bob"] == ["removed without being closed: close it as lost instead"]
    assert "stage lead → offer (moved down the funnel)" in texts["ann"]
    chinese = json.loads(to_json(week, reviews, lambda change: describe_change(change, ZH)))
    bob = next(rep for rep in chinese["reps"] if rep["owner"] == "bob")
    assert [change["text"] for change in bob["changes"]] == ["未关闭即删除：请改为关闭为丢单"]


MEETING_TEAM = """\
  - {id: cleo, name: Cleo, email: cleo@example.com, role: rep, status: left, manager: boss,
     territory: west}
  - {id: max, name: Max, email: max@example.com, role: manager, status: active,
     territory: west}
  - {id: dan, name: Dan, email: dan@example.com, role: rep, status: active, manager: max,
     territory: west}
"""


def a_week_for_the_meeting(repo):
    """Week 7: Ann wins 1,620,000.00 at Acme and takes Cleo's deal over, Bob loses on price,
    Dan of Max's team opens a deal at Initech & Sons."""
    team = (repo.data / "team.yaml").read_text()
    repo.write("team.yaml", team + MEETING_TEAM)
    repo.write(
        "accounts/initech.yaml",
        "name: Initech & Sons\nterritory: west\ncontacts: [{name: Li, phone: '+1 5'}]\n",
    )
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", amount="1620000.00"))
    repo.write("deals/acme-servers.yaml", deal_yaml(owner="cleo", stage="offer"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob"))
    repo.commit("import", date="2026-01-05")
    won = deal_yaml(stage="won", amount="1620000.00", closed="2026-02-11")
    repo.write("deals/acme-laptops.yaml", won)
    repo.write("deals/acme-servers.yaml", deal_yaml(owner="ann", stage="offer"))
    repo.commit("acme signed", date="2026-02-11")
    lost = deal_yaml(account="globex", owner="bob", stage="lost", closed="2026-02-12")
    repo.write("deals/globex-servers.yaml", lost + "lost_reason: price\n")
    repo.commit("globex lost", date="2026-02-12", who="Bob")
    printers = deal_yaml(account="initech", owner="dan", amount="800.00", expected="2026-05-29")
    repo.write("deals/initech-printers.yaml", printers.replace("Laptops", "Printers"))
    repo.commit("initech printers", date="2026-02-13")


def review_of(repo, *args: str) -> str:
    base = ["review", "--week", "2026-W07", "--data", str(repo.data), "--as-of", "2026-02-15"]
    result = CliRunner().invoke(main, [*base, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_meeting_text_names_customers_amounts_and_close_dates(history_repo):
    a_week_for_the_meeting(history_repo)
    text = review_of(history_repo, "--format", "text")
    lines = text.splitlines()
    won = [line for line in lines if line.startswith("- Laptops · Acme: won")]
    assert won and "1,620,000.00 EUR" in won[0] and "closed 2026-02-11" in won[0]
    new = [line for line in lines if line.startswith("- Printers · Initech & Sons: new deal")]
    assert new and "800.00 EUR" in new[0] and "close 2026-05-29" in new[0]
    assert "\\" not in text and "&amp;" not in text
    assert "dan" not in text.replace("Dan", "")  # names, not ids


def test_a_lost_deal_is_one_line_with_its_reason(history_repo):
    a_week_for_the_meeting(history_repo)
    text = review_of(history_repo, "--format", "text")
    globex = [line for line in text.splitlines() if "Globex" in line and "2026-02-12" in line]
    assert len(globex) == 1 and ": lost: price ·" in globex[0]
    bob = {
        rep["owner"]: rep for rep in json.loads(review_of(history_repo, "--format", "json"))["reps"]
    }["bob"]
    assert [(c["what"], c["lost_reason"], c["closed_on"]) for c in bob["changes"]] == [
        ("lost", "price", "2026-02-12")
    ]


def test_people_who_left_and_quiet_managers_are_not_listed(history_repo):
    a_week_for_the_meeting(history_repo)
    text = review_of(history_repo, "--format", "text")
    assert "\nCleo\n" not in text  # no section of her own
    assert "owner Cleo → Ann" in text  # her deal shows as Ann's handover in
    assert "\nBoss\n" not in text and "\nMax\n" not in text  # nothing of their own to discuss
    assert "Team of Boss" in text and "Team of Max" in text
    reps = json.loads(review_of(history_repo, "--format", "json"))["reps"]
    assert [(rep["owner"], rep["on_agenda"]) for rep in reps] == [
        ("ann", True),
        ("bob", True),
        ("cleo", False),  # programs still see her handover out
        ("dan", True),
    ]


def test_team_lists_only_that_managers_people(history_repo):
    a_week_for_the_meeting(history_repo)
    document = json.loads(review_of(history_repo, "--team", "max", "--format", "json"))
    assert [rep["owner"] for rep in document["reps"] if rep["on_agenda"]] == ["dan"]
    assert [team["manager"] for team in document["teams"]] == ["max"]
    text = review_of(history_repo, "--team", "boss", "--format", "text")
    assert "\nAnn\n" in text and "\nBob\n" in text and "Dan" not in text
    refused = CliRunner().invoke(
        main, ["review", "--team", "ann", "--data", str(history_repo.data)]
    )
    assert refused.exit_code == 2 and "not a manager" in refused.output


def test_the_team_roll_up_is_the_sum_of_its_people_to_the_cent(history_repo):
    a_week_for_the_meeting(history_repo)
    document = json.loads(review_of(history_repo, "--format", "json"))
    reps = {rep["owner"]: rep for rep in document["reps"]}
    (boss,) = [team for team in document["teams"] if team["manager"] == "boss"]
    people = [reps[owner] for owner in boss["people"]]
    assert boss["people"] == ["ann", "bob", "cleo"]  # Cleo left, but her week was the team's
    total = sum(Decimal(rep["weighted_delta"]) for rep in people)
    assert Decimal(boss["weighted_delta"]) == total == Decimal("-648100.00")
    for rep in people:
        assert sum(Decimal(v) for v in rep["causes"].values()) == Decimal(rep["weighted_delta"])
    assert reps["ann"]["causes"]["handover_in"] == "400.00"  # Cleo's 1000 x 40%
    assert reps["cleo"]["causes"]["handover_out"] == "-400.00"  # inside the team: nothing
    assert boss["won"] == {"count": 1, "amount": "1620000.00"}
    assert boss["lost"] == {"count": 1, "amount": "1000.00"}
    text = review_of(history_repo, "--format", "text")
    assert "Weighted this week: -647,600.00 EUR" in text  # Ann: won 1,620,000 x 40%, +400


def test_the_team_review_page_rolls_up_and_names_the_customer(history_repo):
    a_week_for_the_meeting(history_repo)
    as_of = date(2026, 2, 15)
    result = check(history_repo.data, as_of)
    assert result.ok, result.problems
    history = read_history(history_repo.data, use_cache=False)
    pages = {p.path: p.markdown for p in build_pages(result.dataset, as_of, history=history)}
    team = pages["reviews/2026-W07/team-boss.md"]
    assert "## Team of Boss" in team and "## Ann" in team
    assert "1,620,000.00 EUR" in team and "closed 2026-02-11" in team
    assert "reviews/2026-W07/cleo.md" not in pages
    assert "reviews/2026-W07/boss.md" not in pages


def test_every_win_and_loss_of_the_example_reads_with_its_customer(tmp_path):
    """On the example team's half year, each week's text names every won or lost deal's
    customer, amount and close date (a loss with its reason) on one line, and each team's
    roll-up is the sum of its people's to the cent."""
    from generator.example.build import build

    story = build(tmp_path / "team", seed=1, months=6, as_of=date(2026, 11, 28))
    data = story.root / "data"
    names = {a.id: a.name for a in check(data, date(2026, 11, 28)).dataset.accounts.values()}
    base = ["review", "--data", str(data), "--as-of", "2026-11-28"]
    closed = 0
    for week in [Week.of(date(2026, 11, 28)).previous(n) for n in range(26)]:
        args = [*base, "--week", week.name, "--format"]
        document = json.loads(CliRunner().invoke(main, [*args, "json"]).output)
        lines = CliRunner().invoke(main, [*args, "text"]).output.splitlines()
        for rep in document["reps"]:
            for change in (c for c in rep["changes"] if c["what"] in ("won", "lost")):
                told = f"{change['title']} · {names[change['account']]}: "
                told += "won" if change["what"] == "won" else f"lost: {change['lost_reason']}"
                amount = f" · {Decimal(change['amount']):,.2f} CNY · closed {change['closed_on']}"
                assert sum(line.startswith(f"- {told}{amount} ·") for line in lines) >= 1
                closed += 1
        reps = {rep["owner"]: Decimal(rep["weighted_delta"]) for rep in document["reps"]}
        for team in document["teams"]:
            total = sum((reps[owner] for owner in team["people"]), Decimal(0))
            assert Decimal(team["weighted_delta"]) == total, week.name
    assert closed >= 5

"""Hidden deals: `funnel check-order` and the late entries found in history."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from conftest import HISTORY_FUNNEL, deal_yaml

from generator.analytics.compliance import findings
from generator.cli.main import main
from generator.data.model import Funnel
from generator.data.strictyaml import parse
from generator.history.events import all_events
from generator.history.mining import read_history

FUNNEL = Funnel.model_validate(parse(HISTORY_FUNNEL, "funnel.yaml")[0])


def order(repo, account, day, *extra):
    return CliRunner().invoke(
        main, ["check-order", account, "--date", day, "--data", str(repo.data), *extra]
    )


def established_and_late(repo):
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("acme enters the funnel", date="2026-02-02")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob"))
    repo.commit("globex, just before the order", date="2026-03-05", who="Bob")


def test_an_established_account_is_accepted(history_repo):
    established_and_late(history_repo)
    result = order(history_repo, "acme", "2026-03-10", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["decision"] == "accept"
    assert document["first_seen"] == "2026-02-02"
    assert document["days_in_funnel"] == 36
    assert document["min_days_in_funnel"] == 14


def test_a_late_entry_is_refused(history_repo):
    established_and_late(history_repo)
    result = order(history_repo, "globex", "2026-03-10")
    assert result.exit_code == 1
    assert (
        "refuse: globex first appeared in the funnel on 2026-03-05, only 5 day(s)" in result.output
    )


def test_an_account_never_in_the_funnel_is_refused(history_repo):
    established_and_late(history_repo)
    result = order(history_repo, "initech", "2026-03-10")
    assert result.exit_code == 1
    assert "never appeared in the funnel" in result.output
    unknown = order(history_repo, "umbrella", "2026-03-10", "--format", "json")
    assert unknown.exit_code == 1
    assert json.loads(unknown.output)["reason"].startswith("unknown account")


def test_uncommitted_deals_do_not_count(history_repo):
    established_and_late(history_repo)
    history_repo.write("deals/initech-printers.yaml", deal_yaml(account="initech"))
    assert order(history_repo, "initech", "2026-06-10").exit_code == 1


def test_a_shallow_clone_exits_2_with_advice(history_repo, tmp_path):
    established_and_late(history_repo)
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{history_repo.root}", str(clone)],
        check=True,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "check-order",
            "acme",
            "--data",
            str(clone / "data"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_findings_list_late_entries_and_removals(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob"))
    repo.commit("new", date="2026-02-02")
    repo.write(
        "deals/acme-laptops.yaml", deal_yaml(stage="won", closed="2026-02-09")
    )  # won 7 days after it appeared
    repo.remove("deals/globex-servers.yaml")
    repo.write(
        "deals/initech-printers.yaml",
        deal_yaml(account="initech", stage="won", closed="2026-02-09"),
    )
    repo.commit("orders", date="2026-02-09")
    history = read_history(repo.data, use_cache=False)
    found = {
        (f.deal, f.kind, f.owner, f.days)
        for f in findings(history, all_events(history, FUNNEL), 14)
    }
    assert found == {
        ("acme-laptops", "late_entry", "ann", 7),
        ("globex-servers", "removed", "bob", 7),
        ("initech-printers", "entered_won", "ann", 0),
    }


def entered_on_day(repo, min_days):
    """acme's first deal lands on 2026-02-02 by a normal commit (initech came first, so
    that commit is no baseline), under a funnel whose rule is `min_days`."""
    funnel = HISTORY_FUNNEL.replace("min_days_in_funnel: 14", f"min_days_in_funnel: {min_days}")
    repo.write("funnel.yaml", funnel)
    repo.write("deals/initech-printers.yaml", deal_yaml(account="initech"))
    repo.commit("the first deal", date="2026-01-05")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("acme enters the funnel", date="2026-02-02")
    return date(2026, 2, 2), Funnel.model_validate(parse(funnel, "funnel.yaml")[0])


@pytest.mark.parametrize("min_days", [14, 30])
@pytest.mark.parametrize(("short", "decision"), [(1, "refuse"), (0, "accept")])
def test_check_order_accepts_on_the_day_the_rule_is_met(history_repo, min_days, short, decision):
    entered, _ = entered_on_day(history_repo, min_days)
    day = entered + timedelta(days=min_days - short)
    result = order(history_repo, "acme", day.isoformat(), "--format", "json")
    document = json.loads(result.output)
    assert (document["decision"], document["days_in_funnel"]) == (decision, min_days - short)
    assert document["min_days_in_funnel"] == min_days
    assert result.exit_code == (0 if decision == "accept" else 1)


def test_check_order_refuses_an_order_before_the_account_appeared(history_repo):
    entered, _ = entered_on_day(history_repo, 14)
    result = order(history_repo, "acme", (entered - timedelta(days=1)).isoformat())
    assert result.exit_code == 1
    assert "first appeared in the funnel on 2026-02-02, after the order date" in result.output
    same_day = order(history_repo, "acme", entered.isoformat(), "--format", "json")
    assert json.loads(same_day.output)["days_in_funnel"] == 0
    assert "only 0 day(s) before the order" in json.loads(same_day.output)["reason"]


@pytest.mark.parametrize("min_days", [14, 30])
@pytest.mark.parametrize(("short", "flagged"), [(1, True), (0, False)])
def test_a_deal_won_before_min_days_is_a_late_entry(history_repo, min_days, short, flagged):
    entered, funnel = entered_on_day(history_repo, min_days)
    won = (entered + timedelta(days=min_days - short)).isoformat()
    history_repo.write("deals/acme-laptops.yaml", deal_yaml(stage="won", closed=won))
    history_repo.commit("won", date=won)
    history = read_history(history_repo.data, use_cache=False)
    found = [
        (f.deal, f.kind, f.days) for f in findings(history, all_events(history, funnel), min_days)
    ]
    assert found == ([("acme-laptops", "late_entry", min_days - short)] if flagged else [])


def test_check_order_json_is_the_whole_documented_document(history_repo):
    established_and_late(history_repo)
    accepted = order(history_repo, "acme", "2026-03-10", "--format", "json").output
    assert accepted == (
        '{\n  "account": "acme",\n  "date": "2026-03-10",\n  "decision": "accept",\n'
        '  "reason": "acme has been in the funnel since 2026-02-02 (36 days)",\n'
        '  "first_seen": "2026-02-02",\n  "days_in_funnel": 36,\n  "min_days_in_funnel": 14\n}\n'
    )
    refusals = {
        "initech": "initech never appeared in the funnel: no deal of this account was ever "
        "committed to the main line",
        "umbrella": "unknown account `umbrella`: there is no accounts/umbrella.yaml",
        "globex": "globex first appeared in the funnel on 2026-03-05, only 5 day(s) before the "
        "order; the rule is 14 days (rules.min_days_in_funnel)",
    }
    for account, reason in refusals.items():
        result = order(history_repo, account, "2026-03-10", "--format", "json")
        document = json.loads(result.output)
        assert (result.exit_code, document["decision"], document["reason"]) == (1, "refuse", reason)
        assert document["account"] == account
    early = json.loads(order(history_repo, "globex", "2026-03-01", "--format", "json").output)
    assert early["decision"] == "refuse" and early["days_in_funnel"] == -4
    assert (
        early["reason"] == "globex first appeared in the funnel on 2026-03-05, after the order date"
    )


def test_an_unknown_account_is_named_as_typed_in_the_json(history_repo):
    established_and_late(history_repo)
    result = order(history_repo, "müller-gmbh", "2026-03-10", "--format", "json")
    assert result.exit_code == 1
    assert '"reason": "unknown account `müller-gmbh`: there is no accounts/müller-gmbh.yaml"' in (
        result.output
    )


def test_a_deal_won_in_time_does_not_hide_later_findings(history_repo):
    _, funnel = entered_on_day(history_repo, 14)
    history_repo.write("deals/acme-laptops.yaml", deal_yaml(stage="won", closed="2026-03-01"))
    history_repo.commit("won after 27 days", date="2026-03-01")
    history_repo.remove("deals/initech-printers.yaml")
    history_repo.commit("initech gone", date="2026-03-05")
    history = read_history(history_repo.data, use_cache=False)
    found = [(f.deal, f.kind) for f in findings(history, all_events(history, funnel), 14)]
    assert found == [("initech-printers", "removed")]

"""Adoption day: the team's existing funnel (the baseline) is not a pile of hidden deals.

Deals that arrive with the history's first data commit, or with a commit marked
`Funnel-Baseline: import`, are known since their own `created` date (or `closed_on`), never
later than that commit; every other deal since the day its commit landed on the main line.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from conftest import HISTORY_FUNNEL, HISTORY_TEAM, VALID, GitRepo, deal_yaml

from generator.analytics.compliance import findings, order_decision
from generator.cli.main import main
from generator.data.model import Funnel
from generator.data.strictyaml import parse
from generator.history.events import all_events
from generator.history.mining import read_history
from generator.history.records import BASELINE_TRAILER

FUNNEL = Funnel.model_validate(parse(HISTORY_FUNNEL, "funnel.yaml")[0])
MARK = f"\n\n{BASELINE_TRAILER}: import"
SALESFORCE = Path(__file__).parent / "fixtures" / "salesforce"


def created(text: str, day: str) -> str:
    return text.replace("created: 2026-01-01", f"created: {day}")


def adoption_repo(tmp_path) -> GitRepo:
    """Adoption day in one commit: rules, team, accounts and the existing funnel."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    repo.write("team.yaml", HISTORY_TEAM)
    for account in ("acme", "globex", "initech", "umbrella"):
        repo.write(
            f"accounts/{account}.yaml",
            f"name: {account.title()}\nterritory: west\ncontacts: [{{name: Li, phone: '+1 5'}}]\n",
        )
    won = deal_yaml(stage="won", closed="2024-06-30", expected="2024-06-30")
    repo.write("deals/acme-2024.yaml", created(won, "2024-03-01"))
    repo.write("deals/globex-open.yaml", created(deal_yaml(account="globex"), "2026-05-01"))
    repo.commit("Our funnel as it is today", date="2026-06-01", who="Boss")
    return repo


def test_the_first_data_commit_is_the_baseline(tmp_path):
    repo = adoption_repo(tmp_path)
    history = read_history(repo.data, use_cache=False)
    assert history.in_baseline("acme-2024") and history.in_baseline("globex-open")
    assert history.first_seen("acme-2024") == date(2024, 3, 1)
    assert history.first_seen("globex-open") == date(2026, 5, 1)
    accounts = {"acme", "globex", "initech", "umbrella"}
    order = order_decision(history, accounts, "acme", date(2026, 6, 2), 14)
    assert order.accept, order.reason
    assert order.first_seen == date(2024, 3, 1)
    events = all_events(history, FUNNEL)
    assert findings(history, events, 14) == []  # its old wins are no late entries


def test_a_baseline_deal_is_never_known_later_than_its_commit(tmp_path):
    repo = adoption_repo(tmp_path)
    future = created(deal_yaml(account="initech"), "2026-09-01")
    repo.write("deals/initech-future.yaml", future)
    repo.commit("import the rest" + MARK, date="2026-06-03", who="Boss")
    history = read_history(repo.data, use_cache=False)
    assert history.first_seen("initech-future") == date(2026, 6, 3)


def test_a_marked_import_counts_as_baseline_and_a_normal_commit_does_not(tmp_path):
    repo = adoption_repo(tmp_path)
    imported = created(deal_yaml(account="initech", stage="won", closed="2025-02-01"), "2025-01-10")
    repo.write("deals/initech-2025.yaml", imported)
    repo.commit("Import the west team's CRM" + MARK, date="2026-07-01", who="Boss")
    late = created(deal_yaml(account="umbrella"), "2025-01-10")  # back-dated `created`
    repo.write("deals/umbrella-new.yaml", late)
    repo.commit("umbrella, entered late", date="2026-07-10")
    history = read_history(repo.data, use_cache=False)
    accounts = {"acme", "globex", "initech", "umbrella"}
    assert history.in_baseline("initech-2025") and not history.in_baseline("umbrella-new")
    assert history.first_seen("initech-2025") == date(2025, 1, 10)
    assert history.first_seen("umbrella-new") == date(2026, 7, 10)  # never from `created`
    assert order_decision(history, accounts, "initech", date(2026, 7, 2), 14).accept
    min_days = FUNNEL.rules.min_days_in_funnel
    just_short = order_decision(history, accounts, "umbrella", date(2026, 7, 23), min_days)
    assert not just_short.accept and "13 day(s)" in just_short.reason
    assert order_decision(history, accounts, "umbrella", date(2026, 7, 24), min_days).accept


def test_the_trailer_on_a_branch_commit_counts_through_a_merge(tmp_path):
    repo = adoption_repo(tmp_path)
    repo.branch("boss/import-east")
    repo.write("deals/initech-2025.yaml", created(deal_yaml(account="initech"), "2025-01-10"))
    repo.commit("Import the east CRM" + MARK, date="2026-07-01", who="Boss")
    repo.branch("ann/umbrella", start="main")
    repo.write("deals/umbrella-new.yaml", created(deal_yaml(account="umbrella"), "2025-01-10"))
    repo.commit("umbrella" + MARK, date="2026-07-02")  # a rep's trailer on a side branch
    repo.merge("boss/import-east", date="2026-07-03")
    history = read_history(repo.data, use_cache=False)
    assert history.in_baseline("initech-2025")
    assert history.first_seen("initech-2025") == date(2025, 1, 10)
    assert "umbrella-new" not in history.deals  # never merged: not in the funnel at all


def test_compliance_lists_late_entries_after_the_baseline_but_no_baseline_deal(tmp_path):
    repo = adoption_repo(tmp_path)
    repo.write("deals/umbrella-quick.yaml", deal_yaml(account="umbrella"))
    repo.commit("umbrella", date="2026-07-01")
    repo.write(
        "deals/umbrella-quick.yaml", deal_yaml(account="umbrella", stage="won", closed="2026-07-05")
    )
    repo.commit("umbrella ordered", date="2026-07-06")
    history = read_history(repo.data, use_cache=False)
    found = findings(history, all_events(history, FUNNEL), 14)
    assert [(f.deal, f.kind, f.days) for f in found] == [("umbrella-quick", "late_entry", 5)]


def imported_repo(tmp_path, *, marked: bool) -> tuple[GitRepo, set[str]]:
    """A team on funnel since January imports a CRM's funnel in June."""
    repo = GitRepo(tmp_path / "repo")
    shutil.rmtree(repo.data)
    shutil.copytree(VALID, repo.data)
    repo.commit("Our rules and team", date="2026-01-05", who="Boss")
    before = {path.stem for path in (repo.data / "accounts").glob("*.yaml")}
    result = CliRunner().invoke(
        main,
        ["import", str(SALESFORCE), "--data", str(repo.data), "--territory", "south",
         "--owner", "005Ec000004oBPNIA2=li-lei", "--write", "--as-of", "2026-06-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f'--trailer "{BASELINE_TRAILER}: import"' in result.output
    repo.commit("Import the CRM" + (MARK if marked else ""), date="2026-06-01", who="Boss")
    imported = {path.stem for path in (repo.data / "accounts").glob("*.yaml")} - before
    return repo, imported


def test_an_import_marked_as_baseline_keeps_its_customers(tmp_path):
    repo, imported = imported_repo(tmp_path, marked=True)
    history = read_history(repo.data, use_cache=False)
    decisions = [order_decision(history, imported, a, date(2026, 6, 2), 14) for a in imported]
    assert decisions and all(d.accept for d in decisions), [d.reason for d in decisions]
    assert findings(history, all_events(history, FUNNEL), 14) == []


def test_an_unmarked_import_is_a_normal_commit(tmp_path):
    repo, imported = imported_repo(tmp_path, marked=False)
    history = read_history(repo.data, use_cache=False)
    decisions = [order_decision(history, imported, a, date(2026, 6, 2), 14) for a in imported]
    assert decisions and not any(d.accept for d in decisions)


def test_a_baseline_deal_won_soon_is_no_late_entry_but_its_removal_is_listed(tmp_path):
    repo = adoption_repo(tmp_path)  # globex-open: an open baseline deal
    fresh = created(deal_yaml(account="initech"), "2026-05-30")
    repo.write("deals/initech-new.yaml", fresh)
    repo.commit("the rest of the import" + MARK, date="2026-06-01", who="Boss")
    won = created(deal_yaml(account="initech", stage="won", closed="2026-06-02"), "2026-05-30")
    repo.write("deals/initech-new.yaml", won)
    repo.commit("initech ordered", date="2026-06-02")  # 3 days after `created`
    repo.remove("deals/globex-open.yaml")
    repo.commit("tidy up", date="2026-06-03", who="Bob")
    repo.write("deals/umbrella-quick.yaml", deal_yaml(account="umbrella"))
    repo.commit("umbrella", date="2026-06-04")
    repo.remove("deals/umbrella-quick.yaml")
    repo.commit("hide it", date="2026-06-05", who="Bob")
    history = read_history(repo.data, use_cache=False)
    found = findings(history, all_events(history, FUNNEL), 14)
    assert [(f.deal, f.kind, f.author) for f in found] == [
        ("globex-open", "removed", "Bob"),
        ("umbrella-quick", "removed", "Bob"),
    ]

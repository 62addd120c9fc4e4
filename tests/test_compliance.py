"""Hidden deals: `funnel check-order` and the late entries found in history."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner
from conftest import HISTORY_FUNNEL, deal_yaml

from generator.cli import main
from generator.compliance import findings
from generator.events import all_events
from generator.history import read_history
from generator.model import Funnel
from generator.strictyaml import parse

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

"""Access rules, judged on a real repository with several authors."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import deal_yaml

from generator.cli import main


def run(repo, base, *extra):
    return CliRunner().invoke(
        main, ["policy", "--base", base, "--data", str(repo.data), "--format", "json", *extra]
    )


def base(repo):
    repo.write("deals/ann-deal.yaml", deal_yaml(owner="ann"))
    repo.write("deals/ann-other.yaml", deal_yaml(owner="ann", account="globex"))
    repo.write("deals/bob-deal.yaml", deal_yaml(owner="bob", account="initech"))
    return repo.commit("the funnel", date="2026-02-02", who="Boss")


def test_legitimate_edits_are_accepted(history_repo):
    repo = history_repo
    start = base(repo)
    repo.write("deals/ann-deal.yaml", deal_yaml(owner="ann", stage="offer"))
    repo.commit("offer", date="2026-02-03", who="Wang Li")  # ann, her own deal
    repo.write("deals/ann-new.yaml", deal_yaml(owner="ann", account="initech"))
    repo.commit("new deal", date="2026-02-04", who="Wang Li")
    repo.write("deals/bob-deal.yaml", deal_yaml(owner="bob", account="initech", stage="verbal"))
    repo.commit("manager updates", date="2026-02-05", who="Boss")  # bob's manager
    repo.write("deals/ann-other.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("hand over", date="2026-02-05", who="Boss")  # a manager hands over
    (repo.data / "deals" / "west").mkdir()
    repo.git("mv", "data/deals/ann-deal.yaml", "data/deals/west/ann-deal.yaml")
    repo.commit("file it", date="2026-02-06", who="Wang Li")  # a move is no deletion
    repo.write(
        "deals/ann-new.yaml",
        deal_yaml(owner="ann", account="initech", stage="lost", closed="2026-02-07"),
    )
    repo.commit("lost", date="2026-02-07", who="Wang Li")
    result = run(repo, start)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["ok"] is True and document["commits"] == 6


def test_takeovers_deletions_and_strangers_are_refused(history_repo):
    repo = history_repo
    start = base(repo)
    repo.write("deals/ann-deal.yaml", deal_yaml(owner="ann", amount="9.00"))
    repo.commit("bob edits ann's deal", date="2026-02-03", who="Bob")
    repo.write("deals/ann-other.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("bob takes it", date="2026-02-04", who="Bob")
    repo.remove("deals/bob-deal.yaml")
    repo.commit("gone", date="2026-02-05", who="Bob")
    repo.write(
        "team.yaml",
        (repo.data / "team.yaml")
        .read_text()
        .replace(
            "role: rep, status: active, manager: boss,\n     territory: west}",
            "role: manager, status: active,\n     territory: west}",
            1,
        ),
    )
    repo.commit("promote myself", date="2026-02-06", who="Wang Li")
    repo.write("deals/initech-x.yaml", deal_yaml(owner="ann", account="initech"))
    repo.commit("from outside", date="2026-02-07", who="Mallory")
    result = run(repo, start)
    assert result.exit_code == 1
    found = [
        (v["person"], v["path"].split("/")[-1], v["message"])
        for v in json.loads(result.output)["violations"]
    ]
    people = [(person, path) for person, path, _ in found]
    assert people == [
        ("bob", "ann-deal.yaml"),
        ("bob", "ann-other.yaml"),
        ("bob", "bob-deal.yaml"),
        ("ann", "team.yaml"),
        (None, "(commit)"),
    ]
    messages = [message for _, _, message in found]
    assert "belongs to ann" in messages[0]
    assert "took deal ann-other over from ann" in messages[1]
    assert "deleted deal bob-deal instead of closing it" in messages[2]
    assert "only managers" in messages[3]
    assert "mallory@example.com is not in team.yaml" in messages[4]


def test_a_manager_may_not_change_another_managers_rep(history_repo):
    repo = history_repo
    repo.write(
        "team.yaml",
        (repo.data / "team.yaml").read_text()
        + "  - {id: eve, name: Eve, email: eve@example.com, role: manager, status: active}\n"
        + "  - {id: dan, name: Dan, email: dan@example.com, role: rep, status: active,"
        " manager: eve}\n",
    )
    repo.write("deals/dan-deal.yaml", deal_yaml(owner="dan"))
    start = repo.commit("Eve's team", date="2026-02-01", who="Boss")
    repo.write("deals/dan-deal.yaml", deal_yaml(owner="dan", stage="verbal"))
    repo.commit("not my team", date="2026-02-02", who="Boss")
    result = run(repo, start)
    assert result.exit_code == 1
    (violation,) = json.loads(result.output)["violations"]
    assert "not in boss's team" in violation["message"]


def test_text_output_says_who_changed_what(history_repo):
    repo = history_repo
    start = base(repo)
    repo.write("deals/ann-deal.yaml", deal_yaml(owner="ann", amount="9.00"))
    repo.commit("bob edits ann's deal", date="2026-02-03", who="Bob")
    result = CliRunner().invoke(main, ["policy", "--base", start, "--data", str(repo.data)])
    assert result.exit_code == 1
    assert "refuse: " in result.output and "Bob <bob@example.com>" in result.output
    assert "data/deals/ann-deal.yaml" in result.output

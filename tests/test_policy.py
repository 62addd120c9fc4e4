"""Access rules, judged on a real repository with several authors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import HISTORY_FUNNEL, HISTORY_TEAM, GitRepo, deal_yaml

from generator.analytics.policy import check_policy, managers_only
from generator.cli.main import main


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


# -- handover checklists -------------------------------------------------------------------------

CHECKLIST = """\
from: ann
date: 2026-03-01
deals:
  - {deal: acme-laptops, to: bob, method: visit, status: pending}
  - {deal: globex-servers, to: dan, method: phone, status: pending}
"""
MORE_PEOPLE = (
    "  - {id: cid, name: Cid, email: cid@example.com, role: rep, status: active, manager: boss}\n"
    "  - {id: eve, name: Eve, email: eve@example.com, role: manager, status: active}\n"
    "  - {id: dan, name: Dan, email: dan@example.com, role: rep, status: active, manager: eve}\n"
)


def with_checklist(repo, checklist=CHECKLIST):
    """A base where ann hands acme-laptops to bob and globex-servers to eve's rep dan."""
    repo.write("team.yaml", (repo.data / "team.yaml").read_text() + MORE_PEOPLE)
    if checklist is not None:
        repo.write("handovers/ann-2026-03-01.yaml", checklist)
    return repo.commit("the handover", date="2026-03-01", who="Boss")


def tick(repo, deal, who, day="2026-03-05", note=None):
    """`who` ticks `deal` off the checklist (or changes its note) in a commit of their own."""
    path = repo.data / "handovers" / "ann-2026-03-01.yaml"
    text = path.read_text()
    line = next(line for line in text.splitlines() if f"deal: {deal}," in line)
    ticked = line.split(", status: ")[0] + f", status: done, done_on: {day}"
    ticked += f", note: {note}}}" if note else "}"
    repo.write("handovers/ann-2026-03-01.yaml", text.replace(line, ticked))
    return repo.commit(f"{deal} done", date=day, who=who)


def violations(repo, start):
    result = run(repo, start)
    document = json.loads(result.output)
    assert result.exit_code == (0 if document["ok"] else 1)
    return [(v["person"], v["message"]) for v in document["violations"]]


def test_the_handovers_people_and_their_managers_tick_items_off(history_repo):
    repo = history_repo
    start = with_checklist(repo)
    tick(repo, "acme-laptops", "Wang Li")  # ann hands over
    tick(repo, "globex-servers", "Dan", day="2026-03-06")  # dan takes over
    tick(repo, "acme-laptops", "Bob", note="Went well.")  # bob, acme-laptops' successor
    tick(repo, "acme-laptops", "Boss", note="Checked.")  # ann's and bob's manager
    tick(repo, "globex-servers", "Eve", day="2026-03-06", note="Checked.")  # dan's manager
    assert violations(repo, start) == []


def test_others_may_not_tick_a_handover_item(history_repo):
    repo = history_repo
    start = with_checklist(repo)
    tick(repo, "acme-laptops", "Cid")  # a rep of the same manager, not in this handover
    tick(repo, "globex-servers", "Bob")  # bob's item is acme-laptops, not this one
    found = violations(repo, start)
    assert [person for person, _ in found] == ["cid", "bob"]
    assert found[0][1] == (
        "changed the handover of acme-laptops: only ann, bob and their managers tick it off"
    )
    assert "globex-servers: only ann, dan and their managers" in found[1][1]


def test_a_manager_outside_the_handover_may_not_tick_an_item(history_repo):
    repo = history_repo
    start = with_checklist(repo)
    tick(repo, "acme-laptops", "Eve")  # a manager, but neither ann's nor bob's
    assert [person for person, _ in violations(repo, start)] == ["eve"]


def test_the_checklist_at_the_base_decides_who_ticks(history_repo):
    repo = history_repo
    start = with_checklist(repo)
    text = (repo.data / "handovers" / "ann-2026-03-01.yaml").read_text()
    repo.write(
        "handovers/ann-2026-03-01.yaml",
        text.replace("acme-laptops, to: bob", "acme-laptops, to: cid"),
    )
    repo.commit("give it to cid", date="2026-03-02", who="Bob")  # bob may change his item
    tick(repo, "acme-laptops", "Cid", day="2026-03-03")  # cid is not its successor at base
    found = violations(repo, start)
    assert [person for person, _ in found] == ["cid"]
    assert "only ann, bob and their managers" in found[0][1]


def test_the_leavers_manager_writes_the_checklist(history_repo):
    repo = history_repo
    start = with_checklist(repo, checklist=None)
    repo.write("handovers/ann-2026-03-01.yaml", CHECKLIST)
    repo.commit("handover", date="2026-03-02", who="Boss")  # ann's manager: --apply
    assert violations(repo, start) == []


def test_a_checklist_written_in_the_range_decides_who_ticks_after_it(history_repo):
    repo = history_repo
    start = with_checklist(repo, checklist=None)
    repo.write("handovers/ann-2026-03-01.yaml", CHECKLIST)
    repo.commit("handover", date="2026-03-02", who="Boss")
    tick(repo, "acme-laptops", "Bob", day="2026-03-03")  # its successor
    tick(repo, "globex-servers", "Cid", day="2026-03-04")  # not dan, not dan's manager
    found = violations(repo, start)
    assert [person for person, _ in found] == ["cid"]
    assert "globex-servers: only ann, dan and their managers tick it off" in found[0][1]


def test_nobody_else_writes_a_checklist(history_repo):
    repo = history_repo
    start = with_checklist(repo, checklist=None)
    for who, day in (("Wang Li", "2026-03-02"), ("Bob", "2026-03-03"), ("Eve", "2026-03-04")):
        repo.write("handovers/ann-2026-03-01.yaml", CHECKLIST + f"# {who}\n" * (who != "Eve"))
        repo.commit("handover", date=day, who=who)
    found = violations(repo, start)
    assert [person for person, _ in found] == ["ann", "bob", "eve"]
    assert found[0][1] == (
        "wrote the handover checklist of ann: only ann's manager (boss) writes a checklist "
        "and adds deals to it (`funnel handover --apply`)"
    )


def test_only_the_leavers_manager_adds_deals_or_removes_a_checklist(history_repo):
    repo = history_repo
    start = with_checklist(repo)
    path = "handovers/ann-2026-03-01.yaml"
    added = (repo.data / path).read_text() + (
        "  - {deal: initech-x, to: bob, method: later, status: pending}\n"
    )
    repo.write(path, added)
    repo.commit("one more", date="2026-03-02", who="Bob")
    repo.write(path, added.replace("2026-03-01", "2026-02-01"))
    repo.commit("an earlier date", date="2026-03-03", who="Wang Li")
    repo.remove(path)
    repo.commit("done with it", date="2026-03-04", who="Bob")
    found = violations(repo, start)
    assert [person for person, _ in found] == ["bob", "ann", "bob"]
    assert found[0][1].startswith("added initech-x to the handover checklist of ann: only")
    assert found[1][1].startswith("wrote the handover checklist of ann")
    assert found[2][1].startswith("wrote the handover checklist of ann")
    repo.write(path, added)
    repo.commit("back, with one more", date="2026-03-05", who="Boss")
    assert violations(repo, repo.git("rev-parse", "HEAD~1")) == []


# -- the baseline trailer ------------------------------------------------------------------------


def test_only_managers_mark_the_baseline(history_repo):
    repo = history_repo
    start = base(repo)
    repo.write("deals/acme-import.yaml", deal_yaml(owner="ann"))
    repo.commit("import\n\nFunnel-Baseline: import", date="2026-02-03", who="Boss")
    assert violations(repo, start) == []
    later = repo.git("rev-parse", "HEAD")
    repo.write("deals/acme-late.yaml", deal_yaml(owner="ann"))
    repo.commit("old customer\n\nfunnel-baseline: yes", date="2026-02-04", who="Wang Li")
    repo.commit("nothing\n\nSigned-off-by: Bob <bob@example.com>\nFunnel-Baseline: import",
                date="2026-02-05", who="Bob")  # fmt: skip
    repo.commit("not a trailer: Funnel-Baseline: import", date="2026-02-06", who="Bob")
    found = violations(repo, later)
    assert [person for person, _ in found] == ["ann", "bob"]
    assert found[0][1] == (
        "only managers mark a commit as the baseline (the team's existing funnel on adoption "
        "day): remove the `Funnel-Baseline` trailer, or ask your manager"
    )


def test_a_merge_commit_cannot_carry_the_baseline_for_a_rep(history_repo):
    repo = history_repo
    start = base(repo)
    repo.branch("ann-import")
    repo.write("deals/acme-late.yaml", deal_yaml(owner="ann"))
    repo.commit("old customer", date="2026-02-03", who="Wang Li")
    repo.git("checkout", "-q", "main")
    repo.write("deals/bob-other.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("meanwhile", date="2026-02-03", who="Bob")
    repo.git("checkout", "-q", "ann-import")
    repo.git("merge", "-q", "--no-ff", "main", "-m", "Merge main\n\nFunnel-Baseline: import",
             date="2026-02-04", who="Wang Li")  # fmt: skip
    found = violations(repo, start)
    assert [(person, "baseline" in message) for person, message in found] == [("ann", True)]


# -- what only managers change -------------------------------------------------------------------

PROTECTED = [
    "generator/analytics/policy.py",
    "generator/site/templates/deal.md.j2",
    "templates/home.md.j2",
    ".github/workflows/pull-request.yml",
    ".github/CODEOWNERS",
    ".ci/run",
    ".ci/setup-browser",
    "Makefile",
    "pyproject.toml",
    "requirements.lock",
    "mkdocs.yml",
    "CODEOWNERS",
    "data/funnel.yaml",
    "data/team.yaml",
    "data/targets.yaml",
]


def change_file(repo, path, who, day="2026-02-03"):
    target = repo.root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.read_text() if target.exists() else ""
    target.write_text(old + "# changed\n")
    repo.commit(f"change {path}", date=day, who=who)


@pytest.mark.parametrize("path", PROTECTED)
def test_a_rep_may_not_change_the_rules_or_the_code(history_repo, path):
    start = base(history_repo)
    change_file(history_repo, path, "Wang Li")
    found = json.loads(run(history_repo, start).output)["violations"]
    assert [(v["person"], v["path"]) for v in found] == [("ann", path)]
    assert found[0]["message"].startswith("only managers change the rules")


@pytest.mark.parametrize("path", PROTECTED)
def test_a_manager_may_change_the_rules_and_the_code(history_repo, path):
    start = base(history_repo)
    change_file(history_repo, path, "Boss")
    result = run(history_repo, start)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "path", ["README.md", "docs/generator/notes.md", "data/accounts/acme.yaml", "Makefile.local"]
)
def test_a_rep_may_change_what_is_not_protected(history_repo, path):
    start = base(history_repo)
    change_file(history_repo, path, "Wang Li")
    result = run(history_repo, start)
    assert result.exit_code == 0, result.output


# -- the details a reader relies on --------------------------------------------------------------


def test_json_and_text_name_the_commit_the_author_and_the_path(history_repo):
    repo = history_repo
    start = base(repo)
    change_file(repo, "templates/首页.md.j2", "Wang Li")
    sha = repo.git("rev-parse", "HEAD")
    result = run(repo, start)
    message = (
        "only managers change the rules, the team, the workflows and the code: ask your "
        "manager to make this change"
    )
    assert (
        result.output
        == json.dumps(
            {
                "base": repo.git("rev-parse", start),
                "head": sha,
                "commits": 1,
                "ok": False,
                "violations": [
                    {
                        "commit": sha,
                        "author": "Wang Li",
                        "email": "wang.li@example.com",
                        "person": "ann",
                        "path": "templates/首页.md.j2",
                        "message": message,
                    }
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    result = check_policy(repo.data, start)  # HEAD unless told otherwise
    assert str(result.violations[0]) == (
        f"{sha[:10]} Wang Li <wang.li@example.com>: templates/首页.md.j2: {message}"
    )


def test_a_data_folder_at_the_top_of_the_repository(tmp_path):
    repo = GitRepo(tmp_path / "top")
    repo.data = repo.root
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    repo.write("team.yaml", HISTORY_TEAM)
    repo.write("deals/bob-deal.yaml", deal_yaml(owner="bob"))
    repo.write("handovers/bob-2026-02-01.yaml", CHECKLIST.replace("ann", "bob"))
    start = repo.commit("the team", date="2026-02-01", who="Boss")
    for path in ("funnel.yaml", "deals/bob-deal.yaml", "handovers/bob-2026-02-01.yaml"):
        repo.write(path, (repo.root / path).read_text() + "# changed\n")
        repo.write(path, (repo.root / path).read_text().replace("1000.00", "9.00"))
        repo.write(
            path, (repo.root / path).read_text().replace("pending}", "done, done_on: 2026-02-02}")
        )
        repo.commit(path, date="2026-02-02", who="Wang Li")
    found = json.loads(run(repo, start).output)["violations"]
    assert [v["path"] for v in found] == [
        "funnel.yaml", "deals/bob-deal.yaml", "handovers/bob-2026-02-01.yaml"
    ]  # fmt: skip
    assert managers_only("")[:3] == ["funnel.yaml", "team.yaml", "targets.yaml"]
    assert managers_only("data")[:3] == ["data/funnel.yaml", "data/team.yaml", "data/targets.yaml"]


def test_the_team_at_the_base_must_be_there_and_valid(history_repo):
    repo = history_repo
    repo.write("team.yaml", HISTORY_TEAM + "territories: []\n")  # the same key twice
    broken = repo.commit("broken team", date="2026-02-01", who="Boss")
    result = run(repo, broken)
    assert result.exit_code == 2
    assert f"data/team.yaml at {broken[:10]} is not valid: fix it first" in result.output
    repo.git("rm", "-q", "-r", "data/team.yaml")
    gone = repo.commit("no team", date="2026-02-02", who="Boss")
    result = run(repo, gone)
    assert result.exit_code == 2
    assert f"no data/team.yaml at {gone[:10]}: the base must have a team" in result.output
    (repo.data / "team.yaml").write_bytes(HISTORY_TEAM.encode() + b"# caf\xe9 (not UTF-8)\n")
    repo.commit("team again", date="2026-02-03", who="Boss")
    start = repo.git("rev-parse", "HEAD")
    repo.write("deals/ann-deal.yaml", deal_yaml())
    repo.commit("mine", date="2026-02-04", who="Wang Li")
    assert run(repo, start).exit_code == 0


def test_strangers_moves_deletions_and_nobodys_deals(history_repo):
    repo = history_repo
    start = base(repo)
    repo.write("deals/x.yaml", deal_yaml())
    repo.commit("from outside", date="2026-02-03", who="Mallory")
    (repo.data / "deals" / "west").mkdir()
    repo.git("mv", "data/deals/ann-deal.yaml", "data/deals/west/ann-deal.yaml")
    repo.write("deals/bob-deal.yaml", deal_yaml(owner="bob", amount="1.00"))  # after the move
    repo.commit("move mine, change bob's", date="2026-02-04", who="Wang Li")
    repo.write("deals/ann-other.yaml", deal_yaml(owner="ann", stage="lost", closed="2026-02-05"))
    repo.commit("lost", date="2026-02-05", who="Wang Li")
    repo.remove("deals/ann-other.yaml")
    repo.commit("a lost deal may go", date="2026-02-06", who="Wang Li")
    repo.write("deals/no-owner.yaml", deal_yaml().replace("owner: ann\n", ""))
    repo.commit("no owner", date="2026-02-07", who="Bob")
    found = [(v["person"], v["path"], v["message"]) for v in violations_json(repo, start)]
    assert found == [
        (None, "(commit)", "the author's email mallory@example.com is not in team.yaml: commit "
         "with the email team.yaml gives you, or ask a manager to add you"),
        ("ann", "data/deals/bob-deal.yaml", "changed deal bob-deal, which belongs to bob: only "
         "its owner or their manager may"),
        ("bob", "data/deals/no-owner.yaml", "changed deal no-owner, which belongs to nobody: "
         "only its owner or their manager may"),
    ]  # fmt: skip
    repo.remove("deals/bob-deal.yaml")
    repo.commit("gone", date="2026-02-08", who="Bob")
    (last,) = violations_json(repo, repo.git("rev-parse", "HEAD~1"))
    assert last["message"] == (
        "deleted deal bob-deal instead of closing it: set `stage: lost`, `closed_on` and a "
        "`lost_reason`"
    )


def violations_json(repo, start):
    return json.loads(run(repo, start).output)["violations"]


def test_a_manager_moving_a_deal_between_two_outsiders(history_repo):
    repo = history_repo
    repo.write("team.yaml", (repo.data / "team.yaml").read_text() + MORE_PEOPLE + (
        "  - {id: dave, name: Dave, email: dave@example.com, role: rep, status: active,"
        " manager: eve}\n"
    ))  # fmt: skip
    repo.write("deals/dan-deal.yaml", deal_yaml(owner="dan"))
    start = repo.commit("eve's team", date="2026-02-01", who="Boss")
    repo.write("deals/dan-deal.yaml", deal_yaml(owner="dave"))
    repo.commit("not mine to move", date="2026-02-02", who="Boss")
    (violation,) = violations_json(repo, start)
    assert violation["message"] == "changed deal dan-deal of dan, dave, who is not in boss's team"


def test_odd_checklists_are_the_managers(history_repo):
    repo = history_repo
    start = with_checklist(repo)
    path = "handovers/ann-2026-03-01.yaml"
    text = (repo.data / path).read_text()
    repo.write(path, text + "  - a note that is no item\n")
    repo.commit("stray", date="2026-03-02", who="Bob")
    repo.write(path, text.replace("deals:\n", "deals: {a: 1}\n#").replace("\n  - {", "\n#  - {"))
    repo.commit("not a list", date="2026-03-03", who="Bob")
    repo.write("handovers/nobody.yaml", "date: 2026-03-01\ndeals: []\n")
    repo.commit("no from", date="2026-03-04", who="Bob")
    repo.write("handovers/boss.yaml", "from: boss\ndate: 2026-03-01\ndeals: []\n")
    repo.commit("the boss leaves", date="2026-03-05", who="Bob")
    repo.write("handovers/odd.yaml", "from: 42\ndate: 2026-03-01\ndeals: []\n")
    repo.commit("a number", date="2026-03-06", who="Bob")
    found = [(v["path"], v["message"]) for v in violations_json(repo, start)]
    assert [path for path, _ in found] == [
        "data/handovers/ann-2026-03-01.yaml",
        "data/handovers/ann-2026-03-01.yaml",
        "data/handovers/nobody.yaml",
        "data/handovers/boss.yaml",
        "data/handovers/odd.yaml",
    ]
    assert found[2][1] == (
        "wrote the handover checklist of its leaving rep: only its leaving rep's manager writes "
        "a checklist and adds deals to it (`funnel handover --apply`)"
    )
    assert found[3][1] == (
        "wrote the handover checklist of boss: only boss's manager writes a checklist and adds "
        "deals to it (`funnel handover --apply`)"
    )


def test_checklist_messages_name_every_item_and_person(history_repo):
    repo = history_repo
    start = with_checklist(
        repo,
        CHECKLIST
        + "  - {deal: acme-laptops, to: bob, method: visit, status: pending, note: twice}\n"
        + "  - {deal: initech-x, to: zed, method: later, status: pending}\n"
        + "  - {deal: umbrella-y, to: 42, method: later, status: pending}\n",
    )
    path = "handovers/ann-2026-03-01.yaml"
    text = (repo.data / path).read_text()
    repo.write(path, text.replace("pending, note: twice}", "done, done_on: 2026-03-02, note: x}"))
    repo.commit("the second copy", date="2026-03-02", who="Cid")
    two = (
        (repo.data / path)
        .read_text()
        .replace("to: zed, method: later, status: pending", "to: zed, method: phone")
        .replace("to: 42, method: later", "to: 42, method: phone")
    )
    repo.write(path, two)
    repo.commit("two at once", date="2026-03-03", who="Cid")
    added = (repo.data / path).read_text().replace("date: 2026-03-01", "date: 2026-03-02")
    repo.write(path, added + "  - {deal: a-1, to: bob, method: later, status: pending}\n")
    repo.commit("a date and a deal", date="2026-03-04", who="Bob")
    repo.write(path, (repo.data / path).read_text() + (
        "  - {deal: a-2, to: bob, method: later, status: pending}\n"
        "  - {deal: a-3, to: bob, method: later, status: pending}\n"
    ))  # fmt: skip
    repo.commit("two deals", date="2026-03-05", who="Bob")
    found = [v["message"] for v in violations_json(repo, start)]
    assert found == [
        "changed the handover of acme-laptops: only ann, bob and their managers tick it off",
        "changed the handover of initech-x: only ann, zed and their managers tick it off; "
        "umbrella-y: only ann and their managers tick it off",
        "wrote the handover checklist of ann: only ann's manager (boss) writes a checklist and "
        "adds deals to it (`funnel handover --apply`)",
        "added a-2, a-3 to the handover checklist of ann: only ann's manager (boss) writes a "
        "checklist and adds deals to it (`funnel handover --apply`)",
    ]


def test_the_checklist_at_the_base_names_the_leaver(history_repo):
    repo = history_repo
    start = with_checklist(repo)
    path = "handovers/ann-2026-03-01.yaml"
    repo.write(path, CHECKLIST.replace("from: ann", "from: dan"))
    repo.commit("ann's manager rewrites it", date="2026-03-02", who="Boss")
    assert violations_json(repo, start) == []
    repo.write("handovers/new.yaml", CHECKLIST)
    new = repo.commit("a new one", date="2026-03-03", who="Boss")
    repo.write("handovers/new.yaml", CHECKLIST.replace("from: ann", "from: dan"))
    repo.commit("now dan's", date="2026-03-04", who="Eve")
    (found,) = violations_json(repo, repo.git("rev-parse", f"{new}~1"))
    # boss wrote it for ann in this range: that version decides, so only ann's manager
    # may hand it to dan
    assert found["message"] == (
        "wrote the handover checklist of ann: only ann's manager (boss) writes a "
        "checklist and adds deals to it (`funnel handover --apply`)"
    )


def test_baseline_trailers_before_the_base_and_odd_commits(history_repo):
    repo = history_repo
    repo.commit("old import\n\nFunnel-Baseline: import", date="2026-02-01", who="Wang Li")
    start = base(repo)  # the rep's trailer came before the base: not this pull request's
    assert violations_json(repo, start) == []
    message = repo.root / "message"
    message.write_bytes(b"caf\xe9 \x02 odd\n\nFunnel-Baseline: import\n")
    repo.git("commit", "-q", "--allow-empty", "-F", str(message), date="2026-02-03")
    sha = repo.git("rev-parse", "HEAD")
    repo.commit("stranger\n\nFunnel-Baseline: import", date="2026-02-04", who="Mallory")
    found = violations_json(repo, start)
    stranger = repo.git("rev-parse", "HEAD")
    assert [(v["commit"], v["author"], v["email"], v["person"], v["path"]) for v in found] == [
        (stranger, "Mallory", "mallory@example.com", None, "(commit)"),  # not in the team
        (sha, "Wang Li", "wang.li@example.com", "ann", "(commit)"),  # the baseline trailers
        (stranger, "Mallory", "mallory@example.com", None, "(commit)"),
    ]
    assert "not in team.yaml" in found[0]["message"] and "baseline" in found[2]["message"]


def test_closed_deals_may_go_and_a_strangers_change_names_the_new_owner(history_repo):
    repo = history_repo
    start = base(repo)
    repo.write("deals/ann-deal.yaml", deal_yaml(stage="won", closed="2026-02-03"))
    repo.commit("won", date="2026-02-03", who="Wang Li")
    repo.remove("deals/ann-deal.yaml")
    repo.commit("a won deal may go", date="2026-02-04", who="Wang Li")
    repo.write("deals/ann-other.yaml", deal_yaml(owner="cid", account="globex"))
    repo.commit("to someone else", date="2026-02-05", who="Bob")
    found = violations_json(repo, start)
    assert [v["message"] for v in found] == [
        "changed deal ann-other, which belongs to cid: only its owner or their manager may"
    ]


def test_every_part_of_a_checklist_is_compared(history_repo):
    repo = history_repo
    odd = (
        "from: ann\ndate: 2026-03-01\nextra: {list: [1, 2]}\ndeals:\n"
        "  - {deal: acme-laptops, to: bob, method: visit, status: pending}\n"
        "  - {deal: acme-laptops, to: bob, method: visit, status: pending, note: [a, b]}\n"
        "  - a note that is no item\n"
    )
    start = with_checklist(repo, odd)
    path = "handovers/ann-2026-03-01.yaml"
    steps = [
        ("note: [a, b]", "note: [a, c]"),  # a list inside an item
        ("method: visit, status: pending}\n", "method: visit, status: done}\n"),  # 1st copy
        ("a note that is no item", "another note"),  # a stray entry
        ("list: [1, 2]", "list: [1, 3]"),  # a list outside the items
    ]
    for number, (old, new) in enumerate(steps):
        repo.write(path, (repo.data / path).read_text().replace(old, new, 1))
        repo.commit(f"step {number}", date=f"2026-03-0{number + 2}", who="Cid")
    assert [v["person"] for v in violations_json(repo, start)] == ["cid"] * 4


@pytest.mark.parametrize("deals", ["deals:\n", "deals: {a: 1}\n"])
def test_a_checklist_without_a_list_of_deals(history_repo, deals):
    repo = history_repo
    start = with_checklist(repo, "from: ann\ndate: 2026-03-01\n" + deals)
    path = "handovers/ann-2026-03-01.yaml"
    repo.write(path, (repo.data / path).read_text().replace("a: 1", "a: 2") + "# ticked\n")
    repo.write(path, (repo.data / path).read_text().replace("deals:\n", "deals: x\n"))
    repo.commit("change", date="2026-03-02", who="Cid")
    assert [v["person"] for v in violations_json(repo, start)] == ["cid"]


def test_a_checklist_rewritten_for_two_leavers_names_both_and_their_managers(history_repo):
    repo = history_repo
    start = with_checklist(repo, checklist=None)
    path = "handovers/ann-2026-03-01.yaml"
    repo.write(path, "from: ann\ndate: 2026-03-01\ndeals: []\n")
    repo.commit("ann's checklist", date="2026-03-02", who="Bob")
    repo.write(path, "from: dan\ndate: 2026-03-01\ndeals: []\n")
    repo.commit("dan's now", date="2026-03-03", who="Bob")
    assert [v["message"] for v in violations_json(repo, start)] == [
        "wrote the handover checklist of ann: only ann's manager (boss) writes a checklist and "
        "adds deals to it (`funnel handover --apply`)",
        "wrote the handover checklist of ann, dan: only ann, dan's manager (boss, eve) writes a "
        "checklist and adds deals to it (`funnel handover --apply`)",
    ]


def test_a_repository_whose_git_folder_the_environment_names_is_judged(history_repo, tmp_path):
    repo = history_repo
    start = base(repo)
    repo.write("deals/ann-deal.yaml", deal_yaml(owner="ann", amount="9.00"))
    repo.commit("bob edits ann's deal", date="2026-02-03", who="Bob")
    store = tmp_path / "elsewhere.git"
    (repo.root / ".git").rename(store)  # as with GIT_DIR and GIT_WORK_TREE in a CI job
    env = {"PATH": "/usr/bin:/bin", "GIT_DIR": str(store), "GIT_WORK_TREE": str(repo.root)}
    result = check_policy(repo.data, start, git_env=env)
    assert result.commits == 1
    assert [str(v).split(": ", 1)[1] for v in result.violations] == [
        "data/deals/ann-deal.yaml: changed deal ann-deal, which belongs to ann: only its owner "
        "or their manager may"
    ]

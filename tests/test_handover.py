"""The handover: the plan, and --apply that changes only the owner lines and writes a checklist."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import deal_yaml

from generator.analytics.deals import team_by_id
from generator.analytics.handover import checklist_rows, handover_item, plan_handover, plan_rows
from generator.analytics.pipeline import DealIndex
from generator.cli.main import main
from generator.data.validate import check
from generator.exchange.handover import HandoverError, apply_handover, replace_owner

VALID = Path(__file__).resolve().parent / "fixtures" / "valid"

COMMENTED = """\
# yaml-language-server: $schema=../../schemas/deal.schema.json
account: globex   # since the 2025 trade show
contact: Li
owner: "ann"      # quoted, with a comment
title: 'Servers: phase 2'
amount: 2000.00
expected_close: 2026-09-30
stage: verbal
created: 2026-01-01
log:
  - {date: 2026-02-01, note: Called.}   # flow style stays
"""


def setup(repo):
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="lead", amount="5000.00"))  # 500
    repo.write("deals/acme-printers.yaml", deal_yaml(stage="offer", amount="1000.00"))  # 400
    repo.write("deals/acme-network.yaml", deal_yaml(stage="offer", amount="2000.00"))  # 800
    repo.write("deals/east/globex-servers.yaml", COMMENTED)  # verbal 1600
    repo.write(
        "deals/initech-won.yaml", deal_yaml(account="initech", stage="won", closed="2026-01-20")
    )
    repo.write("deals/initech-bob.yaml", deal_yaml(account="initech", owner="bob"))
    repo.commit("the funnel", date="2026-02-02")


def run(repo, *args):
    return CliRunner().invoke(
        main, ["handover", *args, "--data", str(repo.data), "--as-of", "2026-03-01"]
    )


def files(repo):
    return {
        path.relative_to(repo.data).as_posix(): path.read_bytes()
        for path in sorted(repo.data.rglob("*.yaml"))
    }


def test_the_plan_groups_the_open_deals_by_method(history_repo):
    setup(history_repo)
    result = run(history_repo, "ann", "bob", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert (plan["from"], plan["to"], plan["as_of"]) == ("ann", "bob", "2026-03-01")
    assert [d["deal"] for d in plan["visit"]] == ["globex-servers"]
    assert [d["deal"] for d in plan["phone"]] == ["acme-network", "acme-printers"]
    assert [d["deal"] for d in plan["later"]] == ["acme-laptops"]
    first = plan["visit"][0]
    assert (first["contact"], first["phone"], first["amount"], first["stage"]) == (
        "Li",
        "+1 5",
        "2000.00",
        "verbal",
    )
    assert first["expected_close"] == "2026-09-30"
    assert first["last_log"] == {"date": "2026-02-01", "note": "Called."}


def test_apply_changes_only_the_owner_lines_of_the_leavers_open_deals(history_repo):
    setup(history_repo)
    before = files(history_repo)
    result = run(history_repo, "ann", "bob", "--apply")
    assert result.exit_code == 0, result.output
    assert "git switch -c handover/ann-2026-03-01" in result.output
    after = files(history_repo)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {
        "deals/acme-laptops.yaml",
        "deals/acme-printers.yaml",
        "deals/acme-network.yaml",
        "deals/east/globex-servers.yaml",
        "handovers/ann-2026-03-01.yaml",
    }
    for path in changed - {"handovers/ann-2026-03-01.yaml"}:
        old, new = before[path].decode().splitlines(True), after[path].decode().splitlines(True)
        differing = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert len(differing) == 1, path
        assert differing[0][0].startswith("owner:") and "bob" in differing[0][1]
    assert after["deals/east/globex-servers.yaml"].decode() == COMMENTED.replace(
        'owner: "ann"      #', 'owner: "bob"      #'
    )
    checklist = after["handovers/ann-2026-03-01.yaml"].decode()
    assert "from: ann\ndate: 2026-03-01\ndeals:\n" in checklist
    assert checklist.index("globex-servers") < checklist.index("acme-network")
    assert "  - {deal: acme-laptops, to: bob, method: later, status: pending}\n" in checklist
    check = CliRunner().invoke(
        main, ["check", "--data", str(history_repo.data), "--as-of", "2026-03-01"]
    )
    assert check.exit_code == 0, check.output


def test_apply_again_after_the_commit_changes_nothing(history_repo):
    setup(history_repo)
    assert run(history_repo, "ann", "bob", "--apply").exit_code == 0
    history_repo.commit("hand over", date="2026-03-01")
    before = files(history_repo)
    again = run(history_repo, "ann", "bob", "--apply")
    assert again.exit_code == 0, again.output
    assert "nothing to hand over" in again.output
    assert files(history_repo) == before
    assert history_repo.git("status", "--porcelain") == ""


def test_apply_refuses_a_dirty_tree_and_changes_nothing(history_repo):
    setup(history_repo)
    history_repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", amount="5000.00"))
    before = files(history_repo)
    result = run(history_repo, "ann", "bob", "--apply")
    assert result.exit_code == 1
    assert "uncommitted changes" in result.output and "acme-laptops" in result.output
    assert files(history_repo) == before


def test_a_split_handover_to_two_successors(history_repo):
    setup(history_repo)
    history_repo.write(
        "team.yaml",
        (history_repo.data / "team.yaml").read_text()
        + "  - {id: cid, name: Cid, role: rep, status: active, manager: boss, territory: west}\n",
    )
    history_repo.commit("Cid joins", date="2026-02-20")
    first = run(history_repo, "ann", "bob", "--account", "globex", "--apply")
    assert first.exit_code == 0, first.output
    history_repo.commit("globex to bob", date="2026-03-01")
    second = run(history_repo, "ann", "cid", "--account", "acme", "--apply")
    assert second.exit_code == 0, second.output
    checklist = (history_repo.data / "handovers" / "ann-2026-03-01.yaml").read_text()
    assert "{deal: globex-servers, to: bob, method: visit" in checklist
    assert "{deal: acme-network, to: cid, method: phone" in checklist
    assert checklist.count("from: ann") == 1
    owners = {
        name: (history_repo.data / "deals" / name).read_text().split("owner: ")[1].split()[0]
        for name in ("acme-laptops.yaml", "acme-network.yaml", "east/globex-servers.yaml")
    }
    assert owners == {
        "acme-laptops.yaml": "cid",
        "acme-network.yaml": "cid",
        "east/globex-servers.yaml": '"bob"',
    }


def test_unknown_people_and_accounts_are_usage_errors(history_repo):
    setup(history_repo)
    assert run(history_repo, "anne", "bob").exit_code == 2
    assert "did you mean `ann`" in run(history_repo, "anne", "bob").output
    assert run(history_repo, "ann", "ann").exit_code == 2
    assert run(history_repo, "ann", "bob", "--account", "nope").exit_code == 2


SHARED_METHOD_FUNNEL = """\
currency: EUR
stages:
  - {id: lead, probability: 10, handover: later}
  - {id: offer, probability: 40, handover: phone}
  - {id: quote, probability: 60, handover: phone}
  - {id: verbal, probability: 80, handover: visit}
rules: {min_days_in_funnel: 14, stale_after_days: 14}
"""


def test_within_a_method_the_largest_weighted_amount_comes_first(history_repo):
    """Two stages share the phone: the order is by weighted amount across both, neither by
    stage nor by amount nor by id."""
    repo = history_repo
    repo.write("funnel.yaml", SHARED_METHOD_FUNNEL)
    deals = {
        "a-offer-big": ("offer", "2500.00"),  # 1000
        "b-quote-big": ("quote", "2000.00"),  # 1200
        "c-quote-small": ("quote", "1000.00"),  # 600
        "d-offer-small": ("offer", "1000.00"),  # 400
        "e-offer-tie": ("offer", "1500.00"),  # 600: ties with c, the larger amount first
    }
    for name, (stage, amount) in deals.items():
        repo.write(f"deals/{name}.yaml", deal_yaml(stage=stage, amount=amount))
    repo.commit("the funnel", date="2026-02-02")
    result = run(repo, "ann", "bob", "--format", "json")
    assert result.exit_code == 0, result.output
    phone = json.loads(result.output)["phone"]
    assert [(d["deal"], d["weighted"]) for d in phone] == [
        ("b-quote-big", "1200.00"),
        ("a-offer-big", "1000.00"),
        ("e-offer-tie", "600.00"),
        ("c-quote-small", "600.00"),
        ("d-offer-small", "400.00"),
    ]


@pytest.mark.parametrize("ending", ["\r\n", "\n"])
@pytest.mark.parametrize(
    "deals",
    [
        "deals: []\n",
        "deals: []   # none yet\n",
        "deals:\n  - {deal: initech-bob, to: bob, method: later, status: pending}\n",
    ],
)
def test_apply_keeps_each_files_line_endings(history_repo, ending, deals):
    repo = history_repo
    setup(repo)
    crlf = (
        deal_yaml(stage="offer", amount="3000.00", log=[("2026-02-01", "Called.")])
        .replace("\n", "\r\n")
        .encode()
    )
    (repo.data / "deals" / "acme-crlf.yaml").write_bytes(crlf)
    checklist = "from: ann\ndate: 2026-03-01\n" + deals
    path = repo.data / "handovers" / "ann-2026-03-01.yaml"
    path.parent.mkdir()
    path.write_bytes(checklist.replace("\n", ending).encode())
    repo.commit("files from two editors", date="2026-02-03")
    before = files(repo)
    result = run(repo, "ann", "bob", "--apply")
    assert result.exit_code == 0, result.output
    after = files(repo)
    assert after["deals/acme-crlf.yaml"] == crlf.replace(b"owner: ann\r\n", b"owner: bob\r\n")
    lf = after["deals/acme-laptops.yaml"]
    assert b"\r" not in lf and lf == before["deals/acme-laptops.yaml"].replace(
        b"owner: ann\n", b"owner: bob\n"
    )
    written = after["handovers/ann-2026-03-01.yaml"].decode()
    assert written.count("\n") == written.count(ending) == len(written.splitlines())
    assert written.count("deals:") == 1
    assert "{deal: acme-crlf, to: bob, method: phone, status: pending}" in written
    assert written.startswith("from: ann" + ending + "date: 2026-03-01" + ending + "deals:")
    check = CliRunner().invoke(main, ["check", "--data", str(repo.data), "--as-of", "2026-03-01"])
    assert check.exit_code == 0, check.output


# -- the plan and --apply, piece by piece ---------------------------------------------------------

CHINESE_ACCOUNT = """\
name: 上海华东电子有限公司
territory: west
contacts:
  - {name: 李明, phone: "+86 21 5555 0101", email: li.ming@example.cn}
"""


def dataset_of(repo, valid=True):
    result = check(repo.data, date(2026, 3, 1))
    assert result.ok or not valid, result.problems
    return result.dataset


def test_plan_json_tells_the_successor_how_to_reach_the_customer(history_repo):
    repo = history_repo
    repo.write("accounts/huadong.yaml", CHINESE_ACCOUNT)
    repo.write(
        "deals/huadong-pcs.yaml",
        deal_yaml(account="huadong", stage="offer", amount="100.00").replace("Li", "李明"),
    )
    repo.write("deals/bob-first.yaml", deal_yaml(owner="bob", stage="offer"))  # not ann's
    repo.commit("the funnel", date="2026-02-02")
    plan = plan_handover(dataset_of(repo), "ann", date(2026, 3, 1), "bob")
    assert [item.deal.id for item in plan.items] == ["huadong-pcs"]
    text = plan.to_json()
    assert text.startswith('{\n  "from": "ann",\n  "to": "bob",\n  "as_of": "2026-03-01",\n')
    assert '"account_name": "上海华东电子有限公司"' in text and '"contact": "李明"' in text
    (item,) = json.loads(text)["phone"]
    assert item == {
        "deal": "huadong-pcs",
        "title": "Laptops",
        "account": "huadong",
        "account_name": "上海华东电子有限公司",
        "contact": "李明",
        "phone": "+86 21 5555 0101",
        "email": "li.ming@example.cn",
        "amount": "100.00",
        "weighted": "40.00",
        "stage": "offer",
        "expected_close": "2026-06-30",
        "last_log": None,
    }


def test_an_item_without_its_account_or_contact_says_so(history_repo):
    repo = history_repo
    setup(repo)
    dataset = dataset_of(repo)
    deal = dataset.deals["acme-laptops"]
    item = handover_item(dataset, deal.model_copy(update={"account": "gone", "contact": "x"}))
    assert item is not None and (item.account, item.contact) == (None, None)
    shown = item.as_json()
    assert (shown["account_name"], shown["phone"], shown["email"]) == (None, None, None)
    no_contact = handover_item(dataset, deal.model_copy(update={"contact": "Nobody"}))
    assert no_contact.account is not None and no_contact.as_json()["phone"] is None
    won = handover_item(dataset, dataset.deals["initech-won"])
    assert won.weighted == 0 and won.stage.id == "won"


def test_plan_rows_and_checklist_rows(history_repo):
    repo = history_repo
    setup(repo)
    repo.write(
        "handovers/ann-2026-03-01.yaml",
        "from: ann\ndate: 2026-03-01\ndeals:\n"
        "  - {deal: acme-network, to: bob, method: phone, status: done, done_on: 2026-03-02,"
        " note: Called.}\n"
        "  - {deal: gone-deal, to: bob, method: phone, status: pending}\n"
        "  - {deal: acme-laptops, to: bob, method: later, status: pending}\n",
    )
    dataset = dataset_of(repo, valid=False)  # a deal that is gone, deals not handed over yet
    rows = plan_rows(plan_handover(dataset, "ann", date(2026, 3, 1), "bob"))
    assert [(r.item.deal.id, r.to, r.status, r.done_on, r.note) for r in rows["later"]] == [
        ("acme-laptops", "bob", "pending", None, None)
    ]
    checklist = dataset.handovers["ann-2026-03-01"]
    listed = checklist_rows(checklist, dataset)
    assert {method: [r.item.deal.id for r in rows] for method, rows in listed.items()} == {
        "visit": [],
        "phone": ["acme-network"],
        "later": ["acme-laptops"],
    }
    done = listed["phone"][0]
    assert (done.to, done.status, done.done_on, done.note) == (
        "bob",
        "done",
        date(2026, 3, 2),
        "Called.",
    )


def test_apply_names_the_leaver_and_lists_a_deal_once(history_repo):
    repo = history_repo
    setup(repo)
    path = repo.data / "handovers" / "ann-2026-03-01.yaml"
    path.parent.mkdir()
    listed = "from: ann\ndate: 2026-03-01\ndeals:\n" + (
        "  - {deal: acme-laptops, to: bob, method: later, status: pending}"  # no newline at end
    )
    path.write_text(listed)
    repo.commit("the checklist first", date="2026-02-03")
    dataset = dataset_of(repo)
    plan = plan_handover(dataset, "ann", date(2026, 3, 1), "bob", accounts=["acme"])
    applied = apply_handover(repo.data, dataset, plan)
    assert applied is not None and applied.checklist == path
    assert applied.checklist_before == listed.encode()
    assert sorted(p.name for p in applied.deals) == [
        "acme-laptops.yaml",
        "acme-network.yaml",
        "acme-printers.yaml",
    ]
    assert (
        applied.deals[repo.data / "deals" / "acme-laptops.yaml"]
        == deal_yaml(stage="lead", amount="5000.00").encode()
    )
    text = path.read_text()
    assert text.startswith(listed + "\n  - {deal: acme-network, to: bob, method: phone")
    assert text.count("acme-laptops") == 1
    applied.rollback()
    assert path.read_text() == listed
    assert "owner: ann" in (repo.data / "deals" / "acme-laptops.yaml").read_text()
    repo.git("checkout", "-q", "--", ".")
    # with everything listed already, only the owner lines change
    more = ("acme-network", "acme-printers")
    path.write_text(
        listed
        + "".join(f"\n  - {{deal: {d}, to: bob, method: phone, status: pending}}" for d in more)
    )
    repo.commit("all listed", date="2026-02-04")
    applied = apply_handover(repo.data, dataset_of(repo), plan)
    assert applied is not None and len(applied.deals) == 3
    assert "owner: bob" in (repo.data / "deals" / "acme-laptops.yaml").read_text()


def test_a_new_checklist_names_the_leaver_and_a_rollback_removes_it(history_repo):
    repo = history_repo
    setup(repo)
    dataset = dataset_of(repo)
    plan = plan_handover(dataset, "ann", date(2026, 3, 1), "bob")
    applied = apply_handover(repo.data, dataset, plan)
    assert applied is not None and applied.checklist_before is None
    assert applied.checklist.read_text().startswith(
        "# yaml-language-server: $schema=../../schemas/handover.schema.json\n"
        "# The handover of Ann's deals."
    )
    applied.rollback()
    assert not applied.checklist.exists()
    assert history_repo.git("status", "--porcelain") == ""


def test_apply_names_at_most_five_uncommitted_files(history_repo):
    repo = history_repo
    setup(repo)
    for name in ("a", "b", "c", "d", "e", "f"):
        repo.write(f"deals/{name}.yaml", deal_yaml())
    repo.commit("six more", date="2026-02-03")
    for name in ("a", "b", "c", "d", "e", "f"):
        repo.write(f"deals/{name}.yaml", deal_yaml(amount="1.00"))
    dataset = dataset_of(repo)
    with pytest.raises(HandoverError) as refused:
        apply_handover(repo.data, dataset, plan_handover(dataset, "ann", date(2026, 3, 1), "bob"))
    assert str(refused.value) == (
        "tracked files under the data folder have uncommitted changes: commit or stash them "
        "first (data/deals/a.yaml, data/deals/b.yaml, data/deals/c.yaml, data/deals/d.yaml, "
        "data/deals/e.yaml, ...)"
    )
    repo.git("checkout", "-q", "--", "data/deals/f.yaml")
    with pytest.raises(HandoverError, match=r"data/deals/e.yaml\)$"):
        apply_handover(repo.data, dataset, plan_handover(dataset, "ann", date(2026, 3, 1), "bob"))


@pytest.mark.parametrize(
    ("line", "changed"),
    [
        ('owner: "ann"   # was "bob"\n', 'owner: "cid"   # was "bob"\n'),
        ("owner: 'ann'\n", "owner: 'cid'\n"),
        ("owner: ann.b-c_d  # id\n", "owner: cid  # id\n"),
        ("owner: ann", "owner: cid"),
    ],
)
def test_replace_owner_keeps_quotes_comments_and_the_last_line(line, changed):
    head = "account: acme\ncontact: Li\n"
    assert replace_owner(head + line, "cid") == head + changed


def test_a_handover_the_check_refuses_is_undone(history_repo):
    from generator.exchange.handover import apply_checked

    repo = history_repo
    setup(repo)
    before = files(repo)
    dataset = dataset_of(repo)
    plan = plan_handover(dataset, "ann", date(2026, 3, 1), "ghost")  # nobody in team.yaml
    checked = apply_checked(str(repo.data), dataset, plan)
    assert checked is not None and not checked.ok
    assert any("ghost" in problem.message for problem in checked.errors)
    assert files(repo) == before and repo.git("status", "--porcelain") == ""


def test_apply_reads_a_repository_whose_git_folder_the_environment_names(history_repo, tmp_path):
    from generator.exchange.handover import apply_checked

    repo = history_repo
    setup(repo)
    store = tmp_path / "elsewhere.git"
    (repo.root / ".git").rename(store)  # as with GIT_DIR and GIT_WORK_TREE in a CI job
    env = {"PATH": "/usr/bin:/bin", "GIT_DIR": str(store), "GIT_WORK_TREE": str(repo.root)}
    dataset = dataset_of(repo)
    plan = plan_handover(dataset, "ann", date(2026, 3, 1), "bob")
    checked = apply_checked(str(repo.data), dataset, plan, git_env=env)
    assert checked is not None and checked.ok
    assert "owner: bob" in (repo.data / "deals" / "acme-laptops.yaml").read_text()
    with pytest.raises(HandoverError, match=r"uncommitted changes: .*data/deals/acme-laptops"):
        apply_checked(str(repo.data), dataset_of(repo), plan, git_env=env)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["han-mey", "li-lei"], "Invalid value for FROM: no person `han-mey` in team.yaml: "
         "did you mean `han-mei`?"),
        (["han-mei", "li-le"], "Invalid value for TO: no person `li-le` in team.yaml: "
         "did you mean `li-lei`?"),
        (["han-mei", "nobody"], "Invalid value for TO: no person `nobody` in team.yaml\n"),
        (["han-mei", "han-mei"], "Invalid value for TO: FROM and TO are the same person\n"),
        (["han-mei", "zhou-bo"], "Invalid value for TO: zhou-bo has left: "
         "choose an active successor\n"),
        (["han-mei", "li-lei", "--account", "pearl-river-food"], "Invalid value for --account: "
         "no account `pearl-river-food`: did you mean `pearl-river-foods`?\n"),
        (["han-mei", "li-lei", "--account", "pearl-river-foods", "--account", "nobody"],
         "Invalid value for --account: no account `nobody`\n"),
    ],
)  # fmt: skip
def test_a_refused_handover_says_which_argument_to_correct(arguments, error):
    fixture = str(VALID)
    result = CliRunner().invoke(
        main, ["handover", *arguments, "--data", fixture, "--as-of", "2026-11-26"]
    )
    assert result.exit_code == 2 and f"Error: {error}" in result.output


def test_a_leaving_rep_may_still_take_deals_over():
    fixture = str(VALID)
    result = CliRunner().invoke(
        main, ["handover", "li-lei", "han-mei", "--data", fixture, "--as-of", "2026-11-26"]
    )
    assert result.exit_code == 0, result.output


def test_a_plan_from_the_reps_own_deals_is_the_plan_from_every_deal():
    """The site plans each rep's handover from that rep's deals (a plan per rep would read
    every deal of the team otherwise): the same plan, a closed or another rep's deal given
    by mistake left out as ever."""
    dataset = check(Path(__file__).resolve().parent.parent / "data", date(2026, 11, 26))
    valid = dataset.dataset.valid()
    index = DealIndex.of(valid)
    people = team_by_id(valid)
    everyone = list(valid.deals.values())
    planned = 0
    for person in valid.team.people:
        day = date(2026, 11, 26)
        whole = plan_handover(valid, person.id, day)
        owned = index.by_owner.get(person.id, [])
        assert plan_handover(valid, person.id, day, owned=owned, people=people) == whole
        assert plan_handover(valid, person.id, day, owned=everyone, people=people) == whole
        planned += len(whole.items)
    assert planned > 10  # open deals of several reps
    closed = [deal for deal in everyone if not deal.is_open]
    assert (
        closed and not plan_handover(valid, closed[0].owner, date(2026, 11, 26), owned=closed).items
    )

"""The handover: the plan, and --apply that changes only the owner lines and writes a checklist."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import deal_yaml

from generator.cli import main

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

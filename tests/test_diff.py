"""`funnel diff`: business changes between two revisions, as JSON and as a review comment."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from conftest import deal_yaml

from generator.analytics.diff_records import RecordChange
from generator.cli.main import main
from generator.history.events import Change
from generator.site.describe import describe_by_key, describe_change, describe_record
from generator.site.words import EN, ZH


def run(repo, *args):
    return CliRunner().invoke(main, ["diff", *args, "--data", str(repo.data)])


def scenario(repo):
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", amount="1000.00"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", amount="2000.00"))
    repo.write("deals/initech-printers.yaml", deal_yaml(account="initech", owner="bob"))
    repo.write("deals/old-deal.yaml", deal_yaml(owner="bob", amount="500.00"))
    base = repo.commit("week 1", date="2026-02-02")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal", amount="1000.00"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", amount="2500.00"))
    repo.write(
        "deals/initech-printers.yaml",
        deal_yaml(account="initech", owner="ann", expected="2026-08-31"),
    )
    repo.remove("deals/old-deal.yaml")
    repo.write("deals/new-deal.yaml", deal_yaml(owner="bob", stage="won", closed="2026-02-08"))
    head = repo.commit("week 2", date="2026-02-09", who="Bob")
    return base, head


def test_json_lists_every_business_change(history_repo):
    base, head = scenario(history_repo)
    result = run(history_repo, base, head, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["base"] == base and document["head"] == head
    changes = {(c["deal"], c["kind"], c.get("field")): c for c in document["changes"]}
    stage = changes[("acme-laptops", "changed", "stage")]
    assert (stage["from"], stage["to"], stage["owner"], stage["what"]) == (
        "offer",
        "verbal",
        "ann",
        "stage_up",
    )
    amount = changes[("globex-servers", "changed", "amount")]
    assert (amount["from"], amount["to"]) == ("2000.00", "2500.00")
    slip = changes[("initech-printers", "changed", "expected_close")]
    assert (slip["from"], slip["to"], slip["what"]) == ("2026-06-30", "2026-08-31", "slipped")
    owner = changes[("initech-printers", "changed", "owner")]
    assert (owner["from"], owner["to"]) == ("bob", "ann")
    assert changes[("old-deal", "removed", None)]["owner"] == "bob"
    added = changes[("new-deal", "added", None)]
    assert added["what"] == "won_at_once" and added["owner"] == "bob"
    # weighted: acme 400 -> 800 (+400); globex 200 -> 250 (+50); initech's 100 moves from
    # bob to ann; old-deal -50 (bob); new-deal is won (0)
    assert document["weighted_delta"] == {
        "total": "400.00",
        "owners": {"ann": "550.00", "bob": "-150.00"},
        "rules": "0.00",
    }
    assert document["rules"] == document["accounts"] == document["checklists"] == []


def test_markdown_puts_red_flags_first_and_groups_by_owner(history_repo):
    base, head = scenario(history_repo)
    result = run(history_repo, base, head)
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.index("Red flags") < text.index("#### ann")
    assert "old\\-deal" in text.split("#### ann")[0]
    assert "removed without being closed" in text
    assert "entered as already won" in text
    assert "stage offer → verbal \\(moved down the funnel\\)" in text
    assert "Weighted forecast **+400.00 EUR**" in text
    assert "#### bob · weighted -150.00" in text


def test_without_head_the_working_tree_is_compared(history_repo):
    scenario(history_repo)
    history_repo.write("deals/acme-laptops.yaml", deal_yaml(stage="lead"))
    document = json.loads(run(history_repo, "HEAD", "--format", "json").output)
    assert document["head"] == "worktree"
    assert [(c["deal"], c["field"], c["to"]) for c in document["changes"]] == [
        ("acme-laptops", "stage", "lead")
    ]


def test_a_diff_of_two_commits_ignores_what_is_not_committed(history_repo):
    base, head = scenario(history_repo)
    committed = run(history_repo, base, head, "--format", "json")
    assert committed.exit_code == 0, committed.output
    history_repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", amount="9999.00"))
    history_repo.write(
        "accounts/acme.yaml", "name: Acme Renamed\nterritory: west\ncontacts: [{name: Li}]\n"
    )
    funnel = (history_repo.data / "funnel.yaml").read_text(encoding="utf-8")
    (history_repo.data / "funnel.yaml").write_text(
        funnel.replace("probability: 80", "probability: 90"), encoding="utf-8"
    )
    edited = run(history_repo, base, head, "--format", "json")
    assert edited.exit_code == 0, edited.output
    assert edited.output == committed.output
    assert "9999" in run(history_repo, base, "--format", "json").output  # the working tree's


def test_a_move_is_listed_as_moved_and_nothing_else(history_repo):
    history_repo.write("deals/acme-laptops.yaml", deal_yaml())
    base = history_repo.commit("new", date="2026-02-02")
    (history_repo.data / "deals" / "west").mkdir()
    history_repo.git("mv", "data/deals/acme-laptops.yaml", "data/deals/west/acme-laptops.yaml")
    head = history_repo.commit("move", date="2026-02-03")
    document = json.loads(run(history_repo, base, head, "--format", "json").output)
    assert document["changes"] == [
        {
            "deal": "acme-laptops",
            "owner": "ann",
            "kind": "moved",
            "field": "path",
            "from": "data/deals/acme-laptops.yaml",
            "to": "data/deals/west/acme-laptops.yaml",
            "what": "moved",
        }
    ]
    assert document["weighted_delta"] == {"total": "0.00", "owners": {}, "rules": "0.00"}


def test_unknown_revision_is_a_usage_error(history_repo):
    result = run(history_repo, "no-such-branch")
    assert result.exit_code == 2
    assert "unknown revision `no-such-branch`" in result.output
    assert "Traceback" not in result.output


def test_a_rule_change_is_named_and_its_weight_is_the_rules_own(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", amount="1000.00"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob"))
    base = repo.commit("deals", date="2026-02-02")
    funnel = (repo.data / "funnel.yaml").read_text(encoding="utf-8")
    funnel = funnel.replace("{id: offer, probability: 40", "{id: offer, probability: 60")
    funnel = funnel.replace("{id: lead, probability: 10, handover: later}", "{id: lead, "
                            "name: Lead, probability: 10, handover: phone}")  # fmt: skip
    funnel = funnel.replace("stale_after_days: 14", "stale_after_days: 21")
    funnel = funnel.replace(
        "  - {id: verbal", "  - {id: nearly, probability: 70, handover: visit}\n  - {id: verbal"
    )
    repo.write("funnel.yaml", funnel)
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal", amount="1000.00"))
    head = repo.commit("probabilities from last year's wins", date="2026-02-09", who="Boss")
    document = json.loads(run(repo, base, head, "--format", "json").output)
    # the rules alone: acme's 1000 at offer 40% -> 60% (+200); the deal then moves to
    # verbal (80%) under the new rules: +200 for ann
    assert document["weighted_delta"] == {
        "total": "400.00",
        "owners": {"ann": "200.00"},
        "rules": "200.00",
    }
    rules = {(r["subject"], r["what"]): (r["from"], r["to"]) for r in document["rules"]}
    assert rules == {
        ("offer", "probability"): (40, 60),
        ("lead", "stage_renamed"): (None, "Lead"),
        ("lead", "handover"): ("later", "phone"),
        ("nearly", "stage_added"): (None, 70),
        ("stale_after_days", "rule"): (14, 21),
    }
    text = run(repo, base, head).output
    assert "#### Rules · weighted +200.00" in text
    assert "probability 40% → 60%" in text and "new stage at 70%" in text
    assert "Weighted forecast **+400.00 EUR**" in text


def test_accounts_contacts_and_checklist_ticks_are_named(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write(
        "handovers/bob-2026-02-01.yaml",
        "from: bob\ndate: 2026-02-01\ndeals:\n"
        "  - {deal: acme-laptops, to: ann, method: later, status: pending}\n",
    )
    base = repo.commit("deals", date="2026-02-02")
    repo.write(
        "accounts/acme.yaml",
        "name: Acme\nterritory: west\ncontacts:\n  - {name: Li, phone: '+1 6'}\n"
        "  - {name: Zhou, email: zhou@example.com}\n",
    )
    repo.write("accounts/hooli.yaml", "name: Hooli\nterritory: west\ncontacts: [{name: Ma}]\n")
    repo.write(
        "handovers/bob-2026-02-01.yaml",
        "from: bob\ndate: 2026-02-01\ndeals:\n  - {deal: acme-laptops, to: ann, method: later,"
        " status: done, done_on: 2026-02-05}\n",
    )
    head = repo.commit("phones and a call", date="2026-02-09")
    document = json.loads(run(repo, base, head, "--format", "json").output)
    accounts = [(a["subject"], a["what"], a["item"], a["field"], a["from"], a["to"])
                for a in document["accounts"]]  # fmt: skip
    assert accounts == [
        ("acme", "contact_changed", "Li", "phone", "+1 5", "+1 6"),
        ("acme", "contact_added", "Zhou", None, None, None),
        ("hooli", "account_added", None, "name", None, "Hooli"),
    ]
    ticks = [(c["subject"], c["what"], c["item"], c["field"], c["to"])
             for c in document["checklists"]]  # fmt: skip
    assert ticks == [
        ("bob-2026-02-01", "item_done", "acme-laptops", "status", "done"),
        ("bob-2026-02-01", "item_changed", "acme-laptops", "done_on", "2026-02-05"),
    ]
    text = run(repo, base, head).output
    assert "contact Li: phone \\+1 5 → \\+1 6" in text
    assert "acme\\-laptops handed over" in text
    assert "No business change" not in text


def test_the_whole_comment_and_document_of_a_rich_diff(history_repo, golden):
    repo = history_repo
    base, _ = scenario(repo)
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal", amount="1000.00",
               log=[("2026-02-10", "Demo | pricing <b>")]))  # fmt: skip
    repo.write("deals/hooli-move.yaml", deal_yaml(account="globex", stage="won",
               closed="2026-02-11") + "products: [ZBook, ProBook]\n")  # fmt: skip
    funnel = (repo.data / "funnel.yaml").read_text(encoding="utf-8")
    repo.write("funnel.yaml", funnel.replace("probability: 40", "probability: 45"))
    repo.write("accounts/acme.yaml", "name: Acme Corp\nterritory: west\ncontacts: [{name: Li}]\n")
    head = repo.commit("week 3", date="2026-02-16", who="Boss")
    golden("diff/rich.md", run(repo, base, head, "--as-of", "2026-02-16").output)
    golden(
        "diff/rich.json", run(repo, base, head, "--format", "json", "--as-of", "2026-02-16").output
    )


# -- one describer, two registers ------------------------------------------------------------


def test_a_change_by_key_names_fields_and_stages_as_the_files_do():
    """The JSON, the pull-request comment and the CLI review show keys and ids; the site shows
    the same change in its words, with the stages' names."""
    labels = {"stage": {"offer": "Offer", "lost": "Lost"}}
    slipped = Change(
        "d", "changed", "slipped", "expected_close", date(2026, 3, 1), date(2026, 4, 1)
    )
    reopened = Change("d", "changed", "reopened", "stage", "lost", "offer")
    added = Change("d", "added", "added", "stage", None, "offer")
    assert describe_by_key(slipped) == "expected_close 2026-03-01 → 2026-04-01 (slipped)"
    assert (
        describe_change(slipped, EN, labels) == "expected close 2026-03-01 → 2026-04-01 (slipped)"
    )
    assert describe_by_key(reopened) == "stage lost → offer"
    assert describe_change(reopened, EN, labels) == "stage Lost → Offer (reopened)"
    assert describe_by_key(added) == "new deal in offer"
    assert describe_change(added, ZH, labels) == "新商机，阶段：Offer"


def test_a_record_change_is_told_in_either_language():
    ticked = RecordChange("checklists", "ann-2026-03", "item_done", "acme-laptops", "status")
    probability = RecordChange("rules", "offer", "probability", None, "probability", 40, 50)
    assert describe_record(ticked) == "acme-laptops handed over"
    assert describe_record(ticked, ZH) == "acme-laptops 已交接"
    assert describe_record(probability, EN) == "probability 40% → 50%"
    assert describe_record(probability, ZH) == "赢单概率：40% → 50%"


# -- the JSON document's values ----------------------------------------------------------------


def json_of(repo, *revisions: str) -> str:
    result = run(repo, *revisions, "--format", "json")
    assert result.exit_code == 0, result.output
    return result.output


def test_a_diff_from_the_teams_first_commit_weighs_every_deal_as_new(history_repo):
    repo = history_repo
    first = repo.git("rev-parse", "HEAD").strip()  # the team and its accounts, no deal yet
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", amount="1000.00"))
    head = repo.commit("the first deal", date="2026-02-02")
    document = json.loads(json_of(repo, first, head))
    assert [(c["deal"], c["kind"]) for c in document["changes"]] == [("acme-laptops", "added")]
    assert document["weighted_delta"] == {
        "total": "400.00",
        "owners": {"ann": "400.00"},
        "rules": "0.00",
    }


def test_lists_and_text_in_any_script_are_given_as_written(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml() + "products: [ZBook]\n")
    base = repo.commit("new", date="2026-02-02")
    chinese = deal_yaml().replace("title: Laptops", "title: 笔记本电脑")
    repo.write("deals/acme-laptops.yaml", chinese + "products: [ZBook, 打印机]\n")
    head = repo.commit("products", date="2026-02-03")
    output = json_of(repo, base, head)
    assert '"to": "笔记本电脑"' in output and "\\u" not in output  # UTF-8, as the files are
    changes = {c["field"]: (c["from"], c["to"]) for c in json.loads(output)["changes"]}
    assert changes == {
        "title": ("Laptops", "笔记本电脑"),
        "products": (["ZBook"], ["ZBook", "打印机"]),
    }


def test_a_value_written_as_a_mapping_by_mistake_is_given_as_a_mapping(history_repo):
    """A revision's files need not be valid to be compared: the mistake shows as it was."""
    repo = history_repo
    repo.write(
        "accounts/acme.yaml",
        "name: Acme\nterritory: west\ncontacts: [{name: Li, phone: {office: '+1 5'}}]\n",
    )
    base = repo.commit("phone as a mapping", date="2026-02-02")
    repo.write(
        "accounts/acme.yaml", "name: Acme\nterritory: west\ncontacts: [{name: Li, phone: '+1 6'}]\n"
    )
    head = repo.commit("phone fixed", date="2026-02-03")
    [change] = json.loads(json_of(repo, base, head))["accounts"]
    assert (change["subject"], change["item"], change["field"]) == ("acme", "Li", "phone")
    assert (change["from"], change["to"]) == ({"office": "+1 5"}, "+1 6")

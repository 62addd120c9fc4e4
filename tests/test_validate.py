"""Rules across files run on every file, broken or not: one check reports every independent
problem of a file at once, and the summary counts the broken files too."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.data.load import IncompleteDataset, ValidDataset
from generator.data.validate import check

AS_OF = date(2026, 11, 26)
LAPTOPS = "deals/south/pearl-river-laptops.yaml"
PRINTERS = "deals/south/pearl-river-printers.yaml"
FOODS = "accounts/pearl-river-foods.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(data: Path, relative: str) -> list[tuple[int, str, str]]:
    """(line, severity, message) of every problem of one file."""
    result = check(data, AS_OF, display="data")
    return [
        (problem.line, problem.severity, problem.message)
        for problem in result.problems
        if problem.path == f"data/{relative}"
    ]


def lines_saying(found: list[tuple[int, str, str]], words: str) -> list[int]:
    return [line for line, _, message in found if words in message]


def test_a_bad_amount_date_stage_and_owner_are_reported_together(valid_data: Path) -> None:
    deal = valid_data / LAPTOPS
    edit(deal, "owner: li-lei", "owner: li-le")  # line 3
    edit(deal, "amount: 960000.00", 'amount: "960,000"')  # line 6
    edit(deal, "expected_close: 2027-03-31", "expected_close: 2027-02-30")  # line 7
    edit(deal, "stage: proposal", "stage: propsal")  # line 8
    found = problems_of(valid_data, LAPTOPS)
    assert lines_saying(found, "no person `li-le`: did you mean `li-lei`?") == [3]
    assert lines_saying(found, "remove the thousands separators") == [6]
    assert lines_saying(found, "is not a real date") == [7]
    assert lines_saying(found, "no stage `propsal`: did you mean `proposal`?") == [8]
    assert len(found) == 4, found


def test_an_unknown_account_beside_a_missing_field(valid_data: Path) -> None:
    deal = valid_data / PRINTERS
    edit(deal, "account: pearl-river-foods", "account: pearl-river-food")
    edit(deal, "title: Printers for the new plant\n", "")
    found = problems_of(valid_data, PRINTERS)
    assert lines_saying(found, "no account `pearl-river-food`") == [1]
    assert lines_saying(found, "missing required field `title`") == [1]
    assert len(found) == 2, found


def test_an_unknown_contact_beside_a_bad_amount(valid_data: Path) -> None:
    deal = valid_data / PRINTERS
    edit(deal, "contact: Peter Wong", "contact: Peter Wang")
    edit(deal, "amount: 85000", "amount: 8.5e4")
    found = problems_of(valid_data, PRINTERS)
    assert lines_saying(found, "has no contact named `Peter Wang`") == [2]
    assert lines_saying(found, "without an exponent") == [5]
    assert len(found) == 2, found


def test_the_closing_rules_beside_other_errors(valid_data: Path) -> None:
    deal = valid_data / PRINTERS
    edit(deal, "stage: verbal", "stage: won")  # a won deal without closed_on
    edit(deal, "amount: 85000", "amount: -85000")
    found = problems_of(valid_data, PRINTERS)
    assert lines_saying(found, "a won deal needs `closed_on") == [7]
    assert lines_saying(found, "cannot be negative") == [5]
    assert len(found) == 2, found


def test_closed_on_on_an_open_deal_beside_another_error(valid_data: Path) -> None:
    deal = valid_data / PRINTERS
    edit(deal, "created: 2026-09-14", "created: 2026-09-14\nclosed_on: 2026-11-01")
    edit(deal, "amount: 85000", "amount: yes")
    found = problems_of(valid_data, PRINTERS)
    assert lines_saying(found, "`closed_on` is only for won or lost deals") == [9]
    assert lines_saying(found, "write an amount in digits") == [5]
    assert len(found) == 2, found


def test_a_bad_closed_on_is_not_also_reported_missing(valid_data: Path) -> None:
    deal = valid_data / PRINTERS
    edit(deal, "stage: verbal", "stage: won\nclosed_on: 2026-11-31")
    found = problems_of(valid_data, PRINTERS)
    assert lines_saying(found, "is not a real date") == [8]
    assert len(found) == 1, found


def test_a_deal_whose_stage_is_broken_still_has_its_owner_checked(valid_data: Path) -> None:
    deal = valid_data / PRINTERS
    edit(deal, "owner: li-lei", "owner: zhou-bo")  # has left
    edit(deal, "stage: verbal", "stage: [verbal]")
    found = problems_of(valid_data, PRINTERS)
    assert lines_saying(found, "`stage`") == [7]
    # whether the deal is open is unknown, so whether a leaver may own it is not judged
    assert not lines_saying(found, "has left")
    edit(deal, "stage: [verbal]", "stage: verbal")
    edit(deal, "amount: 85000", "amount: 85,000")
    found = problems_of(valid_data, PRINTERS)
    assert lines_saying(found, "zhou-bo has left and cannot own an open deal") == [3]
    assert lines_saying(found, "remove the thousands separators") == [5]


def test_an_account_reports_its_territory_beside_a_bad_phone(valid_data: Path) -> None:
    account = valid_data / FOODS
    edit(account, "territory: south", "territory: sout")
    edit(account, 'phone: "+86 20 5555 0101"', "phone: 02055550101")
    found = problems_of(valid_data, FOODS)
    assert lines_saying(found, "no territory `sout` in team.yaml: did you mean `south`?") == [2]
    assert lines_saying(found, "quote the phone number") == [5]
    assert len(found) == 2, found


def test_a_deal_of_a_broken_account_still_has_its_contact_checked(valid_data: Path) -> None:
    edit(valid_data / FOODS, "industry: Food processing", "industry: no")
    edit(valid_data / PRINTERS, "contact: Peter Wong", "contact: Peter Wang")
    result = check(valid_data, AS_OF, display="data")
    messages = [(p.path, p.message) for p in result.problems]
    assert any(path == f"data/{FOODS}" and "`industry`" in m for path, m in messages)
    assert (
        f"data/{PRINTERS}",
        "`contact`: pearl-river-foods has no contact named `Peter Wang`: "
        "did you mean `Peter Wong`?",
    ) in messages


def test_an_unreadable_deal_is_still_counted(valid_data: Path) -> None:
    (valid_data / "deals" / "broken.yaml").write_text("account: [unclosed\n", encoding="utf-8")
    result = check(valid_data, AS_OF, display="data")
    assert result.files["deals"].files == 4
    assert result.files["deals"].with_errors == 1


def test_the_summary_counts_the_broken_files(valid_data: Path) -> None:
    assert check(valid_data, AS_OF).summary() == "ok: 3 deals, 2 accounts"
    edit(valid_data / LAPTOPS, "amount: 960000.00", "amount: 960,000")
    edit(valid_data / PRINTERS, "owner: li-lei", "owner: han-mei")  # a warning only
    result = check(valid_data, AS_OF)
    assert result.files["deals"].files == 3
    assert result.files["deals"].with_errors == 1
    assert result.files["accounts"].with_errors == 0
    assert result.summary() == (
        "1 error(s), 1 warning(s): 3 deals, 1 with errors; 2 accounts, 0 with errors"
    )


def test_checked_data_becomes_a_valid_dataset_with_its_funnel_and_team(valid_data: Path) -> None:
    result = check(valid_data, AS_OF, display="data")
    assert result.ok
    valid = result.dataset.valid()
    assert isinstance(valid, ValidDataset)
    assert valid.funnel is result.dataset.funnel and valid.team is result.dataset.team
    assert valid.deals is result.dataset.deals


def test_data_without_a_readable_team_is_no_valid_dataset(valid_data: Path) -> None:
    (valid_data / "team.yaml").write_text("people: [\n", encoding="utf-8")
    result = check(valid_data, AS_OF, display="data")
    assert not result.ok
    with pytest.raises(IncompleteDataset, match=r"data/team\.yaml is missing or invalid"):
        result.dataset.valid()


def test_a_checklist_items_problems_point_at_that_item(valid_data):
    (valid_data / "handovers").mkdir()
    checklist = valid_data / "handovers" / "han-mei-2026-11-20.yaml"
    checklist.write_text(
        "from: han-mei\n"
        "date: 2026-11-20\n"
        "deals:\n"
        "  - {deal: pearl-river-laptops, to: li-lei, method: phone, status: pending}\n"
        "  - deal: pearl-river-printers\n"
        "    to: zhou-bo\n"
        "    method: phone\n"
        "    status: done\n"
        "  - {deal: chengdu-optics-workstations, to: li-lei, method: phone, status: pending,"
        " done_on: 2026-11-21}\n",
        encoding="utf-8",
    )
    result = check(valid_data, date(2026, 11, 26), display="data")
    found = {
        (p.line, p.message.split(":")[0])
        for p in result.problems
        if p.path == "data/handovers/han-mei-2026-11-20.yaml"
    }
    assert (8, "a done item needs `done_on") in found  # the second item's status
    assert (9, "`done_on` is for done items") in found  # the third item's key


def test_a_checklist_item_is_checked_at_each_boundary_and_each_problem_placed(valid_data):
    """The successor owns an open deal (a closed one is no matter); a done item has its day,
    from the handover's own day up to today; each problem at the value it is about, or at the
    key that should not be there."""
    (valid_data / "handovers").mkdir()
    (valid_data / "handovers" / "han-mei-2026-11-20.yaml").write_text(
        "from: han-mei\ndate: 2026-11-20\ndeals:\n"
        "  - {deal: pearl-river-laptops, to: li-lei, method: phone, status: done,"
        " done_on: 2026-11-20}\n"
        "  - {deal: pearl-river-printers, to: zhou-bo, method: phone, status: done,"
        " done_on: 2026-11-26}\n"
        "  - {deal: chengdu-optics-workstations, to: li-lei, method: phone, status: done,"
        " done_on: 2026-11-19}\n",
        encoding="utf-8",
    )
    (valid_data / "handovers" / "chen-hua-2026-11-20.yaml").write_text(
        "from: chen-hua\ndate: 2026-11-20\ndeals:\n"
        "  - {deal: pearl-river-laptops, to: li-lei, method: phone, status: done,"
        " done_on: 2026-11-27}\n"
        "  - {deal: pearl-river-printers, to: li-lei, method: phone, status: done}\n"
        "  - {deal: chengdu-optics-workstations, to: zhou-bo, method: phone, status: pending,"
        " done_on: 2026-11-21}\n",
        encoding="utf-8",
    )
    result = check(valid_data, date(2026, 11, 26), display="data")
    found = [
        (p.path.rsplit("/", 1)[1], p.line, p.column, p.severity, p.message)
        for p in result.problems
        if "/handovers/" in p.path
    ]
    assert sorted(found) == [
        ("chen-hua-2026-11-20.yaml", 4, 83, "warning",
         "`done_on` 2026-11-27 lies in the future (as of 2026-11-26)"),
        ("chen-hua-2026-11-20.yaml", 5, 69, "error",
         "a done item needs `done_on: YYYY-MM-DD`, the day it was done"),
        ("chen-hua-2026-11-20.yaml", 6, 86, "error",
         "`done_on` is for done items: set `status: done`, or remove `done_on`"),
        ("han-mei-2026-11-20.yaml", 5, 38, "warning",
         "pearl-river-printers is owned by li-lei, not by the successor zhou-bo: "
         "change the deal's owner, or the checklist"),
        ("han-mei-2026-11-20.yaml", 6, 91, "error",
         "`done_on` 2026-11-19 is before the handover's date 2026-11-20"),
    ]  # fmt: skip


def test_an_unknown_contact_is_told_with_the_account_s_contacts_and_a_bad_closing_day_once(
    valid_data,
):
    """No contact name is near the one typed: the account's contacts are listed. A closed deal
    whose `closed_on` is not a real date is told so, and not also told that it lacks one."""
    laptops = valid_data / "deals" / "south" / "pearl-river-laptops.yaml"
    laptops.write_text(laptops.read_text(encoding="utf-8").replace(
        "contact: 黄小芳", "contact: Zhang San"), encoding="utf-8")  # fmt: skip
    won = valid_data / "deals" / "chengdu-optics-workstations.yaml"
    won.write_text(won.read_text(encoding="utf-8").replace(
        "closed_on: 2026-06-12", "closed_on: 2026-06-31"), encoding="utf-8")  # fmt: skip
    printers = valid_data / "deals" / "south" / "pearl-river-printers.yaml"
    with printers.open("a", encoding="utf-8") as still_open:
        still_open.write("closed_on: 2026-06-31\n")  # an open deal's: not for it, either way
    result = check(valid_data, date(2026, 11, 26), display="data")
    not_a_date = "`closed_on`: `2026-06-31` is not a real date (day is out of range for month)"
    assert [(p.path, p.line, p.column, p.message) for p in result.problems] == [
        ("data/deals/chengdu-optics-workstations.yaml", 9, 12, not_a_date),
        ("data/deals/south/pearl-river-laptops.yaml", 2, 10,
         "`contact`: pearl-river-foods has no contact named `Zhang San`: "
         "one of 黄小芳, Peter Wong"),
        ("data/deals/south/pearl-river-printers.yaml", 9, 1,
         "`closed_on` is only for won or lost deals; this deal is `verbal`: "
         "remove it or close the deal"),
        ("data/deals/south/pearl-river-printers.yaml", 9, 12, not_a_date),
    ]  # fmt: skip

"""`funnel import` as a migration: the same export again writes nothing, a changed export
changes only its lines, a removed row is reported and kept, the team's own edits survive."""

from __future__ import annotations

import csv
import difflib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"
HEADER = ["Deal ID", "Company ID", "Company", "Contact", "Phone", "Owner", "Deal", "Amount",
          "Close", "Stage", "Created", "Region"]  # fmt: skip
MAPPING = """\
deals: export.csv
folder: imported
territory: owner
columns:
  crm_id: Deal ID
  account_crm_id: Company ID
  account: Company
  contact: Contact
  phone: Phone
  owner: Owner
  title: Deal
  amount: Amount
  expected_close: Close
  stage: Stage
  created: Created
stages: {Lead: lead, Proposal: proposal, Won: won, Lost: lost}
"""


def row(deal: str, company: str = "C1", owner: str = "li-lei", **values: str) -> dict[str, str]:
    """A row of the export: deal D1 of company C1 (Acme), owned by li-lei, open."""
    return {
        "Deal ID": deal, "Company ID": company, "Company": f"Company {company}",
        "Contact": "Wang Fang", "Phone": "+86 20 5555 0101", "Owner": owner,
        "Deal": f"Deal {deal}", "Amount": "1000.50", "Close": "2027-03-31", "Stage": "Lead",
        "Created": "2026-10-01", "Region": "",
    } | values  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", tmp_path / "data")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return tmp_path


def export(folder: Path, rows: list[dict[str, str]], mapping: str = MAPPING) -> None:
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        writer.writerows(rows)


def run(folder: Path, *args: str) -> tuple[int, dict]:
    """`funnel import --write` of the export, and its JSON report."""
    result = CliRunner().invoke(main, [
        "import", str(folder / "export.csv"), "--mapping", str(folder / "mapping.yaml"),
        "--data", str(folder / "data"), "--as-of", AS_OF, "--format", "json", *args,
    ])  # fmt: skip
    return result.exit_code, json.loads(result.stdout)


def files_and_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of the data folder with its bytes."""
    data = folder / "data"
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in data.rglob("*") if p.is_file()}


def check(folder: Path) -> str:
    result = CliRunner().invoke(main, ["check", "--data", str(folder / "data"), "--as-of", AS_OF])
    return "" if result.exit_code == 0 else result.output


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def test_the_same_export_twice_writes_nothing_the_second_time(folder):
    export(folder, [row("D1"), row("D2"), row("D3", company="C2")])
    code, first = run(folder, "--write")
    assert code == 0 and first["deals"]["added"] == 3 and first["accounts"]["added"] == 2
    deal = (folder / "data/deals/imported/company-c1-deal-d1.yaml").read_text(encoding="utf-8")
    assert 'crm_id: "D1"' in deal
    account = (folder / "data/accounts/company-c1.yaml").read_text(encoding="utf-8")
    assert 'crm_id: "C1"' in account
    assert check(folder) == ""
    before = files_and_bytes(folder)
    code, second = run(folder, "--write")
    assert code == 0 and second["written"] == 0
    assert files_and_bytes(folder) == before
    assert (second["deals"]["added"], second["deals"]["updated"]) == (0, 0)
    assert second["deals"]["unchanged"] == 3 and second["accounts"]["unchanged"] == 2
    assert Decimal(second["amount"]) == Decimal("3001.50")  # the export's deals, all of them


def test_a_changed_row_changes_only_its_lines_and_keeps_the_comments(folder):
    export(folder, [row("D1"), row("D2")])
    run(folder, "--write")
    path = folder / "data/deals/imported/company-c1-deal-d1.yaml"
    text = path.read_text(encoding="utf-8").replace("stage: lead", "stage: lead  # called Monday")
    path.write_text("# imported from the CRM\n" + text, encoding="utf-8")
    other = folder / "data/deals/imported/company-c1-deal-d2.yaml"
    other_bytes = other.read_bytes()
    export(folder, [row("D1", Amount="2500.00", Stage="Proposal"), row("D2")])
    code, report = run(folder, "--write")
    assert code == 0, report
    assert report["deals"]["updated_fields"] == {"company-c1-deal-d1": ["amount", "stage"]}
    assert report["written"] == 1 and other.read_bytes() == other_bytes
    after = path.read_text(encoding="utf-8")
    assert changed_lines(text, after[len("# imported from the CRM\n") :]) == [
        "-amount: 1000.50", "+amount: 2500.00",
        "-stage: lead  # called Monday", "+stage: proposal  # called Monday",
    ]  # fmt: skip
    assert after.startswith("# imported from the CRM\n")
    assert check(folder) == ""


def test_a_row_gone_from_the_export_is_reported_missing_and_kept(folder):
    export(folder, [row("D1"), row("D2")])
    run(folder, "--write")
    export(folder, [row("D1")])
    code, report = run(folder, "--write")
    assert code == 0 and report["deals"]["missing_ids"] == ["company-c1-deal-d2"]
    assert (folder / "data/deals/imported/company-c1-deal-d2.yaml").exists()
    assert report["written"] == 0


def test_an_owner_changed_by_hand_survives_unless_the_mapping_updates_it(folder):
    export(folder, [row("D1")])
    run(folder, "--write")
    path = folder / "data/deals/imported/company-c1-deal-d1.yaml"
    path.write_text(path.read_text().replace("owner: li-lei", "owner: chen-hua"))
    before = files_and_bytes(folder)
    code, report = run(folder, "--write")
    assert code == 0 and report["deals"]["unchanged"] == 1 and files_and_bytes(folder) == before
    export(folder, [row("D1")], MAPPING + "update: [owner]\n")
    code, report = run(folder, "--write")
    assert report["deals"]["updated_fields"] == {"company-c1-deal-d1": ["owner"]}
    assert "owner: li-lei\n" in path.read_text()


def test_a_crm_id_used_twice_is_an_error_of_check(folder):
    export(folder, [row("D1")])
    run(folder, "--write")
    first = folder / "data/deals/imported/company-c1-deal-d1.yaml"
    shutil.copy(first, folder / "data/deals/imported/copy.yaml")
    output = check(folder)
    assert "copy.yaml:" in output and "`crm_id` D1 is also the deal" in output
    assert "company-c1-deal-d1.yaml's" in output
    line = output.split("copy.yaml:")[1].split(":")[0]
    assert first.read_text().splitlines()[int(line) - 1].startswith("crm_id:")


def test_a_new_account_goes_to_the_territory_of_most_of_its_deals(folder):
    export(folder, [
        row("D1", company="C1", owner="han-mei"), row("D2", company="C1", owner="han-mei"),
        row("D3", company="C1", owner="li-lei"),
        row("D4", company="C2", owner="han-mei"), row("D5", company="C2", owner="li-lei"),
        row("D6", company="C3", owner="han-mei"),
    ])  # fmt: skip
    code, report = run(folder, "--write")
    assert code == 0, report
    assert report["territory_splits"] == [
        {"account": "company-c1", "territory": "west", "deals": {"west": 2, "south": 1}},
        {"account": "company-c2", "territory": "south", "deals": {"south": 1, "west": 1}},
    ]  # a tie goes to the territory listed first in team.yaml
    account = (folder / "data/accounts/company-c3.yaml").read_text()
    assert "territory: west" in account
    assert check(folder) == ""


def test_a_deal_without_a_created_date_is_created_on_the_import_date(folder):
    export(folder, [
        row("D1", Created=""), row("D2", Created="", Stage="Won", Close="2026-06-30"),
        row("D3"),
    ])  # fmt: skip
    code, report = run(folder, "--write")
    assert code == 0 and report["created_from_import_date"] == 2
    deals = folder / "data/deals/imported"
    assert "created: 2026-11-26\n" in (deals / "company-c1-deal-d1.yaml").read_text()
    assert "created: 2026-06-30\n" in (deals / "company-c1-deal-d2.yaml").read_text()
    assert "created: 2026-10-01\n" in (deals / "company-c1-deal-d3.yaml").read_text()
    before = files_and_bytes(folder)
    run(folder, "--write", "--as-of", "2026-12-01")  # a later day: still nothing new
    assert files_and_bytes(folder) == before


def test_refused_rows_are_grouped_by_reason(folder):
    export(folder, [row("D1", owner="Jane"), row("D2", owner="Jane"), row("D3"), row("D3")])
    code, report = run(folder)
    assert code == 1
    grouped = {r["reason"]: r["lines"] for r in report["refused_by_reason"]}
    assert grouped == {
        "owner `Jane` is not a person of team.yaml: map it with "
        "`--owner Jane=<person-id>` or under `owners:`": [2, 3],
        "crm_id `D3` is also on line 4: export each deal once": [5],
    }
    text = CliRunner().invoke(main, [
        "import", str(folder / "export.csv"), "--mapping", str(folder / "mapping.yaml"),
        "--data", str(folder / "data"), "--as-of", AS_OF,
    ]).output  # fmt: skip
    assert "refused 2 row(s), " in text and "line(s) 2, 3: owner `Jane`" in text
    assert "amount 1,000.50 CNY" in text and "deals per stage: lead 1" in text


def test_an_update_that_would_not_pass_the_check_is_undone(folder):
    mapping = MAPPING.replace("  created: Created\n", "  created: Created\n  territory: Region\n")
    export(folder, [row("D1", Region="Süd")], mapping + "territories: {Süd: south}\n")
    assert run(folder, "--write")[0] == 0
    before = files_and_bytes(folder)
    export(folder, [row("D1", Region="Süd")], mapping + "territories: {Süd: nowhere}\n")
    result = CliRunner().invoke(main, [
        "import", str(folder / "export.csv"), "--mapping", str(folder / "mapping.yaml"),
        "--data", str(folder / "data"), "--as-of", AS_OF, "--write",
    ])  # fmt: skip
    assert result.exit_code == 1 and "undid the import" in result.stderr
    assert "no territory `nowhere`" in result.stderr
    assert files_and_bytes(folder) == before


def test_a_preset_export_imported_twice_writes_nothing_the_second_time(folder):
    from generator.cli.data import IMPORT_PRESETS
    from generator.exchange.preset_names import PRESETS

    assert list(PRESETS) == IMPORT_PRESETS
    args = [
        "import", str(ROOT / "tests/fixtures/salesforce"), "--preset", "salesforce",
        "--data", str(folder / "data"), "--as-of", AS_OF, "--territory", "south",
        "--owner", "005Ec000004oBPNIA2=li-lei", "--format", "json", "--write",
    ]  # fmt: skip
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["deals"]["added"] == 50
    before = files_and_bytes(folder)
    second = json.loads(CliRunner().invoke(main, args).stdout)
    assert second["written"] == 0 and second["deals"]["unchanged"] == 50
    assert second["accounts"]["unchanged"] == 18 and files_and_bytes(folder) == before


def test_a_chinese_account_name_gives_a_readable_id(folder):
    export(folder, [row("D1", Company="上海测试有限公司")])
    code, report = run(folder, "--write")
    assert code == 0 and report["accounts"]["added"] == 1
    assert (folder / "data/accounts/shanghai-ceshi-youxian-gongsi.yaml").exists()


def test_territory_owner_takes_the_owners_file_region_over_team_yaml(folder):
    (folder / "users.csv").write_text(
        "User ID,Full Name,Region\n"
        "U1,li-lei,West China\n"  # team.yaml puts li-lei in south
        "U2,han-mei,South\n"  # and han-mei in west
        "U3,li-lei,\n"  # no region: team.yaml's
        "U4,li-lei,Mars\n",
        encoding="utf-8",
    )
    owners = "owners_file: {file: users.csv, key: User ID, columns: {name: Full Name, "
    owners += "territory: Region}}\nterritories: {South: south}\n"
    export(folder, [
        row("D1", company="C1", owner="U1"), row("D2", company="C1", owner="U1"),
        row("D3", company="C1", owner="U2"),
        row("D4", company="C2", owner="U3"), row("D5", company="C3", owner="U2"),
        row("D6", company="C4", owner="U4"),
    ], MAPPING + owners)  # fmt: skip
    code, report = run(folder, "--write")
    assert code == 1  # the unknown region refuses its row
    assert [r["reasons"] for r in report["refused"]] == [
        ["owner territory `Mars` is not known: map it under `territories:`"]
    ]
    assert report["territory_splits"] == [
        {"account": "company-c1", "territory": "west", "deals": {"west": 2, "south": 1}}
    ]
    accounts = folder / "data" / "accounts"
    territories = {
        name: (accounts / f"company-{name}.yaml").read_text().split("territory: ")[1].split()[0]
        for name in ("c1", "c2", "c3")
    }
    assert territories == {"c1": "west", "c2": "south", "c3": "south"}
    assert report["sources"][0]["sources"]["owner_territory"] == "users.csv column Region"
    assert check(folder) == ""


def test_the_text_report_lists_the_first_ten_territory_splits_and_the_json_all():
    from generator.exchange.import_report import ImportReport, TerritorySplit

    report = ImportReport("CNY")
    report.splits = [TerritorySplit(f"a{n}", "west", {"west": 2, "south": 1}) for n in range(12)]
    lines = [line for line in report.text() if line.startswith("territory split")]
    assert lines[0] == "territory split: a0 to west (west 2, south 1)"
    assert lines[10:] == ["territory split: 2 more account(s) (--format json lists them all)"]
    splits = report.to_json()["territory_splits"]
    assert isinstance(splits, list) and len(splits) == 12

"""`funnel export`, `funnel codeowners` and `funnel new`."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import repository_is_shallow

from generator.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def test_export_csv_and_json_carry_the_computed_fields():
    runner = CliRunner()
    out = runner.invoke(main, ["export", "--as-of", "2026-11-26"]).output
    assert out.startswith("\ufeffdeal,")  # Excel reads it as UTF-8 on any Windows
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert len(rows) == 72
    row = next(r for r in rows if r["deal"] == "xihu-software-gpu-servers")
    assert (row["probability"], row["amount"], row["weighted"]) == (
        "75",
        "2860000.00",
        "2145000.00",
    )
    assert row["account_name"] == "杭州西湖软件科技有限公司" and row["owner_name"] == "张伟"
    if not repository_is_shallow():
        # the sample funnel came with the repository's first data commit (its adoption day),
        # so it is known since its own `created` date, never later than that commit
        assert row["first_seen"] == "2026-03-24"
    # a won deal counts in full (probability 100, weighted = amount), a lost one as nothing
    won = next(r for r in rows if r["stage"] == "won")
    assert won["probability"] == "100" and won["weighted"] == won["amount"] != "0.00"
    assert won["closed_on"]
    lost = next(r for r in rows if r["stage"] == "lost")
    assert (lost["probability"], lost["weighted"]) == ("0", "0.00") and lost["lost_reason"]
    assert (row["contact_phone"], row["contact_email"]) != ("", "")
    document = json.loads(
        runner.invoke(main, ["export", "--format", "json", "--as-of", "2026-11-26"]).output
    )
    assert document["as_of"] == "2026-11-26" and len(document["deals"]) == 72
    assert set(document["deals"][0]) == set(rows[0])
    assert not json.dumps(document).startswith("\ufeff")


def test_export_keeps_spreadsheets_from_running_formulas(tmp_path):
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", tmp_path / "data")
    deal = next((tmp_path / "data" / "deals").rglob("*.yaml"))
    text = deal.read_text(encoding="utf-8")
    title = text.split("title: ")[1].split("\n")[0]
    deal.write_text(text.replace(f"title: {title}", 'title: "=HYPERLINK(1)"'), encoding="utf-8")
    out = CliRunner().invoke(main, ["export", "--data", str(tmp_path / "data")]).output
    assert "'=HYPERLINK(1)" in out


def test_codeowners_is_current_and_names_territory_managers():
    result = CliRunner().invoke(
        main, ["codeowners", "--out", str(ROOT / ".github" / "CODEOWNERS"), "--check"]
    )
    assert result.exit_code == 0, result.output
    text = (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert "/data/team.yaml @zhangwei-sales @scollins" in text
    assert "/generator/ @zhangwei-sales @scollins" in text
    assert "/data/deals/east/xihu-software-gpu-servers.yaml @zhangwei-sales" in text
    assert "/data/deals/north/adventure-works-elitebooks.yaml @scollins" in text


def test_new_writes_a_valid_deal_with_the_schema_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", data)
    result = CliRunner().invoke(
        main,
        ["new", "--data", str(data), "--account", "pearl-river-foods", "--contact", "Peter Wong",
         "--owner", "li-lei", "--title", '50 monitors: "urgent"', "--amount", "88000",
         "--expected-close", "2027-05-31", "--product", "E24 G5", "--folder", "south",
         "--note", "no", "--as-of", "2026-11-26"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == data / "deals" / "south" / "pearl-river-foods-50-monitors-urgent.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../../schemas/deal.schema.json\n")
    assert 'title: "50 monitors: \\"urgent\\""' in text and "amount: 88000.00\n" in text
    assert "stage: lead\n" in text  # the top of this team's funnel
    assert 'note: "no"' in text  # quoted: never read as a yes/no
    check = CliRunner().invoke(main, ["check", "--data", str(data), "--as-of", "2026-11-26"])
    assert check.exit_code == 0, check.output


def test_new_refuses_unknown_values_without_writing(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", data)
    before = sorted(data.rglob("*"))
    result = CliRunner().invoke(
        main,
        ["new", "--data", str(data), "--account", "pearl-river-foods", "--contact", "Nobody",
         "--owner", "li-lei", "--title", "x", "--amount", "1", "--expected-close", "2027-01-01"],
    )  # fmt: skip
    assert result.exit_code == 2 and "Nobody" in result.output
    missing = CliRunner().invoke(
        main, ["new", "--data", str(data), "--account", "pearl-river-foods"]
    )
    assert missing.exit_code == 2 and "--contact" in missing.output
    assert sorted(data.rglob("*")) == before


def test_a_write_that_breaks_the_data_is_undone_with_its_errors(tmp_path):
    from generator.exchange.writes import write_checked

    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", data)
    broken = data / "deals" / "south" / "broken.yaml"
    undone: list[Path] = []

    def write() -> Path:
        broken.write_text("account: nobody\n", encoding="utf-8")
        return broken

    def undo(path: Path) -> None:
        undone.append(path)
        path.unlink()

    checked = write_checked(write, undo, str(data), date(2026, 11, 26))
    assert checked is not None and not checked.ok and undone == [broken]
    assert not broken.exists()
    assert checked.errors and all(p.severity == "error" for p in checked.errors)
    assert any(p.path.endswith("broken.yaml") for p in checked.errors)
    assert write_checked(lambda: None, undo, str(data), date(2026, 11, 26)) is None


def test_a_handover_names_the_argument_to_correct(tmp_path):
    from generator.data.validate import check
    from generator.exchange.errors import OptionError
    from generator.exchange.handover import validate_successor

    dataset = check(ROOT / "tests" / "fixtures" / "valid", date(2026, 11, 26)).dataset
    validate_successor(dataset, "han-mei", "li-lei", ["pearl-river-foods"])
    cases = {
        ("han-mey", "li-lei", ()): ("FROM", "no person `han-mey` in team.yaml: did you mean"),
        ("han-mei", "han-mei", ()): ("TO", "FROM and TO are the same person"),
        ("han-mei", "zhou-bo", ()): ("TO", "zhou-bo has left: choose an active successor"),
        ("han-mei", "li-lei", ("nobody",)): ("--account", "no account `nobody`"),
    }
    for (from_id, to_id, accounts), (option, message) in cases.items():
        with pytest.raises(OptionError) as refused:
            validate_successor(dataset, from_id, to_id, accounts)
        assert refused.value.option == option and str(refused.value).startswith(message)

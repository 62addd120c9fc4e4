"""`funnel import` from a Salesforce export and from any CSV with a mapping file."""

from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SALESFORCE = Path(__file__).parent / "fixtures" / "salesforce"


def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "fixtures" / "valid", target)
    return target


def invoke(*args: str):
    return CliRunner().invoke(main, ["import", *args, "--as-of", "2026-11-26"])


def files_and_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its content (folders too, as empty)."""
    return {
        path.relative_to(folder).as_posix(): b"" if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


def test_salesforce_export_imports_with_its_totals(tmp_path):
    data = data_copy(tmp_path)
    before = files_and_bytes(tmp_path)
    args = [str(SALESFORCE), "--data", str(data), "--territory", "south"]
    dry = invoke(*args, "--format", "json")
    assert dry.exit_code == 1  # the owner is not mapped yet
    refused = json.loads(dry.output.split("\n50 row")[0])["refused"]
    assert len(refused) == 50 and refused[0]["line"] == 2
    assert "--owner 005Ec000004oBPNIA2=<person-id>" in refused[0]["reason"]
    assert files_and_bytes(tmp_path) == before, "nothing written without --write"
    result = invoke(*args, "--owner", "005Ec000004oBPNIA2=li-lei", "--write", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.split("\n50 row")[0])
    assert summary["deals"]["added"] == 50 and summary["accounts"]["added"] == 18
    assert Decimal(summary["amount"]) == Decimal("43603545.98")
    assert summary["stages"]["won"] == 12 and summary["stages"]["lost"] == 3
    check = CliRunner().invoke(main, ["check", "--data", str(data), "--as-of", "2026-11-26"])
    assert check.exit_code == 0, check.output
    forecast = CliRunner().invoke(
        main, ["forecast", "--data", str(data), "--as-of", "2026-11-26", "--format", "json"]
    )
    periods = json.loads(forecast.output)["periods"]
    with (SALESFORCE / "Opportunity.csv").open(encoding="utf-8-sig") as handle:
        won = sum(
            Decimal(row["Amount"])
            for row in csv.DictReader(handle)
            if row["StageName"] == "Closed Won"
        )
    fixture_won = Decimal("256000.00")  # the valid fixture's own won deal
    assert sum(Decimal(p["won"]) for p in periods) == won + fixture_won


def write_crm_export(path: Path, rows: int) -> tuple[Decimal, int]:
    """A CSV of another CRM: decimal commas, day-first dates, owner names, some bad rows."""
    rng = random.Random(7)
    total, bad = Decimal(0), 0
    stages = ["Lead", "Angebot", "Verhandlung", "Gewonnen", "Verloren"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "Firma",
                "Ansprechpartner",
                "Telefon",
                "Betreuer",
                "Projekt",
                "Betrag",
                "Abschluss",
                "Phase",
                "Quelle",
                "Region",
            ]
        )
        for index in range(rows):
            cents = rng.randint(100_000, 500_000_000)
            amount = Decimal(cents) / 100
            owner = "li.lei@example.com" if index % 2 else "陈华"
            stage = stages[index % 5]
            closing = f"{1 + index % 28:02d}.{1 + index % 12:02d}.2027"
            if index % 250 == 17:  # a stage nobody mapped
                stage, bad = "Eingefroren", bad + 1
            else:
                total += amount
            writer.writerow([
                f"Kunde {index % 400} GmbH", f"Kontakt {index % 400}", f"+49 30 {index:06d}",
                owner, f"Projekt {index}", f"{amount:,.2f}".replace(",", "X").replace(".", ",")
                .replace("X", "."), closing, stage, "Messe", "Süd",
            ])  # fmt: skip
    return total, bad


MAPPING = """\
deals: export.csv
delimiter: ";"
date_format: "%d.%m.%Y"
decimal_comma: true
folder: imported
columns:
  account: Firma
  contact: Ansprechpartner
  phone: Telefon
  owner: Betreuer
  title: Projekt
  amount: Betrag
  expected_close: Abschluss
  stage: Phase
  source: Quelle
  territory: Region
stages: {Lead: lead, Angebot: proposal, Verhandlung: negotiation, Gewonnen: won, Verloren: lost}
territories: {Süd: south}
"""


def test_a_large_export_through_a_mapping_file(tmp_path):
    data = data_copy(tmp_path)
    total, bad = write_crm_export(tmp_path / "export.csv", 3000)
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    args = [str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "mapping.yaml"),
            "--data", str(data), "--format", "json"]  # fmt: skip
    result = invoke(*args, "--write")
    summary = json.loads(result.output[: result.output.rindex("}") + 1])
    assert result.exit_code == 1  # some rows refused, the rest written
    assert len(summary["refused"]) == bad == 12
    assert summary["refused"][0]["line"] == 19  # header on line 1, row 17 on line 19
    assert "stage `Eingefroren` has no mapping" in summary["refused"][0]["reason"]
    assert summary["deals"]["added"] == 3000 - bad and summary["accounts"]["added"] == 400
    assert Decimal(summary["amount"]) == total
    check = CliRunner().invoke(main, ["check", "--data", str(data), "--as-of", "2026-11-26"])
    assert check.exit_code == 0, check.output
    assert len(list((data / "deals" / "imported").glob("*.yaml"))) == 3000 - bad


def test_mapping_mistakes_are_usage_errors(tmp_path):
    data = data_copy(tmp_path)
    write_crm_export(tmp_path / "export.csv", 3)
    (tmp_path / "mapping.yaml").write_text(MAPPING.replace("Firma", "Company"), encoding="utf-8")
    result = invoke(str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "mapping.yaml"),
                    "--data", str(data))  # fmt: skip
    assert result.exit_code == 2
    assert "no column 'Company'" in result.output
    colour = MAPPING.replace("  territory: Region\n", "  territory: Region\n  colour: Farbe\n")
    (tmp_path / "mapping.yaml").write_text(colour, encoding="utf-8")
    result = invoke(str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "mapping.yaml"),
                    "--data", str(data))  # fmt: skip
    assert result.exit_code == 2 and "unknown field(s) under columns: colour" in result.output


def test_a_dry_run_that_would_import_everything_writes_nothing(tmp_path):
    data = data_copy(tmp_path)
    (tmp_path / "export.csv").write_text(
        "Firma;Ansprechpartner;Telefon;Betreuer;Projekt;Betrag;Abschluss;Phase;Quelle;Region\n"
        "Kunde 1 GmbH;Kontakt 1;+49 30 1;li.lei@example.com;Projekt 1;1.000,50;01.02.2027;"
        "Angebot;Messe;Süd\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    before = files_and_bytes(tmp_path)
    args = [str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "mapping.yaml"),
            "--data", str(data)]  # fmt: skip
    dry = invoke(*args, "--format", "json")
    assert dry.exit_code == 0, dry.output
    summary = json.loads(dry.output[: dry.output.rindex("}") + 1])
    assert (summary["deals"]["added"], summary["accounts"]["added"], summary["refused"]) == (
        1,
        1,
        [],
    )
    assert files_and_bytes(tmp_path) == before
    written = invoke(*args, "--write")
    assert written.exit_code == 0, written.output
    assert files_and_bytes(tmp_path) != before  # the same run with --write does write


def test_amounts_with_fractions_of_a_cent_round_half_up_to_cents():
    from generator.exchange.export_files import parse_amount

    assert str(parse_amount("1,234.565", False)) == "1234.57"
    assert str(parse_amount("1.234,5649", True)) == "1234.56"
    assert str(parse_amount("1000", False)) == "1000.00"


def test_a_pair_without_an_id_and_a_file_for_a_folder_are_usage_errors(tmp_path):
    from generator.data.validate import check
    from generator.exchange.errors import OptionError
    from generator.exchange.export_files import ImportError_
    from generator.exchange.importer import run_import

    dataset = check(data_copy(tmp_path), date(2026, 11, 26)).dataset
    with pytest.raises(OptionError) as pair:
        run_import(dataset, SALESFORCE, owners=["li-lei"], as_of=date(2026, 11, 26))
    assert (str(pair.value), pair.value.option) == ("`li-lei`: write NAME=ID", "--owner")
    with pytest.raises(ImportError_) as source:
        run_import(dataset, SALESFORCE / "Opportunity.csv", as_of=date(2026, 11, 26))
    assert source.value.option is None  # shown as the command's usage error
    assert "give the folder of the Salesforce export, or --mapping" in str(source.value)


def test_an_import_that_would_not_pass_the_check_is_removed_again(tmp_path):
    data = data_copy(tmp_path)
    write_crm_export(tmp_path / "export.csv", 20)
    mapping = MAPPING.replace("territories: {Süd: south}", "territories: {Süd: nowhere}")
    (tmp_path / "mapping.yaml").write_text(mapping, encoding="utf-8")
    before = sorted(data.rglob("*.yaml"))
    args = [str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "mapping.yaml"),
            "--data", str(data), "--write"]  # fmt: skip
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert "no territory `nowhere`" in result.stderr
    assert "the imported data would not pass `funnel check`; undid the import" in result.stderr
    assert sorted(data.rglob("*.yaml")) == before  # every written file is gone


PRICED = """\
deals: deals.csv
territory: south
default_contact: Purchasing
columns:
  crm_id: Id
  account: Company
  owner: Owner
  title: Deal
  amount: [Amount, Expected]
  products: Products
  expected_close: Close
  stage: Stage
defaults: {expected_close: 2027-03-31}
prices: {file: products.csv, key: product, value: sales_price}
stages: {Lead: lead}
"""


def test_a_product_without_a_price_refuses_its_row_naming_the_product(tmp_path):
    data = data_copy(tmp_path)
    (tmp_path / "products.csv").write_text(
        "product,sales_price\nGTX Basic,1200.50\nMG Special,99.25\n", encoding="utf-8"
    )
    (tmp_path / "deals.csv").write_text(
        "Id,Company,Owner,Deal,Amount,Expected,Products,Close,Stage\n"
        "D1,Acme,li-lei,Servers,,,gtxbasic;MG-Special,,Lead\n"
        "D2,Acme,li-lei,Laptops,,,GTX Pro,2027-01-31,Lead\n"
        "D3,Acme,li-lei,Desks,,500,GTX Pro,2027-01-31,Lead\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(PRICED, encoding="utf-8")
    result = invoke(str(tmp_path / "deals.csv"), "--mapping", str(tmp_path / "mapping.yaml"),
                    "--data", str(data), "--format", "json", "--write")  # fmt: skip
    assert result.exit_code == 1  # a row refused, the others written
    summary = json.loads(result.stdout)
    assert [(r["line"], r["reasons"]) for r in summary["refused"]] == [
        (3, ["no price for product GTX Pro: fill the amount column"])
    ]
    assert summary["amount"] == "1799.75" and summary["deals"]["added"] == 2
    assert [(r["line"], r["deal"]) for r in summary["sources"]] == [
        (2, "acme-servers"),
        (4, "acme-desks"),
    ]
    first, second = (r["sources"] for r in summary["sources"])
    assert first["amount"] == "price list" and first["expected_close"] == "default"
    assert second["amount"] == "column Expected" and second["title"] == "column Deal"
    assert summary["sources"][0]["file"].endswith("deals.csv")


def test_the_text_report_names_the_product_without_a_price(tmp_path):
    data = data_copy(tmp_path)
    (tmp_path / "products.csv").write_text("product,sales_price\n", encoding="utf-8")
    (tmp_path / "deals.csv").write_text(
        "Id,Company,Owner,Deal,Amount,Expected,Products,Close,Stage\n"
        "D2,Acme,li-lei,Laptops,,,GTX Pro,2027-01-31,Lead\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(PRICED, encoding="utf-8")
    result = invoke(str(tmp_path / "deals.csv"), "--mapping", str(tmp_path / "mapping.yaml"),
                    "--data", str(data))  # fmt: skip
    assert result.exit_code == 1
    assert "line(s) 2: no price for product GTX Pro: fill the amount column" in result.output
    assert "no amount" not in result.output


HUBSPOT = Path(__file__).parent / "fixtures" / "hubspot"


def test_a_hubspot_export_with_joined_files_names_its_deals_once_and_its_join_misses(tmp_path):
    data = data_copy(tmp_path)
    (tmp_path / "owners.csv").write_text(
        "Owner,Region\n李雷,West China\nli.lei@example.com,West China\n韩梅,\n陈华,South\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(
        "territory: owner\n"
        "defaults: {amount: '0', expected_close: 2027-06-30}\n"
        f"accounts: {{file: {HUBSPOT / 'companies.csv'}, key: Company name, "
        "columns: {industry: Industry, address: City}}\n"
        "owners_file: {file: owners.csv, key: Owner, columns: {name: Owner, territory: Region}}\n"
        "territories: {South: south}\n",
        encoding="utf-8",
    )
    args = [str(HUBSPOT / "deals.csv"), "--preset", "hubspot", "--data", str(data),
            "--mapping", str(tmp_path / "mapping.yaml"), "--write"]  # fmt: skip
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["deals"]["added"], summary["amount"]) == (
        36, 36, "1409328.39"
    )  # fmt: skip
    # HubSpot's deal names start with the company's: the id does not say it twice
    assert (data / "deals" / "muller-gmbh-edge-router-5.yaml").is_file()
    assert not list((data / "deals").glob("muller-gmbh-muller-gmbh-*"))
    # 成都天府医疗 is not in companies.csv: its rows keep their own values, and say so
    assert summary["not_joined"] == [{"file": "companies.csv", "rows": 3, "lines": [13, 25, 37]}]
    check = CliRunner().invoke(main, ["check", "--data", str(data), "--as-of", "2026-11-26"])
    assert check.exit_code == 0, check.output
    again = invoke(*args)
    assert again.exit_code == 0
    assert "3 row(s) not in companies.csv, line(s) 13, 25, 37: their own values" in again.output
    assert "36 unchanged" in again.output and "nothing to write" in again.output


def test_a_row_without_a_territory_says_how_to_give_one(tmp_path):
    from generator.data.validate import check
    from generator.exchange.importer import run_import

    dataset = check(data_copy(tmp_path), date(2026, 11, 26)).dataset.valid()
    imported = run_import(
        dataset, SALESFORCE, owners=["005Ec000004oBPNIA2=wang-li"], as_of=date(2026, 11, 26)
    )
    reasons = {refused.reason for refused in imported.report.refused}
    assert any(r.startswith("no territory: give one with --territory") for r in reasons), reasons
    assert not any("territory ``" in reason for reason in reasons)

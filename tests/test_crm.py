"""Reading a CRM's export: fallback columns, defaults, a price list, joined accounts and
owners files, presets for Salesforce, HubSpot and Pipedrive, and where each value came from."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.data.load import ValidDataset
from generator.data.validate import check
from generator.exchange.crm import Row, parse_date, read_export
from generator.exchange.export_files import ImportError_, parse_amount
from generator.exchange.presets import CrmNames, Mapping

FIXTURES = Path(__file__).parent / "fixtures"
HUBSPOT = FIXTURES / "hubspot"
PIPEDRIVE = FIXTURES / "pipedrive"
SALESFORCE_USERS = FIXTURES / "salesforce-users"


@pytest.fixture(scope="module")
def dataset() -> ValidDataset:
    found = check(FIXTURES / "valid", date(2026, 11, 26)).dataset
    assert found is not None
    return found


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def rows_of(dataset: ValidDataset, mapping: Path, **options: str) -> list[Row]:
    return list(read_export(dataset, mapping.parent, mapping, **options)[1])


def total(rows: list[Row]) -> Decimal:
    return sum((parse_amount(r.values["amount"], False) for r in rows if r.values["amount"]),
               Decimal(0))  # fmt: skip


DEALS = """\
Company,Deal,Amount,Expected Revenue,Close,Product,Stage,Rep
Müller GmbH,Router,"1,200.50",900,2027-02-01,GTX Pro,Won,li.lei@example.com
上海测试有限公司,Seats,,750.25,,Cloud Seat,Lead,Jane Roe
Acme,Renewal,,,,,Lead,Unknown Rep
Acme,Bundle,,,,gtxpro; Cloud-Seat,Lead,Jane Roe
Acme,Phones,,,,GTX Pro|Desk Phone 9,Lead,Jane Roe
"""


def test_the_first_non_empty_column_wins_then_the_default_then_nothing(dataset, tmp_path):
    write(tmp_path, "deals.csv", DEALS)
    mapping = write(tmp_path, "mapping.yaml", """\
deals: deals.csv
columns:
  account: Company
  title: Deal
  amount: [Amount, Expected Revenue]
  expected_close: Close
  stage: Stage
  owner: Rep
defaults:
  expected_close: 2027-03-31
""")  # fmt: skip
    rows = rows_of(dataset, mapping)
    first, second, third = rows[:3]
    assert (first.values["amount"], first.sources["amount"]) == ("1,200.50", "column Amount")
    assert (second.values["amount"], second.sources["amount"]) == (
        "750.25",
        "column Expected Revenue",
    )
    assert third.values["amount"] == "" and "amount" not in third.sources  # no default
    assert (first.values["expected_close"], first.sources["expected_close"]) == (
        "2027-02-01",
        "column Close",
    )
    assert (second.values["expected_close"], second.sources["expected_close"]) == (
        "2027-03-31",
        "default",
    )
    assert (first.file, first.line, second.line) == (str(tmp_path / "deals.csv"), 2, 3)


def test_a_default_date_is_iso_and_is_written_in_the_date_format(dataset, tmp_path):
    write(tmp_path, "deals.csv", "Firma;Abschluss;Betrag\nMüller GmbH;;\n")
    mapping = write(tmp_path, "mapping.yaml", """\
deals: deals.csv
delimiter: ";"
date_format: "%d.%m.%Y"
decimal_comma: true
columns: {account: Firma, expected_close: Abschluss, amount: Betrag}
defaults: {expected_close: 2027-03-31, amount: "1500.50"}
""")  # fmt: skip
    (row,) = rows_of(dataset, mapping)
    assert row.values["expected_close"] == "31.03.2027"
    assert parse_date(row.values["expected_close"], "%d.%m.%Y") == date(2027, 3, 31)
    assert parse_amount(row.values["amount"], True) == Decimal("1500.50")
    bad = write(tmp_path, "bad.yaml", mapping.read_text().replace("2027-03-31", "31.03.2027"))
    with pytest.raises(ImportError_, match=r"defaults.expected_close: `31.03.2027` is not a date"):
        rows_of(dataset, bad)


PRICED = """\
deals: deals.csv
columns: {account: Company, title: Deal, amount: Amount, products: Product}
prices: {file: products.csv, key: product, value: sales_price}
defaults: {amount: "10"}
"""


def test_amounts_from_the_price_list_match_products_ignoring_case_spaces_and_punctuation(
    dataset, tmp_path
):
    write(tmp_path, "deals.csv", DEALS)
    write(tmp_path, "products.csv", "product,sales_price\nGTXPro,550\ncloud seat,99.90\n")
    rows = rows_of(dataset, write(tmp_path, "mapping.yaml", PRICED))
    assert (rows[0].values["amount"], rows[0].sources["amount"]) == ("1,200.50", "column Amount")
    assert (rows[1].values["amount"], rows[1].sources["amount"]) == ("99.90", "price list")
    assert (rows[2].values["amount"], rows[2].sources["amount"]) == ("10", "default")  # no product
    assert (rows[3].values["amount"], rows[3].sources["amount"]) == ("649.90", "price list")
    # a product without a price: no amount (not even the default), and the reason names it
    assert (rows[4].values["amount"], rows[4].sources["amount"]) == (
        "",
        "no price for product Desk Phone 9",
    )


def test_every_file_a_mapping_names_is_checked_for_its_columns(dataset, tmp_path):
    write(tmp_path, "deals.csv", DEALS)
    write(tmp_path, "products.csv", "product,price\nGTX Pro,550\n")
    with pytest.raises(ImportError_, match=r"products.csv: no column 'sales_price'"):
        rows_of(dataset, write(tmp_path, "mapping.yaml", PRICED))
    write(tmp_path, "people.csv", "Login,Full name\nJane Roe,李雷\n")
    owners = "owners_file: {file: people.csv, key: Login, columns: {name: Name}}\n"
    mapping = write(tmp_path, "owners.yaml", PRICED.replace("prices:", "#") + owners)
    with pytest.raises(ImportError_, match=r"people.csv: no column 'Name'"):
        rows_of(dataset, mapping)
    no_name = owners.replace("name: Name", "email: Full name")
    mapping = write(tmp_path, "owners.yaml", PRICED.replace("prices:", "#") + no_name)
    with pytest.raises(ImportError_, match=r"owners_file.columns: give `name:`"):
        rows_of(dataset, mapping)
    fallback = PRICED.replace("amount: Amount", "amount: [Amount, Revenue]")
    with pytest.raises(ImportError_, match=r"deals.csv: no column 'Revenue'"):
        rows_of(dataset, write(tmp_path, "mapping.yaml", fallback))


OWNERS = """\
deals: deals.csv
columns: {account: Company, title: Deal, owner: Rep}
owners_file: {file: people.csv, key: Login, columns: {name: Full name}}
"""


def test_owners_come_from_the_people_file_by_name_without_email_or_territory(dataset, tmp_path):
    write(tmp_path, "deals.csv", DEALS)
    write(tmp_path, "people.csv", "Login,Full name\nJane Roe,李雷\n")
    rows = rows_of(dataset, write(tmp_path, "mapping.yaml", OWNERS))
    assert (rows[1].values["owner"], rows[1].sources["owner"]) == (
        "李雷",
        "people.csv column Full name",
    )
    assert "owner_territory" not in rows[1].values
    assert (
        CrmNames(dataset, read_export(dataset, tmp_path, tmp_path / "mapping.yaml")[0]).owner(
            rows[1].values["owner"]
        )
        == "li-lei"
    )
    # a rep the people file does not have keeps the deals' value, and says so
    assert (rows[2].values["owner"], rows[2].sources["owner"]) == (
        "Unknown Rep",
        "column Rep; no row in people.csv",
    )


def test_an_owner_is_named_by_the_email_the_team_knows_with_their_territory(dataset, tmp_path):
    write(tmp_path, "deals.csv", DEALS)
    people = "Login,Full name,Mail,Region\nJane Roe,Li Lei,li.lei@example.com,West China\n"
    write(tmp_path, "people.csv", people)
    text = OWNERS.replace("{name: Full name}", "{name: Full name, email: Mail, territory: Region}")
    rows = rows_of(dataset, write(tmp_path, "mapping.yaml", text))
    assert (rows[1].values["owner"], rows[1].sources["owner"]) == (
        "li.lei@example.com",
        "people.csv column Mail",
    )
    assert (rows[1].values["owner_territory"], rows[1].sources["owner_territory"]) == (
        "West China",
        "people.csv column Region",
    )


def test_the_hubspot_preset_reads_its_export_with_the_counts_and_totals(dataset):
    mapping, found = read_export(dataset, HUBSPOT / "deals.csv", preset="hubspot")
    rows = list(found)
    assert len(rows) == 36
    assert sum(not r.values["amount"] for r in rows) == 6  # open deals without an amount
    assert sum(not r.values["expected_close"] for r in rows) == 6
    assert total(rows) == Decimal("1409328.39")
    first = rows[0]
    assert (first.values["crm_id"], first.sources["crm_id"]) == ("15000000000", "column Record ID")
    assert first.values["account"] == "上海测试有限公司"
    assert first.values["account_crm_id"] == "8000000000"
    names = CrmNames(dataset, mapping)
    stages = Counter(names.stage(r.values["stage"]) for r in rows)
    assert stages == {"lead": 6, "proposal": 5, "negotiation": 5, "verbal": 10, "won": 5,
                      "lost": 5}  # fmt: skip
    owners = Counter(names.owner(r.values["owner"]) for r in rows)
    assert owners == {"li-lei": 18, "chen-hua": 9, "han-mei": 9}


def test_the_pipedrive_preset_takes_won_and_lost_from_the_status(dataset):
    mapping, found = read_export(dataset, PIPEDRIVE / "deals.csv", preset="pipedrive")
    rows = list(found)
    assert len(rows) == 30 and total(rows) == Decimal("982858.35")
    assert sum(not r.values["amount"] for r in rows) == 5
    names = CrmNames(dataset, mapping)
    stages = Counter(names.stage(r.values["stage"]) for r in rows)
    assert (stages["won"], stages["lost"]) == (5, 5)
    won = rows[0]
    assert (won.values["stage"], won.sources["stage"]) == ("Won", "column Deal - Status")
    assert (won.values["closed_on"], won.sources["closed_on"]) == (
        "2026-11-01 16:00:00",
        "column Deal - Won time",
    )
    assert won.values["crm_id"] == "1000" and "account_crm_id" not in won.values  # no such column
    assert rows[3].sources["closed_on"] == "column Deal - Lost time"


def test_the_salesforce_preset_reads_user_csv_for_the_owners(dataset):
    mapping, found = read_export(dataset, SALESFORCE_USERS)
    rows = list(found)
    assert len(rows) == 12 and total(rows) == Decimal("485249.08")
    first = rows[0]
    ids = (first.values["crm_id"], first.values["account_crm_id"])
    assert ids == ("006A0000000", "001A0000001")
    assert (first.values["account"], first.sources["account"]) == (
        "Müller GmbH",
        "Account.csv column Name",
    )
    assert first.values["address"] == "Hauptstraße 5, München, BY, Germany"
    assert first.sources["contact"] == "Contact.csv column Name"
    assert (rows[2].values["contact"], rows[2].sources["contact"]) == (
        "Main line",
        "Account.csv main line",
    )
    names = CrmNames(dataset, mapping)
    owners = [(r.values["owner"], r.sources["owner"]) for r in rows[:3]]
    assert owners == [
        ("li.lei@example.com", "User.csv column Email"),  # Lei Li: the team knows the email
        ("陈华", "User.csv column Name"),
        ("Sam Taylor", "User.csv column Name"),  # nobody of the team: map it with --owner
    ]
    assert [names.owner(owner) for owner, _ in owners] == ["li-lei", "chen-hua", None]


def test_a_mapping_file_overrides_a_preset_key_by_key(dataset, tmp_path):
    mapping = write(tmp_path, "hubspot.yaml", """\
columns:
  account: Associated Company IDs
  amount: [Amount, Deal Type]
accounts:
  file: companies.csv
  key: Record ID
  columns: {account: Company name, industry: Industry, territory: Sales region}
defaults: {expected_close: 2027-06-30}
stages: {Contract sent: negotiation}
""")  # fmt: skip
    (tmp_path / "companies.csv").write_bytes((HUBSPOT / "companies.csv").read_bytes())
    read, found = read_export(dataset, HUBSPOT / "deals.csv", mapping, preset="hubspot")
    rows = list(found)
    assert len(rows) == 36
    first = rows[0]
    assert (first.values["account"], first.sources["account"]) == (
        "上海测试有限公司",
        "companies.csv column Company name",
    )
    assert (first.values["territory"], first.sources["territory"]) == (
        "West China",
        "companies.csv column Sales region",
    )
    assert (first.values["amount"], first.sources["amount"]) == (
        "existingbusiness",
        "column Deal Type",
    )
    assert rows[1].values["expected_close"] == "2027-06-30"  # the preset's blank close date
    assert rows[0].values["expected_close"] == "2027-01-01 00:00"
    assert first.values["owner"] == "李雷"  # the preset's other columns stay
    missing = rows[11]  # the company companies.csv does not have keeps the deals' value
    assert (missing.values["account"], missing.sources["account"]) == (
        "8000001111",
        "column Associated Company IDs; no row in companies.csv",
    )
    names = CrmNames(dataset, read)
    assert names.stage("Contract sent") == "negotiation"  # the mapping's
    assert names.stage("Qualified to buy") == "proposal"  # the preset's probability, 40


def test_a_preset_refuses_a_file_without_its_columns_and_an_unknown_preset(dataset, tmp_path):
    with pytest.raises(ImportError_, match="none of the preset's columns"):
        read_export(dataset, PIPEDRIVE / "deals.csv", preset="hubspot")
    with pytest.raises(ImportError_) as unknown:
        read_export(dataset, HUBSPOT / "deals.csv", preset="zoho")
    assert unknown.value.option == "--preset"
    assert "choose salesforce, hubspot, pipedrive" in str(unknown.value)
    with pytest.raises(ImportError_, match="give the deals CSV of the hubspot export"):
        read_export(dataset, HUBSPOT, preset="hubspot")


def test_territory_owner_is_no_territory_of_its_own(dataset):
    names = CrmNames(dataset, Mapping(territory="owner", territories={"Süd": "south"}))
    assert names.territory(None) is None and names.territory("") is None
    assert names.territory("Süd") == "south" and names.territory("West China") == "west"
    assert CrmNames(dataset, Mapping(territory="west")).territory(None) == "west"

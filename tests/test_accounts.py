"""The accounts list's rows and the support desk's list (analytics/accounts.py)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.analytics.accounts import (
    AccountRow,
    account_row,
    account_rows,
    support_json,
    supported_accounts,
)
from generator.analytics.pipeline import DealIndex
from generator.data.load import Dataset
from generator.data.validate import check

AS_OF = date(2026, 11, 26)


@pytest.fixture
def dataset(valid_data: Path) -> Dataset:
    result = check(valid_data, AS_OF)
    assert result.ok, result.problems
    return result.dataset


def test_each_account_adds_up_its_open_deals_pipeline_and_won(dataset: Dataset) -> None:
    supported = supported_accounts(dataset, AS_OF)
    rows = {
        row.account.id: row
        for row in account_rows(dataset, DealIndex.of(dataset).by_account, supported)
    }
    pearl = rows["pearl-river-foods"]
    assert (pearl.open, pearl.pipeline, pearl.won) == (2, Decimal("1045000.00"), 0)
    assert pearl.territory is not None and pearl.territory.name == "South China"
    assert pearl.support is supported["pearl-river-foods"]
    chengdu = rows["chengdu-optics"]
    assert (chengdu.open, chengdu.pipeline, chengdu.won) == (0, 0, Decimal("256000.00"))
    assert chengdu.support is None  # won on 2026-06-12: its 90 days are over


def test_an_account_without_deals_reads_zero(dataset: Dataset) -> None:
    account = dataset.accounts["chengdu-optics"]
    assert account_row(account, []) == AccountRow(account, None, None, 0, Decimal(0), Decimal(0))


def test_the_support_list_holds_the_eligible_accounts_by_id(dataset: Dataset) -> None:
    assert list(supported_accounts(dataset, AS_OF)) == ["pearl-river-foods"]
    soon_after_the_win = supported_accounts(dataset, date(2026, 7, 1))
    assert list(soon_after_the_win) == ["chengdu-optics", "pearl-river-foods"]
    assert soon_after_the_win["chengdu-optics"].until == date(2026, 9, 10)


def test_support_json_says_who_and_why(dataset: Dataset) -> None:
    supported = supported_accounts(dataset, date(2026, 7, 1))
    text = support_json(supported.values(), date(2026, 7, 1))
    assert text.endswith("}\n")
    document = json.loads(text)
    assert document["as_of"] == "2026-07-01"
    chengdu, pearl = document["accounts"]
    assert chengdu == {
        "account": "chengdu-optics",
        "name": "成都光学仪器厂",
        "territory": "west",
        "owners": ["zhou-bo"],
        "open_deals": [],
        "reasons": [
            {
                "kind": "won",
                "deal": "chengdu-optics-workstations",
                "closed_on": "2026-06-12",
                "until": "2026-09-10",
            }
        ],
        "until": "2026-09-10",
    }
    assert pearl["open_deals"] == ["pearl-river-laptops", "pearl-river-printers"]
    assert pearl["until"] is None

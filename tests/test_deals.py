"""One view of a deal for the site's pages and the handover plan (analytics/deals.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.analytics.deals import DealView, deal_view, team_by_id
from generator.analytics.handover import plan_handover
from generator.data.load import Dataset
from generator.data.model import WON
from generator.data.validate import check

AS_OF = date(2026, 11, 26)


@pytest.fixture
def dataset(valid_data: Path) -> Dataset:
    result = check(valid_data, AS_OF)
    assert result.ok, result.problems
    return result.dataset


def test_an_open_deal_shows_its_account_contact_stage_weight_and_owner(dataset: Dataset) -> None:
    view = deal_view(dataset, dataset.deals["pearl-river-laptops"])
    assert view is not None and view.id == "pearl-river-laptops"
    assert view.account is not None and view.account.name == "珠江食品有限公司"
    assert view.contact is not None and view.contact.phone == "+86 20 5555 0101"
    assert (view.stage.id, view.weighted) == ("proposal", Decimal("384000.00"))
    assert view.owner is not None and view.owner.name == "李雷"
    assert view.last_log is not None and view.last_log.date == date(2026, 11, 20)


def test_a_closed_deal_weighs_nothing_and_its_stage_can_be_named_anew(dataset: Dataset) -> None:
    won = dataset.deals["chengdu-optics-workstations"]
    view = deal_view(dataset, won)
    assert view is not None and view.weighted == 0 and view.stage == WON
    named = WON.model_copy(update={"name": "赢单"})
    shown = deal_view(dataset, won, stages={"won": named})
    assert shown is not None and shown.stage.label == "赢单"


def test_what_the_data_no_longer_names_is_none(dataset: Dataset) -> None:
    deal = dataset.deals["pearl-river-printers"]
    gone = deal.model_copy(update={"account": "gone", "owner": "nobody"})
    view = deal_view(dataset, gone)
    assert view is not None and (view.account, view.contact, view.owner) == (None, None, None)
    assert view.as_json()["account_name"] is None
    assert deal_view(dataset, deal.model_copy(update={"stage": "unheard-of"})) is None


def test_the_owner_can_come_from_a_given_team(dataset: Dataset) -> None:
    deal = dataset.deals["pearl-river-printers"]
    people = team_by_id(dataset)
    assert deal_view(dataset, deal, people=people) == deal_view(dataset, deal)
    assert deal_view(dataset, deal, people={}) == DealView(
        deal=deal,
        account=dataset.accounts["pearl-river-foods"],
        contact=dataset.accounts["pearl-river-foods"].contact("Peter Wong"),
        stage=dataset.funnel.stage("verbal"),
        weighted=Decimal("76500.00"),
        owner=None,
    )


def test_the_handover_plan_lists_the_same_views_the_pages_show(dataset: Dataset) -> None:
    plan = plan_handover(dataset, "li-lei", AS_OF, "chen-hua")
    assert plan.items == [
        deal_view(dataset, dataset.deals["pearl-river-printers"]),
        deal_view(dataset, dataset.deals["pearl-river-laptops"]),
    ]
    assert [item.owner.id for item in plan.items if item.owner] == ["li-lei", "li-lei"]

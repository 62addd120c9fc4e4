"""Presales and technical support: while a deal is open, and for a while after a win; the
support page and support.json say why, by the same function."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from generator.analytics.support import eligible_accounts, support_of, supported_until
from generator.data.model import Account, Contact, Deal, Funnel, Rules
from generator.data.validate import check
from generator.site.pages import build_pages

ROOT = Path(__file__).resolve().parent.parent
WON_ON = date(2026, 11, 20)
ACCOUNT = Account(
    id="huadong", name="上海华东电子有限公司", territory="east", contacts=[Contact(name="李明")]
)


def deal(deal_id: str, stage: str, closed_on: date | None = None, owner: str = "wang-li") -> Deal:
    return Deal(
        id=deal_id,
        account="huadong",
        contact="李明",
        owner=owner,
        title=f"{deal_id} title",
        amount=Decimal("1000.00"),
        expected_close=date(2027, 3, 31),
        stage=stage,
        closed_on=closed_on,
        created=date(2026, 1, 5),
    )


def test_the_default_is_ninety_days() -> None:
    assert Rules().support_after_win_days == 90
    funnel = Funnel.model_validate(
        {"currency": "CNY", "stages": [{"id": "a", "probability": 10, "handover": "later"}]}
    )
    assert funnel.rules.support_after_win_days == 90


def test_a_win_gives_support_through_closed_on_plus_the_days_and_not_a_day_longer() -> None:
    rules = Rules()
    won = deal("laptops", "won", WON_ON)
    assert supported_until(WON_ON, rules) == date(2027, 2, 18)  # 2026-11-20 + 90 days
    last_day = support_of(ACCOUNT, [won], WON_ON + timedelta(days=90), rules)
    assert last_day is not None
    assert last_day.until == date(2027, 2, 18)
    assert [reason.as_json() for reason in last_day.reasons] == [
        {"kind": "won", "deal": "laptops", "closed_on": "2026-11-20", "until": "2027-02-18"}
    ]
    assert support_of(ACCOUNT, [won], WON_ON + timedelta(days=91), rules) is None
    assert support_of(ACCOUNT, [won], WON_ON, rules) is not None


def test_the_days_are_the_teams_rule() -> None:
    won = deal("laptops", "won", WON_ON)
    rules = Rules(support_after_win_days=30)
    assert support_of(ACCOUNT, [won], WON_ON + timedelta(days=30), rules) is not None
    assert support_of(ACCOUNT, [won], WON_ON + timedelta(days=31), rules) is None
    same_day = Rules(support_after_win_days=0)
    assert support_of(ACCOUNT, [won], WON_ON, same_day) is not None
    assert support_of(ACCOUNT, [won], WON_ON + timedelta(days=1), same_day) is None


def test_only_the_last_win_counts_and_lost_deals_give_nothing() -> None:
    deals = [
        deal("old", "won", date(2026, 1, 10)),
        deal("recent", "won", date(2026, 10, 1)),
        deal("lost-one", "lost", date(2026, 11, 1)),
    ]
    support = support_of(ACCOUNT, deals, date(2026, 11, 28), Rules())
    assert support is not None
    assert [(r.kind, r.deal.id) for r in support.reasons] == [("won", "recent")]
    assert support_of(ACCOUNT, [deals[2]], date(2026, 11, 28), Rules()) is None
    assert support_of(ACCOUNT, [], date(2026, 11, 28), Rules()) is None


def test_open_deals_come_first_and_keep_an_account_eligible_without_end() -> None:
    deals = [
        deal("b-servers", "commit", owner="li-na"),
        deal("a-laptops", "qualify"),
        deal("won-one", "won", WON_ON, owner="chen-jing"),
    ]
    support = support_of(ACCOUNT, deals, date(2026, 11, 28), Rules())
    assert support is not None
    assert [(r.kind, r.deal.id) for r in support.reasons] == [
        ("open_deal", "a-laptops"),
        ("open_deal", "b-servers"),
        ("won", "won-one"),
    ]
    assert support.until is None
    assert support.owners == ["chen-jing", "li-na", "wang-li"]
    far = support_of(ACCOUNT, deals, date(2030, 1, 1), Rules())
    assert far is not None and [r.kind for r in far.reasons] == ["open_deal", "open_deal"]


def test_eligible_accounts_are_sorted_by_id_and_leave_out_the_rest() -> None:
    other = ACCOUNT.model_copy(update={"id": "anhui", "name": "安徽"})
    nobody = ACCOUNT.model_copy(update={"id": "zz-none", "name": "无"})
    deals = [
        deal("laptops", "won", WON_ON),
        deal("printers", "qualify").model_copy(update={"account": "anhui"}),
    ]
    found = eligible_accounts([ACCOUNT, nobody, other], deals, date(2026, 11, 28), Rules())
    assert [support.account.id for support in found] == ["anhui", "huadong"]


def test_the_rule_is_read_from_funnel_yaml(valid_data: Path) -> None:
    funnel = valid_data / "funnel.yaml"
    text = funnel.read_text(encoding="utf-8")
    funnel.write_text(text + "  support_after_win_days: 30\n", encoding="utf-8")
    result = check(valid_data, date(2026, 11, 26))
    assert result.ok, result.problems
    assert result.dataset.funnel.rules.support_after_win_days == 30
    funnel.write_text(text + "  support_after_win_days: -1\n", encoding="utf-8")
    assert not check(valid_data, date(2026, 11, 26)).ok


# the site ---------------------------------------------------------------------------------


@pytest.fixture
def won_only(valid_data: Path) -> Path:
    """chengdu-optics has only a deal won on 2026-11-20 (and pearl-river-foods open deals)."""
    deal_file = valid_data / "deals" / "chengdu-optics-workstations.yaml"
    text = deal_file.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("closed_on:")]
    text = "\n".join(lines) + "\n"
    for line in lines:
        if line.startswith("stage:"):
            text = text.replace(line, "stage: won\nclosed_on: 2026-11-20")
    deal_file.write_text(text, encoding="utf-8")
    return valid_data


def site(data: Path, as_of: date, language: str = "en") -> dict[str, str]:
    result = check(data, as_of)
    assert result.ok, result.problems
    pages = build_pages(result.dataset, as_of, language=language)
    return {page.path: page.markdown for page in pages}


def test_support_json_says_why_each_account_is_eligible(won_only: Path) -> None:
    pages = site(won_only, date(2027, 2, 18))
    document = json.loads(pages["support.json"])
    assert document["as_of"] == "2027-02-18"
    by_id = {entry["account"]: entry for entry in document["accounts"]}
    assert set(by_id) == {"chengdu-optics", "pearl-river-foods"}
    chengdu = by_id["chengdu-optics"]
    assert set(chengdu) >= {"account", "name", "territory", "owners", "open_deals", "reasons"}
    assert chengdu["open_deals"] == []
    assert chengdu["reasons"] == [
        {
            "kind": "won",
            "deal": "chengdu-optics-workstations",
            "closed_on": "2026-11-20",
            "until": "2027-02-18",
        }
    ]
    assert chengdu["until"] == "2027-02-18"
    assert chengdu["owners"]
    foods = by_id["pearl-river-foods"]
    assert foods["until"] is None
    assert [reason["kind"] for reason in foods["reasons"]] == ["open_deal", "open_deal"]
    assert [reason["deal"] for reason in foods["reasons"]] == foods["open_deals"]
    later = json.loads(site(won_only, date(2027, 2, 19))["support.json"])
    assert [entry["account"] for entry in later["accounts"]] == ["pearl-river-foods"]


def test_the_support_page_says_why_in_words(won_only: Path) -> None:
    page = site(won_only, date(2026, 11, 28))["support.md"]
    assert "90 days" in page
    assert "won" in page and "2027-02-18" in page
    assert '<a href="../deals/chengdu-optics-workstations/">' in page
    assert "open deal" in page
    zh = site(won_only, date(2026, 11, 28), language="zh")["support.md"]
    assert "90 天" in zh and "赢单" in zh and "2027-02-18" in zh
    for english in ("open deal", "supported until", "Why"):
        assert english not in zh


def test_the_account_pages_agree_with_the_support_list(won_only: Path) -> None:
    pages = site(won_only, date(2027, 2, 18))
    account = pages["accounts/chengdu-optics.md"]
    assert "Eligible until 2027-02-18" in account and "Not eligible" not in account
    row = next(line for line in pages["accounts/index.md"].splitlines() if "chengdu-optics" in line)
    assert row.rstrip().endswith("<td>✓</td></tr>")
    later = site(won_only, date(2027, 2, 19))
    assert "Not eligible" in later["accounts/chengdu-optics.md"]
    row = next(line for line in later["accounts/index.md"].splitlines() if "chengdu-optics" in line)
    assert row.rstrip().endswith("<td>—</td></tr>")


def test_no_eligible_account_says_so(valid_data: Path) -> None:
    for deal_file in (valid_data / "deals").rglob("*.yaml"):
        deal_file.unlink()
    page = site(valid_data, date(2026, 11, 28))["support.md"]
    assert "None\\." in page and "| --- |" not in page  # Markdown-escaped full stop

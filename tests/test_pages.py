"""The pages of the sample data at a fixed date, as golden files; templates and languages."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from generator.pages import build_pages, navigation
from generator.validate import check

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 26)
GOLDEN_PAGES = [
    "index.md",
    "forecast.md",
    "marketing.md",
    "territories/east.md",
    "reps/liu-yang.md",
    "reps/zhang-wei.md",
    "accounts/index.md",
    "accounts/huadong-electronics.md",
    "deals/xihu-software-gpu-servers.md",
    "support.md",
    "support.json",
]


@pytest.fixture(scope="module")
def sample():
    result = check(ROOT / "data", AS_OF, display="data")
    assert result.ok
    return result.dataset


@pytest.fixture(scope="module")
def pages(sample):
    return {page.path: page for page in build_pages(sample, AS_OF)}


@pytest.mark.parametrize("path", GOLDEN_PAGES)
def test_sample_pages_match_their_golden_files(pages, golden, path):
    golden(f"pages/{path}", pages[path].markdown)


def test_every_deal_account_and_person_has_a_page(sample, pages):
    for deal_id in sample.deals:
        assert f"deals/{deal_id}.md" in pages
    for account_id in sample.accounts:
        assert f"accounts/{account_id}.md" in pages
    for person in sample.team.people:
        assert f"reps/{person.id}.md" in pages
    assert pages["robots.txt"].markdown == "User-agent: *\nDisallow: /\n"


def test_navigation_leaves_deals_and_accounts_out(pages):
    nav = json.dumps(navigation(list(pages.values())), ensure_ascii=False)
    assert "deals/" not in nav
    assert "accounts/index.md" in nav
    assert "accounts/huadong" not in nav
    assert "reps/liu-yang.md" in nav


def test_chinese_names_sort_by_pinyin(pages):
    nav = navigation(list(pages.values()))
    people = next(item for item in nav if "People" in item)["People"]
    names = [next(iter(entry)) for entry in people]
    # 陈静 (chen), 李娜 (li), 刘洋 (liu), Mark, Sarah, 孙浩 (sun), Tom, 王丽 (wang), 张伟 (zhang)
    order = ["陈静", "李娜", "刘洋", "Mark Johnson", "Sarah Collins", "孙浩", "Tom Becker", "王丽"]
    assert [name for name in names if name in order] == order


def test_support_json_lists_exactly_the_accounts_with_open_deals(sample, pages):
    document = json.loads(pages["support.json"].markdown)
    listed = {entry["account"] for entry in document["accounts"]}
    expected = {deal.account for deal in sample.deals.values() if deal.is_open}
    assert listed == expected
    assert document["as_of"] == "2026-11-26"


def test_a_user_template_overrides_and_extends_the_packaged_one(sample, tmp_path):
    (tmp_path / "deal.md.j2").write_text('{% extends "default:deal.md.j2" %}\n', encoding="utf-8")
    (tmp_path / "support.md.j2").write_text(
        "# Our support list\n\n{% for account, deals in rows %}- {{ account.name }}\n{% endfor %}",
        encoding="utf-8",
    )
    pages = {page.path: page for page in build_pages(sample, AS_OF, templates=tmp_path)}
    assert pages["support.md"].markdown.startswith("# Our support list")
    assert "- 杭州西湖软件科技有限公司" in pages["support.md"].markdown
    default = {page.path: page for page in build_pages(sample, AS_OF)}
    path = "deals/xihu-software-gpu-servers.md"
    assert pages[path].markdown == default[path].markdown


def test_the_site_speaks_chinese(sample):
    pages = {page.path: page for page in build_pages(sample, AS_OF, language="zh")}
    home = pages["index.md"].markdown
    assert home.startswith("# 销售漏斗")
    assert "加权金额" in home
    nav = navigation(list(pages.values()), "zh")
    assert [next(iter(item)) for item in nav][:3] == ["首页", "预测", "市场"]

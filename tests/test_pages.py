"""The pages of the sample data at a fixed date, as golden files; templates and languages."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.data.validate import check
from generator.history.events import Change
from generator.history.records import Commit
from generator.site.describe import describe_change
from generator.site.environment import environment
from generator.site.pages import build_pages, navigation
from generator.site.words import EN, ZH

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
    notice = "data is not inside a git repository: fatal: not a git repository."
    built = build_pages(sample, AS_OF, language="zh", history_notice=notice)
    pages = {page.path: page for page in built}
    home = pages["index.md"].markdown
    assert home.startswith("# 销售漏斗")
    assert "加权金额" in home
    won = pages["deals/huabei-steel-servers-2025.md"].markdown
    assert "<td>阶段</td>\n<td>赢单</td>" in won and "Won" not in won
    reviews = pages["reviews/index.md"].markdown
    assert "无法读取漏斗的 git 历史" in reviews and "repository" not in reviews
    nav = navigation(list(pages.values()), "zh")
    assert [next(iter(item)) for item in nav][:3] == ["首页", "预测", "市场"]


@pytest.mark.parametrize(
    ("change", "english", "chinese"),
    [
        (
            Change("d", "added", "added", "stage", None, "offer"),
            "new deal in Offer",
            "新商机，阶段：Offer",
        ),
        (
            Change("d", "changed", "stage_up", "stage", "lead", "offer"),
            "stage lead → Offer (moved down the funnel)",
            "阶段：lead → Offer（在漏斗中下移）",
        ),
        (
            Change("d", "changed", "won", "stage", "offer", "won"),
            "stage Offer → Won",
            "阶段：Offer → 赢单",
        ),
        (
            Change("d", "changed", "reopened", "stage", "lost", "offer"),
            "stage Lost → Offer (reopened)",
            "阶段：丢单 → Offer（重新打开）",
        ),
        (
            Change(
                "d", "changed", "slipped", "expected_close", date(2027, 1, 31), date(2027, 3, 31)
            ),
            "expected close 2027-01-31 → 2027-03-31 (slipped)",
            "预计成交：2027-01-31 → 2027-03-31（推迟）",
        ),
        (
            Change("d", "changed", "amount", "amount", Decimal("1000"), Decimal("1200.5")),
            "amount 1,000.00 → 1,200.50",
            "金额：1,000.00 → 1,200.50",
        ),
        (
            Change("d", "changed", "owner", "owner", "wang-li", "li-na"),
            "owner 王丽 → li-na",
            "负责人：王丽 → li-na",
        ),
        (
            Change("d", "changed", "changed", "next_step", None, "Call"),
            "next step (none) → Call",
            "下一步：（无） → Call",
        ),
        (
            Change("d", "changed", "logged", "log", None, (date(2026, 11, 2), "Demo")),
            "logged 2026-11-02: Demo",
            "记录 2026-11-02：Demo",
        ),
        (
            Change("d", "moved", "moved", "path", "a.yaml", "b/a.yaml"),
            "file moved from a.yaml to b/a.yaml",
            "文件从 a.yaml 移到 b/a.yaml",
        ),
        (
            Change("d", "removed", "removed"),
            "removed without being closed: close it as lost instead",
            "未关闭即删除：请改为关闭为丢单",
        ),
        (
            Change("d", "added", "won_at_once", "stage", None, "won"),
            "entered as already won: the deal never appeared in the funnel",
            "录入时已赢单：该商机从未出现在漏斗中",
        ),
    ],
)
def test_a_change_is_told_in_the_sites_language(change, english, chinese):
    labels = {
        "stage": {"offer": "Offer", "won": ZH["won"], "lost": ZH["lost"]},
        "owner": {"wang-li": "王丽"},
    }
    assert describe_change(change, ZH, labels) == chinese
    labels["stage"] |= {"won": EN["won"], "lost": EN["lost"]}
    assert describe_change(change, EN, labels) == english


def test_names_from_git_are_escaped_like_everything_users_type():
    merged = Commit("0" * 40, "<b>Eve</b> | x", "eve@example.org", AS_OF, "x", "*Mallory*")
    text = environment().from_string("{{ credit(c) }}").render(t=EN, c=merged)
    assert text == r"&lt;b&gt;Eve&lt;/b&gt; \| x, merged by \*Mallory\*"

"""Every page kind builds when a slice of the funnel is empty, and says so.

The small valid data folder already has empty slices: a leaving rep (韩梅) and a manager
without deals, a territory (West China) with only a won deal of a rep who left, stages
without deals, no targets. The tests below take away the rest: every deal, all but one
person, the history.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import GitRepo, copy_valid

from generator.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-28"


ONE_PERSON_TEAM = """\
territories: [{id: south, name: South China}, {id: west, name: West China}]
people:
  - {id: li-lei, name: 李雷, email: li.lei@example.com, role: rep, territory: south,
     status: active}
"""
LOST_DEAL = """\
account: pearl-river-foods
contact: 黄小芳
owner: li-lei
title: Tablets for the drivers
amount: 1000.00
expected_close: 2026-10-31
stage: lost
closed_on: 2026-10-20
lost_reason: Price
created: 2026-09-01
"""
TARGETS = """\
targets:
  - {period: 2026, amount: 100000.00}
  - {owner: li-lei, period: 2026, amount: 40000.00}
"""


def project(tmp_path: Path) -> Path:
    """mkdocs.yml and docs/ of this repository, and the small valid data folder."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "templates").mkdir()
    copy_valid(tmp_path / "data")
    return tmp_path


def without_deals(data: Path) -> None:
    shutil.rmtree(data / "deals")
    (data / "deals").mkdir()


def one_person_with_a_lost_deal(data: Path) -> None:
    """One rep, no manager, one lost deal: nothing won, nothing open; targets."""
    without_deals(data)
    (data / "team.yaml").write_text(ONE_PERSON_TEAM, encoding="utf-8")
    (data / "accounts" / "chengdu-optics.yaml").unlink()
    (data / "deals" / "pearl-river-tablets.yaml").write_text(LOST_DEAL, encoding="utf-8")
    (data / "targets.yaml").write_text(TARGETS, encoding="utf-8")


def build(folder: Path) -> Path:
    """`funnel build` of the project; the site's folder."""
    site = folder / "site"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--config", str(folder / "mkdocs.yml"),
            "--data", str(folder / "data"),
            "--site-dir", str(site),
            "--as-of", AS_OF,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return site


def rows(page: str) -> list[list[str]]:
    """The cells of every table row of an HTML page, as text."""
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        if (cells := re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S))
    ]


def read(site: Path, page: str) -> str:
    return (site / page / "index.html" if page else site / "index.html").read_text(encoding="utf-8")


def row_of(page: str, first: str) -> list[str]:
    """The table row whose first cell is `first`."""
    found = [row for row in rows(page) if row[0] == first]
    assert found, f"no row {first!r} in {rows(page)}"
    return found[0]


def test_a_leaving_rep_without_deals_builds_the_handover_page(tmp_path):
    # 韩梅 is leaving and owns no deal any more: her handover is done
    site = build(project(tmp_path))
    page = (site / "handovers" / "index.html").read_text(encoding="utf-8")
    assert row_of(page, "韩梅") == ["韩梅", "0", "0.00"]


def test_a_territory_a_rep_and_stages_without_deals_read_zero(tmp_path):
    site = build(project(tmp_path))
    west = read(site, "territories/west")
    assert row_of(west, "Total") == ["Total", "", "0", "0.00", "0.00"]
    assert row_of(west, "Lead") == ["Lead", "10%", "0", "0.00", "0.00"]
    assert "<p>No open deals.</p>" in west
    han_mei = read(site, "reps/han-mei")
    assert "<p>No open deals.</p>" in han_mei
    assert row_of(han_mei, "2026-Q4") == ["2026-Q4", "0", "0.00", "0.00", "0.00", "0.00"]
    home = read(site, "")
    assert row_of(home, "Lead") == ["Lead", "10%", "0", "0.00", "0.00"]
    assert row_of(home, "Negotiation") == ["Negotiation", "65%", "0", "0.00", "0.00"]
    forecast = read(site, "forecast")
    assert row_of(forecast, "West China") == ["West China", "0", "0.00", "0.00", "256,000.00", ""]
    assert "Target" not in "".join(row[0] for row in rows(forecast))  # no targets.yaml
    for page in ("reviews", "compliance", "trends"):  # not a git repository
        assert "History is not available" in read(site, page)


def test_a_funnel_without_deals_builds_every_page_with_zeros(tmp_path):
    folder = project(tmp_path)
    without_deals(folder / "data")
    site = build(folder)
    home = read(site, "")
    assert row_of(home, "Total") == ["Total", "", "0", "0.00", "0.00"]
    assert row_of(home, "2026") == ["2026", "0", "0.00", "0.00", "0.00", "0.00"]
    assert "Expected to close this month" in home
    forecast = read(site, "forecast")
    assert row_of(forecast, "2026-11") == ["2026-11", "0", "0.00", "0.00", "0.00", "0.00"]
    # by owner: coverage of this quarter and this year (the company's, without owners)
    assert row_of(forecast, "Total") == ["Total", "2026-Q4", "0", "0.00", "0.00", "", ""]
    assert row_of(forecast, "South China") == ["South China", "0", "0.00", "0.00", "0.00", ""]
    marketing = read(site, "marketing")
    assert row_of(marketing, "2026-11") == ["2026-11", "0", "0.00"]
    assert "<p>No deals.</p>" in marketing
    accounts = read(site, "accounts")
    assert row_of(accounts, "珠江食品有限公司")[2:5] == ["0", "0.00", "0.00"]
    assert "<p>No deals.</p>" in read(site, "accounts/pearl-river-foods")
    assert "<p>No open deals.</p>" in read(site, "territories/south")
    assert "<p>No open deals.</p>" in read(site, "reps/li-lei")
    assert (site / "support" / "index.html").is_file()
    assert (site / "support.json").is_file()
    assert row_of(read(site, "handovers"), "韩梅") == ["韩梅", "0", "0.00"]


def test_a_one_person_team_without_won_or_open_deals_shows_its_target(tmp_path):
    folder = project(tmp_path)
    one_person_with_a_lost_deal(folder / "data")
    site = build(folder)
    forecast = read(site, "forecast")
    assert row_of(forecast, "2026") == ["2026", "0", "0.00", "0.00", "0.00", "0.00"]
    target = [row for row in rows(forecast) if row[0] == "2026" and len(row) == 4]
    assert target == [["2026", "100,000.00", "0.00", "0%"]]
    assert row_of(forecast, "李雷") == ["李雷", "2026-Q4", "0", "0.00", "0.00", "", ""]
    assert ["", "2026", "0", "0.00", "0.00", "40,000.00", "0%"] in rows(forecast)
    deal = read(site, "deals/pearl-river-tablets")
    assert row_of(deal, "Stage") == ["Stage", "Lost"]
    assert row_of(deal, "Weighted") == ["Weighted", "0.00 CNY"]
    assert "<p>No open deals.</p>" in read(site, "territories/west")
    assert "None." in read(site, "handovers")


def test_a_one_person_team_with_one_commit_of_history(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.data.rmdir()
    project(repo.root)
    one_person_with_a_lost_deal(repo.data)
    repo.commit("The team's funnel", date="2026-11-27", who="Li Lei")
    site = build(repo.root)
    reviews = read(site, "reviews")
    assert row_of(reviews, "2026-W48 (2026-11-23)") == ["2026-W48 (2026-11-23)", "", "李雷"]
    week = read(site, "reviews/2026-W48/li-lei")
    assert "1 deal(s) came with the first commit of the history" in week
    compliance = read(site, "compliance")
    assert "<p>None.</p>" in compliance  # the first commit is the baseline: nothing is late
    trends = read(site, "trends")
    assert row_of(trends, "2026-W48") == ["2026-W48", *["0 · 0.00"] * 4]  # the deal is lost
    timeline = read(site, "deals/pearl-river-tablets")
    assert "李雷" in "".join(cell for row in rows(timeline) for cell in row)

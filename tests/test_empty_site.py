"""Every page kind builds when a slice of the funnel is empty, and says so."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import copy_valid

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-28"


def project(tmp_path: Path) -> Path:
    """mkdocs.yml and docs/ of this repository, and the small valid data folder."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "templates").mkdir()
    copy_valid(tmp_path / "data")
    return tmp_path


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

"""The pages that history fills, in a real Chromium, on the site of `funnel example`.

The sample data has one commit of history, so its weekly reviews, timelines, compliance and
trends are nearly empty; the example team's six months fill them. Each page loads with no
console error or uncaught exception, asks nothing of any other host, shows the rows the story
planted, and draws its charts with a table after each. The browser, the server and the checks
are those of test_browser.py (skipped without Chromium, failing in CI).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_browser import (  # noqa: F401 - fixtures, found by name
    CHARTS_JS,
    Visit,
    base_url,
    browser,
    chart_problems,
    chromium,
    visit,
)

import generator.cli.main
from generator.analytics.calendar import Week
from generator.example.build import build
from generator.example.repository import Story

pytestmark = pytest.mark.browser

AS_OF = date(2026, 11, 28)
ROWS_JS = "() => document.querySelectorAll('article tbody tr, article li').length"
TEXT_JS = "() => document.querySelector('article').innerText"


@pytest.fixture(scope="module")
def story(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Story:  # noqa: F811
    return build(tmp_path_factory.mktemp("example") / "team", seed=1, months=6, as_of=AS_OF)


@pytest.fixture(scope="module")
def site(story: Story, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's site, as `funnel build` makes it inside the example repository."""
    target = tmp_path_factory.mktemp("browser-history") / "site"
    result = CliRunner().invoke(
        generator.cli.main.main,
        ["build", "--config", str(story.root / "mkdocs.yml"), "--data", str(story.root / "data"),
         "--site-dir", str(target), "--as-of", AS_OF.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return target


def pages(story: Story) -> dict[str, tuple[str, int, list[str]]]:
    """Kind of page -> (path, fewest rows, words it must show)."""
    last_week = Week.of(AS_OF).name
    handover_week = Week.of(story.handover.day).name
    timeline = story.last_merge_deals[0]
    return {
        "reviews": ("/reviews/", 12, [last_week]),
        "team review": (
            f"/reviews/{last_week}/team-zhang-wei/",
            3,
            ["Team of 张伟", "王丽, merged by 张伟"],  # the roll-up, then each person
        ),
        "handover week": (f"/reviews/{handover_week}/wang-li/", 5, ["刘洋"]),
        "timeline": (f"/deals/{timeline}/", 10, ["刘洋, merged by 张伟", "王丽, merged by 张伟"]),
        "compliance": ("/compliance/", 2, [story.late.deal, story.removed.deal]),
        "trends": ("/trends/", 12, [last_week]),
        "handover": (f"/handovers/{Path(story.handover.checklist).stem}/", 3, ["王丽"]),
    }


KINDS = ["reviews", "team review", "handover week", "timeline", "compliance", "trends", "handover"]


@pytest.fixture(scope="module")
def page_of(story: Story) -> Callable[[str], tuple[str, int, list[str]]]:
    return pages(story).__getitem__


@pytest.mark.parametrize("kind", KINDS)
def test_history_page_loads_cleanly_and_shows_what_happened(
    visit: Visit,  # noqa: F811
    page_of,
    kind: str,
) -> None:
    path, rows, words = page_of(kind)
    visit.goto(path)
    assert not visit.errors, f"{path}:\n" + "\n".join(visit.errors)
    assert not visit.external, f"{path} asked other hosts for:\n" + "\n".join(visit.external)
    shown = visit.page.evaluate(ROWS_JS)
    assert shown >= rows, f"{path}: {shown} rows or items, want at least {rows}"
    text = visit.page.evaluate(TEXT_JS)
    missing = [word for word in words if word not in text]
    assert not missing, f"{path}: does not show {missing}"


@pytest.mark.parametrize("kind", KINDS)
def test_history_page_draws_its_charts(visit: Visit, page_of, kind: str) -> None:  # noqa: F811
    path, _, _ = page_of(kind)
    visit.goto(path)
    charts = visit.page.evaluate(CHARTS_JS)
    if kind == "trends":  # the funnel's fill per week: a line per stage across the weeks
        assert charts, f"{path}: no chart"
        lines = [shape for shape in charts[0]["shapes"] if shape[0] == "polyline"]
        assert len(lines) >= 3 and min(width for _, width, _ in lines) > 200, charts[0]
    problems = chart_problems(charts)
    assert not problems, f"{path}:\n" + "\n".join(problems)

"""Calibrated probabilities: the stages' real win rates from a history with planted paths.

Every expected number is computed here by hand from the planted stage paths and outcomes.
"""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import HISTORY_FUNNEL, deal_yaml

from generator.analytics.calibration import (
    DealPath,
    calibrate,
    calibrated_probability,
    deal_paths,
    stage_rates,
)
from generator.cli.main import main
from generator.data.validate import check
from generator.history.mining import read_history
from generator.site.pages import build_pages, navigation

AS_OF = date(2026, 3, 15)


def planted(repo, funnel: str = HISTORY_FUNNEL) -> None:
    """Five deals with known paths (lead 10 %, offer 40 %, verbal 80 %):

    - d0 entered as lost in the baseline commit: counts nowhere;
    - d1 (ann) lead 01-10, offer 01-20, back to lead 02-01, verbal 02-11, won 03-01;
    - d2 (ann) enters at offer 01-10, won 02-01, handed to bob afterwards (stays ann's);
    - d3 (ann) entered as won 01-10: counts nowhere;
    - d4 (bob) lead 01-10, lost 01-20;
    - d5 (bob) verbal 01-10, lost 02-11, reopened into verbal 03-01 (open, 1000.00).
    """
    repo.write("funnel.yaml", funnel)
    repo.write("deals/d0.yaml", deal_yaml(stage="lost", closed="2026-01-05"))
    repo.commit("The funnel the team brought along", date="2026-01-05")
    repo.write("deals/d1.yaml", deal_yaml(stage="lead"))
    repo.write("deals/d2.yaml", deal_yaml(stage="offer", account="globex"))
    repo.write("deals/d3.yaml", deal_yaml(stage="won", closed="2026-01-10"))
    repo.write("deals/d4.yaml", deal_yaml(stage="lead", owner="bob"))
    repo.write("deals/d5.yaml", deal_yaml(stage="verbal", owner="bob", account="initech"))
    repo.commit("New deals", date="2026-01-10")
    repo.write("deals/d1.yaml", deal_yaml(stage="offer"))
    repo.write("deals/d4.yaml", deal_yaml(stage="lost", owner="bob", closed="2026-01-20"))
    repo.commit("Offer; a loss", date="2026-01-20")
    repo.write("deals/d1.yaml", deal_yaml(stage="lead"))
    repo.write("deals/d2.yaml", deal_yaml(stage="won", account="globex", closed="2026-02-01"))
    repo.commit("Back to lead; a win", date="2026-02-01")
    repo.write("deals/d1.yaml", deal_yaml(stage="verbal"))
    repo.write("deals/d5.yaml", deal_yaml(stage="lost", owner="bob", closed="2026-02-11"))
    repo.commit("Verbal yes; a loss", date="2026-02-11")
    repo.write("deals/d1.yaml", deal_yaml(stage="won", closed="2026-03-01"))
    repo.write(
        "deals/d2.yaml", deal_yaml(stage="won", owner="bob", account="globex", closed="2026-02-01")
    )
    repo.write("deals/d5.yaml", deal_yaml(stage="verbal", owner="bob", account="initech"))
    repo.commit("A win; a reopened deal", date="2026-03-01")


def calibrated(repo, **options):
    dataset = check(repo.data, AS_OF).dataset.valid()
    return calibrate(dataset, read_history(repo.data), AS_OF, **options)


def by_stage(group) -> dict[str, dict[str, object]]:
    return {rate.stage: rate.as_json() for rate in group.stages}


def wilson_by_hand(won: int, closed: int) -> tuple[str, str]:
    z, p, n = 1.96, won / closed, closed
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return f"{max(centre - half, 0):.4f}", f"{min(centre + half, 1):.4f}"


def test_the_team_rates_follow_the_planted_paths(history_repo):
    planted(history_repo)
    result = calibrated(history_repo)
    (team,) = result.groups
    assert team.group == "team"
    stages = by_stage(team)
    # lead: d1, d2 (entered at offer), d4, d5 (entered at verbal); d0, d3 nowhere
    low, high = wilson_by_hand(2, 3)
    assert stages["lead"] == {
        "stage": "lead",
        "configured": "10",
        "reached": 4,
        "won": 2,
        "lost": 1,
        "open": 1,
        "observed": "0.6667",
        "low": low,
        "high": high,
        "median_days_in_stage": 15,  # d1: 10 + 10 days (two stays summed), d4: 10
        "median_cycle_days": 36,  # d1: 01-10 to 03-01 = 50, d2: 01-10 to 02-01 = 22
    }
    low, high = wilson_by_hand(2, 2)
    assert stages["offer"] == {
        "stage": "offer",
        "configured": "40",
        "reached": 3,
        "won": 2,
        "lost": 0,
        "open": 1,
        "observed": "1.0000",
        "low": low,
        "high": high,
        "median_days_in_stage": 17,  # d1: 12, d2: 22
        "median_cycle_days": 36,
    }
    low, high = wilson_by_hand(1, 1)
    # d5 is still in verbal: its 32 days of the first stay are left out
    assert (stages["verbal"]["reached"], stages["verbal"]["open"]) == (2, 1)
    assert (stages["verbal"]["won"], stages["verbal"]["lost"]) == (1, 0)
    assert (stages["verbal"]["low"], stages["verbal"]["high"]) == (low, high)
    assert stages["verbal"]["median_days_in_stage"] == 18
    assert stages["verbal"]["median_cycle_days"] == 50
    # d5 (verbal, 1000.00) is the only open deal; 1 closed deal is below the threshold of 10
    assert team.forecast.as_json()["configured"] == "800.00"
    assert team.forecast.as_json()["calibrated"] == "800.00"


def test_a_deal_counts_for_the_owner_who_closed_it(history_repo):
    planted(history_repo)
    groups = {group.group: by_stage(group) for group in calibrated(history_repo, by="owner").groups}
    assert set(groups) == {"ann", "bob"}
    assert (groups["ann"]["lead"]["won"], groups["ann"]["lead"]["reached"]) == (2, 2)
    assert groups["bob"]["lead"]["reached"] == 2  # d4 and d5; d2 went to bob after its win
    assert (groups["bob"]["lead"]["observed"], groups["bob"]["lead"]["open"]) == ("0.0000", 1)
    territories = calibrated(history_repo, by="territory").groups
    assert [group.group for group in territories] == ["west"]


def test_since_keeps_the_deals_closed_in_the_window(history_repo):
    planted(history_repo)
    stages = by_stage(calibrated(history_repo, since=date(2026, 2, 5)).groups[0])
    # d1 (won 03-01) and the open d5 stay; d2 (02-01) and d4 (01-20) closed before
    assert [stages["lead"][k] for k in ("reached", "won", "lost", "open")] == [2, 1, 0, 1]
    nothing = by_stage(calibrated(history_repo, since=date(2026, 3, 2)).groups[0])
    assert nothing["lead"]["observed"] is None
    assert (nothing["lead"]["low"], nothing["lead"]["high"]) == (None, None)
    assert nothing["lead"]["median_cycle_days"] is None


def test_paths_read_once_give_every_grouping_the_same_rates(history_repo):
    planted(history_repo)
    dataset = check(history_repo.data, AS_OF).dataset.valid()
    history = read_history(history_repo.data)
    paths = deal_paths(history, dataset.funnel)
    assert [path.deal for path in paths] == ["d1", "d2", "d4", "d5"]
    for options in ({"by": "team"}, {"by": "owner"}, {"since": date(2026, 2, 5)}):
        given = calibrate(dataset, history, AS_OF, paths=paths, **options)
        assert given == calibrate(dataset, history, AS_OF, **options)
    assert calibrate(dataset, history, AS_OF, paths=[]).groups[0].stages[0].reached == 0


def test_no_closed_deals_gives_null_rates(history_repo):
    history_repo.write("deals/d1.yaml", deal_yaml(stage="offer"))
    history_repo.commit("A first deal", date="2026-01-10")
    stages = by_stage(calibrated(history_repo).groups[0])
    assert stages["offer"]["observed"] is None
    assert (stages["offer"]["reached"], stages["offer"]["open"]) == (1, 1)
    assert stages["offer"]["median_days_in_stage"] is None


def test_the_threshold_falls_back_below_min_closed(history_repo):
    planted(
        history_repo,
        HISTORY_FUNNEL.replace(
            "stale_after_days: 14", "stale_after_days: 14, calibration_min_closed: 1"
        ),
    )
    (team,) = calibrated(history_repo).groups
    assert team.forecast.as_json()["calibrated"] == "1000.00"  # verbal observed 1.0000


def paths(won: int, lost: int) -> list[DealPath]:
    outcomes = ["won"] * won + ["lost"] * lost
    return [
        DealPath(f"d{i}", frozenset({"lead"}), (), final, "ann", "acme", date(2026, 1, 1), None)
        for i, final in enumerate(outcomes)
    ]


@pytest.mark.parametrize(("won", "lost", "expected"), [(6, 3, Decimal(10)), (6, 4, Decimal(60))])
def test_nine_closed_deals_keep_the_configured_probability_ten_take_the_observed(
    history_repo, won, lost, expected
):
    planted(history_repo)
    funnel = check(history_repo.data, AS_OF).dataset.valid().funnel
    lead = stage_rates(funnel, paths(won, lost))[0]
    assert calibrated_probability(lead, funnel.rules.calibration_min_closed) == expected


def test_the_command_prints_the_documented_json(history_repo):
    planted(history_repo)
    args = ["calibrate", "--data", str(history_repo.data), "--as-of", "2026-03-15"]
    result = CliRunner().invoke(main, [*args, "--format", "json", "--by", "owner"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert (document["as_of"], document["since"], document["by"]) == ("2026-03-15", None, "owner")
    stage = document["groups"][0]["stages"][0]
    assert set(stage) == {
        "stage", "configured", "reached", "won", "lost", "open", "observed", "low", "high",
        "median_days_in_stage", "median_cycle_days",
    }  # fmt: skip
    assert set(document["groups"][0]["forecast"]) >= {"configured", "calibrated"}
    table = CliRunner().invoke(main, [*args, "--since", "2026-02-05"])
    assert table.exit_code == 0, table.output
    assert "verbal" in table.output and "100 %" in table.output
    page = CliRunner().invoke(main, [*args, "--format", "md"])
    assert page.exit_code == 0, page.output
    assert "your 10 % stage lead wins 67 % \\(±" in page.output


def test_the_page_says_how_each_stage_wins(history_repo):
    funnel = HISTORY_FUNNEL.replace("{id: lead,", "{id: lead, name: 'Lead | <first>',")
    planted(history_repo, funnel)
    dataset = check(history_repo.data, AS_OF).dataset.valid()
    pages = build_pages(dataset, AS_OF, history=read_history(history_repo.data))
    page = {page.path: page for page in pages}["calibration.md"]
    low, high = wilson_by_hand(2, 3)
    margin = round((float(high) - float(low)) / 2 * 100)
    assert f"wins 67 % \\(±{margin} %\\), 3 closed deals" in page.markdown
    assert "Lead \\| &lt;first&gt;" in page.markdown
    assert "<first>" not in page.markdown
    assert '<svg role="img"' in page.markdown  # the chart, its labels escaped as HTML
    assert {"Win rates": "calibration.md"} in navigation(pages)
    without = build_pages(dataset, AS_OF, history_notice="no git")
    notice = {page.path: page for page in without}["calibration.md"]
    assert "History is not available" in notice.markdown

"""`funnel example`: the same repository for the same seed, valid at every step, and every
command run on it tells the figures the story planted.

One example is built for the module (seed 1, six months up to AS_OF); the end-to-end tests run
the commands on it through click's runner and compare their JSON with the `Story`.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.analytics.calendar import Week
from generator.analytics.compliance import findings
from generator.cli.main import main
from generator.data.load import load
from generator.data.money import json_amount as money
from generator.data.validate import check
from generator.example.build import build
from generator.example.repository import ExampleError, Story
from generator.example.team import new_account, people
from generator.history.events import all_events
from generator.history.mining import read_history

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 28)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build(tmp_path_factory.mktemp("example") / "team", seed=1, months=6, as_of=AS_OF)


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return result.stdout


def funnel(story: Story, *args: str) -> Result:
    """Run a command on the example's data."""
    return CliRunner().invoke(main, [*args, "--data", str(story.root / "data")])


def output(result: Result, code: int = 0) -> dict:
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def name(person: str) -> str:
    return people()[person].name


def amounts(figures: dict[str, Decimal]) -> dict[str, str]:
    return {owner: money(value) for owner, value in sorted(figures.items())}


# -- the repository ----------------------------------------------------------------------------


def test_the_same_seed_makes_the_same_commits_whatever_the_git_configuration(
    story: Story, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Someone Else\n\temail = someone@example.org\n"
        "[init]\n\tdefaultBranch = trunk\n[core]\n\tautocrlf = true\n"
        "[commit]\n\tgpgsign = true\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Someone Else")
    again = build(tmp_path / "again", seed=1, months=6, as_of=AS_OF)
    other = build(tmp_path / "other", seed=2, months=6, as_of=AS_OF)
    commits = git(story.root, "log", "--all", "--format=%H")
    assert git(again.root, "log", "--all", "--format=%H") == commits
    assert again.head == story.head
    assert git(other.root, "log", "--all", "--format=%H") != commits
    assert git(story.root, "status", "--porcelain") == ""
    assert git(story.root, "branch", "--show-current").strip() == "main"


def test_it_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["example", str(tmp_path / "team"), "--as-of", "2026-11-28"])
    assert result.exit_code == 1
    assert "is not empty" in result.output
    assert (tmp_path / "team" / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    with pytest.raises(ExampleError):
        build(tmp_path / "team", as_of=AS_OF)


def test_the_history_has_merges_squashes_and_direct_commits_by_reps_and_managers(
    story: Story,
) -> None:
    main_line = git(story.root, "log", "--first-parent", "--format=%ae %ce %p").splitlines()
    merges = [line for line in main_line if len(line.split()) > 3]
    squashed = [line for line in main_line if line.split()[0] != line.split()[1]]
    assert len(merges) == story.landings["merge"]
    assert len(squashed) == story.landings["squash"]
    assert story.landings["direct"] >= 5
    first = git(story.root, "log", "--reverse", "--format=%ad %H", "--date=short").split()
    assert date.fromisoformat(first[0]) >= AS_OF - timedelta(days=6 * 31 + 7)
    assert git(story.root, "log", "-1", "--format=%cs").strip() <= AS_OF.isoformat()
    trailers = git(story.root, "log", "--format=%H", "--grep=^Funnel-Baseline: import$")
    assert trailers.split() == [entry.sha for entry in reversed(story.imports)]


def test_every_step_passes_funnel_check(story: Story, tmp_path: Path) -> None:
    """Every commit that changes more than deals (the rules, the team, targets, accounts, the
    checklist), every planted branch tip, and the last commit."""
    changed = git(story.root, "log", "--all", "--format=%x01%H", "--name-only").split("\x01")
    shas = [entry.split()[0] for entry in changed[1:] if any(
        not path.startswith("data/deals/") for path in entry.split()[1:]
    )]  # fmt: skip
    tips = [story.late.added.tip, story.removed.landing.tip, story.last_merge.tip]
    for sha in dict.fromkeys([*shas, *tips, story.head]):
        folder = tmp_path / sha
        archive = subprocess.run(
            ["git", "-C", str(story.root), "archive", sha, "data"], capture_output=True, check=True
        )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        if not (folder / "data").is_dir():
            continue
        errors = [p for p in check(folder / "data", AS_OF).problems if p.severity == "error"]
        assert not errors, f"{sha}: {errors}"


def test_the_example_team_is_the_sample_team(story: Story) -> None:
    sample, _ = load(ROOT / "data")
    example, _ = load(story.root / "data")
    assert sample.team is not None and example.team is not None
    assert example.team.model_dump() == sample.team.model_dump()
    mine = {key: value for key, value in example.accounts.items() if key != new_account().id}
    assert {k: v.model_dump(exclude={"path"}) for k, v in mine.items()} == {
        k: v.model_dump(exclude={"path"}) for k, v in sample.accounts.items()
    }


# -- every command on it -----------------------------------------------------------------------


def test_check_and_forecast(story: Story) -> None:
    assert (
        output(funnel(story, "check", "--as-of", "2026-11-28", "--format", "json"))["errors"] == 0
    )
    total = output(funnel(story, "forecast", "--as-of", "2026-11-28", "--format", "json"))["total"]
    assert total == {
        "deals": story.open_deals,
        "pipeline": money(story.pipeline),
        "weighted": money(story.weighted),
        "won": money(story.won_this_year),
    }


def test_diff_of_the_last_merge(story: Story) -> None:
    last = story.last_merge
    assert (last.how, last.author, last.merged_by, last.sha) == (
        "merge", "wang-li", "zhang-wei", story.head
    )  # fmt: skip
    assert git(story.root, "rev-parse", "HEAD^1", "HEAD^2").split() == [last.base, last.tip]
    diff = output(funnel(story, "diff", last.base, last.sha, "--format", "json"))
    assert {change["deal"] for change in diff["changes"]} == set(story.last_merge_deals)
    assert {"stage_up", "slipped", "logged"} <= {change["what"] for change in diff["changes"]}
    assert diff["weighted_delta"]["owners"] == amounts(story.last_merge_weighted)
    assert diff["weighted_delta"]["total"] == money(sum(story.last_merge_weighted.values()))


def weeks_of(story: Story) -> list[Week]:
    week, last = Week.of(story.imports[0].day), Week.of(AS_OF)
    weeks = [week]
    while weeks[-1] < last:
        weeks.append(Week.of(weeks[-1].end + timedelta(days=1)))
    return weeks


def test_review_of_every_week(story: Story) -> None:
    """Each week's changed deals, weighted change per rep and imported deals are the story's;
    the baseline imports are counted as imported, not as news; merged changes are the rep's."""
    changed_per_week = {}
    for week in weeks_of(story):
        facts = story.weeks.get(week.name)
        review = output(
            funnel(
                story, "review", "--week", week.name, "--as-of", "2026-11-28", "--format", "json"
            )
        )
        reps = review["reps"]
        changed = {change["deal"] for rep in reps for change in rep["changes"]}
        weighted = {rep["owner"]: rep["weighted_delta"] for rep in reps}
        imported = {rep["owner"]: rep["imported"] for rep in reps if rep["imported"]}
        assert changed == (facts.changed if facts else set()), week.name
        assert {k: v for k, v in weighted.items() if v != "0.00"} == amounts(
            facts.weighted if facts else {}
        ), week.name
        assert imported == (facts.imported if facts else {}), week.name
        changed_per_week[week.name] = len(changed)
        if week == Week.of(AS_OF):
            last = [c for rep in reps for c in rep["changes"] if c["commit"] == story.head]
            assert last and {(c["author"], c.get("merged_by")) for c in last} == {("王丽", "张伟")}
    assert changed_per_week[story.busiest_week] == max(changed_per_week.values())


def main_line(story: Story) -> list[tuple[str, date]]:
    lines = git(story.root, "log", "--first-parent", "--reverse", "--format=%H %cs").split("\n")
    return [(sha, date.fromisoformat(day)) for sha, day in (line.split() for line in lines if line)]


@pytest.mark.parametrize("which", ["import", "handover", "last"])
def test_review_and_diff_agree_on_each_reps_weighted_change(story: Story, which: str) -> None:
    """The week's review against `funnel diff` over the same commits, baseline commits left
    out: the week of the North import, of the handover, and the last week."""
    day = {"import": story.imports[1].day, "handover": story.handover.day, "last": AS_OF}[which]
    week = Week.of(day)
    commits = main_line(story)
    baseline = {entry.sha for entry in story.imports}
    totals: dict[str, Decimal] = {}
    previous = None
    run: list[str] = []
    for sha, when in [*commits, ("", date.max)]:
        inside = week.start <= when <= week.end and sha not in baseline
        if run and not inside:
            delta = output(funnel(story, "diff", previous, run[-1], "--format", "json"))
            for owner, value in delta["weighted_delta"]["owners"].items():
                totals[owner] = totals.get(owner, Decimal(0)) + Decimal(value)
            run = []
        if inside:
            run.append(sha)
        else:
            previous = sha
    review = output(
        funnel(story, "review", "--week", week.name, "--as-of", "2026-11-28", "--format", "json")
    )
    reviewed = {rep["owner"]: rep["weighted_delta"] for rep in review["reps"]}
    assert {k: v for k, v in reviewed.items() if v != "0.00"} == {
        owner: money(value) for owner, value in sorted(totals.items()) if value
    }


def test_check_order_accepts_baseline_customers_and_refuses_the_late_one(story: Story) -> None:
    for entry in story.imports:
        account = entry.accounts[0]
        day = (entry.day + timedelta(days=3)).isoformat()
        decision = output(funnel(story, "check-order", account, "--date", day, "--format", "json"))
        assert decision["decision"] == "accept", decision
    late = story.late
    assert (late.won.day - late.added.day).days == 7
    refused = output(
        funnel(story, "check-order", late.account, "--date", late.won.day.isoformat(),
               "--format", "json"),
        code=1,
    )  # fmt: skip
    assert refused["decision"] == "refuse"
    assert refused["first_seen"] == late.added.day.isoformat()
    assert refused["days_in_funnel"] == 7


def test_compliance_lists_the_late_entry_and_the_deleted_deal_and_no_baseline_deal(
    story: Story,
) -> None:
    dataset, _ = load(story.root / "data")
    assert dataset.funnel is not None
    history = read_history(story.root / "data")
    events = all_events(history, dataset.funnel)
    found = {
        (f.deal, f.kind, f.author)
        for f in findings(history, events, dataset.funnel.rules.min_days_in_funnel)
    }
    assert found == {
        (story.late.deal, "late_entry", name(story.late.owner)),
        (story.removed.deal, "removed", name(story.removed.owner)),
    }
    merged = [event for event in events if event.commit.sha == story.head]
    assert {event.change.deal for event in merged} == set(story.last_merge_deals)
    assert {(event.commit.author, event.commit.merged_by) for event in merged} == {("王丽", "张伟")}


def test_policy_of_the_last_branch_and_of_the_deleting_branch(story: Story) -> None:
    last = story.last_merge
    ok = output(
        funnel(story, "policy", "--base", last.base, "--head", last.tip, "--format", "json")
    )
    assert ok["ok"] and ok["commits"] == 2 and not ok["violations"]
    removed, owner, landing = story.removed.deal, story.removed.owner, story.removed.landing
    refused = output(
        funnel(story, "policy", "--base", landing.base, "--head", landing.tip, "--format", "json"),
        code=1,
    )
    assert [(v["person"], removed in v["message"]) for v in refused["violations"]] == [
        (owner, True)
    ]


def test_handover_plan_and_checklist(story: Story) -> None:
    handover = story.handover
    plan = output(
        funnel(story, "handover", handover.from_id, handover.to_id, "--as-of", "2026-11-28",
               "--format", "json")
    )  # fmt: skip
    assert [item["deal"] for item in plan["visit"]] == list(handover.kept)
    assert plan["phone"] == plan["later"] == []
    dataset, _ = load(story.root / "data")
    checklist = next(iter(dataset.handovers.values()))
    assert Path(checklist.path).name == Path(handover.checklist).name
    assert {item.deal: (item.method, item.done_on) for item in checklist.deals} == handover.items
    assert {item.status for item in checklist.deals} == {"done"}
    days = sorted(done for _, done in handover.items.values())
    assert days[0] > handover.day and (days[-1] - handover.day).days <= 14
    assert {"visit", "phone", "later"} <= {method for method, _ in handover.items.values()}


def test_export(story: Story) -> None:
    deals = output(funnel(story, "export", "--as-of", "2026-11-28", "--format", "json"))["deals"]
    by_id = {deal["deal"]: deal for deal in deals}
    assert len(deals) == story.deals
    assert story.removed.deal not in by_id
    assert by_id[story.late.deal]["first_seen"] == story.late.added.day.isoformat()
    assert by_id[story.late.deal]["stage"] == "won"
    assert {by_id[deal]["owner"] for deal in story.handover.items} <= {story.handover.to_id}


def test_build(story: Story, tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = CliRunner().invoke(
        main,
        ["build", "--config", str(story.root / "mkdocs.yml"), "--data", str(story.root / "data"),
         "--site-dir", str(site), "--as-of", "2026-11-28"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    reviews = sorted(path.name for path in (site / "reviews").iterdir() if path.is_dir())
    assert reviews == [week.name for week in weeks_of(story)[-12:]]
    compliance = (site / "compliance" / "index.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'href="\.\./deals/([^/"]+)/"', compliance))
    assert listed == {story.late.deal}  # the deleted deal has no page any more
    assert story.removed.deal in compliance
    timeline = (site / "deals" / story.last_merge_deals[0] / "index.html").read_text("utf-8")
    assert "王丽, merged by 张伟" in timeline
    assert (site / "handovers" / Path(story.handover.checklist).stem / "index.html").is_file()
    # a team's week is shown, but searched on its people's pages only (it repeats them)
    last = reviews[-1]
    team = (site / "reviews" / last / "team-zhang-wei" / "index.html").read_text("utf-8")
    person = (site / "reviews" / last / "wang-li" / "index.html").read_text("utf-8")
    assert "Team of 张伟" in team and "exclude" not in team and "王丽" in person
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    searched = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert f"reviews/{last}/wang-li/" in searched
    assert [place for place in searched if "/team-" in place] == []

"""`--at DATE`: the data as it stood on the main line at the end of a past day.

Each command's output with --at must equal its output in a checkout of that day's commit
judged as of that day; the day's commit is the main line's last one on or before it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GitRepo, deal_yaml

from generator.cli.main import main
from generator.data.parse_cache import blob_id
from generator.data.validate import check
from generator.history.git import HistoryError
from generator.history.mining import read_history
from generator.history.past import entries_at, main_line_commit


def commit_at(repo: GitRepo, message: str, stamp: str) -> str:
    """Commit everything with author and committer date `stamp` (an ISO time with zone)."""
    env = {
        "GIT_AUTHOR_NAME": "Wang Li",
        "GIT_AUTHOR_EMAIL": "wang.li@example.com",
        "GIT_COMMITTER_NAME": "Wang Li",
        "GIT_COMMITTER_EMAIL": "wang.li@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo.root),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    for args in (["add", "-A"], ["commit", "-q", "--allow-empty", "-m", message]):
        subprocess.run(["git", *args], cwd=repo.root, env=env, check=True, capture_output=True)
    return repo.git("rev-parse", "HEAD")


@pytest.fixture
def dated(history_repo: GitRepo) -> dict[str, str]:
    """A main line whose commits land at the edges of days (UTC):

    - 03-01 23:59:59: d1 lead 1000 (expected 04-30), d2 offer 5000;
    - 03-02 00:00:00: d1 offer, amount 2000;
    - 03-05 12:00 (+08:00, so 04:00 UTC): d2 won; d3 verbal 3000;
    - 03-10: a commit whose committer date says 03-03 (back-dated): d3 lost;
    - 03-12 on a branch merged on 03-14: d1 verbal.
    """
    repo = history_repo
    shas = {"team": repo.git("rev-parse", "HEAD")}
    repo.write("deals/d1.yaml", deal_yaml(stage="lead", expected="2026-04-30"))
    repo.write("deals/d2.yaml", deal_yaml(stage="offer", amount="5000.00", account="globex"))
    shas["03-01"] = commit_at(repo, "New deals", "2026-03-01T23:59:59+00:00")
    repo.write("deals/d1.yaml", deal_yaml(stage="offer", amount="2000.00", expected="2026-04-30"))
    shas["03-02"] = commit_at(repo, "Offer", "2026-03-02T00:00:00+00:00")
    repo.write(
        "deals/d2.yaml",
        deal_yaml(stage="won", amount="5000.00", account="globex", closed="2026-03-05"),
    )
    repo.write("deals/d3.yaml", deal_yaml(stage="verbal", amount="3000.00", owner="bob"))
    shas["03-05"] = commit_at(repo, "A win; a verbal yes", "2026-03-05T12:00:00+08:00")
    repo.write(
        "deals/d3.yaml", deal_yaml(stage="lost", amount="3000.00", owner="bob", closed="2026-03-10")
    )
    shas["03-10"] = commit_at(repo, "A loss, back-dated", "2026-03-03T09:00:00+00:00")
    repo.branch("ann/verbal")
    repo.write("deals/d1.yaml", deal_yaml(stage="verbal", amount="2000.00", expected="2026-04-30"))
    repo.commit("Verbal yes", date="2026-03-12", who="Wang Li")
    shas["03-14"] = repo.merge("ann/verbal", date="2026-03-14")
    return shas


def test_the_day_is_the_last_main_line_commit_on_or_before_it(history_repo, dated):
    data = history_repo.data
    assert main_line_commit(data, date(2026, 3, 1)).sha == dated["03-01"]  # 23:59:59 counts
    assert main_line_commit(data, date(2026, 3, 2)).sha == dated["03-02"]  # 00:00:00 next day
    assert main_line_commit(data, date(2026, 3, 4)).sha == dated["03-02"]
    assert main_line_commit(data, date(2026, 3, 5)).sha == dated["03-10"]  # landed 03-05 too
    past = main_line_commit(data, date(2026, 3, 13))
    assert past.sha == dated["03-10"]  # the branch commit of 03-12 is not on the main line
    assert past.day == date(2026, 3, 5)  # back-dated: it landed no earlier than its parent
    assert dated["03-14"] not in past.line and dated["team"] in past.line
    assert main_line_commit(data, date(2026, 3, 14)).sha == dated["03-14"]
    assert main_line_commit(data, date(2027, 1, 1)).sha == dated["03-14"]


def test_a_day_before_the_first_commit_has_no_data(history_repo, dated):
    with pytest.raises(HistoryError, match="no commit on or before 2026-01-01"):
        main_line_commit(history_repo.data, date(2026, 1, 1))
    assert main_line_commit(history_repo.data, date(2026, 1, 2)).sha == dated["team"]


def test_the_past_files_are_that_commits_with_contents_and_blob_ids(history_repo, dated):
    past = main_line_commit(history_repo.data, date(2026, 3, 2))
    entries = {entry.relative: entry for entry in entries_at(history_repo.data, past)}
    assert "deals/d3.yaml" not in entries and "deals/d1.yaml" in entries
    d1 = entries["deals/d1.yaml"]
    assert b"amount: 2000.00" in d1.content
    assert d1.blob == history_repo.git("rev-parse", f"{dated['03-02']}:data/deals/d1.yaml")
    assert d1.blob == blob_id(d1.content) and d1.size == len(d1.content)
    assert d1.absolute == f"{dated['03-02'][:12]}:data/deals/d1.yaml"


def test_only_the_data_folders_files_are_listed(history_repo, dated):
    (history_repo.root / "README.md").write_text("The team's funnel.\n")
    (history_repo.root / "other").mkdir()
    (history_repo.root / "other" / "x.yaml").write_text("x: 1\n")
    sha = commit_at(history_repo, "Beside the data", "2026-03-30T12:00:00+00:00")
    past = main_line_commit(history_repo.data, date(2026, 3, 30))
    assert past.sha == sha
    entries = entries_at(history_repo.data, past)
    listed = history_repo.git("ls-tree", "-r", "--name-only", sha, "--", "data").splitlines()
    assert len(listed) > 5
    assert sorted(e.relative for e in entries) == sorted(p.removeprefix("data/") for p in listed)


def test_a_link_or_a_hidden_file_in_a_commit_is_treated_as_on_disk(history_repo, dated):
    (history_repo.data / "deals" / "link.yaml").symlink_to("d1.yaml")
    history_repo.write(".hidden/x.yaml", "not: read\n")
    sha = commit_at(history_repo, "A link", "2026-03-25T10:00:00+00:00")
    past = main_line_commit(history_repo.data, date(2026, 3, 25))
    assert past.sha == sha
    at_day = check(
        history_repo.data, date(2026, 3, 25), "data", entries=entries_at(history_repo.data, past)
    )
    on_disk = check(history_repo.data, date(2026, 3, 25), "data")
    assert at_day.problems == on_disk.problems
    assert any("symbolic links are not allowed" in p.message for p in at_day.problems)


def test_the_history_is_cut_at_the_past_commit(history_repo, dated):
    history = read_history(history_repo.data)
    past = main_line_commit(history_repo.data, date(2026, 3, 4))
    cut = history.until(past.sha, past.line)
    assert [v.snapshot.stage for v in cut.deals["d1"]] == ["lead", "offer"]
    assert "d3" not in cut.deals
    past = main_line_commit(history_repo.data, date(2026, 3, 5))
    cut = history.until(dated["03-05"], past.line - {dated["03-10"]})
    assert cut.head == dated["03-05"]
    assert [c.sha for c in cut.commits] == [dated[k] for k in ("team", "03-01", "03-02", "03-05")]
    assert [v.snapshot.stage for v in cut.deals["d1"]] == ["lead", "offer"]
    assert [v.snapshot.stage for v in cut.deals["d3"]] == ["verbal"]
    assert len(history.deals["d1"]) == 3  # the history read is left whole


def run(repo_dir: Path, *args: str) -> tuple[int, str, str]:
    """Run `funnel ARGS` in `repo_dir`: exit code, standard output, standard error."""
    before = Path.cwd()
    os.chdir(repo_dir)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(before)
    return result.exit_code, result.stdout, result.stderr


COMMANDS = [
    ("forecast", "--format", "json"),
    ("forecast", "--format", "csv", "--period", "month"),
    ("export", "--format", "json"),
    ("export", "--format", "csv"),
    ("calibrate", "--format", "json", "--by", "owner"),
    ("review", "--format", "json"),
    ("review", "--format", "md", "--week", "2026-W10"),
]


@pytest.mark.parametrize(
    ("day", "commit"),
    [
        ("2026-03-01", "03-01"),
        ("2026-03-04", "03-02"),
        ("2026-03-13", "03-10"),
        ("2026-03-20", "03-14"),
    ],
)
def test_each_command_at_a_day_equals_a_checkout_of_that_days_commit(
    history_repo, dated, tmp_path, day, commit
):
    """On 03-04 the back-dated commit (dated 03-03) had not landed yet: its parent is of 03-05."""
    sha = dated[commit]
    checkout = tmp_path / "checkout"
    history_repo.git("worktree", "add", "-q", "--detach", str(checkout), sha)
    for command in COMMANDS:
        code, at_output, said = run(history_repo.root, *command, "--at", day)
        assert code == 0, (command, said)
        assert f"commit {sha[:12]}" in said
        code, checked_out, _ = run(checkout, *command, "--as-of", day)
        assert code == 0
        assert at_output == checked_out, command


def test_the_forecast_at_a_day_is_the_data_of_that_day(history_repo, dated):
    _, before, _ = run(history_repo.root, "forecast", "--format", "json", "--at", "2026-03-01")
    _, after, _ = run(history_repo.root, "forecast", "--format", "json", "--at", "2026-03-02")
    assert json.loads(before)["as_of"] == "2026-03-01"
    assert json.loads(before)["total"]["pipeline"] == "6000.00"  # d1 1000 + d2 5000
    assert json.loads(after)["total"]["pipeline"] == "7000.00"  # d1 2000 + d2 5000


def test_at_refuses_a_different_as_of_and_a_day_without_commits(history_repo, dated):
    code, _, said = run(
        history_repo.root, "forecast", "--at", "2026-03-02", "--as-of", "2026-03-03"
    )
    assert code == 2 and "leave out --as-of" in said
    code, output, _ = run(
        history_repo.root, "forecast", "--at", "2026-03-02", "--as-of", "2026-03-02"
    )
    assert code == 0 and "2026-03-02" in output
    code, output, said = run(history_repo.root, "forecast", "--at", "2025-12-31")
    assert code == 2 and output == "" and "no commit on or before 2025-12-31" in said
    site_sources(history_repo.root)
    code, _, said = run(history_repo.root, "build", "--at", "2026-03-02", "--as-of", "2026-03-03")
    assert code == 2 and "leave out --as-of" in said
    code, _, said = run(history_repo.root, "build", "--at", "2025-12-31")
    assert code == 1 and "no commit on or before 2025-12-31" in said
    assert not (history_repo.root / "site").exists()


ROOT = Path(__file__).resolve().parent.parent


def site_sources(folder: Path) -> None:
    """This repository's mkdocs.yml and docs/ (untracked) beside a test repository's data."""
    shutil.copytree(ROOT / "docs", folder / "docs")
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of a built site by its path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_site_at_a_day_is_the_site_a_checkout_of_that_day_builds(history_repo, dated, tmp_path):
    checkout = tmp_path / "checkout"
    history_repo.git("worktree", "add", "-q", "--detach", str(checkout), dated["03-02"])
    site_sources(history_repo.root)
    site_sources(checkout)
    code, _, said = run(history_repo.root, "build", "--at", "2026-03-04")
    assert code == 0, said
    code, _, said = run(checkout, "build", "--as-of", "2026-03-04")
    assert code == 0, said
    past, checked_out = files_of(history_repo.root / "site"), files_of(checkout / "site")
    assert past.keys() == checked_out.keys()
    assert [name for name in past if past[name] != checked_out[name]] == []
    assert "deals/d3/index.html" not in past  # d3 came on 03-05
    code, _, _ = run(history_repo.root, "build", "--as-of", "2026-03-20")
    assert code == 0 and "deals/d3/index.html" in files_of(history_repo.root / "site")


def test_bad_data_on_that_day_is_refused_as_in_a_checkout(history_repo, dated):
    history_repo.write("deals/d9.yaml", "account: acme\namount: lots\n")
    commit_at(history_repo, "A broken deal", "2026-03-20T10:00:00+00:00")
    history_repo.remove("deals/d9.yaml")
    commit_at(history_repo, "Fixed", "2026-03-21T10:00:00+00:00")
    code, output, said = run(history_repo.root, "forecast", "--at", "2026-03-20")
    assert code == 1 and output == ""
    assert "data/deals/d9.yaml:" in said  # shown as a checkout would show it
    code, _, _ = run(history_repo.root, "forecast", "--at", "2026-03-21")
    assert code == 0


def test_at_outside_git_says_why(valid_data):
    code, _, said = run(
        valid_data.parent, "forecast", "--data", valid_data.name, "--at", "2026-03-02"
    )
    assert code == 2 and "not inside a git repository" in said


def logging_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose PATH finds a `git` that logs each call, then runs the real one."""
    folder = tmp_path / "logged-bin"
    folder.mkdir()
    log = tmp_path / "git.log"
    script = folder / "git"
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec /usr/bin/git "$@"\n')
    script.chmod(0o755)
    return {"PATH": f"{folder}:/usr/bin:/bin"}, log


def test_every_git_call_runs_in_the_given_environment(history_repo, dated, tmp_path):
    env, log = logging_git(tmp_path)
    past = main_line_commit(history_repo.data, date(2026, 3, 2), env=env)
    entries = entries_at(history_repo.data, past, env=env)
    assert {entry.relative for entry in entries} >= {"deals/d1.yaml", "funnel.yaml"}
    calls = [line.split()[2] for line in log.read_text().splitlines()]  # after `-C root`
    assert calls.count("rev-parse") == 3  # the top folder twice, shallow once
    assert {"log", "ls-tree", "cat-file"} <= set(calls)
    with pytest.raises(HistoryError, match="not inside a git repository"):
        entries_at(history_repo.data, past, env={"PATH": str(tmp_path / "no-git")})


def test_the_data_folder_may_be_the_repositorys_top(tmp_path):
    repo = GitRepo(tmp_path / "top")
    source = Path(__file__).resolve().parent.parent / "data"
    shutil.copytree(source, repo.root, dirs_exist_ok=True)
    shutil.rmtree(repo.data)  # GitRepo's own data/ folder: here the data is the top folder
    first = commit_at(repo, "The funnel", "2026-11-20T10:00:00+00:00")
    (repo.root / "funnel.yaml").write_text(
        (repo.root / "funnel.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    commit_at(repo, "Later", "2026-11-25T10:00:00+00:00")
    past = main_line_commit(repo.root, date(2026, 11, 21))
    assert past.sha == first
    entries = {entry.relative: entry for entry in entries_at(repo.root, past)}
    assert "funnel.yaml" in entries and "team.yaml" in entries
    assert entries["funnel.yaml"].blob == repo.git("rev-parse", f"{first}:funnel.yaml")
    at_day = check(repo.root, date(2026, 11, 21), ".", entries=list(entries.values()))
    assert at_day.ok and at_day.dataset.deals


def test_odd_file_names_in_a_commit_read_as_on_disk(history_repo, dated):
    (history_repo.data / "deals" / "tab\there.yaml").write_text("x: 1\n")
    (history_repo.data / "deals").joinpath(os.fsdecode(b"caf\xe9.yaml")).write_text("x: 1\n")
    commit_at(history_repo, "Odd names", "2026-03-26T10:00:00+00:00")
    past = main_line_commit(history_repo.data, date(2026, 3, 26))
    names = {entry.relative for entry in entries_at(history_repo.data, past)}
    assert "deals/tab\there.yaml" in names and os.fsdecode(b"deals/caf\xe9.yaml") in names
    at_day = check(
        history_repo.data, date(2026, 3, 26), "data", entries=entries_at(history_repo.data, past)
    )
    assert at_day.problems == check(history_repo.data, date(2026, 3, 26), "data").problems


def test_a_commit_without_the_data_folder_says_so(history_repo, dated, tmp_path):
    past = main_line_commit(history_repo.data, date(2026, 3, 2))
    history_repo.git("mv", "data", "elsewhere")
    history_repo.git("commit", "-qm", "moved", date="2026-03-27")
    (history_repo.root / "data").mkdir()
    later = main_line_commit(history_repo.data, date(2026, 3, 27))
    with pytest.raises(
        HistoryError, match=f"data has no files at {later.sha[:12]} \\(2026-03-27\\)"
    ):
        entries_at(history_repo.data, later)
    assert entries_at(history_repo.data, past)


def test_days_are_utc_whatever_the_local_zone(history_repo, dated, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert main_line_commit(history_repo.data, date(2026, 3, 1)).sha == dated["03-01"]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_repository_without_commits_has_no_past_day(tmp_path):
    repo = GitRepo(tmp_path / "empty")
    with pytest.raises(HistoryError, match="no commit on or before 2026-03-01"):
        main_line_commit(repo.data, date(2026, 3, 1))


def test_a_shallow_clone_has_no_past_days(history_repo, dated, tmp_path):
    clone = tmp_path / "shallow"
    history_repo.git("clone", "-q", "--depth", "1", f"file://{history_repo.root}", str(clone))
    with pytest.raises(HistoryError, match="this clone is shallow"):
        main_line_commit(clone / "data", date(2026, 3, 20))


def test_a_top_folder_commit_without_files_says_so(tmp_path):
    repo = GitRepo(tmp_path / "top")
    shutil.rmtree(repo.data)
    empty = commit_at(repo, "Nothing yet", "2026-11-20T10:00:00+00:00")
    past = main_line_commit(repo.root, date(2026, 11, 20))
    assert past.sha == empty
    with pytest.raises(HistoryError, match="the repository's top folder has no files at"):
        entries_at(repo.root, past)

"""git runs in the environment the command passes in, for every reader of the repository:
the pull request's diff and policy, and a handover's check for uncommitted changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from conftest import deal_yaml

from generator.analytics.diff import business_diff
from generator.analytics.handover import plan_handover
from generator.analytics.policy import check_policy
from generator.data.load import load
from generator.exchange.handover import apply_handover
from generator.history import git as git_module
from generator.history.git import HistoryError
from generator.history.mining import read_history
from generator.history.past import past_day

WITH_GIT = {"PATH": "/usr/bin:/bin"}


@pytest.fixture
def repo(history_repo):
    history_repo.write("deals/acme-laptops.yaml", deal_yaml())
    history_repo.commit("new", date="2026-02-02")
    return history_repo


def no_git(tmp_path):
    return {"PATH": str(tmp_path / "no-git")}


def test_the_diff_runs_git_in_the_given_environment(repo, tmp_path):
    dataset, _ = load(repo.data)
    assert dataset.funnel is not None
    with pytest.raises(HistoryError, match="not inside a git repository"):
        business_diff(repo.data, "HEAD", None, dataset.funnel, git_env=no_git(tmp_path))
    diff = business_diff(repo.data, "HEAD~1", "HEAD", dataset.funnel, git_env=WITH_GIT)
    assert [change.deal for _, change in diff.changes] == ["acme-laptops"]


def test_the_policy_runs_git_in_the_given_environment(repo, tmp_path):
    with pytest.raises(HistoryError, match="not inside a git repository"):
        check_policy(repo.data, "HEAD~1", "HEAD", git_env=no_git(tmp_path))
    assert check_policy(repo.data, "HEAD~1", "HEAD", git_env=WITH_GIT).commits == 1


def test_a_handover_asks_git_for_uncommitted_changes_in_the_given_environment(repo, tmp_path):
    dataset, _ = load(repo.data)
    plan = plan_handover(dataset, "ann", date(2026, 2, 3), "bob")
    with pytest.raises(HistoryError, match="not inside a git repository"):
        apply_handover(repo.data, dataset, plan, git_env=no_git(tmp_path))
    assert apply_handover(repo.data, dataset, plan, git_env=WITH_GIT) is not None


def noting_git(tmp_path, monkeypatch) -> tuple[list[list[str]], Callable[[], list[str]], dict]:
    """An environment whose `git` notes each command it runs, then runs it; the commands the
    project started (with any environment), and those that ran through that `git`."""
    said = tmp_path / "said"
    folder = tmp_path / "bin"
    folder.mkdir()
    git = folder / "git"  # `git -C ROOT COMMAND ...`: notes COMMAND
    git.write_text(f'#!/bin/sh\necho "$3" >> "{said}"\nexec /usr/bin/git "$@"\n', "utf-8")
    git.chmod(0o755)
    started: list[list[str]] = []
    run = git_module.subprocess.run

    def noted(command, *args, **kwargs):
        started.append(command)
        return run(command, *args, **kwargs)

    monkeypatch.setattr(git_module.subprocess, "run", noted)
    return started, lambda: said.read_text(encoding="utf-8").split(), {"PATH": f"{folder}:/bin"}


def test_the_site_of_a_past_day_reads_git_in_the_given_environment(repo, tmp_path, monkeypatch):
    with pytest.raises(HistoryError, match="not inside a git repository"):
        past_day(repo.data, date(2026, 2, 2), env=no_git(tmp_path))
    started, through, env = noting_git(tmp_path, monkeypatch)
    past, entries = past_day(repo.data, date(2026, 2, 2), env=env)
    assert past.day == date(2026, 2, 2)
    assert "deals/acme-laptops.yaml" in [entry.relative for entry in entries]
    assert "log" in through() and "ls-tree" in through()  # the day's commit, then its files
    assert len(through()) == len(started)  # every command, through the given git


def test_every_git_command_of_the_diff_runs_in_the_given_environment(repo, tmp_path, monkeypatch):
    dataset, _ = load(repo.data)
    assert dataset.funnel is not None
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal"))
    repo.commit("moved on", date="2026-02-03")
    started, through, env = noting_git(tmp_path, monkeypatch)
    for head in ("HEAD", None):  # a commit, or the working tree
        diff = business_diff(repo.data, "HEAD~1", head, dataset.funnel, git_env=env)
        assert [change.deal for _, change in diff.changes] == ["acme-laptops"]
    assert started and len(through()) == len(started)


def test_every_git_command_of_the_history_runs_in_the_given_environment(
    repo, tmp_path, monkeypatch
):
    """A read that extends the cache: whether the cached head is an ancestor, the new
    commits, and their files' contents, all through the given git."""
    read_history(repo.data, git_env=WITH_GIT)
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-03")
    started, through, env = noting_git(tmp_path, monkeypatch)
    history = read_history(repo.data, git_env=env)
    assert [v.snapshot.stage for v in history.deals["acme-laptops"]] == ["lead", "offer"]
    assert {"merge-base", "log", "cat-file"} <= set(through())
    assert len(through()) == len(started)

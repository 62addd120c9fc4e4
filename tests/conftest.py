"""Shared fixtures: a small valid data folder, corpus cases built on it, and golden files.

- `valid_data` copies tests/fixtures/valid/ (custom stage ids and probabilities, a team,
  2 accounts, 3 deals) into the test's tmp_path and returns the copy.
- `corpus_case(name)` builds tests/corpus/<name>/ the same way: the valid folder, then the
  case's own files copied over it (each case holds only its broken files), then what the
  case's case.toml asks for (files to delete, symlinks and FIFOs git cannot keep).
- `write_example(root)` writes `funnel example`'s repository (seed 1) into `root`.
- `golden(name, text)` compares text against tests/golden/<name>; run
  `pytest --update-golden` to rewrite the files, then review them with `git diff`.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
VALID = TESTS / "fixtures" / "valid"
CORPUS = TESTS / "corpus"
GOLDEN = TESTS / "golden"
CASE_FILE = "case.toml"


def write_example(root: Path, as_of: str = "2026-11-26") -> Path:
    """`funnel example` into `root`: a team's repository with a year of history (seed 1)."""
    from click.testing import CliRunner

    from generator.cli.main import main

    result = CliRunner().invoke(main, ["example", str(root), "--seed", "1", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return root


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the files under tests/golden/ from the actual output instead of comparing.",
    )


def copy_valid(target: Path) -> Path:
    """Copy the valid data folder to `target` (which must not exist) and return it."""
    shutil.copytree(VALID, target)
    return target


def case_meta(name: str) -> dict[str, Any]:
    """The case's case.toml: about, expect, problems and optional delete/symlinks/fifos/xfail."""
    return tomllib.loads((CORPUS / name / CASE_FILE).read_text(encoding="utf-8"))


def build_case(name: str, target: Path) -> Path:
    """The valid folder with the case's files laid over it, at `target`."""
    meta = case_meta(name)
    copy_valid(target)
    source = CORPUS / name
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or relative.as_posix() == CASE_FILE:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    for relative in meta.get("delete", []):
        (target / relative).unlink()
    for relative, points_to in meta.get("symlinks", {}).items():
        if not hasattr(os, "symlink"):  # pragma: no cover - POSIX only
            pytest.skip("symbolic links are not available here")
        link = target / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(points_to, link)
    for relative in meta.get("fifos", []):
        if not hasattr(os, "mkfifo"):  # pragma: no cover - POSIX only
            pytest.skip("FIFOs are not available here")
        fifo = target / relative
        fifo.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(fifo)
    return target


@pytest.fixture(scope="session", autouse=True)
def _no_temporary_folders_left_by_mutants(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Under mutation testing (`make mutants`) each mutant's tests are a session of their own
    in a process that ends without Python's own ending, so pytest never learns that their
    temporary folders are free to go: thousands of them, tens of GB. Each such session
    removes its own as it ends."""
    yield
    if "MUTANT_UNDER_TEST" in os.environ:
        shutil.rmtree(tmp_path_factory.getbasetemp(), ignore_errors=True)


@pytest.fixture
def valid_data(tmp_path: Path) -> Path:
    """A fresh copy of the small valid data folder, as tmp_path/data."""
    return copy_valid(tmp_path / "data")


@pytest.fixture
def corpus_case(tmp_path: Path) -> Callable[[str], Path]:
    """Build a corpus case as tmp_path/data and return its path."""

    def build(name: str) -> Path:
        return build_case(name, tmp_path / "data")

    return build


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare a text with tests/golden/<name>, or rewrite the file with --update-golden."""
    update = request.config.getoption("--update-golden")

    def compare(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_bytes() != actual.encode("utf-8"):
                path.write_bytes(actual.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(
                f"golden file {path.relative_to(TESTS.parent)} is missing: "
                "run `pytest --update-golden` and review the new file",
                pytrace=False,
            )
        expected = path.read_bytes().decode("utf-8")
        if expected != actual:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=f"golden/{name}",
                    tofile="actual output",
                )
            )
            pytest.fail(
                f"output differs from golden/{name}:\n{diff}\n"
                "If the change is intended, run `pytest --update-golden` and review `git diff`.",
                pytrace=False,
            )

    return compare


class GitRepo:
    """A real repository in tmp_path with pinned authors and dates, for history tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.data.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(
        self,
        *args: str,
        date: str = "2026-01-05",
        who: str = "Wang Li",
        committed: str | None = None,
        committer: str | None = None,
        exact: dict[str, str] | None = None,
    ) -> str:
        """Run git with pinned people and dates: `who` writes the change on `date`; the
        committer (default: the same person) lands it on `committed` (default: `date`).
        `exact` sets git's variables beyond that (an hour of the day, another email)."""
        committer = committer or who
        committed = committed or date
        env = {
            "GIT_AUTHOR_NAME": who,
            "GIT_AUTHOR_EMAIL": email_of(who),
            "GIT_COMMITTER_NAME": committer,
            "GIT_COMMITTER_EMAIL": email_of(committer),
            "GIT_AUTHOR_DATE": f"{date}T10:00:00+00:00",
            "GIT_COMMITTER_DATE": f"{committed}T10:00:00+00:00",
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.root),
            "GIT_CONFIG_NOSYSTEM": "1",
            **(exact or {}),
        }
        result = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    def write(self, path: str, text: str) -> None:
        target = self.data / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def remove(self, path: str) -> None:
        (self.data / path).unlink()

    def commit(
        self,
        message: str,
        *,
        date: str,
        who: str = "Wang Li",
        committed: str | None = None,
        committer: str | None = None,
        exact: dict[str, str] | None = None,
    ) -> str:
        """Commit everything; `committed`/`committer` set the committer apart from the author
        (`exact`: see `git`)."""
        people = {"date": date, "who": who, "committed": committed, "committer": committer}
        self.git("add", "-A", **people)
        self.git("commit", "-q", "--allow-empty", "-m", message, exact=exact, **people)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "main") -> None:
        """Start a branch (a rep's pull request) at `start` and check it out."""
        self.git("checkout", "-q", "-b", name, start)

    def merge(
        self, branch: str, *, date: str, who: str = "Boss", how: str = "merge", into: str = "main"
    ) -> str:
        """Land `branch` on `into` as GitHub would: `merge` (a merge commit by `who`),
        `squash` (one commit authored by the branch's last author, committed by `who`) or
        `rebase` (the branch's commits replayed, committed by `who`)."""
        self.git("checkout", "-q", into, date=date, who=who)
        if how == "merge":
            self.git("merge", "-q", "--no-ff", branch, "-m", f"Merge {branch}", date=date, who=who)
        elif how == "squash":
            author = self.git("log", "-1", "--format=%an", branch)
            self.git("merge", "-q", "--squash", branch, date=date, who=who)
            message = f"{branch} (squashed)"
            self.git(
                "commit", "-q", "-m", message, date=date, who=author, committed=date, committer=who
            )
        elif how == "rebase":
            people = {"date": date, "who": who, "committer": who}
            self.git("rebase", "-q", "--force-rebase", into, branch, **people)
            self.git("checkout", "-q", into, date=date, who=who)
            self.git("merge", "-q", "--ff-only", branch, date=date, who=who)
        else:
            raise ValueError(how)
        return self.git("rev-parse", "HEAD")


def email_of(who: str) -> str:
    """The pinned email of a test author: `Wang Li` -> wang.li@example.com."""
    return who.lower().replace(" ", ".") + "@example.com"


def deal_yaml(
    owner: str = "ann",
    stage: str = "lead",
    amount: str = "1000.00",
    expected: str = "2026-06-30",
    account: str = "acme",
    closed: str | None = None,
    log: list[tuple[str, str]] = (),
) -> str:
    """A deal file for history tests (valid against `history_repo`'s funnel and team)."""
    text = (
        f"account: {account}\ncontact: Li\nowner: {owner}\ntitle: Laptops\namount: {amount}\n"
        f"expected_close: {expected}\nstage: {stage}\ncreated: 2026-01-01\n"
    )
    if closed:
        text += f"closed_on: {closed}\n"
    if log:
        text += "log:\n" + "".join(f"  - {{date: {d}, note: {n}}}\n" for d, n in log)
    return text


HISTORY_FUNNEL = """\
currency: EUR
stages:
  - {id: lead, probability: 10, handover: later}
  - {id: offer, probability: 40, handover: phone}
  - {id: verbal, probability: 80, handover: visit}
rules: {min_days_in_funnel: 14, stale_after_days: 14}
"""
HISTORY_TEAM = """\
territories: [{id: west, name: West}]
people:
  - {id: boss, name: Boss, email: boss@example.com, role: manager, status: active,
     territory: west}
  - {id: ann, name: Ann, email: wang.li@example.com, role: rep, status: active, manager: boss,
     territory: west}
  - {id: bob, name: Bob, email: bob@example.com, role: rep, status: active, manager: boss,
     territory: west}
"""


@pytest.fixture
def history_repo(tmp_path: Path) -> GitRepo:
    """A repository whose first commit holds the rules, the team and two accounts."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    repo.write("team.yaml", HISTORY_TEAM)
    for account in ("acme", "globex", "initech"):
        repo.write(
            f"accounts/{account}.yaml",
            f"name: {account.title()}\nterritory: west\ncontacts: [{{name: Li, phone: '+1 5'}}]\n",
        )
    repo.commit("The team and its customers", date="2026-01-02")
    return repo


def repository_is_shallow() -> bool:
    """Whether this checkout lacks history (some tests read the repository's own history)."""
    result = subprocess.run(
        ["git", "-C", str(Path(__file__).resolve().parent.parent), "rev-parse",
         "--is-shallow-repository"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.stdout.strip() != "false"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """In CI (CI set to any non-empty value) a browser test that skips fails: whatever made
    it skip, a control that CI does not run is a control dropped without anyone noticing."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("CI")
        and item.get_closest_marker("browser")
        and not hasattr(report, "wasxfail")
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI is set, so a browser test may not skip: {reason}"


def markdown_made(monkeypatch) -> list[str]:
    """The paths of the pages whose Markdown is made from here on (not taken from the memo)."""
    from generator.site.context import SiteContext

    made: list[str] = []
    render = SiteContext._render

    def noted(self, template, path, **values):
        made.append(path)
        return render(self, template, path, **values)

    monkeypatch.setattr(SiteContext, "_render", noted)
    return made

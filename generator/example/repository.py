"""`funnel example`: a git repository of the sample team with months of realistic history.

Like `bean-example`, it gives the history features something to show: an adoption import,
reps' pull requests merged by their managers (merge commits and squash merges), wins,
losses, slips, a late entry, a deal deleted instead of lost, a handover with its checklist,
the managers' targets and a rule change. The same seed and as-of date make the same
repository, commit for commit: authors, committers and dates are pinned, and git runs
without the user's or the system's configuration.

`build` returns a `Story`: the facts it planted, so that tests can check every command
against them.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ZONE = timezone(timedelta(hours=8))
"""The team works in China: commits carry +08:00, always within the same UTC day."""


class ExampleError(Exception):
    """The example cannot be made there (a folder that is not empty, git missing)."""


# -- the facts a story planted -----------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """A change set as it reached the main line: how, by whom, and the commits around it."""

    sha: str
    day: date
    author: str
    """The person id of whoever made the change (a rep, for a pull request)."""
    merged_by: str | None
    how: str  # merge, squash or direct
    base: str
    """The main line just before it (a merge commit's first parent)."""
    branch: str | None = None
    tip: str | None = None
    """The branch's last commit (a pull request's head)."""


@dataclass(frozen=True)
class Import:
    """A baseline commit: a territory's existing funnel, brought in on adoption day."""

    sha: str
    day: date
    by: str
    territory: str
    accounts: tuple[str, ...]
    deals: dict[str, int]
    """Owner id -> number of deals imported."""


@dataclass(frozen=True)
class LateEntry:
    """A new customer's deal entered one week and won the next."""

    account: str
    deal: str
    owner: str
    added: Landing
    won: Landing


@dataclass(frozen=True)
class Removal:
    """A deal whose file a rep deleted instead of closing it as lost."""

    deal: str
    owner: str
    landing: Landing


@dataclass(frozen=True)
class RuleChange:
    """A change of one rule in funnel.yaml."""

    sha: str
    rule: str
    old: int
    new: int


@dataclass(frozen=True)
class Handover:
    """The leaving rep's deals given to a successor, and the checklist ticked off."""

    from_id: str
    to_id: str
    day: date
    sha: str
    checklist: str
    items: dict[str, tuple[str, date]]
    """Deal id -> (method, the day it was ticked off)."""
    kept: tuple[str, ...]
    """The deals the leaving rep still owns (handover due)."""


@dataclass(frozen=True)
class WeekFacts:
    """One ISO week of the main line, baseline commits left out (as the weekly review does)."""

    changed: frozenset[str]
    weighted: dict[str, Decimal]
    """Owner id -> change of the weighted open pipeline (a handed-over deal moves its weight)."""
    imported: dict[str, int]
    """Owner id -> deals that arrived with a baseline commit that week."""


@dataclass(frozen=True)
class Story:
    """What `build` planted in the repository."""

    root: Path
    seed: int
    months: int
    as_of: date
    head: str
    imports: tuple[Import, ...]
    late: LateEntry
    removed: Removal
    last_merge: Landing
    last_merge_deals: tuple[str, ...]
    last_merge_weighted: dict[str, Decimal]
    handover: Handover
    rule_change: RuleChange
    targets: tuple[str, ...]
    """The commits that wrote targets.yaml."""
    weeks: dict[str, WeekFacts]
    landings: dict[str, int]
    """merge, squash, direct -> how many change sets landed that way."""
    open_deals: int
    pipeline: Decimal
    weighted: Decimal
    won_this_year: Decimal
    """Amount won in the as-of date's calendar year."""
    deals: int
    accounts: int

    @property
    def baseline_accounts(self) -> tuple[str, ...]:
        """Every customer the CRM imports brought in."""
        return tuple(account for entry in self.imports for account in entry.accounts)

    @property
    def busiest_week(self) -> str:
        """The week with the most deals changed (the later one on a tie)."""
        return max(self.weeks, key=lambda week: (len(self.weeks[week].changed), week))


# -- the repository as planned, then written with one git fast-import ---------------------------


@dataclass(frozen=True)
class Signature:
    """Who made or landed a commit, and when."""

    name: str
    email: str
    when: datetime

    def raw(self) -> str:
        """The signature as git fast-import takes it, in the team's +08:00 time zone."""
        return f"{self.name} <{self.email}> {int(self.when.timestamp())} +0800"


@dataclass(eq=False)
class Commit:
    """One planned commit: its ref and parents, its author and committer, the files it changes;
    `sha` once it is written."""

    mark: int
    ref: str
    parents: tuple[Commit, ...]
    author: Signature
    committer: Signature
    message: str
    changes: dict[str, str | None]
    """Path -> the file's new text (None: deleted), against the first parent."""
    sha: str = ""


@dataclass(eq=False)
class Pull:
    """A pull request: a branch from the main line, its commits, its net change."""

    number: int
    branch: str
    title: str
    base: Commit
    base_files: dict[str, str]
    commits: list[Commit] = field(default_factory=list)
    changes: dict[str, str | None] = field(default_factory=dict)

    @property
    def tip(self) -> Commit:
        """The pull request's last commit, the one its branch points at."""
        return self.commits[-1]


class Repository:
    """Commits in the order they are made; the main line's files as they stand."""

    def __init__(self) -> None:
        self.commits: list[Commit] = []
        self.main: Commit | None = None
        self.files: dict[str, str] = {}
        self.pulls = 0

    def _commit(self, ref, parents, author, committer, message, changes) -> Commit:
        commit = Commit(len(self.commits) + 1, ref, parents, author, committer, message, changes)
        self.commits.append(commit)
        return commit

    def _land(self, commit: Commit) -> Commit:
        self.main = commit
        for path, text in commit.changes.items():
            if text is None:
                self.files.pop(path, None)
            else:
                self.files[path] = text
        return commit

    def commit(
        self,
        changes: Mapping[str, str | None],
        author: Signature,
        message: str,
        committer: Signature | None = None,
    ) -> Commit:
        """A commit straight on the main line."""
        parents = (self.main,) if self.main else ()
        commit = self._commit(
            "refs/heads/main", parents, author, committer or author, message, dict(changes)
        )
        return self._land(commit)

    def pull(self, branch: str, title: str) -> Pull:
        """Open a pull request from the main line as it is now."""
        assert self.main is not None
        self.pulls += 1
        return Pull(self.pulls, branch, title, self.main, dict(self.files))

    def push(
        self, pull: Pull, changes: dict[str, str | None], author: Signature, message: str
    ) -> Commit:
        """A commit on the pull request's branch; the main line is untouched until it lands."""
        parent = pull.commits[-1] if pull.commits else pull.base
        ref = f"refs/pull/{pull.number}/head"
        commit = self._commit(ref, (parent,), author, author, message, changes)
        pull.commits.append(commit)
        pull.changes.update(changes)
        return commit

    def merge(self, pull: Pull, merger: Signature, how: str) -> Commit:
        """Land a pull request: a merge commit by `merger`, or one squashed commit that keeps
        the branch's author and is committed by `merger`."""
        assert self.main is not None
        for path in pull.changes:
            if self.files.get(path) != pull.base_files.get(path):
                raise AssertionError(f"#{pull.number} conflicts on {path}")
        if how == "merge":
            message = f"Merge pull request #{pull.number} from {pull.branch}\n\n{pull.title}\n"
            parents: tuple[Commit, ...] = (self.main, pull.tip)
            author = merger
        else:
            subjects = [commit.message.splitlines()[0] for commit in pull.commits]
            body = "".join(f"* {subject}\n" for subject in subjects) if len(subjects) > 1 else ""
            message = f"{pull.title} (#{pull.number})\n" + (f"\n{body}" if body else "")
            parents = (self.main,)
            first = pull.commits[0].author
            author = Signature(first.name, first.email, merger.when)
        commit = self._commit(
            "refs/heads/main", parents, author, merger, message, dict(pull.changes)
        )
        return self._land(commit)

    def stream(self) -> bytes:
        """The history as a `git fast-import` stream."""
        out: list[bytes] = []
        for commit in self.commits:
            message = commit.message.encode()
            out.append(
                f"commit {commit.ref}\nmark :{commit.mark}\nauthor {commit.author.raw()}\n"
                f"committer {commit.committer.raw()}\ndata {len(message)}\n".encode()
            )
            out.append(message + b"\n")
            for index, parent in enumerate(commit.parents):
                out.append(f"{'from' if index == 0 else 'merge'} :{parent.mark}\n".encode())
            for path, text in sorted(commit.changes.items()):
                if text is None:
                    out.append(f"D {path}\n".encode())
                else:
                    data = text.encode()
                    out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data)
                    out.append(b"\n")
            out.append(b"\n")
        return b"".join(out)

    def write(self, root: Path, search_path: str) -> None:
        """Create the repository at `root` and check out the main line (git is looked for on
        `search_path`, the command's PATH)."""
        with tempfile.TemporaryDirectory(prefix="funnel-example-") as home:
            marks = Path(home) / "marks"
            git(root, home, search_path, "init", "-q", "-b", "main")
            git(
                root,
                home,
                search_path,
                "fast-import",
                "--quiet",
                f"--export-marks={marks}",
                input=self.stream(),
            )
            shas = dict(line.split() for line in marks.read_text().splitlines())
            git(root, home, search_path, "reset", "-q", "--hard", "main")
        for commit in self.commits:
            commit.sha = shas[f":{commit.mark}"]


def git(root: Path, home: str, search_path: str, *args: str, input: bytes | None = None) -> bytes:
    """Run git in `root` with nothing of the user's or the system's configuration."""
    environment = {
        "PATH": search_path,
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args],
            input=input,
            capture_output=True,
            check=False,
            env=environment,
        )
    except FileNotFoundError:
        raise ExampleError("git is not installed: the example is a git repository") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise ExampleError(f"git {args[0]} failed: {message}")
    return result.stdout

"""The funnel's history from git: every version of every deal on the main line, in one pass.

`git log` lists the changed files of each first-parent commit (a merged pull request counts
as one change, on the day it landed), and one `git cat-file --batch` reads their contents.
The result is cached by commit inside `.git/` (see `cache`), so a rebuild reads only the
commits that are new.

A deal's identity is its id (the file stem): a move between folders keeps the deal, and a deal
removed and added again keeps its oldest appearance.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from .cache import cache_folder, load_cache, save_cache
from .git import (
    GIT_ENV,
    SHALLOW_MESSAGE,
    FileStatus,
    Git,
    HistoryError,
    is_ancestor,
    is_shallow,
    raw_entries,
    read_blobs,
    repository,
    resolve,
)
from .records import BASELINE_TRAILER, Commit, History, Interner, Version, deal_id, snapshot


@dataclass(frozen=True)
class _Change:
    status: FileStatus
    blob: str
    path: str


MAIN_LINE_LOG = (
    "log",
    "-z",
    "--first-parent",
    "--reverse",
    "--raw",
    "--no-renames",
    "--no-abbrev",
    "--diff-merges=first-parent",
)
"""`git log` of the main line, oldest first, with each commit's changed files and blobs."""


LOG_FORMAT = (
    "--format=%x01%H%x02%P%x02%an%x02%ae%x02%cn%x02%ce%x02%ct%x02"
    f"%(trailers:key={BASELINE_TRAILER},valueonly,separator=%x2C)%x02%s"
)
"""Each commit's sha, parents, author, committer, date, baseline trailer and subject."""


@dataclass
class _Logged:
    """A commit as `git log` gave it, with the files it changed."""

    sha: str
    parents: list[str]
    author: str
    email: str
    committer: str
    committer_email: str
    day: date
    marked: bool
    subject: str
    changes: list[_Change]
    touched_data: bool = False


def _parse_log(out: str, deals: str) -> Iterator[_Logged]:
    """Commits of `git log -z --raw` in LOG_FORMAT, each with the deal files (under `deals`)
    it changed."""
    for header, entries in raw_entries(out):
        sha, parents, author, email, committer, committer_email, stamp, trailer, subject = (
            header.split("\x02", 8)
        )
        yield _Logged(
            sha=sha,
            parents=parents.split(),
            author=author,
            email=email,
            committer=committer,
            committer_email=committer_email,
            day=datetime.fromtimestamp(int(stamp), UTC).date(),
            marked=bool(trailer.strip()),
            subject=subject,
            changes=[
                _Change(status, new_blob, path)
                for status, _, new_blob, path in entries
                if path.startswith(deals) and path.endswith(".yaml")
            ],
            touched_data=bool(entries),
        )


def _log(repo: Git, revisions: str, prefix: str) -> list[_Logged]:
    """First-parent commits that changed the data folder (oldest first), each with the deal
    files it changed (`touched_data`: whether it changed any file of the data folder)."""
    out = repo(*MAIN_LINE_LOG, LOG_FORMAT, revisions, "--", prefix or ".")
    return list(_parse_log(out.decode("utf-8", "surrogateescape"), _deals_folder(prefix)))


def _deals_folder(prefix: str) -> str:
    return f"{prefix}/deals/" if prefix else "deals/"


def _branch_commits(repo: Git, merges: list[_Logged], prefix: str) -> dict[str, list[_Logged]]:
    """For each merge of the main line, the commits its branch brought (newest first), with
    the deal files each changed: who made the changes that the merge landed."""
    if not merges:
        return {}
    tips = [parent for merge in merges for parent in merge.parents[1:]]
    start = merges[0].parents[0]
    main_line = repo("rev-list", "--first-parent", merges[-1].sha, "--not", start)
    out = repo(
        "log", "-z", "--raw", "--no-renames", "--no-abbrev", LOG_FORMAT, *tips, "--not", start
    )
    # merges inside a branch list no files (no --diff-merges): they are walked, never credited
    branch = _parse_log(out.decode("utf-8", "surrogateescape"), _deals_folder(prefix))
    logged = {commit.sha: commit for commit in branch}
    seen = set(main_line.decode().split())
    brought: dict[str, list[_Logged]] = {}
    for merge in merges:
        found: list[_Logged] = []
        stack = list(merge.parents[1:])
        while stack:
            sha = stack.pop()
            if sha in seen:
                continue
            seen.add(sha)
            if sha in logged:
                found.append(logged[sha])
                stack.extend(logged[sha].parents)
        found.sort(key=lambda commit: commit.day, reverse=True)
        brought[merge.sha] = found
    return brought


def _author_of(deal: str, merge: _Logged, brought: list[_Logged]) -> _Logged:
    """The branch commit that last changed `deal` (the merge itself when none did)."""
    for commit in brought:
        if any(deal_id(change.path) == deal for change in commit.changes):
            return commit
    return merge


GITHUB_COMMITTER = "noreply@github.com"
"""GitHub commits squash and rebase merges made on its web site as itself: nobody to name."""


@dataclass(frozen=True)
class _Mining:
    """One read of the history: the repository, and the values its records share."""

    repo: Git
    shared: Interner

    def landed(self, made: _Logged, main: _Logged, day: date, first_data: bool) -> Commit:
        """The change `made` by a commit as the main-line commit `main` landed it on `day`."""
        if made is not main:  # a branch commit, landed by a merge
            merger, merger_email = main.author, main.email
        else:  # the main line's own commit: squash and rebase merges name their committer
            merger, merger_email = made.committer, made.committer_email
        same = (
            made.email.lower() == merger_email.lower() or merger_email.lower() == GITHUB_COMMITTER
        )
        share = self.shared.share
        return Commit(
            sha=main.sha,
            author=share(made.author),
            email=share(made.email),
            day=share(day),
            subject=main.subject,
            merged_by="" if same else share(merger),
            merged_email="" if same else share(merger_email),
            baseline=first_data or made.marked,
        )

    def extend(self, history: History, revisions: str, after: str | None = None) -> bool:
        """Add the first-parent commits of `revisions` to `history` (oldest first). With
        `after`, refuse (return False) unless they continue the main line from that commit."""
        pending = _log(self.repo, revisions, history.data_prefix)
        if after is not None and pending and pending[0].parents[:1] != [after]:
            return False  # `after` is not on the new main line (history was rewritten)
        merges = [logged for logged in pending if len(logged.parents) > 1 and logged.changes]
        brought = _branch_commits(self.repo, merges, history.data_prefix)
        blobs = read_blobs(
            self.repo.root,
            (c.blob for logged in pending for c in logged.changes if c.status != "D"),
            env=self.repo.env,
        )
        last_day = history.commits[-1].day if history.commits else date.min
        for logged in pending:
            day = max(logged.day, last_day)  # back-dated: it cannot land before what came first
            last_day = day
            first_data = history.baseline is None and logged.touched_data
            if first_data:
                history.baseline = logged.sha
            commit = self.landed(logged, logged, day, first_data)
            history.commits.append(commit)
            touched = self._versions(logged, commit, brought.get(logged.sha), blobs, first_data)
            for deal, version in touched.items():
                versions = history.deals.setdefault(deal, [])
                already_gone = version.snapshot is None and (
                    not versions or versions[-1].snapshot is None
                )
                if not already_gone:
                    versions.append(version)
        return True

    def _versions(
        self,
        logged: _Logged,
        commit: Commit,
        brought: list[_Logged] | None,
        blobs: Mapping[str, bytes],
        first_data: bool,
    ) -> dict[str, Version]:
        """The version of each deal a main-line commit changed (a branch's author credited)."""
        touched: dict[str, Version] = {}
        for change in logged.changes:
            deal = deal_id(change.path)
            if brought is not None:
                made = _author_of(deal, logged, brought)
                by = self.landed(made, logged, commit.day, first_data)
            else:
                by = commit
            if change.status == "D":
                touched.setdefault(deal, Version(by, None))
            elif change.blob in blobs:
                text = blobs[change.blob]
                touched[deal] = Version(by, snapshot(text, change.path, self.shared))
        return touched


def read_history(
    data_dir: Path, *, use_cache: bool = True, git_env: Mapping[str, str] = GIT_ENV
) -> History:
    """The history of the deals under `data_dir` up to HEAD, from the cache where it can.
    git runs in `git_env` (the adapters pass the process's environment)."""
    root, prefix = repository(data_dir, env=git_env)
    if is_shallow(root, env=git_env):
        raise HistoryError(SHALLOW_MESSAGE)
    try:
        head = resolve(root, "HEAD", env=git_env)
    except HistoryError:
        return History(root, prefix, head="")  # a repository without commits
    enabled = gc.isenabled()
    gc.disable()  # many small objects and no cycles: the collector would only slow it down
    try:
        return _read(_Mining(Git(root, git_env), Interner()), prefix, head, use_cache)
    finally:
        if enabled:
            gc.enable()


def _read(mining: _Mining, prefix: str, head: str, use_cache: bool) -> History:
    root = mining.repo.root
    folder = cache_folder(mining.repo)
    history = load_cache(folder, prefix) if use_cache else None
    if history is not None and history.head == head:
        history.root = root
        return history
    if history is not None and is_ancestor(root, history.head, head, env=mining.repo.env):
        history.root = root
        if not mining.extend(history, f"{history.head}..{head}", after=history.head):
            history = None
    else:
        history = None
    if history is None:
        history = History(root, prefix, head)
        mining.extend(history, head)
    history.head = head
    if use_cache:
        save_cache(folder, history)
    return history

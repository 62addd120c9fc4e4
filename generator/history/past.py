"""The data as it stood on the main line at the end of a past day.

The day's commit is the last first-parent commit of HEAD whose day (its committer date in UTC,
never earlier than its parent's, as the history tells days) is on or before that day. Its data
folder is written to a temporary folder, so the one reader of the data reads it as it reads the
working tree; and the history is cut at that commit (`History.until`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from .git import GIT_ENV, SHALLOW_MESSAGE, HistoryError, files_at, git, is_shallow, repository


@dataclass(frozen=True)
class PastCommit:
    """The main line's last commit of a day: its sha and day, and every main-line commit up to
    it (itself included), which is the history as it stood then."""

    sha: str
    day: date
    line: frozenset[str]


def main_line_commit(data_dir: Path, day: date, *, env: Mapping[str, str] = GIT_ENV) -> PastCommit:
    """The main line's last commit on or before `day`; a HistoryError when there is none (the
    repository is younger, has no commits, or is a shallow clone)."""
    root, _ = repository(data_dir, env=env)
    if is_shallow(root, env=env):
        raise HistoryError(SHALLOW_MESSAGE)
    try:
        out = git(root, "log", "--first-parent", "--reverse", "--format=%H %ct", "HEAD", env=env)
    except HistoryError:
        out = b""  # a repository without commits
    line: list[str] = []
    last = date.min
    found: PastCommit | None = None
    for entry in out.decode().splitlines():
        sha, stamp = entry.split()
        last = max(last, datetime.fromtimestamp(int(stamp), UTC).date())
        if last > day:
            break
        line.append(sha)
        found = PastCommit(sha, last, frozenset())
    if found is None:
        raise HistoryError(f"the main line has no commit on or before {day.isoformat()}")
    return PastCommit(found.sha, found.day, frozenset(line))


@contextmanager
def data_at(
    data_dir: Path, commit: PastCommit, *, env: Mapping[str, str] = GIT_ENV
) -> Iterator[Path]:
    """A temporary copy of the data folder as `commit` left it, removed afterwards; a
    HistoryError when the data folder did not exist then."""
    root, prefix = repository(data_dir, env=env)
    files = files_at(root, commit.sha, [prefix], env=env)
    if not files:
        shown = prefix or "the repository's top folder"
        raise HistoryError(f"{shown} has no files at {commit.sha[:12]} ({commit.day})")
    with tempfile.TemporaryDirectory(prefix="funnel-at-") as folder:
        target = Path(folder) / (Path(prefix).name or "data")
        for path, content in files.items():
            relative = path[len(prefix) + 1 :] if prefix else path
            written = target / relative
            written.parent.mkdir(parents=True, exist_ok=True)
            written.write_bytes(content)
        yield target

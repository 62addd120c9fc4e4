"""The data as it stood on the main line at the end of a past day.

The day's commit is the last first-parent commit of HEAD whose day (its committer date in UTC,
never earlier than its parent's, as the history tells days) is on or before that day. Its data
folder's files go to the one reader of the data as a listing with their contents, read as a
checkout of that commit would be; and the history is cut at that commit (`History.until`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ..data.files import FileEntry
from .git import GIT_ENV, SHALLOW_MESSAGE, HistoryError, git, is_shallow, read_blobs, repository

LINK = "120000"
"""The mode git gives a symbolic link."""


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
    last = landed = date.min
    for entry in out.decode().splitlines():
        sha, stamp = entry.split()
        last = max(last, datetime.fromtimestamp(int(stamp), UTC).date())
        if last > day:
            break
        line.append(sha)
        landed = last
    if not line:
        raise HistoryError(f"the main line has no commit on or before {day.isoformat()}")
    return PastCommit(line[-1], landed, frozenset(line))


def past_day(
    data_dir: Path, day: date, *, env: Mapping[str, str] = GIT_ENV
) -> tuple[PastCommit, list[FileEntry]]:
    """The main line's last commit on or before `day` and the data folder's files there."""
    past = main_line_commit(data_dir, day, env=env)
    return past, entries_at(data_dir, past, env=env)


def entries_at(
    data_dir: Path, commit: PastCommit, *, env: Mapping[str, str] = GIT_ENV
) -> list[FileEntry]:
    """Every file of the data folder as `commit` left it, with its content and blob id, for
    the reader (`check(..., entries=...)`); a HistoryError when the folder did not exist then."""
    root, prefix = repository(data_dir, env=env)
    listing = git(
        root, "ls-tree", "-r", "-z", "--full-tree", commit.sha, "--", prefix or ".", env=env
    )
    files: dict[str, tuple[str, str]] = {}
    for item in listing.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = item.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            files[path] = (parts[0], parts[2])
    if not files:
        shown = prefix or "the repository's top folder"
        raise HistoryError(f"{shown} has no files at {commit.sha[:12]} ({commit.day})")
    contents = read_blobs(root, (blob for mode, blob in files.values() if mode != LINK), env=env)
    entries = []
    for path, (mode, blob) in files.items():
        relative = path[len(prefix) + 1 :] if prefix else path
        content = contents.get(blob, b"")
        shown = f"{commit.sha[:12]}:{path}"
        if mode == LINK:
            entries.append(FileEntry(relative, shown, 0, link=True))
        else:
            entries.append(FileEntry(relative, shown, len(content), content, blob))
    return entries

"""Every git command of the project: one repository, read through `git` subprocesses.

git runs in the environment its caller passes in (`env`): the adapters pass the process's
own, and the default is a minimal one with only what git needs to be found and to answer in
plain bytes. Nothing here reads the process's environment.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Literal, cast

from .records import BASELINE_TRAILER, Commit, Interner, Snapshot, deal_id, snapshot

GIT_ENV: Mapping[str, str] = MappingProxyType(
    {"PATH": "/usr/local/bin:/opt/homebrew/bin:/usr/bin:/bin"}
)
"""The environment git runs in when its caller passes none: where git is usually installed,
nothing else (no HOME: no user configuration either)."""

_ALWAYS = MappingProxyType({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
"""Set for every git command: never ask for a password, answer in the C locale."""

SHALLOW_MESSAGE = (
    "this clone is shallow, so the funnel's history is cut off: fetch the full history "
    "(`git fetch --unshallow`; in GitHub Actions, `actions/checkout` with `fetch-depth: 0`)"
)


class HistoryError(Exception):
    """History cannot be read (not a git repository, a shallow clone, an unknown revision)."""


@dataclass(frozen=True)
class Git:
    """One repository and the environment git runs in there."""

    root: Path
    env: Mapping[str, str]

    def __call__(self, *args: str) -> bytes:
        """Run git in the repository and return its output (see `git`)."""
        return git(self.root, *args, env=self.env)


def git(
    root: Path, *args: str, input: bytes | None = None, env: Mapping[str, str] = GIT_ENV
) -> bytes:
    """Run git in `root` and return its output; a failure becomes a HistoryError."""
    result = subprocess.run(
        ["git", "-C", str(root), *args],
        input=input,
        capture_output=True,
        check=False,
        env={**env, **_ALWAYS},
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(message[-1] if message else f"git {args[0]} failed")
    return result.stdout


def repository(data_dir: Path, *, env: Mapping[str, str] = GIT_ENV) -> tuple[Path, str]:
    """The repository's top folder and the data folder's path inside it (`data`)."""
    try:
        top = git(data_dir, "rev-parse", "--show-toplevel", env=env).decode().strip()
    except (HistoryError, FileNotFoundError) as exc:
        raise HistoryError(f"{data_dir} is not inside a git repository: {exc}") from None
    root = Path(top)
    prefix = Path(os.path.relpath(data_dir.resolve(), root.resolve())).as_posix()
    return root, "" if prefix == "." else prefix


def is_shallow(root: Path, *, env: Mapping[str, str] = GIT_ENV) -> bool:
    """Whether the clone is shallow: its history is cut off (see SHALLOW_MESSAGE)."""
    return git(root, "rev-parse", "--is-shallow-repository", env=env).decode().strip() == "true"


def resolve(root: Path, revision: str, *, env: Mapping[str, str] = GIT_ENV) -> str:
    """The commit a revision names (a sha, branch or tag), or a HistoryError that says so."""
    try:
        verified = git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", env=env)
    except HistoryError:
        raise HistoryError(f"unknown revision `{revision}`: name a commit, branch or tag") from None
    return verified.decode().strip()


def is_ancestor(root: Path, old: str, new: str, *, env: Mapping[str, str] = GIT_ENV) -> bool:
    """Whether commit `old` is an ancestor of `new` (history was not rewritten since)."""
    try:
        git(root, "merge-base", "--is-ancestor", old, new, env=env)
    except HistoryError:
        return False
    return True


def read_blobs(
    root: Path, shas: Iterable[str], *, env: Mapping[str, str] = GIT_ENV
) -> dict[str, bytes]:
    """The contents of many blobs through one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    request = "".join(f"{sha}\n" for sha in wanted).encode()
    out = git(root, "cat-file", "--batch", input=request, env=env)
    blobs: dict[str, bytes] = {}
    position = 0
    for sha in wanted:  # `SHA TYPE SIZE`, the content and a newline; or `SHA missing`
        end = out.find(b"\n", position)
        header = out[position:end].split()
        if end < 0 or header[:1] != [sha.encode()]:
            raise HistoryError(f"git cat-file answered out of turn at {sha}")
        position = end + 1
        if len(header) == 3:
            size = int(header[2])
            blobs[sha] = out[position : position + size]
            position += size + 1
    return blobs


def tree_files(
    root: Path, revision: str, *paths: str, env: Mapping[str, str] = GIT_ENV
) -> dict[str, str]:
    """Path -> blob sha of every file at or under `paths` (the top folder when none) at
    `revision`."""
    wanted = [path or "." for path in paths] or ["."]
    listing = git(root, "ls-tree", "-r", "-z", "--full-tree", revision, "--", *wanted, env=env)
    files = {}
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            files[path] = parts[2]
    return files


FileStatus = Literal["A", "C", "D", "M", "R", "T", "U", "X"]
"""How a commit changed a file, as `git log --raw` says: added, copied, deleted, modified,
renamed, type changed, unmerged, unknown (with --no-renames: never C or R)."""


def raw_entries(out: str) -> Iterator[tuple[str, list[tuple[FileStatus, str, str, str]]]]:
    """Parse `git log -z --raw --format=%x01...`: each commit's header and its files as
    (status, old blob, new blob, path)."""
    for chunk in out.split("\x01")[1:]:
        header, _, rest = chunk.partition("\0")
        tokens = rest.split("\0")  # each meta begins on a new line: `split()` skips it
        entries: list[tuple[FileStatus, str, str, str]] = []
        for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
            parts = meta.split()
            if len(parts) >= 5:
                status = cast(FileStatus, parts[4][0])  # git writes one of these letters
                entries.append((status, parts[2], parts[3], path))
        yield header, entries


# -- files and deals at a revision -------------------------------------------------------------


def deals_at(
    root: Path, revision: str | None, prefix: str, *, env: Mapping[str, str] = GIT_ENV
) -> dict[str, Snapshot]:
    """Every deal as it is at `revision` (None revision: the working tree)."""
    deals_prefix = f"{prefix}/deals" if prefix else "deals"
    shared = Interner()
    if revision is None:
        folder = root / deals_prefix
        return {
            deal_id(path.name): snapshot(
                path.read_bytes(), path.relative_to(root).as_posix(), shared
            )
            for path in sorted(folder.rglob("*.yaml"))
            if path.is_file() and not path.is_symlink()
        }
    files = tree_files(root, revision, deals_prefix, env=env)
    blobs = read_blobs(root, files.values(), env=env)
    return {
        deal_id(path): snapshot(blobs[sha], path, shared)
        for path, sha in sorted(files.items())
        if path.endswith(".yaml") and sha in blobs
    }


def files_at(
    root: Path, revision: str | None, paths: list[str], *, env: Mapping[str, str] = GIT_ENV
) -> dict[str, bytes]:
    """Path -> content of every file at or under `paths` (from the repository's top) at
    `revision` (None: the working tree)."""
    if revision is None:
        found: dict[str, bytes] = {}
        for name in paths:
            target = root / name
            candidates = sorted(target.rglob("*")) if target.is_dir() else [target]
            for path in candidates:
                if path.is_file() and not path.is_symlink():
                    found[path.relative_to(root).as_posix()] = path.read_bytes()
        return found
    files = tree_files(root, revision, *paths, env=env)
    blobs = read_blobs(root, files.values(), env=env)
    return {path: blobs[sha] for path, sha in sorted(files.items()) if sha in blobs}


def file_at(
    root: Path, revision: str, path: str, *, env: Mapping[str, str] = GIT_ENV
) -> bytes | None:
    """A file's content at a revision (None if it does not exist there)."""
    try:
        return git(root, "show", f"{revision}:{path}", env=env)
    except HistoryError:
        return None


def uncommitted(data_dir: Path, *, env: Mapping[str, str] = GIT_ENV) -> list[str]:
    """Tracked files under `data_dir` with changes not yet committed (staged or not)."""
    root, prefix = repository(data_dir, env=env)
    out = git(
        root, "status", "--porcelain", "-z", "--untracked-files=no", "--", prefix or ".", env=env
    )
    return [entry[3:] for entry in out.decode("utf-8", "surrogateescape").split("\0") if entry]


# -- commits between two revisions -------------------------------------------------------------


@dataclass(frozen=True)
class FileChange:
    """A file a commit changed: status A/M/D, the blobs before and after, and its path."""

    status: FileStatus
    old_blob: str
    new_blob: str
    path: str


def commits_between(
    root: Path, base: str, head: str, *, env: Mapping[str, str] = GIT_ENV
) -> list[tuple[Commit, list[FileChange]]]:
    """Every commit (merges left out) in base..head, oldest first, with all the files it
    changed: who changed what, for the access rules."""
    out = git(
        root, "log", "-z", "--reverse", "--no-merges", "--raw", "--no-renames", "--no-abbrev",
        "--format=%x01%H%x02%an%x02%ae%x02%ct%x02%s", f"{base}..{head}", env=env,
    ).decode("utf-8", "surrogateescape")  # fmt: skip
    commits = []
    for header, entries in raw_entries(out):
        sha, author, email, stamp, subject = header.split("\x02", 4)
        day = datetime.fromtimestamp(int(stamp), UTC).date()
        changes = [FileChange(*entry) for entry in entries]
        commits.append((Commit(sha, author, email, day, subject), changes))
    return commits


def baseline_marks(
    root: Path, base: str, head: str, *, env: Mapping[str, str] = GIT_ENV
) -> list[Commit]:
    """The commits of base..head (merges included) whose message carries the
    BASELINE_TRAILER, whatever its value, oldest first."""
    out = git(
        root,
        "log",
        "-z",
        "--reverse",
        f"--format=%H%x02%an%x02%ae%x02%ct%x02%s%x02%(trailers:key={BASELINE_TRAILER})",
        f"{base}..{head}",
        env=env,
    ).decode("utf-8", "surrogateescape")
    marked = []
    for record in out.split("\0"):
        if record.count("\x02") < 5:
            continue
        sha, author, email, stamp, subject, trailers = record.split("\x02", 5)
        if trailers.strip():
            day = datetime.fromtimestamp(int(stamp), UTC).date()
            marked.append(Commit(sha, author, email, day, subject))
    return marked

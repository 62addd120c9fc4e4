"""The files under data/: found without following links, sorted by kind, read within the cap.

Symlinks, special files and files over the size cap are refused unread; a YAML-looking file
that funnel does not read is named with the reason, so a misplaced deal is never lost silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING

from .parse_cache import blob_id
from .problems import Problem, error

if TYPE_CHECKING:
    from .model import FileKind


class DataDirError(Exception):
    """The data folder itself is missing or unusable (a usage error, not bad data)."""


def display_path(display: str, relative: str) -> str:
    """How a file under the data folder is named in messages (`data/funnel.yaml`)."""
    return f"{display.rstrip('/')}/{relative}" if display not in ("", ".") else relative


@dataclass(frozen=True)
class FileEntry:
    """A regular file under the data folder: its path there, on disk, and its size; for a
    file read from a commit, its content and blob id (`absolute` then names it for messages)."""

    relative: str
    absolute: str
    size: int
    content: bytes | None = None
    blob: str | None = None
    link: bool = False
    """A symbolic link in a commit (refused as `walk` refuses one on disk)."""
    changed: tuple[int, int, int] = (0, 0, 0)
    """On disk: its last change (ctime), modification (mtime), both in nanoseconds, and its
    inode; a file rewritten in any way has another."""


class FilePaths(Mapping[str, Path]):
    """The file on disk behind each path that messages name, made a `Path` only when asked
    for (most never are: a load keeps thousands)."""

    def __init__(self) -> None:
        self._found: dict[str, str] = {}

    def add(self, path: str, absolute: str) -> None:
        """Note the file behind `path`."""
        self._found[path] = absolute

    def __getitem__(self, path: str) -> Path:
        return Path(self._found[path])

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


class Texts(Mapping[str, str]):
    """The text of each file read, by the path that messages name; a file known unchanged by
    its size and times (see `ParseCache.known_blob`) is read only when its text is asked for
    (to place a problem in it)."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._later: dict[str, str] = {}

    def add(self, path: str, text: str) -> None:
        """The text of the file at `path`."""
        self._texts[path] = text
        self._later.pop(path, None)

    def add_later(self, path: str, absolute: str) -> None:
        """The file at `path` is `absolute` on disk, read when its text is asked for."""
        self._later[path] = absolute
        self._texts.pop(path, None)

    def __getitem__(self, path: str) -> str:
        text = self._texts.get(path)
        if text is None:
            from .strictyaml import BOM

            absolute = self._later.pop(path)  # KeyError: no such file
            try:
                with open(absolute, "rb") as handle:
                    text = handle.read().removeprefix(BOM).decode("utf-8", errors="replace")
            except OSError:  # gone since: its problems are placed at its start
                text = ""
            self._texts[path] = text
        return text

    def __iter__(self) -> Iterator[str]:
        return iter([*self._texts, *self._later])

    def __len__(self) -> int:
        return len(self._texts) + len(self._later)


def _link_refused(display: str, relative: str) -> Problem:
    return error(
        display_path(display, relative),
        1,
        1,
        "symbolic links are not allowed under the data folder: replace it with the file itself",
    )


def walk(root: Path, display: str, problems: list[Problem]) -> list[FileEntry]:
    """Every regular file under root, refusing symlinks and special files (not followed)."""
    found: list[FileEntry] = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(root / prefix if prefix else root) as it:
            entries = sorted(it, key=lambda entry: entry.name)
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                problems.append(_link_refused(display, relative))
            elif entry.is_dir(follow_symlinks=False):
                pending.append(f"{relative}/")
            elif entry.is_file(follow_symlinks=False):
                found.append(_on_disk(relative, entry.path, entry.stat(follow_symlinks=False)))
            else:
                problems.append(
                    error(
                        display_path(display, relative),
                        1,
                        1,
                        "not a regular file (a device, socket or pipe): remove it",
                    )
                )
    found.sort(key=lambda entry: entry.relative)
    return found


def _on_disk(relative: str, absolute: str, stat: os.stat_result) -> FileEntry:
    """The entry of a regular file on disk, with what tells a rewrite of it (see `changed`)."""
    changed = (stat.st_ctime_ns, stat.st_mtime_ns, stat.st_ino)
    return FileEntry(relative, absolute, stat.st_size, changed=changed)


def walk_again(root: Path, last: list[FileEntry], changed: Iterable[str]) -> list[FileEntry] | None:
    """The files under root as `walk` would find them now, from the `last` walk (which
    found no problem) and the paths that `changed` since (as the system's file events name
    them): only those are looked at. None when a change needs a whole walk: a folder, a
    symbolic link or a special file among them."""
    found = {entry.relative: entry for entry in last}
    prefix = f"{os.path.abspath(root)}{os.sep}"
    for path in changed:
        absolute = os.path.abspath(path)
        if not absolute.startswith(prefix):
            continue  # not under the data folder
        relative = absolute[len(prefix) :].replace(os.sep, "/")
        if any(part.startswith(".") for part in relative.split("/")):
            continue  # hidden, as `walk` skips it
        try:
            stat = os.lstat(absolute)
        except FileNotFoundError:
            found.pop(relative, None)
            continue
        except OSError:
            return None
        if not S_ISREG(stat.st_mode):
            return None
        found[relative] = _on_disk(relative, str(root / relative), stat)
    return [found[relative] for relative in sorted(found)]


def read_all(
    root: Path,
    display: str,
    problems: list[Problem],
    cap: int,
    known: Callable[[str, int, tuple[int, int, int]], str | None] | None = None,
) -> list[FileEntry] | None:
    """Every regular file under root as `walk` finds it, with its content and blob id; None
    when a file is over `cap` bytes (then it is not read at all). A file whose blob id `known`
    tells by its path on disk, size and times is not read: its entry has the blob id and no
    content."""
    found = []
    for entry in walk(root, display, problems):
        if entry.size > cap:
            return None
        relative, absolute, changed = entry.relative, entry.absolute, entry.changed
        blob = None if known is None else known(absolute, entry.size, changed)
        if blob is not None:
            found.append(FileEntry(relative, absolute, entry.size, None, blob, changed=changed))
            continue
        try:
            content = _read_bytes(absolute, entry.size)
        except OSError:
            return None  # said by the full check
        found.append(
            FileEntry(relative, absolute, len(content), content, blob_id(content), changed=changed)
        )
    return found


def _read_bytes(absolute: str, size: int) -> bytes:
    """A file's bytes, read without a buffered file object (thousands are read at once); `size`
    is what it held when listed: a file of another size now is read to its end."""
    handle = os.open(absolute, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        parts = [os.read(handle, size + 1)]
        if len(parts[0]) != size:  # it changed since, or the system reads it in parts
            while parts[-1]:
                parts.append(os.read(handle, 1 << 16))
    finally:
        os.close(handle)
    return b"".join(parts)


def listed(entries: list[FileEntry], display: str, problems: list[Problem]) -> list[FileEntry]:
    """The files of a commit's listing as `walk` finds them on disk: hidden names skipped,
    symbolic links refused, sorted by path."""
    found = []
    for entry in entries:
        if any(part.startswith(".") for part in entry.relative.split("/")):
            continue
        if entry.link:
            problems.append(_link_refused(display, entry.relative))
        else:
            found.append(entry)
    found.sort(key=lambda entry: entry.relative)
    return found


def classify(relative: str) -> FileKind | None:
    """Which kind of file this is, by its place under data/."""
    if relative == "funnel.yaml":
        return "funnel"
    if relative == "team.yaml":
        return "team"
    if relative == "targets.yaml":
        return "targets"
    parts = relative.split("/")
    if parts[0] == "accounts" and len(parts) == 2 and relative.endswith(".yaml"):
        return "account"
    if parts[0] == "deals" and len(parts) >= 2 and relative.endswith(".yaml"):
        return "deal"
    if parts[0] == "handovers" and len(parts) == 2 and relative.endswith(".yaml"):
        return "handover"
    return None


def ignored(relative: str) -> str | None:
    """Why a YAML-looking file that funnel does not read is ignored (None: not YAML)."""
    parts = relative.split("/")
    stem, _, extension = parts[-1].rpartition(".")
    if extension.lower() not in ("yaml", "yml") or not stem:
        return None
    if extension != "yaml":
        return f"data files end in `.yaml`; rename it to {stem}.yaml"
    if parts[0] in ("accounts", "handovers"):
        return f"{parts[0]} files sit directly in {parts[0]}/; move it there"
    return (
        "funnel reads funnel.yaml, team.yaml, targets.yaml, accounts/*.yaml, "
        "deals/**/*.yaml and handovers/*.yaml; move or remove this file"
    )


def read_text(
    entry: FileEntry,
    path: str,
    limit: int,
    problems: list[Problem],
    known_clean: Callable[[str], bool] | None = None,
) -> tuple[str, str | None] | None:
    """The file's text and its content's blob id (None when the text has problems, or without
    `known_clean`: nothing is cached), or None when it is over `limit` bytes, unreadable, or
    not UTF-8 text (each reported). Content that `known_clean` says was read before without
    problems is only decoded."""
    if entry.size > limit:
        problems.append(
            error(
                path,
                1,
                1,
                f"the file is {entry.size:,} bytes, over the limit of {limit:,} "
                "(rules.max_file_bytes in funnel.yaml): split it or raise the limit",
            )
        )
        return None
    data = entry.content
    if data is None:
        try:
            data = _read_bytes(entry.absolute, entry.size)  # its size was found under the limit
        except OSError as exc:
            problems.append(error(path, 1, 1, f"cannot read the file: {exc.strerror}"))
            return None
    from .strictyaml import BOM, check_text  # YAML's own reader: only for a file to read

    blob = None if known_clean is None else entry.blob or blob_id(data)  # no cache, no key
    if blob is not None and known_clean is not None and known_clean(blob):
        return data.removeprefix(BOM).decode("utf-8"), blob
    text, found = check_text(data, path)
    problems.extend(found)
    if text is None:
        return None
    return text, None if found else blob

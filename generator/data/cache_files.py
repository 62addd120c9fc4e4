"""The cache files under `.git/funnel/`: each written whole or not at all; and a file of pickled
values by key that a save rewrites in part (`Tailed`): a base, written whole now and then, and a
tail of what changed since (the values added or replaced, the keys dropped).

A build after one commit changes a few of thousands of entries (a deal's record among 12,000,
a hundred pages' Markdown or heads among 13,000): the tail is written, not the 15 to 50 MB of
the base. A tail counts only with the very base it was written after (each writing of a base
has an id of its own), so a base written anew by another process is never read with an older
tail. What cannot be read is nothing: the cache starts empty and is filled again.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, BinaryIO

BASE, TAIL = "base-1", "tail-1"
"""The first item of each file: which of the two it is, in this format."""
SHARE = 2
"""A tail holds up to half the base's bytes; a save that would make it longer writes a new
base."""
KEY_BYTES = 64
"""What a dropped key counts for in the tail's length (a save that drops most of a base's
entries writes a new one)."""


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file beside it, renamed over
    it), creating its folder: the caches in `.git/funnel/` are never half written."""
    _whole(path, lambda handle: handle.write(data))


def pickle_whole(path: Path, value: object) -> None:
    """Pickle `value` into `path` whole or not at all (see `write_whole`), streamed: no copy
    of the whole pickle is held in memory (a cache of 100,000 pages' heads is 500 MB)."""
    _whole(path, lambda handle: pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL))


def _whole(path: Path, write: Callable[[BinaryIO], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            write(handle)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


class Tailed:
    """The entries kept in `file` (the base) and in the tail beside it (`file` + `.tail`)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.tail_file = file.with_name(f"{file.name}.tail")
        self.base: dict[Hashable, bytes] = {}
        """The entries as the base file holds them (the tail's not applied)."""
        self.base_id = b""
        self.base_bytes = 0

    def read(self) -> dict[Any, bytes]:
        """The entries: the base's, with the tail's changes when the tail is of that base;
        nothing when the base is missing or cannot be read."""
        base = _load(self.file)
        if not (isinstance(base, tuple) and len(base) == 3 and base[0] == BASE):
            return {}
        _, base_id, entries = base
        if not _entries(entries) or not isinstance(base_id, bytes):
            return {}
        self.base, self.base_id = entries, base_id
        self.base_bytes = sum(map(len, entries.values()))
        tail = _load(self.tail_file)
        if not (isinstance(tail, tuple) and len(tail) == 4 and tail[:2] == (TAIL, base_id)):
            return dict(entries)
        _, _, added, dropped = tail
        if not _entries(added) or not isinstance(dropped, list):
            return dict(entries)
        gone = set(dropped)
        found = {key: value for key, value in entries.items() if key not in gone}
        found.update(added)
        return found

    def write(self, entries: dict[Any, bytes]) -> None:
        """Keep `entries` (all of them, as they are now): their changes since the base into
        the tail, or all of them into a new base when the tail would be too long. Raises
        OSError when the folder cannot be written."""
        base = self.base
        added = {
            key: value
            for key, value in entries.items()
            if (old := base.get(key)) is not value and old != value
        }
        dropped = [key for key in base if key not in entries]
        length = sum(map(len, added.values())) + KEY_BYTES * len(dropped)
        if self.base_id and length * SHARE <= self.base_bytes:
            pickle_whole(self.tail_file, (TAIL, self.base_id, added, dropped))
            return
        base_id = os.urandom(8)
        pickle_whole(self.file, (BASE, base_id, entries))
        self.tail_file.unlink(missing_ok=True)  # of the base before: never read with this one
        self.base, self.base_id = dict(entries), base_id
        self.base_bytes = sum(map(len, entries.values()))

    def let_go(self) -> None:
        """Hold the base's entries no more (a caller done with them: a build's memo, 300 MB
        at 100,000 deals); a later write writes a new base."""
        self.base, self.base_id, self.base_bytes = {}, b"", 0

    def remove(self) -> None:
        """Delete both files."""
        self.file.unlink(missing_ok=True)
        self.tail_file.unlink(missing_ok=True)
        self.base, self.base_id, self.base_bytes = {}, b"", 0


def _load(file: Path) -> Any:
    try:
        with file.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, or any damage: nothing
        return None


def _entries(value: Any) -> bool:
    """Whether `value` is a dict of pickled values, as the files hold them."""
    return isinstance(value, dict) and all(type(item) is bytes for item in value.values())

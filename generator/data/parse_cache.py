"""Records of files already read and found valid, kept by what was read.

A file's record depends on its bytes, its path (a deal's id and path come from it) and its
kind, and on the code that reads it. The key is the kind, the path as messages show it and the
content's git blob id; the cache file's name carries a digest of the reader's own source and
of pydantic's version, so a change of the code starts a new cache and never reads an old one.
Only files that were read without any problem are kept: a file with errors is read again each
time, so every message stays exact. What cannot be read (a cache from elsewhere, a truncated
file) is ignored, and everything is read again.

The cache is kept as a base and a tail of the changes since (see `cache_files.Tailed`): a
build after a commit adds a few records to twelve thousand, and writes those.

The caller chooses the folder (`.git/funnel/` of the data's repository): never the working
tree.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache_files import Tailed

if TYPE_CHECKING:
    from .model import Record
    from .strictyaml import KeyPath

CacheKey = tuple[str, str, str]
"""(record kind, path as messages show it, git blob id of the content); for a whole check's
problems, ("CheckResult", digest of its inputs, ""); for the files known by their size and
times, BLOBS."""
BLOBS: CacheKey = ("Blobs", "", "")
"""The key of the files known by their size and times (see `ParseCache.known_blob`)."""
SETTLE_NS = 1_000_000_000
"""How long ago a file must have last changed for its size and times to tell its content."""
KEEP_UNUSED = 5000
"""Besides the entries a load used, this many others are kept (past days, other branches)."""


def blob_id(content: bytes) -> str:
    """The git blob id of `content` (what `git hash-object` prints): the same key whether a
    file is read from the working tree or from a commit."""
    digest = hashlib.sha1(b"blob %d\0" % len(content), usedforsecurity=False)
    digest.update(content)
    return digest.hexdigest()


def code_digest() -> str:
    """A digest of everything a record depends on besides the file: the data package's
    source, pydantic's version (its `version.py`) and Python's."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    pydantic = find_spec("pydantic")  # its version file, read without importing it
    if pydantic is not None and pydantic.origin is not None:
        digest.update(Path(pydantic.origin).with_name("version.py").read_bytes())
    digest.update(f"{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:16]


class ParseCache:
    """The records of valid files by (kind, path, blob id), loaded from and saved to one file
    in `folder`; `save` keeps what this load used and a bounded number of others."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / f"parsed-{code_digest()}.pickle"
        self.kept = Tailed(self.file)
        self.entries: dict[CacheKey, bytes] = self.kept.read()
        """Each record (or check result) pickled on its own: a load unpickles only what it
        asks for."""
        self.used: dict[CacheKey, bytes] = {}
        self.added = 0
        self.texts: dict[str, tuple[int, tuple[int, int, int], str, str]] = {}
        """By file on disk: its size, change times and inode when it was read, its text and
        blob id; kept in memory only, for files last changed before `settled`."""
        self.settled = 0
        """Files whose last change (ctime) is before this moment (nanoseconds since the
        epoch, given by the caller: see `settle`) may be known by their size and times."""
        self.blobs: dict[str, tuple[int, tuple[int, int, int], str]] | None = None
        """By file on disk: its size, change times and inode, and its blob id, for the files
        of the last check that were settled (see `known_blob`); read when first asked."""
        self.read: dict[CacheKey, Any] = {}
        """What was unpickled or put: asked again (`funnel serve` keeps one cache between its
        checks), the very same object comes back, so a caller can tell unchanged records by
        identity."""

    def settle(self, now_ns: int) -> None:
        """Let files last changed a second or more before `now_ns` (the caller's clock) be
        known next time by their size, times and inode, without reading them. A file written
        within that second is read again next time (its times might not tell a second write
        within the same tick of the file system's clock)."""
        self.settled = now_ns - SETTLE_NS

    def _settled(self, changed: tuple[int, int, int]) -> bool:
        """Whether a file with these times last changed before `settled` (a file read from a
        commit has no times: 0)."""
        return 0 < changed[0] < self.settled

    def known_text(
        self, absolute: str, size: int, changed: tuple[int, int, int]
    ) -> tuple[str, str] | None:
        """The text and blob id of a file read before, if it is unchanged since (same size,
        times and inode) and was already settled then; else None (read it)."""
        known = self.texts.get(absolute)
        if known is None or known[0] != size or known[1] != changed:
            return None
        return known[2], known[3]

    def note_text(
        self, absolute: str, size: int, changed: tuple[int, int, int], text: str, blob: str
    ) -> None:
        """Remember the text of a file read without problems in its text, when it was last
        changed before `settled` (see `settle`)."""
        if self._settled(changed):
            self.texts[absolute] = (size, changed, text, blob)
        else:
            self.texts.pop(absolute, None)

    def known_blob(self, absolute: str, size: int, changed: tuple[int, int, int]) -> str | None:
        """The blob id of a file on disk checked before, when it is unchanged since (same
        size, times and inode) and was already settled then (see `settle`); else None."""
        known = self._blobs().get(absolute)
        if known is None or known[0] != size or known[1] != changed:
            return None
        return known[2]

    def keep_blobs(self, files: list[tuple[str, int, tuple[int, int, int], str]]) -> bool:
        """Know these files (path on disk, size, times and inode, blob id) by their size and
        times from now on, those last changed before `settled` (see `settle`): the files a
        check just saw. Whether that changed what is known (then `save` writes it)."""
        blobs = {
            absolute: (size, changed, blob)
            for absolute, size, changed, blob in files
            if self._settled(changed)
        }
        if blobs == self._blobs():
            return False
        self.blobs = blobs
        self.put(BLOBS, blobs)
        return True

    def _blobs(self) -> dict[str, tuple[int, tuple[int, int, int], str]]:
        if self.blobs is None:
            kept = self._kept(BLOBS)
            self.blobs = kept if isinstance(kept, dict) else {}
        return self.blobs

    def has(self, key: CacheKey) -> bool:
        """Whether a record is kept for `key` (its content was read without problems)."""
        return key in self.entries

    def count(self, kind: str) -> int:
        """How many records of this kind are kept."""
        return sum(1 for key in self.entries if key[0] == kind)

    def get(self, key: CacheKey) -> Record | None:
        """The record kept for `key`, or None."""
        record: Record | None = self._kept(key)
        return record

    def _kept(self, key: CacheKey) -> Any:
        """What is kept for `key` (a record, or a check's findings), or None."""
        kept = self.entries.get(key)
        if kept is None:
            return None
        value = self.read.get(key)
        if value is None:
            try:
                value = pickle.loads(kept)
            except Exception:  # damaged: read or checked again
                return None
            self.read[key] = value
        self.used[key] = kept
        return value

    def put(self, key: CacheKey, value: object, pickled: bytes | None = None) -> None:
        """Keep the record of a file read without problems (or a check's findings);
        `pickled`: `value` pickled already (by another process)."""
        kept = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) if pickled is None else pickled
        self.entries[key] = kept
        self.used[key] = kept
        self.read[key] = value
        self.added += 1

    def places(self, path: str, blob: str) -> dict[tuple[KeyPath, bool], tuple[int, int]]:
        """Where values (and keys: True) of the content `blob` at `path` were found before
        (line, column): a problem reported again is not located by reading the file again."""
        places = self._kept(("Places", path, blob))
        return places if isinstance(places, dict) else {}

    def keep_places(
        self, path: str, blob: str, places: dict[tuple[KeyPath, bool], tuple[int, int]]
    ) -> None:
        """Keep where values of the content `blob` at `path` are (see `places`)."""
        self.put(("Places", path, blob), places)

    def judgements(self, key: str) -> dict[str, tuple[tuple[str, str], list[Any]]]:
        """By deal, the blob ids of its file and its account's and the problems its rules
        across files found, as a check kept them under `key` (what all deals share: see
        `deal_rules`)."""
        kept = self._kept(("Judged", key, ""))
        return kept if isinstance(kept, dict) else {}

    def keep_judgements(
        self, key: str, judgements: dict[str, tuple[tuple[str, str], list[Any]]]
    ) -> None:
        """Keep the deals' judgements under `key` (see `judgements`), when they changed."""
        if judgements != self.judgements(key):
            self.put(("Judged", key, ""), judgements)

    def result(self, key: str) -> Any:
        """The findings a whole check kept under `key` (see `unchanged.result_key`), or None."""
        return self._kept(("CheckResult", key, ""))

    def keep_result(self, key: str, value: object) -> None:
        """Keep a whole check's findings under `key`, and write the cache."""
        self.put(("CheckResult", key, ""), value)
        self.save()

    def save(self) -> None:
        """Write the cache when this load added to it or it holds too much: what this load
        used and a bounded number of others (as a tail of the base when it can: see
        `cache_files.Tailed`); a folder that cannot be written is left alone (the files are
        read again next time)."""
        unused = len(self.entries) - len(self.used)
        if not self.added and unused <= KEEP_UNUSED:
            return
        others = [key for key in self.entries if key not in self.used][-KEEP_UNUSED:]
        kept = {key: self.entries[key] for key in others}
        kept.update(self.used)  # the files of this load last: the newest
        try:
            for old in self.folder.glob("parsed-*"):
                if old not in (self.file, self.kept.tail_file):
                    old.unlink(missing_ok=True)  # written by another version of the code
            self.kept.write(kept)
        except OSError:
            return
        self.entries, self.added = kept, 0
        self.read = {key: value for key, value in self.read.items() if key in kept}

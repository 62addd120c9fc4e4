"""Pages made before, by the hash of what they were made from.

A page's Markdown is a function of its template, its path and the values the template is given
(a deal's view and timeline, a rep's review ...), and of what every page shares: the site's
code and templates, its words, the as-of date, the funnel's currency and rules, the names a
change is told with, and the versions of Jinja2, Markdown, nh3 and pypinyin. `PageMemo` keeps
each page's Markdown under a digest of all of that, so a rebuild renders again only the pages
whose inputs changed; the values are read whole (every field of every record, in order), never
by identity alone.

A value the digest cannot read exactly (a function, an object of an unknown kind) makes the
page uncacheable: it is rendered every time. Values given to pages are not changed while the
pages are made (the site's code builds them first), so a value shared by many pages, such as
the titles of all deals, is read once per build.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import pickle
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..data.cache_files import Tailed

FORMAT = 1
MEMO_FILE = f"markdown-v{FORMAT}.pickle"
PACKAGE = Path(__file__).resolve().parent.parent
CODE = tuple(PACKAGE / part for part in ("data", "history", "analytics", "site"))
"""The code a page's Markdown comes from: the core, up to the site (not the command line or the
MkDocs plugin, which only pass its inputs)."""
DISTRIBUTIONS = ("jinja2", "markupsafe", "markdown", "nh3", "pypinyin", "pydantic")
LEAVES = (str, int, float, bool, Decimal, date, datetime, Enum, type(None))
EXACT_LEAVES = frozenset({str, int, float, bool, Decimal, date, datetime, type(None)})
SHORT = 64
"""A part of a digest longer than this is itself hashed (the digest stays small)."""


class RenderedParts(dict[str, object]):
    """Parts rendered once for several pages of a build (a rep's week on their page and on their
    manager's): made from those pages' other inputs, so never an input itself. It fills while
    the pages are made; the digest reads it as its kind alone."""


class Unkeyable(Exception):
    """A value the digest cannot read exactly: the page is rendered every time."""


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


class Digest:
    """The digests of the values given to pages in one build.

    Records (dataclasses, pydantic models) and containers are read field by field, in order;
    one read several times in a build (the same object) is read once.
    """

    def __init__(self) -> None:
        self._seen: dict[int, tuple[object, str]] = {}
        self._how: dict[type, tuple[str, ...] | str] = {}
        """How each kind of value is read (see `_how_to_read`)."""

    def know(self, records: Iterable[object], blobs: Mapping[str, str]) -> None:
        """Read each of these records of data files as its kind, its file's path and content
        (blob id) instead of field by field: a record is made from those alone (the parse
        cache keeps records by them too). Only these very objects: a copy with other values
        is read field by field."""
        for record in records:
            path = getattr(record, "path", None)
            blob = blobs.get(path) if isinstance(path, str) else None
            if blob is not None:
                self.name(record, f"{type(record).__qualname__}@{path}@{blob}")

    def name(self, value: object, text: str) -> None:
        """Read this very object as `text` from now on: for a value made from `text`'s inputs
        alone (a record from its file, a rep's week from the commits up to its end)."""
        self._seen[id(value)] = (value, "#" + _hash(text))

    def of(self, value: object) -> str:
        """A stable text for `value`: the same for equal values, in any process."""
        kind = type(value)
        if kind in EXACT_LEAVES:
            return repr(value)
        seen = self._seen.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
        if isinstance(value, LEAVES):
            return repr(value)
        if isinstance(value, RenderedParts):
            return RenderedParts.__qualname__
        text = self._read(value, kind)
        if len(text) > SHORT:
            text = "#" + _hash(text)
        self._seen[id(value)] = (value, text)  # held: the id is not reused in this build
        return text

    def _read(self, value: Any, kind: type) -> str:
        how = self._how.get(kind)
        if how is None:
            how = self._how[kind] = _how_to_read(kind)
        of = self.of
        if type(how) is tuple:
            parts = [f"{name}={of(getattr(value, name))}" for name in how]
        elif how == _SEQUENCE:
            parts = [of(item) for item in value]
        elif how == _MODEL:
            parts = [f"{name}={of(item)}" for name, item in value.__dict__.items()]
            extra = value.__pydantic_extra__ or {}
            parts += [f"+{name}={of(item)}" for name, item in extra.items()]
        elif how == _MAPPING:
            parts = [f"{of(key)}:{of(item)}" for key, item in value.items()]
        elif how == _SET:
            parts = sorted(of(item) for item in value)
        else:
            raise Unkeyable(kind.__qualname__)
        return f"{kind.__qualname__}({','.join(parts)})"


def pickled_name(value: object) -> str | None:
    """A name for `value` by its pickle (see `Digest.name`): exact (the pickle gives the value
    back whole) and read in C, for a record of plain values made afresh in some builds and
    read back from the memo in others. Pickled without the pickler's memo, so equal values
    that are not the same objects (a string made again as a record is read back) pickle
    alike. None for a value that holds itself or does not pickle. No sets: their order changes
    from one process to the next."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: the bytes follow the value, not its objects
    try:
        pickler.dump(value)
    except Exception:  # it holds itself, or something that does not pickle
        return None
    digest = hashlib.blake2b(out.getbuffer(), digest_size=20).hexdigest()
    return f"{type(value).__qualname__}:{digest}"


_MODEL, _MAPPING, _SEQUENCE, _SET = "model", "mapping", "sequence", "set"


def _how_to_read(kind: type) -> tuple[str, ...] | str:
    """How the digest reads a value of `kind`: a dataclass by the names of its fields, in
    order; a pydantic model, a mapping, a list or tuple, a set by their kind; anything else
    not at all (empty)."""
    if issubclass(kind, BaseModel):
        return _MODEL
    if is_dataclass(kind):
        return tuple(item.name for item in fields(kind))
    if issubclass(kind, Mapping):
        return _MAPPING
    if issubclass(kind, list | tuple):
        return _SEQUENCE
    if issubclass(kind, set | frozenset):
        return _SET
    return ""


def shared_digest(templates: list[Path], *values: object) -> str:
    """What every page of a build depends on: the package's code, the template folders, the
    versions of what renders, and `values` (words, date, currency, rules, names ...)."""
    texts = [str(FORMAT), *installed_versions(DISTRIBUTIONS)]
    texts += [folder_hash(folder) for folder in [*CODE, *templates]]
    reader = Digest()
    texts += [reader.of(value) for value in values]
    return _hash("\n".join(texts))


def installed_versions(names: Iterable[str]) -> list[str]:
    """`name==version` of each installed distribution (`name missing` for one that is not)."""
    versions = []
    for name in names:
        try:
            versions.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} missing")
    return versions


def folder_hash(folder: Path) -> str:
    """A hash of the names and bytes of every file under `folder` (compiled Python left out);
    of nothing when it is not a folder."""
    lines = []
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                lines.append(f"{path.relative_to(folder).as_posix()}:{file_hash(path)}")
    return _hash("\n".join(lines))


def file_hash(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=20).hexdigest()


PICKLED = pickle.dumps(None, protocol=pickle.HIGHEST_PROTOCOL)[:1]
"""How a pickle begins (a packed page begins with zlib's header, never so)."""


def pack(text: str) -> bytes:
    """A page's text as the site holds it until MkDocs reads it: its UTF-8, compressed at
    zlib's fastest level (a fifth of the UTF-8, a tenth of Python's text for Chinese)."""
    return zlib.compress(text.encode("utf-8"), 1)


def unpack(packed: bytes) -> str:
    """The text that `pack` packed."""
    return zlib.decompress(packed).decode("utf-8")


@dataclass
class PageMemo:
    """The Markdown of pages (packed: see `pack`) by the digest of their inputs, read from
    and saved to `folder` (inside `.git/`) when there is one; and, pickled, what several pages
    are made from (a week's reviews) by the digest of its own inputs."""

    folder: Path | None = None
    made: dict[str, bytes] = field(default_factory=dict)
    used: dict[str, bytes] = field(default_factory=dict)
    hits: int = 0
    rendered: int = 0
    kept: Tailed | None = field(default=None, repr=False, compare=False)
    """The file of `folder` the memo is read from and saved to."""

    @classmethod
    def load(cls, folder: Path | None) -> PageMemo:
        """The memo saved in `folder` (an empty one when there is none or it is unreadable:
        missing, damaged or an earlier version's, and every page is rendered)."""
        memo = cls(folder)
        if folder is not None:
            memo.kept = Tailed(folder / MEMO_FILE)
            memo.made = memo.kept.read()
        return memo

    def start(self) -> None:
        """A new build: what the last one used is what this one may find."""
        if self.used:
            self.made = self.used
        self.used, self.hits, self.rendered = {}, 0, 0

    def get(self, key: str) -> bytes | None:
        """The Markdown made for `key` (packed), if any."""
        packed = self.made.get(key)
        if not isinstance(packed, bytes) or packed[:1] == PICKLED:
            return None
        self.used[key] = packed
        self.hits += 1
        return packed

    def put(self, key: str, packed: bytes) -> None:
        """Keep the Markdown just made for `key` (packed: see `pack`)."""
        self.used[key] = packed
        self.rendered += 1

    def recall(self, key: str) -> object | None:
        """What `keep` kept for `key`, if any (None when it cannot be read)."""
        kept = self.made.get(key)
        if not isinstance(kept, bytes) or kept[:1] != PICKLED:
            return None
        try:
            value: object = pickle.loads(kept)
        except Exception:  # damaged: made again
            return None
        self.used[key] = kept
        return value

    def keep(self, key: str, value: object) -> None:
        """Keep `value` (plain records, pickled) for `key`."""
        self.used[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def keep_unread(self, key: str) -> None:
        """Keep for the next build what a build before kept for `key`, without reading it (a
        value this build had no need of, which a later one may)."""
        kept = self.made.get(key)
        if kept is not None:
            self.used[key] = kept

    def save(self) -> None:
        """Write the pages this build used (the others are forgotten), whole or not at all:
        what changed since the file was last written whole, when that is little (see
        `Tailed`); each page is packed already, so no copy of every page is made at once. A
        build saves its memo once, at its end: the entries read are let go of."""
        if self.kept is None:
            return
        with contextlib.suppress(OSError):  # nothing kept: the next build renders every page
            self.kept.write(self.used)
        self.kept.let_go()


def page_key(
    shared: str, reader: Digest, template: str, path: str, values: Mapping[str, object]
) -> str:
    """The key of one page: the build's shared digest, its template, path and values."""
    parts = [shared, template, path]
    parts += [f"{name}={reader.of(value)}" for name, value in sorted(values.items())]
    return _hash("\n".join(parts))

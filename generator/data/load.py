"""Load data/: find the files, read each strictly, and validate it against its model.

`load(root)` returns a `Dataset` and the problems of every file, all at once. Files are
checked before they are read (see `files`). A dataset whose check found no errors becomes a
`ValidDataset` (`Dataset.valid()`): the funnel and the team are certain there.
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from .field_errors import describe_errors
from .files import (
    DataDirError,
    FileEntry,
    FilePaths,
    Texts,
    classify,
    display_path,
    ignored,
    listed,
    read_text,
    walk,
)
from .forked import Theirs
from .model import (
    Account,
    AccountParts,
    Deal,
    DealParts,
    FileKind,
    Funnel,
    Handover,
    Record,
    Rules,
    Targets,
    Team,
)
from .parse_cache import ParseCache
from .problems import Problem, error, warning
from .strictyaml import KeyPath, Marks, locate, parse
from .values import ID_PATTERN, is_id, slug

DEFAULT_MAX_BYTES = Rules().max_file_bytes


class IncompleteDataset(Exception):
    """funnel.yaml or team.yaml could not be read: nothing can be computed without them."""


@dataclass
class Dataset:
    """Everything under data/ that passed its own file's checks."""

    root: Path
    display: str
    funnel: Funnel | None = None
    team: Team | None = None
    targets: Targets | None = None
    accounts: dict[str, Account] = field(default_factory=dict)
    deals: dict[str, Deal] = field(default_factory=dict)
    handovers: dict[str, Handover] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)
    """Ids of accounts and deals whose files exist but have errors (not re-reported)."""
    broken_accounts: dict[str, AccountParts] = field(default_factory=dict)
    broken_deals: dict[str, DealParts] = field(default_factory=dict)
    """What can still be read of the account and deal files with errors, for the rules
    across files: one check reports every independent problem of a file."""
    found: dict[str, list[str]] = field(default_factory=dict)
    """The path (as messages name it) of every file of each kind, valid or not."""
    texts: Texts = field(default_factory=Texts, repr=False)
    """The text of each file read (see `Texts`: some are read only if a problem is placed)."""
    files: FilePaths = field(default_factory=FilePaths, repr=False)
    """The file on disk behind each path that messages name."""
    blobs: dict[str, str] = field(default_factory=dict, repr=False)
    """The git blob id of each file read without problems in its text, by path."""
    seen: list[tuple[str, int, tuple[int, int, int], str]] = field(default_factory=list, repr=False)
    """Each file on disk read without problems in its text: where, its size, times and inode,
    and its blob id (for `ParseCache.keep_blobs`)."""
    cache: ParseCache | None = field(default=None, repr=False, compare=False)
    """Where the places of values found before in the same content are kept."""
    _marks: dict[str, Marks] = field(default_factory=dict, repr=False)

    def path(self, relative: str) -> str:
        """How a file under the data folder is named in messages (`data/funnel.yaml`)."""
        return display_path(self.display, relative)

    def where(self, path: str, loc: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of a value (or its key) in one of the loaded files."""
        blob, cache = self.blobs.get(path), self.cache
        places = {} if cache is None or blob is None else cache.places(path, blob)
        place = places.get((loc, key))
        if place is not None:
            return place
        text = self.texts.get(path)  # read now when it was not (see `Texts`)
        if text is None:
            return 1, 1
        if path not in self._marks:
            self._marks[path] = locate(text)
        marks = self._marks[path]
        place = marks.key(loc) if key else marks.value(loc)
        if cache is not None and blob is not None:  # a file's places are found once
            cache.keep_places(path, blob, {**places, (loc, key): place})
        return place

    def error_at(self, path: str, loc: KeyPath, message: str, *, key: bool = False) -> Problem:
        """An error at a value (or its key) of one of the loaded files."""
        line, column = self.where(path, loc, key=key)
        return error(path, line, column, message)

    def warning_at(self, path: str, loc: KeyPath, message: str) -> Problem:
        """A warning at a value of one of the loaded files."""
        line, column = self.where(path, loc)
        return warning(path, line, column, message)

    def valid(self) -> ValidDataset:
        """The same data as a ValidDataset, once its check found no errors; raises
        IncompleteDataset when the funnel or the team is missing."""
        if self.funnel is None or self.team is None:
            missing = "funnel.yaml" if self.funnel is None else "team.yaml"
            raise IncompleteDataset(f"{self.path(missing)} is missing or invalid: run funnel check")
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        return ValidDataset(**values)


@dataclass
class ValidDataset(Dataset):
    """A dataset whose funnel and team were read: what commands and analytics receive."""

    funnel: Funnel
    team: Team


@dataclass(frozen=True)
class _Salvage:
    """The top-level values of a file with errors, and the fields among them that were refused."""

    value: dict[str, Any]
    refused: frozenset[str]


_Model = TypeVar("_Model", bound=Record)

Read = tuple[str | None, str | None]
"""A file's text (None: unread, its record kept) and its content's blob id (None when its text
has problems, or nothing is cached)."""

SPLIT_FROM = 1000
"""A kind with this many files or more that the parse cache does not know is read by two
processes (`forked.Theirs`); fewer are not worth a fork."""
MINE = 0.5
"""The share of those files this process reads, parses and validates itself: it also takes
the other's records (pickled there, as the parse cache keeps them)."""


@dataclass(frozen=True)
class _Made:
    """A file's record as the other process made it: pickled (None: the file is invalid, and
    `salvage` is what can still be read of it), and whether the parse cache may keep it (no
    problem in its text)."""

    pickled: bytes | None
    salvage: _Salvage | None
    clean: bool


@dataclass(frozen=True)
class _Ready:
    """What is worked out of one file before it meets the load (in either process): its text
    and blob id (None when it cannot be read), the problems found in it, and its record (None
    when unread or when the cache holds it)."""

    read: Read | None
    problems: list[Problem]
    made: _Made | None


def _validate_file(
    text: str,
    path: str,
    model: type[_Model],
    problems: list[Problem],
    extra: dict[str, str] | None = None,
) -> tuple[_Model | None, _Salvage | None]:
    """The file's record, or None and (when it holds fields at all) what is left to salvage."""
    flagged: set[KeyPath] = set()
    value, found = parse(text, path, flagged=flagged)
    problems.extend(found)
    if value is None and found:
        return None, None
    if not isinstance(value, dict):
        what = "a list" if isinstance(value, list) else "a single value"
        problems.append(error(path, 1, 1, f"the file must hold `field: value` lines, not {what}"))
        return None, None
    refused = {str(loc[0]) for loc in flagged if loc and loc[0] != "<<"}
    if extra:
        for key in extra:
            if key in value:
                line, column = locate(text).key((key,))
                message = f"unknown field `{key}`: the {key} comes from the file name; remove it"
                problems.append(error(path, line, column, message))
                refused.add(key)
        if refused & extra.keys():
            return None, _Salvage(value, frozenset(refused))
        value = {**value, **extra}
    try:
        record = model.model_validate(value)
    except ValidationError as exc:
        problems.extend(describe_errors(exc, model, path, locate(text), flagged))
        refused |= {
            str(item["loc"][0])
            for item in exc.errors(include_url=False)
            if item["loc"] and item["type"] != "missing"
        }
        return None, _Salvage(value, frozenset(refused))
    if found:
        return None, _Salvage(value, frozenset(refused))
    return record, None


@cache
def _field_adapter(model: type[Record], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[annotation, *info.metadata]
    return TypeAdapter(annotation, config=ConfigDict(strict=True))


def _valid_fields(model: type[Record], salvage: _Salvage) -> dict[str, Any]:
    """Each top-level field of a file with errors that is valid on its own."""
    valid = {}
    for name, raw in salvage.value.items():
        if name in salvage.refused or name not in model.model_fields:
            continue
        try:
            valid[name] = _field_adapter(model, name).validate_python(raw)
        except ValidationError:
            continue
    return valid


_DEAL_PARTS = frozenset(part.name for part in fields(DealParts)) - {"id", "path", "refused"}


def _stem(path: str) -> str:
    """The id of a deal, account or handover: its file's name without `.yaml`."""
    return path.rsplit("/", 1)[-1].removesuffix(".yaml")


def _deal_parts(stem: str, path: str, salvage: _Salvage) -> DealParts:
    valid = _valid_fields(Deal, salvage)
    parts = {name: value for name, value in valid.items() if name in _DEAL_PARTS}
    if "log" in parts:
        parts["log"] = tuple(parts["log"])
    return DealParts(id=stem, path=path, refused=salvage.refused, **parts)


def _account_parts(stem: str, path: str, salvage: _Salvage) -> AccountParts:
    valid = _valid_fields(Account, salvage)
    contacts = valid.get("contacts")
    return AccountParts(
        id=stem,
        path=path,
        territory=valid.get("territory"),
        contacts=tuple(contacts) if contacts is not None else None,
    )


def load(
    root: Path | str,
    display: str | None = None,
    *,
    cache: ParseCache | None = None,
    entries: list[FileEntry] | None = None,
) -> tuple[Dataset, list[Problem]]:
    """Read and validate every file under `root` (or the given `entries`, read from a commit);
    return what is valid and every problem. With `cache`, a file read before without problems
    is not parsed again (see `parse_cache`); the caller saves the cache (`check` does, once,
    after the rules across files have placed their problems too)."""
    # Loading builds many small objects and no cycles: the cyclic collector would only
    # rescan them again and again (a third of the time at 100,000 deals).
    enabled = gc.isenabled()
    gc.disable()
    try:
        dataset, problems = _load(Path(root), display, cache, entries)
    finally:
        if enabled:
            gc.enable()
    return dataset, problems


def _load(
    root: Path, display: str | None, cache: ParseCache | None, entries: list[FileEntry] | None
) -> tuple[Dataset, list[Problem]]:
    display = str(root) if display is None else display
    if entries is None and not root.is_dir():
        raise DataDirError(f"no data folder at {display}: pass --data DIR")
    loader = _Loader(Dataset(root=root, display=display, cache=cache), cache=cache)
    if entries is None:
        found = walk(root, display, loader.problems)
    else:
        found = listed(entries, display, loader.problems)
    by_kind = loader.sort(found)
    for entry in by_kind["funnel"]:
        loader.dataset.funnel = loader.record(entry, Funnel)
    if loader.dataset.funnel:
        loader.limit = loader.dataset.funnel.rules.max_file_bytes
    for entry in by_kind["team"]:
        loader.dataset.team = loader.record(entry, Team)
    for entry in by_kind["targets"]:
        loader.dataset.targets = loader.record(entry, Targets)
    loader.records("account", by_kind["account"], Account, loader.dataset.accounts)
    loader.records("deal", by_kind["deal"], Deal, loader.dataset.deals)
    loader.records("handover", by_kind["handover"], Handover, loader.dataset.handovers)
    return loader.dataset, loader.problems


@dataclass
class _Loader:
    """One load of the data folder: the dataset it fills, its problems, the size cap."""

    dataset: Dataset
    problems: list[Problem] = field(default_factory=list)
    limit: int = DEFAULT_MAX_BYTES
    cache: ParseCache | None = None

    def sort(self, entries: list[FileEntry]) -> dict[FileKind, list[FileEntry]]:
        """The files of each kind; the others are ignored with a warning that says why, and
        a missing funnel.yaml or team.yaml is an error."""
        display = self.dataset.display
        by_kind: dict[FileKind, list[FileEntry]] = {
            "funnel": [], "team": [], "targets": [], "account": [], "deal": [], "handover": []
        }  # fmt: skip
        for entry in entries:
            found = classify(entry.relative)
            if found:
                by_kind[found].append(entry)
                continue
            reason = ignored(entry.relative)
            if reason:
                path = display_path(display, entry.relative)
                self.problems.append(warning(path, 1, 1, f"ignored: {reason}"))
        self.dataset.found = {
            kind: [display_path(display, entry.relative) for entry in entries]
            for kind, entries in by_kind.items()
        }
        required: tuple[tuple[FileKind, str], ...] = (
            ("funnel", "funnel.yaml"),
            ("team", "team.yaml"),
        )
        for kind, name in required:
            if not by_kind[kind]:
                path = display_path(display, name)
                self.problems.append(error(path, 1, 1, f"missing file: create {name} (see README)"))
        return by_kind

    def text(self, entry: FileEntry, path: str, model: type[Record]) -> Read | None:
        """The file's text (kept for locating values later) and its content's blob id (None
        when the text has problems), or None when it cannot be read."""
        read = self._read(entry, path, model, self.problems)
        self._keep(entry, path, read)
        return read

    def _read(
        self, entry: FileEntry, path: str, model: type[Record], problems: list[Problem]
    ) -> Read | None:
        """`text`, the problems into `problems`, with nothing kept (either process reads).
        Content the cache holds a record of was read without problems before: it is only
        decoded."""
        cache = self.cache
        if cache is not None and entry.size <= self.limit:
            read = cache.known_text(entry.absolute, entry.size, entry.changed)
            if read is not None:
                return read
            blob = None  # a file in hand (read whole, or from a commit) is only decoded
            if entry.content is None:
                blob = cache.known_blob(entry.absolute, entry.size, entry.changed)
            if blob is not None and isinstance(cache.get((model.__name__, path, blob)), model):
                return None, blob  # unchanged, and its record kept: its text read if needed
        known = None if cache is None else (lambda b: cache.has((model.__name__, path, b)))
        return read_text(entry, path, self.limit, problems, known)

    def _keep(self, entry: FileEntry, path: str, read: Read | None) -> None:
        """Keep a file's text and blob id as read (see `text`)."""
        if read is None:
            return
        text, blob = read
        if text is None:
            self.dataset.texts.add_later(path, entry.absolute)
        else:
            self.dataset.texts.add(path, text)
            if self.cache is not None and blob is not None:
                self.cache.note_text(entry.absolute, entry.size, entry.changed, text, blob)
        if blob is not None:
            self.dataset.blobs[path] = blob
            if entry.changed[0]:  # on disk
                self.dataset.seen.append((entry.absolute, entry.size, entry.changed, blob))
        self.dataset.files.add(path, entry.absolute)

    def validated(
        self,
        read: Read,
        path: str,
        model: type[_Model],
        extra: dict[str, str] | None = None,
    ) -> tuple[_Model | None, _Salvage | None]:
        """`_validate_file`, or the record the cache kept for the same content and path."""
        text, blob = read
        cache = self.cache if blob else None
        key = (model.__name__, path, blob or "")
        if cache is not None and isinstance(kept := cache.get(key), model):
            return kept, None
        if text is None:  # its record was kept, and cannot be read now
            text = self.dataset.texts[path]
        before = len(self.problems)
        record, salvage = _validate_file(text, path, model, self.problems, extra)
        if cache is not None and record is not None and len(self.problems) == before:
            cache.put(key, record)
        return record, salvage

    def taken(
        self, made: _Made, read: Read, path: str, model: type[_Model]
    ) -> tuple[_Model | None, _Salvage | None] | None:
        """The record the other process made of a file (`_Made`), kept by the cache as it
        was pickled there; None when it is not one of `model` (then it is made here)."""
        record = None if made.pickled is None else pickle.loads(made.pickled)
        if record is not None and not isinstance(record, model):
            return None
        blob = read[1]
        if self.cache is not None and blob and made.clean and made.pickled is not None:
            self.cache.put((model.__name__, path, blob), record, made.pickled)
        return record, made.salvage

    def record(self, entry: FileEntry, model: type[_Model]) -> _Model | None:
        """The record of a file of which there is one (funnel.yaml ...), None when invalid."""
        path = display_path(self.dataset.display, entry.relative)
        read = self.text(entry, path, model)
        return None if read is None else self.validated(read, path, model)[0]

    def records(
        self,
        kind: FileKind,
        entries: list[FileEntry],
        model: type[_Model],
        records: dict[str, _Model],
    ) -> None:
        """The records of a kind with one file each (named by its id), into `records`; of an
        invalid account or deal, what can still be read."""
        named: list[tuple[FileEntry, str]] = []
        first_path: dict[str, str] = {}
        for entry in entries:
            path = display_path(self.dataset.display, entry.relative)
            stem = _stem(entry.relative)
            if self._named_well(kind, stem, path, first_path):
                first_path[stem] = path
                named.append((entry, path))
        known = 0 if self.cache is None else self.cache.count(model.__name__)
        cut = len(named) if len(named) - known < SPLIT_FROM else round(len(named) * MINE)
        theirs = Theirs(named[cut:], lambda part: self._ready(part, model)) if named[cut:] else None
        try:
            for entry, path in named[:cut]:
                self._record(kind, entry, path, model, records, None)
            if theirs is not None:
                for (entry, path), ready in zip(named[cut:], theirs.results(), strict=True):
                    self._record(kind, entry, path, model, records, ready)
        finally:
            if theirs is not None:
                theirs.stop()

    def _record(
        self,
        kind: FileKind,
        entry: FileEntry,
        path: str,
        model: type[_Model],
        records: dict[str, _Model],
        ready: _Ready | None,
    ) -> None:
        """One file's record into `records` (or what can be read of it), from what another
        process made of it (`ready`), or made here."""
        stem = _stem(path)
        if ready is None:
            read = self.text(entry, path, model)
        else:
            self.problems.extend(ready.problems)
            self._keep(entry, path, ready.read)
            read = ready.read
        if read is None:
            self.dataset.invalid.add(stem)
            return
        taken = None
        if ready is not None and ready.made is not None:
            taken = self.taken(ready.made, read, path, model)
        if taken is None:
            taken = self.validated(read, path, model, {"id": stem, "path": path})
        record, salvage = taken
        if record is not None:
            records[stem] = record
            return
        self.dataset.invalid.add(stem)
        if salvage is not None and kind == "deal":
            self.dataset.broken_deals[stem] = _deal_parts(stem, path, salvage)
        elif salvage is not None and kind == "account":
            self.dataset.broken_accounts[stem] = _account_parts(stem, path, salvage)

    def _ready(self, named: Sequence[tuple[FileEntry, str]], model: type[Record]) -> list[_Ready]:
        """Each file read, parsed and validated, with nothing kept: the other process's part
        of a kind, its records pickled (as the parse cache keeps them)."""
        ready = []
        cache = self.cache
        for entry, path in named:
            problems: list[Problem] = []
            read = self._read(entry, path, model, problems)
            made = None
            text, blob = read if read is not None else (None, None)
            if text is not None and (
                cache is None or not blob or not cache.has((model.__name__, path, blob))
            ):
                before = len(problems)
                extra = {"id": _stem(path), "path": path}
                record, salvage = _validate_file(text, path, model, problems, extra)
                pickled = None
                if record is not None:
                    pickled = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
                made = _Made(pickled, salvage, len(problems) == before)
            ready.append(_Ready(read, problems, made))
        return ready

    def _named_well(self, kind: FileKind, stem: str, path: str, seen: dict[str, str]) -> bool:
        """Whether the file's name is a valid id not used before (else an error says so)."""
        if not is_id(stem):
            self.problems.append(
                error(
                    path,
                    1,
                    1,
                    f"the file name `{stem}` is not a valid {kind} id "
                    f"({ID_PATTERN}): rename the file, e.g. `{slug(stem) or 'my-id'}.yaml`",
                )
            )
            return False
        if stem in seen:
            self.problems.append(
                error(
                    path,
                    1,
                    1,
                    f"{kind} id `{stem}` is used twice: here and in {seen[stem]}; "
                    "rename one of the files",
                )
            )
            return False
        return True

"""Load data/: find the files, read each strictly, and validate it against its model.

`load(root)` returns a `Dataset` and the problems of every file, all at once. Files are
checked before they are read: symlinks, special files and files over the size cap are
refused unread.
"""

from __future__ import annotations

import gc
import os
import types
import typing
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from .model import (
    Account,
    AccountParts,
    Deal,
    DealParts,
    Funnel,
    Handover,
    Record,
    Rules,
    Targets,
    Team,
)
from .problems import Problem, did_you_mean, error, warning
from .strictyaml import Marks, check_text, locate, parse
from .values import ID_PATTERN, is_id, slug

DEFAULT_MAX_BYTES = Rules().max_file_bytes


class DataDirError(Exception):
    """The data folder itself is missing or unusable (a usage error, not bad data)."""


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
    texts: dict[str, str] = field(default_factory=dict, repr=False)
    files: dict[str, Path] = field(default_factory=dict, repr=False)
    """The file on disk behind each path that messages name."""
    _marks: dict[str, Marks] = field(default_factory=dict, repr=False)

    def path(self, relative: str) -> str:
        """How a file under the data folder is named in messages (`data/funnel.yaml`)."""
        return _display(self.display, relative)

    def where(self, path: str, loc: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        """Line and column of a value (or its key) in one of the loaded files."""
        text = self.texts.get(path)
        if text is None:
            return 1, 1
        if path not in self._marks:
            self._marks[path] = locate(text)
        marks = self._marks[path]
        return marks.key(loc) if key else marks.value(loc)


def _display(display: str, relative: str) -> str:
    return f"{display.rstrip('/')}/{relative}" if display not in ("", ".") else relative


@dataclass(frozen=True)
class _Entry:
    relative: str
    absolute: str
    size: int


def _walk(root: Path, display: str, problems: list[Problem]) -> list[_Entry]:
    """Every regular file under root, refusing symlinks and special files (not followed)."""
    found: list[_Entry] = []
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
                problems.append(
                    error(
                        _display(display, relative),
                        1,
                        1,
                        "symbolic links are not allowed under the data folder: "
                        "replace it with the file itself",
                    )
                )
            elif entry.is_dir(follow_symlinks=False):
                pending.append(f"{relative}/")
            elif entry.is_file(follow_symlinks=False):
                size = entry.stat(follow_symlinks=False).st_size
                found.append(_Entry(relative, entry.path, size))
            else:
                problems.append(
                    error(
                        _display(display, relative),
                        1,
                        1,
                        "not a regular file (a device, socket or pipe): remove it",
                    )
                )
    found.sort(key=lambda entry: entry.relative)
    return found


def _classify(relative: str) -> str | None:
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


def _ignored(relative: str) -> str | None:
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


def _unwrap(annotation: Any) -> Any:
    """The model class behind Optional[...], list[...] and Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (list, typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            annotation = args[0]
        else:
            return annotation


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, str):
            if not (isinstance(current, type) and issubclass(current, BaseModel)):
                return []
            info = current.model_fields.get(part)
            if info is None:
                return []
            current = _unwrap(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [
            info.alias or name for name, info in current.model_fields.items() if not info.exclude
        ]
    return []


def dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _quoted_example(field_name: str | int, raw: str) -> str:
    if isinstance(field_name, int):
        return f'- "{raw}"'
    return f'{field_name}: "{raw}"'


def _describe(
    exc: ValidationError,
    model: type[Record],
    path: str,
    marks: Marks,
    flagged: set[tuple[str | int, ...]],
) -> list[Problem]:
    problems = []
    for item in exc.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        name = dotted(loc)
        if any(loc[: len(bad)] == bad for bad in flagged) or (
            kind == "missing" and (*loc[:-1], "<<") in flagged
        ):
            continue  # the reader already reported this value
        field_name = str(loc[-1]) if loc else ""
        line, column = marks.value(loc)
        raw = marks.raw(loc)
        if kind == "missing":
            line, column = marks.value(loc[:-1])
            where = f"`{dotted(loc[:-1])}`: " if loc[:-1] else ""
            message = f"{where}missing required field `{field_name}`"
        elif kind == "extra_forbidden":
            line, column = marks.key(loc)
            hint = did_you_mean(field_name, _fields_at(model, loc[:-1]))
            message = f"unknown field `{name}`{hint or ': remove it or check its spelling'}"
        elif kind == "unquoted":
            shown = raw if raw is not None else str(item["input"])
            message = (
                f"`{name}`: unquoted `{shown}` is read as {item['ctx']['kind']}; "
                f"put the text in quotes: {_quoted_example(loc[-1], shown)}"
            )
        elif kind == "unquoted_phone":
            shown = raw if raw is not None else str(item["input"])
            message = (
                f"`{name}`: quote the phone number, or its leading + and zeros are lost: "
                f"{_quoted_example(loc[-1], shown)}"
            )
        elif kind == "literal_error" and loc == ("format",):
            message = f"`format`: this version of funnel reads format 1, not `{raw}`"
        elif kind == "literal_error":
            expected = item["ctx"]["expected"].replace("'", "")
            shown = raw if raw is not None else str(item["input"])
            message = f"`{name}`: `{shown}` is not allowed; write one of {expected}"
        elif kind in ("list_type",):
            message = f"`{name}`: must be a list (one `- item` per line, or [a, b])"
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            message = f"`{name}`: must be a mapping of fields (`key: value` lines)"
        elif kind == "too_short":
            message = f"`{name}`: needs at least one entry"
        else:
            message = f"`{name}`: {item['msg']}" if name else item["msg"]
        problems.append(error(path, line, column, message))
    return problems


def _read(entry: _Entry, path: str, limit: int, problems: list[Problem]) -> str | None:
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
    try:
        with open(entry.absolute, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        problems.append(error(path, 1, 1, f"cannot read the file: {exc.strerror}"))
        return None
    text, found = check_text(data, path)
    problems.extend(found)
    return text


@dataclass(frozen=True)
class _Salvage:
    """The top-level values of a file with errors, and the fields among them that were refused."""

    value: dict[str, Any]
    refused: frozenset[str]


def _validate_file(
    text: str,
    path: str,
    model: type[Record],
    problems: list[Problem],
    extra: dict[str, str] | None = None,
) -> tuple[Any, _Salvage | None]:
    """The file's record, or None and (when it holds fields at all) what is left to salvage."""
    flagged: set[tuple[str | int, ...]] = set()
    value, found = parse(text, path, flagged=flagged)
    problems.extend(found)
    if value is None and found:
        return None, None
    if not isinstance(value, dict):
        what = "a list" if isinstance(value, list) else "a single value"
        problems.append(error(path, 1, 1, f"the file must hold `field: value` lines, not {what}"))
        return None, None
    refused = {loc[0] for loc in flagged if loc and loc[0] != "<<"}
    if extra:
        for key in extra:
            if key in value:
                line, column = locate(text).key((key,))
                problems.append(
                    error(
                        path,
                        line,
                        column,
                        f"unknown field `{key}`: the {key} comes from the file name; remove it",
                    )
                )
                refused.add(key)
        if refused & extra.keys():
            return None, _Salvage(value, frozenset(refused))
        value = {**value, **extra}
    try:
        record = model.model_validate(value)
    except ValidationError as exc:
        problems.extend(_describe(exc, model, path, locate(text), flagged))
        refused |= {
            item["loc"][0]
            for item in exc.errors(include_url=False)
            if item["loc"] and item["type"] != "missing"
        }
        return None, _Salvage(value, frozenset(refused))
    if found:
        return None, _Salvage(value, frozenset(refused))
    return record, None


@cache
def _field_adapter(model: type[Record], name: str) -> TypeAdapter:
    info = model.model_fields[name]
    annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
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


def load(root: Path | str, display: str | None = None) -> tuple[Dataset, list[Problem]]:
    """Read and validate every file under `root`; return what is valid and every problem."""
    # Loading builds many small objects and no cycles: the cyclic collector would only
    # rescan them again and again (a third of the time at 100,000 deals).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(Path(root), display)
    finally:
        if enabled:
            gc.enable()


def _load(root: Path, display: str | None) -> tuple[Dataset, list[Problem]]:
    display = str(root) if display is None else display
    if not root.is_dir():
        raise DataDirError(f"no data folder at {display}: pass --data DIR")
    dataset = Dataset(root=root, display=display)
    problems: list[Problem] = []
    entries = _walk(root, display, problems)
    by_kind: dict[str, list[_Entry]] = {
        "funnel": [],
        "team": [],
        "targets": [],
        "account": [],
        "deal": [],
        "handover": [],
    }
    for entry in entries:
        kind = _classify(entry.relative)
        if kind:
            by_kind[kind].append(entry)
            continue
        reason = _ignored(entry.relative)
        if reason:
            problems.append(warning(_display(display, entry.relative), 1, 1, f"ignored: {reason}"))
    dataset.found = {
        kind: [_display(display, entry.relative) for entry in entries]
        for kind, entries in by_kind.items()
    }
    for kind, name in (("funnel", "funnel.yaml"), ("team", "team.yaml")):
        if not by_kind[kind]:
            problems.append(
                error(_display(display, name), 1, 1, f"missing file: create {name} (see README)")
            )

    limit = DEFAULT_MAX_BYTES
    for entry in by_kind["funnel"]:
        path = _display(display, entry.relative)
        text = _read(entry, path, limit, problems)
        if text is not None:
            dataset.texts[path] = text
            dataset.files[path] = Path(entry.absolute)
            dataset.funnel = _validate_file(text, path, Funnel, problems)[0]
    if dataset.funnel:
        limit = dataset.funnel.rules.max_file_bytes
    for kind, model in (("team", Team), ("targets", Targets)):
        for entry in by_kind[kind]:
            path = _display(display, entry.relative)
            text = _read(entry, path, limit, problems)
            if text is not None:
                dataset.texts[path] = text
                dataset.files[path] = Path(entry.absolute)
                setattr(dataset, kind, _validate_file(text, path, model, problems)[0])

    for kind, model, records in (
        ("account", Account, dataset.accounts),
        ("deal", Deal, dataset.deals),
        ("handover", Handover, dataset.handovers),
    ):
        first_path: dict[str, str] = {}
        for entry in by_kind[kind]:
            path = _display(display, entry.relative)
            stem = entry.relative.rsplit("/", 1)[-1].removesuffix(".yaml")
            if not is_id(stem):
                problems.append(
                    error(
                        path,
                        1,
                        1,
                        f"the file name `{stem}` is not a valid {kind} id "
                        f"({ID_PATTERN}): rename the file, e.g. `{slug(stem) or 'my-id'}.yaml`",
                    )
                )
                continue
            if stem in first_path:
                problems.append(
                    error(
                        path,
                        1,
                        1,
                        f"{kind} id `{stem}` is used twice: here and in {first_path[stem]}; "
                        "rename one of the files",
                    )
                )
                continue
            first_path[stem] = path
            text = _read(entry, path, limit, problems)
            if text is None:
                dataset.invalid.add(stem)
                continue
            dataset.texts[path] = text
            dataset.files[path] = Path(entry.absolute)
            record, salvage = _validate_file(
                text, path, model, problems, {"id": stem, "path": path}
            )
            if record is not None:
                records[stem] = record
                continue
            dataset.invalid.add(stem)
            if salvage is None:
                continue
            if kind == "deal":
                dataset.broken_deals[stem] = _deal_parts(stem, path, salvage)
            elif kind == "account":
                dataset.broken_accounts[stem] = _account_parts(stem, path, salvage)
    return dataset, problems

"""A strict YAML reader for hand-typed data, on top of PyYAML's C parser.

It reads only the plain subset people need: mappings, lists and scalars. Anchors, aliases,
merge keys, tags, duplicate keys and several documents are refused, each with its line and
column. Scalars are not typed by YAML 1.1 guessing: a plain scalar becomes None, a bool, an
int, an exact Decimal, a date or a string, and the schema decides what it may be.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from .problems import Problem, error

KeyPath = tuple[str | int, ...]
MAX_DEPTH = 32

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {
    word: value
    for words, value in ((("true", "yes", "on"), True), (("false", "no", "off"), False))
    for base in words
    for word in (base, base.capitalize(), base.upper())
}
_INT = re.compile(r"[-+]?[0-9]+")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_TAG_PREFIX = "tag:yaml.org,2002:"
_CONFLICT = re.compile(r"^(?:<{7}|={7}|>{7}|\|{7})(?: |$)", re.MULTILINE)
_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
"""What a conflict marker starts with: a text without any has none (looked for first: a
plain search of the text is several times faster than the pattern's)."""


def resolve_plain(text: str) -> Any:
    """Type a plain (unquoted) scalar: None, bool, int, Decimal, date, float or str."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text[0] in "0123456789+-.":
        if len(text) == 10 and text[4] == "-" and _DATE.fullmatch(text):  # most often a date
            try:
                return date.fromisoformat(text)
            except ValueError:
                return text  # an impossible date: the schema reports it with its reason
        if _INT.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
        if _FLOAT.fullmatch(text):
            low = text.lower()
            if "nan" in low:
                return float("nan")
            if "inf" in low:
                return float("-inf") if low.startswith("-") else float("inf")
            return float(text)
    return text


@dataclass
class Marks:
    """Where each value and each key of a document sits (1-based line and column)."""

    values: dict[KeyPath, tuple[int, int, str | None]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def value(self, path: KeyPath) -> tuple[int, int]:
        """The position of the value at `path`, or of its nearest enclosing value."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found:
                return found[0], found[1]
        return 1, 1

    def key(self, path: KeyPath) -> tuple[int, int]:
        """The position of the key that holds `path` (falls back to the value)."""
        found = self.keys.get(path)
        return found if found else self.value(path)

    def raw(self, path: KeyPath) -> str | None:
        """The scalar's text exactly as typed, if `path` holds a scalar."""
        found = self.values.get(path)
        return found[2] if found else None


def _position(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class _Reader:
    def __init__(self, text: str, path: str, marks: Marks | None) -> None:
        self.loader = CParser(text)
        self.get: Callable[[], Any] = self.loader.get_event
        self.path = path
        self.marks = marks
        self.problems: list[Problem] = []
        self.flagged: set[KeyPath] = set()

    def fail(self, event: Any, message: str, path: KeyPath | None = None) -> None:
        """Note an error at the event's line and column; `path` marks the value as refused, so
        the model's check does not report it a second time."""
        line, column = _position(event.start_mark)
        self.problems.append(error(self.path, line, column, message))
        if path is not None:
            self.flagged.add(path)

    def document(self) -> Any:
        """The file's one document as plain values, or None for an empty file (said as an error)."""
        get = self.loader.get_event
        get()  # StreamStart
        event = get()
        if isinstance(event, StreamEndEvent):
            self.problems.append(error(self.path, 1, 1, "the file is empty: write the fields"))
            return None
        value = self.node(get(), (), 0)
        get()  # DocumentEnd
        event = get()
        if isinstance(event, DocumentStartEvent):
            self.fail(event, "a file holds one document: remove the second `---` and what follows")
        return value

    def node(self, event: Any, path: KeyPath, depth: int) -> Any:
        """One value of the file, refusing what YAML allows but a funnel file must not: aliases,
        anchors, tags, control characters, data nested too deeply."""
        if isinstance(event, AliasEvent):
            self.fail(
                event, f"aliases (`*{event.anchor}`) are not allowed: write the value out", path
            )
            return None
        if event.anchor is not None:
            self.fail(
                event, f"anchors (`&{event.anchor}`) are not allowed: write the value out", path
            )
        if event.tag is not None:
            tag = event.tag.replace(_TAG_PREFIX, "!!", 1)
            self.fail(event, f"tags (`{tag}`) are not allowed: remove the tag", path)
        if isinstance(event, ScalarEvent):
            if event.style == '"' and (control := _CONTROL.search(event.value)):
                character = control.group()
                self.fail(
                    event,
                    f"invisible control character U+{ord(character):04X} (written as an escape): "
                    "delete it",
                    path,
                )
            value = resolve_plain(event.value) if not event.style else event.value
            if self.marks is not None:
                line, column = _position(event.start_mark)
                self.marks.values[path] = (line, column, None if event.style else event.value)
            return value
        if self.marks is not None:
            line, column = _position(event.start_mark)
            self.marks.values[path] = (line, column, None)
        if depth >= MAX_DEPTH:
            self.fail(event, "the data is nested too deeply")
            self.skip()
            return None
        if isinstance(event, MappingStartEvent):
            return self.mapping(path, depth)
        return self.sequence(path, depth)

    def mapping(self, path: KeyPath, depth: int) -> dict[str, Any]:
        """A mapping's fields, refusing duplicate keys, merge keys and keys that are not
        plain names."""
        get = self.get
        marks = self.marks
        result: dict[str, Any] = {}
        keys: dict[str, Any] = {}  # each key's event: its line is read for a duplicate only
        while True:
            event = get()
            if type(event) is not ScalarEvent:
                if type(event) is MappingEndEvent:
                    return result
                self.fail(event, "a key must be a plain name, not a list or a mapping")
                self.skip_node(event)
                self.skip_node(get())
                continue
            key = event.value
            if event.anchor is not None or event.tag is not None:
                self.fail(event, "anchors and tags are not allowed on keys", (*path, "<<"))
            if key == "<<" and not event.style:
                self.fail(
                    event, "merge keys (`<<`) are not allowed: write the fields out", (*path, "<<")
                )
                self.skip_node(get())
                continue
            if key in keys:
                first = keys[key].start_mark.line + 1
                self.fail(
                    event, f"duplicate key `{key}` (first given on line {first}): keep one of them"
                )
                self.skip_node(get())
                continue
            keys[key] = event
            value = get()
            if (
                marks is None
                and type(value) is ScalarEvent
                and value.anchor is None
                and value.tag is None
                and value.style != '"'
            ):  # the common case, read here: a plain or single-quoted scalar
                result[key] = value.value if value.style else resolve_plain(value.value)
                continue
            child = (*path, key)
            if marks is not None:
                marks.keys[child] = _position(event.start_mark)
            result[key] = self.node(value, child, depth + 1)

    def sequence(self, path: KeyPath, depth: int) -> list[Any]:
        """A list's items, each known by its place in the list (for where an error points)."""
        get = self.get
        marks = self.marks
        result: list[Any] = []
        while True:
            event = get()
            kind = type(event)
            if (
                kind is ScalarEvent
                and marks is None
                and event.anchor is None
                and event.tag is None
                and event.style != '"'
            ):  # the common case, as in `mapping`
                result.append(event.value if event.style else resolve_plain(event.value))
                continue
            if kind is SequenceEndEvent:
                return result
            result.append(self.node(event, (*path, len(result)), depth + 1))

    def skip_node(self, event: Any) -> None:
        """Consume the rest of a node whose start `event` was already read."""
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            self.skip()

    def skip(self) -> None:
        """Read past the rest of a list or mapping that was already refused."""
        level = 1
        get = self.loader.get_event
        while level:
            event = get()
            if isinstance(event, MappingStartEvent | SequenceStartEvent):
                level += 1
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                level -= 1
            elif isinstance(event, DocumentEndEvent | StreamEndEvent):  # pragma: no cover
                return


BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark some editors write first: read as nothing."""


def check_text(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Decode a file's bytes; refuse invalid UTF-8, control characters and conflict markers."""
    data = data.removeprefix(BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        return None, [
            error(path, line, column, "the file is not valid UTF-8: save it with UTF-8 encoding")
        ]
    problems = []
    marked = any(marker in text for marker in _MARKERS)
    for match in _CONFLICT.finditer(text) if marked else ():
        line = text.count("\n", 0, match.start()) + 1
        problems.append(
            error(
                path,
                line,
                1,
                f"merge-conflict marker `{match.group().strip()}`: "
                "resolve the conflict and delete the marker lines",
            )
        )
    for match in _CONTROL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.append(
            error(
                path,
                line,
                column,
                f"invisible control character U+{ord(match.group()):04X}: delete it",
            )
        )
    return (None if problems else text), problems


def parse(
    text: str, path: str, marks: Marks | None = None, flagged: set[KeyPath] | None = None
) -> tuple[Any, list[Problem]]:
    """Read one YAML document strictly. Pass `marks` to record where every value sits, and
    `flagged` to learn which values were refused, so no follow-on errors are reported
    (`(*mapping, "<<")` marks a mapping whose fields may be incomplete)."""
    reader = _Reader(text, path, marks)
    try:
        value = reader.document()
    except yaml.MarkedYAMLError as exc:
        reader.problems.append(_syntax_problem(exc, text, path))
        return None, reader.problems
    except yaml.YAMLError as exc:  # ReaderError: a character YAML cannot hold
        position = getattr(exc, "position", 0)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = getattr(exc, "character", None)
        if isinstance(character, str) and character:
            character = ord(character)
        code = f"U+{character:04X}" if isinstance(character, int) else "this character"
        reader.problems.append(
            error(path, line, column, f"character {code} is not allowed in YAML: delete it")
        )
        return None, reader.problems
    finally:
        reader.loader.dispose()
    if flagged is not None:
        flagged |= reader.flagged
    return value, reader.problems


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, path: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    context = (exc.context or "").strip()
    if mark and exc.context_mark and exc.context_mark.line != mark.line and context:
        # an unclosed quote or bracket: point where it opens, not where the file ends
        line, column = _position(exc.context_mark)
        unclosed = "quoted" in context or "flow" in context
        advice = "close the quote or bracket" if unclosed else "check the indentation"
        return error(
            path,
            line,
            column,
            f"invalid YAML: {context} that starts here, {problem} on line {mark.line + 1}: "
            f"{advice}",
        )
    line, column = _position(mark) if mark else (1, 1)
    hint = ""
    if mark and text[mark.index : mark.index + 1] == "\t":
        hint = ": indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = ": put the text in quotes if it contains `: `"
    return error(path, line, column, f"invalid YAML: {problem}{hint}")


def locate(text: str) -> Marks:
    """Re-read a document only to learn where its values sit (used when reporting problems)."""
    marks = Marks()
    parse(text, "", marks)
    return marks

"""A re-import changes an account or deal file in place: only the lines of the values that
changed, so comments, quoting, the order of the fields and every other byte stay.

The file is read with ruamel.yaml for the positions of its top-level fields; the text is then
edited line by line, as `handover.replace_owner` does for an owner.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'")


@dataclass(frozen=True)
class _Block:
    """Where a top-level field is: its key's line, the line after its value, and the value's
    line and column."""

    start: int
    end: int
    value_line: int
    value_column: int


def _blocks(document: Any, lines: Sequence[str]) -> dict[str, _Block]:
    """Each top-level field's block; a block ends before the comment and blank lines that
    lead to the next field."""
    starts = sorted((document.lc.key(key)[0], str(key)) for key in document)
    blocks = {}
    for index, (start, key) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        while end - 1 > start and lines[end - 1].strip()[:1] in ("", "#"):
            end -= 1
        line, column = document.lc.value(key)
        blocks[key] = _Block(start, end, line, column)
    return blocks


def _value_end(line: str, column: int) -> int:
    """Where a one-line value that starts at `column` ends (before a comment)."""
    rest = line[column:]
    if rest[:1] in "\"'":
        match = QUOTED.match(rest)
        return column + (match.end() if match else len(rest.rstrip("\r\n")))
    if rest[:1] in "[{":
        depth, index = 0, 0
        while index < len(rest):
            match = QUOTED.match(rest, index)
            if match:
                index = match.end()
                continue
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(rest[index], 0)
            index += 1
            if depth == 0:
                return column + index
    body = re.split(r"\s#", rest.rstrip("\r\n"), maxsplit=1)[0]
    return column + len(body.rstrip())


def edit_fields(text: str, changes: Mapping[str, str | None], order: Sequence[str]) -> str:
    """The file with each top-level field of `changes` set to its YAML text (None: the field
    removed); a field it lacks is added after the one before it in `order`."""
    from ruamel.yaml import YAML

    document = YAML(typ="rt").load(text)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    blocks = _blocks(document, lines)
    edits: list[tuple[int, int, list[str]]] = []
    for key, value in changes.items():
        block = blocks.get(key)
        if block is None:
            if value is not None:
                at = _insert_at(key, order, blocks)
                edits.append((at, at, [f"{key}: {value}{newline}"]))
        elif value is None:
            edits.append((block.start, block.end, []))
        elif block.value_line == block.start and block.end == block.start + 1:
            line = lines[block.start]
            end = _value_end(line, block.value_column)
            edits.append(
                (block.start, block.end, [line[: block.value_column] + value + line[end:]])
            )
        else:
            edits.append((block.start, block.end, [f"{key}: {value}{newline}"]))
    for start, end, replacement in sorted(edits, key=lambda edit: edit[:2], reverse=True):
        lines[start:end] = replacement
    return "".join(lines)


def _insert_at(key: str, order: Sequence[str], blocks: Mapping[str, _Block]) -> int:
    """The line a new field goes on: after the nearest field before it in `order`."""
    before = order[: order.index(key)] if key in order else order
    present = [blocks[name].end for name in before if name in blocks]
    if present:
        return max(present)
    return min((block.start for block in blocks.values()), default=0)


def append_items(text: str, key: str, items: Sequence[str]) -> str:
    """The file with `items` (flow mappings' text) added at the end of the top-level list
    `key`, in the list's own style."""
    if not items:
        return text
    from ruamel.yaml import YAML

    document = YAML(typ="rt").load(text)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    block = _blocks(document, lines)[key]
    sequence = document[key]
    if sequence and sequence.fa.flow_style():
        line = lines[block.value_line]
        end = _value_end(line, block.value_column) - 1  # the closing bracket
        lines[block.value_line] = line[:end] + "".join(f", {i}" for i in items) + line[end:]
        return "".join(lines)
    first = lines[sequence.lc.item(0)[0]] if sequence else "  - "
    indent = first[: len(first) - len(first.lstrip(" "))]
    lines[block.end : block.end] = [f"{indent}- {item}{newline}" for item in items]
    return "".join(lines)

"""A kept page's search entries, kept as the theme's search index writes them: in JSON.

Material's search plugin writes its index at the end of a build with one `json.dumps` of every
entry of every page (half a second at 10,000 deals, after a build that made a few pages). A page
kept by an earlier build keeps its entries as that JSON already (`encoded`); the build puts
it among the index's entries as `Encoded` text, and writes the index (`write_index`) with
the JSON of the other entries encoded as the plugin encodes them, after the plugin's own JSON
of its configuration: the very same file. The heads of the kept pages hold that JSON
compressed (`Packed`) in a site of many pages: it is unpacked only for the index, where most
of it goes, not as each page is linked into the site; in a smaller site they hold it as it is
(`Encoded`), which the index takes as it is. Where the plugin's own way must run (its `--dirty`
merging with the last index, or an index that does not end as expected), the kept entries are
read back first.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

SEPARATORS = (",", ":")
"""The search plugin's: `json.dumps(data, separators=(",", ":"), default=str)`."""
EMPTY = '"docs":[]}'
"""How the plugin's index of no entries ends (its configuration comes first)."""


class Encoded(str):
    """A page's search entries in the index's JSON, comma-joined (see `encoded`)."""

    __slots__ = ()


class Packed(bytes):
    """A page's search entries (`encoded`) compressed (see `packed`)."""

    __slots__ = ()


def packed(text: str, compress: bool = True) -> Packed | str:
    """A page's search entries (`encoded`) as the heads of the kept pages hold them: compressed,
    or not (`Encoded`); no entries: the empty text."""
    if not text:
        return ""
    return Packed(zlib.compress(text.encode("utf-8"), 1)) if compress else Encoded(text)


def unpacked(item: Packed | str) -> str:
    """The entries' text that `packed` made `item` of (a text is its own)."""
    return zlib.decompress(item).decode("utf-8") if isinstance(item, Packed) else item


def encoded(entries: list[dict[str, Any]]) -> str:
    """`entries` as the plugin's JSON writes them, one after the other, comma-joined."""
    return json.dumps(entries, separators=SEPARATORS, default=str)[1:-1]


def decoded(text: str) -> list[dict[str, Any]]:
    """The entries that `encoded` made `text` of."""
    entries: list[dict[str, Any]] = json.loads(f"[{text}]")
    return entries


def unpack_entries(entries: list[Any]) -> None:
    """Make each `Packed` item of the index's `entries` the `Encoded` text it holds, in its
    place (the one place a kept page's packed entries are read)."""
    for place, item in enumerate(entries):
        if isinstance(item, Packed):
            entries[place] = Encoded(unpacked(item))


def _docs(entries: list[Any]) -> str:
    """The JSON of `entries` (dicts, and `Encoded` ones) without its brackets: a run of dicts
    encoded in one go, as the plugin encodes all."""
    parts: list[str] = []
    run: list[Any] = []
    for item in entries:
        if isinstance(item, Encoded):
            if run:
                parts.append(encoded(run))
                run = []
            parts.append(item)
        else:
            run.append(item)
    if run:
        parts.append(encoded(run))
    return ",".join(parts)


def add(entries: list[Any], text: str | Packed) -> None:
    """Put a kept page's entries (`encoded`, or `packed`) into the index's `entries`."""
    if text:
        entries.append(text if isinstance(text, Packed | Encoded) else Encoded(text))


def write_index(index: Any, generate: Callable[[Any], str]) -> Callable[[Any], str]:
    """The index's `generate_search_index` for a build that adds `Encoded` entries: the
    plugin's JSON, with the kept entries written as they were kept; `generate`, the
    plugin's own, with them read back where it merges with a last index (`prev`)."""

    def generate_search_index(prev: Any) -> str:
        entries = index.entries
        unpack_entries(entries)  # none left when the build unpacked them ahead
        if prev is None:  # the plugin's JSON of no entries, then every entry's in its place
            index.entries = []
            try:
                empty = generate(None)
            finally:
                index.entries = entries
            if empty.endswith(EMPTY):
                return f'{empty[: -len(EMPTY)]}"docs":[{_docs(entries)}]}}'
        index.entries = [
            entry
            for item in entries
            for entry in (decoded(item) if isinstance(item, Encoded) else [item])
        ]
        return generate(prev)

    return generate_search_index

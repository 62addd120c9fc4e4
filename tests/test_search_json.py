"""The search index written with kept pages' entries as kept (in JSON) is the very file the
theme's search plugin writes of the same entries."""

from __future__ import annotations

import json

import pytest
from material.plugins.search.plugin import SearchIndex

from generator.plugin import search_json
from generator.plugin.search_json import Encoded, add, decoded, encoded, write_index

CONFIG = {
    "lang": ["en", "ja"],
    "separator": r"[\s\-]+",
    "pipeline": ["stemmer"],
    "fields": {"title": {"boost": 1e3}, "text": {"boost": 1.0}, "tags": {"boost": 1e6}},
}
PAGES = [
    [{"location": "deals/a/", "title": "<script>alert(1)</script>", "text": '"quoted" \\ end'}],
    [],
    [
        {"location": "accounts/华东/", "title": "上海华东电子有限公司", "text": "tab\there"},
        {"location": "accounts/华东/#合同", "title": "合同 🚀", "text": "", "path": ["a", "b"]},
    ],
    [{"location": "x/", "title": "A", "text": "B", "tags": ["t"], "boost": 2, "n": None}],
]


def plugins_json(pages: list[list[dict]]) -> str:
    index = SearchIndex(**CONFIG)
    index.entries = [entry for entries in pages for entry in entries]
    return index.generate_search_index(None)


def ours(
    pages: list[list[dict]], kept: set[int], prev: object = None, packed: set[int] = frozenset()
) -> str:
    index = SearchIndex(**CONFIG)
    for number, entries in enumerate(pages):
        if number in packed:
            add(index.entries, search_json.packed(encoded(entries)))  # as a head holds them
        elif number in kept:
            add(index.entries, encoded(entries))  # as a kept page's, read back whole
        else:
            index.entries.extend(entries)  # as the plugin adds a page made now
    index.generate_search_index = write_index(index, index.generate_search_index)
    return index.generate_search_index(prev)


@pytest.mark.parametrize("kept", [set(), {0}, {1, 2}, {0, 1, 2, 3}, {3}, {0, 3}])
def test_the_index_is_the_plugins_whichever_pages_are_kept(kept):
    assert ours(PAGES, kept) == plugins_json(PAGES)
    assert json.loads(ours(PAGES, kept))["docs"][0]["title"] == "<script>alert(1)</script>"


@pytest.mark.parametrize("packed", [{0}, {1, 2}, {0, 1, 2, 3}])
def test_the_index_is_the_plugins_with_entries_packed_in_the_heads(packed):
    assert ours(PAGES, {3}, packed=packed) == plugins_json(PAGES)
    last = SearchIndex(**CONFIG)  # merged with the last index: read back from packed too
    plain = SearchIndex(**CONFIG)
    plain.entries = [entry for entries in PAGES for entry in entries]
    assert ours(PAGES, set(), prev=last, packed=packed) == plain.generate_search_index(last)


def test_packed_entries_come_back_as_they_were_encoded():
    for entries in PAGES:
        text = encoded(entries)
        assert search_json.unpacked(search_json.packed(text)) == text
    assert search_json.packed("") == ""  # a page without entries: nothing to unpack
    assert search_json.unpacked('{"a":1}') == '{"a":1}'
    index: list[object] = []
    add(index, search_json.packed(""))
    assert index == []


def test_entries_come_back_as_they_were_encoded():
    for entries in PAGES:
        assert decoded(encoded(entries)) == entries
    index: list[object] = []
    add(index, encoded([]))
    assert index == []  # a page without entries adds none
    add(index, encoded(PAGES[0]))
    assert index == [Encoded(encoded(PAGES[0]))]


def test_a_merge_with_the_last_index_reads_the_kept_entries_back():
    """`mkdocs serve --dirty`: the plugin merges this build's entries with the last index's;
    it is given plain entries."""
    last = SearchIndex(**CONFIG)
    last.entries = [{"location": "old/", "title": "Old", "text": ""}]
    plain = SearchIndex(**CONFIG)
    plain.entries = [entry for entries in PAGES for entry in entries]
    assert ours(PAGES, {0, 2}, prev=last) == plain.generate_search_index(last)


def test_an_index_written_otherwise_is_left_to_the_plugin(monkeypatch):
    monkeypatch.setattr(search_json, "EMPTY", '"documents":[]}')  # a later version's form
    assert ours(PAGES, {0, 2}) == plugins_json(PAGES)

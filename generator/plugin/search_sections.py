"""A page's search sections, read from its HTML as the theme's search plugin reads them, faster.

Material's search plugin divides a page's HTML into sections, one per heading with an id, with
Python's `HTMLParser`: a third of the CPU time of a build of 10,000 deals. The HTML of a
converted page is a small, regular part of HTML: tags with double-quoted attributes, text with
character references. `sections` reads that part with one regular expression and follows the
search plugin's own rules (`material/plugins/search/plugin.py`, `Parser`) step by step: which
tags are kept in the text, which are skipped, how whitespace is collapsed, where a section
ends. Anything else (a comment, a script, a `<` that starts no plain tag) gives None, and the
search plugin reads the page itself. Tests compare the two on every page of the example sites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser
from itertools import islice
from typing import Any

_TAG = re.compile(
    r"<(?:([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:=\"[^\"<>]*\")?)*)\s*(/?)>"
    r"|/([a-zA-Z][a-zA-Z0-9]*)\s*>)"
)
_ATTRIBUTE = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(=\"([^\"]*)\")?")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_KEEP = frozenset({"p", "code", "pre", "li", "ol", "ul", "sub", "sup"})
_SKIPPED = ("object", "script", "style")
_NO_ATTRIBUTES: dict[str, str | None] = {}
"""The attributes of a tag without any (never changed)."""
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)


def _read_as_text() -> frozenset[str]:
    """The elements whose content the running Python's HTML parser reads as text, not as tags
    (`script` and `style`; in newer versions also `title` and `textarea`, for instance): a page
    with one of them is left to the search plugin. Asked of the parser itself."""
    candidates = (
        *("script", "style", "textarea", "title", "xmp", "iframe", "noembed"),
        *("noframes", "noscript", "plaintext"),
    )
    found = set()
    for tag in candidates:
        probe = _Probe()
        probe.feed(f"<{tag}><b></b></{tag}>")
        probe.close()
        if "b" not in probe.opened:
            found.add(tag)
    return frozenset(found)


class _Probe(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append(tag)


_RAW_TEXT = _read_as_text()


@dataclass
class Section:
    """A heading and the text after it, as the search plugin's `Section` has them: the
    heading's tag (`hx` for the text before the first), its id, its depth in the HTML, and
    its title and text as pieces of escaped HTML."""

    tag: str
    excluded: bool = False
    depth: float = 0
    id: str | None = None
    title: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


def sections(html: str) -> list[Section] | None:
    """The page's search sections, as the search plugin would divide `html` (the page's
    content); None when the HTML holds more than plain tags and text (then the plugin reads
    it)."""
    reader = _Reader()
    data, start, end = reader.data, reader.start, reader.end
    parts = _TAG.split(html)  # the text before each tag, the tag's four groups, ... the rest
    if parts[0] and not data(parts[0]):
        return None
    for index in range(1, len(parts), 5):
        tag = parts[index]
        if tag is None:  # an end tag
            end(parts[index + 3].lower())
        else:
            tag = tag.lower()
            if tag in _RAW_TEXT:
                return None
            attributes = parts[index + 1]
            start(tag, _ATTRIBUTE.findall(attributes) if attributes else [])
            if parts[index + 2]:
                end(tag)
        text = parts[index + 4]
        if text and not data(text):
            return None
    return reader.sections


class _Reader:
    """The search plugin's `Parser`, rule for rule. Its elements compare by tag alone, so the
    open elements are kept as their tags, and the skipped ones as a set of tags."""

    def __init__(self) -> None:
        self.open: list[str] = []
        self.classes: list[Any] = []
        self.skip: set[str] = set(_SKIPPED)
        self.section: Section | None = None
        self.sections: list[Section] = []

    def start(self, tag: str, found: list[tuple[str, str, str]]) -> None:
        if tag in _VOID:
            return
        attributes = _values(found) if found else _NO_ATTRIBUTES
        open_ = self.open
        open_.append(tag)
        self.classes.append(attributes.get("class"))
        if tag in _HEADINGS:
            depth = len(open_)
            if "id" in attributes:
                if tag != "h1" and not self.sections:
                    self._begin(Section("hx", depth=depth))
                self.section = Section(tag, "data-search-exclude" in attributes, depth)
                if self.sections:
                    self.section.id = attributes["id"]
                self.sections.append(self.section)
        section = self.section or self._begin(Section("hx"))
        for name, value in attributes.items():
            if name == "data-search-exclude" or (name == "class" and value == "linenodiv"):
                self.skip.add(tag)
                return
        if tag in _KEEP and self.skip.isdisjoint(open_):
            (section.title if section.tag in open_ else section.text).append(f"<{tag}>")

    def end(self, tag: str) -> None:
        open_ = self.open
        if not open_ or open_[-1] != tag:
            return
        section = self.section
        assert section is not None  # a tag is open: the first one began a section
        if section.depth > len(open_):
            for earlier in reversed(self.sections):
                if earlier.depth <= len(open_):
                    section.depth = float("inf")  # left: never taken up again
                    self.section = section = earlier
                    break
        open_.pop()
        self.classes.pop()
        if tag in self.skip:
            if tag not in _SKIPPED:
                self.skip.remove(tag)
            return
        if tag not in _KEEP or not self.skip.isdisjoint(open_):
            return
        pieces = section.title if section.tag in open_ else section.text
        index = pieces.index(f"<{tag}>")
        if all(piece.isspace() for piece in islice(pieces, index + 1, None)):  # no copy
            del pieces[index:]  # empty (or only whitespace): left out
        else:
            pieces.append(f"</{tag}>")

    def data(self, raw: str) -> bool:
        """Take the text between two tags; False when it holds a `<` (no plain tag)."""
        if "<" in raw:
            return False
        open_ = self.open
        if not self.skip.isdisjoint(open_):
            return True
        in_pre = "pre" in open_
        if in_pre:
            text = unescape(raw)
        elif raw.isspace():  # most often: the line break between two tags
            text = " "
        else:
            text = unescape(raw)
            text = " " if text.isspace() else text.replace("\n", " ")
        section = self.section or self._begin(Section("hx"))
        if section.tag in open_:
            if not any(
                tag == "a" and kind == "headerlink"
                for tag, kind in zip(open_, self.classes, strict=True)
            ):  # a heading's permalink is not part of its title
                section.title.append(escape(text, quote=False))
        elif text.isspace():
            if not section.text or not section.text[-1].isspace() or in_pre:
                section.text.append(text)
        else:
            section.text.append(escape(text, quote=False))
        return True

    def _begin(self, section: Section) -> Section:
        self.section = section
        self.sections.append(section)
        return section


def _values(found: list[tuple[str, str, str]]) -> dict[str, str | None]:
    """A tag's attributes by name as an HTML parser gives them: lowercased names, values with
    their character references replaced, None for an attribute without a value; the last of
    two with one name wins."""
    return {name.lower(): unescape(value) if given else None for name, given, value in found}

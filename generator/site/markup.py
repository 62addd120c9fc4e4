"""Escaping for every output: user text becomes inert in Markdown, HTML and SVG.

Markdown escaping differs from HTML escaping: `|` ends a table cell and `*` starts
emphasis, so text is HTML-escaped first, then Markdown's punctuation is backslash-escaped.
Inside raw HTML blocks (charts, the activity log) Markdown is not read, so there text is
only HTML-escaped. Notes that users write in Markdown are rendered, then sanitized by nh3.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

AS_IS = "<!-- funnel: as is -->"
"""The line before a table or list written in HTML that Markdown passes through as it is, up
to the line that closes it (see `generator/plugin/as_is.py`): no user text can make it (`<` is
escaped)."""

NOTE_TAGS = {"p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "code", "blockquote"}
NOTE_ATTRIBUTES = {"a": {"href", "title"}}
NOTE_SCHEMES = {"http", "https", "mailto"}


def md(text: object) -> Markup:
    """Plain text safe inside Markdown (including a table cell): shown exactly as typed."""
    if type(text) is str:  # not a subclass: an enum's or Markup's str() differs from it
        return _md_text(text)
    if text is None:
        return Markup("")
    return _md_text.__wrapped__(str(text))


@lru_cache(maxsize=1 << 16)
def _md_text(text: str) -> Markup:
    """`md()` of a str: the same names, words and titles come back on every page."""
    escaped = html.escape(text, quote=False)
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    return Markup(_LINE_BREAKS.sub(" ", escaped))


def html_text(text: object) -> Markup:
    """Plain text safe inside HTML and SVG (raw HTML blocks, attributes included)."""
    if type(text) is str:  # not a subclass: Markup's str() is its markup, escaped all the same
        return _html_text(text)
    if text is None:
        return Markup("")
    return _html_text.__wrapped__(str(text))


@lru_cache(maxsize=1 << 16)
def _html_text(text: str) -> Markup:
    """`html_text()` of a str: the same labels, names and values come back on every page."""
    return Markup(html.escape(text, quote=True))


_PLAIN_NOTE = re.compile(r"[^\\`*_\[\]<>&!#\r\n\u2028\u2029\t]*")
"""A note Markdown reads as one plain paragraph: one line, none of Markdown's inline marks..."""
_BLOCK_START = re.compile(r"[-+=>#*]|\d+[.)]")
"""...and not starting like a block (a list, a quote, a heading, a rule)."""


def note_html(text: str) -> Markup:
    """A note written in Markdown as safe HTML on one line: no raw HTML, no script, no
    `javascript:`/`data:` links, no images (so no remote requests). A plain one-line note
    is the paragraph Markdown would make of it, without running Markdown."""
    plain = text and text == text.strip() and _PLAIN_NOTE.fullmatch(text)
    if plain and not _BLOCK_START.match(text):
        rendered = f"<p>{text}</p>"
    else:
        rendered = markdown.markdown(text)
    cleaned = nh3.clean(
        rendered,
        tags=NOTE_TAGS,
        attributes=NOTE_ATTRIBUTES,
        url_schemes=NOTE_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(" ".join(cleaned.split("\n")).replace("|", "&#124;"))


@dataclass
class SortKeys:
    """Sort names as people expect: Chinese by pinyin among Latin names, case-insensitively.
    `pinyin` holds the names with Chinese characters read so far (folded), in pinyin: a build's
    page memo keeps them, so that a later build reads its names without loading pypinyin's
    dictionary (a second or more)."""

    pinyin: dict[str, str] = field(default_factory=dict)

    def __call__(self, text: str) -> tuple[str, str]:
        """The key that sorts `text` among names."""
        folded = unicodedata.normalize("NFKD", text).casefold()
        if _CJK.search(text):
            pinyin = self.pinyin.get(folded)
            if pinyin is None:
                from pypinyin import lazy_pinyin

                pinyin = self.pinyin[folded] = " ".join(lazy_pinyin(folded))
            folded = pinyin
        return folded, text

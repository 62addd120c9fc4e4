"""A Markdown extension: text that no inline pattern can match is not offered to them.

Python-Markdown tries each of its inline patterns (code, escapes, links, images, automatic
links, line breaks, raw HTML, entities, emphasis) on every piece of text of a page, one regular
expression after the other: fourteen tries for a heading such as "Timeline", and as many for
the placeholder of each table passed through as it is (see `as_is`). On a deal's page eight
pieces of text in nine hold none of the characters those patterns need. Just before the inline
patterns run, this extension marks such text as Python-Markdown's own `AtomicString` (text the
patterns leave alone, as they would have): the page's HTML is the same.

It marks text only when every inline pattern registered is one of Python-Markdown's own under
its own name, and every step over the page's tree is one known to treat marked text as any
other (Python-Markdown's own, `attr_list`'s, `toc`'s and MkDocs'): an extension that adds or
replaces a pattern, or runs patterns of its own (`wikilinks`, `smarty`, ...), may match other
text, and one that reads the tree may leave marked text alone (`abbr`, `legacy_attrs`); with
any of them, nothing is marked. The plugin adds it to the site's Markdown extensions.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

NAME = "generator.plugin.plain_text"
"""The extension's name in the site's `markdown_extensions` (Markdown imports it so)."""
OWN_PATTERNS = frozenset(
    {"backtick", "escape", "reference", "link", "image_link", "image_reference"}
    | {"short_reference", "short_image_ref", "autolink", "automail", "linebreak", "html"}
    | {"entity", "em_strong", "em_strong2", "not_strong", "strong_em", "strong", "emphasis"}
)
"""The names Python-Markdown registers its own inline patterns under."""
MATCHABLE = re.compile(r"[`\\*_\[\]!<>&\n]")
"""What one of Python-Markdown's own inline patterns needs to match: a backtick, a backslash,
an asterisk or underscore, a bracket, `<` or `&`, or a line break (`!`, `]` and `>` only with
one of those, and taken as matchable all the same)."""
PRIORITY = 21
"""Just before Python-Markdown's inline patterns (20)."""
KNOWN_STEPS = frozenset(
    {"markdown.treeprocessors", "markdown.extensions.attr_list", "markdown.extensions.toc"}
    | {"mkdocs.structure.pages", __name__}
)
"""The modules of the steps over a page's tree that treat marked text as any other."""


class PlainTextExtension(Extension):
    """Registers the marking just before the inline patterns run."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_PlainText(md), "funnel_plain_text", PRIORITY)


class _PlainText(Treeprocessor):
    def run(self, root: Element) -> None:
        if not only_known_steps(self.md):
            return
        matchable = MATCHABLE.search
        for element in root.iter():
            text = element.text
            if text and type(text) is str and matchable(text) is None:
                element.text = AtomicString(text)
            tail = element.tail
            if tail and type(tail) is str and matchable(tail) is None:
                element.tail = AtomicString(tail)


def only_known_steps(md: Any) -> bool:
    """Whether every inline pattern of `md` is one of Python-Markdown's own, under its name,
    and every step over the tree one of `KNOWN_STEPS` (inline patterns run only as `md`'s)."""
    patterns = md.inlinePatterns
    return all(
        name in OWN_PATTERNS and type(patterns[name]).__module__ == "markdown.inlinepatterns"
        for name in patterns._data
    ) and all(
        type(step).__module__ in KNOWN_STEPS
        and getattr(step, "inlinePatterns", patterns) is patterns  # not `smarty`'s own
        for step in md.treeprocessors
    )


def makeExtension(**kwargs: object) -> PlainTextExtension:
    """The extension, as Markdown finds it by its module's name."""
    return PlainTextExtension(**kwargs)

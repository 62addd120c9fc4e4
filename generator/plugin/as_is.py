"""A Markdown extension: tables the site writes in HTML are passed through without parsing.

The site's templates write long tables and lists as HTML (a deal's page, the lists of deals,
the deals a week's review asks about), each on the lines after `AS_IS`, up to the line that
closes it (`</table>`, `</ul>`), so that Markdown does not read every cell or item. Raw
HTML is costly still: Python-Markdown parses each block with Python's HTML parser to find where
it ends, and MkDocs parses the whole page once more to find its anchors (such a table has
none). This extension stashes each marked element whole, before either parser runs, as Markdown
stashes the raw HTML it found: the page's HTML is the same, the parsers see one line.

The plugin adds it to the site's Markdown extensions. Without it (another tool reading the
Markdown), the mark is an HTML comment and the table raw HTML: the same page.
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from ..site.markup import AS_IS

_OPENING = re.compile(r"<(table|ul|ol)[ >]")
"""The elements passed through whole, up to the first line that closes them."""
NAME = "generator.plugin.as_is"
"""The extension's name in the site's `markdown_extensions` (Markdown imports it so)."""


class AsIsExtension(Extension):
    """Registers the preprocessor before MkDocs' and Markdown's HTML parsers."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_AsIs(md), "funnel_as_is", 25)


class _AsIs(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if AS_IS not in lines:
            return lines
        shown: list[str] = []
        start = mark = 0
        ends: dict[str, int] = {}  # each closing line's next place from `mark` on
        while True:
            try:
                mark = lines.index(AS_IS, mark)
            except ValueError:
                break
            opened = _OPENING.match(lines[mark + 1]) if mark + 1 < len(lines) else None
            if opened is None:  # no element: the mark stays a comment
                mark += 1
                continue
            closing = f"</{opened[1]}>"
            if ends.get(closing, -1) < mark:
                try:
                    ends[closing] = lines.index(closing, mark)
                except ValueError:  # no end: Markdown reads the rest as it would
                    break
            end = ends[closing]
            placeholder = self.md.htmlStash.store("\n".join(lines[mark + 1 : end + 1]))
            shown += [*lines[start:mark], "", placeholder, ""]
            start = mark = end + 1
        return shown + lines[start:]


def makeExtension(**kwargs: object) -> AsIsExtension:
    """The extension, as Markdown finds it by its module's name."""
    return AsIsExtension(**kwargs)

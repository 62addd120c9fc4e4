"""One Markdown converter a build, reset between pages, instead of a new one for each page.

MkDocs' `Page.render` makes a new `markdown.Markdown` for every page: it loads each extension
and builds every processor again, 0.27 ms a page, as long as converting a deal's page itself.
Python-Markdown keeps one converter for many documents when `reset()` is called between them
(its documented use): each extension that holds state between documents clears it in its own
`reset`. Extensions outside Python-Markdown and this package may not, so a build with any other
extension converts each page as MkDocs does. MkDocs' own processors, which hold the page they
convert, are made for each page as MkDocs makes them, and replace the last page's by name.

Tests convert every page of the example sites both ways and compare what MkDocs keeps of a
page: its HTML, table of contents, title and anchors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import markdown
from mkdocs.structure.files import Files
from mkdocs.structure.pages import (
    Page,
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
from mkdocs.structure.toc import get_toc

from .as_is import NAME as AS_IS
from .plain_text import NAME as PLAIN_TEXT

OWN = frozenset({AS_IS, PLAIN_TEXT})
"""This package's extensions (they hold nothing between documents)."""
BUILT_IN = frozenset(
    {"abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code"}
    | {"footnotes", "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists"}
    | {"smarty", "tables", "toc", "wikilinks"}
)
"""Python-Markdown's own extensions, by the names MkDocs' configuration gives them."""

log = logging.getLogger("mkdocs.structure.pages")
"""MkDocs' logger of pages: its level decides whether links to anchors are noted."""


class Converters:
    """The converter of the last configuration asked for (a build's: `funnel serve` makes a
    new configuration, and so a new converter, for each rebuild)."""

    def __init__(self) -> None:
        self._made: tuple[object, tuple[object, ...], markdown.Markdown] | None = None

    def render(self, page: Page, config: Any, files: Files) -> None:
        """Convert `page` as MkDocs' `Page.render` does, with the build's one converter when
        every extension is known to clear its state (`reset`); else with MkDocs' own."""
        md = self._converter(config)
        if md is None:
            Page.render(page, config, files)
            return
        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        md.reset()
        raw_html = _RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = _ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        relative = _RelativePathTreeprocessor(page.file, files, config)
        relative._register(md)
        title = _ExtractTitleTreeprocessor()
        title._register(md)
        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors

    def _converter(self, config: Any) -> markdown.Markdown | None:
        extensions = tuple(config["markdown_extensions"])
        if not reusable(extensions):
            return None
        made = self._made
        if made is None or made[0] is not config or made[1] != extensions:
            md = markdown.Markdown(
                extensions=list(extensions), extension_configs=config["mdx_configs"] or {}
            )
            self._made = made = (config, extensions, md)
        return made[2]


def reusable(extensions: Sequence[object]) -> bool:
    """Whether every extension is one known to clear its state between documents."""
    return all(
        isinstance(name, str)
        and (name in OWN or name.removeprefix("markdown.extensions.") in BUILT_IN)
        for name in extensions
    )


converters = Converters()
"""The process's converters (see `Converters`)."""

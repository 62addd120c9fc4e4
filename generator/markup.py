"""Escaping for every output: user text becomes inert in Markdown, HTML and SVG.

Markdown escaping differs from HTML escaping: `|` ends a table cell and `*` starts
emphasis, so text is HTML-escaped first, then Markdown's punctuation is backslash-escaped.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md(text: object) -> Markup:
    """Plain text safe inside Markdown (including a table cell): shown exactly as typed."""
    if text is None:
        return Markup("")
    escaped = html.escape(str(text), quote=True)
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    return Markup(_LINE_BREAKS.sub(" ", escaped))

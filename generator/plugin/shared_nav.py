"""The theme's parts that many pages show alike, rendered once: the side navigation, search box
and logo for each folder of pages outside the navigation, and the theme's words.

Deal and account pages are never listed in the navigation, so every such page of one folder
shows the very same side navigation (its links are relative to the folder): the theme renders
it for the first, the others reuse it, byte for byte. So too the header's search box and logo,
which show the same on every page: the theme's own partials (a team's own version of one that
reads the page is rendered for every page, as the theme does). And the theme's words ("Search",
"Copy to clipboard" ...), which its templates look up some twenty times a page, each time
through a dictionary of all its words made anew: each word is looked up once a build.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, TemplateNotFound
from markupsafe import Markup

SHARED = ("partials/nav.html", "partials/search.html", "partials/logo.html")
"""The theme's partials rendered once per folder for the pages outside the navigation."""
READS_THE_PAGE = re.compile(r"\bpage\b")
WRAPPER = """\
{%- if funnel_nav is defined -%}
{%- set kept = funnel_nav.get(funnel_nav_key, "NAME") -%}
{%- if kept -%}{{ kept }}{%- else -%}
{%- set rendered -%}{%- include "funnel/theme/NAME" -%}{%- endset -%}
{{- funnel_nav.keep(funnel_nav_key, "NAME", rendered) -}}
{%- endif -%}
{%- else -%}{%- include "funnel/theme/NAME" -%}{%- endif -%}
"""
"""A theme's partial `NAME`, wrapped: what it renders for a page outside the navigation is
kept by the page's folder and given to the next such page, byte for byte."""


class SharedNavigation:
    """The partials (see `SHARED`) as rendered for pages outside the navigation, by the
    folder of their URL and the partial's name."""

    def __init__(self) -> None:
        self.rendered: dict[tuple[str, str], Markup] = {}

    @classmethod
    def install(cls, env: Any) -> SharedNavigation | None:
        """Wrap the theme's partials in `env` (None when the theme has none of them). The
        navigation is wrapped whatever its source; another partial only when it does not
        read the page."""
        wrapped = [
            name
            for name in SHARED
            if _in_place_of(env, name, WRAPPER.replace("NAME", name), any_source=name == SHARED[0])
        ]
        return cls() if wrapped else None

    def get(self, key: str, name: str) -> Markup | None:
        """The partial `name` kept for pages in this folder."""
        return self.rendered.get((key, name))

    def keep(self, key: str, name: str, rendered: str) -> Markup:
        """Keep the partial `name` the theme just rendered for a page in this folder."""
        self.rendered[key, name] = Markup(rendered)
        return self.rendered[key, name]


LANGUAGE = "partials/language.html"
"""The theme's partial of its words: its macro `t(key)` gives a word in the site's language."""
REMEMBERED_LANGUAGE = "{% macro t(key) %}{{ funnel_word(key) }}{% endmacro %}"


class Words:
    """The theme's words by key, each looked up once with the theme's own `t` macro."""

    def __init__(self, env: Any, config: Any) -> None:
        self.env, self.config = env, config
        self.known: dict[str, Markup] = {}
        self._module: Any = None

    @classmethod
    def install(cls, env: Any, config: Any) -> Words | None:
        """Have the theme's templates in `env` look up each word once (None when the theme
        has no such partial, or its own reads the page)."""
        if not _in_place_of(env, LANGUAGE, REMEMBERED_LANGUAGE):
            return None
        words = cls(env, config)
        env.globals["funnel_word"] = words
        return words

    def __call__(self, key: str) -> Markup:
        found = self.known.get(key)
        if found is None:
            if self._module is None:
                template = self.env.get_template(f"funnel/theme/{LANGUAGE}")
                self._module = template.make_module({"config": self.config})
            found = self.known[key] = Markup(self._module.t(key))
        return found


def _in_place_of(env: Any, name: str, template: str, any_source: bool = False) -> bool:
    """Have `env` render `template` in place of the theme's `name`, whose own source it finds
    as `funnel/theme/<name>`; whether it does (not when the theme has no `name`, nor, unless
    `any_source`, when the source of `name` reads the page)."""
    try:
        source, _, _ = env.loader.get_source(env, name)
    except TemplateNotFound:
        return False
    if not any_source and READS_THE_PAGE.search(source):
        return False
    own = {name: template, f"funnel/theme/{name}": source}
    env.loader = ChoiceLoader([DictLoader(own), env.loader])
    return True


def in_navigation(page: Any, nav: Any) -> bool:
    """Whether `page` is listed in the navigation `nav`."""
    return page.parent is not None or any(item is page for item in nav.items)

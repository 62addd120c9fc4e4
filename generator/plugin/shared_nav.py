"""The theme's side navigation, rendered once per folder for the pages that are not in it.

Deal and account pages are never listed in the navigation, so every such page of one folder
shows the very same side navigation (its links are relative to the folder): the theme renders
it for the first, the others reuse it, byte for byte.
"""

from __future__ import annotations

from typing import Any

from jinja2 import ChoiceLoader, DictLoader, TemplateNotFound
from markupsafe import Markup

NAV_WRAPPER = """\
{%- if funnel_nav is defined -%}
{%- set kept = funnel_nav.get(funnel_nav_key) -%}
{%- if kept -%}{{ kept }}{%- else -%}
{%- set rendered -%}{%- include "funnel/theme-nav.html" -%}{%- endset -%}
{{- funnel_nav.keep(funnel_nav_key, rendered) -}}
{%- endif -%}
{%- else -%}{%- include "funnel/theme-nav.html" -%}{%- endif -%}
"""
"""The theme's `partials/nav.html`, wrapped: what it renders for a page outside the
navigation is kept by the page's folder and given to the next such page, byte for byte."""


class SharedNavigation:
    """The side navigation as rendered for pages outside it, by the folder of their URL."""

    def __init__(self) -> None:
        self.rendered: dict[str, Markup] = {}

    @classmethod
    def install(cls, env: Any) -> SharedNavigation | None:
        """Wrap the theme's navigation partial in `env` (None when the theme has none)."""
        try:
            source, _, _ = env.loader.get_source(env, "partials/nav.html")
        except TemplateNotFound:
            return None
        own = DictLoader({"partials/nav.html": NAV_WRAPPER, "funnel/theme-nav.html": source})
        env.loader = ChoiceLoader([own, env.loader])
        return cls()

    def get(self, key: str) -> Markup | None:
        """The navigation kept for pages in this folder."""
        return self.rendered.get(key)

    def keep(self, key: str, rendered: str) -> Markup:
        """Keep the navigation the theme just rendered for a page in this folder."""
        self.rendered[key] = Markup(rendered)
        return self.rendered[key]


def in_navigation(page: Any, nav: Any) -> bool:
    """Whether `page` is listed in the navigation `nav`."""
    return page.parent is not None or any(item is page for item in nav.items)

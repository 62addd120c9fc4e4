"""A few pages made again through the theme, between two whole builds of the live preview.

After a save, `funnel serve` shows the pages that changed at once (see `site.preview`): each
goes through the same steps as in a whole build (the plugins' page events, Markdown, the
theme's template) with the configuration, files, navigation and templates of the last whole
build, and is written over its old file in the served folder. The rest of the site follows
with the next whole build.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.commands.build import get_context
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as ThemePage

from ..data.cache_files import write_whole
from ..site.context import Page
from .kept_pages import KeptMarkdownPage


@dataclass
class LastBuild:
    """What the last whole build set up, kept to make a few pages again."""

    config: Any
    files: Files
    nav: Navigation
    env: Any
    """The theme's Jinja2 environment, as the plugins left it."""

    def write(self, pages: Iterable[Page], site_dir: Path) -> list[str]:
        """Make each page as the whole build would and write it (whole, never half a file)
        under `site_dir`; the addresses written."""
        written = []
        files = [self._file(page) for page in pages]  # the preview's are all Markdown pages
        pages_of_site = self.files.documentation_pages()  # once (a whole build does so too)
        for file in files:
            output = self._render(file, pages_of_site).encode("utf-8", errors="xmlcharrefreplace")
            write_whole(site_dir / file.dest_uri, output)
            written.append(file.url)
        return written

    def _file(self, page: Page) -> File:
        """The site's file of `page` with its new content (a new page is added)."""
        file = self.files.get_file_from_path(page.path)
        if file is None:
            file = File.generated(self.config, page.path, content=page.markdown)
            self.files.append(file)
            ThemePage(None, file, self.config)
        else:
            file.content_string = page.markdown
        return file

    def _render(self, file: File, pages_of_site: Sequence[File]) -> str:
        """The theme's HTML of a page, through every plugin's page events."""
        config, files, plugins = self.config, self.files, self.config.plugins
        page = file.page
        assert page is not None
        page = plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        page.markdown = plugins.on_page_markdown(
            page.markdown, page=page, config=config, files=files
        )
        page.render(config, files)
        if isinstance(page, KeptMarkdownPage):
            page.whole = False  # the theme renders it (its meta is read again above)
            page.key = None  # not kept: kept pages carry their search entries
        page.content = plugins.on_page_content(page.content, page=page, config=config, files=files)
        page.active = True
        try:
            context = get_context(self.nav, pages_of_site, config, page)
            template = self.env.get_template(page.meta.get("template", "main.html"))
            meta, search = page.meta, {**(page.meta.get("search") or {}), "exclude": True}
            page.meta = {**meta, "search": search}  # the whole build beside indexes it
            context = plugins.on_page_context(context, page=page, config=config, nav=self.nav)
            page.meta = meta  # the theme's templates look at it
            output = template.render(context)
            return str(plugins.on_post_page(output, page=page, config=config))
        finally:
            page.active = False

"""The MkDocs plugin `funnel`: a thin adapter that adds the generated pages to a build."""

from __future__ import annotations

import contextlib
import html
import logging
import os
import posixpath
import time
from datetime import date
from functools import partial
from pathlib import Path
from typing import AnyStr

from jinja2 import ChoiceLoader, DictLoader
from markupsafe import Markup
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation

from ..data.collecting import fewer_collections, give_back, lasting
from ..data.files import FileEntry
from ..data.parse_cache import ParseCache
from ..data.problems import Problem, format_text, only_errors
from ..data.validate import CheckResult, check_for_build
from ..history.beside import MinedBeside
from ..history.cache import funnel_folder_of
from ..history.git import HistoryError
from ..history.mining import read_history
from ..history.past import PastCommit, past_day
from ..history.records import History
from ..site.environment import compiled_name, compiled_templates, environment
from ..site.memo import PageMemo
from ..site.pages import SCRIPT, STYLESHEET, Page, build_pages, navigation
from ..site.preview import Preview
from ..site.words import WORDS
from .ahead import EARLY_PAGES, Ahead, spare_cores
from .as_is import NAME as AS_IS_EXTENSION
from .kept_pages import (
    COMPRESS_SEARCH_FROM,
    KEPT_SOURCE,
    KEPT_TEMPLATE,
    PAGES_FOLDER,
    KeptMarkdownPage,
    KeptState,
    PackedFile,
    PageStore,
    nav_titles,
    only_known_hooks,
)
from .links import SPARE, Recycled
from .page_keys import content_digest
from .plain_text import NAME as PLAIN_TEXT_EXTENSION
from .quick_pages import LastBuild
from .shared_nav import SharedNavigation, Words, in_navigation

log = get_plugin_logger(__name__)
GIVE_BACK_EVERY = 1000
"""Pages made between two returns of freed memory to the system (see `give_back`)."""
ROBOTS_META = '<meta name="robots" content="noindex, nofollow">'


class FunnelConfig(Config):
    """The plugin's options in mkdocs.yml: where the data and the templates are, the as-of
    date and the language of the pages."""

    data_dir = c.Type(str, default="data")
    templates = c.Type(str, default="templates")
    as_of = c.Optional(c.Type(str))
    at = c.Optional(c.Type(str))
    language = c.Choice(tuple(WORDS), default="en")


class FunnelPlugin(BasePlugin[FunnelConfig]):
    """Checks data/, then generates the funnel's pages; bad data stops the build.

    `funnel build` and `funnel serve` pass their --data, --as-of and --at through the
    environment variables FUNNEL_DATA, FUNNEL_AS_OF and FUNNEL_AT, which win over mkdocs.yml.
    With `at`, the site is built as it was at the end of that day (the data of the main
    line's last commit of that day, and its history up to it), judged as of that day.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[Page] = []
        self.serving = False
        self.navigation: SharedNavigation | None = None
        self.refused: list[Problem] = []
        """Under `funnel serve`: the errors of the data as it is now, while the preview keeps
        showing the last pages made from good data."""
        self.store: PageStore | None = None
        self.memo: PageMemo | None = None
        self.kept = KeptState()
        self.files: Files | None = None
        """This build's files, from its navigation to its end."""
        self.ahead: Ahead | None = None
        """The pages made ahead on the second core while the build converts them."""
        self.recycled: Recycled | None = None
        """The site the last build replaced, made into this build's (see `Recycled`)."""
        self.live = False
        """Under `funnel serve`'s live preview, which shows the data's errors itself."""
        self.last_build: LastBuild | None = None
        self.preview: Preview | None = None
        """The live preview's data and context, as of the last whole build."""
        self.made_pages = 0
        """Pages of both rounds so far (see `_made_one`)."""
        self.content = ""
        """What every page's content depends on (see `content_digest`), once the files are
        known."""
        self.caches: Path | None = None
        """The data's `.git/funnel/` (None outside git): the stores, the parse cache and the
        compiled templates."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note whether this is a live preview: there, bad data never stops the server."""
        self.serving = command == "serve"

    def _data(self) -> str:
        return os.environ.get("FUNNEL_DATA") or self.config.data_dir

    def _day(self, name: str) -> date | None:
        value = os.environ.get(f"FUNNEL_{name.upper()}") or getattr(self.config, name)
        if not value:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise PluginError(f"funnel: {name} {value!r} is not a date (YYYY-MM-DD)") from None

    def on_config(self, config, /):
        """Check the data (errors stop the build), read its history, and make the pages."""
        for extension in (AS_IS_EXTENSION, PLAIN_TEXT_EXTENSION):  # see their modules
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        root = Path(config.config_file_path).parent
        at = self._day("at")
        as_of = at or self._day("as_of") or date.today()
        data = self._data()
        words = WORDS[self.config.language]
        past, entries = None, None
        if at is not None:
            try:
                past, entries = past_day(root / data, at, env=os.environ)
            except HistoryError as exc:
                raise PluginError(f"funnel: no site as of {at}: {exc}") from None
            log.info(f"funnel: the site as it stood on {at}: commit {past.sha[:12]}")
        caches = self.caches = self._open_stores(root / data)
        self.recycled = None
        if self._keeping_written(config):  # listed while the data is checked
            self.recycled = Recycled.start(self.spare(), config.site_dir)
        try:
            with fewer_collections():  # the data and the pages' Markdown: few cycles
                pages = self._pages(root, as_of, past, entries, caches, config.use_directory_urls)
            self.pages, self.refused = pages, []
            give_back()  # what the data and the pages' making used
        except DataRefused as exc:
            if not self.serving:
                raise PluginError(str(exc)) from None
            log.info(  # a warning would abort the rebuild in strict mode
                f"funnel: the data has {len(exc.errors)} error(s); the preview keeps showing "
                f"the last good data:\n{format_text(exc.errors)}"
            )
            self.refused = exc.errors  # self.pages: the last good ones (none yet: a home page)
        if config.site_name == WORDS["en"]["site_title"]:  # the default name, in the site's words
            config.site_name = words["site_title"]
        if not config.nav:
            nav = navigation(self.pages, self.config.language) if self.pages else []
            config.nav = (nav or [{words["home"]: "index.md"}]) + _own_docs(config)
            # deal and account pages stay out of the navigation by design: say nothing of it
            config.validation.nav.omitted_files = logging.DEBUG
        config.extra_css = [*config.extra_css, STYLESHEET.path]
        config.extra_javascript = [*config.extra_javascript, SCRIPT.path]
        return config

    def _open_stores(self, data_dir: Path) -> Path | None:
        """The pages and Markdown kept by earlier builds, in the data's `.git/funnel/`
        (`funnel serve` keeps both in memory between its rebuilds too); that folder (None
        outside git), where the parse cache lives too."""
        folder = funnel_folder_of(data_dir, env=os.environ)
        pages = None if folder is None else folder / PAGES_FOLDER
        if self.store is None or self.store.folder != pages or not self.serving:
            self.store = PageStore(pages, remember=self.serving)
        if self.memo is None or self.memo.folder != folder or not self.serving:
            self.memo = PageMemo.load(folder)
        self.store.start()
        self.memo.start()
        return folder

    def _pages(
        self,
        root: Path,
        as_of: date,
        past: PastCommit | None,
        entries: list[FileEntry] | None,
        caches: Path | None,
        directory_urls: bool,
    ) -> list[Page]:
        """The checked data (the data folder's, or `entries`, its files at `past`; records
        kept in the parse cache in `caches`) and its history (up to `past`) as pages, with
        the site's kind of addresses (`directory_urls`); errors stop the build."""
        data = self._data()
        cache = None if caches is None else ParseCache(caches)
        beside = None
        if caches is not None and not self.serving and spare_cores() >= 2:
            beside = MinedBeside(root / data, git_env=os.environ)  # while the data is checked
        with self._to_the_end():
            result = self._checked(root / data, as_of, cache, entries, beside)
            history, notice = _mined(root / data)
        if history is not None and past is not None:
            history = history.until(past.sha, past.line)
        compiled = None if caches is None else compiled_templates(caches, compiled_name())
        env = environment(root / self.config.templates, compiled)
        pages = build_pages(
            result.dataset.valid(),
            as_of,
            templates=root / self.config.templates,
            language=self.config.language,
            history=history,
            history_notice=notice,
            memo=self.memo,
            env=env,
            directory_urls=directory_urls,
            cores=1 if self.serving else spare_cores(),
        )
        if self.memo is not None and not self.serving:
            self.memo.save()
            self.memo.made, self.memo.used = {}, {}  # a build does not come back to its pages
        if self.live:
            self.preview = Preview(
                root / data,
                as_of,
                display=data,
                templates=root / self.config.templates,
                language=self.config.language,
                history=history,
                history_notice=notice,
                cache=cache,  # its records: the very ones this build read
                env=env,  # its templates: compiled by this build
                directory_urls=directory_urls,
            )
        return pages

    def _checked(
        self,
        folder: Path,
        as_of: date,
        cache: ParseCache | None,
        entries: list[FileEntry] | None,
        beside: MinedBeside | None,
    ) -> CheckResult:
        """The data checked for the build, its warnings told; errors stop the build (and
        the history mined `beside` it, which is otherwise waited for)."""
        try:
            result = check_for_build(
                folder, as_of, self._data(), cache=cache, now_ns=time.time_ns(), entries=entries
            )
            errors = only_errors(result.problems)
            for problem in result.problems:
                if problem.severity == "warning":
                    log.info(str(problem))
            if errors:
                raise DataRefused(errors)
        except BaseException:
            if beside is not None:
                beside.stop()
            raise
        if beside is not None:
            beside.wait()
        return result

    def _to_the_end(self) -> contextlib.AbstractContextManager[None]:
        """What a build makes inside lives to its end: made without collections, then frozen
        (`lasting`); never so in `funnel serve`, which builds again and again for hours."""
        return contextlib.nullcontext() if self.serving else lasting()

    def on_files(self, files: Files, /, *, config) -> Files:
        """Add the generated pages, the stylesheet and the script (they win over files of
        the same path); before any good data, a home page that carries the errors."""
        home = Page("index.md", f"# {WORDS[self.config.language]['site_title']}\n")
        self.kept = KeptState()
        self.kept.links.recycled = self.recycled
        for file in PackedFile.all_of(config, [*(self.pages or [home]), STYLESHEET, SCRIPT]):
            existing = files.src_uris.get(file.src_uri)
            if existing is not None:
                files.remove(existing)
            files.append(file)
            if file.is_documentation_page():
                self.kept.generated.append(file)
        if self.store is not None:
            content, titles = content_digest(config), nav_titles(config.nav or [])
            self.content = content
            lean = not self.serving  # a build never comes back to its pages
            self.store.compress_search = len(self.kept.generated) >= COMPRESS_SEARCH_FROM
            for generated in self.kept.generated:  # the navigation takes these pages as they are
                KeptMarkdownPage(
                    titles.get(generated.src_uri), generated, config, self.store, content, lean
                )
            if lean:
                self.pages = []  # their Markdown is the files' now, let go once rendered
        return files

    def on_nav(self, nav: Navigation, /, *, config, files: Files) -> Navigation:
        """The navigation, for the pages kept whole (it is part of their key). A build writes
        them now, when no other plugin sees a page (see `KeptState.pass_through`); one that
        keeps its pages on disk has the second core make the others from the last (`ahead`)."""
        self.kept.nav = nav
        self.ahead = None
        self.kept.keeping_written = self._keeping_written(config)
        if self.kept.keeping_written and self.store is not None:
            self.store.try_links(Path(config.site_dir))
        if self.recycled is not None:
            self.recycled.take(file.dest_uri for file in files)
        if self.kept.keeping_written and self.store is not None and self.store.holds_any():
            early = partial(self._ahead_of_passing, config, files, nav)
            with self._to_the_end():  # kept pages read back (no cycles), and the files
                self.kept.pass_through(
                    config, files, nav, self._finish_kept, early if self._two_cores() else None
                )
        if self.recycled is not None:
            self.recycled.drop_rest()  # before any page is written
        if self._two_cores() and self.ahead is None:
            pages = [file.page for file in files.documentation_pages()]
            kept = [page for page in pages if isinstance(page, KeptMarkdownPage)]
            self.ahead = Ahead.start(kept, config, files, nav, write=self.kept.keeping_written)
        self.files = files
        return nav

    def _ahead_of_passing(
        self, config, files: Files, nav: Navigation, pages: list[KeptMarkdownPage]
    ) -> None:
        """The pages not kept are made ahead while the kept ones are written (see
        `KeptState.pass_through`), each taken out of the old site first (see
        `Recycled.release`)."""
        if len(pages) < EARLY_PAGES:
            return
        if self.recycled is not None:
            self.recycled.release(page.file.abs_dest_path for page in pages)
        self.ahead = Ahead.start(pages, config, files, nav, write=True, at_least=EARLY_PAGES)

    def spare(self) -> Path | None:
        """Where the site this build replaces is kept for the next build (see `Recycled`):
        in the data's `.git/funnel/` (None outside git)."""
        return None if self.caches is None else self.caches / SPARE

    def _keeping_written(self, config) -> bool:
        """A build (not `funnel serve`'s) writes the pages kept whole ahead, and keeps the
        pages as written, when no plugin but this one and the theme's search sees a page."""
        return (
            self.store is not None and not self.serving and only_known_hooks(config.plugins, self)
        )

    def _finish_kept(self, output: bytes, page) -> bytes:
        """A kept page's output (its UTF-8) as the build finishes a page the theme made (no
        refusal: pages are written ahead only when the data is good)."""
        output = _noindex(output, WORDS[self.config.language]["search_label"])
        return _title_escaped(output, page.title)

    def on_template_context(self, context, /, *, template_name, config):
        """The theme's own pages (the sitemap) list every page, those written ahead too."""
        if self.kept.pages is not None:
            context["pages"] = self.kept.pages
        return context

    def _two_cores(self) -> bool:
        """Pages are made ahead on a second core when they are kept on disk, in a build
        (not `funnel serve`'s own, which comes back to its pages)."""
        store = self.store
        return store is not None and store.folder is not None and not (self.serving or store.ahead)

    def on_pre_page(self, page, /, *, config, files):
        """The build begins making `page`: the pages made ahead stop before it."""
        if self.ahead is not None:
            self.ahead.begin(page)
        self._made_one()
        return page

    def _made_one(self) -> None:
        """Another page of a round (begun in the first, made in the theme's): every
        `GIVE_BACK_EVERY` pages, the memory their making freed goes back to the system (see
        `give_back`)."""
        self.made_pages += 1
        if self.made_pages % GIVE_BACK_EVERY == 0:
            give_back()

    def on_build_error(self, /, *, error) -> None:
        """A failed build stops the pages made ahead, and the links being made."""
        self._stop_ahead()
        if self.recycled is not None:
            self.recycled.stop()
        self.kept.links.stop()

    def _stop_ahead(self, finish: bool = False) -> list[KeptMarkdownPage]:
        """Stop the process making pages ahead, if any; the pages it wrote into the site."""
        if self.ahead is None:
            return []
        self.ahead.stop(finish)
        written, self.ahead = self.ahead.written_pages(), None
        return written

    def _start_writing(self, env, /, *, config, files):
        """Render the theme's side navigation once for all the pages that are not in it, and
        each of its words once; pages kept whole are written as they were kept."""
        for page in self._stop_ahead():  # every page is converted: the build makes the rest
            page.written_ahead = True  # written whole when kept whole (see `KeptState.start`)
        self.navigation = SharedNavigation.install(env)
        Words.install(env, config)
        if self.caches is not None and self.content:
            # the theme's templates, kept compiled by what every page's content depends on
            # (the configuration, the versions of MkDocs, the theme and Jinja, funnel's code)
            name = f"theme-{self.content[:16]}"
            env.bytecode_cache = compiled_templates(self.caches, name)
        env.loader = ChoiceLoader([DictLoader({KEPT_TEMPLATE: KEPT_SOURCE}), env.loader])
        self.kept.start(config)
        if self.live and self.kept.nav is not None:
            self.last_build = LastBuild(config, files, self.kept.nav, env)
        return env

    @event_priority(-100)  # the environment as every plugin left it
    def _render_ahead(self, env, /, *, config, files):
        """The theme's round on two cores: a process renders the pages not kept whole from
        the last, with each page's HTML as this build converted it."""
        if self._two_cores() and self.kept.nav is not None:
            pages = [file.page for file in files.documentation_pages()]
            rest = [p for p in pages if isinstance(p, KeptMarkdownPage) and not p.whole]
            self.ahead = Ahead.start(
                rest, config, files, self.kept.nav, env, write=self.kept.keeping_written
            )
            for page in rest if self.ahead is not None else ():
                page.when_active = self._made_ahead
        return env

    on_env = CombinedEvent(_start_writing, _render_ahead)

    def _made_ahead(self, page: KeptMarkdownPage) -> None:
        """The theme is about to render `page`: written as it was kept when the process
        made it (the process stops before it otherwise)."""
        if self.ahead is not None and self.ahead.begin(page):
            self.kept.adopt(page, written=self.ahead.wrote(page))

    @event_priority(100)  # before the search plugin
    def _hide_kept(self, context, /, *, page, config, nav):
        """A page whose content is kept is not parsed for search again."""
        self.kept.before_search(page, context)
        return context

    def _shared_navigation(self, context, /, *, page, config, nav):
        """Pages outside the navigation (deals, accounts) in one folder show the very same side
        navigation (its links are relative to the folder): the theme renders it for the
        first, the others reuse it."""
        if self.navigation is not None and not in_navigation(page, nav):
            context["funnel_nav"] = self.navigation
            context["funnel_nav_key"] = posixpath.dirname(page.url.rstrip("/"))
        return context

    @event_priority(-100)  # after the search plugin, before the theme
    def _show_kept(self, context, /, *, page, config, nav):
        """The kept page's meta as read, for the theme."""
        self.kept.after_search(page)
        return context

    on_page_context = CombinedEvent(_hide_kept, _shared_navigation, _show_kept)

    @event_priority(100)  # before any other plugin changes the page
    def _keep_page(self, output: str, /, *, page, config) -> str:
        """Keep what the theme made of a generated page, with its search entries."""
        self.kept.page_done(page, output)
        return output

    def _finish_page(self, output: str, /, *, page, config) -> str:
        """Keep the site out of search engines (noindex), and keep titles text; under
        `funnel serve` with bad data, say so on top of every page.

        Themes print `page.title | striptags` into <title>, which turns the escaped
        `&lt;/title&gt;` of a user's text back into markup; it is escaped again here.
        """
        output = _noindex(output, WORDS[self.config.language]["search_label"])
        if self.refused and not self.live:
            output = _with_refusal(output, self.refused, WORDS[self.config.language])
        self._made_one()
        return _title_escaped(output, page.title)

    on_post_page = CombinedEvent(_keep_page, _finish_page)

    def show(self, pages: list[Page], site_dir: Path) -> list[str]:
        """The live preview's first answer to a save: make `pages` again with the last whole
        build's setup and write them into `site_dir` (the folder being served); their
        addresses. The next whole build starts from them too."""
        if self.last_build is None:
            return []
        written = self.last_build.write(pages, site_dir)
        made = {page.path: page for page in pages}
        self.pages = [made.pop(page.path, page) for page in self.pages] + list(made.values())
        return written

    def refusal(self, html_page: str, errors: list[Problem]) -> str:
        """`html_page` with the data's `errors` on top (the live preview adds them as it
        serves each page, while the files stay those of the last good data)."""
        return _with_refusal(html_page, errors, WORDS[self.config.language])

    @event_priority(100)  # before the search plugin writes its index
    def _last_entries(self, /, *, config) -> None:
        """The search entries of the pages written ahead, after the last page the build made;
        their links to anchors checked."""
        if self.files is not None:
            self.kept.finish(self.files, config.validation.links.anchors)
        self.files = None
        give_back()  # before the search index is written, all at once

    def _forget_unused(self, /, *, config) -> None:
        """Forget the pages this build did not use (not under `funnel serve`, which may come
        back to them); say how many were kept."""
        self._stop_ahead(finish=True)  # every page is written: its own last one too
        if self.recycled is not None:
            self.recycled.tidy()
            self.recycled = self.kept.links.recycled = None
        if self.store is None:
            return
        if not self.serving:
            self.store.keep_written(self.kept.shell)
            self.store.prune(self.kept.shell)
        made = self.memo
        log.info(
            f"funnel: {self.store.hits} page(s) kept from the last build, "
            f"{self.store.rendered} rendered"
            + (f"; Markdown of {made.hits} page(s) kept, {made.rendered} made" if made else "")
        )

    on_post_build = CombinedEvent(_last_entries, _forget_unused)

    def on_post_template(self, output_content: str, /, *, template_name: str, config) -> str:
        """The theme's own pages (404.html) say noindex too."""
        if not template_name.endswith(".html"):
            return output_content
        return _noindex(output_content, WORDS[self.config.language]["search_label"])

    def on_serve(self, server, /, *, config, builder):
        """Rebuild when the data or the templates change."""
        root = Path(config.config_file_path).parent
        for folder in (self._data(), self.config.templates):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server


def _mined(folder: Path) -> tuple[History | None, str | None]:
    """The history of the data `folder`, or None and why not (the pages that need it say
    so)."""
    try:
        return read_history(folder, git_env=os.environ), None
    except HistoryError as exc:
        log.info(f"funnel: no history pages: {exc}")
        return None, f"{exc}."


class DataRefused(Exception):
    """The data has errors: nothing is made from it."""

    def __init__(self, errors: list[Problem]) -> None:
        super().__init__(
            f"funnel: the data has {len(errors)} error(s); nothing was built:\n"
            + format_text(errors)
        )
        self.errors = errors


ARTICLE = '<article class="md-content__inner md-typeset">'


def _with_refusal(html_page: str, errors: list[Problem], words: dict[str, str]) -> str:
    """The page with the data's errors on top, escaped (they quote what users typed)."""
    lines = html.escape(format_text(errors).rstrip("\n"), quote=False)
    title = html.escape(words["refused_title"].format(count=len(errors)), quote=False)
    notice = (
        f'<div class="admonition failure funnel-refused" role="alert">'
        f'<p class="admonition-title">{title}</p><pre><code>{lines}</code></pre></div>'
    )
    if ARTICLE in html_page:
        return html_page.replace(ARTICLE, ARTICLE + notice, 1)
    body = html_page.find(">", html_page.find("<body")) + 1
    return html_page[:body] + notice + html_page[body:] if body else notice + html_page


SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def _noindex(html_page: AnyStr, search_label: str) -> AnyStr:
    """noindex for search engines; and a name for the theme's search dialog (accessibility)."""
    head, robots, dialog, labelled = _like(
        html_page,
        "<head>",
        f"<head>\n    {ROBOTS_META}",
        SEARCH_DIALOG,
        f'{SEARCH_DIALOG[:-1]} aria-label="{search_label}">',
    )
    return html_page.replace(head, robots, 1).replace(dialog, labelled, 1)


def _title_escaped(html_page: AnyStr, title: str | None) -> AnyStr:
    """Themes print `page.title | striptags` into <title>, which turns the escaped
    `&lt;/title&gt;` of a user's text back into markup: escaped again."""
    if not title:
        return html_page
    printed = Markup(title).striptags()
    escaped = html.escape(printed, quote=False)
    if printed == escaped:
        return html_page
    old, new = _like(html_page, f"<title>{printed}", f"<title>{escaped}")
    return html_page.replace(old, new, 1)


def _like(page: AnyStr, *texts: str) -> tuple[AnyStr, ...]:
    """`texts` as the same kind of text as `page`: a page as written (UTF-8) or as made."""
    if isinstance(page, str):
        return texts
    return tuple(text.encode("utf-8") for text in texts)


def _own_docs(config) -> list[str]:
    """The team's own Markdown pages in docs/ (the data format, a handbook ...)."""
    docs = Path(config.docs_dir)
    if not docs.is_dir():
        return []
    return sorted(str(path.relative_to(docs).as_posix()) for path in docs.rglob("*.md"))

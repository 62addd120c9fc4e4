"""The second core of a build: the generated pages made ahead, from the last page.

MkDocs makes a build's pages in two rounds, one page after the other on one core: it converts
every page's Markdown, and then the theme renders every page. When the machine has a core to
spare and the pages are kept on disk (a build in a git repository), a forked process makes
pages from the last one backwards in each round, while the build goes from the first:

- while the build converts, the process makes whole pages (converted, indexed for search and
  rendered by the theme, with the theme's environment and the plugins' `env` events of its
  own). The build finds those pages kept when it gets there, and writes their kept HTML;
- while the theme renders, a second process, forked once every page is converted, has each
  page's HTML as the build converted it: it indexes and renders the pages the build has not
  made yet, from the last, and the build adopts each page made so when it gets there
  (`KeptState.adopt`).

Each process stops where the build catches up with it, so no page is made twice but the one
both were on. What a process keeps is keyed as any kept page is: a page whose shell (the
navigation as rendered) came out otherwise in the process is rendered by the build's theme
again, from its content. A page is kept only as the build would keep it: not when one of its
links finds no page, nor when making it logged a warning (the build makes it and warns
itself). A process writes nothing into the site (the build writes every page), stops too when
the build stops or goes away, and `stop` ends it before the build goes on without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from ctypes import c_bool, c_longlong
from multiprocessing.sharedctypes import RawArray, RawValue
from typing import Any

from mkdocs import utils
from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation

from ..data.forked import fork
from .kept_pages import KeptMarkdownPage, Warned

MIN_PAGES = 50
"""Fewer generated pages than this are made by the build alone (a fork costs more)."""
EARLY_PAGES = 4
"""From this many pages not kept, they are made ahead while the build writes the pages kept
whole (see `KeptState.pass_through`): the changed pages of a warm build (a deal's, its
account's, its rep's, the forecast, the week's review ...) are the biggest of the site, and
the build spent as long on them as on passing its 12,900 kept pages."""
PASSED_ALL = 2**62
FINISH_SECONDS = 60
"""How long a process making pages is waited for to finish its page, once the build is done."""


class Ahead:
    """The process making pages from the last one; how far the build and the process got."""

    def __init__(
        self,
        pid: int,
        passed: Any,
        made: Any,
        pages: Sequence[KeptMarkdownPage],
        written: Any = None,
    ) -> None:
        self.pid = pid
        self.passed = passed
        """The order of the last page the build began (shared memory)."""
        self.made = made
        """The order of the last page the process is done with (shared memory)."""
        self.pages = pages
        self.order = {page.file.src_uri: index for index, page in enumerate(pages)}
        self.written = written
        """Which pages the process wrote into the site, by order (shared memory; None: it
        writes none)."""

    @classmethod
    def start(
        cls,
        pages: Sequence[KeptMarkdownPage],
        config: Any,
        files: Files,
        nav: Navigation,
        env: Any = None,
        write: bool = False,
        at_least: int | None = None,
    ) -> Ahead | None:
        """Fork the process for `pages` (in the order the build makes them): it converts and
        renders them; with the theme's `env` (pages the build converted), it renders them.
        With `write`, it writes each page it makes into the site as well (see `wrote`).
        None when there is no core to spare, no fork, or fewer pages than `at_least`
        (`MIN_PAGES` unless given)."""
        if len(pages) < (MIN_PAGES if at_least is None else at_least) or spare_cores() < 2:
            return None
        passed, made = RawValue(c_longlong, -1), RawValue(c_longlong, len(pages))
        written = RawArray(c_bool, len(pages)) if write else None
        progress = Progress(passed, made, os.getpid(), written)

        def make() -> None:
            _quiet()
            _make_from_the_end(pages, config, files, nav, env, progress)

        return cls(fork(make), passed, made, pages, written)

    def wrote(self, page: Any) -> bool:
        """Whether the process wrote `page` into the site, as the build would write it (the
        process is done with it: see `begin`)."""
        index = self.order.get(page.file.src_uri)
        return self.written is not None and index is not None and bool(self.written[index])

    def begin(self, page: Any) -> bool:
        """The build begins `page`: the process stops before it. Whether the process is
        done with it (it may have left it to the build: see the store)."""
        index = self.order.get(page.file.src_uri)
        if index is None:
            return False
        if index > self.passed.value:
            self.passed.value = index
        return bool(index >= self.made.value)

    def written_pages(self) -> list[KeptMarkdownPage]:
        """The pages the process wrote into the site (once it is stopped: see `wrote`)."""
        if self.written is None:
            return []
        return [page for page, written in zip(self.pages, self.written, strict=True) if written]

    def stop(self, finish: bool = False) -> None:
        """End the process (a page it is making is not kept, nor noted as written) and reap
        it. With `finish`, it is let finish the page it is making first (it may be writing
        it into the site: the build is done, and no file may be left half written), unless
        that takes it longer than `FINISH_SECONDS`."""
        self.passed.value = PASSED_ALL
        deadline = time.monotonic() + (FINISH_SECONDS if finish else 0)
        with contextlib.suppress(ChildProcessError):
            while time.monotonic() < deadline:
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    return
                time.sleep(0.002)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def spare_cores() -> int:
    """How many processes may make pages at once: two where the machine has a second core,
    processes can be forked, and the memory for a second process is there; else one."""
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork") or not memory_to_spare():
        return 1
    return 2


def memory_to_spare(meminfo: str = "/proc/meminfo", statm: str = "/proc/self/statm") -> bool:
    """Whether the machine has the memory for a second process: as much again as this one
    holds (it shares the build's memory at first, and comes to copy much of it). Yes where
    the system does not say (no `/proc`)."""
    try:
        with open(statm, encoding="ascii") as held:
            resident = int(held.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open(meminfo, encoding="ascii") as info:
            fields = dict(line.split(":", 1) for line in info if ":" in line)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError, IndexError):
        return True
    return available > resident


class Progress:
    """Where the build and the process are, as the process sees it."""

    def __init__(self, passed: Any, made: Any, parent: int, written: Any = None) -> None:
        self.passed, self.made, self.parent = passed, made, parent
        self.written = written
        self.making = PASSED_ALL
        """The order of the page the process is making (none yet: one never reached)."""

    def reached(self, order: int) -> bool:
        """The build has begun page `order` (or a later one), or has gone: its process is
        no longer this one's parent."""
        return self.passed.value >= order or os.getppid() != self.parent


def _make_from_the_end(
    pages: Sequence[KeptMarkdownPage],
    config: Any,
    files: Files,
    nav: Navigation,
    env: Any,
    progress: Progress,
) -> None:
    """Make and keep `pages` from the last, until the build has begun the next one. Without
    a theme's `env`, each page is converted first (the process makes its own `env`). Each
    page made is written into the site too when the build asked so (`progress.written`):
    the build then writes nothing of it (see `KeptMarkdownPage.written_ahead`)."""
    writing = progress.written is not None
    done: set[str] = set()
    if writing:
        _noting_writes(done, lambda: progress.reached(progress.making))
    with Warned(("", "mkdocs")) as warnings:  # the process shows nothing: see `_quiet`
        convert = env is None
        if pages:  # this process keeps pages, and forks no other
            pages[0].store.ahead = True
        if convert:  # the navigation as the build shows it: with the titles of its pages
            for shown_page in nav.pages:  # that only their conversion gives (the team's docs)
                if not isinstance(shown_page, KeptMarkdownPage) and shown_page.content is None:
                    _populate_page(shown_page, config, files)
            env = config.plugins.on_env(config.theme.get_env(), config=config, files=files)
        shown = files.documentation_pages()
        for order in range(len(pages) - 1, -1, -1):
            if progress.reached(order):
                break
            page = pages[order]
            progress.making = order
            before = warnings.count
            try:
                if convert:
                    _populate_page(page, config, files)
                if warnings.count == before and not (convert and page.kept is not None):
                    if not writing:
                        page.file.abs_dest_path = os.devnull  # the build writes the page
                    _build_page(page, config, shown, nav, env)  # kept as the theme made it
            except Exception:  # the build makes it, and says what is wrong
                page.key = None
            if warnings.count != before and page.key is not None:
                page.store.forget(page.key)
            elif writing and page.key is not None and page.file.abs_dest_path in done:
                progress.written[order] = True
            progress.made.value = order


def _noting_writes(done: set[str], reached: Callable[[], bool]) -> None:
    """Note each file MkDocs writes in this process (it writes pages with `utils.write_file`;
    a page written otherwise is not noted, and the build writes it again). A page the build
    has `reached` meanwhile is not written: the build makes and writes it."""
    write_file = utils.write_file

    def noted(content: bytes, output_path: str) -> None:
        if reached():
            return
        write_file(content, output_path)
        done.add(output_path)

    utils.write_file = noted


def _quiet() -> None:
    """Show nothing in the terminal: the build shows what needs to be shown."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            logger.handlers = []

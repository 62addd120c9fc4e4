"""The second core of a build: the generated pages made ahead, from the last page.

MkDocs converts the pages' Markdown one after the other, on one core, and then the theme
renders them one after the other. When the machine has a core to spare and the pages are kept
on disk (a build in a git repository), a forked process makes the generated pages from the
last one backwards, each as the build would: converted, indexed for search and rendered by the
theme (with the theme's environment and the plugins' `env` events of its own), and keeps each
in the page store. The build, converting from the first page, finds those pages kept when it
gets there (and writes their kept HTML); the process stops where the build catches up with
it (about a third of the pages from the end: the build only converts, the process also
renders).

What the process keeps is keyed as any kept page is: a page whose shell (the navigation as
rendered) came out otherwise in the process is rendered by the build's theme again, from its
kept content. A page is kept only as the build would keep it: not when one of its links finds
no page, nor when making it logged a warning (the build makes it and warns itself). The process
stops too when the build stops or goes away; `stop` ends it before the build writes its pages.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
from collections.abc import Sequence
from ctypes import c_longlong
from multiprocessing.sharedctypes import RawValue
from typing import Any

from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation

from .kept_pages import KeptMarkdownPage, Warned

MIN_PAGES = 50
"""Fewer generated pages than this are converted by the build alone (a fork costs more)."""
PASSED_ALL = 2**62


class Ahead:
    """The process converting pages from the last one, and how far the build got."""

    def __init__(self, pid: int, passed: Any, order: dict[str, int]) -> None:
        self.pid = pid
        self.passed = passed
        """The order of the last page the build began (shared memory)."""
        self.order = order

    @classmethod
    def start(
        cls, pages: Sequence[KeptMarkdownPage], config: Any, files: Files, nav: Navigation
    ) -> Ahead | None:
        """Fork the process for `pages` (in the order the build converts them); None when
        there is no core to spare, no fork, or too few pages."""
        if len(pages) < MIN_PAGES or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
            return None
        passed = RawValue(c_longlong, -1)
        order = {page.file.src_uri: index for index, page in enumerate(pages)}
        parent = os.getpid()
        gc.freeze()  # the process's collections leave the build's objects (and pages) alone
        pid = os.fork()
        gc.unfreeze()
        if pid == 0:  # the process: never returns into the build
            code = 1
            try:
                _quiet()
                _make_from_the_end(pages, config, files, nav, passed, parent)
                code = 0
            finally:
                os._exit(code)
        return cls(pid, passed, order)

    def begin(self, page: Any) -> None:
        """The build begins converting `page`: the process stops before it."""
        index = self.order.get(page.file.src_uri)
        if index is not None and index > self.passed.value:
            self.passed.value = index

    def stop(self) -> None:
        """End the process (a page it is converting is not kept) and reap it."""
        self.passed.value = PASSED_ALL
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _make_from_the_end(
    pages: Sequence[KeptMarkdownPage],
    config: Any,
    files: Files,
    nav: Navigation,
    passed: Any,
    parent: int,
) -> None:
    """Make and keep `pages` from the last, until the build has begun the next one (or has
    gone: its process is no longer this one's parent)."""
    with Warned(("", "mkdocs")) as warnings:  # the process shows nothing: see `_quiet`
        env = config.plugins.on_env(config.theme.get_env(), config=config, files=files)
        shown = files.documentation_pages()
        for order in range(len(pages) - 1, -1, -1):
            if passed.value >= order or os.getppid() != parent:
                break
            page = pages[order]
            before = warnings.count
            try:
                _populate_page(page, config, files)
                if page.kept is not None or warnings.count != before:
                    continue  # kept by an earlier build already; or the build warns about it
                _build_page(page, config, shown, nav, env)  # kept as the theme made it
            except Exception:  # the build makes it, and says what is wrong
                page.key = None
            if warnings.count != before and page.key is not None:
                page.store.forget(page.key)


def _quiet() -> None:
    """Show nothing in the terminal: the build shows what needs to be shown."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            logger.handlers = []

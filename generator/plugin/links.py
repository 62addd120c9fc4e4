"""The pages kept as written, linked into the new site by a second process.

A warm build gives each page it keeps whole a second name in the site (a hard link: see
`PageStore.link`): at 10,000 deals, 12,000 folders made and 12,000 links, most of a second of
system calls. The build decides which pages pass (their kept file checked as unchanged) one
by one as before; the links themselves are made by a forked process while the build converts
and renders the pages that changed, and the build waits for it before it writes the search
index. The first link is made by the build itself: where linking fails (another file system),
the pages are written instead, as before. A link that fails later (a full disk) fails the
build, which leaves no half-written site.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from ..data.forked import fork

FORK_FROM = 200
"""Fewer links than this are made by the build itself (a fork costs more)."""


class Links:
    """The links a build asks for (`ask`), made in one go by a forked process (`start`) or
    by the build; `wait` tells which failed."""

    def __init__(self, link: Callable[[str, str], None]) -> None:
        self.link = link
        """Gives a file (first) a second name (then): `_link`."""
        self.asked: list[tuple[str, str]] = []
        self.made_here = False
        """The build made a link itself (see `PageStore.link`): links work here."""
        self.pid = 0
        """The process making them (0: none)."""
        self.results = -1
        """The read end of the pipe the process reports on (-1: no process)."""

    def ask(self, existing: str, name: str) -> None:
        """Link `existing` as `name`, by `wait` at the latest."""
        self.asked.append((existing, name))

    def start(self) -> None:
        """Make the links asked so far in a forked process when there are many (the build
        goes on meanwhile); else `wait` makes them."""
        if len(self.asked) < FORK_FROM or not hasattr(os, "fork") or self.pid:
            return
        read, write = os.pipe()

        def link_all() -> None:
            os.close(read)
            failed = _link_all(self.link, self.asked)
            with os.fdopen(write, "w", encoding="ascii") as report:
                report.write(" ".join(map(str, failed)) + "\n")

        self.pid = fork(link_all)
        os.close(write)
        self.results = read

    def wait(self) -> list[tuple[str, str]]:
        """Every link asked is made: the (existing, name) of those that failed."""
        asked, self.asked = self.asked, []
        if not self.pid:
            return [asked[index] for index in _link_all(self.link, asked)]
        with os.fdopen(self.results, encoding="ascii") as report:
            said = report.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid, self.results = 0, -1
        if not said.endswith("\n") or os.waitstatus_to_exitcode(status) != 0:
            return asked  # the process did not finish: none is known to be made
        return [asked[int(index)] for index in said.split()]

    def stop(self) -> None:
        """The build stops: the process is reaped (what it linked is in a site never kept)."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.close(self.results)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid, self.results = 0, -1
        self.asked = []


def _link_all(link: Callable[[str, str], None], asked: list[tuple[str, str]]) -> list[int]:
    """Make each link; the places of those that failed."""
    failed = []
    for index, (existing, name) in enumerate(asked):
        try:
            link(existing, name)
        except OSError:
            failed.append(index)
    return failed

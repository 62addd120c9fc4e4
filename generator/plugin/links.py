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
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ..data.forked import SetAside, Theirs, fork

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
        self.recycled: Recycled | None = None
        """The site the last build replaced, made into this one's (see `Recycled`)."""

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


SPARE = "site-spare"
"""The site a build replaced, kept in the data's `.git/funnel/` for the next build to take
apart (see `Recycled`)."""
ASIDE = "site-aside-"
"""What the folders beside the spare site are named before their random part, where a build
moves the files of the last site that are not its pages (see `Recycled.set_aside`)."""
STAGING = ".funnel-recycled"
"""The hidden folder of a new site where the spare site waits for the navigation (MkDocs
leaves hidden files alone as it cleans the site's folder)."""

_Listing = tuple[list[tuple[str, tuple[int, int]]], list[str]]


class Recycled:
    """The site the last build replaced, made into this build's: its folders stay, and each
    page in it that is still a second name of the very file this build keeps for that place
    (the same device and inode); every other file in it is removed before the build writes
    anything (`drop_rest`), so no page the build writes can go through a name into a kept
    file. At 10,000 deals, making 12,900 folders again took 0.3 to 3 s of system time (as
    the file system places them), and a warm build waited up to 1.3 s at its end for the
    process linking the pages into them. The files removed are moved out of the site, and
    removed by a process of their own (see `set_aside`).

    `start` moves the spare site into a hidden folder of the new site and has a forked
    process list its files while the data is checked; `take` moves it into place once the
    navigation is known (MkDocs has cleaned the site's folder then, and written nothing)."""

    def __init__(self, site_dir: str, staging: str, beside: str) -> None:
        self.site_dir, self.staging = site_dir, staging
        self.aside = SetAside(beside, ASIDE)
        """The files removed, moved beside the spare site (on the site's file system)."""
        self.listing: Theirs[str, _Listing] | None = None
        self.files: dict[str, tuple[int, int]] = {}
        """Each file of the old site not yet confirmed or removed: where it is in the new
        site, and its device and inode."""
        self.folders: list[str] = []
        """The old site's folders from the site's own, deepest first: those left empty go at
        the end (`tidy`)."""
        self.held: set[str] = set()
        """The folders of the pages that stay (never empty: `tidy` leaves them alone)."""

    @classmethod
    def start(cls, spare: Path | None, site_dir: str) -> Recycled | None:
        """Take the spare site into the new site `site_dir` (None when there is none, the new
        site's folder is not empty, or they are on different file systems)."""
        if spare is None or not _empty(site_dir):
            return None
        staging = os.path.join(site_dir, STAGING)
        try:
            os.rename(spare, staging)
        except OSError:  # none, or another file system
            return None
        recycled = cls(site_dir, staging, os.path.dirname(spare))
        recycled.listing = Theirs([staging], _list_all)
        return recycled

    def take(self, written: Iterable[str]) -> None:
        """Move the old site's files and folders into place (the new site's folder holds
        nothing else yet); when it does, they are all removed instead. A folder where this
        build writes a file (`written`: each file's place in the site) is removed."""
        if self.listing is None:
            return
        ((files, folders),) = self.listing.results()
        self.listing = None
        if not _move_into(self.staging, self.site_dir):
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        os.rmdir(self.staging)
        self.files = {self._at(name): file for name, file in files}
        self.folders = folders
        in_the_way = set(folders).intersection(written)
        for name in in_the_way:  # none but in a site changed by hand
            shutil.rmtree(self._at(name))
        if in_the_way:
            self.files = {name: file for name, file in self.files.items() if os.path.exists(name)}
            self.folders = [name for name in folders if os.path.isdir(self._at(name))]

    def confirm(self, kept: os.stat_result, destination: str) -> bool:
        """Whether the old site's file at `destination` is the kept file whose status is
        `kept` (then it stays). Another file there is removed now (`set_aside`): the page is
        linked or written there instead."""
        file = self.files.pop(destination, None)
        if file is None:
            return False
        if file == (kept.st_dev, kept.st_ino):
            self.held.add(os.path.dirname(destination))
            return True
        self.set_aside(destination)
        return False

    def release(self, destinations: Iterable[str]) -> None:
        """Take the old site's files at `destinations` out of the new site now (see
        `set_aside`): pages written there by another process before the build removes the
        rest (`drop_rest`)."""
        for destination in destinations:
            if self.files.pop(destination, None) is not None:
                self.set_aside(destination)

    def set_aside(self, name: str) -> None:
        """Take the old site's file `name` out of the new site (see `SetAside`), removed once
        the build is done (`tidy`): the build after one that made every page again (a new
        version, template or configuration) finds all 12,900 pages of 10,000 deals so."""
        self.aside.move(name)

    def drop_rest(self) -> None:
        """Remove every file of the old site not confirmed (its folders stay for the pages
        written there)."""
        files, self.files = self.files, {}
        for name in files:
            self.set_aside(name)

    def tidy(self) -> None:
        """Remove the old site's folders that no page of this build's went into, and the files
        set aside (see `set_aside`)."""
        folders, self.folders = self.folders, []
        held, self.held = self.held, set()
        for name in folders:
            folder = self._at(name)
            if folder not in held:
                with contextlib.suppress(OSError):  # not empty
                    os.rmdir(folder)
        self.aside.remove_later()

    def _at(self, name: str) -> str:
        return os.path.join(self.site_dir, name)

    def stop(self) -> None:
        """The build stops: the process listing the old site is ended."""
        if self.listing is not None:
            self.listing.stop()
            self.listing = None
        self.aside.remove_later()


def _list_all(staging: Sequence[str]) -> list[_Listing]:
    """Every file under the folder (its path from there, its device and inode), and every
    folder, the deepest first."""
    files: list[tuple[str, tuple[int, int]]] = []
    folders: list[str] = []
    (root,) = staging

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, name + "/")
                    folders.append(name)
                else:
                    status = entry.stat(follow_symlinks=False)
                    files.append((name, (status.st_dev, status.st_ino)))

    walk(root, "")
    return [(files, folders)]


def _empty(folder: str) -> bool:
    """Whether `folder` is an empty folder (a new site's, before anything is written)."""
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def _move_into(source: str, target: str) -> bool:
    """Move each entry of the folder `source` into the folder `target` (one rename each):
    whether they were moved; none is when one of them is in `target` already."""
    with os.scandir(source) as entries:
        names = [entry.name for entry in entries]
    if any(os.path.lexists(os.path.join(target, name)) for name in names):
        return False
    for name in names:
        os.rename(os.path.join(source, name), os.path.join(target, name))
    return True

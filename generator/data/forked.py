"""A second process: forked to run one piece of work, it never returns into its caller.

The build forks one for the pages made ahead and one for the links (`plugin.ahead`,
`plugin.links`); a load of many new files has one read and parse part of them (`Theirs`).
What a build leaves to remove is removed by a process of its own, which outlives the build
(`remove_later`), the files among it first moved out of the way (`SetAside`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any, BinaryIO, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def fork(work: Callable[[], None]) -> int:
    """Run `work` in a forked process; its id. The process ends with `work` (status 0, or 1
    when it raised), never returning into its caller; its collections leave the caller's
    objects alone (they are frozen as it is forked). A caller that froze objects itself (a
    build's data: see `collecting.lasting`) keeps them frozen, with all it has made since."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    pid = os.fork()
    if not frozen_before:
        gc.unfreeze()
    if pid == 0:  # the process
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    return pid


def remove_later(folders: Iterable[os.PathLike[str] | str]) -> None:
    """Remove `folders` in a process of its own, which the build does not wait for: a site of
    10,000 deals takes seconds to delete, as the file system frees its files. Folders whose
    removal was cut short (or is still going on) may be among them. Where no process can be
    started, they are removed here."""
    folders = [os.fspath(folder) for folder in folders]
    program = "import shutil, sys\nfor folder in sys.argv[1:]: shutil.rmtree(folder, True)"
    try:
        subprocess.Popen(
            [sys.executable, "-c", program, *folders],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


class SetAside:
    """Files moved out of the way into one new folder of `beside` (named `prefix` and a random
    part: a rename each, so `beside` is on their file system), and removed by a process of
    their own (`remove_later`). A rename takes 25 µs where removing a file took 110 µs, as the
    file system freed it: 12,900 pages of 10,000 deals took a build 2 s to remove. Where no
    folder can be made, each file is removed at once."""

    def __init__(self, beside: str, prefix: str) -> None:
        self.beside, self.prefix = beside, prefix
        self.folder: str | None = None
        """Where the files go (None: none moved yet; "": none can be made)."""
        self.moved = 0

    def move(self, path: str) -> None:
        """Take the file at `path` out of the way (nothing when it is gone already)."""
        if self.folder is None:
            try:
                self.folder = tempfile.mkdtemp(prefix=self.prefix, dir=self.beside)
            except OSError:
                self.folder = ""
        self.moved += 1
        with contextlib.suppress(FileNotFoundError):
            if self.folder:
                os.rename(path, os.path.join(self.folder, str(self.moved)))
            else:
                os.unlink(path)

    def remove_later(self) -> None:
        """Have the files moved removed by a process of their own, with the folders of the
        same prefix an earlier build left (their removal was cut short)."""
        if not self.folder:
            return
        self.folder = None
        try:
            with os.scandir(self.beside) as entries:
                left = [entry.path for entry in entries if entry.name.startswith(self.prefix)]
        except OSError:  # gone meanwhile
            return
        remove_later(left)


class Theirs(Generic[Item, Result]):
    """`work(items)`, one result per item, worked out by a forked process while this one does
    other work: `results()` hands them back, pickled through a pipe. Where no process can be
    forked, or it fails, `results()` works them out here: the results are the same either way."""

    def __init__(self, items: Sequence[Item], work: Callable[[Sequence[Item]], list[Result]]):
        self.items, self.work = items, work
        self.pid = 0
        self.pipe: BinaryIO | None = None
        if not hasattr(os, "fork"):
            return
        reading, writing = os.pipe()

        def theirs() -> None:
            os.close(reading)
            results = work(items)
            with open(writing, "wb") as pipe:  # streamed: no second copy of them all
                pickle.dump(results, pipe, protocol=pickle.HIGHEST_PROTOCOL)

        try:
            self.pid = fork(theirs)
        except OSError:  # no process to be had: worked out here
            os.close(reading)
            return
        finally:
            os.close(writing)
        self.pipe = open(reading, "rb")  # noqa: SIM115 (closed by results or stop)

    def results(self) -> list[Result]:
        """The results, once the other process has sent them all (or worked out here)."""
        results = None
        if self.pipe is not None:
            with self.pipe:
                results = _results(self.pipe)
            self.pipe = None
        status = os.waitpid(self.pid, 0)[1] if self.pid else 1
        self.pid = 0
        if status != 0:
            results = None
        if results is None or len(results) != len(self.items):
            results = self.work(self.items)
        return results

    def stop(self) -> None:
        """End the other process without its results (this one was interrupted)."""
        if self.pipe is not None:
            self.pipe.close()
            self.pipe = None
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0


def _results(sent: BinaryIO) -> list[Any] | None:
    """The results the other process sends, read as they come (no copy of them all), or None
    when they are cut short or not a list."""
    try:
        results = pickle.load(sent)
    except Exception:
        return None
    return results if isinstance(results, list) else None

"""The history mined by a second process while a build checks its data.

A first build of a large team spends seconds mining its history, on one core, after the
data is checked on two. `MinedBeside` forks a process that mines it into the cache
(`read_history`, which keeps what it mined in `.git/funnel/`) while the build checks; the
build then reads the history from that cache. Where no process can be forked, or it fails or
is stopped, `read_history` mines it in the build: the history is the same either way.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from pathlib import Path

from ..data.forked import fork
from .git import GIT_ENV
from .mining import read_history


class MinedBeside:
    """The history being mined into its cache by a second process (see the module)."""

    def __init__(self, data_dir: Path, *, git_env: Mapping[str, str] = GIT_ENV) -> None:
        self.pid = 0
        if not hasattr(os, "fork"):
            return

        def mine() -> None:
            signal.signal(signal.SIGTERM, _stopped)  # a cache half written is removed
            read_history(data_dir, git_env=git_env)

        try:
            self.pid = fork(mine)
        except OSError:  # no process to be had: mined by `read_history` here
            self.pid = 0

    def wait(self) -> None:
        """Wait until the history is mined (or the process failed)."""
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0

    def stop(self) -> None:
        """End the mining (this build goes no further): what it wrote whole stays cached."""
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            self.wait()


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(1)

"""A second process of the build: forked to run one piece of work, it never returns into the
build (`ahead`: the pages made from the last one; `links`: the pages kept whole linked into
the new site)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable


def fork(work: Callable[[], None]) -> int:
    """Run `work` in a forked process; its id. The process ends with `work` (status 0, or 1
    when it raised), never returning into the build; its collections leave the build's
    objects alone (they are frozen as it is forked)."""
    gc.freeze()
    pid = os.fork()
    gc.unfreeze()
    if pid == 0:  # the process
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    return pid

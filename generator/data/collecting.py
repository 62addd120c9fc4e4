"""Python's cycle collector while the funnel reads its data and makes its pages' Markdown; and
memory given back to the system after each step of a build.

By default Python collects cycles after every 700 new objects, and goes over the whole heap
again each time it has grown by a quarter. Reading a team's data makes millions of objects
that live to the end (records, events, views) and almost no cycles: at 10,000 deals a build
spent 16 % of its time there collecting. Converting pages is another matter: each conversion
leaves cycles holding a page's HTML, which only a collection frees, so the default holds
there (a larger first generation held 20 % more memory at the peak).

The C library keeps what Python frees for later: a page's text, larger than Python's own small
blocks, comes from the C library's heap, and a hole between blocks still in use (a search
entry made after it) is not given back to the system. At 100,000 deals a build held 3.9 GiB
at its end, half of it free; `give_back` returns such free pages (glibc's `malloc_trim`)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

WHILE_READING = (100_000, 50, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cycles after 100,000 new objects (and the whole heap rarely) inside; as before
    after."""
    before = gc.get_threshold()
    gc.set_threshold(*WHILE_READING)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def lasting() -> Iterator[None]:
    """Objects made inside live as long as the process (a build's data and history): no
    collection runs while they are made, and none walks them again after (they are frozen:
    each collection of the rest of the heap passes them over). Any other object is frozen
    with them, so this is for a process that ends with its task, never a server."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@cache
def trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, when the C library is glibc; looked up once, when first needed,
    among the symbols the process has loaded (the C library is one of them: finding its file
    by name would run a program, a tenth of a second of a build after a commit)."""
    import ctypes

    try:
        found: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS), or no such call
        return None
    return found


def give_back() -> None:
    """Give the memory the process has freed back to the system, where the C library can
    (glibc); nothing elsewhere."""
    found = trim()
    if found is not None:
        found(0)

"""Python's cycle collector while the funnel reads its data and makes its pages' Markdown.

By default Python collects cycles after every 700 new objects, and goes over the whole heap
again each time it has grown by a quarter. Reading a team's data makes millions of objects
that live to the end (records, events, views) and almost no cycles: at 10,000 deals a build
spent 16 % of its time there collecting. Converting pages is another matter: each conversion
leaves cycles holding a page's HTML, which only a collection frees, so the default holds
there (a larger first generation held 20 % more memory at the peak)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

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

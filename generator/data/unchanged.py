"""`funnel check` on files it has checked before: the same files (by content), the same names
and the same day give the same problems, kept in the parse cache; nothing is parsed and no model
is loaded (the models are imported only when something changed, to check it in full)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

from .files import FileEntry, read_all
from .findings import Findings
from .parse_cache import ParseCache
from .problems import Problem

READ_CAP = 64 * 1024 * 1024
"""Files are read whole to know them by content, up to this size; a larger one is left to the
full check (which refuses it by funnel.yaml's limit, without reading it)."""


def check_problems(
    root: Path | str, as_of: date, display: str | None = None, *, cache: ParseCache
) -> Findings:
    """The problems of the data folder and the files it holds: those a check kept in `cache`
    for the same files, names and day, else a full check's (then kept)."""
    root = Path(root)
    shown = str(root) if display is None else display
    walked: list[Problem] = []
    listing = read_all(root, shown, walked, READ_CAP, cache.known_blob) if root.is_dir() else None
    if listing is not None:
        key = result_key(shown, as_of, listing, walked)
        kept = cache.result(key)
        if isinstance(kept, Findings):
            if _keep_blobs(cache, listing):
                cache.save()
            return kept
    from .validate import check  # the models: only to check in full

    if listing is None:
        return check(root, as_of, display, cache=cache).findings
    # a file known by its size and times is read by the check itself, which finds its blob
    # id again: a record is never kept under the id of content it was not made from
    entries = [
        entry if entry.content is not None else replace(entry, blob=None) for entry in listing
    ]
    result = check(root, as_of, display, cache=cache, entries=entries, save=False)
    found = Findings(sorted({*result.problems, *walked}), result.dataset.found)
    _keep_blobs(cache, listing)
    cache.keep_result(key, found)  # the cache written once, with the records read
    return found


def _keep_blobs(cache: ParseCache, listing: list[FileEntry]) -> bool:
    """Know the listed files by their size and times next time (see `known_blob`)."""
    return cache.keep_blobs(
        [(entry.absolute, entry.size, entry.changed, entry.blob) for entry in listing if entry.blob]
    )


def result_key(display: str, as_of: date, listing: list[FileEntry], walked: list[Problem]) -> str:
    """What a check's problems depend on besides the code: every file's path and content, the
    problems of the folder's walk, the name of the folder in messages and the day."""
    digest = hashlib.sha256(f"{display}\0{as_of.isoformat()}\0".encode())
    for entry in listing:
        digest.update(f"{entry.relative}\0{entry.blob}\0".encode())
    for problem in walked:
        digest.update(f"{problem}\0".encode())
    return digest.hexdigest()

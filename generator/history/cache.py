"""The history's cache: what was mined once is read back, so a rebuild mines only new commits.

A base file holds the whole history as it was once, and a tail file the commits since,
rewritten on each rebuild (small); past TAIL_LIMIT new commits the base is written anew. Both
live in `.git/funnel/`, never in the working tree. A cache that cannot be read is ignored:
history is mined again.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..data.cache_files import pickle_whole
from ..data.parse_cache import ParseCache
from .git import GIT_ENV, Git, HistoryError, repository
from .records import Commit, History, Version

CACHE_VERSION = 3
TAIL_LIMIT = 500
BASE_FILE = f"history-v{CACHE_VERSION}.base.pickle"
TAIL_FILE = f"history-v{CACHE_VERSION}.tail.pickle"

_RECORDS_BEFORE = "generator.history.mining"
"""Where the records lived when caches of this version were first written: they still read."""


def cache_folder(repo: Git) -> Path:
    """The cache's folder inside the repository's git folder (shared by its worktrees)."""
    common = repo("rev-parse", "--git-common-dir").decode().strip()
    folder = Path(common) if os.path.isabs(common) else repo.root / common
    return folder / "funnel"


def funnel_folder_of(data_dir: Path, *, env: Mapping[str, str] = GIT_ENV) -> Path | None:
    """`.git/funnel/` of the data folder's repository, where the caches live; None outside
    git."""
    try:
        root, _ = repository(data_dir, env=env)
        return cache_folder(Git(root, env))
    except (HistoryError, OSError):
        return None


def parse_cache_of(data_dir: Path, *, env: Mapping[str, str] = GIT_ENV) -> ParseCache | None:
    """The parse cache (see `data.parse_cache`) of the data folder's repository, beside the
    history's in `.git/funnel/`; None outside git (the files are then read every time)."""
    folder = funnel_folder_of(data_dir, env=env)
    return None if folder is None else ParseCache(folder)


class _Unpickler(pickle.Unpickler):
    """Reads the records of caches written before they moved to `records`."""

    def find_class(self, module: str, name: str, /) -> Any:
        """The class a pickle names, found where it lives now."""
        if module == _RECORDS_BEFORE:
            module = History.__module__
        return super().find_class(module, name)


def _unpickle(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return _Unpickler(handle).load()
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None


def load_cache(folder: Path, prefix: str) -> History | None:
    """The cached history of the data folder at `prefix` (base and tail joined), or None
    when there is none that can be read."""
    history = _unpickle(folder / BASE_FILE)
    if not isinstance(history, History) or history.data_prefix != prefix:
        return None
    history.saved = len(history.commits)
    tail = _unpickle(folder / TAIL_FILE)
    if isinstance(tail, dict) and tail.get("base") == history.head:
        history.commits.extend(tail["commits"])
        for deal, versions in tail["versions"].items():
            history.deals.setdefault(deal, []).extend(versions)
        history.baseline = history.baseline or tail["baseline"]
        history.head = tail["head"]
        history.saved_head = tail["base"]
    else:
        history.saved_head = history.head
    return history


def _write(path: Path, value: Any) -> None:
    pickle_whole(path, value)


def save_cache(folder: Path, history: History) -> None:
    """Save the history: its new commits in the tail, or all of it in a new base when the
    tail would grow too long. A read-only repository is left alone."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        new = history.commits[history.saved :]
        if not history.saved or len(new) > TAIL_LIMIT:
            history.saved, history.saved_head = len(history.commits), history.head
            _write(folder / BASE_FILE, history)
            (folder / TAIL_FILE).unlink(missing_ok=True)
            return
        _write(folder / TAIL_FILE, _tail(history, new))
    except OSError:
        pass  # a read-only repository: history is mined again next time


def _tail(history: History, new: list[Commit]) -> dict[str, Any]:
    """The commits since the base was saved, with the versions of deals they made."""
    shas = {commit.sha for commit in new}
    versions: dict[str, list[Version]] = {
        deal: suffix
        for deal, all_versions in history.deals.items()
        if (suffix := [v for v in all_versions[-len(new) :] if v.commit.sha in shas])
    }
    return {
        "base": history.saved_head,
        "head": history.head,
        "commits": new,
        "versions": versions,
        "baseline": history.baseline,
    }

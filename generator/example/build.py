"""`funnel example DIR`: plan the sample team's months, then write them as one repository."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from .repository import ExampleError, Repository, Story
from .story import tell


def build(
    directory: Path, seed: int = 1, months: int = 6, *, as_of: date, search_path: str = os.defpath
) -> Story:
    """Create the example repository in `directory` (new, or an empty folder) and return what
    it planted. The history covers the `months` before `as_of`; git is looked for on
    `search_path` (the command passes its PATH)."""
    if months < 3:
        raise ExampleError("the story needs at least 3 months: use --months 3 or more")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ExampleError(f"{directory} exists and is not empty: name a new folder")
    repository = Repository()
    team = tell(repository, seed, months, as_of)
    directory.mkdir(parents=True, exist_ok=True)
    repository.write(directory, search_path)
    return team.story(directory.resolve(), seed, months)

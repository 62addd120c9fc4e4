"""Write, check the whole data folder, and undo the write when the data would not be valid:
what `funnel new`, `funnel import --write` and `funnel handover --apply` share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

from ..data.problems import Problem, only_errors
from ..data.validate import CheckResult, check

Written = TypeVar("Written")


@dataclass(frozen=True)
class CheckedWrite(Generic[Written]):
    """What was written and the check of the data folder with it; when not `ok`, the write
    was already undone and `errors` say why."""

    written: Written
    result: CheckResult

    @property
    def ok(self) -> bool:
        """The data folder is still valid with the write, so the write was kept."""
        return self.result.ok

    @property
    def errors(self) -> list[Problem]:
        """Why the write was undone: the errors alone (warnings never stop a write)."""
        return only_errors(self.result.problems)


def write_checked(
    write: Callable[[], Written | None],
    undo: Callable[[Written], object],
    data_dir: str,
    as_of: date,
) -> CheckedWrite[Written] | None:
    """Run `write`, then check `data_dir` (the folder as the user named it) as of `as_of`;
    `undo` what was written when the data would not pass. None when there was nothing to write."""
    written = write()
    if written is None:
        return None
    result = check(Path(data_dir), as_of, display=data_dir)
    if not result.ok:
        undo(written)
    return CheckedWrite(written, result)

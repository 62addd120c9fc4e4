"""What a check found: every problem, and the files of each kind, valid or not. Light on
purpose: `funnel check` on files it checked before prints these without loading any model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .problems import Problem, count, only_errors


@dataclass(frozen=True)
class FileCount:
    """How many files of one kind there are, and how many of them have errors."""

    files: int
    with_errors: int


@dataclass(frozen=True)
class Findings:
    """Every problem of a check, sorted by file and line, and the path (as messages name it)
    of every file of each kind."""

    problems: list[Problem]
    found: Mapping[str, list[str]]

    @property
    def ok(self) -> bool:
        """Whether the data has no errors (warnings allowed): outputs may be made from it."""
        return not only_errors(self.problems)

    @property
    def files(self) -> dict[str, FileCount]:
        """Deal and account files, the broken ones included, and how many have errors."""
        broken = {problem.path for problem in only_errors(self.problems)}
        return {
            name: FileCount(
                len(self.found.get(kind, [])),
                sum(path in broken for path in self.found.get(kind, [])),
            )
            for name, kind in (("deals", "deal"), ("accounts", "account"))
        }

    def summary(self) -> str:
        """One line for standard error: `ok: 73 deals, 24 accounts`, or the errors and warnings
        with the files they are in (`73 deals, 1 with errors`)."""
        files = self.files
        deals, accounts = files["deals"], files["accounts"]
        if not self.problems:
            return f"ok: {deals.files} deals, {accounts.files} accounts"
        errors, warnings = count(self.problems)
        return (
            f"{errors} error(s), {warnings} warning(s): "
            f"{deals.files} deals, {deals.with_errors} with errors; "
            f"{accounts.files} accounts, {accounts.with_errors} with errors"
        )

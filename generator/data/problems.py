"""Problems found in the data: values that know the file, line and column they came from."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in the data, located at `path:line:col` (1-based)."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _printable(text: str) -> str:
    """One problem, one line: control characters a user typed are shown as escapes."""
    return _UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def error(path: str, line: int, column: int, message: str) -> Problem:
    """A problem that stops a write or a build, kept on one line whatever the user typed."""
    return Problem(_printable(path), line, column, "error", _printable(message))


def warning(path: str, line: int, column: int, message: str) -> Problem:
    """A problem worth fixing that never stops a write or a build."""
    return Problem(_printable(path), line, column, "warning", _printable(message))


def count(problems: Iterable[Problem]) -> tuple[int, int]:
    """Return (errors, warnings)."""
    errors = warnings = 0
    for problem in problems:
        if problem.severity == "error":
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def only_errors(problems: Iterable[Problem]) -> list[Problem]:
    """The errors alone: warnings never stop a write or a build."""
    return [problem for problem in problems if problem.severity == "error"]


def format_text(problems: list[Problem]) -> str:
    """The problems as `path:line:col: severity: message` lines, which editors and CI jump to."""
    return "".join(f"{problem}\n" for problem in problems)


def format_json(problems: list[Problem]) -> str:
    """The problems and their counts as JSON (`--format json`), for tools and CI."""
    errors, warnings = count(problems)
    document = {
        "errors": errors,
        "warnings": warnings,
        "problems": [asdict(problem) for problem in problems],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(problems: list[Problem]) -> str:
    """GitHub Actions workflow commands: each problem shows on its line of the pull request."""
    lines = []
    for problem in problems:
        properties = ",".join(
            [
                f"file={_github_escape(problem.path, property_value=True)}",
                f"line={problem.line}",
                f"col={problem.column}",
                "title=funnel check",
            ]
        )
        lines.append(f"::{problem.severity} {properties}::{_github_escape(problem.message)}\n")
    return "".join(lines)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
    return f": did you mean `{close[0]}`?" if close else ""

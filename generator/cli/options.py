"""What the commands share: the date type, the common options, loading checked data."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeAlias

import click

from ..data.collecting import fewer_collections, lasting
from ..data.files import DataDirError, FileEntry
from ..data.problems import Problem, format_text, only_errors
from ..data.unchanged import check_problems
from ..exchange.errors import OptionError
from ..history.cache import parse_cache_of
from ..history.past import PastCommit

if TYPE_CHECKING:
    _DateParam: TypeAlias = click.ParamType[date, str | date]
else:  # click's ParamType takes type arguments only from click 8.2 on
    _DateParam = click.ParamType


class DateType(_DateParam):
    """A YYYY-MM-DD option; a bad one says how to write it."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: str | date, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        """The date as given; anything else stops the command with an example of YYYY-MM-DD."""
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date: write YYYY-MM-DD, e.g. 2026-11-26", param, ctx)


DATE = DateType()
data_option = click.option(
    "--data",
    "data_dir",
    default="data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="The data folder.",
)
as_of_option = click.option(
    "--as-of",
    type=DATE,
    default=None,
    help="The day to judge the data as of (default: today). Fix it for reproducible output.",
)


at_option = click.option(
    "--at",
    type=DATE,
    default=None,
    help="The data as it stood on the main line at the end of this day (that day's last "
    "commit), judged as of that day.",
)


@dataclass(frozen=True)
class Source:
    """Where a command reads the data: the folder as given (how messages name its files),
    the day it is judged as of, and with --at the past commit and its files."""

    folder: str
    day: date
    past: PastCommit | None = None
    entries: list[FileEntry] | None = None

    def dataset(self):
        """The checked dataset of this source, or exit 1 with the problems."""
        return load_valid(self.folder, self.day, self.entries)


def data_source(data_dir: str, as_of: date | None, at: date | None) -> Source:
    """The data folder and --as-of; or with --at, the files of that day's commit, judged as
    of that day. No commit that day, or no history: exit 2 saying why."""
    if at is None:
        return Source(data_dir, today_or(as_of))
    if as_of is not None and as_of != at:
        raise click.UsageError("--at judges the data as of that day: leave out --as-of")
    from ..history.git import HistoryError
    from ..history.past import past_day

    try:
        past, entries = past_day(Path(data_dir), at, env=os.environ)
    except HistoryError as exc:
        history_failed(exc)
    click.echo(
        f"funnel: the data as it stood on {at}: commit {past.sha[:12]} of {past.day}", err=True
    )
    return Source(data_dir, at, past, entries)


def format_option(*choices: str, help: str):
    """`--format`, the first choice being the default (the one for people)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=f"{choices[0]} for people; {help}",
    )


def today_or(value: date | None) -> date:
    """The --as-of date, or today: the one place below which no code reads the clock."""
    return value or date.today()


def checked(data_dir: str, as_of: date, entries: list[FileEntry] | None = None):
    """Every problem of the data folder (or of a commit's `entries` of it), with its records;
    a missing folder is a usage error (exit 2). Files read before without problems come from
    the parse cache in the repository's `.git/funnel/`."""
    from ..data.validate import check

    cache = parse_cache_of(Path(data_dir), env=os.environ)
    with _missing_folder_is_usage(), fewer_collections():
        return check(Path(data_dir), as_of, display=data_dir, cache=cache, entries=entries)


def findings_of(data_dir: str, as_of: date):
    """`funnel check`'s problems and files: those kept for the same files, names and day in the
    parse cache without reading a record, else a full check's."""
    cache = parse_cache_of(Path(data_dir), env=os.environ)
    with _missing_folder_is_usage(), lasting():  # the command ends with the check
        if cache is None:
            from ..data.validate import check  # the models: only to check in full

            return check(Path(data_dir), as_of, display=data_dir).findings
        cache.settle(time.time_ns())  # files unchanged since are known by their size and times
        return check_problems(Path(data_dir), as_of, display=data_dir, cache=cache)


@contextmanager
def _missing_folder_is_usage() -> Iterator[None]:
    try:
        yield
    except DataDirError as exc:
        raise click.UsageError(str(exc)) from None


def _exit_with_errors(result, advice: str = "") -> None:
    errors = only_errors(result.problems)
    exit_refused(errors, f"{len(errors)} error(s): {advice}" if advice else "")


def exit_refused(errors: list[Problem], last_line: str = "") -> NoReturn:
    """Print the errors as `path:line:col: message`, then `last_line`, and exit 1."""
    click.echo(format_text(errors), err=True, nl=False)
    if last_line:
        click.echo(last_line, err=True)
    sys.exit(1)


def usage_error(exc: OptionError) -> click.UsageError:
    """The library's refusal of a value as click's usage error (exit 2), naming the option."""
    if exc.option is None:
        return click.UsageError(str(exc))
    return click.BadParameter(str(exc), param_hint=exc.option)


def load_valid(data_dir: str, as_of: date, entries: list[FileEntry] | None = None):
    """The checked dataset, or exit 1 with the problems (bad data never reaches an output)."""
    result = checked(data_dir, as_of, entries)
    if not result.ok:
        _exit_with_errors(result, "fix the data first (funnel check)")
    return result.dataset.valid()


def rules_of(data_dir: str, as_of: date, entries: list[FileEntry] | None = None):
    """The funnel's rules (stages and probabilities) from the data folder, or exit 1."""
    result = checked(data_dir, as_of, entries)
    if result.dataset.funnel is None:
        _exit_with_errors(result)
    return result


def write_or_verify(path: Path, text: str, command: str, *, verify: bool) -> bool:
    """Write a generated file when it changed; with `verify`, only say whether it is current.
    Returns whether the file was (or, verifying, would be) up to date."""
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if current == text:
        return True
    if verify:
        click.echo(f"{path} is out of date: run `{command}`", err=True)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}", err=True)
    return True


def history_failed(exc: Exception) -> None:
    """Stop a history command with exit code 2, saying why the history could not be read
    (a shallow clone, no git)."""
    click.echo(f"funnel: {exc}", err=True)
    sys.exit(2)


def history_or_exit(data_dir: str, past: PastCommit | None = None):
    """The main line's history of the data (with `past`, as it stood at that commit), or
    exit 2 saying why (a shallow clone, no git)."""
    import gc

    from ..history.git import HistoryError
    from ..history.mining import read_history

    try:
        history = read_history(Path(data_dir), git_env=os.environ)
    except HistoryError as exc:
        history_failed(exc)
    # the history lives as long as the command: no later collection walks its objects again
    gc.freeze()
    return history if past is None else history.until(past.sha, past.line)

"""The `funnel` command: each command parses its arguments, calls the library, prints."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..data.money import shown_amount
from ..data.problems import count, format_github, format_json, format_text
from .options import (
    as_of_option,
    at_option,
    data_option,
    data_source,
    findings_of,
    format_option,
    today_or,
    write_or_verify,
)

if TYPE_CHECKING:
    from ..analytics.calendar import PeriodKind


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="funnel")
def main() -> None:
    """The sales funnel as code: deals as YAML in git, checked and built into a site."""


def run() -> None:
    """The `funnel` command as installed: `main`, then the process ends as Python would end
    it (the exit functions run, the output is flushed, the same status), but without freeing
    one by one every object the command held: a build of 10,000 deals holds millions, and
    freeing them took 0.7 s after the site was in place."""
    try:
        main()
        status: object = 0
    except SystemExit as done:
        status = done.code
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone, or the stream closed
            stream.flush()
    os._exit(status)


@main.command()
@data_option
@as_of_option
@format_option("text", "json", "github", help="json for programs, github for PR annotations.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check(data_dir: str, as_of: date | None, output_format: str, strict: bool) -> None:
    """Check every file under the data folder and report every problem at once.

    Exit 0 when clean, 1 on any error (or any warning with --strict), 2 on a usage error.
    """
    result = findings_of(data_dir, today_or(as_of))
    problems = result.problems
    formatter = {"text": format_text, "json": format_json, "github": format_github}
    click.echo(formatter[output_format](problems), nl=False)
    errors, warnings = count(problems)
    if output_format == "text":
        click.echo(result.summary(), err=True)
    sys.exit(1 if errors or (strict and warnings) else 0)


@main.command()
@click.option(
    "--out",
    default="schemas",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the schemas into.",
)
@click.option("--check", "verify", is_flag=True, help="Only verify the folder is current.")
def schema(out: Path, verify: bool) -> None:
    """Write JSON Schemas (draft-07) of each file kind of data/, for editors and pre-commit."""
    from ..data.schema import schema_files

    current = [
        write_or_verify(out / name, text, "funnel schema", verify=verify)
        for name, text in schema_files().items()
    ]
    if not all(current):
        sys.exit(1)


@main.command()
@data_option
@as_of_option
@at_option
@click.option(
    "--site-dir",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the site goes; replaced only when the build succeeds.",
)
@click.option(
    "--config",
    "config_file",
    default="mkdocs.yml",
    show_default=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The MkDocs configuration.",
)
def build(
    data_dir: str, as_of: date | None, at: date | None, site_dir: Path, config_file: Path
) -> None:
    """Build the site into a fresh folder and swap it in only on success.

    With --at, the site as it was at the end of that day: the data of the main line's last
    commit of that day, its history up to that commit, judged as of that day.
    """
    from .build import BuildError, build_site

    if at is not None and as_of is not None and as_of != at:
        raise click.UsageError("--at judges the data as of that day: leave out --as-of")
    try:
        build_site(config_file, site_dir, data_dir, at or today_or(as_of), at)
    except BuildError as exc:
        click.echo(str(exc), err=True, nl=not str(exc).endswith("\n"))
        sys.exit(1)
    click.echo(f"built {site_dir}/", err=True)


@main.command()
@data_option
@as_of_option
@click.option(
    "--config",
    "config_file",
    default="mkdocs.yml",
    show_default=True,
    help="The MkDocs configuration.",
)
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="IP:PORT to serve.")
def serve(data_dir: str, as_of: date | None, config_file: str, dev_addr: str) -> None:
    """Preview the site, rebuilding when data/ or templates/ change."""
    from .build import serve_site

    serve_site(config_file, data_dir, today_or(as_of), dev_addr)


@main.command()
@data_option
@as_of_option
@at_option
@click.option(
    "--period",
    type=click.Choice(["month", "quarter", "half", "year"]),
    default="quarter",
    show_default=True,
    help="The length of each period.",
)
@format_option("table", "json", "csv", help="json or csv for programs and spreadsheets.")
def forecast(
    data_dir: str, as_of: date | None, at: date | None, period: PeriodKind, output_format: str
) -> None:
    """The weighted forecast by period and by owner, with the overdue deals apart."""
    from ..analytics.forecast import build_forecast, to_csv, to_json

    source = data_source(data_dir, as_of, at)
    dataset = source.dataset()
    result = build_forecast(dataset, source.day, period)
    if output_format == "json":
        click.echo(to_json(result), nl=False)
    elif output_format == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        _print_forecast_table(result)


def _print_forecast_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    document = result.as_json()
    table = Table(
        title=f"Forecast as of {document['as_of']} ({document['currency']})",
        title_justify="left",
    )
    for name in (result.kind, "deals", "pipeline", "weighted", "won"):
        table.add_column(name, justify="left" if name == result.kind else "right")
    for row in document["periods"]:
        table.add_row(row["period"], *_grouped(row))
    table.add_section()
    for row in document["owners"]:
        table.add_row(row["owner"], *_grouped(row))
    table.add_section()
    table.add_row(f"total ({result.as_of.year} won)", *_grouped(document["total"]))
    table.add_row("overdue", *_grouped(document["overdue"]))
    Console(highlight=False).print(table)


def _grouped(row: dict[str, Any]) -> list[str]:
    return [str(row["deals"])] + [
        shown_amount(Decimal(row[key])) if key in row else ""
        for key in ("pipeline", "weighted", "won")
    ]


def _register() -> None:
    """The commands of the history and of the data's changes live beside this module."""
    from . import calibrate as cli_calibrate
    from . import data as cli_data
    from . import example as cli_example
    from . import history as cli_history

    for module in (cli_history, cli_data, cli_example, cli_calibrate):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

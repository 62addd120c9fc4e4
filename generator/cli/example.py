"""The command that makes an example repository: `funnel example DIR`."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from .options import DATE, today_or


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=1, show_default=True, help="Another seed, another history.")
@click.option(
    "--months",
    default=6,
    show_default=True,
    type=click.IntRange(3, 36),
    help="How many months of history, up to the as-of date.",
)
@click.option(
    "--as-of",
    type=DATE,
    default=None,
    help="The story's last day (default: today). Fix it to get the same commits.",
)
def example(directory: Path, seed: int, months: int, as_of: date | None) -> None:
    """Create DIR as a git repository of the sample team with months of realistic history.

    An adoption import, reps' pull requests merged and squashed by their managers, wins,
    losses and slips, a late entry, a deal deleted instead of lost, a handover ticked off,
    targets and a rule change: the weekly reviews, timelines, compliance and trends have
    something to show. The same seed and --as-of make the same commits.
    """
    from ..example.build import build
    from ..example.repository import ExampleError

    day = today_or(as_of)
    try:
        story = build(
            directory, seed, months, as_of=day, search_path=os.environ.get("PATH", os.defpath)
        )
    except ExampleError as exc:
        click.echo(f"funnel: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"wrote {directory}/: {story.deals} deals of {story.accounts} customers, "
        f"{sum(story.landings.values())} changes landed since the import on {story.imports[0].day}",
        err=True,
    )
    flag = f" --as-of {day}" if as_of else ""
    click.echo(f"try: cd {directory} && funnel build{flag} && funnel review{flag}", err=True)


COMMANDS = [example]

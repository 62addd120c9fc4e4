"""`funnel calibrate`: each stage's real win rate from the history, beside its configured one."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

import click

from .options import (
    DATE,
    as_of_option,
    at_option,
    data_option,
    data_source,
    format_option,
    history_or_exit,
)

if TYPE_CHECKING:
    from ..analytics.calibration import GroupBy


@click.command()
@click.option(
    "--since",
    type=DATE,
    default=None,
    help="Count only closed deals closed on or after this day (open deals always count).",
)
@click.option(
    "--by",
    type=click.Choice(["team", "territory", "owner"]),
    default="team",
    show_default=True,
    help="Group the deals: the whole team, by the account's territory, or by owner.",
)
@data_option
@as_of_option
@at_option
@format_option("table", "json", "md", help="json for programs (see README), md for a page.")
def calibrate(
    since: date | None,
    by: str,
    data_dir: str,
    as_of: date | None,
    at: date | None,
    output_format: str,
) -> None:
    """Each stage's observed win rate from the main line's history, beside its configured one.

    Of the deals that reached a stage: won, lost, still open; the observed rate with its 95 %
    Wilson interval; median days in the stage and sales cycle; and the calibrated forecast.
    """
    from ..analytics.calibration import calibrate as run_calibrate
    from ..analytics.calibration import to_json
    from ..site.calibration_pages import calibration_markdown

    source = data_source(data_dir, as_of, at)
    dataset = source.dataset()
    history = history_or_exit(data_dir, source.past)
    result = run_calibrate(dataset, history, source.day, since=since, by=cast("GroupBy", by))
    if output_format == "json":
        click.echo(to_json(result), nl=False)
    elif output_format == "md":
        click.echo(calibration_markdown(result), nl=False)
    else:
        _print_table(result)


def _print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..analytics.calibration import margin, percent
    from ..data.money import shown_amount

    console = Console(highlight=False)
    for group in result.groups:
        table = Table(
            title=f"{group.group}: calibration as of {result.as_of} ({result.currency})",
            title_justify="left",
        )
        for name in ("stage", "configured", "observed", "reached", "won", "lost", "open"):
            table.add_column(name, justify="left" if name == "stage" else "right")
        table.add_column("days in stage", justify="right")
        table.add_column("cycle days", justify="right")
        for rate in group.stages:
            table.add_row(
                rate.stage,
                f"{rate.configured} %",
                f"{percent(rate.observed)} {margin(rate)}".strip(),
                *(str(n) for n in (rate.reached, rate.won, rate.lost, rate.open)),
                _shown(rate.median_days_in_stage),
                _shown(rate.median_cycle_days),
            )
        console.print(table)
        forecast = group.forecast
        console.print(
            f"weighted forecast: configured {shown_amount(forecast.configured)}, "
            f"calibrated {shown_amount(forecast.calibrated)}\n"
        )


def _shown(value) -> str:
    return "–" if value is None else f"{value.normalize():f}"


COMMANDS = [calibrate]

"""The commands that change or move the data: handover, new, import, export, codeowners."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click

from ..data.problems import format_text
from ..exchange.errors import OptionError
from ..exchange.preset_names import PRESETS
from ..history.records import BASELINE_TRAILER
from .options import (
    DATE,
    as_of_option,
    at_option,
    data_option,
    data_source,
    exit_refused,
    format_option,
    load_valid,
    today_or,
    usage_error,
    write_or_verify,
)


@click.command()
@click.argument("from_id", metavar="FROM")
@click.argument("to_id", metavar="TO")
@click.option(
    "--account", "accounts", multiple=True, help="Only this account's deals (repeat for more)."
)
@data_option
@as_of_option
@format_option("md", "json", help="json for programs (see README).")
@click.option(
    "--apply",
    "apply_plan",
    is_flag=True,
    help="Give the deals to TO and write the checklist (no commit).",
)
def handover(
    from_id: str,
    to_id: str,
    accounts: tuple[str, ...],
    data_dir: str,
    as_of: date | None,
    output_format: str,
    apply_plan: bool,
) -> None:
    """Hand FROM's open deals over to TO: bottom of the funnel by a joint visit, the middle
    by phone, the top later; within each, the largest weighted amount first.

    With --apply, only the `owner:` line of each deal changes, the checklist
    data/handovers/FROM-DATE.yaml is written, and nothing is committed: review, commit and
    open the pull request.
    """
    from ..analytics.handover import plan_handover
    from ..exchange.handover import validate_successor

    day = today_or(as_of)
    dataset = load_valid(data_dir, day)
    try:
        validate_successor(dataset, from_id, to_id, accounts)
    except OptionError as exc:
        raise usage_error(exc) from None
    plan = plan_handover(dataset, from_id, day, to_id, accounts or None)
    if apply_plan:
        _apply_handover(data_dir, dataset, plan, to_id)
    elif output_format == "json":
        click.echo(plan.to_json(), nl=False)
    else:
        _print_handover(dataset, plan, to_id)


def _apply_handover(data_dir: str, dataset, plan, to_id: str) -> None:
    """Apply the plan (rolled back when the data would not pass) and say how to commit it."""
    from ..exchange.handover import HandoverError, apply_checked
    from ..history.git import HistoryError

    try:
        applied = apply_checked(data_dir, dataset, plan, git_env=os.environ)
    except (HandoverError, HistoryError) as exc:
        click.echo(f"funnel: {exc}; nothing was changed", err=True)
        sys.exit(1)
    if applied is None:
        click.echo(f"nothing to hand over: {plan.from_id} owns no open deal in the plan", err=True)
        return
    if not applied.ok:
        exit_refused(applied.errors, "funnel: the result would not be valid; nothing was changed")
    from_id, branch = plan.from_id, f"handover/{plan.from_id}-{plan.as_of.isoformat()}"
    click.echo(
        f"{len(applied.written.deals)} deal(s) now owned by {to_id}; "
        f"checklist {applied.written.checklist}\n"
        "Review and commit:\n"
        f"  git switch -c {branch}\n"
        f"  git add {data_dir}\n"
        f'  git commit -m "Hand over {from_id}\'s deals to {to_id}"\n'
        f"  git push -u origin {branch}   # then open the pull request",
        err=True,
    )


def _print_handover(dataset, plan, to_id: str) -> None:
    """The plan as Markdown, grouped as the handover page shows it."""
    from ..analytics.handover import plan_rows
    from ..site.environment import environment
    from ..site.words import WORDS

    people = {person.id: person for person in dataset.team.people}
    title = f"Handover of {people[plan.from_id].name} to {people[to_id].name}, {plan.as_of}"
    click.echo(
        environment(None)
        .get_template("handover.md.j2")
        .render(
            t=WORDS["en"],
            title=title,
            groups=plan_rows(plan),
            progress=False,
            links=False,
            page_path="handover.md",
        ),
        nl=False,
    )


@click.command()
@data_option
@click.option(
    "--out",
    default="CODEOWNERS",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (.github/CODEOWNERS works too).",
)
@click.option("--check", "verify", is_flag=True, help="Only verify the file is current.")
def codeowners(data_dir: str, out: Path, verify: bool) -> None:
    """Write CODEOWNERS: each territory's manager reviews its deals and accounts, and the
    managers review the rules and the code (GitHub user names from team.yaml's `github`)."""
    from ..exchange.export import codeowners as codeowners_text
    from ..history.git import HistoryError, repository

    dataset = load_valid(data_dir, date.today())
    try:
        root, _ = repository(Path(data_dir), env=os.environ)
    except HistoryError:
        root = Path.cwd()
    text = codeowners_text(dataset, root)
    if not write_or_verify(out, text, "funnel codeowners", verify=verify):
        sys.exit(1)


@click.command()
@data_option
@as_of_option
@at_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="csv for spreadsheets, json for programs (see README).",
)
def export(data_dir: str, as_of: date | None, at: date | None, output_format: str) -> None:
    """Every deal with its account and computed fields (probability, weighted amount, first
    seen in git), for finance and spreadsheets."""
    from ..exchange.export import export_rows, to_csv, to_json
    from ..history.git import HistoryError
    from ..history.mining import read_history

    source = data_source(data_dir, as_of, at)
    dataset = source.dataset()
    try:
        history = read_history(Path(data_dir), git_env=os.environ)
    except HistoryError as exc:
        click.echo(f"funnel: first_seen left empty: {exc}", err=True)
        history = None
    if history is not None and source.past is not None:
        history = history.until(source.past.sha, source.past.line)
    rows = export_rows(dataset, history)
    click.echo(to_csv(rows) if output_format == "csv" else to_json(rows, source.day), nl=False)


@click.command()
@click.option("--account", help="The customer's account id.")
@click.option("--contact", help="One of the account's contacts.")
@click.option("--owner", help="The person who owns the deal.")
@click.option("--title", help="What the customer may buy, in a few words.")
@click.option("--amount", help="Expected amount, e.g. 1200000.00.")
@click.option("--expected-close", "expected_close", type=DATE, help="YYYY-MM-DD.")
@click.option("--stage", help="A stage id of funnel.yaml (default: the top of the funnel).")
@click.option("--source", help="Lead source, e.g. trade-show-2026.")
@click.option("--product", "products", multiple=True, help="A product (repeat for more).")
@click.option("--note", help="A first log entry.")
@click.option("--id", "deal_id", help="The deal's id (default: from the account and title).")
@click.option("--folder", default="", help="A subfolder of deals/, e.g. east.")
@data_option
@as_of_option
def new(data_dir: str, as_of: date | None, folder: str, **flags) -> None:
    """Create a deal file from flags, asking for what is missing (on a terminal).

    The file carries the editor's schema line and is checked before it is written.
    """
    from ..exchange.new_deal import DealFlags, create_deal, resolve_new_deal

    day = today_or(as_of)
    dataset = load_valid(data_dir, day)
    prompter = _TerminalPrompter() if sys.stdin.isatty() else None
    try:
        deal_id, deal = resolve_new_deal(dataset, DealFlags(**flags), day, prompter)
    except OptionError as exc:
        raise usage_error(exc) from None
    created = create_deal(dataset, deal, deal_id, folder, data_dir, day)
    if not created.ok:
        exit_refused(created.errors)
    path = created.result.dataset.deals[deal_id].path
    click.echo(
        format_text([p for p in created.result.problems if p.path == path]), err=True, nl=False
    )
    click.echo(str(created.written))


class _TerminalPrompter:
    """`funnel new` asks for a missing value on a terminal."""

    def text(self, name: str, choices: Sequence[str] | None, default: str | None) -> str:
        """Ask for a field `funnel new` still needs; a fixed list (stages, owners) is offered
        as choices."""
        kind = click.Choice(list(choices)) if choices else str
        return click.prompt(name, default=default, type=kind)

    def day(self, label: str) -> date:
        """Ask for a date such as the expected close; a bad one stops with how to write it."""
        return DATE.convert(click.prompt(label), None, None)


IMPORT_PRESETS = list(PRESETS)
"""The CRMs whose exports `funnel import --preset` reads."""


@click.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A mapping file for any CSV (see README); without it, SOURCE is a preset's export.",
)
@click.option(
    "--preset",
    type=click.Choice(IMPORT_PRESETS),
    help="The CRM whose export SOURCE is (default: salesforce); a --mapping overrides it.",
)
@click.option("--owner", "owners", multiple=True, help="CRM_OWNER=person-id (repeatable).")
@click.option("--stage", "stages", multiple=True, help="CRM_STAGE=stage-id (repeatable).")
@click.option("--territory", help="The territory of new accounts, or `owner` (the owner's).")
@click.option("--folder", default="", help="A subfolder of deals/ for the imported deals.")
@click.option("--write", is_flag=True, help="Write the files (without it, only report).")
@data_option
@as_of_option
@format_option("text", "json", help="json for programs (see README).")
def import_(
    source: Path,
    mapping: Path | None,
    preset: str | None,
    owners: tuple[str, ...],
    stages: tuple[str, ...],
    territory: str | None,
    folder: str,
    write: bool,
    data_dir: str,
    as_of: date | None,
    output_format: str,
) -> None:
    """Import accounts and deals from a CRM's CSV export; run it again to bring the data up
    to date (records are matched by their crm_id).

    SOURCE is a CRM's export (--preset; Salesforce's folder with Opportunity.csv, Account.csv
    and Contact.csv by default), or, with --mapping, the mapping file's CSV. New records are
    added, changed ones updated in place, missing ones reported (never deleted). Rows that
    cannot be imported are listed by reason with their CSV lines; nothing is written without
    --write. Exit 1 if any row was refused or the result does not pass `funnel check`.
    """
    from ..exchange.importer import run_import, write_checked_import

    day = today_or(as_of)
    dataset = load_valid(data_dir, day)
    try:
        imported = run_import(
            dataset, source, mapping, as_of=day, preset=preset,
            owners=owners, stages=stages, territory=territory, folder=folder,
        )  # fmt: skip
    except OptionError as exc:
        raise usage_error(exc) from None
    checked = write_checked_import(imported, dataset, data_dir, day) if write else None
    written = len(checked.written.paths) if checked is not None else 0
    _print_import(imported, written, write, output_format)
    if checked is not None and not checked.ok:
        undone = "funnel: the imported data would not pass `funnel check`; undid the import"
        exit_refused(checked.errors, undone)
    if written and output_format != "json":
        _print_baseline_advice(data_dir)
    sys.exit(1 if imported.refused else 0)


def _print_baseline_advice(data_dir: str) -> None:
    """How to commit an import: as the baseline, so its customers count as known early."""
    click.echo(
        "Review, then commit it as the baseline, so that these customers count as known "
        "since their own dates (a manager's commit; see README, Adoption day):\n"
        f"  git add {data_dir}\n"
        f'  git commit -m "Import from the CRM" --trailer "{BASELINE_TRAILER}: import"',
        err=True,
    )


def _print_import(imported, written: int, write: bool, output_format: str) -> None:
    """What the import found (and wrote): JSON on standard output, or the report's lines on
    standard error."""
    if output_format == "json":
        summary = imported.summary()
        summary["written"] = written
        summary["baseline_trailer"] = f"{BASELINE_TRAILER}: import"
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo("\n".join(imported.report.text()))
    if written:
        click.echo(f"wrote {written} file(s)", err=True)
    else:
        click.echo("nothing to write" if write else "nothing written (use --write)", err=True)


COMMANDS = [handover, codeowners, export, new, import_]

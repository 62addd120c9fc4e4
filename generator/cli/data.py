"""The commands that change or move the data: handover, new, import, export, codeowners."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import click

from ..data.problems import did_you_mean, format_text
from ..data.validate import check as run_check
from ..history.records import BASELINE_TRAILER
from .options import (
    DATE,
    as_of_option,
    data_option,
    format_option,
    load_valid,
    today_or,
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
    from ..analytics.handover import plan_handover, plan_rows
    from ..exchange.handover import HandoverError, apply_handover
    from ..history.git import HistoryError

    day = today_or(as_of)
    dataset = load_valid(data_dir, day)
    people = {person.id: person for person in dataset.team.people}
    for role, person_id in (("FROM", from_id), ("TO", to_id)):
        if person_id not in people:
            hint = did_you_mean(person_id, people)
            raise click.BadParameter(f"no person `{person_id}` in team.yaml{hint}", param_hint=role)
    if to_id == from_id:
        raise click.BadParameter("FROM and TO are the same person", param_hint="TO")
    if people[to_id].status == "left":
        raise click.BadParameter(f"{to_id} has left: choose an active successor", param_hint="TO")
    for account in accounts:
        if account not in dataset.accounts:
            hint = did_you_mean(account, dataset.accounts)
            raise click.BadParameter(f"no account `{account}`{hint}", param_hint="--account")
    plan = plan_handover(dataset, from_id, day, to_id, accounts or None)
    if apply_plan:
        try:
            applied = apply_handover(Path(data_dir), dataset, plan)
        except (HandoverError, HistoryError) as exc:
            click.echo(f"funnel: {exc}; nothing was changed", err=True)
            sys.exit(1)
        if applied is None:
            click.echo(f"nothing to hand over: {from_id} owns no open deal in the plan", err=True)
            return
        after = run_check(Path(data_dir), day, display=data_dir)
        if not after.ok:
            applied.rollback()
            errors = [p for p in after.problems if p.severity == "error"]
            click.echo(format_text(errors), err=True, nl=False)
            click.echo("funnel: the result would not be valid; nothing was changed", err=True)
            sys.exit(1)
        branch = f"handover/{from_id}-{day.isoformat()}"
        click.echo(
            f"{len(applied.deals)} deal(s) now owned by {to_id}; checklist {applied.checklist}\n"
            "Review and commit:\n"
            f"  git switch -c {branch}\n"
            f"  git add {data_dir}\n"
            f'  git commit -m "Hand over {from_id}\'s deals to {to_id}"\n'
            f"  git push -u origin {branch}   # then open the pull request",
            err=True,
        )
        return
    if output_format == "json":
        click.echo(plan.to_json(), nl=False)
        return
    from ..site.environment import environment
    from ..site.words import WORDS

    click.echo(
        environment(None)
        .get_template("handover.md.j2")
        .render(
            t=WORDS["en"],
            title=f"Handover of {people[from_id].name} to {people[to_id].name}, {day}",
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
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="csv for spreadsheets, json for programs (see README).",
)
def export(data_dir: str, as_of: date | None, output_format: str) -> None:
    """Every deal with its account and computed fields (probability, weighted amount, first
    seen in git), for finance and spreadsheets."""
    from ..exchange.export import export_rows, to_csv, to_json
    from ..history.git import HistoryError
    from ..history.mining import read_history

    day = today_or(as_of)
    dataset = load_valid(data_dir, day)
    try:
        history = read_history(Path(data_dir), git_env=os.environ)
    except HistoryError as exc:
        click.echo(f"funnel: first_seen left empty: {exc}", err=True)
        history = None
    rows = export_rows(dataset, history)
    click.echo(to_csv(rows) if output_format == "csv" else to_json(rows, day), nl=False)


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
def new(
    account,
    contact,
    owner,
    title,
    amount,
    expected_close,
    stage,
    source,
    products,
    note,
    deal_id,
    folder,
    data_dir,
    as_of,
) -> None:
    """Create a deal file from flags, asking for what is missing (on a terminal).

    The file carries the editor's schema line and is checked before it is written.
    """
    from ..data.values import AmountError, is_id
    from ..exchange.new_deal import NewDeal, default_id, free_id, read_amount, write_deal

    day = today_or(as_of)
    dataset = load_valid(data_dir, day)
    funnel, people = dataset.funnel, {p.id: p for p in dataset.team.people}
    interactive = sys.stdin.isatty()

    def ask(name: str, value, choices=None, default=None):
        if value is None and interactive:
            value = click.prompt(
                name, default=default, type=click.Choice(choices) if choices else str
            )
        if value is None:
            value = default
        if value is None:
            raise click.UsageError(f"give --{name.replace(' ', '-')} (or run it on a terminal)")
        if choices is not None and value not in choices:
            hint = did_you_mean(str(value), choices) or f": one of {', '.join(choices)}"
            raise click.BadParameter(f"`{value}` is not known{hint}", param_hint=f"--{name}")
        return value

    account = ask("account", account, sorted(dataset.accounts))
    names = [c.name for c in dataset.accounts[account].contacts]
    contact = ask("contact", contact, names, names[0] if len(names) == 1 else None)
    active = sorted(p.id for p in people.values() if p.status != "left")
    owner = ask("owner", owner, active)
    title = ask("title", title)
    amount_text = ask("amount", amount)
    try:
        value = read_amount(str(amount_text))
    except AmountError as exc:
        raise click.BadParameter(str(exc), param_hint="--amount") from None
    expected = expected_close or (
        DATE.convert(click.prompt("expected close (YYYY-MM-DD)"), None, None)
        if interactive
        else None
    )
    if expected is None:
        raise click.UsageError("give --expected-close YYYY-MM-DD (or run it on a terminal)")
    open_stages = [s.id for s in funnel.stages]
    stage = ask("stage", stage, open_stages, open_stages[0])
    deal = NewDeal(
        account, contact, owner, title, value, expected, stage, day, source, list(products), note
    )
    deal_id = deal_id or default_id(account, title, expected)
    if not is_id(deal_id):
        raise click.BadParameter(
            f"`{deal_id}` is not a valid id: lower-case letters, digits, `.`, `_` and `-`",
            param_hint="--id",
        )
    if deal_id in dataset.deals:
        raise click.UsageError(
            f"a deal `{deal_id}` exists already ({dataset.deals[deal_id].path}): "
            f"if this is another deal, use --id {free_id(dataset, deal_id)}"
        )
    target = write_deal(dataset, deal, deal_id, folder)
    after = run_check(Path(data_dir), day, display=data_dir)
    if not after.ok:
        target.unlink()
        errors = [p for p in after.problems if p.severity == "error"]
        click.echo(format_text(errors), err=True, nl=False)
        sys.exit(1)
    written = after.dataset.deals[deal_id].path
    click.echo(format_text([p for p in after.problems if p.path == written]), err=True, nl=False)
    click.echo(str(target))


@click.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A mapping file for any CSV (see README); without it, SOURCE is a Salesforce export.",
)
@click.option("--owner", "owners", multiple=True, help="CRM_OWNER=person-id (repeatable).")
@click.option("--stage", "stages", multiple=True, help="CRM_STAGE=stage-id (repeatable).")
@click.option("--territory", help="The territory of new accounts.")
@click.option("--folder", default="", help="A subfolder of deals/ for the imported deals.")
@click.option("--write", is_flag=True, help="Write the files (without it, only report).")
@data_option
@as_of_option
@format_option("text", "json", help="json for programs.")
def import_(
    source: Path,
    mapping: Path | None,
    owners: tuple[str, ...],
    stages: tuple[str, ...],
    territory: str | None,
    folder: str,
    write: bool,
    data_dir: str,
    as_of: date | None,
    output_format: str,
) -> None:
    """Import accounts and deals from a CRM's CSV export.

    SOURCE is a folder with Salesforce's Opportunity.csv, Account.csv and Contact.csv, or,
    with --mapping, the mapping file's CSV. Rows that cannot be imported are listed with
    their CSV line and why; nothing is written without --write. Exit 1 if any row was refused
    or the result does not pass `funnel check`.
    """
    from ..exchange.importer import (
        ImportError_,
        Mapping,
        import_rows,
        load_mapping,
        read_csv,
        salesforce_rows,
        write_import,
    )

    day = today_or(as_of)
    dataset = load_valid(data_dir, day)

    def pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
        found = {}
        for value in values:
            key, sep, target = value.rpartition("=")
            if not sep or not key or not target:
                raise click.BadParameter(f"`{value}`: write NAME=ID", param_hint=option)
            found[key] = target
        return found

    try:
        if mapping is not None:
            loaded, csv_path = load_mapping(mapping)
            rows = read_csv(csv_path, loaded)
        else:
            if not source.is_dir():
                raise ImportError_(
                    f"{source}: give the folder of the Salesforce export, or --mapping"
                )
            territories = dataset.team.territories
            loaded = Mapping(
                columns={},
                territory=territory or (territories[0].id if len(territories) == 1 else None),
            )
            rows = salesforce_rows(source, loaded)
        loaded.owners.update(pairs(owners, "--owner"))
        loaded.stages.update(pairs(stages, "--stage"))
        if territory:
            loaded.territory = territory
        if folder:
            loaded.folder = folder
        imported = import_rows(rows, loaded, dataset)
    except ImportError_ as exc:
        raise click.UsageError(str(exc)) from None
    summary = imported.summary()
    written = []
    if write and imported.deals:
        written = write_import(imported, dataset)
    after = run_check(Path(data_dir), day, display=data_dir) if written else None
    if output_format == "json":
        summary["written"] = len(written)
        summary["baseline_trailer"] = f"{BASELINE_TRAILER}: import"
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for refused in imported.refused:
            click.echo(f"refused: {refused}")
        click.echo(
            f"{summary['rows']} row(s): {summary['accounts']} new account(s), "
            f"{summary['deals']} deal(s), amount {summary['amount']}, "
            f"{len(imported.refused)} refused; "
            + (f"wrote {len(written)} file(s)" if written else "nothing written (use --write)"),
            err=True,
        )
    if after is not None and not after.ok:
        for path in written:
            path.unlink(missing_ok=True)
        errors = [p for p in after.problems if p.severity == "error"]
        click.echo(format_text(errors), err=True, nl=False)
        click.echo("funnel: the imported data would not pass `funnel check`; removed it", err=True)
        sys.exit(1)
    if written and output_format != "json":
        click.echo(
            "Review, then commit it as the baseline, so that these customers count as known "
            "since their own dates (a manager's commit; see README, Adoption day):\n"
            f"  git add {data_dir}\n"
            f'  git commit -m "Import from the CRM" --trailer "{BASELINE_TRAILER}: import"',
            err=True,
        )
    sys.exit(1 if imported.refused else 0)


COMMANDS = [handover, codeowners, export, new, import_]

"""The commands that read git history: diff, review, check-order, policy."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from .options import (
    DATE,
    as_of_option,
    at_option,
    data_option,
    data_source,
    format_option,
    history_failed,
    history_or_exit,
    rules_of,
    today_or,
)


@click.command()
@click.argument("base")
@click.argument("head", required=False)
@data_option
@as_of_option
@format_option("md", "json", help="json for programs (see README).")
def diff(
    base: str, head: str | None, data_dir: str, as_of: date | None, output_format: str
) -> None:
    """The business changes between BASE and HEAD (default: the working tree).

    Stage moves, amounts, slips, owners, new and removed deals, and the change of the
    weighted forecast per owner: the text for a pull request's review comment.
    """
    from ..analytics.diff import business_diff, to_json
    from ..history.git import HistoryError
    from ..site.diff_comment import to_markdown

    day = today_or(as_of)
    funnel = rules_of(data_dir, day).dataset.funnel
    try:
        result = business_diff(Path(data_dir), base, head, funnel, git_env=os.environ, as_of=day)
    except HistoryError as exc:
        history_failed(exc)
    if output_format == "json":
        click.echo(to_json(result), nl=False)
    else:
        click.echo(to_markdown(result, funnel.currency), nl=False)


@click.command("check-order")
@click.argument("account")
@click.option(
    "--date", "day", type=DATE, default=None, help="The order's date (default: the as-of date)."
)
@data_option
@as_of_option
@format_option("text", "json", help="json for order processing (see README).")
def check_order(
    account: str, day: date | None, data_dir: str, as_of: date | None, output_format: str
) -> None:
    """Accept or refuse an order from ACCOUNT: the hook for order processing.

    Exit 0: accept. Exit 1: refuse (the account never appeared in the funnel, appeared fewer
    than rules.min_days_in_funnel days before the order, or is unknown). Exit 2: usage error.
    """
    from ..analytics.compliance import order_decision

    day = day or today_or(as_of)
    result = rules_of(data_dir, day)
    history = history_or_exit(data_dir)
    decision = order_decision(
        history,
        set(result.dataset.accounts) | result.dataset.invalid,
        account,
        day,
        result.dataset.funnel.rules.min_days_in_funnel,
    )
    if output_format == "json":
        click.echo(decision.to_json(), nl=False)
    else:
        click.echo(f"{'accept' if decision.accept else 'refuse'}: {decision.reason}")
    sys.exit(0 if decision.accept else 1)


@click.command()
@click.option(
    "--week", default=None, help="An ISO week such as 2026-W48 (default: the as-of week)."
)
@click.option("--owner", default=None, help="Only this rep (a person id).")
@click.option("--team", default=None, help="Only this manager's team: their reps and the manager.")
@data_option
@as_of_option
@at_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "md", "json"]),
    default=None,
    help="text for people on a terminal (the default there), md for a page (the default "
    "when the output is not a terminal), json for programs (see README).",
)
def review(
    week: str | None,
    owner: str | None,
    team: str | None,
    data_dir: str,
    as_of: date | None,
    at: date | None,
    output_format: str | None,
) -> None:
    """The weekly review: each rep's week from git, as the agenda of the manager's meeting.

    Each rep's weighted change with its causes (new, won, lost, stage moves, amounts, slips,
    handovers), the week's changes with customer, amount and close date, what the rep logged,
    and what needs a word; each manager's team rolled up. People who have left, and managers
    with nothing to discuss, are left out.
    """
    from ..analytics.calendar import Week
    from ..analytics.review import agenda, to_json, weekly_review
    from ..analytics.team_review import team_members, team_weeks
    from ..history.events import all_events
    from ..site.describe import describe_by_key

    if owner is not None and team is not None:
        raise click.UsageError("give --owner or --team, not both")
    source = data_source(data_dir, as_of, at)
    dataset = rules_of(source.folder, source.day, source.entries).dataset
    try:
        chosen = Week.parse(week) if week else Week.of(source.day)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    everyone = dataset.team.people if dataset.team else []
    people = {person.id: person for person in everyone}
    for given, hint in ((owner, "--owner"), (team, "--team")):
        if given is not None and given not in people:
            raise click.BadParameter(f"no person `{given}` in team.yaml", param_hint=hint)
    if team is not None and people[team].role != "manager":
        raise click.BadParameter(f"`{team}` is not a manager in team.yaml", param_hint="--team")
    history = history_or_exit(data_dir, source.past)
    events = all_events(history, dataset.funnel)
    owners = [owner] if owner else team_members(team, everyone) if team else None
    reviews = weekly_review(history, events, dataset.funnel, chosen, owners)
    listed = agenda(reviews, people)
    teams = [t for t in team_weeks(reviews, everyone) if team in (None, t.manager)]
    teams = [] if owner else teams
    if output_format is None:
        output_format = "text" if sys.stdout.isatty() else "md"
    if output_format == "json":
        click.echo(to_json(chosen, reviews, describe_by_key, teams, listed), nl=False)
    else:
        _print_review(chosen, listed, teams, dataset, plain=output_format == "text")


def _print_review(chosen, reviews, teams, dataset, *, plain: bool) -> None:
    """The weekly review as Markdown, as the site's review page shows it without links; or,
    `plain`, as text for a terminal: names instead of ids, nothing escaped."""
    from ..site.describe import describe_by_key, describe_change
    from ..site.environment import environment
    from ..site.history_pages import SECTIONS
    from ..site.words import WORDS

    people = {person.id: person for person in (dataset.team.people if dataset.team else [])}
    env = environment(None)
    describe = describe_by_key
    if plain:
        env = env.overlay(autoescape=False, finalize=lambda value: value)
        labels = {
            "stage": {stage.id: stage.label for stage in dataset.funnel.stages},
            "owner": {person_id: person.name for person_id, person in people.items()},
            "account": {account_id: a.name for account_id, a in dataset.accounts.items()},
        }

        def describe(change):  # the CLI adapter, untyped like its caller
            return describe_change(change, WORDS["en"], labels)

    click.echo(
        env.get_template("review.md.j2").render(
            t=WORDS["en"],
            title=f"Weekly review {chosen.name}",
            week=chosen,
            reps=[(rep, people.get(rep.owner)) for rep in reviews.values()],
            teams=teams,
            sections=SECTIONS,
            links=False,
            plain=plain,
            currency=dataset.funnel.currency,
            describe=describe,
            accounts={account_id: a.name for account_id, a in dataset.accounts.items()},
            people_by_id=people,
            page_path="review.md",
        ),
        nl=False,
    )


@click.command()
@click.option("--base", required=True, help="The revision the pull request starts from.")
@click.option("--head", default="HEAD", show_default=True, help="The pull request's revision.")
@data_option
@format_option("text", "json", help="json for programs (see README).")
def policy(base: str, head: str, data_dir: str, output_format: str) -> None:
    """Check who changed what between BASE and HEAD against the access rules.

    Exit 1, saying who changed what, when a rep changed a deal that is not theirs, took a
    deal over, deleted a deal instead of closing it as lost, or changed the rules, the team,
    the workflows or the code without being a manager; wrote a handover checklist without
    being the leaver's manager, or ticked an item off without being its FROM or TO person
    or their manager; marked a commit Funnel-Baseline without being a manager; or when an
    author is not in team.yaml. Managers may change their own reps' deals. Exit 2 on a usage
    error.
    """
    from ..analytics.policy import PolicyError, check_policy
    from ..history.git import HistoryError

    try:
        result = check_policy(Path(data_dir), base, head, git_env=os.environ)
    except (HistoryError, PolicyError) as exc:
        history_failed(exc)
    if output_format == "json":
        click.echo(result.to_json(), nl=False)
    else:
        for violation in result.violations:
            click.echo(f"refuse: {violation}")
        verdict = "refused" if result.violations else "ok"
        click.echo(
            f"{verdict}: {result.commits} commit(s) checked, "
            f"{len(result.violations)} rule(s) broken",
            err=True,
        )
    sys.exit(1 if result.violations else 0)


COMMANDS = [diff, check_order, review, policy]

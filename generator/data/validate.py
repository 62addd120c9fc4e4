"""Rules across files: references between records, and the team's business rules.

Each file was already checked against its own model by `load`; here the records meet:
a deal's owner must be a person, its contact one of its account's contacts, and so on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain
from pathlib import Path

from .load import Dataset, load
from .model import CLOSED_STAGES, Deal, DealParts
from .problems import Problem, count, did_you_mean, error, warning


@dataclass(frozen=True)
class FileCount:
    """How many files of one kind there are, and how many of them have errors."""

    files: int
    with_errors: int


@dataclass(frozen=True)
class CheckResult:
    """The loaded data and every problem found in it, sorted by file and line."""

    dataset: Dataset
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not any(problem.severity == "error" for problem in self.problems)

    @property
    def files(self) -> dict[str, FileCount]:
        """Deal and account files, the broken ones included, and how many have errors."""
        broken = {problem.path for problem in self.problems if problem.severity == "error"}
        found = self.dataset.found
        return {
            name: FileCount(
                len(found.get(kind, [])), sum(path in broken for path in found.get(kind, []))
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


def check(root: Path | str, as_of: date, display: str | None = None) -> CheckResult:
    """Load `root` and apply every rule; nothing stops at the first problem."""
    dataset, problems = load(root, display)
    problems.extend(validate(dataset, as_of))
    return CheckResult(dataset, sorted(set(problems)))


def validate(dataset: Dataset, as_of: date) -> list[Problem]:
    return [
        *_funnel_rules(dataset),
        *_team_rules(dataset),
        *_account_rules(dataset),
        *_deal_rules(dataset, as_of),
        *_target_rules(dataset),
        *_handover_rules(dataset, as_of),
    ]


def _at(
    dataset: Dataset, path: str, loc: tuple[str | int, ...], message: str, *, key: bool = False
) -> Problem:
    line, column = dataset.where(path, loc, key=key)
    return error(path, line, column, message)


def _warn_at(dataset: Dataset, path: str, loc: tuple[str | int, ...], message: str) -> Problem:
    line, column = dataset.where(path, loc)
    return warning(path, line, column, message)


def _funnel_rules(dataset: Dataset) -> Iterator[Problem]:
    funnel = dataset.funnel
    if funnel is None:
        return
    path = dataset.path("funnel.yaml")
    seen: set[str] = set()
    for index, stage in enumerate(funnel.stages):
        loc = ("stages", index, "id")
        if stage.id in CLOSED_STAGES:
            yield _at(
                dataset,
                path,
                loc,
                f"`{stage.id}` is a built-in closing stage: give this stage another id",
            )
        elif stage.id in seen:
            yield _at(dataset, path, loc, f"stage id `{stage.id}` is used twice: rename one")
        seen.add(stage.id)


def _team_rules(dataset: Dataset) -> Iterator[Problem]:
    team = dataset.team
    if team is None:
        return
    path = dataset.path("team.yaml")
    territories: set[str] = set()
    for index, territory in enumerate(team.territories):
        if territory.id in territories:
            yield _at(
                dataset,
                path,
                ("territories", index, "id"),
                f"territory id `{territory.id}` is used twice: rename one",
            )
        territories.add(territory.id)
    people = {}
    emails: dict[str, str] = {}
    for index, person in enumerate(team.people):
        if person.id in people:
            yield _at(
                dataset,
                path,
                ("people", index, "id"),
                f"person id `{person.id}` is used twice: rename one",
            )
        people.setdefault(person.id, person)
        if person.email:
            email = person.email.lower()
            if email in emails and emails[email] != person.id:
                yield _at(
                    dataset,
                    path,
                    ("people", index, "email"),
                    f"email {person.email} is also {emails[email]}'s: "
                    "commits could not be told apart",
                )
            emails.setdefault(email, person.id)
    for index, person in enumerate(team.people):
        if person.manager is not None:
            boss = people.get(person.manager)
            loc = ("people", index, "manager")
            if boss is None:
                hint = did_you_mean(person.manager, people)
                yield _at(dataset, path, loc, f"`manager`: no person `{person.manager}`{hint}")
            elif boss.role != "manager":
                yield _at(
                    dataset,
                    path,
                    loc,
                    f"`manager`: {boss.id} is a {boss.role}, not a manager: "
                    f"name a manager or set {boss.id}'s role to manager",
                )
            elif boss.id == person.id:
                yield _at(dataset, path, loc, "`manager`: a person cannot manage themself")
        if person.territory is not None and person.territory not in territories:
            hint = did_you_mean(person.territory, territories)
            yield _at(
                dataset,
                path,
                ("people", index, "territory"),
                f"`territory`: no territory `{person.territory}` in team.yaml{hint}",
            )


def _account_rules(dataset: Dataset) -> Iterator[Problem]:
    territories = {t.id for t in dataset.team.territories} if dataset.team else None
    for account in chain(dataset.accounts.values(), dataset.broken_accounts.values()):
        if (
            territories is not None
            and account.territory is not None
            and account.territory not in territories
        ):
            hint = did_you_mean(account.territory, territories)
            yield _at(
                dataset,
                account.path,
                ("territory",),
                f"`territory`: no territory `{account.territory}` in team.yaml{hint}",
            )
        names: set[str] = set()
        for index, contact in enumerate(account.contacts or ()):
            if contact.name in names:
                yield _at(
                    dataset,
                    account.path,
                    ("contacts", index, "name"),
                    f"contact `{contact.name}` is listed twice: deals name contacts, "
                    "so each name must be unique in the account",
                )
            names.add(contact.name)
            if not contact.phone and not contact.email:
                yield _warn_at(
                    dataset,
                    account.path,
                    ("contacts", index),
                    f"contact {contact.name} has neither phone nor email: "
                    "a successor could not reach them",
                )


def _deal_rules(dataset: Dataset, as_of: date) -> Iterator[Problem]:
    """References and dates of every deal; of a broken deal, each part that could be read."""
    people = None
    if dataset.team is not None:
        people = {}
        for person in dataset.team.people:
            people.setdefault(person.id, person)  # a second entry is reported in team.yaml
    funnel = dataset.funnel
    for deal in chain(dataset.deals.values(), dataset.broken_deals.values()):
        path = deal.path
        if people is not None and deal.owner is not None:
            owner = people.get(deal.owner)
            if owner is None:
                hint = did_you_mean(deal.owner, people)
                yield _at(dataset, path, ("owner",), f"`owner`: no person `{deal.owner}`{hint}")
            elif deal.is_open and owner.status == "left":
                yield _at(
                    dataset,
                    path,
                    ("owner",),
                    f"`owner`: {owner.id} has left and cannot own an open deal: "
                    "hand it over (funnel handover) to an active rep",
                )
            elif deal.is_open and owner.status == "leaving":
                yield _warn_at(
                    dataset,
                    path,
                    ("owner",),
                    f"`owner`: {owner.id} is leaving: hand this deal over",
                )
        if deal.account is not None:
            yield from _deal_account(dataset, deal)
        if funnel is not None and deal.stage is not None and funnel.stage(deal.stage) is None:
            hint = did_you_mean(deal.stage, funnel.stage_ids) or (
                f": one of {', '.join(funnel.stage_ids)}"
            )
            yield _at(dataset, path, ("stage",), f"`stage`: no stage `{deal.stage}`{hint}")
        yield from _deal_dates(dataset, deal, as_of)


def _deal_account(dataset: Dataset, deal: Deal | DealParts) -> Iterator[Problem]:
    """The deal's account exists and has the deal's contact (read from a broken account file
    too, when its contacts could be read)."""
    account = dataset.accounts.get(deal.account) or dataset.broken_accounts.get(deal.account)
    if account is None and deal.account in dataset.invalid:
        return  # its own file's errors are reported there
    if account is None:
        hint = did_you_mean(deal.account, dataset.accounts)
        yield _at(
            dataset,
            deal.path,
            ("account",),
            f"`account`: no account `{deal.account}` (a file accounts/{deal.account}.yaml){hint}",
        )
    elif (
        deal.contact is not None
        and account.contacts is not None
        and account.contact(deal.contact) is None
    ):
        names = [contact.name for contact in account.contacts]
        hint = did_you_mean(deal.contact, names) or f": one of {', '.join(names)}"
        yield _at(
            dataset,
            deal.path,
            ("contact",),
            f"`contact`: {account.id} has no contact named `{deal.contact}`{hint}",
        )


def _deal_dates(dataset: Dataset, deal: Deal | DealParts, as_of: date) -> Iterator[Problem]:
    path = deal.path
    is_open = deal.is_open
    if is_open:
        if deal.closed_on is not None or "closed_on" in deal.refused:
            yield _at(
                dataset,
                path,
                ("closed_on",),
                f"`closed_on` is only for won or lost deals; this deal is `{deal.stage}`: "
                "remove it or close the deal",
                key=True,
            )
        if deal.expected_close is not None and deal.expected_close < as_of:
            yield _warn_at(
                dataset,
                path,
                ("expected_close",),
                f"`expected_close` {deal.expected_close} has passed: "
                "update the date or close the deal",
            )
    elif is_open is not None:
        if deal.closed_on is None:
            if "closed_on" not in deal.refused:
                yield _at(
                    dataset,
                    path,
                    ("stage",),
                    f"a {deal.stage} deal needs `closed_on: YYYY-MM-DD`, "
                    f"the day it was {deal.stage}",
                )
        elif deal.created is not None and deal.closed_on < deal.created:
            yield _at(
                dataset,
                path,
                ("closed_on",),
                f"`closed_on` {deal.closed_on} is before `created` {deal.created}",
            )
        elif deal.closed_on > as_of:
            yield _warn_at(
                dataset,
                path,
                ("closed_on",),
                f"`closed_on` {deal.closed_on} lies in the future (as of {as_of})",
            )
    if deal.lost_reason is not None and deal.stage is not None and deal.stage != "lost":
        yield _warn_at(dataset, path, ("lost_reason",), "`lost_reason` is only read on lost deals")
    previous = None
    for index, entry in enumerate(deal.log):
        if previous is not None and entry.date < previous:
            yield _warn_at(
                dataset,
                path,
                ("log", index, "date"),
                f"log entries go newest last: {entry.date} comes after {previous}",
            )
        if entry.date > as_of:
            yield _warn_at(
                dataset,
                path,
                ("log", index, "date"),
                f"log entry dated {entry.date}, after {as_of}: log what has happened",
            )
        previous = entry.date


def _target_rules(dataset: Dataset) -> Iterator[Problem]:
    if dataset.targets is None:
        return
    path = dataset.path("targets.yaml")
    people = {person.id for person in dataset.team.people} if dataset.team else None
    territories = {t.id for t in dataset.team.territories} if dataset.team else None
    seen: dict[tuple[str, str, str], int] = {}
    for index, target in enumerate(dataset.targets.targets):
        loc: tuple[str | int, ...] = ("targets", index)
        if target.owner and target.territory:
            yield _at(
                dataset,
                path,
                (*loc, "territory"),
                "a target is an owner's or a territory's, not both: remove one",
                key=True,
            )
        if people is not None and target.owner and target.owner not in people:
            hint = did_you_mean(target.owner, people)
            yield _at(dataset, path, (*loc, "owner"), f"`owner`: no person `{target.owner}`{hint}")
        if territories is not None and target.territory and target.territory not in territories:
            hint = did_you_mean(target.territory, territories)
            yield _at(
                dataset,
                path,
                (*loc, "territory"),
                f"`territory`: no territory `{target.territory}` in team.yaml{hint}",
            )
        key = (target.owner or "", target.territory or "", target.period)
        if key in seen:
            line = dataset.where(path, ("targets", seen[key]))[0]
            yield _at(
                dataset,
                path,
                (*loc, "period"),
                f"a second target for the same {'owner' if target.owner else 'territory'} and "
                f"period {target.period} (first on line {line}): keep one",
            )
        seen.setdefault(key, index)


def _handover_rules(dataset: Dataset, as_of: date) -> Iterator[Problem]:
    """Checklists name known people and deals; a done item says when."""
    people = {person.id for person in dataset.team.people} if dataset.team else None
    known_deals = set(dataset.deals) | dataset.invalid
    for handover in dataset.handovers.values():
        path = handover.path
        if people is not None and handover.from_ not in people:
            hint = did_you_mean(handover.from_, people)
            yield _at(dataset, path, ("from",), f"`from`: no person `{handover.from_}`{hint}")
        seen: set[str] = set()
        for index, item in enumerate(handover.deals):
            loc = ("deals", index)
            if item.deal not in known_deals:
                hint = did_you_mean(item.deal, known_deals)
                yield _at(dataset, path, (*loc, "deal"), f"`deal`: no deal `{item.deal}`{hint}")
            elif item.deal in seen:
                yield _at(
                    dataset, path, (*loc, "deal"), f"deal `{item.deal}` is listed twice: keep one"
                )
            seen.add(item.deal)
            if people is not None and item.to not in people:
                hint = did_you_mean(item.to, people)
                yield _at(dataset, path, (*loc, "to"), f"`to`: no person `{item.to}`{hint}")
            deal = dataset.deals.get(item.deal)
            if deal is not None and deal.owner != item.to and deal.is_open:
                yield _warn_at(
                    dataset,
                    path,
                    (*loc, "to"),
                    f"{item.deal} is owned by {deal.owner}, not by the successor {item.to}: "
                    "change the deal's owner, or the checklist",
                )
            if item.status == "done" and item.done_on is None:
                yield _at(
                    dataset,
                    path,
                    (*loc, "status"),
                    "a done item needs `done_on: YYYY-MM-DD`, the day it was done",
                )
            elif item.status == "pending" and item.done_on is not None:
                yield _at(
                    dataset,
                    path,
                    (*loc, "done_on"),
                    "`done_on` is for done items: set `status: done`, or remove `done_on`",
                    key=True,
                )
            elif item.done_on is not None and item.done_on < handover.date:
                yield _at(
                    dataset,
                    path,
                    (*loc, "done_on"),
                    f"`done_on` {item.done_on} is before the handover's date {handover.date}",
                )
            elif item.done_on is not None and item.done_on > as_of:
                yield _warn_at(
                    dataset,
                    path,
                    (*loc, "done_on"),
                    f"`done_on` {item.done_on} lies in the future (as of {as_of})",
                )

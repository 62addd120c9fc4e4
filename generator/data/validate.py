"""Rules across files: references between records, and the team's business rules.

Each file was already checked against its own model by `load`; here the records meet:
a deal's owner must be a person, its contact one of its account's contacts, and so on.
The rules of the funnel, the team, the accounts and the targets are here; those of the
deals and the handover checklists in `deal_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain
from pathlib import Path

from .deal_rules import deal_rules, handover_rules
from .files import FileEntry
from .findings import FileCount, Findings
from .load import Dataset, load
from .model import CLOSED_STAGES, Account, AccountParts, Deal, Person, Team
from .parse_cache import ParseCache
from .problems import Problem, did_you_mean


@dataclass(frozen=True)
class CheckResult:
    """The loaded data and every problem found in it, sorted by file and line."""

    dataset: Dataset
    problems: list[Problem]

    @property
    def findings(self) -> Findings:
        """The problems and the files found, without the records."""
        return Findings(self.problems, self.dataset.found)

    @property
    def ok(self) -> bool:
        """Whether the data has no errors (warnings allowed): outputs may be made from it."""
        return self.findings.ok

    @property
    def files(self) -> dict[str, FileCount]:
        """Deal and account files, the broken ones included, and how many have errors."""
        return self.findings.files

    def summary(self) -> str:
        """One line for standard error (see `Findings.summary`)."""
        return self.findings.summary()


def check(
    root: Path | str,
    as_of: date,
    display: str | None = None,
    *,
    cache: ParseCache | None = None,
    entries: list[FileEntry] | None = None,
    save: bool = True,
) -> CheckResult:
    """Load `root` (or `entries`, its files as listed before, or the files of a commit) and
    apply every rule; nothing stops at the first problem. With `cache`, files read before
    without problems are not parsed again; every rule across files still runs. The cache's
    file is written unless `save` is false (it is then only kept in memory)."""
    dataset, problems = load(root, display, cache=cache, entries=entries)
    problems.extend(validate(dataset, as_of))
    if cache is not None and save:
        cache.save()  # once: the records read and the places of the problems found
    return CheckResult(dataset, sorted(set(problems)))


def check_for_build(
    root: Path | str,
    as_of: date,
    display: str | None = None,
    *,
    cache: ParseCache | None,
    now_ns: int,
    entries: list[FileEntry] | None = None,
) -> CheckResult:
    """`check` as a build (or `--at`) makes it: a file last changed a second or more before
    `now_ns` (the caller's clock) and unchanged since the last such check, by its size, times
    and inode, is not read (its record is kept; its text is read only to place a problem in
    it), and the files read now are known so by the next."""
    if cache is None:
        return check(root, as_of, display, entries=entries)
    cache.settle(now_ns)
    result = check(root, as_of, display, cache=cache, entries=entries, save=False)
    cache.keep_blobs(result.dataset.seen)
    cache.save()
    return result


def validate(dataset: Dataset, as_of: date) -> list[Problem]:
    """Every problem across files, of what `load` could read (the broken files' parts too)."""
    return [
        *_funnel_rules(dataset),
        *_team_rules(dataset),
        *_account_rules(dataset),
        *deal_rules(dataset, as_of),
        *_target_rules(dataset),
        *handover_rules(dataset, as_of),
        *_crm_id_rules(dataset),
    ]


def _crm_id_rules(dataset: Dataset) -> Iterator[Problem]:
    """A CRM id names one account and one deal: a re-import could not tell two apart."""
    kinds: tuple[tuple[str, Iterable[Account | Deal]], ...] = (
        ("account", dataset.accounts.values()),
        ("deal", dataset.deals.values()),
    )
    for kind, records in kinds:
        first: dict[str, str] = {}
        for record in sorted(records, key=lambda record: record.path):
            if record.crm_id is None:
                continue
            if record.crm_id in first:
                yield dataset.error_at(
                    record.path,
                    ("crm_id",),
                    f"`crm_id` {record.crm_id} is also the {kind} {first[record.crm_id]}'s: "
                    "a re-import would not know which to update; keep it on one",
                )
            first.setdefault(record.crm_id, record.path)


def _funnel_rules(dataset: Dataset) -> Iterator[Problem]:
    funnel = dataset.funnel
    if funnel is None:
        return
    path = dataset.path("funnel.yaml")
    seen: set[str] = set()
    for index, stage in enumerate(funnel.stages):
        loc = ("stages", index, "id")
        if stage.id in CLOSED_STAGES:
            yield dataset.error_at(
                path, loc, f"`{stage.id}` is a built-in closing stage: give this stage another id"
            )
        elif stage.id in seen:
            yield dataset.error_at(path, loc, f"stage id `{stage.id}` is used twice: rename one")
        seen.add(stage.id)


def _team_rules(dataset: Dataset) -> Iterator[Problem]:
    team = dataset.team
    if team is None:
        return
    path = dataset.path("team.yaml")
    territories: set[str] = set()
    for index, territory in enumerate(team.territories):
        if territory.id in territories:
            yield dataset.error_at(
                path,
                ("territories", index, "id"),
                f"territory id `{territory.id}` is used twice: rename one",
            )
        territories.add(territory.id)
    people: dict[str, Person] = {}
    emails: dict[str, str] = {}
    for index, person in enumerate(team.people):
        loc = ("people", index)
        if person.id in people:
            yield dataset.error_at(
                path, (*loc, "id"), f"person id `{person.id}` is used twice: rename one"
            )
        people.setdefault(person.id, person)
        if person.email:
            email = person.email.lower()
            if email in emails and emails[email] != person.id:
                yield dataset.error_at(
                    path,
                    (*loc, "email"),
                    f"email {person.email} is also {emails[email]}'s: "
                    "commits could not be told apart",
                )
            emails.setdefault(email, person.id)
    yield from _people_references(dataset, team, people, territories)


def _people_references(
    dataset: Dataset, team: Team, people: dict[str, Person], territories: set[str]
) -> Iterator[Problem]:
    """Each person's manager is a manager of the team, and their territory one of its own."""
    path = dataset.path("team.yaml")
    for index, person in enumerate(team.people):
        if person.manager is not None:
            boss = people.get(person.manager)
            loc = ("people", index, "manager")
            if boss is None:
                hint = did_you_mean(person.manager, people)
                yield dataset.error_at(path, loc, f"`manager`: no person `{person.manager}`{hint}")
            elif boss.role != "manager":
                yield dataset.error_at(
                    path,
                    loc,
                    f"`manager`: {boss.id} is a {boss.role}, not a manager: "
                    f"name a manager or set {boss.id}'s role to manager",
                )
            elif boss.id == person.id:
                yield dataset.error_at(path, loc, "`manager`: a person cannot manage themself")
        if person.territory is not None and person.territory not in territories:
            hint = did_you_mean(person.territory, territories)
            yield dataset.error_at(
                path,
                ("people", index, "territory"),
                f"`territory`: no territory `{person.territory}` in team.yaml{hint}",
            )


def _account_rules(dataset: Dataset) -> Iterator[Problem]:
    territories = {t.id for t in dataset.team.territories} if dataset.team else None
    accounts: Iterable[Account | AccountParts] = chain(
        dataset.accounts.values(), dataset.broken_accounts.values()
    )
    for account in accounts:
        if (
            territories is not None
            and account.territory is not None
            and account.territory not in territories
        ):
            hint = did_you_mean(account.territory, territories)
            yield dataset.error_at(
                account.path,
                ("territory",),
                f"`territory`: no territory `{account.territory}` in team.yaml{hint}",
            )
        names: set[str] = set()
        for index, contact in enumerate(account.contacts or ()):
            if contact.name in names:
                yield dataset.error_at(
                    account.path,
                    ("contacts", index, "name"),
                    f"contact `{contact.name}` is listed twice: deals name contacts, "
                    "so each name must be unique in the account",
                )
            names.add(contact.name)
            if not contact.phone and not contact.email:
                yield dataset.warning_at(
                    account.path,
                    ("contacts", index),
                    f"contact {contact.name} has neither phone nor email: "
                    "a successor could not reach them",
                )


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
            yield dataset.error_at(
                path,
                (*loc, "territory"),
                "a target is an owner's or a territory's, not both: remove one",
                key=True,
            )
        if people is not None and target.owner and target.owner not in people:
            hint = did_you_mean(target.owner, people)
            yield dataset.error_at(
                path, (*loc, "owner"), f"`owner`: no person `{target.owner}`{hint}"
            )
        if territories is not None and target.territory and target.territory not in territories:
            hint = did_you_mean(target.territory, territories)
            yield dataset.error_at(
                path,
                (*loc, "territory"),
                f"`territory`: no territory `{target.territory}` in team.yaml{hint}",
            )
        key = (target.owner or "", target.territory or "", target.period)
        if key in seen:
            line = dataset.where(path, ("targets", seen[key]))[0]
            yield dataset.error_at(
                path,
                (*loc, "period"),
                f"a second target for the same {'owner' if target.owner else 'territory'} and "
                f"period {target.period} (first on line {line}): keep one",
            )
        seen.setdefault(key, index)

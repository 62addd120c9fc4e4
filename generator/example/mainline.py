"""The example team's main line: the calendar, people's signatures, pull requests and what
each landing changes, kept as the weekly review will tell it.

`story.py` tells the months on top of it.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

from ..analytics.calendar import Week
from ..data.money import ZERO
from .deals import Deal
from .repository import ZONE, Commit, Landing, Pull, Repository, Signature
from .team import LEFT, PROBABILITY, accounts, people

DEAL_PATH = re.compile(r"^data/deals/(?:.*/)?([^/]+)\.yaml$")


def deal_state(text: str | None) -> tuple[str, Decimal] | None:
    """Owner and weighted amount of a deal file as `Deal.text` writes it."""
    if text is None:
        return None
    fields = dict(re.findall(r"^(owner|stage|amount): (\S+)$", text, re.M))
    return fields["owner"], Decimal(fields["amount"]) * PROBABILITY.get(fields["stage"], 0) / 100


PlantedHandover = tuple[str, str, date, Commit, str, dict[str, tuple[str, date]], tuple[str, ...]]


@dataclass
class Planted:
    """What the story plants, kept as it happens (the commits get their shas when written)."""

    head: Commit | None = None
    targets: list[Commit] = field(default_factory=list)
    rule: tuple[Commit, str, int, int] | None = None
    late: tuple[str, str, str] | None = None
    """The late entry's account, deal and owner."""
    removed: tuple[str, str] | None = None
    """The deal deleted instead of lost, and its owner."""
    handover: PlantedHandover | None = None
    """Who handed over to whom, when, in which commit, the checklist, its ticks, what was kept."""
    last: tuple[tuple[str, str], dict[str, Decimal]] | None = None
    """The last pull request's deals and how it moves each owner's weighted pipeline."""


class MainLine:
    """The team at work: its deals, the calendar, and what lands on the main line."""

    def __init__(self, repository: Repository, rng: Random, months: int, as_of: date) -> None:
        self.repo, self.rng, self.as_of = repository, rng, as_of
        first = as_of - timedelta(days=round(months * 30.44))
        start = first - timedelta(days=first.weekday())
        self.mondays = [start + timedelta(weeks=k) for k in range((as_of - start).days // 7 + 1)]
        self.deals: dict[str, Deal] = {}
        self.accounts = dict(accounts())
        self.statuses = dict(LEFT)
        self.started: set[str] = set()
        self.pending: set[str] = set()
        self.landed: dict[str, tuple[str, Decimal]] = {}
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self.order = itertools.count()
        self.branches: set[str] = set()
        # what the story planted, for `story()`
        self.imports: list[tuple[Commit, str, str, tuple[str, ...], dict[str, int]]] = []
        self.landings: dict[str, tuple[Commit, str, str | None, str, Commit, Pull | None]] = {}
        self.weeks: dict[str, tuple[set[str], dict[str, Decimal], dict[str, int]]] = {}
        self.counts = {"merge": 0, "squash": 0, "direct": 0}
        self.planted = Planted()

    # -- time, people, the main line ----------------------------------------------------------

    def days(self, week: int) -> list[date]:
        """The week's working days, Monday to Friday, none after the as-of date."""
        monday = self.mondays[week]
        return [day for i in range(5) if (day := monday + timedelta(i)) <= self.as_of]

    @staticmethod
    def at(day: date, hour: int, minute: int = 0) -> datetime:
        """A time on a day in the team's time zone (+08:00), for a commit or a planned episode."""
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)

    def schedule(self, when: datetime, action: Callable[[], None]) -> None:
        """Queue an action for its time, so the episodes and the reps' weekly work land
        in time order."""
        heapq.heappush(self.queue, (when, next(self.order), action))

    def sign(self, person: str, when: datetime) -> Signature:
        """The person's name and email at this time, so the history credits the change to them."""
        who = people()[person]
        return Signature(who.name, who.email, when)

    def record(self, commit: Commit, baseline: bool = False) -> None:
        """Keep the week's facts as the weekly review tells them."""
        day = commit.committer.when.date()
        changed, weighted, imported = self.weeks.setdefault(Week.of(day).name, (set(), {}, {}))
        for path, text in commit.changes.items():
            if not (match := DEAL_PATH.match(path)):
                continue
            before, after = self.landed.pop(match[1], None), deal_state(text)
            deal = self.deals.get(match[1])
            if deal is not None and deal.landed is None:
                deal.landed = day
            if after is not None:
                self.landed[match[1]] = after
            if baseline and after is not None:
                imported[after[0]] = imported.get(after[0], 0) + 1
                continue
            changed.add(match[1])
            for state, sign in ((before, -1), (after, 1)):
                if state is not None:
                    weighted[state[0]] = weighted.get(state[0], ZERO) + sign * state[1]
        for owner in [owner for owner, delta in weighted.items() if delta == 0]:
            del weighted[owner]
        self.planted.head = commit

    def direct(self, person: str, when: datetime, message: str, changes) -> Commit:
        """A commit straight on the main line, with no pull request, counted as landed directly."""
        commit = self.repo.commit(changes, self.sign(person, when), message)
        self.record(commit)
        self.counts["direct"] += 1
        return commit

    def pull(self, person: str, slug: str, title: str) -> Pull:
        """Open a pull request on a fresh `person/slug` branch (numbered if the name is taken)."""
        branch, number = f"{person}/{slug}", 2
        while branch in self.branches:
            branch, number = f"{person}/{slug}-{number}", number + 1
        self.branches.add(branch)
        return self.repo.pull(branch, title)

    def push(self, pull: Pull, person: str, when: datetime, message: str, changes) -> None:
        """A commit on the pull request's branch: deals (as they are now) or files."""
        if isinstance(changes, list):
            self.pending |= {deal.id for deal in changes}
            changes = {deal.path: deal.text() for deal in changes}
        self.repo.push(pull, changes, self.sign(person, when), message)

    def merge(self, pull: Pull, person: str, when: datetime, how: str, name: str = "") -> None:
        """The person's manager lands the pull request (`how`: merge or squash)."""
        base, manager = self.repo.main, people()[person].manager
        assert base is not None
        commit = self.repo.merge(pull, self.sign(manager, when), how)
        self.record(commit)
        self.pending -= {m[1] for path in pull.changes if (m := DEAL_PATH.match(path))}
        self.counts[how] += 1
        if name:
            self.landings[name] = (commit, person, manager, how, base, pull)

    def landing(self, name: str) -> Landing:
        """How a named change set reached the main line (who, how, the commits around it), for
        the story the tests check the site against."""
        commit, author, merged_by, how, base, pull = self.landings[name]
        branch, tip = (pull.branch, pull.tip.sha) if pull else (None, None)
        day = commit.committer.when.date()
        return Landing(commit.sha, day, author, merged_by, how, base.sha, branch, tip)

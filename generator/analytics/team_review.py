"""A manager's team's week rolled up from its people's weeks: the team's weighted change and
its causes, its new, won, lost and slipped deals, and what needs a word."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..data.model import Person
from ..data.money import ZERO, json_amount
from .review import CAUSES, TALLIED, RepWeek, Tally
from .slips import PeriodSlips, combined


@dataclass
class TeamWeek:
    """A manager's team's week rolled up: the reps' weeks and the manager's own."""

    manager: str
    reps: list[RepWeek]

    @property
    def weighted_delta(self) -> Decimal:
        """The team's change of weighted pipeline: the sum of its people's."""
        return sum((rep.weighted_delta for rep in self.reps), ZERO)

    @property
    def causes(self) -> dict[str, Decimal]:
        """Why the team's weighted pipeline moved, cause by cause."""
        return {c: sum((r.causes.get(c, ZERO) for r in self.reps), ZERO) for c in CAUSES}

    def tally(self, what: str) -> Tally:
        """The team's new, won, lost or slipped deals: the sum of its people's."""
        return sum((rep.tally(what) for rep in self.reps), Tally())

    @property
    def slipped_out(self) -> list[PeriodSlips]:
        """What of the team's deals slipped out of the week's month and quarter."""
        return combined(rep.slipped_out for rep in self.reps)

    def needs_a_word(self) -> int:
        """How many deals of the team need a word."""
        return sum(
            len(r.stale)
            + len(r.overdue)
            + len(r.untouched)
            + len(r.slipped_twice)
            + len(r.past_close)
            + len(r.no_next_step)
            for r in self.reps
        )

    def as_json(self) -> dict[str, object]:
        """The team's roll-up for programs."""
        return {
            "manager": self.manager,
            "people": [rep.owner for rep in self.reps],
            "weighted_delta": json_amount(self.weighted_delta),
            "causes": {cause: json_amount(amount) for cause, amount in self.causes.items()},
            **{what: self.tally(what).as_json() for what in TALLIED},
            "slipped_out": [found.as_json() for found in self.slipped_out],
        }


def team_members(manager: str, people: Iterable[Person]) -> list[str]:
    """The manager's reps (in team.yaml's order) and the manager."""
    return [p.id for p in people if p.manager == manager and p.id != manager] + [manager]


def team_weeks(reviews: dict[str, RepWeek], people: Iterable[Person]) -> list[TeamWeek]:
    """Each manager's team rolled up over all its people's weeks (the manager's, and those of
    people who have left, included: a handover inside the team moves nothing); managers
    none of whose people have a week left out."""
    everyone = list(people)
    teams = []
    for manager in (p for p in everyone if p.role == "manager"):
        members = [reviews[m] for m in team_members(manager.id, everyone) if m in reviews]
        if members:
            teams.append(TeamWeek(manager.id, members))
    return teams

"""The pages that git history makes possible: weekly reviews, compliance and trends.

Without history (a shallow clone, no repository) each of them is a page with a notice that
says how to get it, and the deal pages go without their timeline; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..analytics.compliance import findings
from ..data.money import ZERO
from ..history.events import Event, weighted_snapshot
from ..history.records import Commit, History
from ..data.model import CLOSED_STAGES, Person
from ..analytics.calendar import Week
from ..analytics.review import state_at, weekly_review

WEEKS_KEPT = 12
SECTIONS = [
    ("new_deals_week", ("added",)),
    ("stage_moves", ("stage_up", "stage_down", "reopened")),
    ("won_lost", ("won", "lost")),
    ("slips", ("slipped", "pulled_in")),
    ("amounts_owners", ("amount", "owner")),
    ("other_changes", ("changed", "moved", "removed_closed")),
]


@dataclass(frozen=True)
class FillRow:
    week: Week
    stages: list[tuple[int, Decimal]]  # per open stage, top down: count and amount


@dataclass(frozen=True)
class AccuracyRow:
    week: Week
    owner: str
    forecast: Decimal
    won: Decimal


@dataclass(frozen=True)
class Credits:
    """Who made a change and who merged it, named as team.yaml names them: by the commit's
    email, else by the git name."""

    names: dict[str, str] = field(default_factory=dict)
    """email (case-folded) -> the person's name in team.yaml"""

    @classmethod
    def of(cls, people: Iterable[Person]) -> Credits:
        return cls({person.email.casefold(): person.name for person in people if person.email})

    def name(self, git_name: str, email: str) -> str:
        return self.names.get(email.casefold(), git_name)

    def line(self, commit: Commit, t: Mapping[str, str]) -> str:
        """The author, and the merger when someone else landed the change (陈静, merged by
        张伟), in the site's words."""
        author = self.name(commit.author, commit.email)
        merger = self.name(commit.merged_by, commit.merged_email) if commit.merged_by else ""
        if not merger or merger == author:
            return author
        return t["by_merged"].format(author=author, merger=merger)


def weeks_to_show(as_of: date) -> list[Week]:
    """The last WEEKS_KEPT ISO weeks, newest first."""
    current = Week.of(as_of)
    return [current.previous(count) for count in range(WEEKS_KEPT)]


def build_history_pages(site, history: History | None, events: list[Event], notice: str | None):
    """Review, compliance and trends pages (or their notices)."""
    t = site.t
    if history is None:
        return [
            site.page("history_notice.md.j2", path, t[key], notice=notice)
            for path, key in (
                ("reviews/index.md", "review"),
                ("compliance.md", "compliance"),
                ("trends.md", "trends"),
            )
        ]
    funnel = site.funnel
    people = site.people
    pages = []
    weeks = weeks_to_show(site.as_of)
    states = {week: state_at(history, week.end) for week in weeks}
    managers = [p for p in site.reps if p.role == "manager"]
    titles = {deal_id: deal.title for deal_id, deal in site.dataset.deals.items()}
    index_rows = []
    for week in weeks:
        reviews = weekly_review(history, events, funnel, week, state=states[week])
        by_person = []
        for owner, rep in reviews.items():
            person = people.get(owner)
            pages.append(
                site.page(
                    "review.md.j2",
                    f"reviews/{week.name}/{owner}.md",
                    f"{person.name if person else owner} · {week.name}",
                    week=week,
                    reps=[(rep, person)],
                    sections=SECTIONS,
                    links=True,
                    deal_titles=titles,
                )
            )
            by_person.append((rep, person))
        team_pages = []
        for manager in managers:
            team = [(rep, p) for rep, p in by_person if p is not None and p.manager == manager.id]
            if not team:
                continue
            pages.append(
                site.page(
                    "review.md.j2",
                    f"reviews/{week.name}/team-{manager.id}.md",
                    f"{manager.name} · {week.name}",
                    week=week,
                    reps=team,
                    sections=SECTIONS,
                    links=True,
                    deal_titles=titles,
                )
            )
            team_pages.append(manager)
        index_rows.append((week, team_pages, by_person))
    pages.append(site.page("reviews.md.j2", "reviews/index.md", t["review"], rows=index_rows))
    pages.append(compliance_page(site, history, events))
    pages.append(trends_page(site, states))
    return pages


def compliance_page(site, history: History, events: list[Event]):
    rules = site.funnel.rules
    found = findings(history, events, rules.min_days_in_funnel)
    commits = {(event.change.deal, event.commit.sha): event.commit for event in events}
    by_owner: dict[str, list] = {}
    for finding in found:
        commit = commits[(finding.deal, finding.commit)]
        by_owner.setdefault(finding.owner or "", []).append((finding, commit))
    rows = [
        (site.people.get(owner), owner, by_owner[owner])
        for owner in sorted(by_owner, key=lambda o: (o not in site.people, o))
    ]
    return site.page(
        "compliance.md.j2",
        "compliance.md",
        site.t["compliance"],
        rows=rows,
        deal_ids=set(site.dataset.deals),
    )


def trends_page(site, states: dict[Week, dict]):
    """Funnel fill per week, and each rep's weighted forecast of a week against what of it
    was won; `states` holds the deals at each week's end, newest week first."""
    funnel = site.funnel
    won = {
        deal_id: deal.amount for deal_id, deal in site.dataset.deals.items() if deal.stage == "won"
    }
    fill: list[FillRow] = []
    accuracy: dict[str, list[AccuracyRow]] = {}
    for week, state in reversed(states.items()):
        counts = {stage.id: [0, ZERO] for stage in funnel.stages}
        forecast: dict[str, Decimal] = {}
        won_of: dict[str, Decimal] = {}
        for deal, (snapshot, _) in state.items():
            if snapshot.stage in counts and snapshot.amount is not None:
                counts[snapshot.stage][0] += 1
                counts[snapshot.stage][1] += snapshot.amount
            if snapshot.stage not in CLOSED_STAGES and snapshot.owner:
                owner = snapshot.owner
                forecast[owner] = forecast.get(owner, ZERO) + weighted_snapshot(snapshot, funnel)
                won_of[owner] = won_of.get(owner, ZERO) + won.get(deal, ZERO)
        fill.append(FillRow(week, [(c, a) for c, a in counts.values()]))
        for owner in forecast:
            accuracy.setdefault(owner, []).append(
                AccuracyRow(week, owner, forecast[owner], won_of[owner])
            )
    people: list[tuple[Person | None, str, list[AccuracyRow]]] = [
        (site.people.get(owner), owner, rows) for owner, rows in sorted(accuracy.items())
    ]
    return site.page(
        "trends.md.j2",
        "trends.md",
        site.t["trends"],
        fill=fill,
        series=[
            {"name": stage.label, "values": [row.stages[index][0] for row in fill]}
            for index, stage in enumerate(funnel.stages)
        ],
        accuracy=people,
        stages=funnel.stages,
    )

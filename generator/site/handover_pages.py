"""The handover pages: each checklist, printable, and who is due to hand over."""

from __future__ import annotations

from decimal import Decimal

from ..analytics.handover import checklist_rows
from ..data.model import Deal, Person
from ..data.money import ZERO
from .context import Page, SiteContext


def build_handover_pages(context: SiteContext) -> list[Page]:
    """Each checklist as a printable page, and the index with who is due to hand over."""
    pages = [
        checklist_page(context, handover_id) for handover_id in sorted(context.dataset.handovers)
    ]
    pages.append(
        context.page(
            "handovers.md.j2",
            "handovers/index.md",
            context.t["handovers"],
            due=handovers_due(context),
            checklists=[
                (handover_id, checklist, context.people.get(checklist.from_))
                for handover_id, checklist in sorted(context.dataset.handovers.items())
            ],
        )
    )
    return pages


def checklist_page(context: SiteContext, handover_id: str) -> Page:
    """A checklist file's deals by method, with how to reach each customer and the status."""
    checklist = context.dataset.handovers[handover_id]
    person = context.people.get(checklist.from_)
    return context.page(
        "handover.md.j2",
        f"handovers/{handover_id}.md",
        f"{context.t['handover_of']} {person.name if person else checklist.from_}",
        groups=checklist_rows(checklist, context.dataset),
        people_by_id=context.people,
        progress=True,
        links=True,
    )


def handovers_due(context: SiteContext) -> list[tuple[Person, list[Deal], Decimal]]:
    """Each person leaving, by name, with their open deals and what those are worth."""
    due = []
    for person in context.reps:
        if person.status == "leaving":
            deals = [deal for deal in context.index.by_owner.get(person.id, []) if deal.is_open]
            due.append((person, deals, sum((deal.amount for deal in deals), ZERO)))
    return due

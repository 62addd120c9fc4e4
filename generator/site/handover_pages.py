"""The handover pages: each checklist, printable, and who is due to hand over."""

from __future__ import annotations

from ..data.money import ZERO
from ..analytics.handover import checklist_rows


def build_handover_pages(site) -> list:
    """Each checklist as a printable page, and the index with who is due to hand over."""
    pages = []
    for handover_id, checklist in sorted(site.dataset.handovers.items()):
        person = site.people.get(checklist.from_)
        pages.append(
            site.page(
                "handover.md.j2",
                f"handovers/{handover_id}.md",
                f"{site.t['handover_of']} {person.name if person else checklist.from_}",
                groups=checklist_rows(checklist, site.dataset),
                people_by_id=site.people,
                progress=True,
                links=True,
            )
        )
    due = []
    for person in site.reps:
        if person.status == "leaving":
            deals = [d for d in site.index.by_owner.get(person.id, []) if d.is_open]
            due.append((person, deals, sum((deal.amount for deal in deals), ZERO)))
    pages.append(
        site.page(
            "handovers.md.j2",
            "handovers/index.md",
            site.t["handovers"],
            due=due,
            checklists=[
                (handover_id, checklist, site.people.get(checklist.from_))
                for handover_id, checklist in sorted(site.dataset.handovers.items())
            ],
        )
    )
    return pages

"""The sales pages: the home, forecast and marketing overviews, each territory and each rep.

Each shows a funnel (the picture's rows and the table's groups) and the forecast of its
deals; territory pages and the home page list the largest deals of each stage only, so a
page keeps its size however many deals there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..analytics.calendar import KINDS, PeriodKind, last_n, period_of
from ..analytics.coverage import (
    current_periods,
    forecast_sections,
    owner_coverage,
    periods_now,
    territory_rows,
)
from ..analytics.deals import DealView
from ..analytics.forecast import Forecast, build_forecasts
from ..analytics.handover import plan_handover
from ..analytics.marketing import NO_SOURCE, scorecard
from ..analytics.pipeline import StageSummary, by_stage, closing_in, last_activity, overdue, stale
from ..analytics.slips import PeriodSlips, slips_during
from ..data.model import Deal, Person
from ..data.money import ZERO
from .context import Page, SiteContext

LISTED_PER_STAGE = 25
"""Territory pages and the home page list this many deals per table; rep pages list all."""


@dataclass(frozen=True)
class FunnelSection:
    """The funnel picture's rows (top down) and the funnel table's groups (bottom up): each
    stage's summary, the views of the deals listed, and how many more are not listed."""

    stages: list[StageSummary]
    groups: list[tuple[StageSummary, list[DealView], int]]
    open_total: Decimal
    weighted_total: Decimal
    open_count: int


def build_sales_pages(context: SiteContext) -> list[Page]:
    """The overviews: the home, forecast and marketing pages."""
    forecasts = build_forecasts(context.dataset, context.as_of, KINDS)
    return [
        home_page(context, forecasts),
        forecast_page(context, forecasts),
        marketing_page(context),
    ]


def build_team_pages(context: SiteContext) -> list[Page]:
    """A page for each territory, then for each person by name."""
    return [
        *(territory_page(context, territory_id) for territory_id in context.territories),
        *(rep_page(context, person) for person in context.reps),
    ]


def funnel_section(
    context: SiteContext, deals: list[Deal], limit: int | None = None
) -> FunnelSection:
    """The funnel of `deals`. With a `limit`, each stage lists only its largest deals, so a
    territory's page keeps its size however many deals there are; reps' pages list all."""
    summaries = by_stage(deals, context.funnel)
    return FunnelSection(
        stages=summaries,
        groups=[
            (
                summary,
                context.views_of(list(summary.deals[:limit])),
                max(0, summary.count - limit) if limit else 0,
            )
            for summary in reversed(summaries)
        ],
        open_total=sum((s.amount for s in summaries), ZERO),
        weighted_total=sum((s.weighted for s in summaries), ZERO),
        open_count=sum(s.count for s in summaries),
    )


def home_page(context: SiteContext, forecasts: Mapping[PeriodKind, Forecast]) -> Page:
    """The whole funnel, this quarter, half and year, the deals closing this month, and the
    way to each territory and person."""
    month = period_of(context.as_of, "month")
    closing = sorted(
        context.views_of(closing_in(context.dataset.deals.values(), month)),
        key=lambda view: (-view.weighted, view.deal.expected_close, view.id),
    )
    return context.page(
        "home.md.j2",
        "index.md",
        context.t["home"],
        funnel=funnel_section(context, list(context.dataset.deals.values())),
        current=current_periods(context.dataset, context.as_of, forecasts),
        closing=closing[:LISTED_PER_STAGE],
        closing_more=max(0, len(closing) - LISTED_PER_STAGE),
        territories=[
            (territory, context.index.by_territory.get(territory.id, []))
            for territory in context.territories.values()
        ],
        reps=context.reps,
    )


def forecast_page(context: SiteContext, forecasts: Mapping[PeriodKind, Forecast]) -> Page:
    """The forecast by month, quarter, half and year against the targets, each owner's
    coverage this quarter and this year, the year's by territory, and, with history, what
    slipped out of this quarter, the three before and this month."""
    year = period_of(context.as_of, "year")
    slipped = forecast_slips(context)
    now = slipped[-2] if slipped else None
    return context.page(
        "forecast.md.j2",
        "forecast.md",
        context.t["forecast"],
        sections=forecast_sections(context.dataset, context.as_of, forecasts),
        owners=owner_coverage(context.dataset, context.as_of),
        territories=territory_rows(context.dataset, year, forecasts["year"]),
        forecast=forecasts["year"],
        year=year,
        slipped=slipped,
        slipped_now=now,
        slipped_listed=now.slips[:LISTED_PER_STAGE] if now else (),
        slipped_more=max(0, now.count - LISTED_PER_STAGE) if now else 0,
        deal_titles={deal_id: deal.title for deal_id, deal in context.dataset.deals.items()},
        accounts_by_id=context.dataset.accounts,
        people_by_id=context.people,
    )


def forecast_slips(context: SiteContext) -> list[PeriodSlips] | None:
    """What slipped out of the quarter before last but two up to this quarter, then this
    month, each during itself up to the as-of day (None without history)."""
    if context.history is None:
        return None
    periods = [*last_n(period_of(context.as_of, "quarter"), 4), period_of(context.as_of, "month")]
    return slips_during(context.history, context.funnel, periods, context.as_of)


def marketing_page(context: SiteContext) -> Page:
    """The lead sources' scorecard and the funnel's fill."""
    card = scorecard(context.dataset, context.as_of)
    sources = {source: source for source in card.sources} | {NO_SOURCE: context.t["none_value"]}
    return context.page(
        "marketing.md.j2",
        "marketing.md",
        context.t["marketing"],
        card=card,
        sources=sources,
        series=[{**line, "name": sources[str(line["name"])]} for line in card.series()],
        funnel=funnel_section(context, list(context.dataset.deals.values())),
    )


def territory_page(context: SiteContext, territory_id: str) -> Page:
    """A territory's funnel (the largest deals of each stage), forecast and people."""
    territory = context.territories[territory_id]
    deals = context.index.by_territory.get(territory_id, [])
    people = [person for person in context.reps if person.territory == territory_id]
    return context.page(
        "territory.md.j2",
        f"territories/{territory_id}.md",
        territory.name,
        territory=territory,
        funnel=funnel_section(context, deals, limit=LISTED_PER_STAGE),
        current=context.made_of(periods_now, deals, context.funnel, context.as_of),
        people=people,
    )


def rep_page(context: SiteContext, person: Person) -> Page:
    """A person's funnel with every deal, forecast, stale and overdue deals, and how the
    open deals would be handed over."""
    deals = context.index.by_owner.get(person.id, [])
    plan = plan_handover(
        context.dataset, person.id, context.as_of, owned=deals, people=context.people
    )
    stale_deals = stale(deals, context.as_of, context.funnel.rules.stale_after_days)
    return context.page(
        "rep.md.j2",
        f"reps/{person.id}.md",
        person.name,
        person=person,
        manager=context.people.get(person.manager or ""),
        reports=[other for other in context.reps if other.manager == person.id],
        territory=context.territories.get(person.territory or ""),
        funnel=funnel_section(context, deals),
        current=context.made_of(periods_now, deals, context.funnel, context.as_of),
        stale=[(context.views[deal.id], last_activity(deal)) for deal in stale_deals],
        overdue=context.views_of(overdue(deals, context.as_of)),
        handover=list(plan.groups.items()),
    )

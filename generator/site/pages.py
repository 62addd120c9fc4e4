"""Pages of the site as plain data: `(path, markdown)`, rendered from Jinja2 templates.

The user's `templates/` folder comes first; the packaged templates are the fallback and can
be extended as `default:<name>`. Every `{{ value }}` is escaped once, here, by `finalize`.
Deal and account pages are reached from tables and search, never listed in the navigation,
so a page's size does not grow with the number of deals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup

from ..history.events import Change, Event, all_events
from ..analytics.forecast import Forecast, Totals, build_forecast, won_in
from ..data.money import ZERO, shown_amount, signed_amount, weighted_deal
from ..analytics.handover import plan_handover
from .environment import PACKAGED, environment
from .handover_pages import build_handover_pages
from ..history.git import SHALLOW_MESSAGE
from ..history.records import History
from .history_pages import Credits, build_history_pages
from ..data.load import Dataset
from ..analytics.marketing import NO_SOURCE, scorecard
from .markup import html_text, md, note_html, sort_key
from ..data.model import CLOSED_STAGES, Account, Contact, Deal, Person, Stage
from ..analytics.calendar import KINDS, Period, parse_period, period_of
from ..analytics.pipeline import DealIndex, by_stage, closing_in, last_activity, overdue, stale
from ..analytics.support import eligible_accounts
from ..analytics.targets import target_for
from .words import WORDS, describe_change

CURRENT_KINDS = ("quarter", "half", "year")
LISTED_PER_STAGE = 25
"""Territory pages and the home page list this many deals per table; rep pages list all."""


@dataclass(frozen=True)
class Page:
    """One generated file: where it goes, its content, and its title in the navigation."""

    path: str
    markdown: str
    title: str = ""


@dataclass(frozen=True)
class DealView:
    """A deal with what its pages show beside it: account, contact, stage, weight, owner."""

    deal: Deal
    account: Account | None
    contact: Contact | None
    stage: Stage
    weighted: Decimal
    owner: Person | None

    @property
    def id(self) -> str:
        return self.deal.id


class SiteBuilder:
    """Renders every page of the site from one checked dataset."""

    def __init__(
        self,
        dataset: Dataset,
        as_of: date,
        templates: Path | None,
        language: str,
        history: History | None = None,
        history_notice: str | None = None,
    ) -> None:
        assert dataset.funnel is not None and dataset.team is not None
        self.dataset = dataset
        self.funnel = dataset.funnel
        self.as_of = as_of
        self.t = t = WORDS[language]
        self.env = environment(templates)
        self.index = DealIndex.of(dataset)
        self.people = {person.id: person for person in dataset.team.people}
        self.territories = {t.id: t for t in dataset.team.territories}
        self.closed = {
            stage.id: stage.model_copy(update={"name": t[stage.id]})
            for stage in map(self.funnel.stage, CLOSED_STAGES)
            if stage is not None
        }
        self.views = {deal_id: self._view(dataset.deals[deal_id]) for deal_id in dataset.deals}
        self.reps = sorted(dataset.team.people, key=lambda person: sort_key(person.name))
        stages = [*self.funnel.stages, *self.closed.values()]
        self.labels = {
            "stage": {stage.id: stage.label for stage in stages},
            "owner": {person.id: person.name for person in dataset.team.people},
            "account": {account.id: account.name for account in dataset.accounts.values()},
        }
        self.history = history
        self.history_notice = _notice(history_notice, t)
        self.credits = Credits.of(dataset.team.people)
        self.support = {
            support.account.id: support
            for support in eligible_accounts(
                dataset.accounts.values(), dataset.deals.values(), as_of, self.funnel.rules
            )
        }
        """Account id -> why it may receive support (by id); the accounts without are left out."""
        self.events = all_events(history, self.funnel) if history is not None else []
        self.timelines: dict[str, list[Event]] = {}
        for event in self.events:
            self.timelines.setdefault(event.change.deal, []).append(event)

    def _view(self, deal: Deal) -> DealView:
        account = self.dataset.accounts.get(deal.account)
        stage = self.closed.get(deal.stage) or self.funnel.stage(deal.stage)
        assert stage is not None
        return DealView(
            deal=deal,
            account=account,
            contact=account.contact(deal.contact) if account else None,
            stage=stage,
            weighted=weighted_deal(deal, self.funnel) if deal.is_open else ZERO,
            owner=self.people.get(deal.owner),
        )

    def render(self, template: str, path: str, **context: object) -> str:
        return self.env.get_template(template).render(
            t=self.t,
            as_of=self.as_of,
            currency=self.funnel.currency,
            rules=self.funnel.rules,
            page_path=path,
            describe=self.describe,
            credits=self.credits,
            history_notice=self.history_notice if self.history is None else None,
            **context,
        )

    def page(self, template: str, path: str, title: str, **context: object) -> Page:
        return Page(path, self.render(template, path, title=title, **context), title)

    def describe(self, change: Change) -> str:
        """A change of a deal in the site's words, with stages and people by name."""
        return describe_change(change, self.t, self.labels)

    # -- pieces shared by several pages ------------------------------------------------------

    def views_of(self, deals: list[Deal]) -> list[DealView]:
        return [self.views[deal.id] for deal in deals]

    def funnel_section(self, deals: list[Deal], limit: int | None = None) -> dict[str, object]:
        """The funnel picture's rows (top down) and the funnel table's groups (bottom up).

        With a `limit`, each stage lists only its largest deals, so a territory's page keeps
        its size however many deals there are; the reps' pages list every deal.
        """
        summaries = by_stage(deals, self.funnel)
        return {
            "stages": summaries,
            "groups": [
                (
                    summary,
                    self.views_of(list(summary.deals[:limit])),
                    max(0, summary.count - limit) if limit else 0,
                )
                for summary in reversed(summaries)
            ],
            "open_total": sum((s.amount for s in summaries), ZERO),
            "weighted_total": sum((s.weighted for s in summaries), ZERO),
            "open_count": sum(s.count for s in summaries),
        }

    def current_periods(
        self, forecasts: dict[str, Forecast] | None = None, deals: list[Deal] | None = None
    ) -> list[dict]:
        """This quarter, half and year (of `deals`): the weighted forecast beside what was won
        in the same period a year earlier."""
        rows = []
        for kind in CURRENT_KINDS:
            period = period_of(self.as_of, kind)
            forecast = (forecasts or {}).get(kind) or build_forecast(
                self.dataset, self.as_of, kind, deals
            )
            totals = forecast.periods.get(period)
            rows.append(
                {
                    "period": period,
                    "deals": totals.deals if totals else 0,
                    "pipeline": totals.pipeline if totals else ZERO,
                    "weighted": totals.weighted if totals else ZERO,
                    "won": totals.won if totals else ZERO,
                    "won_last_year": won_in(self.dataset, period.last_year(), deals),
                }
            )
        return rows

    # -- the pages ---------------------------------------------------------------------------

    def build(self) -> list[Page]:
        forecasts = {kind: build_forecast(self.dataset, self.as_of, kind) for kind in KINDS}
        pages = [
            self.home(forecasts),
            self.forecast_page(forecasts),
            self.marketing_page(),
            self.accounts_page(),
            self.support_page(),
            Page("support.json", self.support_json()),
            Page("robots.txt", "User-agent: *\nDisallow: /\n"),
        ]
        pages += [self.territory_page(territory_id) for territory_id in self.territories]
        pages += [self.rep_page(person) for person in self.reps]
        pages += [self.account_page(account) for account in self.dataset.accounts.values()]
        pages += [self.deal_page(view) for view in self.views.values()]
        pages += build_history_pages(self, self.history, self.events, self.history_notice)
        pages += build_handover_pages(self)
        return pages

    def home(self, forecasts: dict[str, Forecast]) -> Page:
        month = period_of(self.as_of, "month")
        closing = sorted(
            self.views_of(closing_in(self.dataset.deals.values(), month)),
            key=lambda view: (-view.weighted, view.deal.expected_close, view.id),
        )
        return self.page(
            "home.md.j2",
            "index.md",
            self.t["home"],
            funnel=self.funnel_section(list(self.dataset.deals.values())),
            current=self.current_periods(forecasts),
            closing=closing[:LISTED_PER_STAGE],
            closing_more=max(0, len(closing) - LISTED_PER_STAGE),
            territories=[
                (territory, self.index.by_territory.get(territory.id, []))
                for territory in self.territories.values()
            ],
            reps=self.reps,
        )

    def forecast_page(self, forecasts: dict[str, Forecast]) -> Page:
        current = {kind: period_of(self.as_of, kind) for kind in KINDS}
        sections = []
        targets = self.dataset.targets.targets if self.dataset.targets else []
        targeted = [parse_period(target.period) for target in targets]
        for kind in KINDS:
            forecast = forecasts[kind]
            periods: dict[Period, Totals] = dict(forecast.periods)
            for period in [current[kind], *(p for p in targeted if p.kind == kind)]:
                periods.setdefault(period, Totals())  # this period and the targets are shown
            rows = []
            for period, totals in sorted(periods.items()):
                target = target_for(self.dataset.targets, period)
                rows.append(
                    {
                        "period": period,
                        "totals": totals,
                        "won_last_year": won_in(self.dataset, period.last_year()),
                        "target": target,
                        "coverage": _coverage(totals.won + totals.weighted, target),
                    }
                )
            upcoming = [row for row in rows if row["period"] >= current[kind]]
            sections.append({"kind": kind, "rows": rows, "chart": upcoming})
        year = period_of(self.as_of, "year")
        by_owner, by_territory = forecasts["year"].owners, forecasts["year"].territories
        owners = [
            {
                "person": self.people.get(owner),
                "id": owner,
                "totals": by_owner.get(owner, Totals()),
                "target": target_for(self.dataset.targets, year, owner=owner),
            }
            for owner in sorted(set(by_owner) | {t.owner for t in targets if t.owner})
        ]
        territories = [  # every territory, with deals or not
            {
                "territory": self.territories.get(territory_id),
                "totals": by_territory.get(territory_id, Totals()),
                "target": target_for(self.dataset.targets, year, territory=territory_id),
            }
            for territory_id in sorted(set(by_territory) | set(self.territories))
        ]
        return self.page(
            "forecast.md.j2",
            "forecast.md",
            self.t["forecast"],
            sections=sections,
            owners=owners,
            territories=territories,
            forecast=forecasts["year"],
            year=year,
        )

    def marketing_page(self) -> Page:
        card = scorecard(self.dataset, self.as_of)
        sources = {source: source for source in card.sources} | {NO_SOURCE: self.t["none_value"]}
        return self.page(
            "marketing.md.j2",
            "marketing.md",
            self.t["marketing"],
            card=card,
            sources=sources,
            series=[{**line, "name": sources[line["name"]]} for line in card.series()],
            funnel=self.funnel_section(list(self.dataset.deals.values())),
        )

    def territory_page(self, territory_id: str) -> Page:
        territory = self.territories[territory_id]
        deals = self.index.by_territory.get(territory_id, [])
        people = [person for person in self.reps if person.territory == territory_id]
        return self.page(
            "territory.md.j2",
            f"territories/{territory_id}.md",
            territory.name,
            territory=territory,
            funnel=self.funnel_section(deals, limit=LISTED_PER_STAGE),
            current=self.current_periods(deals=deals),
            people=people,
        )

    def rep_page(self, person: Person) -> Page:
        deals = self.index.by_owner.get(person.id, [])
        plan = plan_handover(self.dataset, person.id, self.as_of)
        stale_deals = stale(deals, self.as_of, self.funnel.rules.stale_after_days)
        return self.page(
            "rep.md.j2",
            f"reps/{person.id}.md",
            person.name,
            person=person,
            manager=self.people.get(person.manager or ""),
            reports=[other for other in self.reps if other.manager == person.id],
            territory=self.territories.get(person.territory or ""),
            funnel=self.funnel_section(deals),
            current=self.current_periods(deals=deals),
            stale=[(self.views[deal.id], last_activity(deal)) for deal in stale_deals],
            overdue=self.views_of(overdue(deals, self.as_of)),
            handover=[
                (method, [self.views[item.deal.id] for item in plan.groups[method]])
                for method in plan.groups
            ],
        )

    def accounts_page(self) -> Page:
        rows = []
        for account in sorted(self.dataset.accounts.values(), key=lambda a: sort_key(a.name)):
            deals = self.index.by_account.get(account.id, [])
            open_deals = [deal for deal in deals if deal.is_open]
            rows.append(
                {
                    "account": account,
                    "territory": self.territories.get(account.territory),
                    "support": self.support.get(account.id),
                    "open": len(open_deals),
                    "pipeline": sum((deal.amount for deal in open_deals), ZERO),
                    "won": sum((deal.amount for deal in deals if deal.stage == "won"), ZERO),
                }
            )
        return self.page("accounts.md.j2", "accounts/index.md", self.t["accounts"], rows=rows)

    def account_page(self, account: Account) -> Page:
        deals = self.views_of(self.index.by_account.get(account.id, []))
        return self.page(
            "account.md.j2",
            f"accounts/{account.id}.md",
            account.name,
            account=account,
            territory=self.territories.get(account.territory),
            deals=sorted(deals, key=lambda view: (not view.deal.is_open, view.deal.id)),
            support=self.support.get(account.id),
        )

    def deal_page(self, view: DealView) -> Page:
        return self.page(
            "deal.md.j2",
            f"deals/{view.id}.md",
            view.deal.title,
            d=view,
            timeline=self.timelines.get(view.id, []),
            first_seen=self.history.first_seen(view.id) if self.history else None,
        )

    def support_page(self) -> Page:
        """The eligible accounts by name with the reasons in words; `rows` keeps the (account,
        open deals) pairs for templates written before the reasons."""
        support = sorted(self.support.values(), key=lambda s: sort_key(s.account.name))
        rows = [(s.account, s.open_deals) for s in support]
        return self.page(
            "support.md.j2", "support.md", self.t["support"], support=support, rows=rows
        )

    def support_json(self) -> str:
        """The support desk's list: every account that may receive presales and support, and
        why (README: support.json)."""
        accounts = [
            {
                "account": s.account.id,
                "name": s.account.name,
                "territory": s.account.territory,
                "owners": s.owners,
                "open_deals": [deal.id for deal in s.open_deals],
                "reasons": [reason.as_json() for reason in s.reasons],
                "until": s.until.isoformat() if s.until else None,
            }
            for s in self.support.values()
        ]
        document = {"as_of": self.as_of.isoformat(), "accounts": accounts}
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _notice(notice: str | None, t: dict[str, str]) -> str | None:
    """Why the history pages are missing, in the site's words."""
    if notice is None:
        return None
    if notice.startswith(SHALLOW_MESSAGE):
        return t["history_shallow"]
    return t["history_missing"].format(reason=notice)


def _coverage(expected: Decimal, target: Decimal | None) -> Decimal | None:
    if not target:
        return None
    return (expected * 100 / target).quantize(Decimal(1))


def build_pages(
    dataset: Dataset,
    as_of: date,
    *,
    templates: Path | None = None,
    language: str = "en",
    history: History | None = None,
    history_notice: str | None = None,
) -> list[Page]:
    """Every generated page and file of the site; without `history`, the pages that need it
    show `history_notice` instead."""
    builder = SiteBuilder(dataset, as_of, templates, language, history, history_notice)
    return builder.build()


def navigation(pages: list[Page], language: str = "en") -> list[object]:
    """The site's navigation in mkdocs.yml's `nav` form; deal and account pages stay out."""
    t = WORDS[language]
    section = {
        prefix: [
            {str(html_text(page.title)): page.path}  # MkDocs puts nav titles into HTML as is
            for page in pages
            if page.path.startswith(prefix)
        ]
        for prefix in ("territories/", "reps/")
    }
    nav: list[object] = [
        {t["home"]: "index.md"},
        {t["forecast"]: "forecast.md"},
        {t["marketing"]: "marketing.md"},
        {t["territories"]: section["territories/"]},
        {t["people"]: section["reps/"]},
        {t["review"]: "reviews/index.md"},
        {t["handovers"]: "handovers/index.md"},
        {t["accounts"]: "accounts/index.md"},
        {t["support"]: "support.md"},
        {t["compliance"]: "compliance.md"},
        {t["trends"]: "trends.md"},
    ]
    return nav


STYLESHEET = Page("assets/funnel.css", (PACKAGED / "funnel.css").read_text(encoding="utf-8"))
SCRIPT = Page("assets/funnel.js", (PACKAGED / "funnel.js").read_text(encoding="utf-8"))

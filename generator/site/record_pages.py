"""The record pages: the accounts list, each account, each deal, and the support list (as a
page and as support.json). Account and deal pages are reached from tables and search, never
listed in the navigation."""

from __future__ import annotations

from ..analytics.accounts import account_rows, support_json
from ..analytics.deals import DealView
from ..data.model import Account
from .context import Page, SiteContext


def build_list_pages(context: SiteContext) -> list[Page]:
    """The accounts list, the support page and the support desk's support.json."""
    return [
        accounts_page(context),
        support_page(context),
        Page("support.json", support_json(context.support.values(), context.as_of)),
    ]


def build_record_pages(context: SiteContext) -> list[Page]:
    """A page for each account, then for each deal."""
    return [
        *(account_page(context, account) for account in context.dataset.accounts.values()),
        *(deal_page(context, view) for view in context.views.values()),
    ]


def accounts_page(context: SiteContext) -> Page:
    """Every account by name: its territory, open deals, pipeline, won and support."""
    rows = account_rows(context.dataset, context.index.by_account, context.support)
    return context.page(
        "accounts.md.j2",
        "accounts/index.md",
        context.t["accounts"],
        rows=sorted(rows, key=lambda row: context.sort_key(row.account.name)),
    )


def account_page(context: SiteContext, account: Account) -> Page:
    """An account with its contacts, its deals (the open ones first) and its support."""
    deals = context.views_of(context.index.by_account.get(account.id, []))
    return context.page(
        "account.md.j2",
        f"accounts/{account.id}.md",
        account.name,
        account=account,
        territory=context.territories.get(account.territory),
        deals=sorted(deals, key=lambda view: (not view.deal.is_open, view.deal.id)),
        support=context.support.get(account.id),
    )


def deal_page(context: SiteContext, view: DealView) -> Page:
    """A deal with its account, contact and log, and its timeline from history."""
    return context.page(
        "deal.md.j2",
        f"deals/{view.id}.md",
        view.deal.title,
        d=view,
        timeline=context.timelines.get(view.id, []),
        first_seen=context.history.first_seen(view.id) if context.history else None,
    )


def support_page(context: SiteContext) -> Page:
    """The eligible accounts by name with the reasons in words; `rows` keeps the (account,
    open deals) pairs for templates written before the reasons."""
    support = sorted(context.support.values(), key=lambda s: context.sort_key(s.account.name))
    rows = [(s.account, s.open_deals) for s in support]
    return context.page(
        "support.md.j2", "support.md", context.t["support"], support=support, rows=rows
    )

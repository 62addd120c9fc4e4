"""The accounts as the team looks at them: each one's open deals, pipeline and wins, and the
support desk's list of the accounts that may receive presales and support, and why."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..data.load import ValidDataset
from ..data.model import Account, Deal, Territory
from ..data.money import ZERO
from .support import Support, eligible_accounts


@dataclass(frozen=True)
class AccountRow:
    """One account in the accounts list: its territory, how many deals are open, what they
    are worth, what was won, and whether it may receive support."""

    account: Account
    territory: Territory | None
    support: Support | None
    open: int
    pipeline: Decimal
    won: Decimal


def account_row(
    account: Account,
    deals: Iterable[Deal],
    territory: Territory | None = None,
    support: Support | None = None,
) -> AccountRow:
    """The account with its deals (`deals`) added up: open deals, their pipeline, the won."""
    deals = list(deals)
    open_deals = [deal for deal in deals if deal.is_open]
    return AccountRow(
        account=account,
        territory=territory,
        support=support,
        open=len(open_deals),
        pipeline=sum((deal.amount for deal in open_deals), ZERO),
        won=sum((deal.amount for deal in deals if deal.stage == "won"), ZERO),
    )


def account_rows(
    dataset: ValidDataset,
    by_account: Mapping[str, list[Deal]],
    supported: Mapping[str, Support],
) -> list[AccountRow]:
    """Every account of the dataset, in its order, with its deals (`by_account`, by account
    id) added up and its support (`supported`, by account id) beside it."""
    territories = {t.id: t for t in dataset.team.territories}
    return [
        account_row(
            account,
            by_account.get(account.id, []),
            territories.get(account.territory),
            supported.get(account.id),
        )
        for account in dataset.accounts.values()
    ]


def supported_accounts(dataset: ValidDataset, as_of: date) -> dict[str, Support]:
    """Account id -> why it may receive support on `as_of`, by account id; the accounts that
    may not are left out."""
    found = eligible_accounts(
        dataset.accounts.values(), dataset.deals.values(), as_of, dataset.funnel.rules
    )
    return {support.account.id: support for support in found}


def support_json(supported: Iterable[Support], as_of: date) -> str:
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
        for s in supported
    ]
    document = {"as_of": as_of.isoformat(), "accounts": accounts}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

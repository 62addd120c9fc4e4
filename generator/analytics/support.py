"""Who may receive presales and technical support, and why.

A customer not in the funnel gets no presales or technical support: that keeps reps from
hiding deals. An account is eligible while it has an open deal, and for
`rules.support_after_win_days` days after the `closed_on` of its last won deal, through the
day `closed_on + support_after_win_days` itself: a customer who has just bought still needs
installation support. The day to judge by is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ..data.model import Account, Deal, Rules

ReasonKind = Literal["open_deal", "won"]
"""Why an account is supported: an open deal, or a recent win."""


@dataclass(frozen=True)
class Reason:
    """One reason an account is eligible: an open deal, or a recent win (with its last day)."""

    kind: ReasonKind
    deal: Deal
    until: date | None = None
    """For a win: the last day of support it gives."""

    def as_json(self) -> dict[str, str]:
        """The reason for the support desk's list (support.json)."""
        if self.kind == "open_deal":
            return {"kind": self.kind, "deal": self.deal.id}
        assert self.deal.closed_on is not None and self.until is not None
        return {
            "kind": self.kind,
            "deal": self.deal.id,
            "closed_on": self.deal.closed_on.isoformat(),
            "until": self.until.isoformat(),
        }


@dataclass(frozen=True)
class Support:
    """An account that may receive presales and technical support, and every reason why:
    its open deals first (by id), then its last win if that is recent enough."""

    account: Account
    reasons: tuple[Reason, ...]

    @property
    def open_deals(self) -> list[Deal]:
        """The account's open deals, by id."""
        return [reason.deal for reason in self.reasons if reason.kind == "open_deal"]

    @property
    def won(self) -> Reason | None:
        """The recent win that gives support, if any."""
        return next((reason for reason in self.reasons if reason.kind == "won"), None)

    @property
    def until(self) -> date | None:
        """The last day of support, when only a win gives it; None while a deal is open."""
        won = self.won
        return None if self.open_deals or won is None else won.until

    @property
    def owners(self) -> list[str]:
        """The owners of the deals that make the account eligible, by id."""
        return sorted({reason.deal.owner for reason in self.reasons})


def supported_until(closed_on: date, rules: Rules) -> date:
    """The last day a win gives support: `closed_on + support_after_win_days` (inclusive)."""
    return closed_on + timedelta(days=rules.support_after_win_days)


def last_win(deals: Iterable[Deal]) -> Deal | None:
    """The won deal closed last (the later id on the same day)."""
    won = [deal for deal in deals if deal.stage == "won" and deal.closed_on is not None]
    return max(won, key=lambda deal: (deal.closed_on, deal.id), default=None)


def support_of(
    account: Account, deals: Iterable[Deal], as_of: date, rules: Rules
) -> Support | None:
    """Whether `account` (with `deals`, its deals) may receive support on `as_of`, and why;
    None when it may not."""
    deals = list(deals)
    reasons = [
        Reason("open_deal", deal) for deal in sorted(deals, key=lambda d: d.id) if deal.is_open
    ]
    win = last_win(deals)
    if win is not None and win.closed_on is not None:
        until = supported_until(win.closed_on, rules)
        if as_of <= until:
            reasons.append(Reason("won", win, until))
    return Support(account, tuple(reasons)) if reasons else None


def eligible_accounts(
    accounts: Iterable[Account], deals: Iterable[Deal], as_of: date, rules: Rules
) -> list[Support]:
    """Every account that may receive support on `as_of`, by account id."""
    by_account: dict[str, list[Deal]] = {}
    for deal in deals:
        by_account.setdefault(deal.account, []).append(deal)
    found = (
        support_of(account, by_account.get(account.id, []), as_of, rules) for account in accounts
    )
    return sorted((support for support in found if support), key=lambda s: s.account.id)

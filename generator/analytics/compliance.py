"""Hidden deals: orders from customers that never were in the funnel, or only days before.

The dates come from the main line's history, which a rep cannot back-date: an order is
accepted only from an account that has had a deal in the funnel for `min_days_in_funnel`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ..history.events import ChangeWhat, Event
from ..history.records import History

FindingKind = Literal["late_entry", "entered_won", "removed"]
"""Won too soon after it first appeared, entered as already won, removed without closing."""

FINDING_OF: dict[ChangeWhat, FindingKind] = {
    "won": "late_entry",
    "won_at_once": "entered_won",
    "removed": "removed",
}
"""The change of a deal (`Change.what`) -> the finding it may be."""


@dataclass(frozen=True)
class OrderDecision:
    """Whether order processing may accept an order from `account` on `day`, and why."""

    account: str
    day: date
    accept: bool
    reason: str
    first_seen: date | None
    min_days: int

    @property
    def days_in_funnel(self) -> int | None:
        """Days from the account's first deal to the order (None: it never had one)."""
        return (self.day - self.first_seen).days if self.first_seen else None

    def as_json(self) -> dict[str, object]:
        """The decision for order processing."""
        return {
            "account": self.account,
            "date": self.day.isoformat(),
            "decision": "accept" if self.accept else "refuse",
            "reason": self.reason,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "days_in_funnel": self.days_in_funnel,
            "min_days_in_funnel": self.min_days,
        }

    def to_json(self) -> str:
        """The decision as the JSON document `funnel check-order --format json` prints."""
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"


def order_decision(
    history: History, known_accounts: set[str], account: str, day: date, min_days: int
) -> OrderDecision:
    """Accept, or refuse saying why: unknown account, never in the funnel, or too recent."""
    first_seen = history.account_first_seen().get(account)

    def decide(accept: bool, reason: str) -> OrderDecision:
        return OrderDecision(account, day, accept, reason, first_seen, min_days)

    if first_seen is None and account not in known_accounts:
        return decide(False, f"unknown account `{account}`: there is no accounts/{account}.yaml")
    if first_seen is None:
        return decide(
            False,
            f"{account} never appeared in the funnel: no deal of this account was ever "
            "committed to the main line",
        )
    days = (day - first_seen).days
    if days < 0:
        return decide(
            False,
            f"{account} first appeared in the funnel on {first_seen}, after the order date",
        )
    if days < min_days:
        return decide(
            False,
            f"{account} first appeared in the funnel on {first_seen}, only {days} day(s) "
            f"before the order; the rule is {min_days} days (rules.min_days_in_funnel)",
        )
    return decide(True, f"{account} has been in the funnel since {first_seen} ({days} days)")


@dataclass(frozen=True)
class Finding:
    """A deal a manager should ask about: won too soon after it appeared, or removed."""

    deal: str
    owner: str | None
    kind: FindingKind
    first_seen: date
    day: date
    commit: str
    author: str

    @property
    def days(self) -> int:
        """Days from first seen to the day won or removed."""
        return (self.day - self.first_seen).days


def findings(history: History, events: list[Event], min_days: int) -> list[Finding]:
    """Late entries (won fewer than `min_days` after first seen, or entered as already won)
    and deals removed without being closed, oldest first. The baseline (the team's funnel on
    adoption day) brings no findings, and its deals are never late entries."""
    found = []
    for event in events:
        kind = FINDING_OF.get(event.change.what)
        if kind is None or event.commit.baseline:
            continue
        deal = event.change.deal
        if kind != "removed" and history.in_baseline(deal):
            continue
        first_seen = history.first_seen(deal) or event.day
        if kind == "late_entry" and (event.day - first_seen).days >= min_days:
            continue
        found.append(
            Finding(
                deal=deal,
                owner=event.owner,
                kind=kind,
                first_seen=first_seen,
                day=event.day,
                commit=event.commit.sha,
                author=event.commit.author,
            )
        )
    return found

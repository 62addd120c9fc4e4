"""Rules across files for deals and handover checklists: whom and what they name, their dates.

A deal's owner is a person who has not left, its account exists and has the deal's contact,
its stage is one of the funnel's, and its dates agree with its stage; a broken deal file is
judged on each part that could be read. A handover checklist names known people and deals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain

from .load import Dataset
from .model import (
    Deal,
    DealParts,
    Handover,
    HandoverItem,
    Person,
)
from .problems import Problem, did_you_mean


def deal_rules(dataset: Dataset, as_of: date) -> Iterator[Problem]:
    """References and dates of every deal; of a broken deal, each part that could be read.
    With a parse cache, a deal judged before on the same files' contents (in this process, as
    `funnel serve` judges again and again, or in one before: see `_shared`) keeps the
    problems found then."""
    people: dict[str, Person] | None = None
    if dataset.team is not None:
        people = {}
        for person in dataset.team.people:
            people.setdefault(person.id, person)  # a second entry is reported in team.yaml
    deals: Iterable[Deal | DealParts] = chain(dataset.deals.values(), dataset.broken_deals.values())
    cache = dataset.cache
    shared = None if cache is None else _shared(dataset, as_of)
    kept = {} if cache is None or shared is None else cache.judgements(shared)
    judgements: dict[str, tuple[tuple[str, str], list[Problem]]] = {}
    for deal in deals:
        contents = None if shared is None else _contents(dataset, deal)
        was = None if contents is None else kept.get(deal.path)
        if was is not None and was[0] == contents:
            found = was[1]
        else:
            found = list(_one_deal(dataset, deal, as_of, people))
        if contents is not None:
            judgements[deal.path] = (contents, found)
        yield from found
    if cache is not None and shared is not None:
        cache.keep_judgements(shared, judgements)


def _shared(dataset: Dataset, as_of: date) -> str | None:
    """What every deal's problems depend on besides its own file and its account's: the day,
    the contents of the funnel and the team, and the folder's name in messages; None when
    the funnel or the team could not be read without problems (then nothing is kept)."""
    funnel = dataset.blobs.get(dataset.path("funnel.yaml"))
    team = dataset.blobs.get(dataset.path("team.yaml"))
    if funnel is None or team is None:
        return None
    return f"{as_of.isoformat()} {funnel} {team} {dataset.display}"


def _contents(dataset: Dataset, deal: Deal | DealParts) -> tuple[str, str] | None:
    """The blob ids of a deal's file and of its account's, when both were read without
    problems in their text; else None, and the deal is judged every time (so is one whose
    account is missing: its hint names the accounts there are)."""
    if deal.account is None:
        return None
    account = dataset.accounts.get(deal.account) or dataset.broken_accounts.get(deal.account)
    if account is None:
        return None
    deal_blob, account_blob = dataset.blobs.get(deal.path), dataset.blobs.get(account.path)
    if deal_blob is None or account_blob is None:
        return None
    return deal_blob, account_blob


def _one_deal(
    dataset: Dataset, deal: Deal | DealParts, as_of: date, people: dict[str, Person] | None
) -> Iterator[Problem]:
    path, funnel = deal.path, dataset.funnel
    if people is not None and deal.owner is not None:
        yield from _deal_owner(dataset, deal, people)
    if deal.account is not None:
        yield from _deal_account(dataset, deal, deal.account)
    if funnel is not None and deal.stage is not None and funnel.stage(deal.stage) is None:
        hint = did_you_mean(deal.stage, funnel.stage_ids) or (
            f": one of {', '.join(funnel.stage_ids)}"
        )
        yield dataset.error_at(path, ("stage",), f"`stage`: no stage `{deal.stage}`{hint}")
    yield from _deal_dates(dataset, deal, as_of)
    yield from _log_dates(dataset, deal, as_of)


def _deal_owner(
    dataset: Dataset, deal: Deal | DealParts, people: dict[str, Person]
) -> Iterator[Problem]:
    """The owner is a person of the team; an open deal's owner has not left (nor is leaving)."""
    if deal.owner is None:
        return
    owner = people.get(deal.owner)
    if owner is None:
        hint = did_you_mean(deal.owner, people)
        yield dataset.error_at(deal.path, ("owner",), f"`owner`: no person `{deal.owner}`{hint}")
    elif deal.is_open and owner.status == "left":
        yield dataset.error_at(
            deal.path,
            ("owner",),
            f"`owner`: {owner.id} has left and cannot own an open deal: "
            "hand it over (funnel handover) to an active rep",
        )
    elif deal.is_open and owner.status == "leaving":
        yield dataset.warning_at(
            deal.path, ("owner",), f"`owner`: {owner.id} is leaving: hand this deal over"
        )


def _deal_account(dataset: Dataset, deal: Deal | DealParts, account_id: str) -> Iterator[Problem]:
    """The deal's account exists and has the deal's contact (read from a broken account file
    too, when its contacts could be read)."""
    account = dataset.accounts.get(account_id) or dataset.broken_accounts.get(account_id)
    if account is None and account_id in dataset.invalid:
        return  # its own file's errors are reported there
    if account is None:
        hint = did_you_mean(account_id, dataset.accounts)
        yield dataset.error_at(
            deal.path,
            ("account",),
            f"`account`: no account `{account_id}` (a file accounts/{account_id}.yaml){hint}",
        )
    elif (
        deal.contact is not None
        and account.contacts is not None
        and account.contact(deal.contact) is None
    ):
        names = [contact.name for contact in account.contacts]
        hint = did_you_mean(deal.contact, names) or f": one of {', '.join(names)}"
        yield dataset.error_at(
            deal.path,
            ("contact",),
            f"`contact`: {account.id} has no contact named `{deal.contact}`{hint}",
        )


def _deal_dates(dataset: Dataset, deal: Deal | DealParts, as_of: date) -> Iterator[Problem]:
    """`closed_on` only on a closed deal, and not before `created` nor in the future; an open
    deal's expected close has not passed."""
    path = deal.path
    is_open = deal.is_open
    if is_open:
        if deal.closed_on is not None or "closed_on" in deal.refused:
            yield dataset.error_at(
                path,
                ("closed_on",),
                f"`closed_on` is only for won or lost deals; this deal is `{deal.stage}`: "
                "remove it or close the deal",
                key=True,
            )
        if deal.expected_close is not None and deal.expected_close < as_of:
            yield dataset.warning_at(
                path,
                ("expected_close",),
                f"`expected_close` {deal.expected_close} has passed: "
                "update the date or close the deal",
            )
    elif is_open is not None:
        if deal.closed_on is None:
            if "closed_on" not in deal.refused:
                yield dataset.error_at(
                    path,
                    ("stage",),
                    f"a {deal.stage} deal needs `closed_on: YYYY-MM-DD`, "
                    f"the day it was {deal.stage}",
                )
        elif deal.created is not None and deal.closed_on < deal.created:
            yield dataset.error_at(
                path,
                ("closed_on",),
                f"`closed_on` {deal.closed_on} is before `created` {deal.created}",
            )
        elif deal.closed_on > as_of:
            yield dataset.warning_at(
                path,
                ("closed_on",),
                f"`closed_on` {deal.closed_on} lies in the future (as of {as_of})",
            )


def _log_dates(dataset: Dataset, deal: Deal | DealParts, as_of: date) -> Iterator[Problem]:
    """A lost reason only on a lost deal; log entries newest last, none after today."""
    path = deal.path
    if deal.lost_reason is not None and deal.stage is not None and deal.stage != "lost":
        yield dataset.warning_at(path, ("lost_reason",), "`lost_reason` is only read on lost deals")
    previous = None
    for index, entry in enumerate(deal.log):
        if previous is not None and entry.date < previous:
            yield dataset.warning_at(
                path,
                ("log", index, "date"),
                f"log entries go newest last: {entry.date} comes after {previous}",
            )
        if entry.date > as_of:
            yield dataset.warning_at(
                path,
                ("log", index, "date"),
                f"log entry dated {entry.date}, after {as_of}: log what has happened",
            )
        previous = entry.date


def handover_rules(dataset: Dataset, as_of: date) -> Iterator[Problem]:
    """Checklists name known people and deals; a done item says when."""
    people = {person.id for person in dataset.team.people} if dataset.team else None
    known_deals = set(dataset.deals) | dataset.invalid
    for handover in dataset.handovers.values():
        path = handover.path
        if people is not None and handover.from_ not in people:
            hint = did_you_mean(handover.from_, people)
            yield dataset.error_at(path, ("from",), f"`from`: no person `{handover.from_}`{hint}")
        seen: set[str] = set()
        for index, item in enumerate(handover.deals):
            loc = ("deals", index)
            if item.deal not in known_deals:
                hint = did_you_mean(item.deal, known_deals)
                yield dataset.error_at(path, (*loc, "deal"), f"`deal`: no deal `{item.deal}`{hint}")
            elif item.deal in seen:
                yield dataset.error_at(
                    path, (*loc, "deal"), f"deal `{item.deal}` is listed twice: keep one"
                )
            seen.add(item.deal)
            if people is not None and item.to not in people:
                hint = did_you_mean(item.to, people)
                yield dataset.error_at(path, (*loc, "to"), f"`to`: no person `{item.to}`{hint}")
            yield from _checklist_item(dataset, handover, index, item, as_of)


def _checklist_item(
    dataset: Dataset, handover: Handover, index: int, item: HandoverItem, as_of: date
) -> Iterator[Problem]:
    """The successor owns the deal now; a done item has its day, within the handover's time."""
    path, loc = handover.path, ("deals", index)
    deal = dataset.deals.get(item.deal)
    if deal is not None and deal.owner != item.to and deal.is_open:
        yield dataset.warning_at(
            path,
            (*loc, "to"),
            f"{item.deal} is owned by {deal.owner}, not by the successor {item.to}: "
            "change the deal's owner, or the checklist",
        )
    if item.status == "done" and item.done_on is None:
        yield dataset.error_at(
            path,
            (*loc, "status"),
            "a done item needs `done_on: YYYY-MM-DD`, the day it was done",
        )
    elif item.status == "pending" and item.done_on is not None:
        yield dataset.error_at(
            path,
            (*loc, "done_on"),
            "`done_on` is for done items: set `status: done`, or remove `done_on`",
            key=True,
        )
    elif item.done_on is not None and item.done_on < handover.date:
        yield dataset.error_at(
            path,
            (*loc, "done_on"),
            f"`done_on` {item.done_on} is before the handover's date {handover.date}",
        )
    elif item.done_on is not None and item.done_on > as_of:
        yield dataset.warning_at(
            path,
            (*loc, "done_on"),
            f"`done_on` {item.done_on} lies in the future (as of {as_of})",
        )

"""`funnel new`: a deal file that is valid by construction, with the editor's schema line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from ..data.load import ValidDataset
from ..data.model import Deal
from ..data.money import json_amount
from ..data.problems import did_you_mean
from ..data.strictyaml import resolve_plain
from ..data.values import AmountError, is_id, parse_amount, slug
from .errors import OptionError
from .writes import CheckedWrite, write_checked

MODELINE = "# yaml-language-server: $schema={up}schemas/deal.schema.json\n"


@dataclass
class NewDeal:
    """What a rep types for a new deal (already checked against the data by the command)."""

    account: str
    contact: str
    owner: str
    title: str
    amount: Decimal
    expected_close: date
    stage: str
    created: date
    source: str | None = None
    products: list[str] = field(default_factory=list)
    note: str | None = None
    closed_on: date | None = None
    next_step: str | None = None
    lost_reason: str | None = None


@dataclass(frozen=True)
class DealFlags:
    """The flags of `funnel new` as given (None: not given, to be asked for on a terminal)."""

    account: str | None = None
    contact: str | None = None
    owner: str | None = None
    title: str | None = None
    amount: str | None = None
    expected_close: date | None = None
    stage: str | None = None
    source: str | None = None
    products: tuple[str, ...] = ()
    note: str | None = None
    deal_id: str | None = None


class Prompter(Protocol):
    """Asks the person at the terminal for what the flags left out."""

    def text(self, name: str, choices: Sequence[str] | None, default: str | None) -> str:
        """A value, one of `choices` when there are any."""

    def day(self, label: str) -> date:
        """A date."""


def _choose(
    prompter: Prompter | None,
    name: str,
    value: str | None,
    choices: Sequence[str] | None = None,
    default: str | None = None,
) -> str:
    """The flag's value, else the person's answer, else the default; one of `choices`."""
    if value is None and prompter is not None:
        value = prompter.text(name, choices, default)
    if value is None:
        value = default
    if value is None:
        raise OptionError(f"give --{name.replace(' ', '-')} (or run it on a terminal)")
    if choices is not None and value not in choices:
        hint = did_you_mean(value, choices) or f": one of {', '.join(choices)}"
        raise OptionError(f"`{value}` is not known{hint}", f"--{name}")
    return value


def resolve_new_deal(
    dataset: ValidDataset, flags: DealFlags, created: date, prompter: Prompter | None
) -> tuple[str, NewDeal]:
    """The deal's id and the deal the flags describe, checked against the data and asking
    for what is missing; raises OptionError saying what to give instead."""
    account = _choose(prompter, "account", flags.account, sorted(dataset.accounts))
    names = [contact.name for contact in dataset.accounts[account].contacts]
    default_contact = names[0] if len(names) == 1 else None
    contact = _choose(prompter, "contact", flags.contact, names, default_contact)
    active = sorted(person.id for person in dataset.team.people if person.status != "left")
    owner = _choose(prompter, "owner", flags.owner, active)
    title = _choose(prompter, "title", flags.title)
    try:
        amount = read_amount(_choose(prompter, "amount", flags.amount))
    except AmountError as exc:
        raise OptionError(str(exc), "--amount") from None
    expected = flags.expected_close
    if expected is None and prompter is not None:
        expected = prompter.day("expected close (YYYY-MM-DD)")
    if expected is None:
        raise OptionError("give --expected-close YYYY-MM-DD (or run it on a terminal)")
    open_stages = [stage.id for stage in dataset.funnel.stages]
    stage = _choose(prompter, "stage", flags.stage, open_stages, open_stages[0])
    deal = NewDeal(
        account, contact, owner, title, amount, expected, stage, created,
        flags.source, list(flags.products), flags.note,
    )  # fmt: skip
    return _free_to_use(dataset, flags.deal_id or default_id(account, title, expected)), deal


def _free_to_use(dataset: ValidDataset, deal_id: str) -> str:
    """`deal_id` when it is a valid id that no deal has; raises OptionError otherwise."""
    if not is_id(deal_id):
        raise OptionError(
            f"`{deal_id}` is not a valid id: lower-case letters, digits, `.`, `_` and `-`",
            "--id",
        )
    if deal_id in dataset.deals:
        raise OptionError(
            f"a deal `{deal_id}` exists already ({dataset.deals[deal_id].path}): "
            f"if this is another deal, use --id {free_id(dataset, deal_id)}"
        )
    return deal_id


def default_id(account: str, title: str, expected_close: date) -> str:
    """A readable id: the account and the title's words in ASCII (pinyin for Chinese, see
    ids.readable_id), or the month when the title has no letter or digit."""
    words = slug(title) if any(char.isalnum() for char in title) else ""
    return slug(f"{account}-{words}" if words else f"{account}-{expected_close:%Y-%m}")


def free_id(dataset: ValidDataset, base: str) -> str:
    """`base`, or the first of `base-2`, `base-3`, ... that no deal file uses."""
    candidate, number = base, 2
    while candidate in dataset.deals or candidate in dataset.invalid:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def read_amount(text: str) -> Decimal:
    """An amount typed on the command line, read as the same text in a deal file would be
    (the loader's rules and messages); raises AmountError."""
    return parse_amount(resolve_plain(text.strip()))


def yaml_text(value: str) -> str:
    """A YAML scalar that reads back as exactly this text (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def deal_text(deal: NewDeal, depth: int) -> str:
    """The file's text; `depth` is the folder depth below data/ (deals/east/ is 2)."""
    lines = [
        MODELINE.format(up="../" * (depth + 1)),
        f"account: {deal.account}\n",
        f"contact: {yaml_text(deal.contact)}\n",
        f"owner: {deal.owner}\n",
        f"title: {yaml_text(deal.title)}\n",
    ]
    if deal.products:
        lines.append(f"products: [{', '.join(yaml_text(p) for p in deal.products)}]\n")
    lines += [
        f"amount: {json_amount(deal.amount)}\n",
        f"expected_close: {deal.expected_close.isoformat()}\n",
        f"stage: {deal.stage}\n",
    ]
    if deal.closed_on:
        lines.append(f"closed_on: {deal.closed_on.isoformat()}\n")
    if deal.lost_reason:
        lines.append(f"lost_reason: {yaml_text(deal.lost_reason)}\n")
    if deal.source:
        lines.append(f"source: {yaml_text(deal.source)}\n")
    if deal.next_step:
        lines.append(f"next_step: {yaml_text(deal.next_step)}\n")
    lines.append(f"created: {deal.created.isoformat()}\n")
    if deal.note:
        lines.append(
            f"log:\n  - {{date: {deal.created.isoformat()}, note: {yaml_text(deal.note)}}}\n"
        )
    return "".join(lines)


def write_deal(dataset: ValidDataset, deal: NewDeal, deal_id: str, folder: str) -> Path:
    """Write data/deals/<folder>/<id>.yaml after checking it against the schema."""
    Deal.model_validate(
        {
            "account": deal.account,
            "contact": deal.contact,
            "owner": deal.owner,
            "title": deal.title,
            "amount": deal.amount,
            "expected_close": deal.expected_close,
            "stage": deal.stage,
            "created": deal.created,
            "products": deal.products,
            **({"source": deal.source} if deal.source else {}),
        }
    )
    parts = [part for part in folder.split("/") if part]
    target = dataset.root.joinpath("deals", *parts, f"{deal_id}.yaml")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:
        handle.write(deal_text(deal, len(parts) + 1))
    return target


def create_deal(
    dataset: ValidDataset, deal: NewDeal, deal_id: str, folder: str, data_dir: str, as_of: date
) -> CheckedWrite[Path]:
    """Write the deal file and check the data folder with it: the file is removed again
    when the data would not pass `funnel check`."""
    checked = write_checked(
        lambda: write_deal(dataset, deal, deal_id, folder), Path.unlink, data_dir, as_of
    )
    assert checked is not None  # a deal file is always written
    return checked

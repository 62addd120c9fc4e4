"""The data contract (format 1) as pydantic models: the one source of the schema.

Each file kind has a model: `Funnel` (funnel.yaml), `Team` (team.yaml), `Account`
(accounts/<id>.yaml), `Deal` (deals/**/<id>.yaml), `Targets` (targets.yaml) and `Handover`
(handovers/<from>-<date>.yaml). Their values are the types of `values.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from .values import Count, Currency, Day, GitHubUser, Id, Money, Percent, PeriodName, Phone, Text

FileKind = Literal["funnel", "team", "targets", "account", "deal", "handover"]
"""The kinds of file under data/, each read into its own model (see FILE_MODELS)."""

HandoverMethod = Literal["visit", "phone", "later"]
"""How a leaving rep hands a deal over: a joint visit, a phone call, or the successor later."""

Role = Literal["rep", "manager"]
PersonStatus = Literal["active", "leaving", "left"]
ItemStatus = Literal["pending", "done"]
"""A handover checklist item: still to do, or done."""

CLOSED_STAGES = ("won", "lost")
HANDOVER_METHODS: tuple[HandoverMethod, ...] = get_args(HandoverMethod)


class Record(BaseModel):
    """A strict, immutable record: unknown fields are refused, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# funnel.yaml ------------------------------------------------------------------------------


class Stage(Record):
    """A step of the funnel, from the top down; its probability weights the forecast."""

    id: Id = Field(description="The stage's id, used in deals' `stage` field (not won or lost).")
    name: Text | None = Field(None, description="Display name; the id when omitted.")
    probability: Percent = Field(description="Win probability in percent (0-100).")
    handover: HandoverMethod = Field(
        description="How a leaving rep hands these deals over: visit, phone or later."
    )
    description: Text | None = Field(None, description="What this stage means for the customer.")

    @property
    def label(self) -> str:
        """The stage's name as pages show it (its id when it has none)."""
        return self.name or self.id


WON = Stage(id="won", name="Won", probability=Decimal(100), handover="later")
LOST = Stage(id="lost", name="Lost", probability=Decimal(0), handover="later")


class Rules(Record):
    """The team's rules; each has a default."""

    min_days_in_funnel: Count = Field(
        14, description="A deal won sooner than this many days after it first appeared is flagged."
    )
    stale_after_days: Count = Field(
        14, description="An open deal without a log entry for this many days is stale."
    )
    max_file_bytes: Count = Field(
        1_048_576, description="Files under data/ larger than this are refused unread."
    )
    support_after_win_days: Count = Field(
        90,
        description="An account may receive presales and technical support this many days "
        "after its last won deal's closed_on (that day included), beside while a deal is open.",
    )
    calibration_min_closed: Count = Field(
        10,
        description="The calibrated forecast weighs a stage's open deals by its observed win "
        "rate once this many deals that reached it closed; by the configured probability before.",
    )


class Funnel(Record):
    """funnel.yaml: the currency, the stages from the top of the funnel down, and the rules."""

    format: Literal[1] = Field(1, description="The data format's version.")
    currency: Currency = Field(description="ISO 4217 code of every amount, e.g. CNY.")
    stages: list[Stage] = Field(
        min_length=1, description="Open stages, ordered from the top of the funnel down."
    )
    rules: Rules = Field(default_factory=Rules, description="The team's rules.")

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with this id, the built-in won and lost included."""
        if stage_id == "won":
            return WON
        if stage_id == "lost":
            return LOST
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        return None

    @property
    def stage_ids(self) -> list[str]:
        """Every stage id a deal may name, once each: the open stages, then won and lost."""
        ids = [stage.id for stage in self.stages if stage.id not in CLOSED_STAGES]
        return list(dict.fromkeys(ids)) + list(CLOSED_STAGES)


# team.yaml --------------------------------------------------------------------------------


# A sales territory: the people who sell there and its customers name it. (No docstring:
# pydantic would copy it into the JSON Schema.)
class Territory(Record):
    id: Id = Field(description="The territory's id.")
    name: Text = Field(description="Display name, e.g. East China.")


class Person(Record):
    """A rep or manager. Commits are linked to people by email."""

    id: Id = Field(description="The person's id, used as a deal's `owner`.")
    name: Text = Field(description="Full name, in any script.")
    email: Text | None = Field(None, description="Links git commits to this person.")
    github: GitHubUser | None = Field(
        None, description="GitHub user name, for review requests (CODEOWNERS)."
    )
    role: Role = Field(description="rep or manager.")
    manager: Id | None = Field(None, description="The id of this person's manager.")
    territory: Id | None = Field(None, description="The id of this person's territory.")
    status: PersonStatus = Field(description="active, leaving or left.")


class Team(Record):
    """team.yaml: territories and the people who sell and manage."""

    territories: list[Territory] = Field(default_factory=list, description="Sales territories.")
    people: list[Person] = Field(default_factory=list, description="Reps and managers.")


# accounts/<id>.yaml -----------------------------------------------------------------------


# A person at the customer a deal is worked with. (No docstring: it would land in the schema.)
class Contact(Record):
    name: Text = Field(description="The contact's name; deals refer to it.")
    title: Text | None = Field(None, description="Job title.")
    phone: Phone | None = Field(None, description='Phone number, in quotes: "+86 21 5555 0101".')
    email: Text | None = Field(None, description="Email address.")


class Account(Record):
    """accounts/<account-id>.yaml: a customer company and its contacts."""

    id: SkipJsonSchema[str] = Field("", exclude=True)
    path: SkipJsonSchema[str] = Field("", exclude=True)
    name: Text = Field(description="The company's name.")
    territory: Id = Field(description="The id of the territory the customer belongs to.")
    industry: Text | None = Field(None, description="Industry, free text.")
    address: Text | None = Field(None, description="Postal address.")
    notes: Text | None = Field(None, description="Anything the team should know (Markdown).")
    contacts: list[Contact] = Field(min_length=1, description="People at the customer.")
    crm_id: Text | None = Field(
        None,
        description="The account's id in the CRM it was imported from: a re-import updates the "
        "account that has it. Unique among the accounts.",
    )

    def contact(self, name: str) -> Contact | None:
        """The account's contact of this name (deals name their contact)."""
        for contact in self.contacts:
            if contact.name == name:
                return contact
        return None


@dataclass(frozen=True)
class AccountParts:
    """What can still be read of an account file with errors: each field that is valid on its
    own, None where it is absent or refused. The rules across files still judge it."""

    id: str
    path: str
    territory: str | None = None
    contacts: tuple[Contact, ...] | None = None

    def contact(self, name: str) -> Contact | None:
        """The contact of this name, if the contacts could be read."""
        for contact in self.contacts or ():
            if contact.name == name:
                return contact
        return None


# deals/**/<id>.yaml -----------------------------------------------------------------------


# One dated note in a deal's log: what was done or learned; it keeps a deal from going
# stale. (No docstring: it would land in the schema.)
class LogEntry(Record):
    date: Day = Field(description="When it happened.")
    note: Text = Field(description="What was done or learned (Markdown).")


class Deal(Record):
    """deals/**/<deal-id>.yaml: one opportunity; the file's stem is its id."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {"stage": {"enum": list(CLOSED_STAGES)}},
                "required": ["stage"],
            },
            "then": {"required": ["closed_on"]},
            "else": {"not": {"required": ["closed_on"]}},
        }
    )

    id: SkipJsonSchema[str] = Field("", exclude=True)
    path: SkipJsonSchema[str] = Field("", exclude=True)
    account: Id = Field(description="The id of the customer (a file in accounts/).")
    contact: Text = Field(description="The name of one of the account's contacts.")
    owner: Id = Field(description="The id of the person who owns the deal.")
    title: Text = Field(description="What the customer may buy, in a few words.")
    products: list[Text] = Field(default_factory=list, description="Products in the deal.")
    amount: Money = Field(description="Expected amount in the funnel's currency (exact decimal).")
    expected_close: Day = Field(description="When the order is expected (YYYY-MM-DD).")
    stage: Id = Field(description="A stage id of funnel.yaml, or won or lost.")
    closed_on: Day | None = Field(None, description="Required for won and lost deals only.")
    lost_reason: Text | None = Field(None, description="Why a lost deal was lost.")
    source: Text | None = Field(None, description="Lead source, for marketing.")
    next_step: Text | None = Field(None, description="The next agreed step with the customer.")
    created: Day = Field(description="When the rep entered the deal.")
    log: list[LogEntry] = Field(default_factory=list, description="Activity, newest last.")
    crm_id: Text | None = Field(
        None,
        description="The deal's id in the CRM it was imported from: a re-import updates the "
        "deal that has it. Unique among the deals.",
    )

    refused: ClassVar[frozenset[str]] = frozenset()
    """Fields given but refused: none in a valid deal (see DealParts)."""

    @property
    def is_open(self) -> bool:
        """Whether the deal is still in the funnel (neither won nor lost)."""
        return self.stage not in CLOSED_STAGES


@dataclass(frozen=True)
class DealParts:
    """What can still be read of a deal file with errors: each field that is valid on its own,
    None where it is absent or refused. The rules across files still judge it, so one check
    reports a wrong stage beside a wrong amount."""

    id: str
    path: str
    refused: frozenset[str]
    account: str | None = None
    contact: str | None = None
    owner: str | None = None
    stage: str | None = None
    expected_close: date | None = None
    closed_on: date | None = None
    created: date | None = None
    lost_reason: str | None = None
    log: tuple[LogEntry, ...] = ()

    @property
    def is_open(self) -> bool | None:
        """Whether the deal is open; None when its stage could not be read."""
        return None if self.stage is None else self.stage not in CLOSED_STAGES


# targets.yaml (optional) -----------------------------------------------------------------


class Target(Record):
    """A sales target for one period: of an owner, of a territory, or (neither) of the company."""

    owner: Id | None = Field(None, description="The person whose target this is.")
    territory: Id | None = Field(None, description="The territory whose target this is.")
    period: PeriodName = Field(description="2027-03 (month), 2027-Q1, 2027-H1 or 2027.")
    amount: Money = Field(description="The target amount, in the funnel's currency.")


class Targets(Record):
    """targets.yaml (optional): sales targets per owner or territory and period."""

    targets: list[Target] = Field(default_factory=list, description="The targets.")


# handovers/<from>-<date>.yaml ---------------------------------------------------------------


class HandoverItem(Record):
    """One deal of a handover checklist, ticked off in pull requests."""

    deal: Id = Field(description="The id of the deal handed over.")
    to: Id = Field(description="The successor: the person who owns the deal now.")
    method: HandoverMethod = Field(
        description="visit (both reps visit), phone (the leaving rep calls and introduces "
        "the successor) or later (the successor calls)."
    )
    status: ItemStatus = Field("pending", description="pending or done.")
    done_on: Day | None = Field(None, description="When it was done (with status done).")
    note: Text | None = Field(None, description="How it went.")


class Handover(Record):
    """handovers/<from>-<date>.yaml: the checklist of a leaving rep's deals."""

    id: SkipJsonSchema[str] = Field("", exclude=True)
    path: SkipJsonSchema[str] = Field("", exclude=True)
    from_: Id = Field(alias="from", description="The person who hands the deals over.")
    date: Day = Field(description="The day the handover was planned.")
    deals: list[HandoverItem] = Field(default_factory=list, description="The deals, in order.")

    model_config = ConfigDict(populate_by_name=True)


FILE_MODELS: dict[FileKind, type[Record]] = {
    "funnel": Funnel,
    "team": Team,
    "account": Account,
    "deal": Deal,
    "targets": Targets,
    "handover": Handover,
}

"""The data contract (format 1) as pydantic models: the one source of the schema.

Each file kind has a model: `Funnel` (funnel.yaml), `Team` (team.yaml), `Account`
(accounts/<id>.yaml) and `Deal` (deals/**/<id>.yaml). Values arrive from the strict YAML
reader already typed (str, int, Decimal, date); the validators here refuse what YAML 1.1
would have guessed (an unquoted `no`, a phone number typed as a number) with a message that
says what to write instead.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_ID = re.compile(ID_PATTERN)
_MONEY = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
CLOSED_STAGES = ("won", "lost")
HANDOVER_METHODS = ("visit", "phone", "later")


def _kind(value: Any) -> str:
    """Name how YAML read an unquoted value, for messages."""
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, date):
        return "a date"
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


def _text(value: Any) -> str:
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("blank", "must not be blank")
        return value
    if isinstance(value, bool | int | float | Decimal | date):
        raise PydanticCustomError("unquoted", "{kind}", {"kind": _kind(value)})
    raise PydanticCustomError("text_type", "must be text, not {kind}", {"kind": _kind(value)})


def _phone(value: Any) -> str:
    if isinstance(value, int | float | Decimal):
        raise PydanticCustomError("unquoted_phone", "a number")
    return _text(value)


def _id(value: Any) -> str:
    text = _text(value)
    if not _ID.match(text):
        raise PydanticCustomError(
            "id",
            "`{value}` is not a valid id: use lower-case letters, digits, `.`, `_` and `-`, "
            "starting with a letter or digit",
            {"value": text},
        )
    return text


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise PydanticCustomError(
                    "impossible_date",
                    "`{value}` is not a real date ({reason})",
                    {"value": value, "reason": str(exc).removeprefix("Invalid isoformat string: ")},
                ) from None
        if re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]", value):
            raise PydanticCustomError(
                "date_format",
                "`{value}`: drop the time, write the day only: {day}",
                {"value": value, "day": value[:10]},
            )
        raise PydanticCustomError(
            "date_format",
            "`{value}` is not a date: write YYYY-MM-DD, e.g. 2027-03-31",
            {"value": value},
        )
    raise PydanticCustomError(
        "date_format",
        "write a date as YYYY-MM-DD, e.g. 2027-03-31 (got {kind})",
        {"kind": _kind(value)},
    )


def _money(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise PydanticCustomError("money", "write an amount in digits, e.g. 1200000.00")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise PydanticCustomError("money", "an amount must be a number, not NaN or infinity")
        raise PydanticCustomError(
            "money", "write the amount in full digits, without an exponent (e.g. 1000000.00)"
        )
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if "," in text or " " in text or "_" in text:
            raise PydanticCustomError(
                "money",
                "`{value}`: remove the thousands separators (write 1200000.00)",
                {"value": value},
            )
        if not _MONEY.fullmatch(text.lstrip("-")):
            raise PydanticCustomError(
                "money",
                "`{value}` is not an amount: write digits, e.g. 1200000.00",
                {"value": value},
            )
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            raise PydanticCustomError("money", "not an amount") from None
    if not isinstance(value, Decimal):
        raise PydanticCustomError("money", "must be an amount, not {kind}", {"kind": _kind(value)})
    if not value.is_finite():
        raise PydanticCustomError("money", "an amount must be a number, not NaN or infinity")
    if value < 0:
        raise PydanticCustomError("money", "an amount cannot be negative")
    return value


def _percent(value: Any) -> Decimal:
    if isinstance(value, str) and value.strip().endswith("%"):
        raise PydanticCustomError(
            "percent",
            "`{value}`: write the number without the % sign, e.g. 40",
            {"value": value},
        )
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError(
            "percent",
            "write a percentage as a number from 0 to 100 (got {kind})",
            {"kind": _kind(value)},
        )
    value = Decimal(value)
    if not 0 <= value <= 100:
        raise PydanticCustomError("percent", "a probability lies between 0 and 100 (percent)")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PydanticCustomError("count", "write a whole number of 0 or more")
    return value


def _currency(value: Any) -> str:
    text = _text(value)
    if not _CURRENCY.fullmatch(text):
        raise PydanticCustomError(
            "currency",
            "`{value}` is not a currency code: write three capital letters, e.g. CNY",
            {"value": text},
        )
    return text


Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": "string", "minLength": 1})]
Phone = Annotated[str, BeforeValidator(_phone), WithJsonSchema({"type": "string", "minLength": 1})]
Id = Annotated[str, BeforeValidator(_id), WithJsonSchema({"type": "string", "pattern": ID_PATTERN})]
Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]
Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
            ]
        }
    ),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(_percent),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]
Count = Annotated[int, BeforeValidator(_count), WithJsonSchema({"type": "integer", "minimum": 0})]
Currency = Annotated[
    str, BeforeValidator(_currency), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"})
]


class Record(BaseModel):
    """A strict, immutable record: unknown fields are refused, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# funnel.yaml ------------------------------------------------------------------------------


class Stage(Record):
    """A step of the funnel, from the top down; its probability weights the forecast."""

    id: Id = Field(description="The stage's id, used in deals' `stage` field (not won or lost).")
    name: Text | None = Field(None, description="Display name; the id when omitted.")
    probability: Percent = Field(description="Win probability in percent (0-100).")
    handover: Literal["visit", "phone", "later"] = Field(
        description="How a leaving rep hands these deals over: visit, phone or later."
    )
    description: Text | None = Field(None, description="What this stage means for the customer.")

    @property
    def label(self) -> str:
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
        ids = [stage.id for stage in self.stages if stage.id not in CLOSED_STAGES]
        return list(dict.fromkeys(ids)) + list(CLOSED_STAGES)


# team.yaml --------------------------------------------------------------------------------


class Territory(Record):
    id: Id = Field(description="The territory's id.")
    name: Text = Field(description="Display name, e.g. East China.")


class Person(Record):
    """A rep or manager. Commits are linked to people by email."""

    id: Id = Field(description="The person's id, used as a deal's `owner`.")
    name: Text = Field(description="Full name, in any script.")
    email: Text | None = Field(None, description="Links git commits to this person.")
    role: Literal["rep", "manager"] = Field(description="rep or manager.")
    manager: Id | None = Field(None, description="The id of this person's manager.")
    territory: Id | None = Field(None, description="The id of this person's territory.")
    status: Literal["active", "leaving", "left"] = Field(description="active, leaving or left.")


class Team(Record):
    """team.yaml: territories and the people who sell and manage."""

    territories: list[Territory] = Field(default_factory=list, description="Sales territories.")
    people: list[Person] = Field(default_factory=list, description="Reps and managers.")


# accounts/<id>.yaml -----------------------------------------------------------------------


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

    def contact(self, name: str) -> Contact | None:
        for contact in self.contacts:
            if contact.name == name:
                return contact
        return None


# deals/**/<id>.yaml -----------------------------------------------------------------------


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

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES


# targets.yaml (optional) -----------------------------------------------------------------


_PERIOD = re.compile(r"[0-9]{4}(?:-(?:0[1-9]|1[0-2]|Q[1-4]|H[12]))?")


def _period(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _text(value)
    if not _PERIOD.fullmatch(text):
        raise PydanticCustomError(
            "period",
            "`{value}` is not a period: write 2027-03 (month), 2027-Q1, 2027-H1 or 2027",
            {"value": text},
        )
    return text


PeriodName = Annotated[
    str,
    BeforeValidator(_period),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": f"^{_PERIOD.pattern}$"},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ]
        }
    ),
]


class Target(Record):
    """A sales target for one period: of an owner, of a territory, or (neither) of the company."""

    owner: Id | None = Field(None, description="The person whose target this is.")
    territory: Id | None = Field(None, description="The territory whose target this is.")
    period: PeriodName = Field(description="2027-03 (month), 2027-Q1, 2027-H1 or 2027.")
    amount: Money = Field(description="The target amount, in the funnel's currency.")


class Targets(Record):
    """targets.yaml (optional): sales targets per owner or territory and period."""

    targets: list[Target] = Field(default_factory=list, description="The targets.")


FILE_MODELS: dict[str, type[Record]] = {
    "funnel": Funnel,
    "team": Team,
    "account": Account,
    "deal": Deal,
    "targets": Targets,
}

"""The typed values of the data contract: text, ids, dates, amounts, percentages, periods.

Values arrive from the strict YAML reader already typed (str, int, Decimal, date); these
validators refuse what YAML 1.1 would have guessed (an unquoted `no`, a phone number typed
as a number) with a message that says what to write instead. Each type carries its JSON
Schema for editors.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_ID = re.compile(ID_PATTERN)
_MONEY = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")


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


def is_id(text: str) -> bool:
    """Whether `text` may be an id (a deal's or an account's file name, a person's id)."""
    return bool(_ID.match(text))


def slug(text: str) -> str:
    """An id made from any name, in any script (see ids.readable_id): an ASCII name gives
    the id it always gave; empty only for a blank name."""
    from .ids import readable_id

    return readable_id(text)


def _id(value: Any) -> str:
    text = _text(value)
    if not is_id(text):
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


class AmountError(ValueError):
    """Why a value is not an amount, in words that say what to write instead."""


_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
CENTS = 2
"""An amount is written to the cent: at most this many decimals."""


def parse_amount(value: Any) -> Decimal:
    """The one reading of an amount, for the data files and for the command line: `value` as
    the strict YAML reader types it (a Decimal, an int, a float for exponents, NaN and
    infinity, or text). Raises AmountError saying what to write instead."""
    if isinstance(value, bool):
        raise AmountError("write an amount in digits, e.g. 1200000.00")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise AmountError("an amount must be a number, not NaN or infinity")
        raise AmountError("write the amount in full digits, without an exponent (e.g. 1000000.00)")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if _DECIMAL_COMMA.fullmatch(text.removeprefix("-")):
            raise AmountError(
                f"`{value}`: write the cents after a point, not a comma: {text.replace(',', '.')}"
            )
        if "," in text or " " in text or "_" in text:
            raise AmountError(f"`{value}`: remove the thousands separators (write 1200000.00)")
        if not _MONEY.fullmatch(text.removeprefix("-")):
            raise AmountError(f"`{value}` is not an amount: write digits, e.g. 1200000.00")
        value = Decimal(text)
    if not isinstance(value, Decimal):
        raise AmountError(f"must be an amount, not {_kind(value)}")
    if not value.is_finite():
        raise AmountError("an amount must be a number, not NaN or infinity")
    if value < 0:
        raise AmountError("an amount cannot be negative")
    exponent = value.as_tuple().exponent  # an int: the amount is finite
    if isinstance(exponent, int) and -exponent > CENTS:
        raise AmountError(
            f"`{value}`: write at most two decimals, to the cent "
            "(a point never separates thousands)"
        )
    return value


def _money(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise PydanticCustomError("money", "{reason}", {"reason": str(exc)}) from None


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
    percent = Decimal(value)
    if not 0 <= percent <= 100:
        raise PydanticCustomError("percent", "a probability lies between 0 and 100 (percent)")
    return percent


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
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"},
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


_GITHUB_USER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")


def _github_user(value: Any) -> str:
    text = _text(value).removeprefix("@")
    if not _GITHUB_USER.fullmatch(text):
        raise PydanticCustomError(
            "github",
            "`{value}` is not a GitHub user name: letters, digits and `-`",
            {"value": text},
        )
    return text


GitHubUser = Annotated[
    str,
    BeforeValidator(_github_user),
    WithJsonSchema({"type": "string", "pattern": "^@?[A-Za-z0-9][A-Za-z0-9-]{0,38}$"}),
]

"""A model's validation errors as problems a person can act on: where, what, and what to do.

pydantic says `extra_forbidden` at ('log', 0, 'dat'); the user reads "unknown field `log[0].dat`:
did you mean `date`?" at the line and column of that key.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .model import Record
from .problems import Problem, did_you_mean, error
from .strictyaml import KeyPath, Marks


def unwrap_annotation(annotation: Any) -> Any:
    """The model class behind Optional[...], list[...] and Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (list, typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            annotation = args[0]
        else:
            return annotation


def fields_at(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """The field names a file may hold at `loc` (as typed in YAML), for did-you-mean hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, str):
            if not (isinstance(current, type) and issubclass(current, BaseModel)):
                return []
            info = current.model_fields.get(part)
            if info is None:
                return []
            current = unwrap_annotation(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [
            info.alias or name for name, info in current.model_fields.items() if not info.exclude
        ]
    return []


def dotted(loc: KeyPath) -> str:
    """A key path as messages show it: `contacts[0].phone`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _quoted_example(field_name: str | int, raw: str) -> str:
    if isinstance(field_name, int):
        return f'- "{raw}"'
    return f'{field_name}: "{raw}"'


def describe_errors(
    exc: ValidationError, model: type[Record], path: str, marks: Marks, flagged: set[KeyPath]
) -> list[Problem]:
    """Each validation error of a file as a problem at its key or value; values the strict
    reader already reported (`flagged`) are not reported twice."""
    problems = []
    for item in exc.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        if any(loc[: len(bad)] == bad for bad in flagged) or (
            kind == "missing" and (*loc[:-1], "<<") in flagged
        ):
            continue  # the reader already reported this value
        if kind == "missing":
            line, column = marks.value(loc[:-1])
        elif kind == "extra_forbidden":
            line, column = marks.key(loc)
        else:
            line, column = marks.value(loc)
        problems.append(error(path, line, column, _message(item, loc, model, marks.raw(loc))))
    return problems


def _message(item: ErrorDetails, loc: KeyPath, model: type[Record], raw: str | None) -> str:
    """What is wrong with the value at `loc`, and what to write instead."""
    kind = item["type"]
    name = dotted(loc)
    field_name = str(loc[-1]) if loc else ""
    if kind == "missing":
        where = f"`{dotted(loc[:-1])}`: " if loc[:-1] else ""
        return f"{where}missing required field `{field_name}`"
    if kind == "extra_forbidden":
        hint = did_you_mean(field_name, fields_at(model, loc[:-1]))
        return f"unknown field `{name}`{hint or ': remove it or check its spelling'}"
    shown = raw if raw is not None else ""
    if kind in ("unquoted", "unquoted_phone", "literal_error") and raw is None:
        shown = str(item["input"])
    if kind == "unquoted":
        return (
            f"`{name}`: unquoted `{shown}` is read as {item['ctx']['kind']}; "
            f"put the text in quotes: {_quoted_example(loc[-1], shown)}"
        )
    if kind == "unquoted_phone":
        return (
            f"`{name}`: quote the phone number, or its leading + and zeros are lost: "
            f"{_quoted_example(loc[-1], shown)}"
        )
    if kind == "literal_error" and loc == ("format",):
        return f"`format`: this version of funnel reads format 1, not `{raw}`"
    if kind == "literal_error":
        expected = item["ctx"]["expected"].replace("'", "")
        return f"`{name}`: `{shown}` is not allowed; write one of {expected}"
    if kind == "list_type":
        return f"`{name}`: must be a list (one `- item` per line, or [a, b])"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"`{name}`: must be a mapping of fields (`key: value` lines)"
    if kind == "too_short":
        return f"`{name}`: needs at least one entry"
    return f"`{name}`: {item['msg']}" if name else item["msg"]

"""The README and the data-format page describe what the code does."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import click
from pydantic import BaseModel

from generator.cli.main import main
from generator.data.field_errors import unwrap_annotation as _unwrap
from generator.data.model import FILE_MODELS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRACT = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == ["make site", "make test"]


def test_every_command_has_help_and_is_in_the_readme():
    for name, command in main.commands.items():
        assert command.help, name
        assert f"### `funnel {name}`" in README, name
        for param in command.params:
            if isinstance(param, click.Option) and param.help is None:
                raise AssertionError(f"funnel {name} {param.opts[0]} has no help")
            if isinstance(param, click.Option):
                assert param.opts[0] in README, f"funnel {name} {param.opts[0]}"


def _documented_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        dotted = f"{prefix}{info.alias or name}"
        names.append(dotted)
        inner = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            many = typing.get_origin(info.annotation) is list
            names += _documented_fields(inner, f"{dotted}[]." if many else f"{dotted}.")
    return names


def test_every_field_of_the_contract_is_documented():
    for kind, model in FILE_MODELS.items():
        for name in _documented_fields(model):
            assert f"| `{name}` |" in CONTRACT, f"{kind}: field `{name}` is not documented"

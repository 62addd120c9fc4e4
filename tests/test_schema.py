"""The JSON Schemas in schemas/ are current, and agree with `funnel check` on the samples."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from generator.data.schema import schema_files
from generator.data.strictyaml import parse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
KINDS = {
    "funnel": [DATA / "funnel.yaml"],
    "team": [DATA / "team.yaml"],
    "account": sorted((DATA / "accounts").glob("*.yaml")),
    "deal": sorted((DATA / "deals").rglob("*.yaml")),
}


def as_json(value):
    """What an editor's YAML 1.2 reader hands to the schema."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def validator(kind: str) -> jsonschema.Draft7Validator:
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_committed_schemas_are_current():
    for name, text in schema_files().items():
        committed = ROOT / "schemas" / name
        assert committed.read_text(encoding="utf-8") == text, f"run `funnel schema` ({name})"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_schemas_are_draft_07(kind):
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in json.dumps(schema)
    assert "id" not in schema["properties"] or kind == "team"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_sample_files_pass_their_schema_and_carry_the_modeline(kind):
    check = validator(kind)
    assert KINDS[kind], f"no sample {kind} files"
    for path in KINDS[kind]:
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == ROOT / "schemas" / f"{kind}.schema.json", path
        value, problems = parse(text, str(path))
        assert not problems
        errors = [error.message for error in check.iter_errors(as_json(value))]
        assert not errors, (path, errors)


def test_schema_refuses_what_check_refuses():
    check = validator("deal")
    deal = {
        "account": "acme",
        "contact": "Li",
        "owner": "wang-li",
        "title": "Laptops",
        "amount": 100,
        "expected_close": "2027-01-31",
        "stage": "won",
        "created": "2026-10-01",
    }
    assert list(check.iter_errors(deal)), "won without closed_on"
    assert not list(check.iter_errors({**deal, "closed_on": "2026-11-01"}))
    assert list(check.iter_errors({**deal, "closed_on": "2026-11-01", "amout": 1}))
    assert list(check.iter_errors({**deal, "closed_on": "2026-11-01", "amount": -1}))
    assert list(check.iter_errors({**deal, "closed_on": "2026-11-01", "owner": "Wang Li"}))
    open_deal = {**deal, "stage": "commit"}
    assert not list(check.iter_errors(open_deal))
    assert list(check.iter_errors({**open_deal, "closed_on": "2026-11-01"}))

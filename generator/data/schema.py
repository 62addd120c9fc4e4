"""JSON Schemas (draft-07) for editors and pre-commit, exported from the models."""

from __future__ import annotations

import json
from typing import Any

from .model import FILE_MODELS, FileKind

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"


def _rename_defs(node: Any) -> Any:
    """Draft-07 keeps shared definitions under `definitions`, not `$defs`."""
    if isinstance(node, dict):
        return {
            ("definitions" if key == "$defs" else key): _rename_defs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rename_defs(item) for item in node]
    return node


def json_schema(kind: FileKind) -> dict[str, Any]:
    """The schema of one file kind: funnel, team, account or deal."""
    model = FILE_MODELS[kind]
    schema = model.model_json_schema(ref_template="#/definitions/{model}", mode="validation")
    schema = _rename_defs(schema)
    return {"$schema": SCHEMA_DIALECT, "$id": f"{kind}.schema.json", **schema}


def schema_files() -> dict[str, str]:
    """File name -> text of every schema, as written to schemas/."""
    return {
        f"{kind}.schema.json": json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
        for kind in FILE_MODELS
    }

"""Every data file's schema modeline leads the editor to a schema that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.data.model import FILE_MODELS

ROOT = Path(__file__).resolve().parent.parent
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$", re.MULTILINE)
SAMPLE_FILES = sorted((ROOT / "data").rglob("*.yaml"))


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_schema_modeline_in_data_resolves_to_a_schema(path):
    modelines = MODELINE.findall(path.read_text(encoding="utf-8"))
    assert len(modelines) == 1, f"{path}: one `# yaml-language-server: $schema=` line expected"
    target = (path.parent / modelines[0]).resolve()
    assert target.is_file(), f"{path}: {modelines[0]} does not exist"
    assert target.parent == ROOT / "schemas"


def test_the_sample_has_a_file_of_every_kind_with_a_schema():
    named = {
        MODELINE.findall(p.read_text(encoding="utf-8"))[0].rsplit("/", 1)[1] for p in SAMPLE_FILES
    }
    assert named == {f"{kind}.schema.json" for kind in FILE_MODELS}


def test_the_readme_lists_every_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### `funnel schema`") :].split("\n### ")[0]
    for kind in FILE_MODELS:
        assert f"`{kind}.schema.json`" in " ".join(section.split()), kind

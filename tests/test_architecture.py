"""The shape of the package, read from its own imports: data flows one way.

data → history → analytics → site and exchange → example, with the adapters (the command line
and the MkDocs plugin) on top. Nothing imports a layer above its own; the core never imports
MkDocs, click or rich, never reads the clock or the environment, and keeps no module-level
state that changes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "generator"

LAYERS = {
    "data": 0,
    "history": 1,
    "analytics": 2,
    "site": 3,
    "exchange": 3,
    "example": 4,
    "cli": 5,
    "plugin": 5,
}
"""The package's parts, lowest first: each may import only its own part and those below."""

ADAPTERS = {"cli", "plugin"}
ADAPTER_ONLY = {"mkdocs", "click", "rich"}
MUTATING = {
    "append",
    "extend",
    "insert",
    "update",
    "setdefault",
    "add",
    "discard",
    "remove",
    "pop",
    "popitem",
    "clear",
}


@dataclass(frozen=True)
class Module:
    name: str  # generator.history.mining
    path: Path
    tree: ast.Module

    @property
    def part(self) -> str:
        """The layer the module belongs to: its subpackage, or its own name at the top."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else parts[0]

    def imports(self) -> list[tuple[str, int]]:
        """Every module this one imports (at the top or inside a function), absolute."""
        package = self.name.split(".")
        if self.path.name != "__init__.py":
            package.pop()
        found: list[tuple[str, int]] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                found += [(alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    found.append((node.module or "", node.lineno))
                    continue
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
                if node.module is None:
                    found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
                else:
                    found.append((target, node.lineno))
        return found


def modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found.append(Module(".".join(parts), path, tree))
    return found


MODULES = modules()
CORE = [module for module in MODULES if module.part not in ADAPTERS]


def _part_of(target: str) -> str | None:
    parts = target.split(".")
    if parts[0] != "generator":
        return None
    return parts[1] if len(parts) > 1 else "generator"


def test_every_module_belongs_to_a_layer():
    unknown = {module.name for module in MODULES if module.part not in LAYERS | {"generator": 0}}
    assert not unknown, f"add their part to LAYERS: {sorted(unknown)}"


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.name)
def test_no_import_runs_back_up(module):
    mine = LAYERS.get(module.part, 0)
    upward = [
        f"{module.path.name}:{line} imports {target}"
        for target, line in module.imports()
        if ((part := _part_of(target)) in LAYERS and LAYERS[part] > mine)
        or (part in ADAPTERS and part != module.part)
    ]
    assert not upward


@pytest.mark.parametrize("module", CORE, ids=lambda module: module.name)
def test_the_core_never_imports_the_adapters_libraries(module):
    found = [
        f"{module.path.name}:{line} imports {target}"
        for target, line in module.imports()
        if target.split(".")[0] in ADAPTER_ONLY
    ]
    assert not found


def _reads_the_world(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        value = node.value
        base = value.id if isinstance(value, ast.Name) else None
        if base == "os" and node.attr in {"environ", "getenv", "environb"}:
            return f"os.{node.attr}"
        if base in {"date", "datetime"} and node.attr in {"today", "now", "utcnow"}:
            return f"{base}.{node.attr}"
        if base == "time" and node.attr in {"time", "time_ns", "localtime", "gmtime"}:
            return f"time.{node.attr}"
    return None


@pytest.mark.parametrize("module", CORE, ids=lambda module: module.name)
def test_the_core_reads_neither_the_clock_nor_the_environment(module):
    found = [
        f"{module.path.name}:{node.lineno} reads {what}"
        for node in ast.walk(module.tree)
        if (what := _reads_the_world(node))
    ]
    assert not found, "take it as a parameter from the command or the plugin"


def _module_containers(tree: ast.Module) -> set[str]:
    """Names bound at module level to a dict, list or set."""
    names = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        containers = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
        is_call = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in {"dict", "list", "set", "defaultdict"}
        )
        if isinstance(value, containers) or is_call:
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return names


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.name)
def test_no_module_level_state_changes(module):
    shared = _module_containers(module.tree)
    found = []
    for function in ast.walk(module.tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Global):
                found.append(f"{module.path.name}:{node.lineno} global {', '.join(node.names)}")
            targets = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = node.targets if not isinstance(node, ast.AugAssign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in shared
                ):
                    found.append(f"{module.path.name}:{node.lineno} changes {target.value.id}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in shared
                and node.func.attr in MUTATING
            ):
                found.append(f"{module.path.name}:{node.lineno} changes {node.func.value.id}")
    assert not found, "keep the state in an object the caller creates and passes"


def test_the_checks_see_what_they_check():
    """The rules above would pass on an empty package: they see the layers and the imports."""
    parts = {module.part for module in MODULES}
    assert {"data", "history", "analytics", "site", "exchange", "cli", "plugin"} <= parts
    records = next(module for module in MODULES if module.name == "generator.history.records")
    inside = [line for target, line in records.imports() if target == "generator.data.strictyaml"]
    assert inside and inside[0] > 100  # imported inside a function: seen too
    main = next(module for module in MODULES if module.name == "generator.cli.main")
    assert any(target.split(".")[0] == "click" for target, _ in main.imports())
    upward = ast.parse("from ..site.pages import build_pages")
    probe = Module("generator.history.probe", PACKAGE / "history" / "probe.py", upward)
    assert probe.imports() == [("generator.site.pages", 1)]
    state = ast.parse("CACHE = {}\ndef remember(key):\n    CACHE[key] = 1\n")
    assert _module_containers(state) == {"CACHE"}


def test_no_two_modules_import_each_other_even_through_others():
    """No circle of imports, lazy imports inside functions included."""
    names = {module.name for module in MODULES}

    def resolved(target: str) -> str | None:
        while target and target not in names:
            target = target.rpartition(".")[0]
        return target or None

    graph = {
        module.name: {
            found
            for target, _ in module.imports()
            if (found := resolved(target)) and found != module.name and found != "generator"
        }
        for module in MODULES
    }
    done: set[str] = set()

    def circle_from(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        for target in sorted(graph.get(name, ())):
            if found := circle_from(target, [*path, name]):
                return found
        done.add(name)
        return None

    circles = [circle for name in sorted(graph) if (circle := circle_from(name, []))]
    assert not circles, " -> ".join(circles[0])

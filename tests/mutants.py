"""The kill rate of `make mutants`, per core module: killed / (mutants - equivalent).

Reads mutmut's results in mutants/ and prints one line per module, then the survivors that
are not judged equivalent (see them with `.venv/bin/mutmut show NAME`). EQUIVALENT names the
mutants that no test can kill because they change nothing a user could notice, each with why;
a name that is no longer a survivor is reported, so the list stays true as the code changes.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# mutmut's exit codes: 1 and 3 killed, 0 survived, 5 and 33 no test covers it, 34 skipped;
# None: not run yet (a run limited to some modules with MUTANTS=...).
KILLED = {1, 3}
SURVIVED = {0}
NOT_COVERED = {5, 33}

EQUIVALENT: dict[str, str] = {}


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["mutmut"]["only_mutate"]


def results(module: str) -> dict[str, int | None]:
    meta = ROOT / "mutants" / f"{module}.meta"
    if not meta.is_file():
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def main() -> int:
    survivors: list[str] = []
    stale = [name for name in EQUIVALENT]
    print(f"{'module':28} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv.':>6} "
          f"{'no test':>7} {'other':>5} {'rate':>6}")  # fmt: skip
    for module in modules():
        codes = {name: code for name, code in results(module).items() if code is not None}
        if not codes:
            print(f"{module:28} not run")
            continue
        killed = sum(code in KILLED for code in codes.values())
        survived = [name for name, code in codes.items() if code in SURVIVED]
        equivalent = [name for name in survived if name in EQUIVALENT]
        stale = [name for name in stale if name not in equivalent]
        uncovered = sum(code in NOT_COVERED for code in codes.values())
        other = len(codes) - killed - len(survived) - uncovered
        counted = len(codes) - len(equivalent)
        rate = f"{100 * killed / counted:5.1f}%" if counted else "-"
        print(f"{module:28} {len(codes):7} {killed:6} {len(survived):8} {len(equivalent):6} "
              f"{uncovered:7} {other:5} {rate:>6}")  # fmt: skip
        survivors += [name for name in survived if name not in EQUIVALENT]
    if survivors:
        print("\nsurvivors (`.venv/bin/mutmut show NAME`):")
        print("\n".join(f"  {name}" for name in survivors))
    if stale:
        print("\njudged equivalent, but no longer surviving (remove from tests/mutants.py):")
        print("\n".join(f"  {name}" for name in stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())

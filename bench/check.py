"""Time `funnel check` against the floors of reading and of parsing the same YAML files.

    python bench/check.py [--sizes 1000,10000] [--repeat 3] [--profile]

For each size a synthetic data folder is written once (bench/synth.py, cached under bench/out/)
and committed to its own git repository, where the parse cache lives. In this one process it
then times, best of --repeat rounds (each round runs every measure once, in the order below,
so that a slow stretch of a shared machine does not fall on one side of a ratio only):

- bytes: reading every .yaml file's bytes, nothing else;
- events: the same files driven through libyaml's parser events only (the C parser's
  `get_event`, as the strict reader drives it), no Python values built: the honest floor of
  parsing;
- load: `yaml.load` with the C loader (Python values built: the old floor);
- check cold: `check` without the parse cache; check warm: with it, every file unchanged
  (the records unpickled, as build and forecast need them); problems: `funnel check`'s own
  path on unchanged files (the problems of the same files and day, no record read, the files
  known by their size and times);
- and `funnel check` run end to end as a subprocess (Python's start and the imports included),
  cold (the cache removed first) and warm.

Targets: at 10,000 deals the cold `funnel check` (whole process) within 2x of the events floor,
and the warm check within 3x of the bytes floor (in process, and whole process).
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml
from synth import write_dataset
from yaml._yaml import CParser

from generator.data.parse_cache import ParseCache
from generator.data.unchanged import check_problems
from generator.data.validate import check

AS_OF = date(2026, 11, 26)
OUT = Path(__file__).resolve().parent / "out"
TARGET_SIZE, TARGET_COLD, TARGET_WARM = 10_000, 2.0, 3.0


def compiled() -> None:
    """The package's modules compiled, as an installed package has them: an environment may
    forbid Python to write them itself (PYTHONDONTWRITEBYTECODE), and each `funnel` process
    timed would compile the modules changed since they last were (an editable install)."""
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "generator", quiet=1)


def dataset(deals: int, seed: int = 1) -> Path:
    """The cached data folder of this size (its own git repository), written first if missing
    or stale."""
    root = OUT / f"d{deals}"
    marker = root / ".synth"
    if not marker.is_file() or marker.read_text() != f"deals={deals} seed={seed}\n":
        print(f"writing {deals} deals to {root} ...", file=sys.stderr)
        write_dataset(root, deals, seed)
    if not (root / ".git").is_dir():
        for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "data"]):
            subprocess.run(["git", *command], cwd=root, check=True, env=GIT)
    return root


GIT = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def yaml_files(root: Path) -> list[str]:
    """Every .yaml file under root (the data folder; its .git is skipped)."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found.extend(os.path.join(folder, name) for name in names if name.endswith(".yaml"))
    return found


def bytes_floor(root: Path) -> int:
    """Read every .yaml file's bytes; return how many files there were."""
    paths = yaml_files(root)
    for path in paths:
        with open(path, "rb") as handle:
            handle.read()
    return len(paths)


def events_floor(root: Path) -> int:
    """Drive every .yaml file through libyaml's parser events, as the strict reader does,
    building no Python values."""
    paths = yaml_files(root)
    for path in paths:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        parser = CParser(text)
        get, check_event = parser.get_event, parser.check_event
        while check_event():
            get()
    return len(paths)


def load_floor(root: Path) -> int:
    """Read and load every .yaml file with PyYAML's C loader (Python values built)."""
    paths = yaml_files(root)
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            yaml.load(handle.read(), Loader=yaml.CSafeLoader)
    return len(paths)


def cache_folder(root: Path) -> Path:
    return root / ".git" / "funnel"


def cold_check(root: Path) -> None:
    _ok(check(root, AS_OF))


def warm_check(root: Path) -> None:
    _ok(check(root, AS_OF, cache=ParseCache(cache_folder(root))))


def warm_problems(root: Path) -> None:
    cache = ParseCache(cache_folder(root))
    cache.settle(time.time_ns())  # as `funnel check` does: unchanged files known by their times
    _ok(check_problems(root, AS_OF, cache=cache))


def _ok(result) -> None:
    if not result.ok:
        raise SystemExit(f"the synthetic data has errors:\n{result.problems[0]}")


def cli_check(root: Path) -> None:
    funnel = Path(sys.executable).with_name("funnel")
    command = [str(funnel), "check", "--data", str(root), "--as-of", AS_OF.isoformat()]
    subprocess.run(command, check=True, capture_output=True)


def cli_cold(root: Path) -> None:
    shutil.rmtree(cache_folder(root), ignore_errors=True)
    cli_check(root)


def best_of_rounds(
    actions: tuple[Callable[[Path], object], ...], root: Path, repeat: int
) -> list[float]:
    """Each action's best time over `repeat` rounds of all the actions, one after the other."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, taken in zip(actions, times, strict=True):
            start = time.perf_counter()
            action(root)
            taken.append(time.perf_counter() - start)
    return [min(taken) for taken in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="deal counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of all measures; best counts")
    parser.add_argument("--profile", action="store_true", help="profile the largest check")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    names = ("bytes", "events", "load", "cold", "warm", "problems", "cli cold", "cli warm")
    actions = (
        bytes_floor,
        events_floor,
        load_floor,
        cold_check,
        warm_check,
        warm_problems,
        cli_cold,
        cli_check,
    )
    compiled()
    rows = []
    for size in sizes:
        root = dataset(size)
        warm_check(root)  # fill the parse cache
        warm_problems(root)  # and keep the check's findings: `problems` times the unchanged
        rows.append((size, len(yaml_files(root)), best_of_rounds(actions, root, args.repeat)))
    print(f"{'deals':>8} {'files':>7} " + " ".join(f"{name + ' s':>10}" for name in names))
    for size, files, times in rows:
        print(f"{size:>8} {files:>7} " + " ".join(f"{value:>10.3f}" for value in times))
    for size, _, times in rows:
        got = dict(zip(names, times, strict=True))
        cold, warm, cli_warm = got["cli cold"], got["problems"], got["cli warm"]
        print(
            f"{size:,} deals: funnel check cold {cold / got['events']:.2f}x the events floor "
            f"(target <= {TARGET_COLD:g}x at {TARGET_SIZE:,}); on unchanged files "
            f"{warm / got['bytes']:.2f}x the bytes floor in process, "
            f"{cli_warm / got['bytes']:.2f}x whole process (target <= {TARGET_WARM:g}x); "
            f"the records from the parse cache (warm, for build and forecast) "
            f"{got['warm'] / got['bytes']:.2f}x; the old floor (yaml.load) {got['load']:.3f} s"
        )
    if args.profile:
        root = dataset(max(sizes))
        profiler = cProfile.Profile()
        profiler.runcall(cold_check, root)
        print(f"\nprofile of the cold check at {max(sizes)} deals, top 25 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()

"""Time `funnel check` against the floor of merely parsing the same YAML files.

    python bench/check.py [--sizes 1000,10000] [--repeat 3] [--profile]

For each size a synthetic data folder is written once (bench/synth.py, cached under
bench/out/). In this one process it then times, best of --repeat: the parse floor (read every
.yaml file and load it with PyYAML's C loader) and the full check
(`generator.data.validate.check`); and, for context, `funnel check` run end to end as a subprocess.
The target: at 10,000 deals the check takes at most twice the parse floor.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml
from synth import write_dataset

from generator.data.validate import check

AS_OF = date(2026, 11, 26)
OUT = Path(__file__).resolve().parent / "out"
TARGET_SIZE, TARGET_RATIO = 10_000, 2.0


def dataset(deals: int, seed: int = 1) -> Path:
    """The cached data folder of this size, written first if missing or stale."""
    root = OUT / f"d{deals}"
    marker = root / ".synth"
    if not marker.is_file() or marker.read_text() != f"deals={deals} seed={seed}\n":
        print(f"writing {deals} deals to {root} ...", file=sys.stderr)
        write_dataset(root, deals, seed)
    return root


def yaml_files(root: Path) -> list[str]:
    return [
        os.path.join(folder, name)
        for folder, _, names in os.walk(root)
        for name in names
        if name.endswith(".yaml")
    ]


def parse_floor(root: Path) -> int:
    """Read and load every .yaml file under root; return how many there were."""
    paths = yaml_files(root)
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            yaml.load(handle.read(), Loader=yaml.CSafeLoader)
    return len(paths)


def full_check(root: Path) -> None:
    result = check(root, AS_OF)
    if not result.ok:
        raise SystemExit(f"{root}: the synthetic data has errors:\n{result.problems[0]}")


def cli_check(root: Path) -> None:
    funnel = Path(sys.executable).with_name("funnel")
    command = [str(funnel), "check", "--data", str(root), "--as-of", AS_OF.isoformat()]
    subprocess.run(command, check=True, capture_output=True)


def best(action: Callable[[Path], object], root: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action(root)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="deal counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure; best counts")
    parser.add_argument("--profile", action="store_true", help="profile the largest check")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    rows = []
    for size in sizes:
        root = dataset(size)
        files = len(yaml_files(root))
        floor = best(parse_floor, root, args.repeat)
        checked = best(full_check, root, args.repeat)
        cli = best(cli_check, root, args.repeat)
        rows.append((size, files, floor, checked, checked / floor, cli))

    print(f"{'deals':>8} {'files':>8} {'floor s':>9} {'check s':>9} {'ratio':>6} {'cli s':>8}")
    for size, files, floor, checked, ratio, cli in rows:
        print(f"{size:>8} {files:>8} {floor:>9.3f} {checked:>9.3f} {ratio:>6.2f} {cli:>8.3f}")
    target = next((row[4] for row in rows if row[0] == TARGET_SIZE), None)
    goal = f"check within {TARGET_RATIO:g}x of the parse floor at {TARGET_SIZE:,} deals"
    if target is None:
        print(f"target ({goal}): not measured, add {TARGET_SIZE} to --sizes")
    else:
        verdict = "met" if target <= TARGET_RATIO else "NOT met"
        print(f"target ({goal}): {verdict} ({target:.2f}x)")

    if args.profile:
        root = dataset(max(sizes))
        profiler = cProfile.Profile()
        profiler.runcall(full_check, root)
        print(f"\nprofile of the check at {max(sizes)} deals, top 25 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()

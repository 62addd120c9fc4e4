"""Time history mining against the raw git reads it is made of.

    python bench/history.py [--deals 2000] [--commits 10000] [--repeat 3]

A repository with --deals deals and --commits commits (each adds or changes one deal) is
written once with `git fast-import` under bench/out/. In this one process it then times, best
of --repeat: the floor (`git log --raw` of the deals plus one `git cat-file --batch` of every
blob it names, nothing parsed), cold mining (`read_history` without cache), and a rebuild after
one new commit (with the cache), a cached read, and `funnel calibrate`'s work (a cached read and
the stages' win rates per owner). Targets: cold within 2x of the floor; the rebuild under 10% of
the cold time; calibrate within 1.5x of a cached read.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from check import OUT

from generator.analytics.calibration import calibrate
from generator.data.load import ValidDataset
from generator.data.model import Funnel, Team
from generator.history.mining import MAIN_LINE_LOG, read_history

STAGES = ("lead", "offer", "verbal")
TARGET_COLD, TARGET_REBUILD, TARGET_CALIBRATE = 2.0, 0.10, 1.5


def deal_text(rng: random.Random, number: int, version: int) -> str:
    stage = "won" if version > 6 and rng.random() < 0.2 else rng.choice(STAGES)
    text = (
        f"account: account-{number % 400}\ncontact: Li\nowner: rep-{number % 40}\n"
        f"title: Deal {number}\namount: {rng.randint(1_000, 2_000_000)}.{rng.randint(0, 99):02d}\n"
        f"expected_close: 2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
        f"stage: {stage}\ncreated: 2026-01-01\n"
    )
    if stage == "won":
        text += "closed_on: 2026-11-01\n"
    text += "log:\n" + "".join(
        f"  - {{date: 2026-{1 + i % 11:02d}-{1 + i % 27:02d}, note: 第{i}次拜访 visit {i}}}\n"
        for i in range(version + 1)
    )
    return text


def write_repository(root: Path, deals: int, commits: int, seed: int = 1) -> None:
    """A repository of `commits` first-parent commits over `deals` deal files, via fast-import."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    rng = random.Random(seed)
    versions = [0] * deals
    chunks = []
    stamp = 1_767_225_600  # 2026-01-01
    for index in range(commits):
        number = index if index < deals else rng.randrange(deals)
        versions[number] += index >= deals
        body = deal_text(rng, number, versions[number]).encode()
        message = f"deal {number} v{versions[number]}".encode()
        stamp += 600
        chunks.append(
            b"commit refs/heads/main\n"
            + f"committer Rep {number % 40} <rep{number % 40}@example.com> {stamp} +0000\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + b"\n"
            + f"M 100644 inline data/deals/t{number % 4}/deal-{number}.yaml\n".encode()
            + f"data {len(body)}\n".encode()
            + body
            + b"\n"
        )
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(chunks), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)


def floor(root: Path) -> float:
    started = time.perf_counter()
    log = subprocess.run(
        ["git", *MAIN_LINE_LOG, "--format=%x01%H", "HEAD", "--", "data"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    blobs = [part.split()[3] for part in log.split("\0") if part.lstrip("\n").startswith(":")]
    subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=root,
        input="\n".join(blobs).encode() + b"\n",
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


def calibration_rules(data: Path) -> ValidDataset:
    """The benchmark's funnel (its three stages) and an empty team: what calibrate reads beside
    the history (the deals' accounts are not in the repository)."""
    stages = [
        {"id": stage, "probability": probability, "handover": "later"}
        for stage, probability in zip(STAGES, (10, 40, 80), strict=True)
    ]
    funnel = Funnel.model_validate({"currency": "EUR", "stages": stages})
    return ValidDataset(root=data, display="data", funnel=funnel, team=Team())


def cached_and_calibrated(data: Path, repeat: int) -> tuple[float, float]:
    """Best of `repeat`: a cached history read, and a cached read with calibrate by owner."""
    rules = calibration_rules(data)
    cached = calibrated = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        read_history(data)
        cached = min(cached, time.perf_counter() - started)
        started = time.perf_counter()
        calibrate(rules, read_history(data), date(2026, 12, 1), by="owner")
        calibrated = min(calibrated, time.perf_counter() - started)
    return cached, calibrated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = OUT / f"repo{args.deals}x{args.commits}"
    print(f"writing {root} ...", file=sys.stderr)
    write_repository(root, args.deals, args.commits)
    data = root / "data"
    raw = min(floor(root) for _ in range(args.repeat))
    cold = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        history = read_history(data, use_cache=False)
        cold = min(cold, time.perf_counter() - started)
    read_history(data)  # fill the cache
    rebuild = float("inf")
    for step in range(args.repeat):
        target = data / "deals" / "t0" / "deal-0.yaml"
        target.write_text(target.read_text() + f"  - {{date: 2026-11-2{step}, note: again}}\n")
        subprocess.run(["git", "commit", "-qam", "one more"], cwd=root, check=True)
        started = time.perf_counter()
        history = read_history(data)
        rebuild = min(rebuild, time.perf_counter() - started)
    cached, calibrated = cached_and_calibrated(data, args.repeat)
    print(
        f"deals {args.deals}, commits {len(history.commits)}, versions "
        f"{sum(len(v) for v in history.deals.values())}"
    )
    print(f"floor (git log --raw + cat-file --batch): {raw:.2f} s")
    print(f"cold mining: {cold:.2f} s ({cold / raw:.2f}x the floor; target <= {TARGET_COLD}x)")
    print(
        f"rebuild after one commit: {rebuild:.3f} s ({rebuild / cold:.1%} of cold; target < "
        f"{TARGET_REBUILD:.0%})"
    )
    print(f"cached read: {cached:.3f} s")
    print(
        f"calibrate (cached read + win rates by owner): {calibrated:.3f} s "
        f"({calibrated / cached:.2f}x the cached read; target <= {TARGET_CALIBRATE}x)"
    )


if __name__ == "__main__":
    main()

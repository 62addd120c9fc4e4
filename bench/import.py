"""Time `funnel import --write` of a large CRM export, cold and again, against `funnel check`.

    python bench/import.py [--rows 100000] [--repeat 1] [--full-rows]

A CRM export of --rows opportunities (a mapping-file CSV: the CRM's ids, ~rows/20 accounts with
Chinese, German and English names, owners by name or email, five CRM stages, amounts to the
cent; open deals without an amount (the expected revenue stands in) or without a close date
(the mapping's default), unless --full-rows) is written into a fresh git repository under
bench/out/ with this repository's team and funnel (data/team.yaml, data/funnel.yaml). It then
times, end to end as subprocesses: `funnel import --write` cold, committed like a team would;
`funnel import --write` again with the same export (best of --repeat); and `funnel check` on
the result (best of --repeat). It prints rows per second for both imports and the ratio of the
re-import to the check. Target: the re-import under 2x the check. A re-import that writes
anything (files added or changed in git) is reported as such, without a figure.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from check import AS_OF, OUT

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
FUNNEL = Path(sys.executable).with_name("funnel")

PEOPLE = {
    "east": ("张伟", "wang.li@example.com", "陈静", "Tom Becker"),
    "north": ("Sarah Collins", "li.na@example.com", "赵磊", "Mark Johnson"),
}
"""The CRM's owners per region, as the export writes them (a name or an email of team.yaml)."""

STAGES = {
    "Prospecting": "qualify",
    "Proposal": "compare",
    "Negotiation": "commit",
    "Closed Won": "won",
    "Closed Lost": "lost",
}
OPEN, WON, LOST = ("Prospecting", "Proposal", "Negotiation"), "Closed Won", "Closed Lost"
CITIES = ("上海", "北京", "苏州", "杭州", "天津", "南京", "青岛", "无锡", "济南", "宁波")
NORTH = ("北京", "天津", "青岛", "济南")
WORDS = ("华东", "金桥", "蓝海", "博雅", "恒信", "启元", "港通", "智联", "康宁", "锦程", "鼎盛")
WORDS += ("瑞丰", "新元", "长江", "正泰", "海纳", "宏达", "天成", "汇通", "嘉禾")
TRADES = ("科技", "电子", "物流", "医疗", "传媒", "纺织", "设计", "机械", "能源", "软件")
SUFFIXES = ("有限公司", "股份有限公司", "集团")
GERMAN = ("Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Jäger", "Böhm", "Krüger", "Fuß")
ENGLISH = ("Contoso", "Fabrikam", "Northwind", "Litware", "Adventure", "Tailspin", "Proseware")
PRODUCTS = ("Laptops", "Workstations", "Servers", "Monitors", "Storage", "Network upgrade")
SOURCES = ("Web", "Trade fair", "Referral", "Partner", "Cold call")
HEADER = (
    "Opportunity ID", "Account ID", "Account Name", "Contact Name", "Contact Email",
    "Opportunity Owner", "Region", "Opportunity Name", "Amount", "Expected Revenue",
    "Close Date", "Stage", "Lead Source", "Created Date",
)  # fmt: skip

MAPPING = """\
deals: export.csv
folder: imported
columns:
  crm_id: Opportunity ID
  account_crm_id: Account ID
  account: Account Name
  contact: Contact Name
  email: Contact Email
  owner: Opportunity Owner
  territory: Region
  title: Opportunity Name
  amount: {amount}
  expected_close: Close Date
  stage: Stage
  source: Lead Source
  created: Created Date
{defaults}stages: {{{stages}}}
territories: {{East: east, North: north}}
"""


def account_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct company names, mostly Chinese, some German and English."""
    names: set[str] = set()
    while len(names) < count:
        kind = rng.random()
        if kind < 0.8:
            words = rng.sample(WORDS, 2)
            name = rng.choice(CITIES) + "".join(words) + rng.choice(TRADES)
            names.add(name + rng.choice(SUFFIXES))
        elif kind < 0.9:
            names.add(f"{rng.choice(GERMAN)} & {rng.choice(GERMAN)} GmbH {rng.randint(1, 99)}")
        else:
            names.add(f"{rng.choice(ENGLISH)} {rng.choice(CITIES)} Ltd. {rng.randint(1, 99)}")
    return sorted(names)


def region(rng: random.Random, name: str) -> str:
    """An account's region: by its city when it names one, else either."""
    if name.startswith(NORTH):
        return "north"
    return "east" if name.startswith(CITIES) else rng.choice(tuple(PEOPLE))


def export_row(rng: random.Random, index: int, account: tuple[str, str, str], blanks: bool):
    """One opportunity of the export: closed ones in the past, open ones ahead."""
    account_id, name, region = account
    stage = rng.choices((*OPEN, WON, LOST), weights=(25, 20, 15, 25, 15))[0]
    as_of = AS_OF.toordinal()
    if stage in OPEN:
        close = date.fromordinal(as_of + rng.randint(5, 400))
    else:
        close = date.fromordinal(as_of - rng.randint(1, 600))
    created = min(close, date.fromordinal(as_of)) - timedelta(days=rng.randint(14, 300))
    amount = f"{rng.randint(5_000, 5_000_000)}.{rng.randint(0, 99):02d}"
    revenue = amount
    close_text = close.isoformat()
    if blanks and stage in OPEN:
        if rng.random() < 0.15:
            amount = ""  # not quoted yet: the expected revenue stands in
        if rng.random() < 0.10:
            close_text = ""  # no date yet: the mapping's default
    person = f"{int(account_id[3:])}-{index % 3}"
    return [
        f"006{index:09d}", account_id, name, f"Contact {person}", f"c{person}@example.com",
        rng.choice(PEOPLE[region]), region.capitalize(),
        f"{rng.choice(PRODUCTS)} {rng.randint(2, 400)} units", amount, revenue,
        close_text, stage, rng.choice(SOURCES), created.isoformat(),
    ]  # fmt: skip


def write_export(folder: Path, rows: int, blanks: bool, seed: int = 1) -> None:
    """The export CSV and its mapping file; the same seed writes the same export."""
    rng = random.Random(seed)
    names = account_names(rng, max(1, rows // 20))
    accounts = [(f"001{number:09d}", name, region(rng, name)) for number, name in enumerate(names)]
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index in range(rows):
            writer.writerow(export_row(rng, index, rng.choice(accounts), blanks))
    stages = ", ".join(f"{crm}: {ours}" for crm, ours in STAGES.items())
    mapping = MAPPING.format(
        amount="[Amount, Expected Revenue]" if blanks else "Amount",
        defaults=f"defaults: {{expected_close: {AS_OF.year + 1}-06-30}}\n" if blanks else "",
        stages=stages,
    )
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")


def git(repository: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repository, check=True, capture_output=True, text=True
    ).stdout


def fresh_repository(root: Path) -> Path:
    """A git repository with this repository's team and funnel and no accounts or deals yet."""
    shutil.rmtree(root, ignore_errors=True)
    data = root / "data"
    (data / "accounts").mkdir(parents=True)
    (data / "deals").mkdir()
    for name in ("funnel.yaml", "team.yaml"):
        shutil.copy(ROOT / "data" / name, data / name)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "gc.auto", "0")  # no repacking in the background while timing
    git(root, "add", "data")
    git(root, "commit", "-q", "-m", "The team and the funnel")
    return data


def funnel(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a funnel command; its wall time and its result."""
    started = time.perf_counter()
    done = subprocess.run([str(FUNNEL), *args], capture_output=True, text=True)
    return time.perf_counter() - started, done


def import_args(root: Path, data: Path) -> list[str]:
    export, mapping = root / "export.csv", root / "mapping.yaml"
    return ["import", str(export), "--mapping", str(mapping), "--data", str(data), "--write"]


def deal_files(data: Path) -> int:
    return sum(1 for _ in (data / "deals").rglob("*.yaml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="opportunities in the export")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the re-import and check")
    parser.add_argument(
        "--full-rows", action="store_true", help="no blank amounts or close dates on open deals"
    )
    args = parser.parse_args()
    root = OUT / f"import{args.rows}"
    print(f"writing {root} ...", file=sys.stderr)
    data = fresh_repository(root)
    write_export(root, args.rows, blanks=not args.full_rows)
    as_of = ["--as-of", AS_OF.isoformat()]

    cold, done = funnel(*import_args(root, data), *as_of)
    if done.returncode != 0 or deal_files(data) != args.rows:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"the cold import failed (exit {done.returncode}): see above")
    git(root, "add", "data")
    git(root, "commit", "-q", "-m", "Import from the CRM")

    again, wrote = float("inf"), ""
    for _ in range(args.repeat):
        seconds, done = funnel(*import_args(root, data), *as_of)
        changed = git(root, "status", "--porcelain", "--untracked-files=all", "data").splitlines()
        if done.returncode != 0 or changed:
            added = sum(line.startswith("??") for line in changed)
            wrote = f"exit {done.returncode}, {added} file(s) added, {len(changed) - added} changed"
            break
        again = min(again, seconds)

    checked = float("inf")
    for _ in range(args.repeat):
        seconds, done = funnel("check", "--data", str(data), *as_of)
        if done.returncode != 0:
            print(done.stdout[-3000:], file=sys.stderr)
            raise SystemExit("funnel check failed on the imported data: see above")
        checked = min(checked, seconds)

    print(f"{'rows':>8} {'cold s':>8} {'rows/s':>8} {'again s':>8} {'rows/s':>8} {'check s':>8}")
    if wrote:
        print(f"{args.rows:>8} {cold:>8.1f} {args.rows / cold:>8.0f} {'-':>8} {'-':>8} ", end="")
        print(f"{checked:>8.1f}")
        print(f"re-import: NOT idempotent, the same export wrote again ({wrote}); no figure")
        return
    print(f"{args.rows:>8} {cold:>8.1f} {args.rows / cold:>8.0f} {again:>8.1f} ", end="")
    print(f"{args.rows / again:>8.0f} {checked:>8.1f}")
    ratio = again / checked
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"target (re-import within {TARGET_RATIO:g}x of funnel check): {verdict} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()

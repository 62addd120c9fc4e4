"""Time `funnel serve` from saving a deal to the browser getting its new value.

    python bench/serve.py [--sizes 1000,10000] [--edits 5]

For each size, bench/build.py's repository (the synthetic data with a year of history) is
served by `funnel serve` on a free port. After the first build, --edits times in a row one
deal file's amount is changed and saved, and the deal's page is asked for until it shows the
new amount; the time from the save to that answer is the latency (the preview answers once
the whole rebuild is done, so home, forecast, the account's, owner's and territory's pages
are new at the same moment: each is fetched afterwards and checked to have changed).
Prints each latency and the median. Targets: 1 s at 1,000 deals, 2 s at 10,000.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

from build import AS_OF, OUT, repository
from check import compiled

TARGETS = {1000: 1.0, 10000: 2.0}
AMOUNT = re.compile(r"^amount: .*$", re.MULTILINE)


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> str | None:
    """The page's text, or None while the server is not answering."""
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None


def wait_for(url: str, shows: str, seconds: float) -> float:
    """When `url` first answered with `shows` in it (monotonic clock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = fetch(url)
        if page is not None and shows in page:
            return time.monotonic()
        time.sleep(0.02)
    raise SystemExit(f"{url} did not show {shows!r} within {seconds:.0f} s")


def related(root: Path, deal: Path) -> dict[str, str]:
    """The pages that show a deal besides its own: its account, owner, territory, home and
    forecast (the territory by the account's file)."""
    text = deal.read_text(encoding="utf-8")
    account = re.search(r"^account: (\S+)", text, re.MULTILINE)
    owner = re.search(r"^owner: (\S+)", text, re.MULTILINE)
    pages = {"home": "", "forecast": "forecast/"}
    if account:
        pages["account"] = f"accounts/{account.group(1)}/"
        found = list((root / "data" / "accounts").rglob(f"{account.group(1)}.yaml"))
        territory = (
            re.search(r"^territory: (\S+)", found[0].read_text(encoding="utf-8"), re.MULTILINE)
            if found
            else None
        )
        if territory:
            pages["territory"] = f"territories/{territory.group(1)}/"
    if owner:
        pages["owner"] = f"reps/{owner.group(1)}/"
    return pages


def measure(deals: int, edits: int) -> list[float]:
    """The latencies of `edits` saves of one deal each under `funnel serve`."""
    root = repository(deals, deals)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    funnel = str(Path(sys.executable).with_name("funnel"))
    command = [funnel, "serve", "--as-of", AS_OF.isoformat(), "--dev-addr", f"127.0.0.1:{port}"]
    files = sorted((root / "data" / "deals").rglob("*.yaml"))
    log = OUT / f"serve{deals}.log"
    server = subprocess.Popen(command, cwd=root, stderr=log.open("w", encoding="utf-8"))
    latencies = []
    try:
        started = time.monotonic()
        wait_for(base, "</html>", 3600)
        print(f"  first build served after {time.monotonic() - started:.1f} s", file=sys.stderr)
        for edit in range(edits):
            deal = files[(edit * 7919) % len(files)]
            url = f"{base}deals/{deal.stem}/"
            pages = related(root, deal)
            before = {name: fetch(base + path) for name, path in pages.items()}
            text = deal.read_text(encoding="utf-8")
            was = AMOUNT.search(text)
            amount = Decimal(9_000_000 + edit * 1_111) + Decimal("0.07")
            saved = time.monotonic()
            deal.write_text(AMOUNT.sub(f"amount: {amount}", text, count=1), encoding="utf-8")
            latencies.append(wait_for(url, f"{amount:,.2f}", 3600) - saved)
            same = [name for name, path in pages.items() if fetch(base + path) == before[name]]
            print(
                f"  edit {edit + 1}: {deal.stem} {latencies[-1]:.2f} s"
                + (f" (unchanged: {', '.join(same)})" if same else ""),
                file=sys.stderr,
            )
            deal.write_text(text, encoding="utf-8")
            if was is not None:
                wait_for(url, f"{Decimal(was.group(0).split()[1]):,.2f}", 3600)
    finally:
        server.terminate()
        server.wait(timeout=60)
        subprocess.run(["git", "checkout", "--", "data"], cwd=root, check=True)
    shown = [line for line in log.read_text(encoding="utf-8").splitlines() if "shown in" in line]
    for line in shown:  # the server's own time for each answer (the saves and their undoing)
        print(f"  server: {line.split(':', 2)[1].strip()}", file=sys.stderr)
    return latencies


def main() -> None:
    compiled()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    for deals in (int(size) for size in args.sizes.split(",")):
        print(f"serving {deals} deals ...", file=sys.stderr)
        latencies = measure(deals, args.edits)
        median = statistics.median(latencies)
        target = TARGETS.get(deals)
        print(
            f"{deals:,} deals: edit to preview "
            + " ".join(f"{value:.2f}" for value in latencies)
            + f" s; median {median:.2f} s"
            + (f" (target {target:g} s)" if target else "")
        )


if __name__ == "__main__":
    main()

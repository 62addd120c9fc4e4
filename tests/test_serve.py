"""`funnel serve`: an edit that breaks the data shows its errors in the browser while the last
good site stays browsable; fixing it brings the pages back without the notice."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTICE = 'class="admonition failure funnel-refused"'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None


def wait_for(url: str, condition, seconds: float = 90) -> str:
    """The page once `condition(page)` holds, polling while the server rebuilds."""
    deadline = time.monotonic() + seconds
    page = None
    while time.monotonic() < deadline:
        page = fetch(url)
        if page is not None and condition(page):
            return page
        time.sleep(0.3)
    raise AssertionError(f"{url} never matched; last: {(page or '')[:300]}")


def project(folder: Path) -> Path:
    """A copy of the sample project (data/, docs/, templates/, mkdocs.yml) in `folder`."""
    for name in ("data", "docs", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    return folder


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """`funnel serve` of the project in `folder` on a free port: its address."""
    port = free_port()
    funnel = Path(sys.executable).with_name("funnel")
    process = subprocess.Popen(
        [str(funnel), "serve", "--as-of", "2026-11-26", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def served(tmp_path):
    """The sample project served, with its folder."""
    folder = project(tmp_path)
    with serving(folder) as url:
        yield folder, url


def test_bad_data_shows_its_errors_and_keeps_the_last_good_site(served):
    folder, url = served
    home = wait_for(url, lambda page: "Sales funnel" in page)
    assert NOTICE not in home
    deal = sorted((folder / "data" / "deals").rglob("*.yaml"))[0]
    good = deal.read_text(encoding="utf-8")
    deal.write_text(good.replace("amount:", "amount: <b>many</b>\nold_amount:", 1), "utf-8")
    broken = wait_for(url, lambda page: NOTICE in page)
    assert "error(s): this preview still shows the last good data" in broken
    assert deal.name in broken and "&lt;b&gt;many&lt;/b&gt;" not in broken.split(NOTICE)[0]
    assert "<b>many</b>" not in broken  # what the user typed stays text
    assert "Forecast" in broken  # the last good pages are still there
    forecast = fetch(url + "forecast/")
    assert forecast is not None and NOTICE in forecast
    deal.write_text(good, "utf-8")
    wait_for(url, lambda page: NOTICE not in page and "Sales funnel" in page)


def test_a_first_build_of_bad_data_serves_the_errors(tmp_path):
    folder = project(tmp_path)
    (folder / "data" / "team.yaml").write_text("people: 3\n", encoding="utf-8")
    with serving(folder) as url:
        page = wait_for(url, lambda page: NOTICE in page)
        assert "data/team.yaml" in page


def test_a_saved_deal_shows_at_once_and_the_whole_site_follows(served):
    folder, url = served
    wait_for(url, lambda page: "Sales funnel" in page)
    deal = folder / "data" / "deals" / "east" / "bluewave-design-zbooks.yaml"
    related = ("", "forecast/", "accounts/bluewave-design/", "territories/east/")
    before = {address: fetch(url + address) for address in related}
    marketing = fetch(url + "marketing/")
    search = fetch(url + "search/search_index.json")
    assert marketing is not None and search is not None and "Fleet of ZBooks" not in search
    text = deal.read_text(encoding="utf-8")
    deal.write_text(
        text.replace("amount: 412000.00", "amount: 7654321.98").replace(
            "title: ZBooks for architects", "title: Fleet of ZBooks <for> architects"
        ),
        "utf-8",
    )
    page = wait_for(url + "deals/bluewave-design-zbooks/", lambda page: "7,654,321.98" in page)
    assert "Fleet of ZBooks &lt;for&gt; architects" in page and "<for>" not in page
    changed = [address for address in related if fetch(url + address) != before[address]]
    assert changed == list(related)
    account = fetch(url + "accounts/bluewave-design/") or ""
    assert "7,654,321.98" in account and "Fleet of ZBooks &lt;for&gt; architects" in account
    # the pages left to the whole build (the marketing funnel, the search index) follow
    wait_for(url + "marketing/", lambda page: page != marketing, seconds=120)
    wait_for(url + "search/search_index.json", lambda page: "Fleet of ZBooks" in page)
    whole = fetch(url + "deals/bluewave-design-zbooks/") or ""
    assert without_reload(whole) == without_reload(page)  # the page shown at once was right
    assert without_reload(fetch(url + "accounts/bluewave-design/") or "") == without_reload(account)


def without_reload(page: str) -> str:
    """The page without the preview's reload script (it carries the moment it was served)."""
    start = page.rfind("<script>", 0, page.rindex("</body>"))
    return page[:start] if start >= 0 else page


def test_a_template_saved_builds_the_whole_site_with_it(served):
    folder, url = served
    wait_for(url, lambda page: "Sales funnel" in page)
    templates = folder / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "deal.md.j2").write_text("# Our own deal page: {{ d.deal.title }}\n", "utf-8")
    page = wait_for(url + "deals/bluewave-design-zbooks/", lambda page: "Our own deal page" in page)
    assert "ZBooks for architects" in page


def test_a_template_with_a_mistake_keeps_the_last_site_served(served):
    folder, url = served
    wait_for(url, lambda page: "Sales funnel" in page)
    deal_url = url + "deals/bluewave-design-zbooks/"
    before = fetch(deal_url)
    assert before is not None and "ZBooks for architects" in before
    template = folder / "templates" / "deal.md.j2"
    template.write_text("# {{ d.deal.title }\n{% if %}\n", "utf-8")  # two mistakes
    time.sleep(3)  # the build with it fails; the server goes on answering
    page = fetch(deal_url)
    assert page is not None and "ZBooks for architects" in page
    template.write_text("# Mended: {{ d.deal.title }}\n", "utf-8")
    wait_for(deal_url, lambda page: "Mended: ZBooks for architects" in page)


HELD = """import pathlib, time


def on_env(env, config, files):
    pathlib.Path("building").touch()
    time.sleep(60)
    return env
"""
"""A hook that holds the build in the middle for a minute (and says when it is there)."""


class Stopping:
    """A descriptor whose naming is interrupted, as Ctrl-C lands while a class is made."""

    def __set_name__(self, owner, name):
        raise KeyboardInterrupt


def test_an_interrupt_wrapped_while_a_class_is_made_is_still_an_interrupt():
    from generator.cli.beside import interrupted

    with pytest.raises(BaseException) as caught:
        type("Marks", (), {"values": Stopping()})
    assert interrupted(caught.value)
    assert not interrupted(RuntimeError("a build that failed"))
    assert not interrupted(None)


@pytest.mark.parametrize("wait", [0.1, 0.25, 0.4, 0.6])
def test_the_build_beside_stopped_at_any_moment_of_its_start_says_nothing(tmp_path, wait):
    """Ctrl-C may land inside any import, class made or configuration read of its start."""
    from generator.cli.beside import BESIDE

    process = subprocess.Popen(
        [sys.executable, "-c", BESIDE, "mkdocs.yml", str(tmp_path / "out"), "http://x/"],
        cwd=project(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(wait)
    process.send_signal(signal.SIGINT)
    assert (process.wait(timeout=30), process.stderr.read().decode()) in {(130, ""), (0, "")}


@pytest.mark.parametrize("building", [False, True], ids=["starting", "building"])
def test_the_build_beside_stops_quietly_at_once_even_started_with_interrupts_ignored(
    tmp_path, building
):
    """A shell's background job starts with Ctrl-C's signal ignored, and so would the build
    beside: the preview would then wait for it before each answer. Stopped as it starts, or
    in the middle of its build (held there by a hook however fast the machine builds)."""
    from generator.cli.beside import BESIDE

    folder = project(tmp_path)
    if building:
        (folder / "held.py").write_text(HELD, encoding="utf-8")
        with (folder / "mkdocs.yml").open("a", encoding="utf-8") as config:
            config.write("\nhooks:\n  - held.py\n")
    process = subprocess.Popen(
        [sys.executable, "-c", BESIDE, "mkdocs.yml", str(tmp_path / "out"), "http://x/"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    if building:
        deadline = time.monotonic() + 60
        while not (folder / "building").exists() and time.monotonic() < deadline:
            assert process.poll() is None
            time.sleep(0.05)
        assert (folder / "building").exists()
    else:
        time.sleep(0.2)
    stopped = time.monotonic()
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=30)
    assert time.monotonic() - stopped < 5
    assert (code, process.stderr.read().decode()) == (130, "")

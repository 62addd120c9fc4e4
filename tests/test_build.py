"""`funnel build`: the sample site builds, reproducibly, and a failed build changes nothing."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import build as cli_build
from generator.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's site sources: mkdocs.yml, docs/, templates/, data/."""
    for name in ("data", "docs", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def build(project: Path, *extra: str):
    return CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(project / "mkdocs.yml"),
            "--data",
            str(project / "data"),
            "--site-dir",
            str(project / "site"),
            "--as-of",
            AS_OF,
            *extra,
        ],
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_sample_site_builds_with_deals_per_stage(project):
    result = build(project)
    assert result.exit_code == 0, result.output
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "<table>" in home
    for stage in ("Qualify", "Compare", "Commit"):
        assert f"<td>{stage}</td>" in home
    assert "fonts.googleapis.com" not in home
    # the copy is not a git repository: the history pages say so instead of guessing
    reviews = (project / "site" / "reviews" / "index.html").read_text(encoding="utf-8")
    assert "History is not available" in reviews
    assert "not inside a git repository" in reviews


def test_a_shallow_clone_builds_with_a_notice(tmp_path):
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{ROOT}", str(tmp_path / "clone")],
        check=True,
    )
    clone = tmp_path / "clone"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(clone / "mkdocs.yml"),
            "--data",
            str(clone / "data"),
            "--site-dir",
            str(clone / "site"),
            "--as-of",
            AS_OF,
        ],
    )
    assert result.exit_code == 0, result.output
    reviews = (clone / "site" / "reviews" / "index.html").read_text(encoding="utf-8")
    assert "fetch-depth: 0" in reviews
    assert not (clone / "site" / "reviews" / "2026-W48").exists()


def test_same_data_and_date_build_a_byte_identical_site(project):
    assert build(project).exit_code == 0
    first = snapshot(project / "site")
    assert build(project).exit_code == 0
    assert snapshot(project / "site") == first


def test_bad_data_stops_the_build_and_keeps_the_previous_site(project):
    assert build(project).exit_code == 0
    before = snapshot(project / "site")
    deal = next((project / "data" / "deals").rglob("*.yaml"))
    deal.write_text(deal.read_text(encoding="utf-8") + "amount: 1e6\n", encoding="utf-8")
    result = build(project)
    assert result.exit_code == 1
    assert f"{deal.name}:" in result.output
    assert "duplicate key `amount`" in result.output
    assert "Traceback" not in result.output
    assert snapshot(project / "site") == before
    leftovers = [path.name for path in project.iterdir() if path.name.startswith(".site")]
    assert leftovers == []


def test_mkdocs_build_works_through_the_plugin(project):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", "out"],
        cwd=project,
        capture_output=True,
        text=True,
        env={"FUNNEL_AS_OF": AS_OF, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Commit" in (project / "out" / "index.html").read_text(encoding="utf-8")


def test_the_core_does_not_import_mkdocs():
    code = (
        "import sys, generator.data.validate, generator.site.pages, generator.cli.main,"
        " generator.data.schema;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mkdocs'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_sample_site_has_no_external_urls_and_stays_out_of_search_engines(project):
    assert build(project).exit_code == 0
    site = project / "site"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = re.findall(r'(?:src|href|action|srcset)="(?:https?:)?//[^"]*"', text)
        assert not found, (page, found)
        assert '<meta name="robots" content="noindex, nofollow">' in text, page
    assert (site / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"
    css = (site / "assets" / "funnel.css").read_text(encoding="utf-8")
    assert "http" not in css and "@import" not in css


@pytest.mark.parametrize("directory_urls", [True, False])
def test_every_link_between_the_pages_leads_to_a_page(project, directory_urls):
    """Links in raw HTML (tables Markdown passes through) are written as the site's
    addresses, which MkDocs does not check: each is followed here, for both kinds."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("use_directory_urls: true", f"use_directory_urls: {directory_urls}".lower()),
        encoding="utf-8",
    )
    result = build(project)
    assert result.exit_code == 0, result.output
    site = project / "site"
    followed = 0
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        article = html[html.find("<article") : html.find("</article>")]
        for href in re.findall(r'<a href="([^"#:]+)"', article):
            target = (page.parent / href).resolve()
            if href.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site)}: {href}"
            followed += 1
    assert followed > 500
    deal = (
        "deals/xihu-software-gpu-servers/index.html"
        if directory_urls
        else "deals/xihu-software-gpu-servers.html"
    )
    account = (
        "../../accounts/xihu-software/" if directory_urls else "../accounts/xihu-software.html"
    )
    assert f'<td><a href="{account}">' in (site / deal).read_text(encoding="utf-8")


def test_the_shared_side_navigation_changes_no_byte(project, tmp_path, monkeypatch):
    """Deal and account pages take the side navigation, search box and logo rendered once per
    folder: the site is the very same as when the theme renders them for every page."""
    from generator.plugin import SharedNavigation
    from generator.plugin.shared_nav import SHARED

    kept: list[SharedNavigation] = []
    install = SharedNavigation.install

    def counting(env):
        shared = install(env)
        kept.append(shared)
        return shared

    monkeypatch.setattr(SharedNavigation, "install", staticmethod(counting))
    assert build(project).exit_code == 0
    shared = snapshot(project / "site")
    assert {"accounts", "deals"} <= {folder for folder, _ in kept[0].rendered}
    assert {name for _, name in kept[0].rendered} == set(SHARED)  # the theme's own partials
    monkeypatch.setattr(SharedNavigation, "install", staticmethod(lambda env: None))
    assert build(project).exit_code == 0
    rendered_each_time = snapshot(project / "site")
    assert shared.keys() == rendered_each_time.keys()
    assert [name for name in shared if shared[name] != rendered_each_time[name]] == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_theme_words_looked_up_once_change_no_byte(project, monkeypatch, language):
    """The theme's words, each looked up once a build, are the words it looks up every time."""
    from generator.plugin import Words

    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    theme_language = "\n  language: en\n"  # the theme's (the plugin's is indented further)
    assert theme_language in config
    config = config.replace(theme_language, f"\n  language: {language}\n", 1)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    made: list[Words] = []
    install = Words.install

    def counting(env, config):
        words = install(env, config)
        made.append(words)
        return words

    monkeypatch.setattr(Words, "install", staticmethod(counting))
    assert build(project).exit_code == 0
    remembered = snapshot(project / "site")
    assert made and "search.placeholder" in made[0].known
    assert made[0].known["search.placeholder"] == ("搜索" if language == "zh" else "Search")
    monkeypatch.setattr(Words, "install", staticmethod(lambda env, config: None))
    assert build(project).exit_code == 0
    looked_up_each_time = snapshot(project / "site")
    assert remembered.keys() == looked_up_each_time.keys()
    assert [name for name in remembered if remembered[name] != looked_up_each_time[name]] == []


def test_a_teams_own_search_box_that_reads_the_page_is_rendered_for_each_page(project):
    """A partial of the team's own that reads the page is not shared between pages."""
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    (project / "overrides" / "partials").mkdir(parents=True)
    (project / "overrides" / "partials" / "search.html").write_text(
        '<div class="own-search">{{ page.title }}</div>', encoding="utf-8"
    )
    assert build(project).exit_code == 0
    deals = sorted((project / "site" / "deals").glob("*/index.html"))
    own = re.compile(r'class="own-search">([^<]*)<')
    shown = {own.search(deal.read_text("utf-8"))[1] for deal in deals}
    assert len(deals) > 2 and len(shown) == len(deals)


def test_the_replaced_site_and_a_leftover_are_removed_after_the_build(project):
    assert build(project).exit_code == 0
    cut_short = project / ".site-old-cut-short"
    (cut_short / "site" / "deals").mkdir(parents=True)  # a removal that was stopped
    assert build(project).exit_code == 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the replaced site is removed in a process of its own
        if not [path for path in project.iterdir() if path.name.startswith(".site")]:
            break
        time.sleep(0.1)
    assert [path.name for path in project.iterdir() if path.name.startswith(".site")] == []
    assert (project / "site" / "index.html").is_file()


def test_a_build_makes_no_record_of_the_messages_it_does_not_show(project, monkeypatch):
    """`funnel build` shows warnings and errors; the data's warnings, told at INFO (for
    `funnel serve`), are not even made into records to be dropped. `funnel serve` in the same
    process shows INFO again."""
    made: list[logging.LogRecord] = []
    record = logging.LogRecord.__init__

    def counting(self, *args, **kwargs):
        record(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(logging.LogRecord, "__init__", counting)
    result = build(project)
    assert result.exit_code == 0, result.output
    assert "has passed: update the date" not in result.output  # the sample data has warnings
    assert [item for item in made if item.levelno < logging.WARNING] == []
    mkdocs = logging.getLogger("mkdocs")
    for level in (logging.INFO, logging.WARNING, logging.INFO):
        cli_build._log_to_stderr(level)
        handlers = [each for each in mkdocs.handlers if isinstance(each, cli_build._Stderr)]
        assert [each.level for each in handlers] == [level]
        assert mkdocs.isEnabledFor(logging.INFO) == (level == logging.INFO)
    cli_build._log_to_stderr()

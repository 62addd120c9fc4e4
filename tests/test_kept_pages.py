"""Pages kept from the last build: the same site, byte for byte, and never a stale page.

Each test builds the sample site in a git repository (the store lives in `.git/funnel/`),
changes one input of the pages, builds again with the store, then builds once more with the
store removed: the two sites must be the same file for file, and the change must show.
"""

from __future__ import annotations

import errno
import gc
import os
import pickle
import shutil
import subprocess
import time
import zlib
from collections.abc import Callable
from ctypes import c_bool, c_longlong
from datetime import date, timedelta
from multiprocessing.sharedctypes import RawArray, RawValue
from pathlib import Path, PurePath

import pytest
from click.testing import CliRunner
from conftest import markdown_made
from mkdocs import utils as mkdocs_utils
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.structure.files import File

from generator import plugin
from generator.cli.main import main
from generator.data.cache_files import Tailed
from generator.plugin import ahead, kept_pages, links, search_json
from generator.plugin.kept_pages import (
    HEADS,
    PAGES_FOLDER,
    KeptHead,
    KeptMarkdownPage,
    KeptPage,
    KeptState,
    PageStore,
)
from generator.plugin.page_keys import folder_digest
from generator.plugin.search_json import packed, unpacked
from generator.site.context import Page as SitePage
from generator.site.environment import PACKAGED, compiled_templates, environment

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"
DEAL = "data/deals/north/huabei-steel-servers-2025.yaml"
DEAL_PAGE = "deals/huabei-steel-servers-2025/index.html"
DEAL_SOURCE = "deals/huabei-steel-servers-2025.md"
GIT = {
    "GIT_AUTHOR_NAME": "Wang Fang",
    "GIT_AUTHOR_EMAIL": "wang.fang@example.com",
    "GIT_COMMITTER_NAME": "Wang Fang",
    "GIT_COMMITTER_EMAIL": "wang.fang@example.com",
    "GIT_AUTHOR_DATE": "2026-11-25T10:00:00+00:00",  # before AS_OF, whatever day it is
    "GIT_COMMITTER_DATE": "2026-11-25T10:00:00+00:00",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """The sample site's sources in a git repository of their own, with a theme folder."""
    project = tmp_path / "project"
    for name in ("data", "docs", "templates"):
        shutil.copytree(ROOT / name, project / name)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    (project / "overrides").mkdir()
    (project / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}\n', encoding="utf-8"
    )
    for key, value in GIT.items():
        monkeypatch.setenv(key, value)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "commit", "-qm", "The sample"], cwd=project, check=True)
    return project


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The generated pages the theme rendered (and the store kept) in the builds so far,
    all by the build itself (no page is made ahead on a second core)."""
    monkeypatch.setattr(ahead, "MIN_PAGES", 10**9)
    monkeypatch.setattr(plugin, "EARLY_PAGES", 10**9)
    seen: list[str] = []
    monkeypatch.setattr(KeptMarkdownPage, "keep", noting(seen))
    return seen


def noting(seen: list[str], keep=KeptMarkdownPage.keep):
    """`KeptMarkdownPage.keep`, noting each page it keeps in `seen`."""

    def keeping(page: KeptMarkdownPage, *args, **kwargs) -> bool:
        seen.append(page.file.src_uri)
        return keep(page, *args, **kwargs)

    return keeping


@pytest.fixture
def written(monkeypatch) -> list[int]:
    """How many pages each build wrote as they were kept, before making its own."""
    counts: list[int] = []
    pass_through = KeptState.pass_through

    def counting(state: KeptState, *args) -> int:
        counts.append(pass_through(state, *args))
        return counts[-1]

    monkeypatch.setattr(KeptState, "pass_through", counting)
    return counts


def invoke(project: Path, site: str, as_of: str = AS_OF):
    return CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(project / "mkdocs.yml"),
            "--data",
            str(project / "data"),
            "--site-dir",
            str(project.parent / site),
            "--as-of",
            as_of,
        ],
    )


def build(project: Path, site: str, as_of: str = AS_OF) -> dict[str, bytes]:
    result = invoke(project, site, as_of)
    assert result.exit_code == 0, result.output
    folder = project.parent / site
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def store(project: Path) -> Path:
    return project / ".git" / "funnel" / PAGES_FOLDER


def kept_files(project: Path, suffix: str = "") -> list[Path]:
    """The pages kept (their renderings; with `suffix` ".html", the pages as written)."""
    paths = store(project).iterdir()
    if suffix:
        return [path for path in paths if path.name.endswith(suffix)]
    return [path for path in paths if "." not in path.name]


def cold(project: Path) -> dict[str, bytes]:
    """The site built with nothing kept."""
    shutil.rmtree(store(project), ignore_errors=True)
    return build(project, "cold")


def differing(one: dict[str, bytes], other: dict[str, bytes]) -> list[str]:
    assert one.keys() == other.keys()
    return [name for name in one if one[name] != other[name]]


def test_a_second_build_renders_no_kept_page_and_changes_no_byte(repo, rendered):
    first = build(repo, "first")
    kept = len(rendered)
    assert kept > 100 and f"{DEAL_PAGE.split('/index')[0]}.md" in rendered
    assert len(kept_files(repo)) == kept
    rendered.clear()
    second = build(repo, "second")
    assert rendered == []
    assert differing(first, second) == []
    assert "search/search_index.json" in second and "sitemap.xml" in second
    for kind in ("templates-", "theme-"):  # the site's and the theme's templates, compiled
        (compiled,) = (repo / ".git" / "funnel").glob(f"{kind}*")
        assert any(compiled.iterdir())
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=repo, capture_output=True, text=True
    )
    assert status.stdout == ""  # nothing in the working tree: the store is inside .git/


def test_a_second_build_writes_the_kept_pages_first_and_the_very_same_site(repo, rendered, written):
    _edit(repo / "mkdocs.yml", "site_name: Sales funnel\n", f"site_name: Sales funnel\n{SITE_URL}")
    first = build(repo, "first")
    made = len(rendered)
    rendered.clear()
    second = build(repo, "second")
    assert written == [made] and rendered == []  # every page as it was kept (none at first)
    assert differing(first, second) == []  # the search index's entries in their places too
    sitemap = second["sitemap.xml"].decode("utf-8")  # every page, those written first too
    assert (
        f"<loc>https://funnel.example.com/team/{DEAL_PAGE[: -len('index.html')]}</loc>" in sitemap
    )
    _deal(repo)  # its page and its account's are made among those written as kept
    third = build(repo, "third")
    assert written[1] == made - 2 and sorted(rendered) == [ACCOUNT_MD, DEAL_MD]
    assert differing(third, cold(repo)) == []  # the search entries in the pages' order
    fourth = build(repo, "fourth")  # the deal's title, markup as text, in <title> too
    assert written[-1] == made and differing(fourth, third) == []
    assert "<title>Data centre &lt;b&gt;racks&lt;/b&gt;" in fourth[DEAL_PAGE].decode("utf-8")


ACCOUNT_MD, DEAL_MD = "accounts/huabei-steel.md", "deals/huabei-steel-servers-2025.md"
SITE_URL = "site_url: https://funnel.example.com/team/\n"


def test_pages_written_around_another_navigation_fail_the_build_and_are_made_again(
    repo, rendered, written, monkeypatch
):
    first = build(repo, "first")
    made = len(rendered)
    real = kept_pages.shell_digest

    def another_at_writing(config, nav, titles=None):  # the shell as the theme sees it
        return real(config, nav, titles) if titles is not None else "another"

    monkeypatch.setattr(kept_pages, "shell_digest", another_at_writing)
    result = invoke(repo, "wrong")
    assert result.exit_code != 0 and "they are forgotten: build again" in result.output
    assert not (repo.parent / "wrong").exists()
    monkeypatch.setattr(kept_pages, "shell_digest", real)
    rendered.clear()
    again = build(repo, "again")
    assert len(rendered) == made and differing(again, first) == []


def test_a_site_whose_hook_sees_pages_has_every_page_made_by_the_build(repo, rendered, written):
    (repo / "hooks.py").write_text(
        "def on_page_markdown(markdown, **kwargs):\n    return markdown + '\\nSeen.\\n'\n",
        encoding="utf-8",
    )
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "hooks:\n  - hooks.py\n", "utf-8")
    build(repo, "first")
    warm = build(repo, "warm")
    assert written == []  # the hook sees every page of every build
    assert rendered != [] and "<p>Seen.</p>" in warm[DEAL_PAGE].decode("utf-8")
    assert differing(warm, cold(repo)) == []


def test_links_to_missing_anchors_fail_every_build_of_a_strict_site(repo, written):
    templates = repo / "templates"
    source = (PACKAGED / "deal.md.j2").read_text(encoding="utf-8")
    link = "\n[The data format](../data-contract.md#no-such-part)\n"
    (templates / "deal.md.j2").write_text(source + link, encoding="utf-8")
    deal = DEAL_PAGE[: -len("/index.html")]
    (repo / "docs" / "links.md").write_text(
        f"# Links\n\n[Its timeline]({deal}.md#timeline) and [more]({deal}.md#no-such-row)\n",
        encoding="utf-8",
    )
    config = repo / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "validation:\n  links:\n    anchors: warn\n",
        encoding="utf-8",
    )
    for site in ("first", "second"):
        result = invoke(repo, site)
        assert result.exit_code != 0
        assert "Aborted with 73 warnings" in result.output  # every deal page's, and links.md's
        assert f"'{deal}.md#no-such-row'" in result.output
        assert "#timeline" not in result.output
    assert len(written) == 1 and written[0] > 100  # the deal pages, the second time: as kept


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _deal(project: Path) -> str:
    _edit(project / DEAL, "title: Data centre servers", "title: Data centre <b>racks</b>")
    return "Data centre &lt;b&gt;racks&lt;/b&gt;"


def _template(project: Path) -> str:
    packaged = ROOT / "generator" / "site" / "templates" / "deal.md.j2"
    text = packaged.read_text(encoding="utf-8") + "\nChecked by the sales desk.\n"
    (project / "templates" / "deal.md.j2").write_text(text, encoding="utf-8")
    return "Checked by the sales desk."


def _theme(project: Path) -> str:
    (project / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}\n{% block footer %}<p>Team footer</p>{% endblock %}\n',
        encoding="utf-8",
    )
    return "<p>Team footer</p>"


def _config(project: Path) -> str:
    _edit(project / "mkdocs.yml", "site_name: Sales funnel", "site_name: East region funnel")
    return "East region funnel"


def _navigation(project: Path) -> str:
    _edit(project / "docs" / "data-contract.md", "# Data format (version 1)", "# Data rules")
    return "Data rules"


def _markdown(project: Path) -> str:
    _edit(project / "mkdocs.yml", "permalink: true", 'permalink: "#"')
    return 'class="headerlink" href="#'


CHANGES: dict[str, Callable[[Path], str]] = {
    "a deal's data": _deal,
    "a page template": _template,
    "a theme override": _theme,
    "the site's name": _config,
    "a title in the navigation": _navigation,
    "a Markdown setting": _markdown,
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_input_of_a_kept_page_makes_it_again(repo, rendered, change):
    build(repo, "first")
    rendered.clear()
    shown = CHANGES[change](repo)
    warm = build(repo, "warm")
    assert f"{DEAL_PAGE.split('/index')[0]}.md" in rendered
    assert shown in warm[DEAL_PAGE].decode("utf-8")
    assert differing(warm, cold(repo)) == []


def test_a_copy_of_the_project_elsewhere_with_its_caches_makes_no_page_again(repo, rendered):
    """A CI runner's checkout, or a second clone, with `.git/funnel/` copied into it (times
    kept, as `tar --posix` keeps them): every page is found kept, and the site is the one a
    build with nothing kept makes there. A new commit there changes only its pages."""
    first = build(repo, "first")
    elsewhere = repo.parent / "runner" / "work" / "project"
    shutil.copytree(repo, elsewhere, symlinks=True)
    rendered.clear()
    second = build(elsewhere, "second")
    assert rendered == []
    assert differing(first, second) == []
    _deal(elsewhere)
    build(elsewhere, "third")
    assert sorted(rendered) == ["accounts/huabei-steel.md", "deals/huabei-steel-servers-2025.md"]


def test_only_the_pages_that_show_the_changed_deal_are_rendered_again(repo, rendered):
    build(repo, "first")
    rendered.clear()
    _deal(repo)
    build(repo, "warm")  # the deal's page and its account's (which lists its deals)
    assert sorted(rendered) == ["accounts/huabei-steel.md", "deals/huabei-steel-servers-2025.md"]


def test_a_build_on_the_next_day_renders_only_the_pages_that_show_the_day(
    repo, rendered, monkeypatch
):
    """With the caches of the day before, the next day's build makes again the Markdown of
    the pages that show the day only (no deal's or account's page), the theme renders again
    only those whose Markdown changed, and the site is the one a build with nothing kept
    makes that day."""
    build(repo, "first")
    rendered.clear()
    made = markdown_made(monkeypatch)
    next_day = (date.fromisoformat(AS_OF) + timedelta(days=1)).isoformat()
    warm = build(repo, "next", next_day)
    assert "index.md" in made and len(made) < 30, made
    assert set(rendered) <= set(made)
    assert not [path for path in made if path.startswith(("deals/", "accounts/"))]
    shutil.rmtree(repo / ".git" / "funnel")
    assert differing(warm, build(repo, "uncached", next_day)) == []


def test_a_damaged_store_is_rendered_again_and_a_removed_page_forgotten(repo, rendered):
    build(repo, "first")
    kept = len(rendered)
    for path in store(repo).iterdir():
        path.write_bytes(b"not a page")
    rendered.clear()
    assert differing(build(repo, "again"), cold(repo)) == []
    assert len(rendered) == 2 * kept  # the damaged build, then the cold one
    (repo / DEAL).unlink()
    rendered.clear()
    fewer = build(repo, "fewer")
    assert DEAL_PAGE not in fewer and "accounts/huabei-steel.md" in rendered
    assert len(kept_files(repo)) == kept - 1
    site = {path.stat().st_ino for path in (repo.parent / "fewer").rglob("*.html")}
    written = {path.stat().st_ino for path in kept_files(repo, ".html")}
    assert written and written <= site  # kept as written: the site's very files


def test_a_kept_page_is_linked_not_written_and_one_written_into_is_made_again(repo, rendered):
    build(repo, "first")
    rendered.clear()
    second = build(repo, "second")
    assert rendered == []
    first_file, second_file = (repo.parent / site / DEAL_PAGE for site in ("first", "second"))
    assert second_file.stat().st_ino == first_file.stat().st_ino  # one file: nothing written
    with second_file.open("r+b") as handle:  # written into in place, not replaced
        handle.write(b"<!-- changed -->")
    third = build(repo, "third")
    third_file = repo.parent / "third" / DEAL_PAGE
    assert third_file.stat().st_ino != second_file.stat().st_ino
    # its output was kept as the file written only: the theme makes it again, from its content
    assert third[DEAL_PAGE] == second[DEAL_PAGE] and rendered == [DEAL_SOURCE]
    assert differing(third, cold(repo)) == []


def test_a_page_kept_as_written_keeps_no_second_copy_of_its_output(repo):
    build(repo, "first")
    pages = [pickle.loads(path.read_bytes()) for path in kept_files(repo)]
    assert pages and all(page.packed == b"" for page in pages)  # each is linked instead
    assert len(kept_files(repo, ".html")) == len(pages)


def test_where_files_cannot_be_linked_the_kept_pages_are_written(repo, rendered, monkeypatch):
    def refused(*args: object) -> None:
        raise OSError(errno.EXDEV, "another file system")

    monkeypatch.setattr(kept_pages.os, "link", refused)
    build(repo, "first")  # their output kept (compressed), as no file can be linked
    pages = [pickle.loads(path.read_bytes()) for path in kept_files(repo)]
    assert pages and all(page.packed for page in pages)
    rendered.clear()
    second = build(repo, "second")
    assert rendered == []
    assert (repo.parent / "second" / DEAL_PAGE).stat().st_nlink == 1
    assert differing(second, cold(repo)) == []
    assert kept_files(repo, ".html") == []  # the cold build could not keep them as written


def test_pages_linked_by_a_second_process_make_the_very_site(repo, rendered, monkeypatch):
    monkeypatch.setattr(links, "FORK_FROM", 2)
    monkeypatch.setattr(plugin, "spare_cores", lambda: 1)  # no process mines the history
    forks = []
    fork = links.os.fork

    def counted() -> int:
        forks.append(1)
        return fork()

    monkeypatch.setattr(links.os, "fork", counted)
    build(repo, "first")
    assert forks == []  # nothing kept yet: nothing to link
    rendered.clear()
    second = build(repo, "second")
    assert rendered == [] and len(forks) == 1
    first_file, second_file = (repo.parent / site / DEAL_PAGE for site in ("first", "second"))
    assert second_file.stat().st_ino == first_file.stat().st_ino
    assert differing(second, cold(repo)) == []


def test_a_link_the_second_process_cannot_make_fails_the_build_and_the_next_makes_it(
    repo, rendered, monkeypatch
):
    monkeypatch.setattr(links, "FORK_FROM", 2)
    build(repo, "first")
    real = kept_pages._link

    def full_disk(existing, name: str) -> None:
        if name.endswith(DEAL_PAGE) and os.getpid() != parent:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(existing, name)

    parent = os.getpid()
    monkeypatch.setattr(kept_pages, "_link", full_disk)
    result = invoke(repo, "full")
    assert result.exit_code != 0
    assert "1 page(s) could not be linked into the site" in result.output
    assert DEAL_PAGE in result.output and not (repo.parent / "full").exists()
    monkeypatch.setattr(kept_pages, "_link", real)
    rendered.clear()
    again = build(repo, "again")
    # its file kept as written was dropped: the theme makes it again from its kept content
    assert rendered == [DEAL_SOURCE]
    assert (repo.parent / "again" / DEAL_PAGE).stat().st_nlink == 2  # and kept as written
    assert differing(again, cold(repo)) == []


@pytest.mark.parametrize("pages_from", [0, 10**6], ids=["many pages", "few pages"])
def test_the_heads_hold_the_search_entries_packed_and_the_index_has_them_whole(
    repo, read_whole, monkeypatch, pages_from
):
    monkeypatch.setattr(plugin, "COMPRESS_SEARCH_FROM", pages_from)
    _edit(repo / DEAL, "title: Data centre servers", "title: <script>alert(1)</script>")
    first = build(repo, "first")
    heads = [pickle.loads(head) for head in heads_of(repo).values() if pickle.loads(head).search]
    compressed = sum(isinstance(head.search, search_json.Packed) for head in heads)
    plain = sum(isinstance(head.search, search_json.Encoded) for head in heads)
    assert (compressed, plain) == ((len(heads), 0) if pages_from == 0 else (0, len(heads)))
    assert len(heads) > 50
    read_whole.clear()
    second = build(repo, "second")
    assert read_whole == []  # every page written ahead from its head
    assert differing(second, first) == []  # search_index.json the very same too
    index = second["search/search_index.json"]
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in index and b"<script>" not in index
    monkeypatch.setattr(plugin, "COMPRESS_SEARCH_FROM", 10**6 - pages_from)  # the site grew
    _edit(repo / DEAL, "<script>alert(1)</script>", "Data centre racks")
    third = build(repo, "third")  # heads of both kinds: the changed pages' kept the new way
    assert differing(third, cold(repo)) == []


def test_links_are_made_in_one_go_by_a_process_or_by_the_build(tmp_path, monkeypatch):
    sources = []
    for index in range(5):
        source = tmp_path / f"kept-{index}"
        source.write_text(str(index))
        sources.append(str(source))
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    names = [str(tmp_path / "site" / str(index) / "index.html") for index in range(4)]
    names.append(str(blocked / "index.html"))  # its folder is a file: fails
    for fork_from in (2, 100):
        monkeypatch.setattr(links, "FORK_FROM", fork_from)
        shutil.rmtree(tmp_path / "site", ignore_errors=True)
        made = links.Links(kept_pages._link)
        for source, name in zip(sources, names, strict=True):
            made.ask(source, name)
        made.start()
        assert bool(made.pid) == (fork_from == 2)
        assert made.wait() == [(sources[4], names[4])]
        assert [Path(name).read_text() for name in names[:4]] == ["0", "1", "2", "3"]
        assert made.wait() == [] and made.pid == 0


def test_links_of_a_process_that_did_not_finish_are_all_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(links, "FORK_FROM", 1)

    def broken(existing: str, name: str) -> None:
        raise RuntimeError("not an OSError: the process ends")

    made = links.Links(broken)
    made.ask("a", "b")
    made.ask("c", "d")
    made.start()
    assert made.wait() == [("a", "b"), ("c", "d")]
    stopped = links.Links(kept_pages._link)
    for index in range(3):
        stopped.ask(str(tmp_path / "missing"), str(tmp_path / f"site-{index}"))
    stopped.start()
    stopped.stop()
    assert stopped.pid == 0 and stopped.wait() == []


def test_a_theme_is_known_by_the_bytes_of_its_files_wherever_and_whenever_installed(tmp_path):
    def install(prefix: str) -> Path:
        theme = tmp_path / prefix / "lib" / "site-packages" / "theme" / "templates"
        (theme / "partials").mkdir(parents=True)
        (theme / ".icons").mkdir()
        (theme / "main.html").write_text("{% extends 'base.html' %}\n", encoding="utf-8")
        (theme / "partials" / "nav.html").write_text("<nav></nav>\n", encoding="utf-8")
        return theme

    installed = install("runner")
    first = folder_digest(installed)
    assert folder_digest(install("another-runner")) == first  # another place, other times
    (installed / ".icons" / "x.svg").write_text("<svg/>", encoding="utf-8")
    assert folder_digest(installed) == first  # icons come and go with the theme's files
    nav = installed / "partials" / "nav.html"
    os.utime(nav, ns=(1, 1))
    assert folder_digest(installed) == first  # installed again: the same bytes
    nav.write_text("<nav>x</nav>\n", encoding="utf-8")
    assert folder_digest(installed) != first  # a new version: other bytes
    os.utime(nav, ns=(1, 1))
    nav.write_text("<nav>y</nav>\n", encoding="utf-8")  # the same size, and its time set back
    os.utime(nav, ns=(1, 1))
    assert folder_digest(installed) != folder_digest(install("third"))
    project = tmp_path / "overrides"
    project.mkdir()
    (project / "main.html").write_text("a", encoding="utf-8")
    before = folder_digest(project)
    (project / "main.html").write_text("b", encoding="utf-8")
    assert folder_digest(project) != before  # the same size: told by the bytes


def made_ahead_to_the_first(pages, config, files, nav, env=None, write=False) -> ahead.Ahead | None:
    """The process makes every page before the build's turn: it is waited for."""
    if not pages:
        return None
    passed, made = RawValue(c_longlong, -1), RawValue(c_longlong, len(pages))
    written = RawArray(c_bool, len(pages)) if write else None
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            ahead._quiet()
            progress = ahead.Progress(passed, made, parent, written)
            ahead._make_from_the_end(pages, config, files, nav, env, progress)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert made.value == 0
    return ahead.Ahead(pid, passed, made, pages, written)


def test_pages_made_ahead_make_the_very_site_of_a_build_alone(repo, rendered, monkeypatch):
    alone = cold(repo)
    monkeypatch.undo()
    for key, value in GIT.items():
        monkeypatch.setenv(key, value)
    shutil.rmtree(store(repo))
    forked = build(repo, "forked")  # the second core makes pages from the last, twice
    assert differing(forked, alone) == []

    rounds: list[tuple[bool, int]] = []

    def converted_ahead(pages, config, files, nav, env=None, write=False):  # first round only
        if env is not None:
            return None
        made = made_ahead_to_the_first(pages, config, files, nav, write=write)
        rounds.append((False, len(list(store(repo).iterdir()))))
        return made

    def rendered_ahead(pages, config, files, nav, env=None, write=False):  # the theme's round
        if env is None:
            return None
        rounds.append((True, len(pages)))
        return made_ahead_to_the_first(pages, config, files, nav, env, write)

    written: list[str] = []  # by the build (the process's writes are its own)
    write_file = mkdocs_utils.write_file

    def noted(content: bytes, path: str) -> None:
        written.append(path)
        write_file(content, path)

    monkeypatch.setattr(mkdocs_utils, "write_file", noted)
    for start in (converted_ahead, rendered_ahead):
        monkeypatch.setattr(ahead.Ahead, "start", staticmethod(start))
        monkeypatch.setattr(KeptMarkdownPage, "keep", noting(rendered))
        shutil.rmtree(store(repo))
        rendered.clear()
        written.clear()
        made = build(repo, f"made-ahead-{start.__name__}")
        assert differing(made, alone) == []  # the search index too
        assert rendered == []  # the build rendered none of them: it wrote what was kept
        assert written.count(os.devnull) == 130  # the process wrote them: the build, nowhere
        assert not any(path.endswith(DEAL_PAGE) for path in written)
        assert (repo / ".git" / "funnel" / PAGES_FOLDER).is_dir()
        assert differing(build(repo, f"warm-{start.__name__}"), alone) == []
    assert rounds[0] == (False, 130)  # every generated page kept, with its search entries
    assert (True, 130) in rounds  # in the theme's round: every page (none was kept whole)


def test_a_build_lets_each_page_s_markdown_go_once_converted_also_a_page_made_ahead(
    repo, rendered, monkeypatch
):
    """A build holds every page's HTML, packed, to its end: not their Markdown as well (at
    100,000 deals that was gigabytes), neither of a page it converted nor of one it found kept
    (made on the second core)."""
    held: list[list[str]] = []
    finish = KeptState.finish

    def noting_held(state: KeptState, files, anchors: int) -> None:
        pages = [file.page for file in files if isinstance(file.page, KeptMarkdownPage)]
        assert len(pages) == 130
        held.append(
            [
                page.file.src_uri
                for page in pages
                if page.markdown or page.file._content or page._read  # as read, for its key
            ]
        )
        finish(state, files, anchors)

    def converted_ahead(pages, config, files, nav, env=None, write=False):  # all, before
        if env is not None:
            return None
        return made_ahead_to_the_first(pages, config, files, nav, write=write)

    monkeypatch.setattr(KeptState, "finish", noting_held)
    build(repo, "alone")
    monkeypatch.setattr(ahead.Ahead, "start", staticmethod(converted_ahead))
    shutil.rmtree(store(repo))
    rendered.clear()
    build(repo, "made-ahead")
    assert rendered == []  # every page was found kept
    assert held == [[], []]


def test_a_build_gives_freed_memory_back_after_the_data_every_thousand_pages_and_at_the_end(
    repo, rendered, monkeypatch
):
    moments: list[str] = []
    monkeypatch.setattr(plugin, "GIVE_BACK_EVERY", 10)
    monkeypatch.setattr(plugin, "give_back", lambda: moments.append(f"{len(rendered)}"))
    build(repo, "site")
    kept = len(rendered)
    assert kept > 100
    first_round = [moment for moment in moments[1:-1] if moment == "0"]
    second_round = [int(moment) for moment in moments[1:-1] if moment != "0"]
    assert moments[0] == "0"  # after the data and the pages' Markdown
    assert len(first_round) >= kept // 10  # every 10 pages converted
    assert len(second_round) >= kept // 10 - 1  # every 10 pages rendered
    assert second_round == sorted(second_round) and second_round[-1] <= kept
    assert moments[-1] == str(kept)  # before the search index is written


def test_a_page_whose_conversion_warns_is_never_kept_so_it_warns_at_every_build(repo):
    templates = repo / "templates"
    source = (PACKAGED / "deal.md.j2").read_text(encoding="utf-8")
    (templates / "deal.md.j2").write_text(source + "\n[Team wiki](/wiki/)\n", encoding="utf-8")
    config = repo / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "validation:\n  links:\n    absolute_links: warn\n",
        encoding="utf-8",
    )
    for _ in range(2):  # strict: the warnings fail the build, the second one too
        result = CliRunner().invoke(
            main,
            [
                *("build", "--config", str(config), "--data", str(repo / "data")),
                *("--site-dir", str(repo.parent / "site"), "--as-of", AS_OF),
            ],
        )
        assert result.exit_code != 0
        assert "absolute link '/wiki/'" in result.output
        assert "Aborted with 72 warnings" in result.output  # every deal page's


def test_a_kept_page_is_read_as_written_and_as_an_earlier_version_wrote_it(tmp_path):
    kept = KeptPage(
        packed_content=zlib.compress(b"<p>A</p>"),
        packed_toc=pickle.dumps([]),
        title="A",
        anchors=set(),
        links_to_anchors=None,
        lookups=(("accounts/a.md", "accounts/a/"),),
        search='{"location":"deals/a/","title":"A","text":"A"}',
        shell="shell",
        packed=zlib.compress(b"<html>A</html>"),
    )
    pages = PageStore(tmp_path)
    pages.put("new", kept)
    data = (tmp_path / "new").read_bytes()
    assert zlib.compress(b"<html>A</html>") in data  # its HTML compressed, once
    (tmp_path / "earlier").write_bytes(zlib.compress(data, 1))  # compressed whole
    for key in ("new", "earlier"):
        again = pages.get(key)
        assert again == kept and again.output == "<html>A</html>"
    assert pages.get("new").toc == []
    (tmp_path / "damaged").write_bytes(data[: len(data) // 2])
    assert pages.get("damaged") is None and pages.get("missing") is None
    whole_toc = pickle.loads(data)
    state = vars(whole_toc)
    state["toc"] = pickle.loads(state.pop("packed_toc"))
    (tmp_path / "toc-whole").write_bytes(pickle.dumps(whole_toc))  # as funnel kept it before
    assert pages.get("toc-whole") is None  # rendered again
    listed = pickle.loads(data)
    listed.search = [{"location": "deals/a/", "title": "A", "text": "A"}]
    (tmp_path / "listed").write_bytes(pickle.dumps(listed))  # its search entries not in JSON
    assert pages.get("listed") is None


def test_a_head_kept_by_an_earlier_version_is_not_used(tmp_path):
    def head(search: object) -> bytes:
        return pickle.dumps(KeptHead("A", set(), None, (), search, "shell"))  # type: ignore[arg-type]

    now, none = head(packed('{"location":"a/"}')), head("")
    heads = {"now": now, "none": none, "compressed": zlib.compress(now)}  # as kept before
    heads |= {"listed": head([{}]), "text": head('{"location":"a/"}')}  # entries not packed
    write_heads(tmp_path, heads)
    pages = PageStore(tmp_path)
    found = pages.head("now")
    assert isinstance(found, KeptHead) and unpacked(found.search) == '{"location":"a/"}'
    assert pages.head("none") == KeptHead("A", set(), None, (), "", "shell")  # no entries
    for earlier in ("compressed", "listed", "text"):
        assert pages.head(earlier) is None  # its page is read whole (here: none is kept)


def test_a_second_process_starts_only_with_the_memory_for_it(tmp_path, monkeypatch):
    page = os.sysconf("SC_PAGE_SIZE")
    statm = tmp_path / "statm"
    statm.write_text(f"{2 * 2**30 // page * 2} {2 * 2**30 // page} 0 0 0 0 0\n", "ascii")
    meminfo = tmp_path / "meminfo"

    def spare(available_kib: int) -> bool:
        meminfo.write_text(f"MemTotal: 8000000 kB\nMemAvailable: {available_kib} kB\n", "ascii")
        return ahead.memory_to_spare(str(meminfo), str(statm))

    assert spare(3 * 2**20)  # 3 GiB free for a process that holds 2 GiB
    assert not spare(2**20)  # 1 GiB free: the build goes on alone
    assert ahead.memory_to_spare(str(tmp_path / "none"), str(statm))  # the system does not say
    monkeypatch.setattr(ahead, "memory_to_spare", lambda: False)
    assert ahead.Ahead.start([object()] * ahead.MIN_PAGES, None, None, None) is None
    assert ahead.spare_cores() == 1  # the pages' Markdown too is made by the build alone


def test_a_second_core_makes_pages_where_there_is_one(monkeypatch):
    monkeypatch.setattr(ahead, "memory_to_spare", lambda: True)
    monkeypatch.setattr(ahead.os, "cpu_count", lambda: 2)
    assert ahead.spare_cores() == 2
    for cores in (1, None):  # a single core, or one the system does not tell
        monkeypatch.setattr(ahead.os, "cpu_count", lambda cores=cores: cores)
        assert ahead.spare_cores() == 1
    monkeypatch.setattr(ahead.os, "cpu_count", lambda: 2)
    monkeypatch.delattr(ahead.os, "fork")
    assert ahead.spare_cores() == 1


def forked_for(seconds: float) -> ahead.Ahead:
    """A process that takes `seconds` over the page it is making, then stops as a process
    making pages stops (it has been passed)."""
    passed, made = RawValue(c_longlong, -1), RawValue(c_longlong, 1)
    pid = os.fork()
    if pid == 0:
        time.sleep(seconds)
        os._exit(0 if passed.value == ahead.PASSED_ALL else 3)
    return ahead.Ahead(pid, passed, made, [])


def test_a_build_done_lets_the_process_finish_the_page_it_writes(monkeypatch):
    finishing = forked_for(0.3)
    started = time.monotonic()
    finishing.stop(finish=True)
    assert time.monotonic() - started >= 0.25  # waited for, not killed
    with pytest.raises(ChildProcessError):
        os.waitpid(finishing.pid, os.WNOHANG)
    monkeypatch.setattr(ahead, "FINISH_SECONDS", 0.2)
    hung = forked_for(30)
    started = time.monotonic()
    hung.stop(finish=True)
    assert time.monotonic() - started < 5  # killed once it took too long
    interrupted = forked_for(30)
    started = time.monotonic()
    interrupted.stop()  # a failed build, or every page converted: not waited for
    assert time.monotonic() - started < 5


def test_the_process_writes_no_page_the_build_has_reached(tmp_path, monkeypatch):
    monkeypatch.setattr(mkdocs_utils, "write_file", mkdocs_utils.write_file)  # restored after
    done: set[str] = set()
    reached = [False]
    ahead._noting_writes(done, lambda: reached[0])
    mkdocs_utils.write_file(b"made here", str(tmp_path / "a" / "index.html"))
    reached[0] = True
    mkdocs_utils.write_file(b"the build's", str(tmp_path / "b" / "index.html"))
    assert done == {str(tmp_path / "a" / "index.html")}
    assert (tmp_path / "a" / "index.html").read_bytes() == b"made here"
    assert not (tmp_path / "b").exists()


def test_templates_are_kept_compiled_by_what_compiling_them_depends_on(tmp_path):
    environment(None, compiled_templates(tmp_path, "templates-a")).get_template("deal.md.j2")
    (kept,) = (tmp_path / "templates-a").iterdir()  # compiled once, then read

    def compiled_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    again = environment(None, compiled_templates(tmp_path, "templates-a"))
    again.compile = compiled_again  # type: ignore[method-assign]
    assert again.get_template("deal.md.j2").render is not None
    assert list((tmp_path / "templates-a").iterdir()) == [kept]
    compiled_templates(tmp_path, "theme-a")
    compiled_templates(tmp_path, "templates-b")  # another version of the code: the other goes
    assert sorted(path.name for path in tmp_path.iterdir()) == ["templates-b", "theme-a"]
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    assert compiled_templates(tmp_path / "file", "templates-c") is None


@pytest.mark.parametrize(
    "path",
    [
        "deals/huabei-steel-servers-2025.md",
        "index.md",
        "reviews/2026-W48/wang-li.md",
        "a//b.md",
        "./a.md",
        "a/./b.md",
        "a/b/",
        "/a.md",
        "a/../b.md",
        "a\\b.md",
        "客户/北京.md",
        "客户 a/北京 b#1?.md",
        "README.md",
        "a/README.md",
        "a/index.md",
        "a/.md",
        "a/.hidden.md",
        "a/b.c.md",
        "a/b.markdown",
        "a/b.MD",
        "a/b.css",
        "100%.md",
    ],
)
def test_a_generated_file_is_named_as_mkdocs_names_any_file(path):
    assert kept_pages.posix_path(path) == PurePath(path).as_posix()
    for folders in (True, False):
        file = kept_pages.PackedFile(path, "docs", "site", use_directory_urls=folders)
        assert file.src_uri == PurePath(path).as_posix()
        assert file.src_path == os.path.normpath(file.src_uri)
        mkdocs = File(path, "docs", "site", use_directory_urls=folders)
        assert (file.dest_uri, file.url) == (mkdocs.dest_uri, mkdocs.url)
        assert file.abs_dest_path == mkdocs.abs_dest_path
        for asked in (True, False):  # MkDocs' own functions, asked for the other kind
            assert file._get_dest_path(asked) == mkdocs._get_dest_path(asked)
            assert file._get_url(asked) == mkdocs._get_url(asked)


def test_the_generated_files_are_made_as_mkdocs_makes_a_generated_file(tmp_path):
    """`PackedFile.all_of` looks the settings up once for all pages: each file it makes holds
    what `File.generated` sets, and reads the page's packed text as its content."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    config.plugins._current_plugin = "funnel"  # as in an event of the plugin's
    pages = [SitePage("deals/a.md", "# A\n"), SitePage("客户/北京 b.md", "# 北京\n")]
    for folders in (True, False):
        config.use_directory_urls = folders
        for file, page in zip(kept_pages.PackedFile.all_of(config, pages), pages, strict=True):
            mkdocs = File.generated(config, page.path, content=page.markdown)
            mine = {name: value for name, value in vars(file).items() if name != "packed"}
            theirs = {name: value for name, value in vars(mkdocs).items() if name != "_content"}
            assert mine == {**theirs, "plain": ""}  # its text is the packed one
            assert file.content_string == mkdocs.content_string == page.markdown
            assert (file.dest_uri, file.url) == (mkdocs.dest_uri, mkdocs.url)


@pytest.fixture
def read_whole(monkeypatch) -> list[str]:
    """The keys of the pages read whole from the store (their content and output)."""
    keys: list[str] = []
    get = PageStore.get

    def counting(store: PageStore, key: str):
        keys.append(key)
        return get(store, key)

    monkeypatch.setattr(PageStore, "get", counting)
    return keys


def heads_of(project: Path) -> dict[str, bytes]:
    return Tailed(store(project) / HEADS).read()


def write_heads(folder: Path, heads: dict[str, bytes]) -> None:
    """The file of heads holding `heads`, written whole (no tail)."""
    kept = Tailed(folder / HEADS)
    kept.remove()
    kept.write(heads)


def test_a_build_that_links_its_pages_reads_their_heads_from_one_file(repo, read_whole):
    first = build(repo, "first")  # pages made ahead too: their heads are read from their files
    kept = set(kept_files(repo))
    assert {store(repo) / key for key in heads_of(repo)} == kept
    read_whole.clear()
    second = build(repo, "second")
    assert read_whole == []  # every page linked: none read whole
    assert differing(first, second) == []
    assert {store(repo) / key for key in heads_of(repo)} == kept
    _deal(repo)
    third = build(repo, "third")
    assert differing(third, cold(repo)) == []
    assert {store(repo) / key for key in heads_of(repo)} == set(kept_files(repo))


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",
        "missing",
        "a page's file missing",
        "each head",
        "one head",
        "an old file of heads",
    ],
)
def test_damaged_heads_read_the_pages_whole_and_make_the_very_site(repo, read_whole, damage):
    first = build(repo, "first")
    heads = store(repo) / HEADS
    if damage == "garbage":
        heads.write_bytes(b"not a pickle")
    elif damage == "missing":
        heads.unlink()
    elif damage == "an old file of heads":  # one dict, as heads were kept before their tail
        heads.write_bytes(pickle.dumps(heads_of(repo)))
    elif damage == "each head":  # compressed, their entries not packed: as kept before
        earlier = {}
        for key, pickled in heads_of(repo).items():
            head = pickle.loads(pickled)
            head.search = unpacked(head.search)
            earlier[key] = zlib.compress(pickle.dumps(head), 1)
        write_heads(store(repo), earlier)
    elif damage == "one head":
        damaged = heads_of(repo)
        damaged[next(iter(damaged))] = b"garbage"
        write_heads(store(repo), damaged)
    else:
        (store(repo) / kept_files(repo)[0].name).unlink()
    read_whole.clear()
    second = build(repo, "second")
    assert differing(first, second) == []
    if damage == "one head":
        assert len(read_whole) == 1
    elif damage != "a page's file missing":
        assert len(read_whole) >= len(kept_files(repo)) - 1
    assert {store(repo) / key for key in heads_of(repo)} == set(kept_files(repo))
    if damage != "a page's file missing":
        read_whole.clear()
        assert differing(build(repo, "third"), first) == []
        assert read_whole == []  # the heads are whole again


def test_a_page_that_cannot_be_linked_is_read_whole_and_written(repo, read_whole, monkeypatch):
    first = build(repo, "first")

    def refused(*args: object) -> None:
        raise OSError(errno.EXDEV, "another file system")

    monkeypatch.setattr(kept_pages.os, "link", refused)
    read_whole.clear()
    second = build(repo, "second")
    assert differing(first, second) == []
    assert len(read_whole) >= len(kept_files(repo)) - 1  # each written from its kept output


@pytest.mark.parametrize("command", ["build", "serve"])
def test_only_a_build_freezes_what_it_holds_to_its_end(repo, command, monkeypatch):
    """A build's data, history and kept pages are frozen for the collector (it ends with
    them); `funnel serve`, which builds again and again for hours, freezes nothing."""
    monkeypatch.setenv("FUNNEL_AS_OF", AS_OF)
    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(repo.parent / "out"))
    config.plugins.on_startup(command=command, dirty=False)
    gc.unfreeze()
    try:
        mkdocs_build(config)
        assert (gc.get_freeze_count() > 0) == (command == "build")
    finally:
        gc.unfreeze()
        config.plugins.on_startup(command="build", dirty=False)  # MkDocs keeps the plugin
    assert (repo.parent / "out" / DEAL_PAGE).is_file()


def test_a_build_after_a_preview_in_one_process_refuses_bad_data_as_a_build(repo, monkeypatch):
    """MkDocs keeps a process's plugins from one load of mkdocs.yml to the next: `funnel
    build` starts them as a build, whatever started them before (a preview shows bad data's
    errors and goes on; a build stops)."""
    config = load_config(str(repo / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    deal = repo / DEAL
    deal.write_text(deal.read_text(encoding="utf-8") + "amount: twice\n", encoding="utf-8")
    result = invoke(repo, "site")
    assert result.exit_code == 1 and "amount" in result.output


def test_links_are_tried_once_where_the_store_and_the_site_are(tmp_path, monkeypatch):
    store_folder, site = tmp_path / ".git" / "funnel" / "pages", tmp_path / "out" / "site"
    assert kept_pages.links_work(store_folder, site)  # the folder above the site is tried
    assert [path.name for path in store_folder.iterdir()] == []  # the file tried is gone
    assert sorted(path.name for path in tmp_path.iterdir()) == [".git"]

    def refused(*args: object) -> None:
        raise OSError(errno.EPERM, "no second names here")

    monkeypatch.setattr(kept_pages.os, "link", refused)
    assert not kept_pages.links_work(store_folder, site)
    assert [path.name for path in store_folder.iterdir()] == []

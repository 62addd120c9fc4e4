"""The site a build replaces, made into the next build's: the very site of a build with nothing
kept, whatever the last site held, and no kept page ever written into.

`funnel build` keeps the site it replaces in `.git/funnel/site-spare`; the next build takes it
as its own folder, keeps its folders and the pages that are still the files the store keeps for
the same places, and removes everything else before it writes a page (see
`plugin.links.Recycled`).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest
from mkdocs import utils as mkdocs_utils

from generator import plugin
from generator.data import forked
from generator.plugin import ahead, links
from generator.plugin.links import ASIDE, SPARE, STAGING, Recycled
from tests.test_kept_pages import (  # noqa: F401 - fixtures, found by name
    DEAL,
    DEAL_PAGE,
    GIT,
    _deal,
    build,
    cold,
    differing,
    invoke,
    kept_files,
    made_ahead_to_the_first,
    rendered,
    repo,
)

OTHER_DEAL = "data/deals/east/contoso-printers-2025.yaml"
OTHER_PAGE = "deals/contoso-printers-2025/index.html"


def spare(project: Path) -> Path:
    return project / ".git" / "funnel" / SPARE


def folders(site: Path) -> set[str]:
    return {str(path.relative_to(site)) for path in site.rglob("*") if path.is_dir()}


def in_place(project: Path, times: int = 1) -> dict[str, bytes]:
    """Build `times` times into the same site folder; the last build's files."""
    for _ in range(times):
        files = build(project, "site")
    return files


def test_the_replaced_site_is_kept_and_its_folders_and_pages_are_the_next_site_s(repo, rendered):  # noqa: F811
    first = in_place(repo)
    folder = (repo.parent / "site" / DEAL_PAGE).parent.stat().st_ino
    assert not spare(repo).exists()  # nothing replaced yet
    in_place(repo)
    assert (spare(repo) / DEAL_PAGE).is_file()  # the first site, kept
    rendered.clear()
    third = in_place(repo)
    site = repo.parent / "site"
    assert rendered == []
    assert (site / DEAL_PAGE).parent.stat().st_ino == folder  # the first site's very folder
    kept = {path.stat().st_ino for path in kept_files(repo, ".html")}
    assert (site / DEAL_PAGE).stat().st_ino in kept  # the kept file, not a copy
    assert not (site / STAGING).exists() and (spare(repo) / DEAL_PAGE).is_file()
    assert differing(third, first) == []
    assert differing(third, cold(repo)) == [] and folders(site) == folders(repo.parent / "cold")


def test_a_changed_and_a_removed_deal_leave_nothing_of_the_last_site(repo, rendered):  # noqa: F811
    in_place(repo, 2)
    old_page = (repo.parent / "site" / DEAL_PAGE).read_bytes()
    shown = _deal(repo)
    (repo / OTHER_DEAL).unlink()
    rendered.clear()
    changed = in_place(repo)
    site = repo.parent / "site"
    assert shown in changed[DEAL_PAGE].decode("utf-8") and OTHER_PAGE not in changed
    assert not (site / OTHER_PAGE).parent.exists()  # its folder went with it
    assert "deals/huabei-steel-servers-2025.md" in rendered
    assert differing(changed, cold(repo)) == [] and folders(site) == folders(repo.parent / "cold")
    written = {path.read_bytes() for path in kept_files(repo, ".html")}
    assert old_page not in written or old_page == changed[DEAL_PAGE]  # never written into
    assert differing(in_place(repo), cold(repo)) == []  # the kept files are still the pages


def test_after_every_page_was_made_again_the_next_build_links_each_over_the_older_site(
    repo,  # noqa: F811
    rendered,  # noqa: F811
    monkeypatch,
):
    in_place(repo, 2)
    older = {path.stat().st_ino: path.read_bytes() for path in kept_files(repo, ".html")}
    theme = repo / "overrides" / "main.html"
    theme.write_text('{% extends "base.html" %}\n{#- changed -#}\n', encoding="utf-8")
    in_place(repo)  # every page made again; the spare is the site from before
    assert {(spare(repo) / DEAL_PAGE).stat().st_ino} <= older.keys()
    rendered.clear()
    moved: list[str] = []
    set_aside = Recycled.set_aside
    monkeypatch.setattr(
        Recycled, "set_aside", lambda self, name: moved.append(name) or set_aside(self, name)
    )
    site = in_place(repo)
    assert rendered == [] and len(moved) > 100
    kept = {path.stat().st_ino for path in kept_files(repo, ".html")}
    pages = [*(repo.parent / "site").glob("deals/*/index.html")]
    assert len(pages) > 50 and all(path.stat().st_ino in kept for path in pages)
    assert not kept & older.keys()
    assert removed(aside(repo / ".git" / "funnel"))  # the older pages, set aside
    assert differing(site, cold(repo)) == [] and folders(repo.parent / "site") == folders(
        repo.parent / "cold"
    )


@pytest.mark.parametrize("linked", [True, False])
def test_the_pages_not_kept_are_made_ahead_while_the_kept_ones_are_passed(
    repo,  # noqa: F811
    rendered,  # noqa: F811
    monkeypatch,
    tmp_path,
    linked,
):
    if not linked:  # another file system: the pages are kept with their output, and written
        monkeypatch.setattr(plugin.kept_pages, "links_work", lambda folder, site: False)
    in_place(repo, 2)
    site = repo.parent / "site"
    old = site / DEAL_PAGE
    witness = tmp_path / "witness.html"  # a third name of the file the old page is
    os.link(old, witness)
    before = witness.read_bytes()
    shown = _deal(repo)
    started: list[list[str]] = []

    start = ahead.Ahead.start

    def early(pages, config, files, nav, env=None, write=False, at_least=None):
        if at_least is None:  # after the pages kept are passed: none (see `rendered`)
            return start(pages, config, files, nav, env, write)
        assert at_least == plugin.EARLY_PAGES and write and env is None
        assert not any(os.path.exists(page.file.abs_dest_path) for page in pages)  # taken out
        started.append([page.file.src_uri for page in pages])
        return made_ahead_to_the_first(pages, config, files, nav, env, write)

    monkeypatch.setattr(plugin, "EARLY_PAGES", 2)  # the deal's page and its account's
    monkeypatch.setattr(ahead.Ahead, "start", staticmethod(early))
    written: list[str] = []  # by the build (the process writes its pages itself)
    write_file = mkdocs_utils.write_file

    def noted(content: bytes, path: str) -> None:
        written.append(path)
        write_file(content, path)

    monkeypatch.setattr(mkdocs_utils, "write_file", noted)
    monkeypatch.setattr(plugin.kept_pages, "write_file", noted)  # the pages passed whole
    rendered.clear()
    changed = in_place(repo)
    assert started == [["accounts/huabei-steel.md", "deals/huabei-steel-servers-2025.md"]]
    assert rendered == []  # the build made none of them: it took what the process kept
    assert not any(path.endswith(DEAL_PAGE) for path in written)
    assert shown in changed[DEAL_PAGE].decode("utf-8")
    assert witness.read_bytes() == before  # never written into
    assert differing(changed, cold(repo)) == [] and folders(site) == folders(repo.parent / "cold")
    monkeypatch.undo()
    for key, value in GIT.items():
        monkeypatch.setenv(key, value)
    assert differing(in_place(repo), cold(repo)) == []  # a second build passes them all


def test_fewer_pages_not_kept_than_worth_a_process_are_made_by_the_build(
    repo,  # noqa: F811
    rendered,  # noqa: F811
    monkeypatch,
):
    in_place(repo, 2)
    early: list[int] = []
    start = ahead.Ahead.start

    def noted(pages, *args, at_least=None, **kwargs):
        if at_least is not None:
            early.append(len(pages))
        return start(pages, *args, at_least=at_least, **kwargs)

    monkeypatch.setattr(plugin, "EARLY_PAGES", 3)  # two pages change
    monkeypatch.setattr(ahead.Ahead, "start", staticmethod(noted))
    _deal(repo)
    rendered.clear()
    changed = in_place(repo)
    assert early == []
    assert sorted(rendered) == ["accounts/huabei-steel.md", "deals/huabei-steel-servers-2025.md"]
    assert differing(changed, cold(repo)) == []


def test_whatever_else_the_last_site_held_is_gone(repo, rendered):  # noqa: F811
    in_place(repo, 2)
    held = spare(repo)
    (held / "notes.txt").write_text("left by hand", encoding="utf-8")
    (held / "empty" / "inside").mkdir(parents=True)
    (held / DEAL_PAGE).unlink()
    (held / DEAL_PAGE).write_text("not the kept page", encoding="utf-8")  # another file there
    (held / OTHER_PAGE).unlink()
    (held / OTHER_PAGE).mkdir()  # a folder where a page goes
    (held / "search" / "search_index.json").write_text("{}", encoding="utf-8")
    site = in_place(repo)
    assert "notes.txt" not in site and not (repo.parent / "site" / "empty").exists()
    assert differing(site, cold(repo)) == []
    assert folders(repo.parent / "site") == folders(repo.parent / "cold")


def test_a_failed_build_leaves_the_site_and_the_next_build_makes_the_very_site(repo, rendered):  # noqa: F811
    before = in_place(repo, 2)
    good = (repo / DEAL).read_text(encoding="utf-8")
    (repo / DEAL).write_text(good.replace("amount: 955200.00", "amount: lots"), encoding="utf-8")
    result = invoke(repo, "site")
    assert result.exit_code == 1 and "amount" in result.output
    assert differing(_files(repo.parent / "site"), before) == []
    assert not any(path.name.startswith(".site-") for path in repo.parent.iterdir())
    assert not spare(repo).exists()  # taken by the failed build, and gone with it
    (repo / DEAL).write_text(good, encoding="utf-8")
    assert differing(in_place(repo), cold(repo)) == []


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_site_on_another_file_system_is_removed_not_kept(repo, rendered, monkeypatch):  # noqa: F811
    in_place(repo)
    rename = os.rename

    def across(source, target) -> None:
        if str(target).endswith(SPARE):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        rename(source, target)

    monkeypatch.setattr(os, "rename", across)
    assert differing(in_place(repo), cold(repo)) == []
    assert not spare(repo).exists()


def spare_site(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A spare site of two pages (one a second name of a kept file) and a new site's folder."""
    kept = tmp_path / "kept.html"
    kept.write_text("kept page", encoding="utf-8")
    held = tmp_path / "spare"
    (held / "a").mkdir(parents=True)
    (held / "b" / "c").mkdir(parents=True)
    os.link(kept, held / "a" / "index.html")
    (held / "b" / "c" / "index.html").write_text("another page", encoding="utf-8")
    site = tmp_path / "new"
    site.mkdir()
    return kept, held, site


def taken(tmp_path: Path) -> tuple[Path, Path, Path, Recycled]:
    """The spare site (see `spare_site`) taken into the new site's folder."""
    kept, held, site = spare_site(tmp_path)
    recycled = Recycled.start(held, str(site))
    assert recycled is not None
    recycled.take([])
    return kept, held, site, recycled


def test_the_spare_s_pages_stay_only_as_the_very_kept_files(tmp_path):
    kept, held, site = spare_site(tmp_path)
    recycled = Recycled.start(held, str(site))
    assert recycled is not None and not held.exists()
    assert [path.name for path in site.iterdir()] == [STAGING]  # hidden until taken
    recycled.take([])
    assert sorted(path.name for path in site.iterdir()) == ["a", "b"]
    status = kept.stat()
    assert recycled.confirm(status, str(site / "a" / "index.html"))
    assert not recycled.confirm(status, str(site / "b" / "c" / "index.html"))
    assert not (site / "b" / "c" / "index.html").exists()  # another file: gone at once
    assert not recycled.confirm(status, str(site / "a" / "index.html"))  # asked once only
    recycled.drop_rest()
    recycled.tidy()
    assert [str(path.relative_to(site)) for path in sorted(site.rglob("*"))] == [
        "a",
        "a/index.html",
    ]
    assert kept.read_text(encoding="utf-8") == "kept page"


def aside(beside: Path) -> list[Path]:
    return sorted(beside.glob(f"{ASIDE}*"))


def removed(folders: list[Path], seconds: float = 20) -> bool:
    """Whether the folders are gone within `seconds` (a process of their own removes them)."""
    deadline = time.monotonic() + seconds
    while any(folder.exists() for folder in folders):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_file_removed_is_moved_out_of_the_site_unchanged_and_removed_later(tmp_path):
    kept, held, site = spare_site(tmp_path)
    other = (held / "b" / "c" / "index.html").stat().st_ino
    left = tmp_path / f"{ASIDE}cut-short"  # an earlier build's, whose removal was cut short
    left.mkdir()
    recycled = Recycled.start(held, str(site))
    assert recycled is not None
    recycled.take([])
    page = site / "b" / "c" / "index.html"
    assert not recycled.confirm(kept.stat(), str(page))
    assert not page.exists()
    (moved,) = [path for path in aside(tmp_path) if path != left]
    assert [path.stat().st_ino for path in moved.iterdir()] == [other]
    assert [path.read_text() for path in moved.iterdir()] == ["another page"]
    recycled.drop_rest()
    assert not (site / "a" / "index.html").exists() and len(list(moved.iterdir())) == 2
    assert kept.read_text(encoding="utf-8") == "kept page"  # never written into
    recycled.tidy()
    assert removed([moved, left]) and kept.read_text(encoding="utf-8") == "kept page"


def test_a_build_that_stops_has_what_it_set_aside_removed(tmp_path):
    kept, _, _, recycled = taken(tmp_path)
    recycled.drop_rest()
    (moved,) = aside(tmp_path)
    recycled.stop()
    assert removed([moved]) and kept.read_text(encoding="utf-8") == "kept page"


def test_where_no_folder_can_be_made_beside_the_files_are_removed_here(tmp_path, monkeypatch):
    kept, _, site, recycled = taken(tmp_path)

    def refused(**_) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(forked.tempfile, "mkdtemp", refused)
    recycled.drop_rest()
    assert (
        not (site / "a" / "index.html").exists() and not (site / "b" / "c" / "index.html").exists()
    )
    assert aside(tmp_path) == [] and kept.read_text(encoding="utf-8") == "kept page"
    recycled.tidy()


def test_a_page_not_confirmed_is_removed_and_its_folder_kept_for_the_build(tmp_path):
    kept, _, site, recycled = taken(tmp_path)
    recycled.drop_rest()
    assert not (site / "a" / "index.html").exists() and kept.read_text() == "kept page"
    (site / "b" / "c" / "index.html").write_text("written by the build", encoding="utf-8")
    recycled.tidy()
    assert sorted(str(path.relative_to(site)) for path in site.rglob("*")) == [
        "b",
        "b/c",
        "b/c/index.html",
    ]


def test_no_spare_is_taken_into_a_folder_that_holds_anything(tmp_path):
    _, held, site = spare_site(tmp_path)
    assert Recycled.start(None, str(site)) is None
    assert Recycled.start(tmp_path / "none", str(site)) is None
    (site / "index.html").write_text("a site already", encoding="utf-8")
    assert Recycled.start(held, str(site)) is None and held.is_dir()
    assert Recycled.start(held, str(tmp_path / "no-such-folder")) is None and held.is_dir()


def test_a_spare_that_meets_a_file_of_the_same_name_is_dropped_whole(tmp_path):
    kept, held, site = spare_site(tmp_path)
    recycled = Recycled.start(held, str(site))
    assert recycled is not None
    (site / "a").mkdir()  # something made the same folder meanwhile
    recycled.take([])
    assert [path.name for path in site.iterdir()] == ["a"] and list((site / "a").iterdir()) == []
    assert not recycled.confirm(kept.stat(), str(site / "a" / "index.html"))
    assert kept.read_text(encoding="utf-8") == "kept page"


def test_a_build_stopped_while_the_spare_is_listed_ends_the_listing(tmp_path, monkeypatch):
    _, held, site = spare_site(tmp_path)
    recycled = Recycled.start(held, str(site))
    assert recycled is not None and recycled.listing is not None
    pid = recycled.listing.pid
    recycled.stop()
    assert recycled.listing is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped


def test_where_no_process_can_be_forked_the_spare_is_listed_here(tmp_path, monkeypatch):
    kept, held, site = spare_site(tmp_path)

    def refused() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(links.os, "fork", refused)
    recycled = Recycled.start(held, str(site))
    assert recycled is not None
    recycled.take([])
    assert recycled.confirm(kept.stat(), str(site / "a" / "index.html"))


@pytest.mark.parametrize("unused", [3, 150])
def test_kept_files_no_longer_used_are_removed_many_of_them_by_a_process(tmp_path, unused):
    from generator.plugin.kept_pages import PAGES_ASIDE, PageStore

    folder = tmp_path / "funnel" / "pages-v1"
    folder.mkdir(parents=True)
    pages = PageStore(folder)
    for number in range(unused):
        (folder / f"old{number}").write_bytes(b"page")
        (folder / f"old{number}.shell.html").write_bytes(b"<html>")
    (folder / "used").write_bytes(b"page")
    (folder / "used.shell.html").write_bytes(b"<html>")
    (folder / "used.other.html").write_bytes(b"<html> around another shell")
    left = tmp_path / "funnel" / f"{PAGES_ASIDE}cut-short"
    left.mkdir()
    pages.used = {"used"}
    pages.prune("shell")
    assert sorted(path.name for path in folder.iterdir() if not path.name.startswith("heads")) == [
        "used",
        "used.shell.html",
    ]
    aside = [path for path in (tmp_path / "funnel").glob(f"{PAGES_ASIDE}*") if path != left]
    if unused < 100:  # removed at once
        assert aside == [] and left.is_dir()
    else:
        assert len(aside) <= 1 and removed([*aside, left])

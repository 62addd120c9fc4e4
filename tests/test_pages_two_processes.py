"""With two cores, a forked process makes the team's, accounts' and deals' pages while the
build makes the others: the very same pages, in the same order, and the same memo (a later
build renders nothing again); a process that fails or cannot be forked leaves its pages to the
build."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_example

from generator.cli.main import main
from generator.data import forked
from generator.data.validate import check
from generator.history.mining import read_history
from generator.site import pages as pages_module
from generator.site.memo import PageMemo
from generator.site.pages import build_pages

AS_OF = date(2026, 11, 26)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """`funnel example`: a team's repository with a year of history."""
    return write_example(tmp_path_factory.mktemp("apart") / "example", AS_OF.isoformat())


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The processes forked (their ids), with any number of records worth a fork."""
    monkeypatch.setattr(pages_module, "APART_FROM", 0)
    forked_ids: list[int] = []
    fork = forked.fork

    def counted(work):
        forked_ids.append(fork(work))
        return forked_ids[-1]

    monkeypatch.setattr(forked, "fork", counted)
    return forked_ids


def replace_family(monkeypatch, family, by) -> None:
    """`family` is made by `by`, in its place and its process."""
    families = [(by if made is family else made, apart) for made, apart in pages_module.FAMILIES]
    assert families != list(pages_module.FAMILIES)
    monkeypatch.setattr(pages_module, "FAMILIES", tuple(families))


def made(root: Path, memo: PageMemo | None, cores: int) -> list[tuple[str, bytes, str]]:
    result = check(root / "data", AS_OF, display="data")
    pages = build_pages(
        result.dataset.valid(), AS_OF, history=read_history(root / "data"), memo=memo, cores=cores
    )
    return [(page.path, page.packed, page.title) for page in pages]


def test_two_processes_make_the_pages_and_the_memo_one_makes(example, forks):
    one, two = PageMemo(), PageMemo()
    alone = made(example, one, cores=1)
    assert not forks
    assert made(example, two, cores=2) == alone
    assert len(forks) == 1
    paths = [path for path, _, _ in alone]
    assert any(path.startswith("deals/") for path in paths)
    assert any(path.startswith("reps/") for path in paths)
    assert two.used == one.used  # the pinyin read by either among them
    assert (two.hits, two.rendered) == (one.hits, one.rendered) == (0, one.rendered)
    two.start()
    assert made(example, two, cores=2) == alone
    assert two.rendered == 0 and two.hits == one.rendered  # every page from the memo


def test_the_second_process_makes_its_families(example, monkeypatch, forks):
    alone = made(example, PageMemo(), cores=1)
    first = os.getpid()
    made_there = {family for family, apart in pages_module.FAMILIES if apart}
    assert {pages_module.build_record_pages, pages_module.build_team_pages} <= made_there
    for family in made_there:

        def only_there(context, family=family):
            assert os.getpid() != first, f"{family.__name__} made here"
            return family(context)

        replace_family(monkeypatch, family, only_there)
    assert made(example, PageMemo(), cores=2) == alone


def test_without_a_memo_two_processes_make_the_same_pages(example, forks):
    assert made(example, None, cores=2) == made(example, None, cores=1)
    assert len(forks) == 1


def test_few_records_or_one_core_make_the_pages_here(example, monkeypatch, forks):
    made(example, None, cores=1)
    assert not forks
    monkeypatch.setattr(pages_module, "APART_FROM", 10**6)
    made(example, None, cores=2)
    assert not forks


def test_a_process_that_fails_leaves_its_pages_here(example, monkeypatch, forks):
    alone = made(example, PageMemo(), cores=1)
    first = os.getpid()
    records = pages_module.build_record_pages

    made_here = []

    def fails_there(context):
        if os.getpid() != first:
            raise MemoryError("out of memory")
        made_here.append(context)
        return records(context)

    replace_family(monkeypatch, records, fails_there)
    memo = PageMemo()
    assert made(example, memo, cores=2) == alone
    assert len(forks) == 1
    assert len(made_here) == 1  # failed there, then made here
    memo.start()
    assert made(example, memo, cores=2) == alone
    assert memo.rendered == 0  # what was made here is in the memo too


def test_no_process_to_fork_makes_the_pages_here(example, monkeypatch):
    monkeypatch.setattr(pages_module, "APART_FROM", 0)

    def refused(work):
        raise OSError("no more processes")

    monkeypatch.setattr(forked, "fork", refused)
    assert made(example, None, cores=2) == made(example, None, cores=1)


def test_a_page_that_cannot_be_made_fails_the_build_and_leaves_no_process(
    example, monkeypatch, forks
):
    def broken(context):
        raise ValueError("a template's error")

    replace_family(monkeypatch, pages_module.build_record_pages, broken)
    with pytest.raises(ValueError, match="a template's error"):
        made(example, None, cores=2)
    assert len(forks) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)  # reaped


def test_a_build_on_two_cores_writes_the_site_one_core_writes(example, monkeypatch, forks):
    """`funnel build` has a second core make pages (the example's team is small: any number
    of records is worth a fork here); the site is the very one a single core builds."""
    from test_build import snapshot

    from generator import plugin
    from generator.plugin import ahead

    def site(cores: int) -> dict[str, bytes]:
        monkeypatch.setattr(ahead, "spare_cores", lambda: cores)
        monkeypatch.setattr(plugin, "spare_cores", lambda: cores)
        shutil.rmtree(example / "site", ignore_errors=True)
        shutil.rmtree(example / ".git" / "funnel", ignore_errors=True)
        options = ["--config", str(example / "mkdocs.yml"), "--data", str(example / "data")]
        options += ["--site-dir", str(example / "site"), "--as-of", AS_OF.isoformat()]
        result = CliRunner().invoke(main, ["build", *options])
        assert result.exit_code == 0, result.output
        return snapshot(example / "site")

    alone = site(1)
    assert not forks
    assert site(2) == alone
    assert forks  # the pages' Markdown made apart (and the pages made ahead)

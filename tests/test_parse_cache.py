"""The parse cache: files read before without problems are not parsed again, and the cache can
never give a record that the file as it is would not give."""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import copy_valid, deal_yaml

from generator.data import cache_files, collecting, files, parse_cache
from generator.data import load as load_module
from generator.data.collecting import WHILE_READING, fewer_collections, give_back
from generator.data.files import FileEntry
from generator.data.parse_cache import KEEP_UNUSED, ParseCache, blob_id, code_digest
from generator.data.unchanged import check_problems
from generator.data.validate import check, check_for_build
from generator.history.cache import parse_cache_of

AS_OF = date(2026, 11, 26)


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """The paths of the files parsed and validated (not taken from the cache)."""
    parsed: list[str] = []
    real = load_module._validate_file

    def counting(text, path, model, problems, extra=None):
        parsed.append(path)
        return real(text, path, model, problems, extra)

    monkeypatch.setattr(load_module, "_validate_file", counting)
    return parsed


def run(data: Path, folder: Path):
    return check(data, AS_OF, "data", cache=ParseCache(folder))


def same(one, other) -> None:
    """Two checks found the same problems and the same records."""
    assert one.problems == other.problems
    for name in ("funnel", "team", "targets", "accounts", "deals", "handovers", "invalid"):
        assert getattr(one.dataset, name) == getattr(other.dataset, name), name
    assert one.dataset.texts == other.dataset.texts


def test_a_second_check_parses_nothing_and_finds_the_same(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    plain = check(data, AS_OF, "data")
    counted.clear()
    first = run(data, tmp_path / "cache")
    files = len(counted)
    assert files >= 7
    counted.clear()
    second = run(data, tmp_path / "cache")
    assert counted == []
    same(first, plain)
    same(second, plain)


def test_an_edited_file_is_read_again_and_only_it(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "cache")
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: call again\n", "utf-8")
    counted.clear()
    result = run(data, tmp_path / "cache")
    assert [path.rsplit("/", 1)[-1] for path in counted] == [deal.name]
    record = result.dataset.deals[deal.stem]
    assert record.next_step == "call again"
    same(result, check(data, AS_OF, "data"))


def test_the_same_content_under_another_name_is_its_own_record(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "cache")
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    copy = deal.with_name("copied-deal.yaml")
    shutil.copy(deal, copy)
    counted.clear()
    result = run(data, tmp_path / "cache")
    assert [path.rsplit("/", 1)[-1] for path in counted] == ["copied-deal.yaml"]
    assert result.dataset.deals["copied-deal"].id == "copied-deal"
    assert result.dataset.deals["copied-deal"].path.endswith("copied-deal.yaml")


def test_a_file_with_errors_is_never_kept_and_reports_the_same_each_time(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    deal.write_text(deal.read_text(encoding="utf-8").replace("amount:", "amount: x\nold:"), "utf-8")
    first = run(data, tmp_path / "cache")
    counted.clear()
    second = run(data, tmp_path / "cache")
    assert [path.rsplit("/", 1)[-1] for path in counted] == [deal.name]
    assert not first.ok and first.problems == second.problems
    same(second, check(data, AS_OF, "data"))


def test_another_display_of_the_folder_is_read_again(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "cache")
    counted.clear()
    other = check(data, AS_OF, "elsewhere", cache=ParseCache(tmp_path / "cache"))
    assert counted  # paths in messages and records differ: nothing is shared
    assert all(deal.path.startswith("elsewhere/") for deal in other.dataset.deals.values())


def test_a_change_of_the_code_starts_a_new_cache(tmp_path, counted, monkeypatch):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "cache")
    old = list((tmp_path / "cache").glob("parsed-*.pickle"))
    assert [file.name for file in old] == [f"parsed-{code_digest()}.pickle"]
    monkeypatch.setattr(parse_cache, "code_digest", lambda: "0123456789abcdef")
    counted.clear()
    run(data, tmp_path / "cache")
    assert counted  # nothing read from the old code's cache
    names = [file.name for file in (tmp_path / "cache").glob("parsed-*.pickle")]
    assert names == ["parsed-0123456789abcdef.pickle"]  # the old one is gone


def test_the_digest_covers_the_readers_source(tmp_path, monkeypatch):
    before = code_digest()
    package = tmp_path / "data"
    package.mkdir()
    for source in Path(parse_cache.__file__).parent.glob("*.py"):
        shutil.copy(source, package / source.name)
    monkeypatch.setattr(parse_cache, "__file__", str(package / "parse_cache.py"))
    assert code_digest() == before
    model = package / "model.py"
    model.write_text(model.read_text(encoding="utf-8") + "\n# a change\n", "utf-8")
    assert code_digest() != before


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(["a", "list"])])
def test_a_damaged_cache_is_ignored(tmp_path, counted, content):
    data = copy_valid(tmp_path / "data")
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / f"parsed-{code_digest()}.pickle").write_bytes(content)
    counted.clear()
    result = run(data, folder)
    assert counted and result.ok
    counted.clear()
    run(data, folder)
    assert counted == []  # written anew


def test_a_cache_that_cannot_be_written_reads_everything(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    first = run(data, blocked / "cache")
    counted.clear()
    second = run(data, blocked / "cache")
    assert counted and first.problems == second.problems


def test_unused_entries_are_kept_within_a_bound(tmp_path):
    cache = ParseCache(tmp_path)
    for number in range(KEEP_UNUSED + 10):
        cache.put(("Deal", f"data/deals/d{number}.yaml", blob_id(str(number).encode())), "record")
    cache.save()
    later = ParseCache(tmp_path)
    assert len(later.entries) == KEEP_UNUSED + 10  # all used by that load
    later.get(("Deal", "data/deals/d0.yaml", blob_id(b"0")))
    later.put(("Deal", "data/deals/new.yaml", blob_id(b"new")), "record")
    later.save()
    kept = ParseCache(tmp_path).entries
    assert len(kept) == KEEP_UNUSED + 2
    assert ("Deal", "data/deals/d0.yaml", blob_id(b"0")) in kept
    assert ("Deal", f"data/deals/d{KEEP_UNUSED + 9}.yaml", blob_id(b"5009")) in kept
    assert ("Deal", "data/deals/d1.yaml", blob_id(b"1")) not in kept  # oldest unused go first


def test_blob_ids_are_gits():
    assert blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_the_cache_lives_in_the_git_folder_never_in_the_working_tree(history_repo):
    cache = parse_cache_of(history_repo.data)
    assert cache is not None
    assert cache.folder == history_repo.root / ".git" / "funnel"
    check(history_repo.data, AS_OF, "data", cache=cache)
    assert list((history_repo.root / ".git" / "funnel").glob("parsed-*.pickle"))
    status = history_repo.git("status", "--porcelain", "--ignored")
    assert status == ""


def test_no_cache_outside_git(tmp_path):
    assert parse_cache_of(copy_valid(tmp_path / "data")) is None


def test_a_load_that_adds_nothing_leaves_the_file_alone(tmp_path):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "cache")
    file = next((tmp_path / "cache").glob("parsed-*.pickle"))
    before = file.stat()
    file.chmod(0o444)  # a rewrite would replace it with a new file (a new inode)
    run(data, tmp_path / "cache")
    after = file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def first_deal(data: Path) -> Path:
    return sorted((data / "deals").rglob("*.yaml"))[0]


def test_a_load_that_adds_a_record_writes_the_tail_not_the_base(tmp_path, counted, monkeypatch):
    monkeypatch.setattr(cache_files, "SHARE", 1)  # a tail as long as this small base
    data = copy_valid(tmp_path / "data")
    folder = tmp_path / "cache"
    run(data, folder)
    base = folder / f"parsed-{code_digest()}.pickle"
    tail = folder / f"parsed-{code_digest()}.pickle.tail"
    before = base.stat()
    assert not tail.exists()  # a first load writes the base whole
    deal = first_deal(data)
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: Call back\n", "utf-8")
    counted.clear()
    edited = run(data, folder)
    assert counted == [f"data/deals/{deal.relative_to(data / 'deals').as_posix()}"]
    after = base.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert tail.is_file()
    counted.clear()
    again = run(data, folder)  # base and tail read together: nothing parsed
    assert counted == []
    same(again, edited)


def test_a_tail_counts_only_with_its_own_base(tmp_path, counted, monkeypatch):
    monkeypatch.setattr(cache_files, "SHARE", 1)
    data = copy_valid(tmp_path / "data")
    folder = tmp_path / "cache"
    run(data, folder)
    deal = first_deal(data)
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: Call back\n", "utf-8")
    run(data, folder)
    tail = folder / f"parsed-{code_digest()}.pickle.tail"
    old_tail = tail.read_bytes()
    (folder / f"parsed-{code_digest()}.pickle").unlink()
    tail.unlink()
    run(data, folder)  # another base, written whole
    assert not tail.exists()
    tail.write_bytes(old_tail)  # the tail of the base before
    assert ParseCache(folder).entries == ParseCache(folder).kept.base
    counted.clear()
    run(data, folder)
    assert counted == []  # the base alone holds every record


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(["a", "list"])])
def test_a_damaged_tail_is_ignored(tmp_path, counted, content):
    data = copy_valid(tmp_path / "data")
    folder = tmp_path / "cache"
    run(data, folder)
    deal = first_deal(data)
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: Call back\n", "utf-8")
    (folder / f"parsed-{code_digest()}.pickle.tail").write_bytes(content)
    counted.clear()
    assert run(data, folder).ok
    assert len(counted) == 1  # the changed deal only: the base is read
    counted.clear()
    run(data, folder)
    assert counted == []  # its record written into a tail anew


def test_a_tail_past_its_share_of_the_base_makes_a_new_base(tmp_path, counted, monkeypatch):
    data = copy_valid(tmp_path / "data")
    folder = tmp_path / "cache"
    run(data, folder)
    base = folder / f"parsed-{code_digest()}.pickle"
    tail = folder / f"parsed-{code_digest()}.pickle.tail"
    before = base.stat().st_ino
    monkeypatch.setattr(cache_files, "SHARE", 10**9)  # any tail is too long
    deal = first_deal(data)
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: Call back\n", "utf-8")
    run(data, folder)
    assert base.stat().st_ino != before and not tail.exists()
    counted.clear()
    run(data, folder)
    assert counted == []


def test_the_folder_is_made_with_its_parents(tmp_path):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "a" / "b" / "cache")
    assert list((tmp_path / "a" / "b" / "cache").glob("parsed-*.pickle"))


# -- funnel check on unchanged files: the problems of the same files, names and day ------------


def test_a_second_check_of_the_same_files_reads_no_record(tmp_path, counted, monkeypatch):
    data = copy_valid(tmp_path / "data")
    (data / "deals" / "broken.yaml").write_text("account: nobody\namount: x\n", "utf-8")
    plain = check(data, AS_OF, "data")
    first = check_problems(data, AS_OF, "data", cache=ParseCache(tmp_path / "cache"))
    assert first.problems == plain.problems and first.summary() == plain.summary()
    counted.clear()
    unpickled = []
    real = parse_cache.ParseCache.get
    monkeypatch.setattr(
        parse_cache.ParseCache, "get", lambda s, k: unpickled.append(k) or real(s, k)
    )
    second = check_problems(data, AS_OF, "data", cache=ParseCache(tmp_path / "cache"))
    assert counted == [] and unpickled == []
    assert second.problems == plain.problems
    assert second.summary() == plain.summary() and second.files == plain.files


@pytest.mark.parametrize("change", ["edit", "add", "remove", "rename", "day", "display", "link"])
def test_any_change_of_the_files_the_day_or_the_names_checks_again(tmp_path, change):
    data = copy_valid(tmp_path / "data")
    cache_folder = tmp_path / "cache"
    day, shown = AS_OF, "data"
    check_problems(data, day, shown, cache=ParseCache(cache_folder))
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    if change == "edit":
        deal.write_text(deal.read_text(encoding="utf-8").replace("amount:", "amount: x\nold:"))
    elif change == "add":
        shutil.copy(deal, deal.with_name("copy-of-it.yaml"))
    elif change == "remove":
        deal.unlink()
    elif change == "rename":
        deal.rename(deal.with_name("Not An Id.yaml"))
    elif change == "day":
        day = date(2027, 6, 1)  # close dates have passed by then: new warnings
    elif change == "display":
        shown = "elsewhere"
    else:
        (data / "deals" / "link.yaml").symlink_to(deal)
    again = check_problems(data, day, shown, cache=ParseCache(cache_folder))
    fresh = check(data, day, shown)
    assert again.problems == fresh.problems
    assert again.summary() == fresh.summary()


def test_the_command_takes_the_kept_problems_and_says_the_same(history_repo, monkeypatch):
    from click.testing import CliRunner

    from generator.cli.main import main

    history_repo.write("deals/d1.yaml", "account: acme\namount: 5\n")
    history_repo.commit("a broken deal", date="2026-02-01")
    runner = CliRunner()
    args = ["check", "--data", str(history_repo.data), "--as-of", "2026-02-02"]
    first = runner.invoke(main, args)
    assert list((history_repo.root / ".git" / "funnel").glob("parsed-*.pickle"))
    second = runner.invoke(main, args)
    assert (first.exit_code, first.stdout, first.stderr) == (1, second.stdout, second.stderr)
    assert second.exit_code == 1 and "d1.yaml" in second.stdout
    for output in ("json", "github"):
        one = runner.invoke(main, [*args, "--format", output])
        two = runner.invoke(main, [*args, "--format", output])
        assert one.stdout == two.stdout and one.exit_code == two.exit_code == 1


def test_a_new_file_with_a_conflict_marker_is_reported_with_the_cache_too(tmp_path):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "cache")
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    marked = deal.with_name("merged-badly.yaml")
    marked.write_text(deal.read_text(encoding="utf-8") + "<<<<<<< HEAD\n", "utf-8")
    cached = run(data, tmp_path / "cache")
    assert cached.problems == check(data, AS_OF, "data").problems
    assert any("merge-conflict marker" in problem.message for problem in cached.problems)


def test_records_taken_from_the_cache_stay_in_it_when_it_is_written_again(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    run(data, tmp_path / "cache")
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: call again\n", "utf-8")
    run(data, tmp_path / "cache")  # takes the others from the cache, adds the edited one
    counted.clear()
    run(data, tmp_path / "cache")
    assert counted == []


def warned(data: Path) -> Path:
    """A deal of `data` given a log entry dated after the as-of day (a warning), its file."""
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    text = deal.read_text(encoding="utf-8")
    if "\nlog:\n" not in text:
        text += "log:\n"
    entry = '  - date: 2027-01-05\n    note: "planned call"\n'
    deal.write_text(text.replace("\nlog:\n", "\nlog:\n" + entry, 1), "utf-8")
    return deal


def test_a_warning_found_again_is_placed_without_reading_the_file_again(tmp_path, monkeypatch):
    data = copy_valid(tmp_path / "data")
    deal = warned(data)
    plain = check(data, AS_OF, "data")
    first = run(data, tmp_path / "cache")
    ahead = [p for p in first.problems if "after 2026-11-26" in p.message]
    assert [p.path.rsplit("/", 1)[-1] for p in ahead] == [deal.name]
    assert (ahead[0].line, ahead[0].column) > (1, 1)
    located = []
    real = load_module.locate
    monkeypatch.setattr(load_module, "locate", lambda text: located.append(text) or real(text))
    second = run(data, tmp_path / "cache")
    assert located == [] and second.problems == first.problems == plain.problems


def test_an_edit_that_moves_a_warned_value_places_it_anew(tmp_path):
    data = copy_valid(tmp_path / "data")
    deal = warned(data)
    first = [p for p in run(data, tmp_path / "cache").problems if p.severity == "warning"]
    deal.write_text("# a comment line on top\n" + deal.read_text(encoding="utf-8"), "utf-8")
    second = run(data, tmp_path / "cache")
    plain = check(data, AS_OF, "data")
    assert second.problems == plain.problems
    moved = [p for p in second.problems if p.path.endswith(deal.name)]
    assert moved and all(p.severity == "warning" for p in moved)
    assert [p.line for p in moved] == [p.line + 1 for p in first if p.path.endswith(deal.name)]


def test_one_cache_gives_the_very_same_record_for_unchanged_content(tmp_path):
    data = copy_valid(tmp_path / "data")
    cache = ParseCache(tmp_path / "cache")
    first = check(data, AS_OF, "data", cache=cache).dataset
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: call again\n", "utf-8")
    second = check(data, AS_OF, "data", cache=cache).dataset
    assert second.deals[deal.stem] is not first.deals[deal.stem]
    assert second.deals[deal.stem].next_step == "call again"
    others = [deal_id for deal_id in first.deals if deal_id != deal.stem]
    assert others and all(second.deals[i] is first.deals[i] for i in others)
    assert second.team is first.team and second.funnel is first.funnel


def test_files_settled_before_a_check_are_not_read_by_the_next(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    cache = ParseCache(tmp_path / "cache")
    later = time.time_ns() + 10_000_000_000  # every file changed well before this
    cache.settle(later)
    first = check(data, AS_OF, "data", cache=cache)
    opened.clear()
    second = check(data, AS_OF, "data", cache=cache)
    assert [name for name in opened if str(name).endswith(".yaml")] == []
    same(second, first)


def test_a_file_rewritten_with_the_same_size_and_time_is_read_again(tmp_path):
    data = copy_valid(tmp_path / "data")
    cache = ParseCache(tmp_path / "cache")
    cache.settle(time.time_ns() + 10_000_000_000)
    check(data, AS_OF, "data", cache=cache)
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    text = deal.read_text(encoding="utf-8")
    start = text.index("title: ") + len("title: ")
    rewritten = text[:start] + "X" + text[start + 1 :]  # one letter: the same size
    stat = deal.stat()
    deal.write_text(rewritten, encoding="utf-8")
    os.utime(deal, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same mtime
    assert (deal.stat().st_size, deal.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    result = check(data, AS_OF, "data", cache=cache)
    assert result.dataset.deals[deal.stem].title.startswith("X")  # its change time told
    same(result, check(data, AS_OF, "data"))


def test_a_file_changed_within_the_last_second_is_read_again(tmp_path, counted):
    data = copy_valid(tmp_path / "data")
    cache = ParseCache(tmp_path / "cache")
    cache.settle(time.time_ns())  # every file was written just now
    check(data, AS_OF, "data", cache=cache)
    assert cache.texts == {}
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: call again\n", "utf-8")
    result = check(data, AS_OF, "data", cache=cache)
    assert result.dataset.deals[deal.stem].next_step == "call again"


def test_a_file_is_known_unread_only_when_it_changed_before_the_settled_moment(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    cache.settle(5_000_000_000)  # files changed before 4 s after the epoch are settled
    settled = cache.settled
    cache.note_text("/data/a.yaml", 10, (settled - 1, 7, 1), "a: 1\n", "blob-a")
    cache.note_text("/data/b.yaml", 10, (settled, 7, 2), "b: 1\n", "blob-b")
    assert cache.known_text("/data/a.yaml", 10, (settled - 1, 7, 1)) == ("a: 1\n", "blob-a")
    assert cache.known_text("/data/b.yaml", 10, (settled, 7, 2)) is None  # not before it
    assert cache.known_text("/data/a.yaml", 11, (settled - 1, 7, 1)) is None  # another size
    assert cache.known_text("/data/a.yaml", 10, (settled - 1, 8, 1)) is None  # another mtime
    assert cache.known_text("/data/a.yaml", 10, (settled - 1, 7, 3)) is None  # another inode
    cache.note_text("/data/a.yaml", 10, (settled + 1, 9, 1), "a: 2\n", "blob-a2")
    assert "/data/a.yaml" not in cache.texts  # changed again just now: forgotten


def test_files_read_from_commits_are_never_known_by_their_times(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    cache.settle(time.time_ns())
    first = FileEntry("funnel.yaml", "commit one: funnel.yaml", 12, content=b"currency: A\n")
    second = FileEntry("funnel.yaml", "commit one: funnel.yaml", 12, content=b"currency: B\n")
    assert first.changed == (0, 0, 0)
    for entry in (first, second):
        load_module.load(tmp_path, "data", cache=cache, entries=[entry])
    assert cache.texts == {}


def test_records_read_back_from_the_cache_file_are_the_same_objects_when_asked_again(tmp_path):
    data = copy_valid(tmp_path / "data")
    check(data, AS_OF, "data", cache=ParseCache(tmp_path / "cache"))  # writes the file
    cache = ParseCache(tmp_path / "cache")
    first = check(data, AS_OF, "data", cache=cache).dataset
    second = check(data, AS_OF, "data", cache=cache).dataset
    assert first.deals and all(second.deals[i] is first.deals[i] for i in first.deals)


def test_the_digest_covers_pydantics_version_and_pythons(tmp_path, monkeypatch):
    before = code_digest()
    fake = tmp_path / "pydantic"
    fake.mkdir()
    (fake / "__init__.py").write_text("", "utf-8")
    (fake / "version.py").write_text("VERSION = '0.0.1'\n", "utf-8")
    spec = SimpleNamespace(origin=str(fake / "__init__.py"))
    asked = []
    monkeypatch.setattr(parse_cache, "find_spec", lambda name: asked.append(name) or spec)
    other = code_digest()
    assert asked == ["pydantic"] and other != before and len(other) == 16
    monkeypatch.setattr(parse_cache, "find_spec", lambda name: SimpleNamespace(origin=None))
    assert code_digest() not in (before, other)  # a namespace package: no version file
    monkeypatch.setattr(parse_cache, "find_spec", lambda name: None)
    alone = code_digest()  # no pydantic at all: a digest all the same
    monkeypatch.setattr(parse_cache.sys, "version_info", (3, 99, 0, "final", 0))
    assert code_digest() != alone


DEAL_OF_ACCOUNT = "deals/chengdu-optics-workstations.yaml"


def judged_again(monkeypatch) -> list[str]:
    """The deals whose rules across files are worked out (not taken from the last check)."""
    from generator.data import deal_rules

    judged: list[str] = []
    one_deal = deal_rules._one_deal

    def counting(dataset, deal, as_of, people):
        judged.append(deal.path)
        return one_deal(dataset, deal, as_of, people)

    monkeypatch.setattr(deal_rules, "_one_deal", counting)
    return judged


def test_a_deal_judged_on_the_same_records_keeps_its_problems(tmp_path, monkeypatch):
    data = copy_valid(tmp_path / "data")
    cache = ParseCache(tmp_path / "cache")
    first = check(data, AS_OF, display="data", cache=cache)
    judged = judged_again(monkeypatch)
    second = check(data, AS_OF, display="data", cache=cache)
    assert second.problems == first.problems and judged == []
    later = check(data, date(2027, 6, 1), display="data", cache=cache)  # another day
    assert len(judged) == len(later.dataset.deals)


def test_a_new_process_keeps_the_problems_of_deals_judged_on_the_same_files(tmp_path, monkeypatch):
    data = copy_valid(tmp_path / "data")
    won = (data / DEAL_OF_ACCOUNT).read_text(encoding="utf-8")
    late = won.replace("stage: won\nclosed_on: 2026-06-12\n", "stage: proposal\n")
    (data / "deals" / "late.yaml").write_text(late, "utf-8")  # its expected close passed
    first = check(data, AS_OF, display="data", cache=ParseCache(tmp_path / "cache"))
    assert any(p.path == "data/deals/late.yaml" for p in first.problems)
    judged = judged_again(monkeypatch)
    second = check(data, AS_OF, display="data", cache=ParseCache(tmp_path / "cache"))
    assert judged == [] and second.problems == first.problems
    deal = data / DEAL_OF_ACCOUNT
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: Call back\n", "utf-8")
    third = check(data, AS_OF, display="data", cache=ParseCache(tmp_path / "cache"))
    assert judged == [f"data/{DEAL_OF_ACCOUNT}"] and third.problems == first.problems
    judged.clear()
    elsewhere = check(data, AS_OF, display="other", cache=ParseCache(tmp_path / "cache"))
    assert len(judged) == len(elsewhere.dataset.deals)  # other paths in every message
    judged.clear()
    later = check(data, date(2027, 6, 1), display="data", cache=ParseCache(tmp_path / "cache"))
    assert len(judged) == len(later.dataset.deals)  # another day
    assert later.problems == check(data, date(2027, 6, 1), display="data").problems


def test_a_deal_with_a_broken_account_is_judged_in_every_process(tmp_path, monkeypatch):
    data = copy_valid(tmp_path / "data")
    account = data / "accounts" / "chengdu-optics.yaml"
    account.write_text(account.read_text(encoding="utf-8") + "\x07", "utf-8")
    first = check(data, AS_OF, display="data", cache=ParseCache(tmp_path / "cache"))
    judged = judged_again(monkeypatch)
    again = check(data, AS_OF, display="data", cache=ParseCache(tmp_path / "cache"))
    assert f"data/{DEAL_OF_ACCOUNT}" in judged  # its account's text has a problem: no blob id
    assert again.problems == first.problems


@pytest.mark.parametrize(
    ("path", "old", "new", "deal", "message"),
    [
        (
            "accounts/chengdu-optics.yaml",
            "name: 刘强",
            "name: 刘勇",
            DEAL_OF_ACCOUNT,
            "has no contact named `刘强`",
        ),
        ("team.yaml", "  - id: zhou-bo\n", "  - id: zhou-bx\n", DEAL_OF_ACCOUNT, "no person"),
        (
            "funnel.yaml",
            "id: proposal",
            "id: offer",
            "deals/south/pearl-river-laptops.yaml",
            "no stage",
        ),
    ],
    ids=["its account", "the team", "the funnel"],
)
@pytest.mark.parametrize("process", ["the same process", "a new process"])
def test_a_deal_is_judged_again_when_a_record_it_names_changed(
    tmp_path, monkeypatch, path, old, new, deal, message, process
):
    data = copy_valid(tmp_path / "data")
    cache = ParseCache(tmp_path / "cache")
    assert check(data, AS_OF, display="data", cache=cache).ok
    file = data / path
    text = file.read_text(encoding="utf-8")
    assert old in text, path
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    judged = judged_again(monkeypatch)
    if process == "a new process":  # the records and judgements read back from the file
        cache = ParseCache(tmp_path / "cache")
    result = check(data, AS_OF, display="data", cache=cache)
    assert f"data/{deal}" in judged
    found = [p for p in result.problems if p.path == f"data/{deal}"]
    assert any(message in p.message for p in found), found


def test_a_deal_whose_account_is_missing_is_always_judged_again(tmp_path, monkeypatch):
    data = copy_valid(tmp_path / "data")
    account = data / "accounts" / "chengdu-optics.yaml"
    text = account.read_text(encoding="utf-8")
    account.unlink()
    cache = ParseCache(tmp_path / "cache")
    check(data, AS_OF, display="data", cache=cache)
    judged = judged_again(monkeypatch)
    account.with_name("chengdu-optic.yaml").write_text(text, encoding="utf-8")
    again = check(data, AS_OF, display="data", cache=cache)
    assert judged == [f"data/{DEAL_OF_ACCOUNT}"]
    hint = [p.message for p in again.problems if p.path == f"data/{DEAL_OF_ACCOUNT}"]
    assert any("did you mean `chengdu-optic`" in m for m in hint), hint


CHECKING = """
import sys
from generator.cli.main import main
try:
    main(["check", "--data", sys.argv[1], "--as-of", "2026-03-01"])
except SystemExit as exc:
    print(exc.code, "pydantic" in sys.modules)
"""


def test_a_check_of_files_checked_before_loads_no_model(history_repo):
    """`funnel check` on unchanged files answers from the parse cache: the models (pydantic,
    most of the command's start) are imported only when a file must be checked in full."""
    history_repo.write("deals/acme-servers.yaml", deal_yaml())
    history_repo.commit("a deal", date="2026-02-02")

    def checking() -> str:
        command = [sys.executable, "-c", CHECKING, str(history_repo.data)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    assert checking() == "0 True\n"  # checked in full, then kept
    assert checking() == "0 False\n"
    history_repo.write("deals/acme-servers.yaml", deal_yaml(amount="12.00"))
    assert checking() == "0 True\n"  # a changed file: checked in full


def test_fewer_collections_while_reading_and_as_before_after():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == WHILE_READING
        raise RuntimeError("a check that fails")
    assert gc.get_threshold() == before


GIVING_BACK = """
import os, sys
from generator.data.collecting import give_back, trim
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
kept, freed = [], []
for i in range(100_000):  # pages' text (2 KB, from the C library's heap) and a few kept
    (kept if i % 50 == 0 else freed).append("页" * 1000 + str(i))
del freed
held = resident()
give_back()
print(trim() is not None, (held - resident()) // 2**20)
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc's malloc_trim, and /proc",
)
def test_memory_freed_between_texts_still_held_goes_back_to_the_system():
    """Freed texts between a few still held: without `give_back`, the process keeps their
    memory (150 MiB here: 200 MiB allocated, a fiftieth kept)."""
    done = subprocess.run([sys.executable, "-c", GIVING_BACK], capture_output=True, text=True)
    found, returned = done.stdout.split()
    assert found == "True" and int(returned) > 150


def test_the_c_library_is_found_without_running_a_program(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a program was run to find the C library")

    monkeypatch.setattr(subprocess, "Popen", forbidden)
    collecting.trim.cache_clear()
    try:
        found = collecting.trim()
    finally:
        collecting.trim.cache_clear()
    glibc = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION") is not None
    assert (found is not None) == glibc


def test_memory_is_given_back_only_where_the_c_library_can(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(collecting, "trim", lambda: calls.append)
    give_back()
    assert calls == [0]
    monkeypatch.setattr(collecting, "trim", lambda: None)
    give_back()  # no glibc: nothing to call
    assert calls == [0]


def settled_check(data: Path, folder: Path, now_ns: int, day: date = AS_OF):
    """`funnel check`'s own path, as a new process takes it: a new cache, settled at now_ns."""
    cache = ParseCache(folder)
    cache.settle(now_ns)
    return check_problems(data, day, "data", cache=cache)


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The data files read whole to be known by content (not by their size and times)."""
    paths: list[str] = []
    real = open

    def noting(file, mode="r", *args, **kwargs):
        if "b" in mode and str(file).endswith(".yaml"):
            paths.append(str(file))
        return real(file, mode, *args, **kwargs)

    def reading(absolute: str, size: int) -> bytes:
        paths.append(absolute)
        return read_bytes(absolute, size)

    read_bytes = files._read_bytes
    monkeypatch.setattr("builtins.open", noting)
    monkeypatch.setattr(files, "_read_bytes", reading)
    return paths


def test_files_settled_at_a_check_are_known_by_their_size_and_times_by_the_next(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    later = time.time_ns() + 10_000_000_000  # every file changed before this check began
    first = settled_check(data, tmp_path / "cache", later)
    assert opened  # read to be known by content once
    opened.clear()
    second = settled_check(data, tmp_path / "cache", later)
    assert opened == [] and second == first  # nothing read: the same findings


def test_a_file_rewritten_with_the_same_size_and_mtime_is_read_by_the_next_check(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    later = time.time_ns() + 10_000_000_000
    settled_check(data, tmp_path / "cache", later)
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    text = deal.read_text(encoding="utf-8")
    start = text.index("amount: ") + len("amount: ")
    stat = deal.stat()
    deal.write_text(text[:start] + "x" + text[start + 1 :], encoding="utf-8")  # same size
    os.utime(deal, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same mtime
    opened.clear()
    again = settled_check(data, tmp_path / "cache", later)
    assert str(deal) in opened  # its change time told
    assert again.problems == check(data, AS_OF, "data").problems
    assert any(deal.name in problem.path for problem in again.problems)


def test_a_file_changed_within_the_second_before_a_check_is_read_by_the_next(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    settled_check(data, tmp_path / "cache", time.time_ns())  # every file written just now
    opened.clear()
    settled_check(data, tmp_path / "cache", time.time_ns())
    assert len(opened) >= 7  # none was known by its times: each read again


def test_a_file_known_by_its_times_is_read_afresh_by_a_full_check(tmp_path, monkeypatch):
    """When some file changed, the full check reads the others itself: a record is kept under
    the blob id of the very content it was made from, never one told by the times alone."""
    data = copy_valid(tmp_path / "data")
    later = time.time_ns() + 10_000_000_000
    settled_check(data, tmp_path / "cache", later)
    given: list[FileEntry] = []
    real = load_module._load

    def noting(root, display, cache, entries):
        given.extend(entries or [])
        return real(root, display, cache, entries)

    monkeypatch.setattr(load_module, "_load", noting)
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    deal.write_text(deal.read_text(encoding="utf-8") + "next_step: call\n", "utf-8")
    settled_check(data, tmp_path / "cache", later)
    unread = [entry for entry in given if entry.content is None]
    assert unread and all(entry.blob is None for entry in unread)
    assert {entry.relative for entry in given if entry.content is not None} == {
        str(deal.relative_to(data))
    }


def test_the_files_known_by_their_times_are_those_settled_and_stay_until_they_change(tmp_path):
    cache = ParseCache(tmp_path)
    cache.settle(5_000_000_000)
    settled = cache.settled
    files = [
        ("/d/a.yaml", 10, (settled - 1, 7, 1), "blob-a"),
        ("/d/b.yaml", 10, (settled, 7, 2), "b"),
    ]
    assert cache.keep_blobs(files)
    assert not cache.keep_blobs(files)  # nothing new: nothing to write
    cache.save()
    again = ParseCache(tmp_path)
    assert again.known_blob("/d/a.yaml", 10, (settled - 1, 7, 1)) == "blob-a"
    assert again.known_blob("/d/b.yaml", 10, (settled, 7, 2)) is None  # not settled then
    assert again.known_blob("/d/a.yaml", 11, (settled - 1, 7, 1)) is None  # another size
    assert again.known_blob("/d/a.yaml", 10, (settled - 1, 8, 1)) is None  # another mtime
    assert again.known_blob("/d/a.yaml", 10, (settled - 1, 7, 3)) is None  # another inode
    unknown = [("/d/commit.yaml", 10, (0, 0, 0), "c"), ("/d/old.yaml", 10, (1, 1, 4), "o")]
    again.settle(5_000_000_000)
    again.keep_blobs(unknown)  # a file of a commit has no times: never known by them
    assert again.known_blob("/d/commit.yaml", 10, (0, 0, 0)) is None
    assert again.known_blob("/d/old.yaml", 10, (1, 1, 4)) == "o"
    assert again.known_blob("/d/a.yaml", 10, (settled - 1, 7, 1)) is None  # no longer listed


def build_check(data: Path, folder: Path, now_ns: int):
    """The check a build makes, as a new process makes it: a new cache."""
    return check_for_build(data, AS_OF, "data", cache=ParseCache(folder), now_ns=now_ns)


def test_a_builds_check_reads_no_file_unchanged_since_the_last(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    warned(data)
    later = time.time_ns() + 10_000_000_000  # every file changed before this check began
    first = build_check(data, tmp_path / "cache", later)
    assert len(opened) >= 7
    opened.clear()
    second = build_check(data, tmp_path / "cache", later)
    assert opened == []  # every record kept, every warning placed before
    assert second.problems == first.problems and any(
        p.severity == "warning" for p in second.problems
    )
    for name in ("funnel", "team", "accounts", "deals", "blobs"):
        assert getattr(second.dataset, name) == getattr(first.dataset, name), name
    assert second.dataset.texts == first.dataset.texts  # read now, when asked for


FOUND = ("Places", "Judged")
"""The parse cache's entries of problems found before: where values are, the deals' rules."""


def forget(folder: Path, kinds: tuple[str, ...]) -> None:
    """The parse cache in `folder` written anew without its entries of these kinds."""
    kept = ParseCache(folder).entries
    shutil.rmtree(folder)
    cache = ParseCache(folder)
    cache.entries = {key: value for key, value in kept.items() if key[0] not in kinds}
    cache.used, cache.added = dict(cache.entries), 1
    cache.save()


def test_a_problem_in_a_file_not_read_is_placed_by_reading_it_then(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    deal = warned(data)
    later = time.time_ns() + 10_000_000_000
    first = build_check(data, tmp_path / "cache", later)
    forget(tmp_path / "cache", FOUND)  # the warning is placed from the text
    opened.clear()
    second = build_check(data, tmp_path / "cache", later)
    assert opened == [str(deal)]
    assert second.problems == first.problems


def test_a_deal_judged_again_places_its_problems_where_they_were_found(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    warned(data)
    later = time.time_ns() + 10_000_000_000
    first = build_check(data, tmp_path / "cache", later)
    forget(tmp_path / "cache", ("Judged",))  # the places kept, not the problems
    opened.clear()
    second = build_check(data, tmp_path / "cache", later)
    assert opened == []  # each warning placed as before, no file read
    assert second.problems == first.problems


def test_a_builds_check_reads_a_changed_file_and_its_new_record(tmp_path, opened):
    data = copy_valid(tmp_path / "data")
    later = time.time_ns() + 10_000_000_000
    build_check(data, tmp_path / "cache", later)
    deal = sorted((data / "deals").rglob("*.yaml"))[0]
    deal.write_text(deal.read_text("utf-8").replace("amount: ", "amount: 1", 1), "utf-8")
    opened.clear()
    again = build_check(data, tmp_path / "cache", time.time_ns() + 10_000_000_000)
    assert opened == [str(deal)]
    plain = check(data, AS_OF, "data")
    assert again.problems == plain.problems
    assert again.dataset.deals == plain.dataset.deals


def test_a_builds_check_without_a_cache_is_the_plain_check(tmp_path):
    data = copy_valid(tmp_path / "data")
    result = check_for_build(data, AS_OF, "data", cache=None, now_ns=time.time_ns())
    plain = check(data, AS_OF, "data")
    assert result.problems == plain.problems and result.dataset.deals == plain.dataset.deals


def test_a_value_is_pickled_into_its_file_whole_or_not_at_all(tmp_path):
    target = tmp_path / "two" / "folders" / "kept.pickle"
    cache_files.pickle_whole(target, {"a": [1, 2]})
    assert pickle.loads(target.read_bytes()) == {"a": [1, 2]}
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):
        cache_files.pickle_whole(target, {"a": lambda: 1})  # cannot be pickled
    assert pickle.loads(target.read_bytes()) == {"a": [1, 2]}  # the file as it was
    assert [path.name for path in target.parent.iterdir()] == ["kept.pickle"]  # no leftover


def test_bytes_are_written_into_their_file_whole(tmp_path):
    target = tmp_path / "two" / "folders" / "page"
    cache_files.write_whole(target, b"<html>")
    assert target.read_bytes() == b"<html>"
    assert [path.name for path in target.parent.iterdir()] == ["page"]


def test_a_file_that_cannot_be_opened_says_why(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError("no space left on the device")

    monkeypatch.setattr(Path, "open", full)
    with pytest.raises(OSError, match="no space left"):  # not that no temporary file was left
        cache_files.write_whole(tmp_path / "page", b"<html>")


def test_the_records_of_a_kind_are_counted(tmp_path):
    cache = ParseCache(tmp_path)
    for key in [("Deal", "a", "1"), ("Deal", "b", "2"), ("Account", "Deal", "3")]:
        cache.put(key, "record")
    assert (cache.count("Deal"), cache.count("Account"), cache.count("Team")) == (2, 1, 0)


def test_files_are_read_whole_whatever_their_size_was_when_listed(tmp_path, monkeypatch):
    path = tmp_path / "deal.yaml"
    path.write_bytes(b"title: \xe7\x8e\x8b\n" * 5000)  # larger than one read of the rest
    whole = path.read_bytes()
    for listed in (len(whole), 0, 10, len(whole) - 1, len(whole) + 7):
        assert files._read_bytes(str(path), listed) == whole, listed
    (tmp_path / "empty.yaml").write_bytes(b"")
    assert files._read_bytes(str(tmp_path / "empty.yaml"), 0) == b""
    read = files.os.read

    def in_parts(handle: int, size: int) -> bytes:
        return read(handle, min(size, 100))  # a system that gives a file in parts

    monkeypatch.setattr(files.os, "read", in_parts)
    for listed in (len(whole), 50):
        assert files._read_bytes(str(path), listed) == whole, listed

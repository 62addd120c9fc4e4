"""Many new files are read and parsed by two processes: the check finds the very same records
and problems as one process does, and the cache keeps the same; a second process that cannot
be forked or fails leaves the work to the first."""

from __future__ import annotations

import gc
import io
import os
import pickle
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import copy_valid

from generator.data import forked
from generator.data import load as load_module
from generator.data.collecting import lasting
from generator.data.forked import Theirs
from generator.data.parse_cache import ParseCache
from generator.data.unchanged import check_problems
from generator.data.validate import check

AS_OF = date(2026, 11, 26)
DEAL = """account: pearl-river-foods
contact: Peter Wong
owner: li-lei
title: Printers {n}
amount: {n}000
expected_close: 2027-01-15
stage: verbal
created: 2026-09-14
"""


def squares(items):
    return [item * item for item in items]


def test_their_results_are_the_work_of_the_items_in_order():
    theirs = Theirs(range(100, 130), squares)
    assert theirs.pid  # worked out by another process
    assert theirs.results() == squares(range(100, 130))
    assert theirs.pid == 0 and theirs.pipe is None


def test_no_process_to_fork_works_them_out_here(monkeypatch):
    def refused():
        raise OSError("no more processes")

    monkeypatch.setattr(forked.os, "fork", refused)
    theirs = Theirs([1, 2, 3], squares)
    assert theirs.pid == 0
    assert theirs.results() == [1, 4, 9]


def test_a_process_that_fails_leaves_the_work_here():
    first = os.getpid()
    worked_here: list[int] = []

    def fails_there(items):
        if os.getpid() != first:
            raise RuntimeError("out of memory")
        worked_here.extend(items)
        return squares(items)

    assert Theirs([5, 6], fails_there).results() == [25, 36]
    assert worked_here == [5, 6]


@pytest.mark.parametrize("sent", [b"", b"garbage", pickle.dumps({"not": "a list"})])
def test_results_cut_short_or_not_a_list_are_worked_out_here(sent):
    assert forked._results(io.BytesIO(sent)) is None
    whole = pickle.dumps([1, 2, 3])
    assert forked._results(io.BytesIO(whole[:-1])) is None  # cut short by one byte
    assert forked._results(io.BytesIO(whole)) == [1, 2, 3]


def test_results_of_another_length_are_worked_out_here(monkeypatch):
    first = os.getpid()
    theirs = Theirs([1, 2], lambda items: [0] if os.getpid() != first else squares(items))
    assert theirs.results() == [1, 4]


def test_stop_ends_the_process_without_its_results():
    theirs = Theirs(range(3), squares)
    pid = theirs.pid
    theirs.stop()
    assert theirs.pid == 0 and theirs.pipe is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # reaped: no process left behind
    theirs.stop()  # twice: nothing more to do


@pytest.fixture
def unfrozen():
    """No object frozen before or after the test (the collector as the test found it)."""
    gc.unfreeze()
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


@pytest.mark.parametrize("enabled", [True, False], ids=["collector on", "collector off"])
def test_what_lasts_is_made_without_collections_then_frozen(unfrozen, enabled):
    (gc.enable if enabled else gc.disable)()
    with lasting():
        assert not gc.isenabled()
        made = [[index] for index in range(1000)]
    assert gc.get_freeze_count() >= len(made)
    assert gc.isenabled() == enabled


def test_what_lasts_is_frozen_even_when_making_it_failed(unfrozen):
    with pytest.raises(RuntimeError), lasting():
        raise RuntimeError("bad data")
    assert gc.get_freeze_count() > 0 and gc.isenabled()


def test_a_fork_leaves_nothing_frozen_here_when_nothing_was(unfrozen):
    theirs = Theirs(range(3), squares)
    assert gc.get_freeze_count() == 0
    assert theirs.results() == [0, 1, 4]


def test_a_fork_keeps_frozen_what_the_caller_froze(unfrozen):
    with lasting():
        data = [[index] for index in range(1000)]
    frozen = gc.get_freeze_count()
    theirs = Theirs(range(3), squares)
    assert gc.get_freeze_count() >= frozen
    assert theirs.results() == [0, 1, 4] and data


def many(target: Path) -> Path:
    """The valid folder with 40 more deals and files with every kind of problem among them."""
    data = copy_valid(target)
    deals = data / "deals" / "many"
    deals.mkdir()
    for n in range(40):
        (deals / f"printers-{n:02}.yaml").write_text(DEAL.format(n=n + 1), "utf-8")
    broken = {
        "syntax.yaml": "account: [pearl-river-foods\n",
        "schema.yaml": DEAL.format(n=7).replace("amount: 7000", "amount: lots"),
        "twice.yaml": DEAL.format(n=8) + "amount: 9\n",
        "Bad Name.yaml": DEAL.format(n=9),
        "anchor.yaml": DEAL.format(n=10).replace("owner: li-lei", "owner: &o li-lei"),
        "empty.yaml": "",
        "unknown-owner.yaml": DEAL.format(n=11).replace("li-lei", "nobody"),
    }
    for name, text in broken.items():
        (deals / name).write_text(text, "utf-8")
    (deals / "latin.yaml").write_bytes(DEAL.format(n=12).encode() + b"next_step: caf\xe9\n")
    (data / "accounts" / "broken.yaml").write_text("name: [\n", "utf-8")
    return data


def one_process(monkeypatch) -> None:
    monkeypatch.setattr(load_module, "SPLIT_FROM", 10**9)


def two_processes(monkeypatch, mine: float) -> None:
    monkeypatch.setattr(load_module, "SPLIT_FROM", 1)
    monkeypatch.setattr(load_module, "MINE", mine)


def same(one, other) -> None:
    assert one.problems == other.problems
    for name in ("accounts", "deals", "handovers", "invalid", "broken_deals", "broken_accounts"):
        assert getattr(one.dataset, name) == getattr(other.dataset, name), name
    for name in ("texts", "blobs", "found"):
        assert getattr(one.dataset, name) == getattr(other.dataset, name), name
    assert dict(one.dataset.files) == dict(other.dataset.files)


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The processes forked, by how many files each was given."""
    given: list[int] = []
    real = Theirs.__init__

    def counting(self, items, work):
        given.append(len(items))
        real(self, items, work)

    monkeypatch.setattr(Theirs, "__init__", counting)
    return given


@pytest.mark.parametrize("mine", [0.0, 0.45, 0.9])
def test_two_processes_find_what_one_finds(tmp_path, monkeypatch, mine, forks):
    data = many(tmp_path / "data")
    one_process(monkeypatch)
    alone = check(data, AS_OF, "data")
    assert forks == []
    assert len(alone.dataset.deals) == 44 and len(alone.problems) >= 9
    two_processes(monkeypatch, mine)
    same(check(data, AS_OF, "data"), alone)
    deals = len(alone.dataset.found["deal"]) - 1  # the one badly named is not read
    assert deals - round(deals * mine) in forks


def test_two_processes_keep_what_one_keeps(tmp_path, monkeypatch):
    data = many(tmp_path / "data")
    one_process(monkeypatch)
    alone = check(data, AS_OF, "data", cache=ParseCache(tmp_path / "one"))
    two_processes(monkeypatch, 0.45)
    cache = ParseCache(tmp_path / "two")
    same(check(data, AS_OF, "data", cache=cache), alone)
    kept = ParseCache(tmp_path / "one").entries
    assert cache.entries.keys() == kept.keys()
    assert {key: pickle.loads(value) for key, value in cache.entries.items()} == {
        key: pickle.loads(value) for key, value in kept.items()
    }


def test_the_second_process_works_only_for_files_the_cache_does_not_know(
    tmp_path, monkeypatch, forks
):
    data = many(tmp_path / "data")
    two_processes(monkeypatch, 0.45)
    monkeypatch.setattr(load_module, "SPLIT_FROM", 20)
    check(data, AS_OF, "data", cache=ParseCache(tmp_path / "cache"))
    forks.clear()
    again = check(data, AS_OF, "data", cache=ParseCache(tmp_path / "cache"))
    assert forks == []  # all known: no process is forked
    for name in ("printers-00", "printers-01"):
        (data / "deals" / "many" / f"{name}.yaml").write_text(DEAL.format(n=99), "utf-8")
    edited = check(data, AS_OF, "data", cache=ParseCache(tmp_path / "cache"))
    assert forks == []  # two new files: not worth a fork
    assert edited.dataset.deals["printers-00"].amount != again.dataset.deals["printers-00"].amount
    shutil.rmtree(tmp_path / "cache")
    check(data, AS_OF, "data", cache=ParseCache(tmp_path / "cache"))
    assert len(forks) == 1  # the deals, all new


def test_a_failed_second_process_leaves_the_same_check(tmp_path, monkeypatch):
    data = many(tmp_path / "data")
    one_process(monkeypatch)
    alone = check(data, AS_OF, "data")
    two_processes(monkeypatch, 0.45)
    first, real = os.getpid(), load_module._validate_file

    def fails_there(*args, **kwargs):
        if os.getpid() != first:
            raise MemoryError
        return real(*args, **kwargs)

    monkeypatch.setattr(load_module, "_validate_file", fails_there)
    same(check(data, AS_OF, "data"), alone)


def test_a_record_of_another_kind_from_the_second_process_is_made_here(tmp_path, monkeypatch):
    data = many(tmp_path / "data")
    one_process(monkeypatch)
    alone = check(data, AS_OF, "data", cache=ParseCache(tmp_path / "one"))
    two_processes(monkeypatch, 0.45)
    real = load_module._Loader._ready

    def another_kind(loader, named, model):
        wrong = pickle.dumps(alone.dataset.funnel)  # not a deal
        return [
            replace(ready, made=replace(ready.made, pickled=wrong))
            if ready.made is not None and ready.made.pickled is not None
            else ready
            for ready in real(loader, named, model)
        ]

    monkeypatch.setattr(load_module._Loader, "_ready", another_kind)
    cache = ParseCache(tmp_path / "two")
    same(check(data, AS_OF, "data", cache=cache), alone)
    assert {key: pickle.loads(value) for key, value in cache.entries.items()} == {
        key: pickle.loads(value) for key, value in ParseCache(tmp_path / "one").entries.items()
    }


def test_the_command_path_with_two_processes_says_the_same(tmp_path, monkeypatch):
    data = many(tmp_path / "data")
    one_process(monkeypatch)
    alone = check_problems(data, AS_OF, "data", cache=ParseCache(tmp_path / "one"))
    two_processes(monkeypatch, 0.45)
    both = check_problems(data, AS_OF, "data", cache=ParseCache(tmp_path / "two"))
    assert both == alone
    assert (tmp_path / "two").exists()

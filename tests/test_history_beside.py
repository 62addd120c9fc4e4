"""The history mined by a second process while the build checks its data: the build reads
the very history it would have mined itself, from the cache the other process wrote; a
refused build stops it; where no process can be had, the build mines it as before."""

from __future__ import annotations

import os
import shutil
import signal

import pytest
from conftest import deal_yaml
from test_kept_pages import build, invoke, repo  # noqa: F401 (repo: the fixture)

import generator.history.beside as beside_module
import generator.history.mining as mining
import generator.plugin as plugin
from generator.data import cache_files
from generator.history.beside import MinedBeside
from generator.history.cache import BASE_FILE, TAIL_FILE
from generator.history.git import HistoryError
from generator.history.mining import read_history


def commits(git_repo, count: int = 3) -> None:
    stages = ["lead", "qualified", "offer", "verbal"]
    for day in range(count):
        git_repo.write("deals/acme-laptops.yaml", deal_yaml(stage=stages[day % len(stages)]))
        git_repo.commit(f"day {day}", date=f"2026-02-{day + 2:02d}")


def test_the_history_mined_beside_is_the_one_mined_here(history_repo, monkeypatch):
    commits(history_repo)
    here = read_history(history_repo.data, use_cache=False)
    beside = MinedBeside(history_repo.data)
    assert beside.pid > 0
    beside.wait()
    assert beside.pid == 0
    assert (history_repo.root / ".git" / "funnel" / BASE_FILE).is_file()
    monkeypatch.setattr(mining, "_log", lambda *_: pytest.fail("mined again here"))
    read = read_history(history_repo.data)
    assert read.commits == here.commits and read.deals == here.deals and read.head == here.head


def test_new_commits_since_are_mined_beside_too(history_repo, monkeypatch):
    commits(history_repo, 2)
    read_history(history_repo.data)
    commits(history_repo, 4)
    MinedBeside(history_repo.data).wait()
    assert (history_repo.root / ".git" / "funnel" / TAIL_FILE).is_file()
    monkeypatch.setattr(mining, "_log", lambda *_: pytest.fail("mined again here"))
    read = read_history(history_repo.data)
    assert [v.snapshot.stage for v in read.deals["acme-laptops"]][-2:] == ["offer", "verbal"]


def test_without_a_second_process_the_history_is_mined_here(history_repo, monkeypatch):
    commits(history_repo)

    def no_process(work):
        raise OSError("no process")

    monkeypatch.setattr(beside_module, "fork", no_process)
    beside = MinedBeside(history_repo.data)
    assert beside.pid == 0
    beside.wait()
    beside.stop()
    assert not (history_repo.root / ".git" / "funnel").exists()
    assert len(read_history(history_repo.data).commits) == 4


def test_a_folder_outside_git_fails_beside_and_here_alike(tmp_path):
    (tmp_path / "data").mkdir()
    MinedBeside(tmp_path / "data").wait()
    with pytest.raises(HistoryError):
        read_history(tmp_path / "data")


def test_stopped_it_ends_and_leaves_no_half_written_cache(history_repo, monkeypatch):
    commits(history_repo)
    started = os.pipe()

    def slow_save(folder, history):  # stopped halfway through writing the cache
        def half(handle):
            handle.write(b"half")
            handle.flush()
            os.write(started[1], b"x")
            signal.pause()

        cache_files._whole(folder / BASE_FILE, half)

    monkeypatch.setattr(mining, "save_cache", slow_save)
    beside = MinedBeside(history_repo.data)
    pid = beside.pid
    assert os.read(started[0], 1) == b"x"
    beside.stop()
    assert beside.pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # ended and reaped
    assert list((history_repo.root / ".git" / "funnel").iterdir()) == []


@pytest.fixture
def miners(monkeypatch) -> list[tuple[str, int]]:
    """What the build did with each process mining beside it: ("wait" | "stop", its pid)."""
    seen: list[tuple[str, int]] = []

    class Spied(MinedBeside):
        def wait(self) -> None:
            seen.append(("wait", self.pid))
            super().wait()

        def stop(self) -> None:
            seen.append(("stop", self.pid))
            super().stop()

    monkeypatch.setattr(plugin, "MinedBeside", Spied)
    monkeypatch.setattr(plugin, "spare_cores", lambda: 2)
    return seen


def test_a_build_reads_the_history_mined_beside_it(repo, miners, monkeypatch):  # noqa: F811
    cold = build(repo, "beside")
    assert [what for what, _ in miners] == ["wait"] and miners[0][1] > 0
    assert (repo / ".git" / "funnel" / BASE_FILE).is_file()
    shutil.rmtree(repo / ".git" / "funnel")
    monkeypatch.setattr(plugin, "spare_cores", lambda: 1)
    alone = build(repo, "alone")
    assert len(miners) == 1  # one core: mined by the build itself
    assert [name for name in cold if cold[name] != alone[name]] == []
    assert cold.keys() == alone.keys()


def test_a_refused_build_stops_the_mining(repo, miners):  # noqa: F811
    deal = next((repo / "data" / "deals").rglob("*.yaml"))
    deal.write_text(deal.read_text("utf-8") + "amount: twice\n", "utf-8")
    result = invoke(repo, "refused")
    assert result.exit_code == 1
    assert [what for what, _ in miners] == ["stop", "wait"]  # stopped, then reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(miners[0][1], os.WNOHANG)
    assert not (repo.parent / "refused").exists()

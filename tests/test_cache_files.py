"""A cache file kept as a base and a tail of the changes since: what is read back is what was
written last, and a tail is read only with the very base it was written after."""

from __future__ import annotations

import pickle

import pytest

from generator.data import cache_files
from generator.data.cache_files import Tailed


def entries(count: int, size: int = 100) -> dict[str, bytes]:
    return {f"key{number}": bytes([number % 256]) * size for number in range(count)}


def test_nothing_is_read_where_nothing_was_written(tmp_path):
    assert Tailed(tmp_path / "kept.pickle").read() == {}


def test_what_is_written_is_read_back(tmp_path):
    first = entries(10)
    Tailed(tmp_path / "kept.pickle").write(first)
    assert Tailed(tmp_path / "kept.pickle").read() == first
    assert not (tmp_path / "kept.pickle.tail").exists()  # a first writing is a base


def test_a_few_changes_go_into_the_tail_and_the_base_stays(tmp_path):
    file = tmp_path / "kept.pickle"
    Tailed(file).write(entries(10))
    before = file.stat()
    kept = Tailed(file)
    now = kept.read()
    now["key3"] = b"changed"
    now["new"] = b"added"
    del now["key5"]
    kept.write(now)
    after = file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (tmp_path / "kept.pickle.tail").is_file()
    again = Tailed(file)
    assert again.read() == now
    now["key3"] = b"changed again"  # a second save in the same process: the tail grows
    kept.write(now)
    assert Tailed(file).read() == now


def test_a_tail_is_read_only_with_its_own_base(tmp_path):
    file = tmp_path / "kept.pickle"
    Tailed(file).write(entries(10))
    kept = Tailed(file)
    changed = {**kept.read(), "key1": b"changed"}
    kept.write(changed)
    old_tail = (tmp_path / "kept.pickle.tail").read_bytes()
    file.unlink()
    Tailed(file).write(entries(10))  # another base, the same entries: another id
    assert not (tmp_path / "kept.pickle.tail").exists()
    (tmp_path / "kept.pickle.tail").write_bytes(old_tail)
    assert Tailed(file).read() == entries(10)


def test_a_tail_past_its_share_makes_a_new_base(tmp_path, monkeypatch):
    file = tmp_path / "kept.pickle"
    Tailed(file).write(entries(10))
    kept = Tailed(file)
    many = {**kept.read(), **{f"key{n}": b"x" * 100 for n in range(6)}}  # 600 of 1,000 bytes
    before = file.stat().st_ino
    kept.write(many)
    assert file.stat().st_ino != before and not (tmp_path / "kept.pickle.tail").exists()
    assert Tailed(file).read() == many
    fewer = dict(list(many.items())[:2])  # most keys dropped
    kept.write(fewer)
    assert Tailed(file).read() == fewer and not (tmp_path / "kept.pickle.tail").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a pickle",
        pickle.dumps({"key": b"a plain dict, as caches were kept before"}),
        pickle.dumps(("base-1", b"id", {"key": "not bytes"})),
        pickle.dumps(("base-1", "an id that is not bytes", {"key": b"value"})),
    ],
)
def test_a_damaged_base_reads_as_nothing(tmp_path, content):
    (tmp_path / "kept.pickle").write_bytes(content)
    kept = Tailed(tmp_path / "kept.pickle")
    assert kept.read() == {}
    kept.write(entries(3))  # written anew, whole
    assert Tailed(tmp_path / "kept.pickle").read() == entries(3)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a pickle", pickle.dumps(("tail-1", b"id", {"a": b"b"}, []))],
)
def test_a_damaged_tail_leaves_the_base(tmp_path, content):
    file = tmp_path / "kept.pickle"
    Tailed(file).write(entries(10))
    (tmp_path / "kept.pickle.tail").write_bytes(content)
    assert Tailed(file).read() == entries(10)


def test_a_tail_with_entries_that_are_not_pickled_values_is_ignored(tmp_path):
    file = tmp_path / "kept.pickle"
    kept = Tailed(file)
    kept.write(entries(10))
    kept.write({**entries(10), "new": b"value"})
    tail = pickle.loads((tmp_path / "kept.pickle.tail").read_bytes())
    (tmp_path / "kept.pickle.tail").write_bytes(pickle.dumps((*tail[:2], {"new": 1}, [])))
    assert Tailed(file).read() == entries(10)
    (tmp_path / "kept.pickle.tail").write_bytes(pickle.dumps((*tail[:3], "not a list")))
    assert Tailed(file).read() == entries(10)


def test_both_files_are_removed(tmp_path):
    kept = Tailed(tmp_path / "kept.pickle")
    kept.write(entries(10))
    kept.write({**entries(10), "new": b"value"})
    kept.remove()
    assert list(tmp_path.iterdir()) == []
    assert Tailed(tmp_path / "kept.pickle").read() == {}


def test_a_tail_is_at_most_half_the_base(tmp_path):
    assert cache_files.SHARE == 2
    file = tmp_path / "kept.pickle"
    kept = Tailed(file)
    kept.write(entries(10))  # 1,000 bytes
    kept.write({**entries(10), "a": b"x" * 500})  # 500: half
    assert (tmp_path / "kept.pickle.tail").exists()
    kept.write({**entries(10), "a": b"x" * 501})  # one byte more: a new base
    assert not (tmp_path / "kept.pickle.tail").exists()


def test_after_letting_go_or_removing_a_write_is_a_new_base(tmp_path):
    file, tail = tmp_path / "kept.pickle", tmp_path / "kept.pickle.tail"
    kept = Tailed(file)
    kept.write(entries(10))
    kept.let_go()  # the base's entries no more in hand
    kept.write({})  # written whole: not as a tail of a base it no longer holds
    assert Tailed(file).read() == {} and file.is_file() and not tail.exists()
    kept.write(entries(10))
    kept.write({**entries(10), "new": b"value"})
    kept.remove()
    kept.remove()  # nothing left to remove: no error
    assert list(tmp_path.iterdir()) == []
    kept.write({})
    assert file.is_file() and not tail.exists() and Tailed(file).read() == {}


def test_a_write_before_any_read_is_a_new_base(tmp_path):
    file = tmp_path / "kept.pickle"
    Tailed(file).write(entries(10))
    Tailed(file).write({})  # its base not read: written whole
    assert Tailed(file).read() == {}
    assert not (tmp_path / "kept.pickle.tail").exists()

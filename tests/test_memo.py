"""The digest of what a page is made from: equal inputs, equal keys in any process; any change
of any field, anywhere, a new key; what cannot be read exactly, no key at all."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import zlib
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pytest
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from generator.site import memo
from generator.site.context import Page
from generator.site.memo import (
    MEMO_FILE,
    PICKLED,
    Digest,
    PageMemo,
    RenderedParts,
    Unkeyable,
    installed_versions,
    pack,
    page_key,
    pickled_name,
    shared_digest,
    unpack,
)


class Contact(BaseModel):
    name: str
    phone: str | None = None


class Deal(BaseModel):
    id: str
    amount: Decimal
    close: date
    contacts: list[Contact]
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class View:
    deal: Deal
    weighted: Decimal
    notes: tuple[str, ...] = ()


def sample() -> dict[str, object]:
    deal = Deal(
        id="huabei-steel-servers",
        amount=Decimal("955200.00"),
        close=date(2026, 12, 31),
        contacts=[Contact(name="杜建军", phone="+86 10 1234"), Contact(name="Li Na")],
        tags=frozenset({"servers", "renewal", "east", "care-pack"}),
    )
    return {
        "d": View(deal, Decimal("477600.00"), ("first call", "<b>demo</b>")),
        "titles": {"a": "Servers", "b": "Laptops | 2027"},
        "first_seen": date(2026, 3, 4),
        "count": 3,
        "none": None,
    }


def key(values: dict[str, object], path: str = "deals/x.md") -> str:
    return page_key("shared", Digest(), "deal.md.j2", path, values)


def test_equal_values_give_equal_keys_in_any_process():
    here = key(sample())
    assert key(sample()) == here
    script = (
        "import sys; sys.path.insert(0, 'tests'); "
        "from test_memo import key, sample; print(key(sample()))"
    )
    root = Path(__file__).resolve().parent.parent
    for seed in ("1", "2", "12345"):  # sets and string hashes iterate in another order
        other = subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert other.stdout.strip() == here


def _changes() -> dict[str, object]:
    """Each change of one value somewhere inside the sample (all else kept)."""
    view = sample()["d"]
    assert isinstance(view, View)
    deal = view.deal

    def with_deal(**update: object) -> View:
        return replace(view, deal=deal.model_copy(update=update))

    return {
        "amount": with_deal(amount=Decimal("955200.01")),
        "amount written with fewer digits": with_deal(amount=Decimal("955200.0")),
        "a date": with_deal(close=date(2027, 1, 1)),
        "a nested contact's phone": with_deal(
            contacts=[Contact(name="杜建军", phone="+86 10 1235"), Contact(name="Li Na")]
        ),
        "a contact's order": with_deal(contacts=list(reversed(deal.contacts))),
        "a tag": with_deal(tags=deal.tags | {"x"}),
        "a tag replaced": with_deal(tags=deal.tags - {"east"} | {"west"}),
        "a computed value": replace(view, weighted=Decimal("477600.01")),
        "a note": replace(view, notes=("first call", "<b>demo</b> ")),
    }


def test_an_unchanged_copy_gives_the_same_key():
    view = sample()["d"]
    assert isinstance(view, View)
    copied = replace(view, deal=view.deal.model_copy(update={}))
    assert key({**sample(), "d": copied}) == key(sample())


@pytest.mark.parametrize("change", list(_changes()))
def test_any_change_anywhere_gives_a_new_key(change):
    values = sample()
    values["d"] = _changes()[change]
    assert key(values) != key(sample())


def test_keys_tell_apart_paths_names_types_and_order():
    base = key(sample())
    assert key(sample(), path="deals/y.md") != base
    renamed = sample()
    renamed["first"] = renamed.pop("first_seen")
    assert key(renamed) != base
    for name, value in {"count": "3", "none": "", "titles": {"b": "Laptops | 2027"}}.items():
        changed = sample()
        changed[name] = value
        assert key(changed) != base, name
    reordered = sample()
    reordered["titles"] = {"b": "Laptops | 2027", "a": "Servers"}  # pages list in this order
    assert key(reordered) != base


def test_what_cannot_be_read_exactly_has_no_key():
    for value in (len, lambda: 1, object(), Path("data")):
        values = {**sample(), "extra": value}
        with pytest.raises(Unkeyable):
            key(values)
    with pytest.raises(Unkeyable):
        key({"inside": [{"ok": 1}, {"fn": print}]})


def test_a_shared_value_is_read_once_per_build(monkeypatch):
    reader = Digest()
    titles = {f"deal-{n}": f"Title {n}" for n in range(1000)}
    reads: list[object] = []
    read = Digest._read

    def counting(self, value, kind):
        reads.append(value)
        return read(self, value, kind)

    monkeypatch.setattr(Digest, "_read", counting)
    first = page_key("s", reader, "review.md.j2", "reviews/a.md", {"titles": titles})
    second = page_key("s", reader, "review.md.j2", "reviews/b.md", {"titles": titles})
    assert first != second
    assert sum(value is titles for value in reads) == 1


def test_the_memo_keeps_what_a_build_used_and_survives_damage(tmp_path):
    memo = PageMemo.load(tmp_path)
    assert memo.get("a") is None
    memo.put("a", pack("# A\n"))
    memo.put("b", pack("# B 北京\n"))
    memo.save()
    again = PageMemo.load(tmp_path)
    assert (again.get("a"), again.get("b"), again.hits) == (pack("# A\n"), pack("# B 北京\n"), 2)
    again.start()
    assert unpack(again.get("a") or b"") == "# A\n"
    again.save()  # b was not used by this build: forgotten
    assert PageMemo.load(tmp_path).made == {"a": pack("# A\n")}
    (tmp_path / MEMO_FILE).write_bytes(b"not a memo")
    assert PageMemo.load(tmp_path).made == {}
    earlier = zlib.compress(pickle.dumps({"a": "# A\n"}), 1)  # how an earlier version saved it
    (tmp_path / MEMO_FILE).write_bytes(earlier)
    assert PageMemo.load(tmp_path).get("a") is None
    (tmp_path / MEMO_FILE).write_bytes(pickle.dumps({"a": "# A\n"}))  # Markdown not packed
    assert PageMemo.load(tmp_path).get("a") is None
    assert PageMemo.load(None).made == {}


def test_what_a_build_keeps_unread_stays_for_the_next_one(tmp_path):
    memo = PageMemo.load(tmp_path)
    memo.keep("week", {"wang-li": [Decimal("1.50")]})
    memo.put("page", pack("# A\n"))
    memo.save()
    again = PageMemo.load(tmp_path)
    again.keep_unread("week")
    again.keep_unread("missing")  # nothing kept for it: nothing to keep
    assert again.used == {"week": again.made["week"]} and again.hits == 0
    again.save()
    later = PageMemo.load(tmp_path)
    assert later.recall("week") == {"wang-li": [Decimal("1.50")]}
    assert later.get("page") is None  # not used by the build before: forgotten


def test_a_build_that_changed_a_few_pages_writes_them_beside_the_memo(tmp_path):
    memo = PageMemo.load(tmp_path)
    pages = {f"page{number}": pack(f"# Page {number}\n" + "text " * 200) for number in range(20)}
    for key, packed in pages.items():
        memo.put(key, packed)
    memo.save()
    base = (tmp_path / MEMO_FILE).stat()
    again = PageMemo.load(tmp_path)
    for key in list(pages)[1:]:
        again.get(key)  # page0 is no page of this build
    again.put("new", pack("# New\n"))
    again.save()
    after = (tmp_path / MEMO_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (base.st_ino, base.st_mtime_ns)
    assert (tmp_path / f"{MEMO_FILE}.tail").is_file()
    assert PageMemo.load(tmp_path).made == {**dict(list(pages.items())[1:]), "new": pack("# New\n")}


def test_a_page_holds_its_text_packed_and_reads_it_back():
    text = "# 华北钢铁 servers\n\n| a | b |\n" * 200
    page = Page("deals/a.md", text, "华北钢铁")
    assert page.markdown == text and page.title == "华北钢铁"
    assert len(page.packed) < len(text.encode("utf-8")) / 10
    assert page == Page.of_packed("deals/a.md", pack(text), "华北钢铁")
    assert page != Page("deals/a.md", text + " ", "华北钢铁")
    assert unpack(pack("")) == "" and pack("x")[:1] != PICKLED


def test_the_memo_keeps_records_beside_pages_and_tells_them_apart(tmp_path):
    memo = PageMemo.load(tmp_path)
    memo.keep("week", {"wang-li": [Decimal("1.50"), date(2026, 11, 23)]})
    memo.put("page", pack("# A\n"))
    memo.save()
    again = PageMemo.load(tmp_path)
    assert again.recall("week") == {"wang-li": [Decimal("1.50"), date(2026, 11, 23)]}
    assert again.recall("page") is None and again.get("week") is None  # each kind its own
    assert again.recall("missing") is None and again.hits == 0
    again.start()
    assert again.made.keys() == {"week"}  # what a build recalled is what the next may find
    assert again.recall("week") == {"wang-li": [Decimal("1.50"), date(2026, 11, 23)]}
    again.made["week"] = b"not a pickle"
    assert again.recall("week") is None  # damaged: worked out again


def test_an_object_named_is_read_by_its_name_only_that_very_object():
    week = {"owner": "wang-li", "changes": [1, 2]}
    named = Digest()
    named.name(week, "RepWeek@key-1@wang-li")
    assert named.of(week) == named.of(week) != Digest().of(week)
    again = Digest()
    again.name(dict(week), "RepWeek@key-1@wang-li")
    assert again.of(week) == Digest().of(week)  # another object: read field by field
    other = Digest()
    other.name(week, "RepWeek@key-2@wang-li")
    assert other.of(week) != named.of(week)


@dataclass
class Week:
    owner: str
    logged: list[tuple[str, date]]
    changes: list[tuple[str, str, Decimal]]
    """Deal, what changed (`logged` among them) and amount."""


def _week(amount: str = "1200.50") -> Week:
    return Week(
        "wang-li",
        [("huabei-steel", date(2026, 11, 20))],
        [("huabei-steel", "logged", Decimal(amount))],  # the field's name: the same object
    )


def test_a_value_named_by_its_pickle_is_read_by_its_content_whatever_objects_hold_it():
    fresh = _week()
    read_back = pickle.loads(pickle.dumps(fresh))
    assert pickle.dumps(fresh) != pickle.dumps(read_back)  # "logged": one object, then two
    names = [pickled_name(value) for value in (fresh, read_back, _week(), _week("1200.51"))]
    assert names[0] == names[1] == names[2] != names[3]
    assert names[0] is not None and names[0].startswith("Week:")


def test_a_value_that_holds_itself_or_does_not_pickle_has_no_pickled_name():
    week = _week()
    week.logged.append(week)  # type: ignore[arg-type]
    assert pickled_name(week) is None  # no endless pickling
    assert pickled_name(lambda: week) is None


def test_parts_rendered_for_several_pages_are_not_an_input():
    parts = RenderedParts()
    first = key({**sample(), "made": parts})
    parts["wang-li"] = "## Wang Li's week"
    assert key({**sample(), "made": parts}) == first  # read as its kind, whatever it holds
    assert key({**sample(), "made": {"wang-li": "## Wang Li's week"}}) != first


def test_what_all_pages_share_is_read_from_the_templates_and_the_values(tmp_path):
    templates = tmp_path / "templates"
    (templates / "parts").mkdir(parents=True)
    (templates / "deal.md.j2").write_text("# {{ title }}\n", encoding="utf-8")
    (templates / "parts" / "row.md.j2").write_text("| {{ a }} |\n", encoding="utf-8")
    words = {"won": "Won"}
    first = shared_digest([templates], "en", words, date(2026, 11, 26))
    assert shared_digest([templates], "en", {"won": "Won"}, date(2026, 11, 26)) == first
    assert shared_digest([templates], "en", {"won": "Gewonnen"}, date(2026, 11, 26)) != first
    assert shared_digest([templates], "en", words, date(2026, 11, 27)) != first
    assert shared_digest([], "en", words, date(2026, 11, 26)) != first
    (templates / "parts" / "row.md.j2").write_text("| {{ b }} |\n", encoding="utf-8")
    edited = shared_digest([templates], "en", words, date(2026, 11, 26))
    assert edited != first
    (templates / "parts" / "row.md.j2").rename(templates / "parts" / "line.md.j2")
    renamed = shared_digest([templates], "en", words, date(2026, 11, 26))
    assert renamed != edited
    (templates / "__pycache__").mkdir()
    (templates / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert shared_digest([templates], "en", words, date(2026, 11, 26)) == renamed


class Stage(Enum):
    WON = "won"
    LOST = "lost"


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


def test_kinds_of_leaves_and_records_with_extra_fields_are_read():
    base = key({"stage": Stage.WON, "safe": Markup("<b>x</b>"), "odd": "\ud800 lone"})
    assert base == key({"stage": Stage.WON, "safe": Markup("<b>x</b>"), "odd": "\ud800 lone"})
    assert base != key({"stage": "won", "safe": Markup("<b>x</b>"), "odd": "\ud800 lone"})
    assert base != key({"stage": Stage.LOST, "safe": Markup("<b>x</b>"), "odd": "\ud800 lone"})
    assert base != key({"stage": Stage.WON, "safe": Markup("<i>x</i>"), "odd": "\ud800 lone"})
    loose = Loose(name="Li Na", phone="+86 1")
    first = key({"x": loose})
    assert key({"x": Loose(name="Li Na", phone="+86 2")}) != first
    assert key({"x": Loose(name="Li Na", email="+86 1")}) != first
    assert key({"x": Loose(name="Wang Li", phone="+86 1")}) != first
    assert key({"titles": {"a": "Servers"}}) != key({"titles": {"b": "Servers"}})


def test_the_memo_counts_and_writes_into_a_new_folder(tmp_path):
    memo = PageMemo.load(tmp_path / "funnel" / "nested")
    memo.put("a", pack("# A\n"))
    memo.put("b", pack("# B\n"))
    assert (memo.hits, memo.rendered) == (0, 2)
    memo.save()
    again = PageMemo.load(tmp_path / "funnel" / "nested")
    again.get("a")
    assert (again.hits, again.rendered) == (1, 0)
    again.start()
    assert (again.hits, again.rendered, again.used) == (0, 0, {})


def test_a_template_folder_with_a_name_that_is_not_utf8_has_a_digest(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / os.fsdecode(b"old-\xff.md.j2")).write_text("# Old\n", encoding="utf-8")
    assert shared_digest([templates], "en") != shared_digest([], "en")


def test_the_library_versions_are_named_with_their_numbers():
    import jinja2

    assert installed_versions(["jinja2", "no-such-library"]) == [
        f"jinja2=={jinja2.__version__}",
        "no-such-library missing",
    ]


def test_what_all_pages_share_includes_the_library_versions(monkeypatch):
    before = shared_digest([], "en")
    monkeypatch.setattr(memo, "installed_versions", lambda names: ["jinja2==0.0"])
    assert shared_digest([], "en") != before


def test_a_record_of_a_data_file_is_read_as_its_path_and_content_only_that_very_object(
    valid_data,
):
    from datetime import date

    from generator.data.validate import check

    dataset = check(valid_data, date(2026, 11, 26), display="data").dataset
    deal = next(iter(dataset.deals.values()))
    account = dataset.accounts[deal.account]
    blobs = {deal.path: "1" * 40, account.path: "2" * 40}
    known = Digest()
    known.know([deal, account], blobs)
    again = Digest()
    again.know([deal, account], dict(blobs))
    assert known.of(deal) == again.of(deal) != Digest().of(deal)  # by path and content
    edited = Digest()
    edited.know([deal], {deal.path: "3" * 40})  # the file's content changed
    assert edited.of(deal) != known.of(deal)
    copy = deal.model_copy(update={"amount": deal.amount + 1})  # another value, same path
    assert known.of(copy) == Digest().of(copy) != Digest().of(deal)
    unknown = Digest()
    unknown.know([deal], {})  # no blob (a file read with problems): read field by field
    assert unknown.of(deal) == Digest().of(deal)


def test_what_all_pages_share_includes_the_memo_s_own_format(monkeypatch):
    before = shared_digest([], "en")
    monkeypatch.setattr(memo, "FORMAT", memo.FORMAT + 1)
    assert shared_digest([], "en") != before


def test_a_memo_that_cannot_be_written_keeps_nothing_and_the_build_goes_on(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file where the memo's folder would be\n", encoding="utf-8")
    memo = PageMemo.load(taken)
    memo.put("a", pack("# A\n"))
    memo.save()  # no error: the next build renders every page
    assert (
        taken.read_text(encoding="utf-8").startswith("a file") and PageMemo.load(taken).made == {}
    )

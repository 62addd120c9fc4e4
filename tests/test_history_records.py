"""The records of the history at their edges: since when an account or deal is known, a
history cut at a past commit, and versions of deals that were broken, odd or old."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from conftest import GitRepo, deal_yaml
from test_baseline import adoption_repo, created

from generator.analytics.compliance import order_decision
from generator.history.mining import read_history
from generator.history.records import (
    Commit,
    History,
    Interner,
    Snapshot,
    Version,
    is_log_entry,
    known_since,
    snapshot,
)

PATH = "data/deals/acme-laptops.yaml"
ACCOUNTS = {"acme", "globex", "initech"}


def snap(text: str, shared: Interner | None = None) -> Snapshot:
    return snapshot(text.encode(), PATH, shared)


def nothing_read(path: str = PATH) -> Snapshot:
    """The snapshot of a version of which nothing could be read."""
    return Snapshot(path, None, None, None, None, None, None, None, None, (), (None,) * 5)


# -- since when an account is known ------------------------------------------------------------


def test_an_account_is_known_since_its_first_deal_whatever_came_later(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("acme's first deal", date="2026-02-02")
    repo.write("deals/acme-servers.yaml", deal_yaml())
    repo.commit("acme's second deal", date="2026-02-10")
    repo.remove("deals/acme-laptops.yaml")
    repo.commit("the first deal removed", date="2026-02-12")
    repo.write("deals/globex-desks.yaml", deal_yaml(account="42"))
    repo.commit("a deal whose account is a number", date="2026-02-15")
    repo.write("deals/globex-desks.yaml", deal_yaml(account="globex"))
    repo.commit("its account put right", date="2026-02-20")
    history = read_history(repo.data, use_cache=False)
    assert list(history.deals) == ["acme-laptops", "acme-servers", "globex-desks"]
    assert history.deals["acme-laptops"][-1].snapshot is None
    assert history.deals["globex-desks"][0].snapshot.account is None
    # the removed deal still counts; the deal entered without a readable account counts for
    # the account it names later from the day it was entered
    assert history.account_first_seen() == {"acme": date(2026, 2, 2), "globex": date(2026, 2, 15)}
    refused = order_decision(history, ACCOUNTS, "acme", date(2026, 2, 15), 14)
    assert (refused.accept, refused.first_seen) == (False, date(2026, 2, 2))
    assert order_decision(history, ACCOUNTS, "acme", date(2026, 2, 16), 14).accept


def test_an_account_no_deal_ever_named_is_not_known(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml(account="42"))
    repo.commit("a deal whose account is a number", date="2026-02-02")
    repo.remove("deals/acme-laptops.yaml")
    repo.commit("and gone", date="2026-02-03")
    history = read_history(repo.data, use_cache=False)
    assert history.account_first_seen() == {}
    assert History(repo.root, "data", head="").account_first_seen() == {}


# -- since when a baseline deal is known -------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "closed", "known"),
    [
        ("won", "2025-12-01", [date(2026, 1, 1), date(2025, 12, 1)]),
        ("lost", "2025-12-01", [date(2026, 1, 1), date(2025, 12, 1)]),
        ("won", "2026-03-01", [date(2026, 1, 1), date(2026, 3, 1)]),
        ("won", None, [date(2026, 1, 1)]),
        ("lead", "2025-12-01", [date(2026, 1, 1)]),  # an open deal's closed_on says nothing
        ("offer", None, [date(2026, 1, 1)]),
    ],
)
def test_a_baseline_deal_is_known_since_created_and_a_closed_deal_since_closed_on(
    stage, closed, known
):
    assert known_since(snap(deal_yaml(stage=stage, closed=closed))) == known


def test_dates_that_are_not_dates_say_nothing_of_when_a_deal_was_known():
    won = deal_yaml(stage="won", closed="2025-12-01").replace("2026-01-01", "last spring")
    assert known_since(snap(won)) == [date(2025, 12, 1)]
    assert known_since(snap("stage: won\nclosed_on: soon\n")) == []
    assert known_since(nothing_read()) == []


def test_a_baseline_deal_closed_before_it_was_created_is_known_since_it_closed(tmp_path):
    repo = adoption_repo(tmp_path)
    won = created(deal_yaml(account="initech", stage="won", closed="2025-02-01"), "2025-04-01")
    lost = created(deal_yaml(account="umbrella", stage="lost", closed="2025-03-01"), "2025-05-01")
    open_ = created(deal_yaml(account="initech", closed="2025-01-01"), "2025-06-01")
    repo.write("deals/initech-won.yaml", won)
    repo.write("deals/umbrella-lost.yaml", lost)
    repo.write("deals/initech-open.yaml", open_)
    repo.commit("Import the CRM\n\nFunnel-Baseline: import", date="2026-07-01", who="Boss")
    history = read_history(repo.data, use_cache=False)
    assert history.first_seen("initech-won") == date(2025, 2, 1)
    assert history.first_seen("umbrella-lost") == date(2025, 3, 1)
    assert history.first_seen("initech-open") == date(2025, 6, 1)


def test_a_version_without_the_extra_fields_is_known_since_its_commit():
    """Snapshots kept by an older release have no extra fields: no `created` to go by."""
    old = Snapshot(PATH, "acme", None, None, None, None, None, "won", date(2025, 12, 1), ())
    assert old.extra == () and old.get("created") is None and old.get("products") is None
    assert known_since(old) == [date(2025, 12, 1)]
    commit = Commit("c1", "Boss", "boss@example.com", date(2026, 6, 1), "Import", baseline=True)
    history = History(None, "data", "c1", [commit], {"acme-laptops": [Version(commit, old)]})
    assert history.first_seen("acme-laptops") == date(2025, 12, 1)


# -- the history at a past commit --------------------------------------------------------------


def test_a_history_cut_before_the_data_arrived_has_no_baseline(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    (repo.root / "README.md").write_text("The team's funnel, soon.\n", encoding="utf-8")
    before = repo.commit("A repository before the funnel", date="2026-01-02")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    first = repo.commit("Our funnel as it is today", date="2026-01-05")
    repo.write("deals/globex-desks.yaml", deal_yaml(account="globex"))
    later = repo.commit("globex", date="2026-01-09")
    history = read_history(repo.data, use_cache=False)
    assert history.baseline == first

    def line(sha: str) -> set[str]:
        return set(repo.git("rev-list", "--first-parent", sha).split())

    empty = history.until(before, line(before))
    assert (empty.root, empty.data_prefix, empty.head) == (history.root, "data", before)
    assert (empty.commits, empty.deals, empty.baseline) == ([], {}, None)
    at_first = history.until(first, line(first))
    assert (at_first.root, at_first.data_prefix, at_first.head) == (history.root, "data", first)
    assert at_first.baseline == first and [c.sha for c in at_first.commits] == [first]
    assert list(at_first.deals) == ["acme-laptops"] and at_first.in_baseline("acme-laptops")
    assert history.until(later, line(later)).baseline == first
    assert history.head == later and len(history.commits) == 2  # the history read is left whole


# -- what a version says, read leniently -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        b"account: [acme\nstage: lead\n",  # broken YAML
        b"account: acme\nstage: \xff\n",  # not UTF-8
        b"- account: acme\n- stage: lead\n",  # a list, not a deal
        b"acme\n",
    ],
)
def test_a_version_that_cannot_be_read_reads_as_nothing(text):
    assert snapshot(text, PATH) == nothing_read()


def test_values_of_the_wrong_kind_read_as_unknown():
    text = (
        "account: 42\ncontact: [Li, Wu]\nowner: {id: ann}\ntitle: 2026\namount: true\n"
        "expected_close: soon\nstage: 3\nclosed_on: '2026-03-01'\nlog: 5\n"
    )
    assert snap(text) == nothing_read()
    assert snap("log: {date: 2026-02-01, note: Call}\n").log == ()
    assert snap("log: just text\n").log == ()


def test_a_log_entry_without_a_note_or_a_date_is_kept_with_what_it_has():
    text = "log:\n  - {date: 2026-02-01}\n  - {note: 42}\n  - Call\n  - {date: soon, note: Demo}\n"
    assert snap(text).log == ((date(2026, 2, 1), ""), (None, "42"), (None, "Demo"))


def test_extra_fields_keep_lists_and_mappings_with_their_keys_in_order():
    text = (
        deal_yaml()
        + "products:\n  - {name: ProBook 450, qty: 3}\n  - {qty: 1, name: EliteBook}\n"
        + "source: fair\n"
    )
    version = snap(text)
    assert version.get("products") == (
        (("name", "ProBook 450"), ("qty", 3)),
        (("name", "EliteBook"), ("qty", 1)),
    )
    assert (version.get("source"), version.get("created")) == ("fair", date(2026, 1, 1))
    assert version.get("lost_reason") is None and version.get("next_step") is None


def test_numbers_and_yes_no_in_extra_fields_keep_their_kind():
    """1, true and 1.0 are equal in Python: shared as one they would all show as 1."""
    version = snap(deal_yaml() + "products: [1, true, 1.0]\nsource: true\nnext_step: 1\n")
    assert repr(version.get("products")) == "(1, True, Decimal('1.0'))"
    assert (repr(version.get("source")), repr(version.get("next_step"))) == ("True", "1")
    assert version.get("products")[2] == Decimal("1.0")


def test_equal_texts_and_dates_in_extra_fields_are_one_object_within_one_read():
    shared = Interner()
    extra = "products:\n  - {name: ProBook 450}\nsource: trade-show-2026\n"
    one, two = (snap(deal_yaml() + extra, shared) for _ in range(2))
    assert one.get("source") is two.get("source")
    assert one.get("created") is two.get("created")
    assert one.get("products")[0][0][1] is two.get("products")[0][0][1]
    other = snap(deal_yaml() + extra)
    assert other.get("source") == one.get("source") and other.get("source") is not one.get("source")


# -- log entries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "entry"),
    [
        ((date(2026, 2, 1), "Call"), True),
        ((None, "Call"), True),  # an entry whose date could not be read
        (("2026-02-01", "Call"), False),
        ((date(2026, 2, 1), None), False),
        ((None, None), False),
        ((date(2026, 2, 1), "Call", "again"), False),
        ([date(2026, 2, 1), "Call"], False),
        ("Call", False),
    ],
)
def test_a_log_entry_is_a_date_or_nothing_and_a_note(value, entry):
    assert is_log_entry(value) is entry

"""Business changes of one deal: what each field change means in the sales team's words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from conftest import HISTORY_FUNNEL, deal_yaml

from generator.data.model import Funnel
from generator.data.strictyaml import parse
from generator.history.events import (
    all_events,
    compare,
    deal_events,
    owner_deltas,
    weighted_delta,
)
from generator.history.mining import read_history
from generator.history.records import Commit, Version, snapshot

FUNNEL = Funnel.model_validate(parse(HISTORY_FUNNEL, "funnel.yaml")[0])


def version(**fields):
    return snapshot(deal_yaml(**fields).encode(), "deals/acme-laptops.yaml")


def stage_change(old, new):
    changes = [c for c in compare("acme-laptops", old, new, FUNNEL) if c.field == "stage"]
    assert len(changes) == 1
    return changes[0].what


@pytest.mark.parametrize("closed", ["lost", "won"])
@pytest.mark.parametrize("stage", ["lead", "offer", "verbal"])
def test_a_closed_deal_set_back_to_an_open_stage_is_reopened(closed, stage):
    old = version(stage=closed, closed="2026-03-01")
    assert stage_change(old, version(stage=stage)) == "reopened"


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        ("lead", "offer", "stage_up"),
        ("verbal", "offer", "stage_down"),
        ("offer", "won", "won"),
        ("offer", "lost", "lost"),
        ("lost", "won", "won"),
        ("won", "lost", "lost"),
    ],
)
def test_stage_moves_are_named_by_their_place_in_the_funnel(old, new, what):
    closed = {"closed": "2026-03-01"}
    before = version(stage=old, **(closed if old in ("won", "lost") else {}))
    after = version(stage=new, **(closed if new in ("won", "lost") else {}))
    assert stage_change(before, after) == what


def test_a_reopened_deal_in_history_brings_its_weight_back(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", amount="1000.00"))
    repo.commit("offer", date="2026-02-02")
    repo.write(
        "deals/acme-laptops.yaml", deal_yaml(stage="lost", amount="1000.00", closed="2026-02-10")
    )
    repo.commit("lost", date="2026-02-10")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal", amount="1000.00"))
    repo.commit("they called back", date="2026-03-02", who="Bob")
    history = read_history(repo.data, use_cache=False)
    events = [
        (e.change.what, e.weighted_delta)
        for e in all_events(history, FUNNEL)
        if e.change.field == "stage"
    ]
    assert events == [
        ("added", Decimal(400)),
        ("lost", Decimal(-400)),
        ("reopened", Decimal(800)),
    ]
    reopened = [e for e in all_events(history, FUNNEL) if e.change.what == "reopened"]
    assert [(e.change.old, e.change.new, e.owner, str(e.day)) for e in reopened] == [
        ("lost", "verbal", "ann", "2026-03-02")
    ]


def snap(text: str, path: str = "data/deals/acme-laptops.yaml"):
    return snapshot(text.encode(), path)


BEFORE = deal_yaml(stage="offer", amount="1000.00", log=[("2026-02-01", "Call")])
AFTER = (
    deal_yaml(owner="bob", stage="verbal", amount="1200.00", expected="2026-05-31",
              account="globex", log=[("2026-02-01", "Call again"), ("2026-02-09", "Demo")])
    .replace("contact: Li", "contact: Wu").replace("title: Laptops", "title: PCs")
    + "products: [ProBook]\nsource: fair\nnext_step: Quote\n"
)  # fmt: skip


def test_every_field_of_a_deal_is_compared_in_order():
    changes = compare("acme-laptops", snap(BEFORE), snap(AFTER, "data/deals/x/acme-laptops.yaml"),
                      FUNNEL)  # fmt: skip
    assert [(c.kind, c.what, c.field, c.old, c.new) for c in changes] == [
        ("moved", "moved", "path", "data/deals/acme-laptops.yaml",
         "data/deals/x/acme-laptops.yaml"),
        ("changed", "stage_up", "stage", "offer", "verbal"),
        ("changed", "amount", "amount", Decimal("1000.00"), Decimal("1200.00")),
        ("changed", "pulled_in", "expected_close", date(2026, 6, 30), date(2026, 5, 31)),
        ("changed", "owner", "owner", "ann", "bob"),
        ("changed", "changed", "account", "acme", "globex"),
        ("changed", "changed", "contact", "Li", "Wu"),
        ("changed", "changed", "title", "Laptops", "PCs"),
        ("changed", "changed", "products", None, ("ProBook",)),
        ("changed", "changed", "source", None, "fair"),
        ("changed", "changed", "next_step", None, "Quote"),
        ("changed", "changed", "log", (date(2026, 2, 1), "Call"),
         (date(2026, 2, 1), "Call again")),
        ("changed", "logged", "log", None, (date(2026, 2, 9), "Demo")),
    ]  # fmt: skip
    assert all(c.deal == "acme-laptops" for c in changes)


def test_added_removed_and_shortened_logs_are_told_apart():
    new = snap(deal_yaml(stage="offer"))
    won = snap(deal_yaml(stage="won", closed="2026-03-01"))
    lost = snap(deal_yaml(stage="lost", closed="2026-03-01"))
    assert compare("d", None, None, FUNNEL) == []
    (added,) = compare("d", None, new, FUNNEL)
    assert (added.kind, added.what, added.field, added.old, added.new) == (
        "added", "added", "stage", None, "offer")  # fmt: skip
    assert not added.red_flag
    (at_once,) = compare("d", None, won, FUNNEL)
    assert (at_once.what, at_once.new, at_once.red_flag) == ("won_at_once", "won", True)
    (removed,) = compare("d", new, None, FUNNEL)
    assert (removed.kind, removed.what, removed.field, removed.red_flag) == (
        "removed", "removed", None, True)  # fmt: skip
    for closed in (won, lost):
        (gone,) = compare("d", closed, None, FUNNEL)
        assert (gone.what, gone.red_flag) == ("removed_closed", False)
    longer = snap(deal_yaml(log=[("2026-02-01", "a"), ("2026-02-02", "b")]))
    shorter = snap(deal_yaml(log=[("2026-02-01", "a")]))
    (cut,) = compare("d", longer, shorter, FUNNEL)
    assert (cut.deal, cut.kind, cut.what, cut.field, cut.old, cut.new) == (
        "d", "changed", "changed", "log", 2, 1)  # fmt: skip
    assert compare("d", longer, longer, FUNNEL) == []


def test_a_slip_and_an_unknown_stage():
    early, late = snap(deal_yaml(expected="2026-03-31")), snap(deal_yaml(expected="2026-04-30"))
    assert [c.what for c in compare("d", early, late, FUNNEL)] == ["slipped"]
    odd = snap(deal_yaml(stage="mystery"))
    assert stage_change(snap(deal_yaml(stage="offer")), odd) == "changed"
    assert stage_change(odd, snap(deal_yaml(stage="offer"))) == "changed"
    assert stage_change(snap(deal_yaml(stage="verbal")), snap(deal_yaml(stage="won",
                        closed="2026-03-01"))) == "won"  # fmt: skip


def test_a_field_beside_the_funnel_s_tells_its_old_value_and_a_closing_day_never_slips():
    fair = snap(deal_yaml() + "source: fair\n")
    web = snap(deal_yaml() + "source: web\n")
    assert [(c.what, c.field, c.old, c.new) for c in compare("d", fair, web, FUNNEL)] == [
        ("changed", "source", "fair", "web")
    ]
    won = snap(deal_yaml(stage="won", closed="2026-03-01"))
    later = snap(deal_yaml(stage="won", closed="2026-03-09"))
    assert [(c.what, c.field) for c in compare("d", won, later, FUNNEL)] == [
        ("changed", "closed_on")
    ]


def test_weight_moves_only_where_it_changes_and_is_money():
    lost = snap(deal_yaml(stage="lost", closed="2026-03-01"))
    handed = snap(deal_yaml(stage="lost", closed="2026-03-01", owner="bob"))
    assert owner_deltas(lost, handed, FUNNEL) == {}  # a closed deal weighs nothing
    offer = snap(deal_yaml(stage="offer", amount="1000.00"))
    total, owners = weighted_delta({"a": offer}, {"a": offer}, FUNNEL)
    assert (total, owners) == (Decimal("0"), {}) and isinstance(total, Decimal)
    moved = snap(deal_yaml(stage="offer", amount="1000.00", owner="bob"))
    total, owners = weighted_delta({"a": offer, "b": moved}, {"a": moved, "b": offer}, FUNNEL)
    assert (total, owners) == (Decimal("0"), {})  # each owner gains what they lost


def test_a_deal_first_seen_removed_has_no_events():
    commit = Commit("c1", "Ann", "ann@example.com", date(2026, 2, 2), "gone")
    assert deal_events("acme-laptops", [Version(commit, None)], FUNNEL) == []


def test_the_events_of_several_deals_come_in_the_order_of_the_main_line(history_repo):
    repo = history_repo
    repo.write("deals/initech-desks.yaml", deal_yaml(account="initech"))
    repo.commit("initech first", date="2026-02-02")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("acme then", date="2026-02-03")
    events = all_events(read_history(repo.data, use_cache=False), FUNNEL)
    assert [event.change.deal for event in events] == ["initech-desks", "acme-laptops"]

"""Business changes of one deal: what each field change means in the sales team's words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import HISTORY_FUNNEL, deal_yaml

from generator.events import all_events, compare
from generator.history import read_history, snapshot
from generator.model import Funnel
from generator.strictyaml import parse

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

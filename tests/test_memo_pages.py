"""Pages made with a memo are the pages made without one, after any change of their inputs;
and only the pages whose inputs changed are rendered again."""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import subprocess
import weakref
from datetime import date, timedelta
from pathlib import Path

import pypinyin
import pytest
from conftest import markdown_made, write_example

from generator.analytics.deals import DealView
from generator.data.model import Deal
from generator.data.parse_cache import ParseCache
from generator.data.validate import check
from generator.history.mining import read_history
from generator.site import history_pages, sales_pages
from generator.site.context import SiteContext
from generator.site.environment import PACKAGED, environment
from generator.site.memo import PICKLED, Digest, PageMemo
from generator.site.pages import PINYIN, build_pages

AS_OF = date(2026, 11, 26)
DEAL = "deals/east/northwind-servers-2027.yaml"


@pytest.fixture
def example(tmp_path_factory) -> Path:
    """`funnel example`: a team's repository with a year of history."""
    return write_example(tmp_path_factory.mktemp("memo") / "example", AS_OF.isoformat())


def made(
    root: Path, memo: PageMemo | None, as_of: date = AS_OF, **options: object
) -> dict[str, str]:
    result = check(root / "data", as_of, display="data")
    assert not [problem for problem in result.problems if problem.severity == "error"]
    pages = build_pages(
        result.dataset.valid(),
        as_of,
        history=read_history(root / "data"),
        memo=memo,
        **options,  # type: ignore[arg-type]
    )
    return {page.path: page.markdown for page in pages}


def test_a_second_build_renders_nothing_and_changes_nothing(example):
    memo = PageMemo()
    fresh = made(example, None)
    assert made(example, memo) == fresh
    assert memo.rendered > 200 and memo.hits == 0  # every page has a key
    memo.start()
    assert made(example, memo) == fresh
    assert (memo.rendered, memo.hits) == (0, len(fresh) - 3)  # robots.txt, support.json, css


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bigger_order(root: Path) -> None:
    """The deal's amount raised in its file (not committed)."""
    deal = root / "data" / DEAL
    amount = next(line for line in deal.read_text().splitlines() if line.startswith("amount:"))
    _edit(deal, amount, "amount: 1234567.89")


def _commit(root: Path, message: str, day: str | None = None) -> None:
    """Commit every change, as landed on `day` (ISO date and time) when given."""
    env = {**os.environ, "GIT_COMMITTER_DATE": day} if day else None
    git = ["git", "-c", "user.name=Wang Fang", "-c", "user.email=wang.fang@example.com"]
    subprocess.run([*git, "commit", "-qam", message], cwd=root, check=True, env=env)


def test_an_edited_deal_renders_its_pages_again_and_no_other(example):
    memo = PageMemo()
    before = made(example, memo)
    memo.start()
    _bigger_order(example)
    after = made(example, memo)
    assert after == made(example, None)
    changed = {path for path in after if after[path] != before.get(path)}
    assert "deals/northwind-servers-2027.md" in changed and "forecast.md" in changed
    assert memo.rendered == len(changed) and 0 < memo.rendered < len(after) / 2
    memo.start()
    _commit(example, "A bigger order")
    committed = made(example, memo)  # the deal's timeline, this week's review ...
    assert committed == made(example, None)
    assert committed["deals/northwind-servers-2027.md"] != after["deals/northwind-servers-2027.md"]


@pytest.mark.parametrize("change", ["another language", "a template"])
def test_what_every_page_shares_renders_them_all_again(example, tmp_path, change):
    memo = PageMemo()
    made(example, memo)
    memo.start()
    options: dict[str, object] = {}
    as_of = AS_OF
    if change == "another language":
        options["language"] = "zh"
    else:
        templates = tmp_path / "templates"
        templates.mkdir()
        shutil.copy(PACKAGED / "links.md.j2", templates / "links.md.j2")
        _edit(templates / "links.md.j2", "{% macro deal(", "{#- the team's -#}\n{% macro deal(")
        options["templates"] = templates
    again = made(example, memo, as_of, **options)
    assert again == made(example, None, as_of, **options)
    assert memo.hits == 0


READ_THE_DAY = {"forecast.md.j2", "home.md.j2", "marketing.md.j2", "rep.md.j2"}
READ_THE_DAY |= {"territory.md.j2"}
"""The packaged templates that show the as-of day itself (see `may_read`)."""


def test_a_new_day_renders_again_the_pages_that_show_the_day_or_change_with_it(
    example, monkeypatch
):
    """Day after day with one memo, every page is the page an uncached build makes that day
    (the day crosses deals' expected closes, a week's end, a month's and a quarter's); a page
    is rendered again when its templates show the day or its inputs changed with it. A deal's
    page shows nothing of the day: it comes from the memo."""
    memo = PageMemo()
    made(example, memo)
    templates = _templates_used(monkeypatch)
    rendered = markdown_made(monkeypatch)
    for days in (1, 2, 5, 7, 36, 130):
        memo.start()
        rendered.clear()
        as_of = AS_OF + timedelta(days=days)
        again = made(example, memo, as_of)
        again_rendered = set(rendered)
        assert again == made(example, None, as_of), as_of
        assert memo.hits > (150 if days == 1 else 100), as_of  # 251 pages
        shown = {path for path, template in templates.items() if template in READ_THE_DAY}
        assert shown <= again_rendered, as_of
        assert not [path for path in again_rendered if path.startswith("deals/")], as_of
        if days == 1:  # the same week, the same commits: its pages taken whole
            assert not [path for path in again_rendered if path.startswith("reviews/")]
            assert len(again_rendered) < 20  # of 251: the day's own pages


@pytest.mark.parametrize(
    ("template", "page"),
    [("deal.md.j2", "deals/northwind-servers-2027.md"), ("review.md.j2", "reviews/2026-W47/")],
)
def test_a_teams_template_that_shows_the_day_is_rendered_again_each_day(
    example, tmp_path, template, page
):
    """A page from a team's template that prints the as-of day, or takes in one that does, is
    rendered again on a new day: a deal's page, and a past week's review pages (otherwise
    taken whole from the memo with the week's facts)."""
    templates = tmp_path / "templates"
    templates.mkdir()
    text = (PACKAGED / template).read_text(encoding="utf-8")
    (templates / template).write_text(text + '\n{% include "stamp.md.j2" %}\n', encoding="utf-8")
    (templates / "stamp.md.j2").write_text("As of {{ as_of }}.\n", encoding="utf-8")
    memo = PageMemo()
    made(example, memo, templates=templates)
    for days in (1, 2):
        memo.start()
        as_of = AS_OF + timedelta(days=days)
        again = made(example, memo, as_of, templates=templates)
        shown = [path for path in again if path.startswith(page)]
        assert shown, page
        for path in shown:
            assert f"As of {as_of.isoformat()}." in again[path], path
        assert again == made(example, None, as_of, templates=templates)


def _templates_used(monkeypatch) -> dict[str, str]:
    """The template of each page made from here on, by the page's path."""
    used: dict[str, str] = {}
    render = SiteContext.render

    def noted(self, template, path, **values):
        used[path] = template
        return render(self, template, path, **values)

    monkeypatch.setattr(SiteContext, "render", noted)
    return used


def test_a_template_edited_between_builds_is_seen(example, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    memo = PageMemo()
    made(example, memo, templates=templates)
    memo.start()
    text = (PACKAGED / "deal.md.j2").read_text(encoding="utf-8")
    (templates / "deal.md.j2").write_text(text + "\nChecked by the desk.\n", encoding="utf-8")
    again = made(example, memo, templates=templates)
    assert "Checked by the desk." in again["deals/northwind-servers-2027.md"]
    assert again == made(example, None, templates=templates)


def _noted(found: list[object], value: object) -> object:
    found.append(value)
    return value


def _counting(monkeypatch, name: str = "weekly_review") -> list[str]:
    """The weeks whose reviews (`weekly_review`), or the periods whose forecast at their start
    (`start_forecast`), are worked out (not taken from the memo), by name."""
    worked: list[str] = []
    real = getattr(history_pages, name)

    def counted(history, *args, **options):
        worked.append(args[-1].name)  # the week or the period
        return real(history, *args, **options)

    monkeypatch.setattr(history_pages, name, counted)
    return worked


def test_a_week_is_worked_out_again_only_when_its_commits_or_the_funnel_change(
    example, monkeypatch
):
    worked = _counting(monkeypatch)
    memo = PageMemo()
    made(example, memo)
    assert len(worked) == history_pages.WEEKS_KEPT
    memo.start()
    worked.clear()
    assert made(example, memo) == made(example, None)
    assert len(worked) == history_pages.WEEKS_KEPT  # the uncached build only
    worked.clear()

    memo.start()
    before = made(example, memo)
    worked.clear()
    memo.start()
    _bigger_order(example)
    _commit(example, "A bigger order", "2026-11-28T10:00:00+0800")
    committed = made(example, memo)
    assert worked == ["2026-W48"]  # this week has a new commit; the eleven before are kept
    worked.clear()
    assert committed == made(example, None)
    page = "reviews/2026-W48/tom-becker.md"
    assert committed[page] != before[page]  # the bigger order moved the week's weight
    worked.clear()

    memo.start()
    _edit(example / "data" / "funnel.yaml", "probability: 50", "probability: 55")
    changed = made(example, memo)
    assert len(worked) == history_pages.WEEKS_KEPT  # the weights of every week's changes
    worked.clear()
    assert changed == made(example, None)


def test_a_week_kept_damaged_is_worked_out_again(example, monkeypatch):
    worked = _counting(monkeypatch)
    memo = PageMemo()
    fresh = made(example, memo)

    def kept(kind: type) -> list[str]:
        return [
            key
            for key, value in memo.made.items()
            if value[:1] == PICKLED and isinstance(pickle.loads(value), kind)
        ]

    memo.start()
    assert len(kept(history_pages.WeekFacts)) == len(kept(history_pages.WeekPages)) == 12
    for key in kept(history_pages.WeekPages):
        memo.made[key] = b"not a pickle"  # the pages made again from the weeks' facts
    worked.clear()
    assert made(example, memo) == fresh
    assert worked == []
    memo.start()
    for key in kept(history_pages.WeekPages):
        memo.made[key] = b"not a pickle"
    memo.made[kept(history_pages.WeekFacts)[0]] = b"not a pickle"  # and one week's facts
    worked.clear()
    assert made(example, memo) == fresh
    assert len(worked) == 1


def test_a_past_week_is_taken_whole_and_its_facts_kept_for_a_later_build(example, monkeypatch):
    """A week's pages whose history and names are unchanged are taken as they were, the week's
    facts not read; a deal's new title makes them again, from the facts kept unread."""
    worked = _counting(monkeypatch)
    memo = PageMemo()
    made(example, memo)
    memo.start()
    rendered = markdown_made(monkeypatch)
    read: list[object] = []
    recall = PageMemo.recall
    monkeypatch.setattr(PageMemo, "recall", lambda memo, key: _noted(read, recall(memo, key)))
    made(example, memo)
    assert not any(isinstance(value, history_pages.WeekFacts) for value in read)
    assert not [path for path in rendered if path.startswith("reviews/")]
    for name, file, old, new in RENAMED:
        memo.start()
        read.clear()
        rendered.clear()
        _edit(next((example / "data").glob(file)), old, new)
        worked.clear()
        renamed = made(example, memo)
        assert not any(isinstance(value, history_pages.WeekPages) for value in read), name
        if name == "a deal's title":  # the weeks' facts read back, not worked out again
            assert worked == []
            assert sum(isinstance(value, history_pages.WeekFacts) for value in read) == 12
        assert renamed == made(example, None), name


RENAMED = [
    ("a deal's title", "deals/*/*.yaml", "title: ", "title: Renamed "),
    ("an account's name", "accounts/*.yaml", "name: ", "name: Renamed "),
    ("a person's name", "team.yaml", "    name: 张伟\n", "    name: 张伟伟\n"),
    ("the team's order", "team.yaml", "    name: 张伟伟\n", "    name: Zz\n"),
]
"""What a week's review pages name besides its history: each makes them again (a title from
the facts kept; the others are in what all pages share, the facts' key among them)."""


def test_names_read_in_pinyin_are_kept_so_a_later_build_needs_no_pypinyin(example, monkeypatch):
    memo = PageMemo()
    fresh = made(example, memo)
    kept = pickle.loads(memo.used[PINYIN])
    assert isinstance(kept, dict) and "杭州江南商业银行股份有限公司" in kept
    assert kept["杭州江南商业银行股份有限公司"].startswith("hang zhou jiang nan")

    def no_pypinyin(*args, **kwargs):
        raise AssertionError("pypinyin read a name again")

    monkeypatch.setattr(pypinyin, "lazy_pinyin", no_pypinyin)
    memo.start()
    assert made(example, memo) == fresh
    with pytest.raises(AssertionError, match="pypinyin read a name again"):
        made(example, PageMemo())  # without the memo: read again


def test_the_pages_leave_nothing_that_holds_the_sites_context(example, monkeypatch):
    """A template's rendering leaves cycles (Jinja's); what the pages were made from (the
    dataset, the history, every deal's view) must not hang on them: freed as the pages are
    made, not by the collector (which at 10,000 deals took most of a second to find them)."""
    contexts: list[weakref.ref[SiteContext]] = []
    made_of = SiteContext.of.__func__  # type: ignore[attr-defined]

    def noted(cls, *args, **kwargs):
        context = made_of(cls, *args, **kwargs)
        contexts.append(weakref.ref(context))
        return context

    monkeypatch.setattr(SiteContext, "of", classmethod(noted))
    gc.collect()
    gc.disable()
    try:
        assert made(example, None)
        assert contexts and all(context() is None for context in contexts)
    finally:
        gc.enable()


def _timeline_keys(root: Path) -> dict[str, str]:
    """How a build's page keys read each deal's timeline, by deal."""
    result = check(root / "data", AS_OF, display="data")
    env = environment(None)
    context = SiteContext.of(
        result.dataset.valid(), AS_OF, env, "en", read_history(root / "data"), memo=PageMemo()
    )
    assert context.timelines
    return {deal: context.reader.of(events) for deal, events in context.timelines.items()}


def test_a_timeline_is_read_by_its_deals_commits_and_the_funnel(example):
    """A deal's timeline is named by what its events are made from, not read event by event:
    a commit that changes the deal renames it, one that changes another deal does not, and
    so does a new funnel (its weights move the events' deltas)."""
    before = _timeline_keys(example)
    assert len(set(before.values())) == len(before)  # each deal's own
    _bigger_order(example)
    assert _timeline_keys(example) == before  # not committed: the history is the same
    _commit(example, "A bigger order")
    after = _timeline_keys(example)
    assert {name for name in before if after[name] != before[name]} == {"northwind-servers-2027"}
    _edit(example / "data" / "funnel.yaml", "probability: 50", "probability: 55")
    _commit(example, "Proposals weigh more")
    again = _timeline_keys(example)
    assert not {name for name in after if again[name] == after[name]}


def _view_keys(root: Path, language: str = "en") -> dict[str, str]:
    """How a build's page keys read each deal's view, by deal (the files' blob ids known, as
    a build knows them from its parse cache)."""
    result = check(root / "data", AS_OF, display="data", cache=ParseCache(root / ".git" / "funnel"))
    dataset = result.dataset.valid()
    context = SiteContext.of(dataset, AS_OF, environment(None), language, None, memo=PageMemo())
    return {deal: context.reader.of(view) for deal, view in context.views.items()}


def test_a_view_is_read_by_its_deal_its_account_the_funnel_and_the_team(example, monkeypatch):
    """A deal's view is named by what it is made from, not read field by field: its deal's
    file and its account's, and the funnel, the team and the closed stages' names that every
    view shares."""
    read = []
    field_by_field = Digest._read
    monkeypatch.setattr(
        Digest,
        "_read",
        lambda self, value, kind: read.append(kind) or field_by_field(self, value, kind),
    )
    before = _view_keys(example)
    assert DealView not in read and Deal not in read
    assert len(set(before.values())) == len(before)  # each deal's own
    assert _view_keys(example) == before
    _bigger_order(example)
    after = _view_keys(example)
    assert {deal for deal in before if after[deal] != before[deal]} == {"northwind-servers-2027"}
    account = example / "data" / "accounts" / "northwind-logistics.yaml"
    _edit(account, "+86 21 5555 0401", "+86 21 5555 0499")  # the contact a view shows
    again = _view_keys(example)
    changed = {deal for deal in after if again[deal] != after[deal]}
    assert "northwind-servers-2026" in changed and changed == {
        deal for deal in again if deal.startswith("northwind-")
    }
    for shared, old, new in (
        ("team.yaml", "name: Tom Becker", "name: Tom Baker"),
        ("funnel.yaml", "probability: 50", "probability: 55"),
    ):
        _edit(example / "data" / shared, old, new)
        later = _view_keys(example)
        assert not {deal for deal in again if later[deal] == again[deal]}, shared
        again = later
    assert not {deal for deal, key in _view_keys(example, "zh").items() if key == again[deal]}


def test_a_forecast_at_a_periods_start_is_kept_until_its_history_or_the_funnel_change(
    example, monkeypatch
):
    worked = _counting(monkeypatch, "start_forecast")
    memo = PageMemo()
    fresh = made(example, memo)
    periods = len(worked)
    assert periods >= 6 and "2026-11" in worked and "2026-Q4" in worked
    worked.clear()
    memo.start()
    assert made(example, memo) == fresh
    assert worked == []

    memo.start()  # a commit today: every period began before it
    _bigger_order(example)
    _commit(example, "A bigger order")
    assert made(example, memo) == made(example, None)
    assert len(worked) == periods  # the uncached build only
    worked.clear()

    memo.start()
    _edit(example / "data" / "funnel.yaml", "probability: 50", "probability: 55")
    changed = made(example, memo)
    assert len(worked) == periods  # today's weights weigh every period
    worked.clear()
    assert changed == made(example, None)
    assert changed["trends.md"] != fresh["trends.md"]

    memo.start()
    kept = [
        key
        for key, value in memo.made.items()
        if value[:1] == PICKLED and key != PINYIN and isinstance(pickle.loads(value), dict)
    ]
    assert len(kept) == periods
    memo.made[kept[0]] = b"not a pickle"
    worked.clear()
    assert made(example, memo) == changed
    assert len(worked) == 1  # the damaged one alone


def test_a_reps_current_periods_are_worked_out_again_only_when_their_deals_change(
    example, monkeypatch
):
    """`made_of` keeps what a function makes by the digest of its arguments: an edited deal
    works out its owner's and its territory's periods again, and nobody else's."""
    worked: list[tuple[str, ...]] = []
    real = sales_pages.periods_now

    def counted(deals, funnel, as_of):
        worked.append(tuple(sorted({deal.owner for deal in deals})))
        return real(deals, funnel, as_of)

    monkeypatch.setattr(sales_pages, "periods_now", counted)
    memo = PageMemo()
    fresh = made(example, memo)
    first = len(worked)
    assert first > 10
    worked.clear()
    memo.start()
    assert made(example, memo) == fresh
    assert worked == []
    memo.start()
    _bigger_order(example)
    after = made(example, memo)
    assert len(worked) == 2  # the owner's page and the territory's
    assert ("tom-becker",) in worked and any(len(owners) > 1 for owners in worked)
    worked.clear()
    assert after == made(example, None)
    assert after["reps/tom-becker.md"] != fresh["reps/tom-becker.md"]


def test_a_commit_this_week_renders_again_only_the_review_pages_it_changes(example, monkeypatch):
    """A week's facts are worked out again when a commit lands in it, but each rep's week is
    read as it is: the other reps' review pages of the week are kept."""
    memo = PageMemo()
    before = made(example, memo)
    memo.start()
    rendered = markdown_made(monkeypatch)
    _bigger_order(example)
    _commit(example, "A bigger order", "2026-11-26T10:00:00+0800")
    after = made(example, memo)
    again = {path for path in rendered if path.startswith("reviews/2026-W48/")}
    assert after == made(example, None)
    changed = {path for path in after if after[path] != before.get(path)}
    assert "reviews/2026-W48/tom-becker.md" in changed & again
    week = {path for path in after if path.startswith("reviews/2026-W48/")}
    assert len(week) > 3
    # the rep's page and their manager's team page; every other rep's week is kept
    assert again == {"reviews/2026-W48/tom-becker.md", "reviews/2026-W48/team-zhang-wei.md"}

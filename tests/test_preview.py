"""The live preview's first answer to a save: exactly the pages that show what changed, each
the very page a whole build makes of the same data; anything else is left to the whole build."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import write_example

from generator.data.files import walk
from generator.data.parse_cache import ParseCache
from generator.data.validate import check
from generator.history.mining import read_history
from generator.site.environment import environment
from generator.site.pages import build_pages
from generator.site.preview import GONE, MOST_RECORDS, Preview, preview_pages

AS_OF = date(2026, 11, 26)
DEAL = "deals/east/northwind-servers-2027.yaml"
ACCOUNT = "accounts/northwind-logistics.yaml"
OWNER_PAGES = {
    "deals/northwind-servers-2027.md",
    "accounts/northwind-logistics.md",
    "reps/tom-becker.md",
    "territories/east.md",
    "index.md",
    "forecast.md",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """`funnel example`: a team's repository with a year of history (written once)."""
    return write_example(tmp_path_factory.mktemp("preview") / "example", AS_OF.isoformat())


@pytest.fixture
def example(written, tmp_path) -> Path:
    """A copy of the example's repository this test may edit."""
    root = tmp_path / "example"
    shutil.copytree(written, root, symlinks=True)
    return root


def preview(root: Path, cache: bool = True) -> Preview:
    """A preview of the repository's data that has given its first answer."""
    made = Preview(
        root / "data",
        AS_OF,
        display="data",
        history=read_history(root / "data"),
        cache=ParseCache(root / ".git" / "funnel") if cache else None,
    )
    first = made.answer()
    assert (first.pages, first.errors, first.whole) == ([], [], False)
    return made


def whole(root: Path, made: Preview) -> dict[str, str]:
    """The Markdown of every page a whole build makes of the data as it is now."""
    result = check(root / "data", AS_OF, display="data")
    pages = build_pages(result.dataset.valid(), AS_OF, history=made.history)
    return {page.path: page.markdown for page in pages}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("cache", [True, False], ids=["parse cache", "no cache"])
def test_an_amount_saved_shows_on_the_deals_pages_as_a_whole_build_makes_them(example, cache):
    made = preview(example, cache)
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1987654.32")
    answer = made.answer()
    assert not answer.errors and not answer.whole
    assert {page.path for page in answer.pages} == OWNER_PAGES
    everything = whole(example, made)
    for page in answer.pages:
        assert page.markdown == everything[page.path], page.path
    assert all("1,987,654.32" in page.markdown for page in answer.pages if "deals/" in page.path)


def test_a_deal_moved_to_another_owner_shows_on_both_owners_pages(example):
    made = preview(example)
    edit(example / "data" / DEAL, "owner: tom-becker", "owner: wang-li")
    answer = made.answer()
    paths = {page.path for page in answer.pages}
    assert {"reps/tom-becker.md", "reps/wang-li.md"} <= paths
    everything = whole(example, made)
    assert all(page.markdown == everything[page.path] for page in answer.pages)


def test_an_account_renamed_shows_on_its_page_its_territory_and_each_of_its_deals(example):
    made = preview(example)
    edit(example / "data" / ACCOUNT, "name: Northwind Logistics Ltd.", "name: Northwind <Group>")
    answer = made.answer()
    deals = {
        f"deals/{path.stem}.md"
        for path in (example / "data" / "deals").rglob("*.yaml")
        if "account: northwind-logistics\n" in path.read_text(encoding="utf-8")
    }
    assert len(deals) > 1
    expected = {"accounts/northwind-logistics.md", "territories/east.md", "index.md", "forecast.md"}
    assert {page.path for page in answer.pages} == expected | deals
    everything = whole(example, made)
    assert all(page.markdown == everything[page.path] for page in answer.pages)
    account = next(page for page in answer.pages if page.path.startswith("accounts/"))
    assert "Northwind &lt;Group&gt;" in account.markdown and "<Group>" not in account.markdown


def test_a_new_deal_has_its_page_and_a_removed_one_leaves_its_account_page(example):
    made = preview(example)
    deal = example / "data" / DEAL
    text = deal.read_text(encoding="utf-8")
    deal.with_name("northwind-storage-2027.yaml").write_text(text, encoding="utf-8")
    added = made.answer()
    assert "deals/northwind-storage-2027.md" in {page.path for page in added.pages}
    deal.unlink()
    removed = made.answer()
    paths = {page.path for page in removed.pages}
    assert "deals/northwind-servers-2027.md" not in paths
    assert "accounts/northwind-logistics.md" in paths
    everything = whole(example, made)
    assert all(page.markdown == everything[page.path] for page in [*removed.pages])


def test_nothing_saved_makes_no_page(example):
    made = preview(example)
    assert made.answer().pages == []
    deal = example / "data" / DEAL
    deal.write_text(deal.read_text(encoding="utf-8") + "# a comment only\n", encoding="utf-8")
    assert made.answer().pages == []  # the same record: nothing any page shows


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("team.yaml", "name: 王丽", "name: 王丽丽"),
        ("funnel.yaml", "currency: CNY", "currency: USD"),
        ("targets.yaml", "period: 2026, amount: 6000000.00", "period: 2026, amount: 6500000.00"),
        ("handovers", "they are happy to work", "they are glad to work"),
    ],
)
def test_a_change_of_anything_but_deals_and_accounts_asks_for_the_whole_build(
    example, file, old, new
):
    made = preview(example)
    path = example / "data" / file
    if path.is_dir():
        path = sorted(path.glob("*.yaml"))[0]
    edit(path, old, new)
    answer = made.answer()
    assert answer.whole and answer.pages == [] and answer.errors == []


def test_a_comment_in_the_funnel_changes_no_record_and_no_page(example):
    made = preview(example)
    edit(example / "data" / "funnel.yaml", "currency:", "# the currency\ncurrency:")
    answer = made.answer()
    assert (answer.whole, answer.pages) == (False, [])


def test_many_records_at_once_ask_for_the_whole_build(example):
    made = preview(example)
    deals = sorted((example / "data" / "deals").rglob("*.yaml"))
    for deal in deals[:MOST_RECORDS]:
        edit(deal, "title: ", "title: New ")
    assert not made.answer().whole  # exactly the most at once
    for deal in deals[: MOST_RECORDS + 1]:
        edit(deal, "title: ", "title: Renewed ")
    assert made.answer().whole


def test_errors_change_nothing_and_the_next_answer_starts_from_the_last_good_data(example):
    made = preview(example)
    deal = example / "data" / DEAL
    good = deal.read_text(encoding="utf-8")
    edit(deal, "amount: 1425000.00", "amount: many")
    broken = made.answer()
    assert broken.pages == [] and not broken.whole
    assert [error.path for error in broken.errors] == [f"data/{DEAL}"]
    deal.write_text(good.replace("amount: 1425000.00", "amount: 1500000.00"), encoding="utf-8")
    mended = made.answer()
    assert {page.path for page in mended.pages} == OWNER_PAGES
    deal.write_text(good, encoding="utf-8")
    assert {page.path for page in made.answer().pages} == OWNER_PAGES


def test_the_views_of_unchanged_deals_are_reused(example):
    made = preview(example)
    assert made.context is not None
    before = made.context.views
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1500000.00")
    made.answer()
    after = made.context.views
    assert after["northwind-servers-2027"] is not before["northwind-servers-2027"]
    others = [deal_id for deal_id in after if deal_id != "northwind-servers-2027"]
    assert others and all(after[i] is before[i] for i in others)
    assert made.context.events is not None and made.context.timelines


def test_an_account_moved_to_another_territory_shows_on_both(example):
    made = preview(example)
    edit(example / "data" / ACCOUNT, "territory: east", "territory: north")
    paths = {page.path for page in made.answer().pages}
    assert {"territories/east.md", "territories/north.md"} <= paths
    edit(example / "data" / ACCOUNT, "territory: north", "territory: east")
    assert {"territories/east.md", "territories/north.md"} <= {p.path for p in made.answer().pages}


def test_pages_of_records_that_are_gone_are_not_made(example):
    made = preview(example)
    assert made.context is not None
    gone = {f"{folder}/nobody.md" for folder in ("deals", "accounts", "reps", "territories")}
    gone |= {"accounts/tom-becker.md", "deals/east.md", "deals/tom-becker.md"}  # other kinds' ids
    assert preview_pages(made.context, {*gone, "marketing.md", "reviews/index.md"}) == []
    assert [page.path for page in preview_pages(made.context, {"reps/tom-becker.md"})] == [
        "reps/tom-becker.md"
    ]


def test_the_pages_are_made_from_the_teams_own_templates(example):
    (example / "templates").mkdir()
    (example / "templates" / "deal.md.j2").write_text("# Ours: {{ d.deal.title }}\n", "utf-8")
    made = Preview(example / "data", AS_OF, display="data", templates=example / "templates")
    made.answer()
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1500000.00")
    deal = next(p for p in made.answer().pages if p.path == "deals/northwind-servers-2027.md")
    assert deal.markdown == "# Ours: Server room consolidation\n"


def test_an_answer_given_the_time_lets_settled_files_be_known_unread(example):
    cache = ParseCache(example / ".git" / "funnel")
    made = Preview(example / "data", AS_OF, display="data", cache=cache)
    made.answer(time.time_ns() + 10_000_000_000)  # every file changed well before
    assert len(cache.texts) > 50
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1500000.00")
    answer = made.answer(time.time_ns() + 20_000_000_000)
    assert {page.path for page in answer.pages} == OWNER_PAGES  # the edit was read all the same


def test_deals_and_accounts_count_together_towards_the_most_at_once(example):
    made = preview(example)
    deals = sorted((example / "data" / "deals").rglob("*.yaml"))[:15]
    accounts = sorted((example / "data" / "accounts").glob("*.yaml"))[:6]
    assert len(accounts) == 6
    for path in deals:
        edit(path, "title: ", "title: New ")
    for path in accounts:
        edit(path, "name: ", "name: New ")
    assert made.answer().whole  # 21 records


def test_without_history_the_pages_say_why_as_a_whole_build_does(example):
    notice = "git is not installed"
    made = Preview(example / "data", AS_OF, display="data", history_notice=notice)
    made.answer()
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1500000.00")
    answer = made.answer()
    result = check(example / "data", AS_OF, display="data")
    pages = build_pages(result.dataset.valid(), AS_OF, history=None, history_notice=notice)
    everything = {page.path: page.markdown for page in pages}
    assert any(notice in page.markdown for page in answer.pages)
    assert all(page.markdown == everything[page.path] for page in answer.pages)


def test_an_answer_told_the_changed_paths_looks_only_at_those(example, monkeypatch):
    made = preview(example)
    deal = example / "data" / DEAL
    edit(deal, "amount: 1425000.00", "amount: 1987654.32")
    everything = whole(example, made)
    monkeypatch.setattr("generator.site.preview.walk", None)  # no whole walk may happen,
    monkeypatch.setattr("generator.data.load.walk", None)  # neither here nor in the check
    answer = made.answer(changed={str(deal), str(example / "data" / ".deal.yaml.swp")})
    assert {page.path for page in answer.pages} == OWNER_PAGES
    assert all(page.markdown == everything[page.path] for page in answer.pages)


def test_changed_paths_add_move_and_remove_deals_as_a_whole_walk_finds_them(example):
    made = preview(example)
    deal = example / "data" / DEAL
    moved = deal.with_name("northwind-storage-2027.yaml")
    deal.rename(moved)
    answer = made.answer(changed={str(deal), str(moved)})
    paths = {page.path for page in answer.pages}
    assert "deals/northwind-storage-2027.md" in paths
    assert made.files is not None
    assert [entry.relative for entry in made.files] == [
        entry.relative for entry in Preview(example / "data", AS_OF)._files(None) or []
    ]
    moved.unlink()
    gone = made.answer(changed={str(moved)})
    assert "accounts/northwind-logistics.md" in {page.path for page in gone.pages}
    assert "deals/northwind-storage-2027" not in {e.relative for e in made.files or []}
    everything = whole(example, made)
    assert all(page.markdown == everything[page.path] for page in gone.pages)


@pytest.mark.parametrize("kind", ["folder", "link"])
def test_a_changed_folder_or_link_makes_the_answer_look_at_every_file(example, kind):
    made = preview(example)
    data = example / "data"
    if kind == "folder":
        folder = data / "deals" / "north"
        folder.mkdir(exist_ok=True)
        shutil.copy(data / DEAL, folder / "northwind-storage-2027.yaml")
        changed = {str(folder)}  # the folder's own event: its files have none
        answer = made.answer(changed=changed)
        assert "deals/northwind-storage-2027.md" in {page.path for page in answer.pages}
    else:
        link = data / "deals" / "link.yaml"
        link.symlink_to(data / DEAL)
        answer = made.answer(changed={str(link)})
        assert [error.path for error in answer.errors] == ["data/deals/link.yaml"]
        assert made.files is None  # the next answer walks again


def test_a_first_answer_told_some_changed_paths_still_finds_every_file(example):
    everything = check(example / "data", AS_OF, display="data").dataset.valid()
    made = Preview(example / "data", AS_OF, display="data")
    made.answer(changed={str(example / "data" / DEAL)})  # nothing found before to update
    assert made.context is not None
    assert made.context.dataset.deals.keys() == everything.deals.keys()
    assert made.context.dataset.accounts.keys() == everything.accounts.keys()


@pytest.mark.parametrize("told", [True, False], ids=["told the paths", "not told"])
def test_a_data_folder_gone_is_one_error_and_back_it_is_walked_again_whole(example, told):
    made = preview(example)
    data, away = example / "data", example / "away"
    data.rename(away)
    gone = made.answer(changed={str(data)} if told else None)
    assert [(e.path, e.line, e.column, e.message) for e in gone.errors] == [("data", 1, 1, GONE)]
    assert made.files is None
    away.rename(data)
    edit(data / DEAL, "amount: 1425000.00", "amount: 1987654.32")
    back = made.answer(changed={str(data)} if told else None)  # the folder's event names no file
    assert {page.path for page in back.pages} == OWNER_PAGES
    assert made.files is not None and len(made.files) == len(walk(data, "data", []))


def test_without_a_display_name_a_data_folder_gone_is_named_by_its_path(example):
    made = Preview(example / "data", AS_OF)
    made.answer()
    (example / "data").rename(example / "away")
    assert [error.path for error in made.answer().errors] == [str(example / "data")]


def test_an_answer_keeps_what_it_parsed_in_memory_and_writes_no_cache_file(example):
    folder = example / ".git" / "funnel"
    made = preview(example)
    written = {path: path.stat().st_mtime_ns for path in folder.glob("parsed-*.pickle")}
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1987654.32")
    assert {page.path for page in made.answer().pages} == OWNER_PAGES
    assert {path: path.stat().st_mtime_ns for path in folder.glob("parsed-*.pickle")} == written
    assert made.cache is not None and made.cache.added  # the whole build writes it


def test_pages_without_folder_addresses_link_as_a_whole_build_without_them_does(example):
    made = Preview(example / "data", AS_OF, display="data", directory_urls=False)
    made.answer()
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1987654.32")
    answer = made.answer()
    result = check(example / "data", AS_OF, display="data")
    pages = build_pages(result.dataset.valid(), AS_OF, directory_urls=False)
    everything = {page.path: page.markdown for page in pages}
    assert {page.path for page in answer.pages} == OWNER_PAGES
    assert all(page.markdown == everything[page.path] for page in answer.pages)
    folders = whole(example, made)
    assert any(page.markdown != folders[page.path] for page in answer.pages)


def test_the_environment_given_is_the_one_the_pages_are_made_with(example):
    (example / "templates").mkdir()
    (example / "templates" / "deal.md.j2").write_text("# Ours: {{ d.deal.title }}\n", "utf-8")
    given = environment(example / "templates")
    made = Preview(example / "data", AS_OF, display="data", env=given)  # no templates folder
    made.answer()
    assert made.env is given
    edit(example / "data" / DEAL, "amount: 1425000.00", "amount: 1500000.00")
    deal = next(p for p in made.answer().pages if p.path == "deals/northwind-servers-2027.md")
    assert deal.markdown == "# Ours: Server room consolidation\n"


def test_without_a_display_name_a_refused_file_is_an_error_not_a_crash(example):
    made = Preview(example / "data", AS_OF)
    made.answer()
    (example / "data" / "deals" / "link.yaml").symlink_to(example / "data" / DEAL)
    answer = made.answer()
    assert [error.path for error in answer.errors] == [f"{example / 'data'}/deals/link.yaml"]

"""History from git: versions on the main line, first-seen dates, events, cache, shallow clones."""

from __future__ import annotations

import pickle
import re
import subprocess
import time
from datetime import date
from decimal import Decimal

import pytest
from conftest import HISTORY_FUNNEL, GitRepo, deal_yaml

from generator.data.model import Funnel
from generator.data.strictyaml import parse
from generator.history.cache import BASE_FILE, TAIL_FILE
from generator.history.events import all_events, deal_events
from generator.history.git import HistoryError
from generator.history.mining import read_history

FUNNEL = Funnel.model_validate(parse(HISTORY_FUNNEL, "funnel.yaml")[0])


@pytest.fixture
def logged(monkeypatch) -> list[str]:
    """The revisions `git log` is asked for as the history is read, in order."""
    import generator.history.mining as history_module

    asked: list[str] = []
    original = history_module._log
    monkeypatch.setattr(
        history_module,
        "_log",
        lambda root, revs, prefix: asked.append(revs) or original(root, revs, prefix),
    )
    return asked


def whats(events):
    return [event.change.what for event in events]


def test_versions_and_events_of_a_deal(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="lead"))
    repo.commit("new deal", date="2026-02-02")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", amount="1500.00"))
    repo.commit("offer sent", date="2026-02-10", who="Bob")
    repo.write(
        "deals/acme-laptops.yaml",
        deal_yaml(
            stage="offer",
            amount="1500.00",
            expected="2026-09-30",
            owner="bob",
            log=[("2026-02-20", "Customer asked for a discount")],
        ),
    )
    repo.commit("slip", date="2026-02-20")
    repo.write(
        "deals/acme-laptops.yaml",
        deal_yaml(
            stage="won",
            amount="1500.00",
            expected="2026-09-30",
            owner="bob",
            closed="2026-03-01",
            log=[("2026-02-20", "Customer asked for a discount")],
        ),
    )
    repo.commit("won", date="2026-03-01")
    history = read_history(repo.data, use_cache=False)
    versions = history.deals["acme-laptops"]
    assert [v.commit.day for v in versions] == [
        date(2026, 2, 2),
        date(2026, 2, 10),
        date(2026, 2, 20),
        date(2026, 3, 1),
    ]
    assert versions[1].commit.author == "Bob"
    assert history.first_seen("acme-laptops") == date(2026, 2, 2)
    events = deal_events("acme-laptops", versions, FUNNEL)
    assert whats(events) == [
        "added",
        "stage_up",
        "amount",
        "slipped",
        "owner",
        "logged",
        "won",
        "changed",
    ]
    assert events[-1].change.field == "closed_on"
    stage_up = events[1]
    assert (stage_up.change.old, stage_up.change.new) == ("lead", "offer")
    # weighted: 1000 x 10% -> 1500 x 40%: +500, counted once for the commit
    assert stage_up.weighted_delta == Decimal("500.00")
    assert events[2].weighted_delta == 0


def test_a_move_between_folders_is_not_a_business_change(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    (repo.data / "deals" / "west").mkdir()
    repo.git("mv", "data/deals/acme-laptops.yaml", "data/deals/west/acme-laptops.yaml")
    repo.commit("file by territory", date="2026-03-02")
    history = read_history(repo.data, use_cache=False)
    events = deal_events("acme-laptops", history.deals["acme-laptops"], FUNNEL)
    assert whats(events) == ["added", "moved"]
    assert history.first_seen("acme-laptops") == date(2026, 2, 2)


def test_delete_and_re_add_keeps_the_oldest_appearance(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.remove("deals/acme-laptops.yaml")
    repo.commit("hide it", date="2026-03-02")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal"))
    repo.commit("back", date="2026-04-02")
    history = read_history(repo.data, use_cache=False)
    events = deal_events("acme-laptops", history.deals["acme-laptops"], FUNNEL)
    assert whats(events) == ["added", "removed", "added"]
    assert events[1].change.red_flag
    assert history.first_seen("acme-laptops") == date(2026, 2, 2)


def test_a_merged_branch_counts_on_the_day_it_landed(history_repo):
    repo = history_repo
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.commit("on a branch", date="2026-02-01")
    repo.git("checkout", "-q", "main")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("on main", date="2026-02-03")
    repo.git("merge", "-q", "--no-ff", "feature", "-m", "Merge feature", date="2026-02-15")
    history = read_history(repo.data, use_cache=False)
    assert history.first_seen("globex-servers") == date(2026, 2, 15)
    assert history.first_seen("acme-laptops") == date(2026, 2, 3)
    assert history.account_first_seen() == {"acme": date(2026, 2, 3), "globex": date(2026, 2, 15)}


def test_a_back_dated_commit_cannot_move_a_deal_into_the_past(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-05-01")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.commit("pretend it was there in January", date="2026-01-03")
    history = read_history(repo.data, use_cache=False)
    assert history.first_seen("globex-servers") == date(2026, 5, 1)


def test_first_seen_comes_from_git_never_from_created(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="won", closed="2026-01-20"))
    repo.commit("import from the CRM", date="2026-02-01")
    repo.write("deals/initech-printers.yaml", deal_yaml(account="initech"))
    repo.commit("new", date="2026-02-05")
    history = read_history(repo.data, use_cache=False)
    assert history.first_seen("acme-laptops") == date(2026, 2, 1)  # `created` says 2026-01-01
    assert history.first_seen("initech-printers") == date(2026, 2, 5)
    assert history.baseline == history.commits[0].sha  # the team and accounts came first
    assert not history.in_baseline("acme-laptops")  # an unmarked import is a normal commit


def test_non_ascii_paths(history_repo):
    repo = history_repo
    repo.write("deals/华东/acme-laptops.yaml", deal_yaml(log=[("2026-02-02", "拜访客户")]))
    repo.commit("新商机", date="2026-02-02", who="王丽")
    history = read_history(repo.data, use_cache=False)
    version = history.deals["acme-laptops"][0]
    assert version.snapshot.path == "data/deals/华东/acme-laptops.yaml"
    assert version.commit.author == "王丽"
    assert version.snapshot.log == ((date(2026, 2, 2), "拜访客户"),)


def test_the_cache_reads_only_new_commits(history_repo, logged):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    first = read_history(repo.data)
    cache = repo.root / ".git" / "funnel" / BASE_FILE
    assert cache.is_file()
    assert not (repo.data / ".funnel").exists()
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-09")
    logged.clear()  # the ranges asked from here on
    second = read_history(repo.data)
    assert logged == [f"{first.head}..{second.head}"]
    assert [v.snapshot.stage for v in second.deals["acme-laptops"]] == ["lead", "offer"]
    assert all_events(second, FUNNEL)[-1].change.what == "stage_up"
    assert (repo.root / ".git" / "funnel" / TAIL_FILE).is_file()
    third = read_history(repo.data)  # from the base and the tail, nothing read from git log
    assert len(logged) == 1
    assert third.deals == second.deals and third.commits == second.commits


def test_a_shallow_clone_is_refused_with_advice(history_repo, tmp_path):
    repo = history_repo
    for day in ("2026-02-02", "2026-02-03"):
        repo.write("deals/acme-laptops.yaml", deal_yaml(expected=day))
        repo.commit(day, date=day)
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True
    )
    with pytest.raises(HistoryError, match="fetch-depth: 0"):
        read_history(clone / "data")


def test_a_rewritten_main_line_is_mined_again(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-09")
    read_history(repo.data)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal"))
    repo.commit("verbal instead", date="2026-02-10")
    history = read_history(repo.data)
    assert [v.snapshot.stage for v in history.deals["acme-laptops"]] == ["lead", "verbal"]


def _bob_s_branch(repo) -> None:
    """A deal on the main line (2 February), then Bob's branch `bob/globex` with a new deal
    of his (3 February), checked out."""
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.branch("bob/globex")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("globex servers", date="2026-02-03", who="Bob")


def test_a_merge_credits_the_branch_author_and_names_the_merger(history_repo):
    repo = history_repo
    _bob_s_branch(repo)
    repo.branch("ann/acme", start="main")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer sent", date="2026-02-04")
    repo.merge("bob/globex", date="2026-02-06", who="Boss")
    repo.merge("ann/acme", date="2026-02-09", who="Boss")
    history = read_history(repo.data, use_cache=False)
    globex = history.deals["globex-servers"][0].commit
    assert (globex.author, globex.email, globex.merged_by) == ("Bob", "bob@example.com", "Boss")
    assert globex.day == date(2026, 2, 6)  # when it landed on the main line
    offer = history.deals["acme-laptops"][1].commit
    assert (offer.author, offer.merged_by, offer.day) == ("Wang Li", "Boss", date(2026, 2, 9))
    assert offer.subject == "Merge ann/acme"
    assert [c.author for c in history.commits] == ["Wang Li", "Wang Li", "Boss", "Boss"]


def test_the_last_branch_commit_that_changed_a_deal_is_its_author(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.branch("team")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-03")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer", owner="bob"))
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("bob takes it", date="2026-02-04", who="Bob")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex", amount="5"))
    repo.commit("typo", date="2026-02-05")
    repo.merge("team", date="2026-02-06", who="Boss")
    history = read_history(repo.data, use_cache=False)
    assert history.deals["acme-laptops"][-1].commit.author == "Bob"
    assert history.deals["globex-servers"][-1].commit.author == "Wang Li"


def test_squash_and_rebase_merges_credit_the_author_and_name_the_committer(history_repo):
    repo = history_repo
    repo.branch("bob/globex")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("globex servers", date="2026-02-03", who="Bob")
    repo.merge("bob/globex", date="2026-02-05", who="Boss", how="squash")
    repo.branch("bob/initech")
    repo.write("deals/initech-printers.yaml", deal_yaml(owner="bob", account="initech"))
    repo.commit("initech printers", date="2026-02-06", who="Bob")
    repo.merge("bob/initech", date="2026-02-08", who="Boss", how="rebase")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("a direct commit", date="2026-02-09")
    history = read_history(repo.data, use_cache=False)
    squashed = history.deals["globex-servers"][0].commit
    assert (squashed.author, squashed.merged_by, squashed.day) == ("Bob", "Boss", date(2026, 2, 5))
    rebased = history.deals["initech-printers"][0].commit
    assert (rebased.author, rebased.merged_by, rebased.day) == ("Bob", "Boss", date(2026, 2, 8))
    direct = history.deals["acme-laptops"][0].commit
    assert (direct.author, direct.merged_by) == ("Wang Li", "")


def test_first_seen_is_the_main_line_commit_date_not_the_author_date(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("written in January, landed in March", date="2026-01-10", committed="2026-03-01")
    repo.branch("ann/globex")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.commit("globex", date="2026-03-02")
    repo.merge("ann/globex", date="2026-03-20", who="Boss")
    history = read_history(repo.data, use_cache=False)
    assert history.first_seen("acme-laptops") == date(2026, 3, 1)
    assert history.first_seen("globex-servers") == date(2026, 3, 20)


def test_a_merge_read_from_the_cache_keeps_its_authors(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    read_history(repo.data)
    repo.branch("bob/globex")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("globex servers", date="2026-02-03", who="Bob")
    repo.merge("bob/globex", date="2026-02-06", who="Boss")
    cached = read_history(repo.data)
    fresh = read_history(repo.data, use_cache=False)
    assert cached.deals == fresh.deals and cached.commits == fresh.commits
    assert cached.deals["globex-servers"][0].commit.author == "Bob"


def test_a_code_only_merge_between_does_not_lend_its_authors(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.branch("bob/acme")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-03", who="Bob")
    repo.branch("cid/readme", start="main")
    (repo.root / "README.md").write_text("notes\n", encoding="utf-8")
    repo.commit("readme", date="2026-02-04", who="Cid")
    repo.merge("cid/readme", date="2026-02-05", who="Boss")
    repo.branch("ann/acme", start="main")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal"))
    repo.commit("verbal", date="2026-02-06")
    repo.merge("ann/acme", date="2026-02-07", who="Boss")
    history = read_history(repo.data, use_cache=False)
    versions = history.deals["acme-laptops"]
    assert [(v.commit.author, v.commit.merged_by) for v in versions] == [
        ("Wang Li", ""),
        ("Wang Li", "Boss"),
    ]
    assert versions[-1].snapshot.stage == "verbal"  # Bob's unmerged offer never landed


def test_a_branch_that_merged_the_main_line_in_still_credits_its_author(history_repo):
    repo = history_repo
    _bob_s_branch(repo)
    repo.git("checkout", "-q", "main")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-04")
    repo.git("checkout", "-q", "bob/globex")
    repo.git("merge", "-q", "--no-ff", "main", "-m", "catch up", date="2026-02-05", who="Bob")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex", amount="9"))
    repo.commit("price", date="2026-02-06", who="Cid")
    repo.merge("bob/globex", date="2026-02-07", who="Boss")
    history = read_history(repo.data, use_cache=False)
    globex = history.deals["globex-servers"][0].commit
    assert (globex.author, globex.merged_by) == ("Cid", "Boss")
    assert [v.commit.author for v in history.deals["acme-laptops"]] == ["Wang Li", "Wang Li"]


def test_git_runs_in_the_environment_it_is_given(history_repo, tmp_path):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    with pytest.raises(HistoryError, match="not inside a git repository"):
        read_history(repo.data, use_cache=False, git_env={"PATH": str(tmp_path / "no-git")})
    history = read_history(repo.data, use_cache=False, git_env={"PATH": "/usr/bin:/bin"})
    assert list(history.deals) == ["acme-laptops"]


def test_a_cache_written_before_the_records_moved_still_reads(history_repo, monkeypatch):
    """Caches of this version name the records' old module (history.mining): no mining again."""
    import generator.history.mining as mining_module
    from generator.history import records

    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    first = read_history(repo.data)
    cache = repo.root / ".git" / "funnel" / BASE_FILE
    with monkeypatch.context() as patch:  # pickle the records as the old module named them
        for name in ("Commit", "Snapshot", "Version", "History"):
            patch.setattr(getattr(records, name), "__module__", mining_module.__name__)
            patch.setattr(mining_module, name, getattr(records, name), raising=False)
        cache.write_bytes(pickle.dumps(first, protocol=pickle.HIGHEST_PROTOCOL))
    assert b"generator.history.mining" in cache.read_bytes()
    monkeypatch.setattr(mining_module, "_log", lambda *args: pytest.fail("mined again"))
    again = read_history(repo.data)
    assert again.deals == first.deals and again.commits == first.commits


def test_equal_values_are_shared_within_one_read_only(history_repo):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("deals/acme-printers.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    one = read_history(repo.data, use_cache=False)
    laptops, printers = (one.deals[deal][0].snapshot for deal in ("acme-laptops", "acme-printers"))
    assert laptops.owner is printers.owner
    other = read_history(repo.data, use_cache=False)
    assert other.deals["acme-laptops"][0].snapshot.owner is not laptops.owner


def test_data_at_the_root_of_its_repository_has_its_history(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.data = repo.root  # the data folder is the repository itself
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("notes/acme-laptops.yaml", deal_yaml())  # not under deals/: no deal
    first = repo.commit("first deal", date="2026-02-02")
    history = read_history(repo.root, use_cache=False)
    assert history.data_prefix == ""
    assert list(history.deals) == ["acme-laptops"]
    assert history.deals["acme-laptops"][0].snapshot.path == "deals/acme-laptops.yaml"
    assert [commit.sha for commit in history.commits] == [first] and history.baseline == first


def test_only_commits_that_changed_the_data_folder_are_its_history(tmp_path):
    """Commits of the code beside the data are no part of it, and a branch named as the data
    folder is never taken for it."""
    repo = GitRepo(tmp_path / "repo")
    (repo.root / "README.md").write_text("The team's funnel\n", encoding="utf-8")
    repo.commit("the repository's readme", date="2026-01-20")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    brought = repo.commit("first deal", date="2026-02-02")
    (repo.root / "README.md").write_text("The team's funnel, with help\n", encoding="utf-8")
    repo.commit("more readme", date="2026-02-03")
    repo.git("branch", "data")  # a rep's branch, named as the folder
    history = read_history(repo.data, use_cache=False)
    assert [commit.subject for commit in history.commits] == ["first deal"]
    assert history.baseline == brought


def test_a_subject_with_the_log_s_own_separator_and_a_path_not_in_utf8_are_read(history_repo):
    """A message with the character the log's fields are parted by, and a file named in bytes
    that are not UTF-8 (an old client's Latin-1), are read whole: no commit is lost."""
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("deals/caf\udce9.yaml", deal_yaml())  # b"caf\xe9.yaml"
    subject = "two deals \x02 at \x02 acme"
    repo.commit(subject, date="2026-02-02")
    history = read_history(repo.data, use_cache=False)
    assert history.commits[-1].subject == subject
    assert history.commits[-1].author == "Wang Li"
    assert sorted(history.deals) == ["acme-laptops", "caf\udce9"]
    assert history.deals["caf\udce9"][0].snapshot.path == "data/deals/caf\udce9.yaml"


def test_the_day_a_commit_landed_is_the_day_in_utc_wherever_the_build_runs(
    history_repo, monkeypatch
):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    late = "2026-02-02T23:30:00+00:00"
    repo.commit("late in the evening", date="2026-02-02", who="Ann",
                exact={"GIT_AUTHOR_DATE": late, "GIT_COMMITTER_DATE": late})  # fmt: skip
    monkeypatch.setenv("TZ", "KIR-14")  # 14 hours ahead of UTC: already the 3rd there
    time.tzset()
    try:
        history = read_history(repo.data, use_cache=False)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert history.deals["acme-laptops"][0].commit.day == date(2026, 2, 2)


def test_a_branch_that_moves_a_deal_and_names_a_file_in_latin1_credits_its_author(history_repo):
    """The branch's commits are read as the main line's: a move is a removal and an addition,
    not a rename, and a file name that is not UTF-8 is read whole."""
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.branch("bob/west")
    repo.git("mv", "data/deals/acme-laptops.yaml", "data/deals/west-acme-laptops.yaml")
    repo.commit("moved", date="2026-02-03", who="Bob")
    repo.write("deals/caf\udce9.yaml", deal_yaml(owner="bob"))
    repo.commit("latin-1", date="2026-02-04", who="Bob")
    repo.merge("bob/west", date="2026-02-05", who="Boss")
    history = read_history(repo.data, use_cache=False)
    moved = history.deals["west-acme-laptops"][0].commit
    assert (moved.author, moved.merged_by) == ("Bob", "Boss")
    assert history.deals["acme-laptops"][-1].snapshot is None
    assert history.deals["acme-laptops"][-1].commit.author == "Bob"
    assert history.deals["caf\udce9"][0].commit.author == "Bob"


def test_a_change_the_merge_itself_made_is_the_merger_s(history_repo):
    """What no commit of the branch changed, the merge did (a conflict resolved): it is the
    merger's, never that of an older commit of the main line."""
    repo = history_repo
    _bob_s_branch(repo)
    repo.git("checkout", "-q", "main")
    people = {"date": "2026-02-05", "who": "Boss"}
    repo.git("merge", "-q", "--no-ff", "--no-commit", "bob/globex", **people)
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.git("add", "-A", **people)
    repo.git("commit", "-q", "-m", "Merge bob/globex", **people)
    history = read_history(repo.data, use_cache=False)
    offer = history.deals["acme-laptops"][1].commit
    assert (offer.author, offer.day) == ("Boss", date(2026, 2, 5))
    assert history.deals["globex-servers"][0].commit.author == "Bob"


def test_a_main_line_commit_a_later_branch_merged_in_is_never_the_branch_s(history_repo):
    """Two merges mined together: the second branch caught up with the main line after a
    main-line commit changed its deal; that commit stays its own author's."""
    repo = history_repo
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("new", date="2026-02-02")
    repo.branch("bob/globex")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex", amount="9"))
    repo.commit("price", date="2026-02-03", who="Bob")
    repo.branch("ann/initech", start="main")
    repo.write("deals/initech-desks.yaml", deal_yaml(account="initech"))
    repo.commit("initech", date="2026-02-03", who="Ann")
    repo.merge("ann/initech", date="2026-02-04", who="Boss")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex", stage="offer"))
    repo.commit("offer", date="2026-02-05", who="Carol")
    repo.git("checkout", "-q", "bob/globex")
    repo.git("merge", "-q", "--no-ff", "main", "-m", "catch up", date="2026-02-06", who="Bob")
    repo.merge("bob/globex", date="2026-02-07", who="Boss")
    history = read_history(repo.data, use_cache=False)
    versions = history.deals["globex-servers"]
    assert [(v.commit.author, v.commit.day) for v in versions] == [
        ("Wang Li", date(2026, 2, 2)),
        ("Carol", date(2026, 2, 5)),
        ("Bob", date(2026, 2, 7)),
    ]
    assert versions[-1].snapshot.amount == Decimal("9") and versions[-1].snapshot.stage == "offer"


# -- who landed it, where the main line went, and the cache's edges ----------------------------


def test_the_merger_s_email_is_kept_and_a_merge_of_one_s_own_names_nobody(history_repo):
    """The site names a merger by the team's name for their email (`site.credits`)."""
    repo = history_repo
    _bob_s_branch(repo)
    repo.merge("bob/globex", date="2026-02-06", who="Boss")
    repo.branch("bob/initech")
    repo.write("deals/initech-printers.yaml", deal_yaml(owner="bob", account="initech"))
    repo.commit("initech printers", date="2026-02-07", who="Bob")
    repo.merge("bob/initech", date="2026-02-08", who="Bob")
    history = read_history(repo.data, use_cache=False)
    globex = history.deals["globex-servers"][0].commit
    assert (globex.merged_by, globex.merged_email) == ("Boss", "boss@example.com")
    own = history.deals["initech-printers"][0].commit
    assert (own.author, own.merged_by, own.merged_email) == ("Bob", "", "")
    direct = history.deals["acme-laptops"][0].commit
    assert (direct.merged_by, direct.merged_email) == ("", "")


def test_a_merge_made_on_github_s_web_site_names_no_merger(history_repo):
    """GitHub commits a squash merge made on its site as itself, in any case of its address:
    nobody to name beside the author."""
    repo = history_repo
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex"))
    github = {"GIT_COMMITTER_EMAIL": "NoReply@GitHub.com"}
    repo.commit("globex (#7)", date="2026-02-03", who="Bob", committed="2026-02-05",
                committer="GitHub", exact=github)  # fmt: skip
    commit = read_history(repo.data, use_cache=False).deals["globex-servers"][0].commit
    assert (commit.author, commit.merged_by, commit.merged_email) == ("Bob", "", "")
    assert commit.day == date(2026, 2, 5)


def test_a_main_line_its_cached_head_left_is_read_again_whole(history_repo):
    """A branch that took the main line in as its second parent, then became the main line
    (a fast-forward): the old head is still an ancestor, but no longer on the main line."""
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.branch("ann/globex")
    repo.git("checkout", "-q", "main")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-03")
    read_history(repo.data)  # cached at the offer
    repo.git("checkout", "-q", "ann/globex")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.commit("globex", date="2026-02-04")
    repo.git("merge", "-q", "--no-ff", "main", "-m", "catch up", date="2026-02-05")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "ann/globex", date="2026-02-06")
    cached = read_history(repo.data)
    fresh = read_history(repo.data, use_cache=False)
    assert cached.commits == fresh.commits and cached.deals == fresh.deals
    assert cached.root == fresh.root == repo.root
    assert [c.subject for c in cached.commits][-2:] == ["globex", "catch up"]
    assert [v.snapshot.stage for v in cached.deals["acme-laptops"]] == ["lead", "offer"]


def test_a_merge_that_lands_on_the_cached_head_is_read_as_new_commits_only(history_repo, logged):
    repo = history_repo
    _bob_s_branch(repo)
    repo.git("checkout", "-q", "main")
    first = read_history(repo.data)
    repo.merge("bob/globex", date="2026-02-06", who="Boss")
    logged.clear()
    second = read_history(repo.data)
    assert logged == [f"{first.head}..{second.head}"]  # the merge continues the cached line
    assert second.deals["globex-servers"][0].commit.author == "Bob"


def test_a_back_dated_commit_after_the_cache_lands_no_earlier_than_the_last(history_repo):
    repo = history_repo
    for day, stage in (("2026-02-02", "lead"), ("2026-02-09", "offer"), ("2026-03-02", "verbal")):
        repo.write("deals/acme-laptops.yaml", deal_yaml(stage=stage))
        repo.commit(stage, date=day)
    read_history(repo.data)
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.commit("pretend it was there in February", date="2026-02-05")
    cached = read_history(repo.data)
    assert cached.first_seen("globex-servers") == date(2026, 3, 2)
    assert cached.commits == read_history(repo.data, use_cache=False).commits


def test_an_adoption_import_landed_by_a_merge_is_the_baseline(tmp_path):
    """The first commit that brings the data is the baseline (the team's state when it
    adopted funnel), also when a pull request brought it: its deals are not new there."""
    repo = GitRepo(tmp_path / "repo")
    (repo.root / "README.md").write_text("The team's funnel\n", encoding="utf-8")
    repo.commit("the repository's readme", date="2026-01-20")
    repo.branch("import")
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("import from the CRM", date="2026-02-01", who="Ann")
    merge = repo.merge("import", date="2026-02-02", who="Boss")
    history = read_history(repo.data, use_cache=False)
    assert history.baseline == merge
    version = history.deals["acme-laptops"][0]
    assert (version.commit.author, version.commit.baseline) == ("Ann", True)
    assert history.in_baseline("acme-laptops")


def test_a_deal_gone_is_not_removed_again(history_repo):
    """A deal whose id was used twice (two folders): the first removal removes it, the second
    finds it gone."""
    repo = history_repo
    repo.write("deals/west/acme-laptops.yaml", deal_yaml())
    repo.write("deals/east/acme-laptops.yaml", deal_yaml())
    repo.commit("twice", date="2026-02-02")
    repo.remove("deals/west/acme-laptops.yaml")
    repo.commit("one", date="2026-02-03")
    repo.remove("deals/east/acme-laptops.yaml")
    repo.commit("the other", date="2026-02-04")
    versions = read_history(repo.data, use_cache=False).deals["acme-laptops"]
    assert [(v.commit.subject, v.snapshot is None) for v in versions] == [
        ("twice", False),
        ("one", True),
    ]


def test_without_the_cache_it_is_never_read(history_repo, monkeypatch):
    import generator.history.mining as history_module

    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    read_history(repo.data)

    def refused(*args, **kwargs):
        raise AssertionError("the cache was read")

    monkeypatch.setattr(history_module, "load_cache", refused)
    assert list(read_history(repo.data, use_cache=False).deals) == ["acme-laptops"]


def test_a_cache_read_in_a_moved_repository_names_where_it_is_now(history_repo, tmp_path):
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    read_history(repo.data)
    moved = tmp_path / "moved"
    repo.root.rename(moved)
    assert read_history(moved / "data").root == moved  # the same head, from the cache
    repo = GitRepo.__new__(GitRepo)
    repo.root, repo.data = moved, moved / "data"
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-03")
    extended = read_history(moved / "data")  # the cache, and one commit more
    assert extended.root == moved
    assert [v.snapshot.stage for v in extended.deals["acme-laptops"]] == ["lead", "offer"]


def test_a_change_the_merge_made_is_its_own_though_an_earlier_branch_s_commit_is_below(
    history_repo,
):
    """Bob's branch grew from Carol's, which landed first: Carol's commit is hers alone, and
    what Bob's merge itself changed is the merger's."""
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    repo.branch("carol/acme")
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.commit("offer", date="2026-02-03", who="Carol")
    repo.branch("bob/globex", start="carol/acme")
    repo.write("deals/globex-servers.yaml", deal_yaml(owner="bob", account="globex"))
    repo.commit("globex", date="2026-02-04", who="Bob")
    repo.merge("carol/acme", date="2026-02-05", who="Boss")
    people = {"date": "2026-02-06", "who": "Boss"}
    repo.git("merge", "-q", "--no-ff", "--no-commit", "bob/globex", **people)
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="verbal"))
    repo.git("add", "-A", **people)
    repo.git("commit", "-q", "-m", "Merge bob/globex", **people)
    history = read_history(repo.data, use_cache=False)
    acme = [(v.commit.author, v.snapshot.stage) for v in history.deals["acme-laptops"]]
    assert acme == [("Wang Li", "lead"), ("Carol", "offer"), ("Boss", "verbal")]
    assert history.deals["globex-servers"][0].commit.author == "Bob"


def test_a_main_line_commit_s_versions_hold_that_very_commit(history_repo):
    """One object per commit, however many deals it changed (an import of 100,000 deals)."""
    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.commit("import", date="2026-02-02")
    history = read_history(repo.data, use_cache=False)
    imported = history.commits[-1]
    assert all(history.deals[deal][0].commit is imported for deal in history.deals)


def test_a_repository_without_commits_has_an_empty_history(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    history = read_history(repo.data)
    assert (history.root, history.data_prefix, history.head) == (repo.root, "data", "")
    assert (history.commits, history.deals, history.first_seen("acme-laptops")) == ([], {}, None)


def test_the_collector_is_as_it_was_after_a_read(history_repo):
    """Reading turns the cyclic collector off (many small objects, no cycles), then back to
    how the caller had it."""
    import gc

    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.commit("new", date="2026-02-02")
    assert gc.isenabled()
    read_history(repo.data, use_cache=False)
    assert gc.isenabled()
    gc.disable()
    try:
        read_history(repo.data, use_cache=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


# -- git access: the files at a revision, what is not committed, the commits of a range --------


def _root_data(tmp_path) -> GitRepo:
    """A repository that is its own data folder, with an account named in Latin-1 bytes and
    one with a tab in its name, a deal and a note that is no deal, and a README."""
    repo = GitRepo(tmp_path / "repo")
    repo.data = repo.root
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    repo.write("accounts/acme.yaml", "name: Acme\n")
    repo.write("accounts/caf\udce9.yaml", "name: Café\n")  # b"caf\xe9.yaml"
    repo.write("accounts/a\tb.yaml", "name: Tab\n")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.write("deals/README.md", "Notes on our deals\n")
    repo.commit("first", date="2026-02-02")
    return repo


def test_the_files_at_a_revision_and_in_the_working_tree_are_read_whole(tmp_path):
    from generator.history.git import files_at, tree_files

    repo = _root_data(tmp_path)
    head = repo.git("rev-parse", "HEAD")
    accounts = ["accounts/a\tb.yaml", "accounts/acme.yaml", "accounts/caf\udce9.yaml"]
    everything = [*accounts, "deals/README.md", "deals/acme-laptops.yaml",
                  "deals/globex-servers.yaml", "funnel.yaml"]  # fmt: skip
    assert sorted(tree_files(repo.root, head)) == everything  # no path: the top folder
    assert sorted(tree_files(repo.root, head, "")) == everything
    (repo.root / "linked.yaml").symlink_to(repo.root / "accounts" / "acme.yaml")
    for revision in (head, None):  # a commit, or the working tree
        found = files_at(repo.root, revision, ["accounts", "funnel.yaml", "linked.yaml"])
        assert sorted(found) == [*accounts, "funnel.yaml"], revision
        assert found["accounts/caf\udce9.yaml"] == "name: Café\n".encode()
        assert found["funnel.yaml"] == HISTORY_FUNNEL.encode()


def test_the_deals_at_a_revision_and_in_the_working_tree_are_its_deal_files(tmp_path):
    from generator.history.git import deals_at

    repo = _root_data(tmp_path)
    (repo.root / "deals" / "linked.yaml").symlink_to(repo.root / "deals" / "acme-laptops.yaml")
    (repo.root / "deals" / "old.yaml").mkdir()
    for revision in (repo.git("rev-parse", "HEAD"), None):
        deals = deals_at(repo.root, revision, "")
        assert sorted(deals) == ["acme-laptops", "globex-servers"], revision
        assert deals["acme-laptops"].path == "deals/acme-laptops.yaml"
        assert deals["acme-laptops"].owner == "ann"
        assert deals["acme-laptops"].owner is deals["globex-servers"].owner  # shared


def test_only_tracked_changes_under_the_data_folder_are_uncommitted(history_repo):
    from generator.history.git import uncommitted

    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("deals/caf\udce9.yaml", deal_yaml())
    (repo.root / "README.md").write_text("notes\n", encoding="utf-8")
    repo.commit("new", date="2026-02-02")
    assert uncommitted(repo.data) == []
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    repo.write("deals/caf\udce9.yaml", deal_yaml(stage="offer"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))  # untracked
    (repo.root / "README.md").write_text("more notes\n", encoding="utf-8")  # not data
    assert sorted(uncommitted(repo.data)) == [
        "data/deals/acme-laptops.yaml",
        "data/deals/caf\udce9.yaml",
    ]
    root = _root_data(repo.root.parent / "at-root")
    root.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    assert uncommitted(root.root) == ["deals/acme-laptops.yaml"]


def test_the_commits_of_a_range_are_each_change_in_full_merges_left_out(history_repo, monkeypatch):
    from generator.history.git import commits_between

    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    base = repo.commit("new", date="2026-02-02")
    repo.branch("bob/acme")
    (repo.data / "deals" / "west").mkdir()
    repo.git("mv", "data/deals/acme-laptops.yaml", "data/deals/west/acme-laptops.yaml")
    repo.write("deals/caf\udce9.yaml", deal_yaml())
    moved = repo.commit("moved \x02 west", date="2026-02-03", who="Bob")
    repo.merge("bob/acme", date="2026-02-04", who="Boss")
    late = "2026-02-05T23:30:00+00:00"
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex"))
    repo.commit("globex", date="2026-02-05", who="Ann",
                exact={"GIT_AUTHOR_DATE": late, "GIT_COMMITTER_DATE": late})  # fmt: skip
    monkeypatch.setenv("TZ", "KIR-14")  # 14 hours ahead of UTC: already the 6th there
    time.tzset()
    try:
        commits = commits_between(repo.root, base, "HEAD")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert [(c.sha, c.author, c.email, c.day, c.subject) for c, _ in commits] == [
        (moved, "Bob", "bob@example.com", date(2026, 2, 3), "moved \x02 west"),
        (repo.git("rev-parse", "HEAD"), "Ann", "ann@example.com", date(2026, 2, 5), "globex"),
    ]
    changes = {(change.status, change.path) for change in commits[0][1]}
    assert changes == {
        ("D", "data/deals/acme-laptops.yaml"),
        ("A", "data/deals/west/acme-laptops.yaml"),
        ("A", "data/deals/caf\udce9.yaml"),
    }
    blobs = [blob for change in commits[0][1] for blob in (change.old_blob, change.new_blob)]
    assert all(len(blob) == 40 for blob in blobs)


def test_a_data_folder_named_like_an_option_is_still_a_folder_to_git(tmp_path):
    from generator.history.git import tree_files, uncommitted

    repo = GitRepo(tmp_path / "repo")
    repo.data = repo.root / "-data"
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    head = repo.commit("new", date="2026-02-02")
    assert list(tree_files(repo.root, head, "-data/deals")) == ["-data/deals/acme-laptops.yaml"]
    repo.write("deals/acme-laptops.yaml", deal_yaml(stage="offer"))
    assert uncommitted(repo.data) == ["-data/deals/acme-laptops.yaml"]


def test_a_range_is_no_revision_to_resolve(history_repo):
    from generator.history.git import resolve

    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    head = repo.commit("new", date="2026-02-02")
    assert resolve(repo.root, "HEAD") == resolve(repo.root, "main") == head
    for revision in ("HEAD~1..HEAD", "HEAD~1...HEAD", "no-such-branch"):
        with pytest.raises(HistoryError, match=f"unknown revision `{re.escape(revision)}`"):
            resolve(repo.root, revision)


def test_blobs_are_read_whole_around_one_that_is_missing(history_repo):
    from generator.history.git import read_blobs, tree_files

    repo = history_repo
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    repo.write("notes/empty.txt", "")
    repo.write("notes/lines.txt", "one\ntwo\n\n")
    head = repo.commit("files", date="2026-02-02")
    files = tree_files(repo.root, head, "data/notes", "data/deals")
    names = ("deals/acme-laptops.yaml", "notes/empty.txt", "notes/lines.txt")
    deal, empty, lines = (files[f"data/{name}"] for name in names)
    missing = "0" * 40
    blobs = read_blobs(repo.root, [lines, missing, empty, missing, deal, lines])
    assert blobs == {lines: b"one\ntwo\n\n", empty: b"", deal: deal_yaml().encode()}
    assert list(blobs) == [lines, empty, deal]
    assert read_blobs(repo.root, [missing]) == {} and read_blobs(repo.root, []) == {}


def test_an_answer_out_of_turn_is_an_error_never_a_wrong_blob(history_repo, monkeypatch):
    from generator.history import git as git_module

    repo = history_repo
    head = repo.git("rev-parse", "HEAD:data/funnel.yaml")
    answers = [
        f"x{head} blob 3\nabc\n",  # shifted by one character
        f"{'1' * 40} blob 3\nabc\n",  # another blob
        f"{head} blob 3",  # cut short
    ]
    for answer in (text.encode() for text in answers):
        monkeypatch.setattr(git_module, "git", lambda *args, answer=answer, **kwargs: answer)
        with pytest.raises(HistoryError, match=f"out of turn at {head}"):
            git_module.read_blobs(repo.root, [head])
        monkeypatch.undo()
    funnel = (repo.data / "funnel.yaml").read_bytes()
    assert git_module.read_blobs(repo.root, [head]) == {head: funnel}


def test_a_failing_git_says_its_own_last_line_or_which_command_failed(history_repo):
    from generator.history.git import git

    repo = history_repo
    with pytest.raises(HistoryError, match=r"^fatal: path 'data/caf\ufffd\.yaml' does not exist"):
        git(repo.root, "show", "HEAD:data/caf\udce9.yaml")  # named in Latin-1 bytes
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    repo.write("deals/acme-laptops.yaml", deal_yaml())
    later = repo.commit("new", date="2026-02-02")
    with pytest.raises(HistoryError, match=r"^git merge-base failed$"):  # says nothing itself
        git(repo.root, "merge-base", "--is-ancestor", later, first)

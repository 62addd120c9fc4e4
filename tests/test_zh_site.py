"""A Chinese site (`language: zh`) speaks only Chinese in its own words; a change names the
person who made it and the one who merged it, as team.yaml names them."""

from __future__ import annotations

import html
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import HISTORY_FUNNEL, GitRepo, deal_yaml

from generator.cli.main import main
from generator.data.model import Person
from generator.data.validate import check
from generator.history.mining import read_history
from generator.history.records import Commit
from generator.site.credits import Credits
from generator.site.markup import note_html
from generator.site.pages import build_pages
from generator.site.words import EN, ZH

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-28"
TEAM = """\
territories: [{id: west, name: 华西}]
people:
  - {id: boss, name: 张伟, email: Boss@Example.com, role: manager, status: active,
     territory: west}
  - {id: ann, name: 王丽, email: wang.li@example.com, role: rep, status: active, manager: boss,
     territory: west}
  - {id: bob, name: 陈静, email: bob@example.com, role: rep, status: leaving, manager: boss,
     territory: west}
"""
CHECKLIST = """\
from: bob
date: 2026-11-23
deals:
  - {deal: globex-servers, to: ann, method: phone, status: done, done_on: 2026-11-24,
     note: Called the customer together}
"""


def a_month_in_git(root: Path) -> GitRepo:
    """Four weeks of a team's funnel: branches merged with merge commits and a squash merge by
    the manager, every kind of change, a late entry, a removed deal and a finished handover.
    Git names (Wang Li, Bob, Boss) differ from the team's names (王丽, 陈静, 张伟)."""
    repo = GitRepo(root)
    repo.write("funnel.yaml", HISTORY_FUNNEL)
    repo.write("team.yaml", TEAM)
    for account in ("acme", "globex", "initech"):
        repo.write(
            f"accounts/{account}.yaml",
            f"name: {account.title()} Ltd\nterritory: west\n"
            "contacts: [{name: Li, phone: '+1 5'}]\n",
        )
    repo.write("deals/acme-laptops.yaml", deal_yaml(expected="2026-12-31"))
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob", stage="offer"))
    repo.write("deals/initech-printers.yaml", deal_yaml(account="initech", owner="bob"))
    repo.write("deals/acme-old.yaml", deal_yaml(stage="won", closed="2026-06-30"))
    repo.commit("The team's funnel", date="2026-11-02", who="Boss")

    repo.branch("ann-week")
    laptops = deal_yaml(
        stage="offer", amount="1200.00", expected="2027-01-31", log=[("2026-11-09", "Demo done")]
    )
    repo.write("deals/acme-laptops.yaml", laptops + "products: [ProBook]\n")
    repo.commit("Demo at Acme", date="2026-11-09", who="Wang Li")
    repo.merge("ann-week", date="2026-11-10", who="Boss")

    repo.write("deals/acme-tablets.yaml", deal_yaml(expected="2026-11-30"))
    repo.commit("New deal", date="2026-11-16", who="Wang Li")
    repo.write("deals/acme-tablets.yaml", deal_yaml(stage="won", closed="2026-11-17"))
    repo.commit("Won", date="2026-11-17", who="Wang Li")

    repo.branch("bob-tidy")
    repo.remove("deals/initech-printers.yaml")
    repo.commit("Tidy up", date="2026-11-17", who="Bob")
    repo.merge("bob-tidy", date="2026-11-18", who="Boss")

    repo.remove("deals/acme-old.yaml")
    (repo.data / "deals/west").mkdir()
    (repo.data / "deals/acme-laptops.yaml").rename(repo.data / "deals/west/acme-laptops.yaml")
    repo.write("deals/acme-service.yaml", deal_yaml(stage="won", closed="2026-11-19"))
    repo.commit("Files in order; a service contract", date="2026-11-19", who="Wang Li")

    lost = deal_yaml(account="globex", owner="bob", stage="lost", closed="2026-11-20")
    repo.write("deals/globex-servers.yaml", lost)
    repo.commit("Lost", date="2026-11-20", who="Bob")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="bob", stage="offer"))
    repo.commit("Not lost after all", date="2026-11-21", who="Bob")

    repo.branch("handover")
    repo.write("deals/globex-servers.yaml", deal_yaml(account="globex", owner="ann", stage="offer"))
    repo.write("handovers/bob-2026-11-23.yaml", CHECKLIST)
    repo.commit("Hand over", date="2026-11-23", who="Bob")
    repo.merge("handover", date="2026-11-24", who="Boss", how="squash")
    return repo


def zh_config() -> str:
    """This repository's mkdocs.yml for a Chinese site (the default site name is kept: the
    plugin says it in Chinese)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert text.count("language: en") == 2  # the theme's and the funnel plugin's
    assert "site_name: Sales funnel" in text
    text = text.replace("language: en", "language: zh")
    return re.sub(r"(?m)^site_description: .*$", "site_description: 团队的销售漏斗", text)


def build_site(project: Path, data: Path) -> Path:
    (project / "docs").mkdir(exist_ok=True)
    (project / "mkdocs.yml").write_text(zh_config(), encoding="utf-8")
    site = project / "site"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--config", str(project / "mkdocs.yml"),
            "--data", str(data),
            "--site-dir", str(site),
            "--as-of", AS_OF,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return site


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> tuple[Path, Path]:
    project = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "data", project / "data")
    return build_site(project, project / "data"), project / "data"


@pytest.fixture(scope="module")
def history_site(tmp_path_factory) -> tuple[Path, Path]:
    repo = a_month_in_git(tmp_path_factory.mktemp("team") / "repo")
    return build_site(repo.root, repo.data), repo.data


# -- finding English -------------------------------------------------------------------------


def english_phrases() -> set[str]:
    """The English table's phrases of two words or more (between placeholders and
    punctuation), and the built-in stages' names."""
    found = {"Won", "Lost"}
    for text in EN.values():
        for part in re.split(r"\{[^}]*\}|`[^`]*`|[\[\]().:;,…→=×+\"]", text):
            part = " ".join(part.split())
            if len(part.split()) >= 2:
                found.add(part)
    return found


def pattern_of(phrases: set[str]) -> re.Pattern[str]:
    """Any of the phrases as whole words, the longest first, spaces as any white space."""
    words = (r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{'|'.join(words)})(?![\w-])")


PHRASES = english_phrases()
STAGES = pattern_of({"Won", "Lost"})
"""The built-in stages' names, as written (not the verbs of a note)."""
LOWER = pattern_of({phrase.lower() for phrase in PHRASES - {"Won", "Lost"}})
"""The other phrases, in any case (searched in lower-cased text)."""


def searched(text: str) -> list[tuple[re.Pattern[str], str]]:
    return [(STAGES, text), (LOWER, text.lower())]


def phrase_of(text: str) -> str:
    return " ".join(text.split()).casefold()


def typed_by_users(data: Path) -> dict[str, list[str]]:
    """Every text of the data folder (names, titles, notes: they may be English) as the site
    shows it, by the English phrases it contains."""
    texts: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif value is not None:
            texts.add(str(value))

    for path in data.rglob("*.yaml"):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    typed: dict[str, list[str]] = {}
    for text in texts:
        for shown in {html.escape(text, quote=False), note_html(text)}:
            for pattern, form in searched(shown):
                for match in pattern.finditer(form):
                    typed.setdefault(phrase_of(match.group()), []).append(form)
    return typed


def english_in(page: str, typed: dict[str, list[str]]) -> set[str]:
    """The English phrases in a page that are not part of what a user typed."""
    found = set()
    for pattern, text in searched(page):
        spans: dict[str, list[tuple[int, int]]] = {}  # where users' texts with the phrase are
        for match in pattern.finditer(text):
            phrase = phrase_of(match.group())
            if phrase not in spans:
                spans[phrase] = [
                    hit.span()
                    for form in typed.get(phrase, [])
                    for hit in re.finditer(re.escape(form), text)
                ]
            start, end = match.span()
            if not any(s <= start and end <= e for s, e in spans[phrase]):
                found.add(" ".join(match.group().split()))
    return found


def test_the_phrase_finder_finds_the_english_site(history_site):
    _, data = history_site
    as_of = date.fromisoformat(AS_OF)
    result = check(data, as_of)
    history = read_history(data, use_cache=False)
    pages = {p.path: p for p in build_pages(result.dataset, as_of, history=history)}
    typed = typed_by_users(data)
    found = set()
    for page in pages.values():
        found |= english_in(html.unescape(page.markdown.replace("\\", "")), typed)
    assert {"Won", "Lost", "merged by", "expected close", "moved down the funnel"} <= found


@pytest.mark.parametrize("which", ["sample_site", "history_site"])
def test_a_chinese_site_has_no_english_of_its_own(which, request):
    site, data = request.getfixturevalue(which)
    typed = typed_by_users(data)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    leaks = {}
    for path in pages:
        found = english_in(path.read_text(encoding="utf-8"), typed)
        if found:
            leaks[path.relative_to(site).as_posix()] = sorted(found)
    assert not leaks


# -- what a Chinese reader sees --------------------------------------------------------------


def text_of(site: Path, path: str) -> str:
    page = (site / path).read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_a_deal_timeline_tells_its_changes_in_chinese(history_site):
    site, _ = history_site
    laptops = text_of(site, "deals/acme-laptops/index.html")
    assert "王丽（张伟合并）" in laptops  # Wang Li's branch, merged by Boss
    assert "阶段：lead → offer（在漏斗中下移）" in laptops
    assert "预计成交：2026-12-31 → 2027-01-31（推迟）" in laptops
    assert "金额：1,000.00 → 1,200.00" in laptops
    assert "记录 2026-11-09：Demo done" in laptops
    assert "文件从" in laptops
    globex = text_of(site, "deals/globex-servers/index.html")
    assert "阶段：offer → 丢单" in globex
    assert "阶段：丢单 → offer（重新打开）" in globex
    assert "负责人：陈静 → 王丽" in globex
    assert "陈静（张伟合并）" in globex  # squashed by Boss
    service = text_of(site, "deals/acme-service/index.html")
    assert "赢单 (100%)" in service
    assert "录入时已赢单" in service


def test_compliance_and_the_weekly_review_name_people_as_the_team_does(history_site):
    site, _ = history_site
    compliance = text_of(site, "compliance/index.html")
    assert "迟录商机" in compliance
    row = next(line for line in compliance.splitlines() if "initech-printers" in line)
    assert row  # removed without being closed, on Bob's branch that Boss merged
    assert "陈静（张伟合并）" in compliance
    review = text_of(site, "reviews/2026-W47/team-boss/index.html")
    assert "未关闭即删除" in review
    assert "陈静（张伟合并）" in review
    assert "Wang Li" not in review and "Boss" not in review


def test_the_leaving_rep_has_handed_everything_over(history_site):
    site, _ = history_site
    handovers = text_of(site, "handovers/index.html")
    assert "待交接" in handovers
    assert re.search(r"陈静\s+0\s+0\.00", handovers)
    checklist = text_of(site, "handovers/bob-2026-11-23/index.html")
    assert "交接 陈静" in checklist  # the title
    assert re.search(
        r"☑.*Globex Ltd.*王丽\s+2026-11-24: Called the customer together", checklist, re.S
    )


# -- who made a change ---------------------------------------------------------------------


PEOPLE = [
    Person(id="zhang-wei", name="张伟", email="zhang.wei@example.com", role="manager",
           status="active"),
    Person(id="chen-jing", name="陈静", email="Chen.Jing@Example.com", role="rep",
           status="active"),
]  # fmt: skip


def commit(author: str, email: str, merged_by: str = "", merged_email: str = "") -> Commit:
    return Commit("0" * 40, author, email, date(2026, 11, 2), "A change", merged_by, merged_email)


def test_a_change_names_its_author_from_the_team_by_email():
    credits = Credits.of(PEOPLE)
    assert credits.line(commit("Chen Jing", "chen.jing@EXAMPLE.com"), EN) == "陈静"
    assert credits.line(commit("Guest", "guest@example.org"), EN) == "Guest"


def test_a_merged_change_names_both_in_the_sites_language():
    credits = Credits.of(PEOPLE)
    merged = commit("Chen Jing", "chen.jing@example.com", "Zhang Wei", "zhang.wei@example.com")
    assert credits.line(merged, EN) == "陈静, merged by 张伟"
    assert credits.line(merged, ZH) == "陈静（张伟合并）"
    stranger = commit("Chen Jing", "chen.jing@example.com", "Release Bot", "bot@example.org")
    assert credits.line(stranger, EN) == "陈静, merged by Release Bot"
    own = commit("Zhang Wei", "zhang.wei@example.com", "Zhang", "Zhang.Wei@example.com")
    assert credits.line(own, ZH) == "张伟"


def test_the_english_site_credits_the_author_and_the_merger(history_site):
    _, data = history_site
    as_of = date.fromisoformat(AS_OF)
    history = read_history(data, use_cache=False)
    pages = {
        p.path: p.markdown for p in build_pages(check(data, as_of).dataset, as_of, history=history)
    }
    assert "王丽, merged by 张伟" in pages["deals/acme-laptops.md"]
    assert "陈静, merged by 张伟" in pages["compliance.md"]
    assert "陈静, merged by 张伟" in pages["reviews/2026-W48/bob.md"]


def test_the_default_site_name_and_the_search_dialog_speak_chinese(sample_site):
    site, _ = sample_site
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>销售漏斗</title>" in index or "- 销售漏斗</title>" in index
    assert 'aria-label="搜索"' in index and "Sales funnel" not in index

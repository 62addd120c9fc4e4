"""Hostile text in every field a user types is shown as text in every output, never run."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
SVG_BREAK = "</text></svg><svg onload=alert(3)>"
PIPE = "Acme | Pipes & <Co>"
NOTE = (
    "Met them. [click](javascript:alert(4)) <script>alert(5)</script> "
    "![logo](https://evil.example/x.png) <img src=x onerror=alert(6)> "
    "[data](data:text/html;base64,PHNjcmlwdD4=) **ok** {{ 7*7 }}"
)


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("hostile")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / "docs").mkdir()
    data = project / "data"
    (data / "accounts").mkdir(parents=True)
    (data / "deals").mkdir()
    (data / "funnel.yaml").write_text(
        "currency: EUR\nstages:\n"
        f"  - {{id: look, name: {q(SCRIPT)}, probability: 20, handover: later}}\n"
        f"  - {{id: close, name: {q(PIPE)}, probability: 80, handover: visit}}\n",
        encoding="utf-8",
    )
    (data / "team.yaml").write_text(
        f"territories: [{{id: t1, name: {q(SVG_BREAK)}}}]\n"
        "people:\n"
        f"  - {{id: boss, name: {q(IMG)}, role: manager, status: active, territory: t1}}\n"
        f"  - {{id: rep, name: {q('</title>' + SCRIPT)}, role: rep, status: leaving, manager: boss,"
        " territory: t1}\n",
        encoding="utf-8",
    )
    (data / "accounts" / "evil.yaml").write_text(
        f"name: {q(PIPE + ' ' + SCRIPT)}\nterritory: t1\nindustry: {q('{{ 7*7 }}')}\n"
        f"notes: {q(NOTE)}\n"
        f"contacts:\n  - {{name: {q(IMG)}, title: {q(SVG_BREAK)}, phone: {q('|1|')}}}\n",
        encoding="utf-8",
    )
    for stage in ("look", "close"):
        (data / "deals" / f"evil-{stage}.yaml").write_text(
            f"account: evil\ncontact: {q(IMG)}\nowner: rep\ntitle: {q(SVG_BREAK + SCRIPT)}\n"
            f"products: [{q(PIPE)}, {q('[x](javascript:alert(9))')}]\n"
            f"amount: 1000.00\nexpected_close: 2027-01-31\nstage: {stage}\n"
            f"source: {q('<b>bold</b>')}\nnext_step: {q(SCRIPT)}\ncreated: 2026-10-01\n"
            f"log:\n  - {{date: 2026-11-01, note: {q(NOTE)}}}\n",
            encoding="utf-8",
        )
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(project / "mkdocs.yml"),
            "--data",
            str(data),
            "--site-dir",
            str(project / "site"),
            "--as-of",
            "2026-11-26",
        ],
    )
    assert result.exit_code == 0, result.output
    return project / "site"


def generated(site: Path) -> list[Path]:
    return [path for path in site.rglob("*.html") if "search" not in path.parts]


class Elements(HTMLParser):
    """Every element, attribute and script body of a page, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self.tags: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_script = tag == "script"
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def test_nothing_executable_reaches_any_page(hostile_site):
    pages = generated(hostile_site)
    assert len(pages) > 8
    for page in pages:
        parsed = Elements()
        parsed.feed(page.read_text(encoding="utf-8"))
        assert not [body for body in parsed.scripts if "alert" in body], page
        for tag, name, value in parsed.attributes:
            assert not name.startswith("on"), (page, tag, name)
            if name in ("href", "src", "xlink:href", "action"):
                assert not value.strip().lower().startswith(("javascript:", "data:")), page
                assert "evil.example" not in value, page
        assert "b" not in parsed.tags, page  # `<b>bold</b>` typed by a user stays text


def test_titles_cannot_break_out_of_the_title_element(hostile_site):
    page = (hostile_site / "reps" / "rep" / "index.html").read_text(encoding="utf-8")
    head = page.split("</head>")[0]
    assert "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; - " in head
    assert head.count("</title>") == 1


def test_hostile_text_is_shown_as_typed(hostile_site):
    account = (hostile_site / "accounts" / "evil" / "index.html").read_text(encoding="utf-8")
    assert "Acme | Pipes &amp; &lt;Co&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in account
    assert "{{ 7*7 }}" in account
    deal = (hostile_site / "deals" / "evil-close" / "index.html").read_text(encoding="utf-8")
    assert "&lt;/text&gt;&lt;/svg&gt;&lt;svg onload=alert(3)&gt;" in deal
    assert "<strong>ok</strong>" in deal, "Markdown in notes is rendered"
    assert 'href="javascript' not in deal
    # a `|` in a value stays inside its table cell
    cells = re.findall(r"<td>([^<]*Pipes[^<]*)</td>", deal)
    assert cells and all("Acme | Pipes" in cell for cell in cells)
    for page in (deal, account):  # no Markdown escape shows in a cell (the data has no `\`)
        shown = "".join(re.findall(r"<td[^>]*>(.*?)</td>", page, re.S))
        assert "Pipes" in shown and "\\" not in shown


def test_svg_text_stays_inside_the_chart(hostile_site):
    home = (hostile_site / "index.html").read_text(encoding="utf-8")
    charts = re.findall(r'<div class="[a-z-]+ chart"><svg .*?</svg>', home, re.S)
    assert charts
    for chart in charts:
        assert chart.count("<svg") == 1
        assert "&lt;script&gt;" in chart or "Pipes" in chart


def test_support_json_and_search_index_hold_text_not_markup(hostile_site):
    support = json.loads((hostile_site / "support.json").read_text(encoding="utf-8"))
    assert support["accounts"][0]["name"] == PIPE + " " + SCRIPT
    index = (hostile_site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "<script>" not in index

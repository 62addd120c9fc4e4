"""Tables written in HTML pass through Markdown as they are, parsed by no HTML parser."""

from __future__ import annotations

import contextlib

import markdown
import pytest
from markdown.htmlparser import htmlparser
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from generator.data.load import DataDirError
from generator.plugin import as_is
from generator.site.markup import AS_IS

EXTENSIONS = ["tables", "admonition", "attr_list", "toc"]
ROW = ["<tr>", "<td>a &amp; b</td>", "<td>\n\n# not a heading</td>", "</tr>"]
TABLE = "\n".join(["<table>", "<tbody>", *ROW, "</tbody>", "</table>"])
PAGE = f"# Deal\n\nText.\n\n{AS_IS}\n{TABLE}\n\n## Timeline\n\n{AS_IS}\n{TABLE}\n\n"
PAGE += "| a |\n| - |\n| *b* |\n"


def convert(text: str, *extensions: object) -> str:
    return markdown.Markdown(extensions=[*EXTENSIONS, *extensions]).convert(text)


@pytest.mark.parametrize(
    "text",
    [
        PAGE,
        f"{AS_IS}\n{TABLE}",  # at the start and the end of the page
        f"Text.\n{AS_IS}\n{TABLE}\nText.",  # no blank lines around
        f"# Deal\n\n{AS_IS}\n<table>\n<tr><td>never ended</td></tr>\n\n## Timeline\n",
        "# Deal\n\n<table>\n<tbody><tr><td>not marked</td></tr></tbody>\n</table>\n",
        f'### Stale\n\n{AS_IS}\n<ul>\n<li><a href="x/">X</a>: 2026-10-01</li>\n</ul>\n\nText.',
        f"{AS_IS}\n<p>not a table nor a list</p>\n\nText.",
    ],
)
def test_the_page_is_the_same_with_or_without_the_extension(text):
    def shown(page: str) -> list[str]:  # without the marks, which are comments
        return [line for line in page.splitlines() if line and line != AS_IS]

    assert shown(convert(text, as_is.makeExtension())) == shown(convert(text))


def test_a_marked_table_reaches_no_html_parser(monkeypatch):
    fed: list[str] = []
    feed = htmlparser.HTMLParser.feed

    def noting(parser, data: str) -> None:
        fed.append(data)
        feed(parser, data)

    monkeypatch.setattr(htmlparser.HTMLParser, "feed", noting)
    page = convert(PAGE, as_is.makeExtension())
    assert page.count("<td>a &amp; b</td>") == 2 and "<h1" in page and "<em>b</em>" in page
    assert "# not a heading" in page  # inside the table, as written
    assert fed and not any("<table>" in data for data in fed)
    fed.clear()
    convert(PAGE)
    assert any("<table>" in data for data in fed)  # without it: parsed


def test_the_site_uses_it_once(tmp_path):

    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins: [funnel]\n", encoding="utf-8")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    plugin = config.plugins["funnel"]
    for _ in range(2):  # a second configuration (the live preview's rebuild) adds nothing
        with contextlib.suppress(PluginError, DataDirError):  # no data: added before
            plugin.on_config(config)
    assert config.markdown_extensions.count(as_is.NAME) == 1

"""A page's search sections are read as the theme's search plugin reads them: the very same
sections for every kind of HTML a page holds, or none (the plugin then reads the page); a site
built so has the very same search index and pages."""

from __future__ import annotations

import shutil

import pytest
from material.plugins.search.plugin import Parser
from test_kept_pages import build, repo, store  # noqa: F401 (repo: the fixture)

from generator.plugin import kept_pages, search_sections
from generator.plugin.search_sections import sections


def material(html: str) -> list[tuple[object, ...]]:
    """The sections as the search plugin divides `html`."""
    parser = Parser()
    parser.feed(html)
    parser.close()
    return [
        (found.el.tag, found.el.is_excluded(), found.depth, found.id, found.title, found.text)
        for found in parser.data
    ]


def ours(html: str) -> list[tuple[object, ...]] | None:
    found = sections(html)
    if found is None:
        return None
    return [(s.tag, s.excluded, s.depth, s.id, s.title, s.text) for s in found]


PLAIN = {
    "a page": '<h1 id="a">Title<a class="headerlink" href="#a" title="Permanent link">&para;</a>'
    "</h1>\n<p>Hello &amp; <strong>world</strong> &lt;script&gt;</p>",
    "text before the first heading": '<p>pre</p>\n<h2 id="x">X</h2>\n<p>t</p>',
    "a heading without id": "<h2>No id</h2><p>t</p>",
    "a heading nested in a block": '<div><h2 id="n">N</h2><p>in</p></div><p>after</p>',
    "headings nested deeper and back": '<h1 id="t">T</h1><div><div><h3 id="d">D</h3><p>x</p>'
    '</div><p>y</p></div><h2 id="e">E</h2><p>z</p>',
    "a block excluded from search": "<div data-search-exclude><p>hidden</p></div><p>shown</p>",
    "an excluded heading": '<h1 id="t">T</h1><h2 id="h" data-search-exclude>H</h2><p>x</p>',
    "an excluded block inside another of its tag": "<div><div data-search-exclude>a</div>b</div>c",
    "line numbers": '<table><tr><td><div class="linenodiv"><pre>1\n2</pre></div></td>'
    "<td><pre><code>a\nb</code></pre></td></tr></table>",
    "preformatted whitespace": "<p>a</p><pre><code>a\n  b\n\n   \n</code></pre><p> </p>",
    "whitespace between blocks": "<p>a</p>\n\n<p>b</p>\n  \n<ul>\n<li>x</li>\n<li></li>\n</ul>",
    "whitespace in a title": '<h2 id="w">A\n<code>b</code>\n \n</h2>\n<p>x</p>\n',
    "wide spaces between blocks": "<p>a</p>\u3000\n<p>b</p>\xa0<p>c</p> \t",
    "whitespace in an excluded block": "<div data-search-exclude>\n<p>\n</p>\n</div>\n<p>y</p>",
    "a long list": "<ul>\n" + "<li>x</li>\n<li> </li>\n" * 50 + "</ul>\n<p>z</p>",
    "empty kept elements": "<p> </p><code></code><p>\n</p><li><sub> </sub></li>",
    "void and self-closing tags": '<p>a<br>b<br/>c<img src="x" alt="y"/><hr />d</p>',
    "upper case": '<P CLASS="x">A</P><H2 ID="Up">U</H2><Code>c</CODE>',
    "character references": '<h2 id="a&amp;b">A &lt;b&gt; &#x4e2d;&#25991; &nbsp;&copy</h2>'
    "<p>&amp</p>",
    "attributes without a value or empty": '<h2 id="" hidden>E</h2><td colspan>1</td>'
    '<h3 id="">F</h3>',
    "a table": "<table>\n<thead>\n<tr>\n<th>A</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n"
    "</tr>\n</tbody>\n</table>",
    "end tags that close nothing": "<p>a</span>b</p><div><p>c</div>d</p>",
    "the same tag twice in a title": '<h2 id="c"><code>a</code> and <code>b</code></h2><p>x</p>',
    "a heading inside a kept element": '<li><h3 id="l">L</h3><p>x</p></li><p>y</p>',
    "chinese": '<h1 id="_1">季度预测</h1><p>客户参观了演示中心，反馈很好。</p>',
    "text before any tag and after the last": "plain\ntext<p>x</p>tail\n",
    "a closing tag with a space": "<p>a</p >b",
    "nothing": "",
    "only whitespace": " \n ",
    "sub and sup in lists": "<ol><li>x<sub>2</sub></li><li>y<sup>3</sup></li></ol>",
    "a headerlink outside a heading": '<p><a class="headerlink" href="#x">link</a></p>',
    "a chart's title": '<p>x</p><svg role="img"><title>Forecast &amp; won</title>'
    '<rect width="1"/></svg><p>y</p>',
    "a text area (read as text by some Pythons)": "<textarea><p>x</p></textarea>",
    "attributes repeated": '<h2 id="one" id="two">R</h2><p class="a" class="linenodiv">s</p>',
}


@pytest.mark.parametrize("html", PLAIN.values(), ids=PLAIN.keys())
def test_plain_html_gives_the_search_plugins_own_sections(html):
    assert ours(html) == material(html)


MORE = {
    "a comment": "<!-- note --><p>x</p>",
    "a script": "<p>a</p><script>var x = '<p>';</script>",
    "a style": "<style>p { color: red }</style><p>x</p>",
    "a stray angle bracket": "<p>a < b</p>",
    "a declaration": "<!DOCTYPE html><p>x</p>",
    "a processing instruction": "<?xml version='1.0'?><p>x</p>",
    "single quotes": "<p class='single'>x</p>",
    "an unquoted value": "<p class=plain>x</p>",
    "an unclosed tag": "<p>x</p><p",
}


@pytest.mark.parametrize("html", MORE.values(), ids=MORE.keys())
def test_anything_more_than_plain_html_is_left_to_the_search_plugin(html):
    assert sections(html) is None


def test_what_this_pythons_parser_reads_as_text_is_left_to_the_search_plugin(monkeypatch):
    assert {"script", "style"} <= search_sections._read_as_text()
    chart = PLAIN["a chart's title"]
    monkeypatch.setattr(search_sections, "_RAW_TEXT", frozenset({"title"}))  # a newer Python's
    assert sections(chart) is None


def test_a_site_built_so_has_the_very_same_search_index_and_pages(repo, monkeypatch):  # noqa: F811
    read_here: list[int] = []
    real = kept_pages.sections

    def counting(html):
        found = real(html)
        read_here.append(found is not None)
        return found

    (repo / "docs" / "notes.md").write_text("# Notes\n\n<!-- a comment -->\nText.\n", "utf-8")
    monkeypatch.setattr(kept_pages, "sections", counting)
    fast = build(repo, "fast")
    assert sum(read_here) >= 10  # by this process (others by the one making pages ahead)
    assert not all(read_here)  # the page with a comment: left to the plugin
    shutil.rmtree(store(repo))
    monkeypatch.setattr(kept_pages, "sections", lambda html: None)
    plugin = build(repo, "plugin")
    assert fast.keys() == plugin.keys()
    assert fast["search/search_index.json"] == plugin["search/search_index.json"]
    assert [name for name in fast if fast[name] != plugin[name]] == []

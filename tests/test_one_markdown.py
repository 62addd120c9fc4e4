"""One Markdown converter a build, reset between pages, converts every page as MkDocs' own
`Page.render` does (a new converter a page); a build with an extension not known to clear its
state converts as MkDocs does; a site built either way is the very same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from test_kept_pages import build, repo, store  # noqa: F401 (repo: the fixture)

from generator.plugin import one_markdown
from generator.plugin.as_is import NAME as AS_IS
from generator.plugin.one_markdown import Converters, reusable

EXTENSIONS = [
    *("toc", "tables", "fenced_code", "admonition", "attr_list", "abbr", "footnotes"),
    *("def_list", "md_in_html", "meta", "sane_lists", "smarty", "wikilinks", AS_IS),
]
"""Each extension that keeps something between documents, and ours."""

PAGES = {
    "index.md": "# Home\n\nSee [a deal](deals/a.md) and [its log](deals/a.md#log).\n",
    "deals/a.md": "title: Deal A\n\n# Deal A[^1]\n\n*[HP]: Hewlett-Packard\n\nHP sells.\n\n"
    '[^1]: A footnote.\n\n## Log {#log}\n\n!!! note "Next"\n    Call *them*.\n\n'
    "<!-- funnel: as is -->\n<table><tr><td>1</td></tr></table>\n",
    "deals/b.md": "# Deal B\n\nNo abbreviation here: HP is plain[^2].\n\n[^2]: Its own note.\n\n"
    '## Log\n\n## Log\n\n[[Wiki Link]] and "quotes" -- dashes.\n\n[ref]: https://example.com\n',
    "deals/c.md": "Text before any heading, [ref] undefined here.\n\n<div markdown>\n**in html**\n"
    "</div>\n\nTerm\n:   Definition\n\n```python\nx = '<b>'\n```\n\n# Late title {: #late }\n",
    "accounts/x.md": "# X\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n"
    "| 1 | 2 |\n\n[Back](../index.md) [missing](nowhere.md#x)\n",
    "empty.md": "",
}


def config(extensions: list[object]) -> MkDocsConfig:
    made = MkDocsConfig()
    made.load_dict(
        {
            "site_name": "Test",
            "docs_dir": str(Path(__file__).parent),
            "markdown_extensions": extensions,
            "validation": {"anchors": "info"},
        }
    )
    errors, _ = made.validate()
    assert errors == []
    return made


def pages(site: MkDocsConfig) -> tuple[list[Page], Files]:
    files = Files([])
    for path, text in PAGES.items():
        file = File(path, src_dir=None, dest_dir=site.site_dir, use_directory_urls=True)
        file.content_string = text
        files.append(file)
    made = [Page(None, file, site) for file in files]
    for page in made:
        page.read_source(site)
    return made, files


def kept(page: Page) -> tuple[object, ...]:
    """What MkDocs keeps of a converted page."""
    anchors = page.links_to_anchors or {}
    return (
        page.content,
        str(page.toc),
        [(item.title, item.url, item.level) for item in page.toc],
        page._title_from_render,
        page.title,
        page.present_anchor_ids,
        {target.src_uri: links for target, links in anchors.items()},
    )


def test_each_page_converts_as_mkdocs_converts_it_alone():
    site = config(EXTENSIONS)
    theirs, files = pages(site)
    for page in theirs:
        Page.render(page, site, files)
    converters = Converters()
    ours, files = pages(site)
    for page in [*ours, *reversed(ours), *ours]:  # each after every other: nothing carried over
        converters.render(page, site, files)
        assert kept(page) == kept(theirs[ours.index(page)]), page.file.src_uri
    assert "Hewlett-Packard" not in ours[2].content  # an abbreviation stays on its page
    assert "A footnote" not in ours[2].content and "Its own note" in ours[2].content
    assert ours[3].present_anchor_ids == {"late"}  # its one heading, late in the page


def test_one_converter_serves_a_build_and_a_new_configuration_gets_its_own():
    site = config(["toc", AS_IS])
    converters = Converters()
    made, files = pages(site)
    converters.render(made[0], site, files)
    first = converters._made
    converters.render(made[1], site, files)
    assert converters._made is first
    other = config(["toc", AS_IS])
    converters.render(made[2], other, files)
    assert converters._made is not first and converters._made[0] is other


@pytest.mark.parametrize(
    "extensions, known",
    [
        (["toc", "markdown.extensions.tables", AS_IS], True),
        (["toc", "pymdownx.superfences"], False),
        (["toc", "markdown.extensions.nothing_known"], False),
    ],
)
def test_only_extensions_known_to_clear_their_state_share_a_converter(extensions, known):
    assert reusable(extensions) is known


def test_an_extension_not_known_so_converts_as_mkdocs_does(monkeypatch):
    site = config(["toc", "pymdownx.caret"])
    made, files = pages(site)
    converted = []
    monkeypatch.setattr(Page, "render", lambda page, *_: converted.append(page))
    converters = Converters()
    converters.render(made[1], site, files)
    assert converted == [made[1]] and converters._made is None


def test_an_object_among_the_extensions_converts_as_mkdocs_does():
    assert not reusable(["toc", object()])


def test_a_site_built_so_is_the_very_same(repo, monkeypatch):  # noqa: F811
    made: list[Page] = []
    real = Converters.render

    def counting(self, page, config, files):
        made.append(page)
        real(self, page, config, files)

    monkeypatch.setattr(Converters, "render", counting)
    (repo / "docs" / "notes.md").write_text("# Notes\n\n## Calls\n\nText *here*.\n", "utf-8")
    shared = build(repo, "shared")
    assert len(made) >= 10  # by this process (others by the one making pages ahead)
    shutil.rmtree(store(repo))
    monkeypatch.setattr(one_markdown, "reusable", lambda extensions: False)
    alone = build(repo, "alone")
    assert shared.keys() == alone.keys()
    assert [name for name in shared if shared[name] != alone[name]] == []

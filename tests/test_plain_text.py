"""Text that no inline pattern can match is not offered to them: every page is the same, its
HTML and its table of contents, with or without the extension; with an inline pattern that is
not Python-Markdown's own, no text is marked."""

from __future__ import annotations

import shutil

import markdown
import pytest
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from test_kept_pages import build, repo, store  # noqa: F401 (repo: the fixture)

from generator.plugin import plain_text
from generator.plugin.as_is import NAME as AS_IS
from generator.plugin.plain_text import NAME, PRIORITY, only_known_steps
from generator.site.markup import AS_IS as AS_IS_MARK

EXTENSIONS = ["tables", "admonition", "attr_list", "toc", AS_IS]
TEXTS = {
    "headings and a table passed as it is": f"# Deal\n\n## Timeline\n\n{AS_IS_MARK}\n"
    "<table>\n<tr><td>1</td></tr>\n</table>\n\n## 联系人\n",
    "each pattern's character": "`code` and \\* escaped, [a link](x.md), ![img](i.png),\n"
    "[ref][r], [r], <https://example.com>, <a@b.cn>, <b>html</b>, &amp; &copy;,\n"
    "*em* **strong** _under_ __both__ a * b _ c\n\n[r]: https://example.com\n",
    "a line break": "first line  \nsecond line\nthird\n",
    "tails after inline elements": "Plain **bold** plain tail, `code` tail\n\n- item *x* tail\n",
    "a heading with attributes": "## Log {: #log .wide }\n\nText {: .x }\n",
    "lists and quotes": "- one\n- two\n\n> quoted\n> plain\n\n1. first\n2. second\n",
    "a table in Markdown": "| a | b |\n|---|---:|\n| plain | *em* |\n| 1 | 2 |\n",
    "an admonition": '!!! note "Next step"\n    Call them.\n\n    Plain again.\n',
    "code blocks": "    indented code with * and _\n\nText.\n",
    "brackets and exclamation alone": "Won! (100%) ] and > here\n",
    "nothing": "",
}


class _Seen(Treeprocessor):
    """Notes, just before the inline patterns, which text is marked to be left alone."""

    def __init__(self, md: markdown.Markdown, seen: list[tuple[str, bool]]) -> None:
        super().__init__(md)
        self.seen = seen

    def run(self, root):
        for element in root.iter():
            for text in (element.text, element.tail):
                if text:
                    self.seen.append((str(text), isinstance(text, AtomicString)))


def converted(text: str, *extensions: object) -> tuple[str, object]:
    md = markdown.Markdown(extensions=[*EXTENSIONS, *extensions])
    return md.convert(text), md.toc_tokens  # type: ignore[attr-defined]


def seen(text: str, *extensions: object) -> list[tuple[str, bool]]:
    md = markdown.Markdown(extensions=[*EXTENSIONS, *extensions, NAME])
    found: list[tuple[str, bool]] = []
    md.treeprocessors.register(_Seen(md, found), "seen", PRIORITY - 0.5)
    md.convert(text)
    return found


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_the_page_is_the_same_with_or_without_the_extension(text):
    assert converted(text, NAME) == converted(text)


@pytest.fixture
def observed(monkeypatch):
    """The test's own step over the tree, which treats marked text as any other, is known."""
    monkeypatch.setattr(plain_text, "KNOWN_STEPS", plain_text.KNOWN_STEPS | {_Seen.__module__})


def test_plain_text_is_marked_and_text_a_pattern_may_match_is_not(observed):
    marked = dict(seen(TEXTS["headings and a table passed as it is"]))
    assert marked["Deal"] and marked["Timeline"] and marked["联系人"]
    assert all(marked.values())  # the table's placeholder too
    found = seen(TEXTS["each pattern's character"] + TEXTS["tails after inline elements"])
    assert [text for text, atomic in found if atomic] == []
    found = seen("Plain\n\nline  \nbreak\n\nWon! (100%) ] and > here\n")
    assert [(text, atomic) for text, atomic in found if text.strip()] == [
        ("Plain", True),
        ("line  \nbreak", False),
        ("Won! (100%) ] and > here", False),
    ]


@pytest.mark.parametrize("other", ["abbr", "smarty", "wikilinks", "footnotes", "legacy_attrs"])
def test_with_a_pattern_of_another_extension_nothing_is_marked(other, observed):
    assert not only_known_steps(markdown.Markdown(extensions=[*EXTENSIONS, other]))
    assert not any(atomic for _, atomic in seen("# Deal\n\nHP sells.\n", other))
    text = '*[HP]: Hewlett-Packard\n\n# HP\n\nHP sells "quotes" -- [[Wiki]] [^1].\n\n[^1]: n\n'
    assert converted(text, other, NAME) == converted(text, other)


def test_a_pattern_or_a_step_replaced_under_an_own_name_is_another_extensions():
    md = markdown.Markdown(extensions=EXTENSIONS)
    assert only_known_steps(md)
    pattern = md.inlinePatterns["link"]
    replaced = type("Replaced", (type(pattern),), {"__module__": "elsewhere"})
    md.inlinePatterns.register(replaced(pattern.pattern, md), "link", 160)
    assert not only_known_steps(md)
    md = markdown.Markdown(extensions=EXTENSIONS)
    step = md.treeprocessors["prettify"]
    md.treeprocessors.register(type("Own", (type(step),), {"__module__": "own"})(md), "x", 9)
    assert not only_known_steps(md)


def test_a_site_built_so_is_the_very_same(repo, monkeypatch):  # noqa: F811
    known: list[bool] = []
    real = plain_text.only_known_steps
    monkeypatch.setattr(
        plain_text, "only_known_steps", lambda md: known.append(real(md)) or real(md)
    )
    fast = build(repo, "fast")
    assert known and all(known)  # the site's pages were marked (by this process)
    shutil.rmtree(store(repo), ignore_errors=True)
    monkeypatch.setattr(plain_text, "only_known_steps", lambda md: False)
    slow = build(repo, "slow")
    assert fast.keys() == slow.keys()
    assert [name for name in fast if fast[name] != slow[name]] == []

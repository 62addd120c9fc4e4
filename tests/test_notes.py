"""Notes written in Markdown: a plain one-line note takes a shortcut past Markdown, and the
shortcut gives exactly what Markdown and the sanitizer give."""

from __future__ import annotations

import random

import markdown
import nh3
import pytest

from generator.site import markup
from generator.site.markup import note_html


def through_markdown(text: str) -> str:
    """The note as Markdown and the sanitizer make it (what the shortcut must equal)."""
    cleaned = nh3.clean(
        markdown.markdown(text),
        tags=markup.NOTE_TAGS,
        attributes=markup.NOTE_ATTRIBUTES,
        url_schemes=markup.NOTE_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return " ".join(cleaned.split("\n")).replace("|", "&#124;")


ALPHABET = [
    *"abc XYZ 09 客户参观了演示中心，反馈很好。\"'.,;:?()/-+=~|{}%$@^",
    *("\u00a0", "\x0b", "\x0c", "  ", "1.", "1)", "--", "***", "\t", "\\", "`", "*", "_"),
    *("[", "]", "<", ">", "&", "!", "#", "&amp;", "<b>", "\n", "    "),
]


def test_the_shortcut_equals_markdown_on_thousands_of_notes():
    rng = random.Random(7)
    shortcut = 0
    for _ in range(8000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12)))
        shortcut += bool(markup._PLAIN_NOTE.fullmatch(text) and text == text.strip())
        assert str(note_html(text)) == through_markdown(text), repr(text)
    assert shortcut > 1000  # the shortcut was taken often enough to be tested


@pytest.mark.parametrize(
    "text",
    [
        "Called 李娜; the PO goes through finance now.",
        "    indented like code",
        "1. first",
        "2026. a year",
        "- a list",
        "+ a list",
        "# a heading",
        "> a quote",
        "=== a rule?",
        "ends with two spaces  ",
        "**bold** and _em_",
        "<script>alert(1)</script>",
        "a | b",
        "R&D visit",
        "[link](javascript:alert(1))",
        "",
    ],
)
def test_notes_that_look_like_markdown_are_rendered_as_markdown(text):
    assert str(note_html(text)) == through_markdown(text)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            "<script>alert(\"x\")</script> & 'q'",
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;",
        ),
        (markup.Markup("<b>bold</b>"), "&lt;b&gt;bold&lt;/b&gt;"),  # markup is shown as text too
        (12.5, "12.5"),
        (None, ""),
        ("客户 <张伟>", "客户 &lt;张伟&gt;"),
    ],
)
def test_html_text_escapes_whatever_it_is_given_every_time(value, shown):
    for _ in range(2):  # the second time from the cache of str values
        got = markup.html_text(value)
        assert got == shown and type(got) is markup.Markup

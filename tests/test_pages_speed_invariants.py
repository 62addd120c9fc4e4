"""The shortcuts that make the pages fast give exactly what the long way gives: values written
without Jinja's second `escape()`, `md()` remembered per text, a page's way up to docs/
worked out once, a deal named once per rep's week in the review, a relative address without
normalising its paths."""

from __future__ import annotations

import html
import itertools
import posixpath
import random
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import jinja2
import pytest
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from generator.site.environment import _relative, environment
from generator.site.markup import md
from generator.site.words import WORDS


def md_the_long_way(text: object) -> str:
    """Markdown-safe text as the site wrote it before any shortcut: HTML-escaped, Markdown's
    punctuation backslash-escaped, line breaks as spaces."""
    if text is None:
        return ""
    escaped = html.escape(str(text), quote=False)
    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", escaped)
    return re.sub(r"[\r\n\u2028\u2029]+", " ", escaped)


def finalize_the_long_way(value: object) -> object:
    """The site's finalize before its shortcuts."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, int | float | Decimal | date) and not isinstance(value, bool):
        return Markup(str(value))
    return Markup(md_the_long_way(value))


class Kind(str):
    """A str whose str() is not itself (as a str enum's in Python 3.11): it must not share
    md()'s memory of the plain str it equals."""

    def __str__(self) -> str:
        return f"Kind.{self.upper()}"


class Shown:
    """An object a template may print: it has its own HTML and its own str()."""

    def __html__(self) -> str:
        return "<b>html</b>"

    def __str__(self) -> str:
        return "a *str* | <i>"


PIECES = [
    *"abc XYZ 09 客户参观了演示中心，反馈很好。\"'.,;:?()/-+=~|{}%$@^",
    *("\\", "`", "*", "_", "[", "]", "<", ">", "&", "!", "#", "&amp;", "<b>", "\t"),
    *("\n", "\r\n", "\u2028", "<script>alert(1)</script>", "javascript:", "| a | b |"),
    *("王丽", "1.", "-", "> quote", "**bold**", "&lt;", "\u00a0", "%s", "{{ x }}"),
]

TEMPLATE = (
    "{% macro wrapped(x) %}<{{ x }}>{% endmacro %}"
    "{{ v }}|{{ v|md }}|{{ [v]|first }}|{{ wrapped(v) }}|{{ wrapped(v) ~ v }}|{{ v ~ 'x' }}"
    "|{{ v|html }}|{% autoescape false %}{{ v }}{% endautoescape %}|{{ 'lit|*' }}{{ v }}\n"
)


def values(count: int) -> list[object]:
    rng = random.Random(11)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 9))) for _ in range(count)]
    others: list[object] = [
        *(Markup(text) for text in texts[:50]),
        *(Markup.escape(text) for text in texts[50:100]),
        0,
        -7,
        12345678901234567890,
        1.5,
        -0.0,
        Decimal("1234.50"),
        Decimal("-0.00"),
        date(2026, 1, 1),
        True,
        False,
        None,
        Kind("won"),
        Shown(),
        ["a|b", 1],
        ("x",),
        {"k": "*"},
    ]
    return [*texts, *texts[:200], *others]  # texts twice: the second time from md()'s memory


@pytest.fixture(scope="module")
def long_way() -> jinja2.Environment:
    """The site's environment written the way Jinja writes it, with the site's first finalize."""
    env = environment()
    env.code_generator_class = CodeGenerator
    env.finalize = finalize_the_long_way
    return env


def test_every_value_is_written_as_the_long_way_writes_it(long_way):
    site = environment().from_string(TEMPLATE)
    reference = long_way.from_string(TEMPLATE)
    checked = values(3000)
    for value in checked:
        assert site.render(v=value) == reference.render(v=value), repr(value)
    assert len(checked) > 3000


def test_the_shortcut_is_taken_and_the_terminal_text_keeps_jinjas_way():
    """The site's values skip Jinja's second escape; the review printed for a terminal (no
    escaping, as `funnel review` renders it) is written the usual way."""
    site = environment()
    assert "escape(" not in site.compile("{{ v }}", raw=True)
    plain = site.overlay(autoescape=False, finalize=lambda value: value)
    assert "str(" in plain.compile("{{ v }}", raw=True)
    text = "<script>*王丽* | 1.5</script>"
    assert plain.from_string("{{ v }}").render(v=text) == text
    assert plain.from_string("{{ v }}").render(v=Kind("won")) == "Kind.WON"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", ""),
        ("王丽", "王丽"),
        ("a|b", "a\\|b"),
        ("<script>", "&lt;script&gt;"),
        ("line\r\nbreak\u2028end", "line break end"),
        ("1.5 * 2", "1\\.5 \\* 2"),
    ],
)
def test_md_remembers_text_as_it_would_escape_it(text, shown):
    assert md(text) == shown == md_the_long_way(text)
    assert md(text) == shown  # the second time, from memory
    assert type(md(text)) is Markup


def test_md_of_a_str_that_is_not_a_plain_str_uses_its_str():
    assert md("won") == "won"
    assert md(Kind("won")) == "Kind\\.WON"  # not the remembered "won"
    assert md(Markup("<b>*</b>")) == "&lt;b&gt;\\*&lt;/b&gt;"
    assert md(None) == ""


@pytest.mark.parametrize(
    ("page_path", "up"),
    [
        ("index.md", ""),
        ("deals/a.md", "../"),
        ("reviews/2026-W47/team-zhang-wei.md", "../../"),
        ("a//b/c.md", "../../"),  # as PurePosixPath reads it
        ("./x/y.md", "../"),
    ],
)
def test_a_link_goes_up_to_docs_from_any_page(page_path, up):
    template = environment().from_string("{{ link('deals/x.md') }} {{ link('reps/y.md') }}")
    for _ in range(2):  # the page's way up is worked out once, then remembered
        assert template.render(page_path=page_path) == f"{up}deals/x.md {up}reps/y.md"


@pytest.mark.parametrize(
    ("page_path", "directory_urls", "urls"),
    [
        ("deals/a.md", True, "../x/ ../../accounts/ ../../"),
        ("deals/a.md", False, "x.html ../accounts/index.html ../index.html"),
        ("index.md", True, "deals/x/ accounts/ ./"),
        ("index.md", False, "deals/x.html accounts/index.html index.html"),
        ("accounts/index.md", True, "../deals/x/ ./ ../"),
        (
            "reviews/2026-W47/team-zhang-wei.md",
            True,
            "../../../deals/x/ ../../../accounts/ ../../../",
        ),
        (
            "reviews/2026-W47/index.md",
            False,
            "../../deals/x.html ../../accounts/index.html ../../index.html",
        ),
    ],
)
def test_an_address_in_raw_html_is_the_sites_own_relative_to_the_page(
    page_path, directory_urls, urls
):
    template = environment().from_string(
        "{{ url('deals/x.md') }} {{ url('accounts/index.md') }} {{ url('index.md') }}"
    )
    assert template.render(page_path=page_path, directory_urls=directory_urls) == urls


def test_remember_renders_each_key_once():
    calls = []

    def render(prefix: str, key: str) -> str:
        calls.append(key)
        return f"{prefix}:{key}"

    remembered = environment().globals["remember"](render, "rep")
    assert [remembered[k] for k in ("a", "b", "a", "a")] == ["rep:a", "rep:b", "rep:a", "rep:a"]
    assert calls == ["a", "b"]


def rep_week(**fields: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(titles=fields.get("titles", {}), accounts=fields.get("accounts", {}))


def test_a_deal_is_named_by_its_week_then_by_the_site_then_by_its_id():
    named = environment().globals["deal_named"]
    titles, accounts = {"d1": "Today's title", "d2": "Site title"}, {"acc": "华东电子"}
    rep = rep_week(titles={"d1": "Week's title", "d2": ""}, accounts={"d1": "acc", "d2": "gone"})
    assert named(rep, "d1", titles, accounts) == ("Week's title", "华东电子")
    assert named(rep, "d2", titles, accounts) == ("Site title", "gone")  # an unknown account
    assert named(rep, "d3", titles, accounts) == ("d3", None)  # no title, no account
    assert named(rep_week(accounts={"d1": ""}), "d1", {}, accounts) == ("d1", None)


def review_of(deal_titles: dict[str, str], **context: object) -> str:
    """The review of one rep whose week has `d1` stale, untouched and without a next step."""
    rep = SimpleNamespace(
        owner="wang-li",
        quiet=False,
        weighted_delta=Decimal("0"),
        causes={},
        imported=0,
        of=lambda *whats: [],
        slipped_out=[],
        logged=[("d1", date(2026, 11, 16), "Demo *done*")],
        stale=[("d1", date(2026, 10, 1))],
        overdue=[],
        untouched=[("d1", date(2026, 9, 1))],
        slipped_twice=[],
        past_close=[],
        no_next_step=["d1"],
        titles={"d1": "Laptops | <b>2027</b>"},
        accounts={"d1": "huadong"},
    )
    week = SimpleNamespace(name="2026-W47", start=date(2026, 11, 16), end=date(2026, 11, 22))
    return (
        environment()
        .get_template("review.md.j2")
        .render(
            t=WORDS["en"],
            title="Review",
            week=week,
            reps=[(rep, None)],
            teams=[],
            sections=[],
            currency="CNY",
            describe=str,
            accounts={"huadong": "华东 *电子*"},
            people_by_id={},
            deal_titles=deal_titles,
            page_path="reviews/2026-W47/wang-li.md",
            **context,
        )
    )


def test_the_review_names_a_deal_in_every_list_as_the_links_macro_links_it():
    linked = (
        environment()
        .from_string(
            '{% import "links.md.j2" as link_to with context %}{{ link_to.deal("d1", t) }}'
        )
        .render(t="Laptops | <b>2027</b>", page_path="reviews/2026-W47/wang-li.md")
    )
    assert linked == "[Laptops \\| &lt;b&gt;2027&lt;/b&gt;](../../deals/d1.md)"
    page = review_of({"d1": "Today"}, links=True)
    named = f"{linked} · 华东 \\*电子\\*"
    assert page.count(f"- {named}") == 1  # logged this week
    in_html = (  # the deals that need a word: an HTML list, linked as links.html.j2 links
        environment()
        .from_string('{% import "links.html.j2" as a with context %}{{ a.deal("d1", t) }}')
        .render(t="Laptops | <b>2027</b>", page_path="reviews/2026-W47/wang-li.md")
    )
    assert in_html == '<a href="../../../deals/d1/">Laptops | &lt;b&gt;2027&lt;/b&gt;</a>'
    named = f"{in_html} · 华东 *电子*"
    assert page.count(f"<li>{named}") == 3  # stale, untouched, no next step
    assert f"<li>{named}: Last activity 2026-10-01</li>" in page
    assert f"<li>{named}</li>" in page


def test_without_links_the_review_names_a_deal_with_its_id():
    page = review_of({}, links=True)  # a deal the site has no page for: not linked
    assert page.count("- Laptops \\| &lt;b&gt;2027&lt;/b&gt; (d1) · 华东 \\*电子\\*") == 1
    assert page.count("<li>Laptops | &lt;b&gt;2027&lt;/b&gt; (d1) · 华东 *电子*") == 3
    assert "href" not in page
    text = review_of({}, links=False)  # elsewhere (the review as Markdown): Markdown lists
    assert text.count("- Laptops \\| &lt;b&gt;2027&lt;/b&gt; (d1) · 华东 \\*电子\\*") == 4
    assert "<li>" not in text and "as is" not in text


def test_a_reps_week_is_rendered_once_for_the_pages_of_a_week():
    """The rep's page and the team's page of one week show the rep's week from one
    rendering; without the store each page renders it, to the same text."""
    made: dict[str, object] = {}
    page = review_of({"d1": "Today"}, links=True, rep_weeks_made=made)
    assert list(made) == ["wang-li"]
    assert page.endswith(str(made["wang-li"]))
    assert str(made["wang-li"]).startswith("## wang\\-li\n")
    assert review_of({"d1": "Today"}, links=True) == page
    assert review_of({"d1": "Today"}, links=True, rep_weeks_made=made) == page
    kept = review_of({"d1": "Today"}, links=True, rep_weeks_made={"wang-li": Markup("kept\n")})
    assert kept.endswith("\nkept\n")  # the kept text is shown, not rendered again


PARTS = ["deals", "x", "index.html", ".", "..", ""]


def test_a_relative_address_is_posixpaths_own():
    for path in itertools.product(PARTS, repeat=3):
        for start in itertools.product(PARTS, repeat=2):
            one, other = "/".join(path), "/".join(start)
            assert _relative(one, other) == posixpath.relpath(f"/{one}", f"/{other}"), (one, other)

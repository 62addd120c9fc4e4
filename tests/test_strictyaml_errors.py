"""Where the strict reader puts each problem, and what it says: line and column count from 1,
also on a file that starts with an empty line, and the rest of the file is still read."""

from __future__ import annotations

import pytest

from generator.data.problems import Problem
from generator.data.strictyaml import Marks, check_text, locate, parse


def problems_of(text: str) -> list[tuple[int, int, str]]:
    value, problems = parse(text, "f.yaml")
    assert value is None
    return [(p.line, p.column, p.message) for p in problems]


@pytest.mark.parametrize(
    ("text", "line", "column", "code"),
    [
        ("name: a\x07b\n", 1, 8, "U+0007"),
        ("\nname: a\x07b\n", 2, 8, "U+0007"),
        ("a: 1\nname: x\ufffe\n", 2, 8, "U+FFFE"),
    ],
)
def test_a_character_yaml_cannot_hold(text, line, column, code):
    message = f"character {code} is not allowed in YAML: delete it"
    assert parse(text, "f.yaml") == (None, [Problem("f.yaml", line, column, "error", message)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: [1, 2\nb: 3\n",
            (1, 4, "invalid YAML: while parsing a flow sequence that starts here, did not find "
             "expected ',' or ']' on line 2: close the quote or bracket"),
        ),
        (
            "a: 'x\nb: 1\n",
            (1, 4, "invalid YAML: while scanning a quoted scalar that starts here, found "
             "unexpected end of stream on line 3: close the quote or bracket"),
        ),
        (
            "a:\n  b: 1\n c: 2\n",
            (1, 1, "invalid YAML: while parsing a block mapping that starts here, did not find "
             "expected key on line 3: check the indentation"),
        ),
        (
            "a: b: c\n",
            (1, 5, "invalid YAML: mapping values are not allowed in this context: put the text "
             "in quotes if it contains `: `"),
        ),
        (
            "a:\n\t- 1\n",
            (2, 1, "invalid YAML: found character that cannot start any token: indent with "
             "spaces, not tabs"),
        ),
        (
            "- a\nb: 1\n",
            (1, 1, "invalid YAML: while parsing a block collection that starts here, did not "
             "find expected '-' indicator on line 2: check the indentation"),
        ),
    ],
)  # fmt: skip
def test_syntax_errors_say_where_and_what_to_do(text, expected):
    assert problems_of(text) == [expected]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\nname: \xff\n", (2, 7, "the file is not valid UTF-8: save it with UTF-8 encoding")),
        (b"\nname: a\x01\n", (2, 8, "invisible control character U+0001: delete it")),
        (
            b"\n<<<<<<< HEAD\n",
            (2, 1, "merge-conflict marker `<<<<<<<`: resolve the conflict and delete the "
             "marker lines"),
        ),
    ],
)  # fmt: skip
def test_file_level_problems_count_lines_from_a_leading_empty_line(data, expected):
    text, problems = check_text(data, "f.yaml")
    assert text is None
    assert [(p.line, p.column, p.message) for p in problems] == [expected]


def test_anchors_aliases_and_tags_flag_their_values():
    flagged: set = set()
    value, problems = parse("a: &x 1\nb: *x\nc: !!str 3\nd: 4\n", "f.yaml", flagged=flagged)
    assert value == {"a": 1, "b": None, "c": 3, "d": 4}
    assert [(p.line, p.message) for p in problems] == [
        (1, "anchors (`&x`) are not allowed: write the value out"),
        (2, "aliases (`*x`) are not allowed: write the value out"),
        (3, "tags (`!!str`) are not allowed: remove the tag"),
    ]
    assert flagged == {("a",), ("b",), ("c",)}


def test_a_key_with_an_anchor_flags_its_mapping():
    flagged: set = set()
    value, problems = parse("m:\n  &k a: 1\n", "f.yaml", flagged=flagged)
    assert value == {"m": {"a": 1}}
    assert [p.message for p in problems] == ["anchors and tags are not allowed on keys"]
    assert flagged == {("m", "<<")}


def test_skipped_nodes_are_skipped_whole_however_deep():
    value, problems = parse(
        "? [a, [b, {c: [d]}]]\n: {e: [f, {g: h}]}\n<<: {i: {j: [k]}}\nlast: 1\n", "f.yaml"
    )
    assert value == {"last": 1}
    assert [(p.line, p.column, p.message) for p in problems] == [
        (1, 3, "a key must be a plain name, not a list or a mapping"),
        (3, 1, "merge keys (`<<`) are not allowed: write the fields out"),
    ]


def test_positions_without_any_value_are_the_start_of_the_file():
    assert Marks().value(("a", 0)) == (1, 1)
    assert Marks().key(("a",)) == (1, 1)
    marks = locate("a:\n  - 1\n  - {b: 2}\n")
    assert marks.value(("a", 1, "b")) == (3, 9)
    assert marks.value(("a", 1, "nope")) == (3, 5)
    assert marks.key(("a", 1, "b")) == (3, 6)


def test_an_escaped_control_character_flags_its_value():
    flagged: set = set()
    value, problems = parse('a: "x\\x01"\nb: 1\n', "f.yaml", flagged=flagged)
    assert value == {"a": "x\x01", "b": 1}
    assert [(p.line, p.column, p.message) for p in problems] == [
        (1, 4, "invisible control character U+0001 (written as an escape): delete it")
    ]
    assert flagged == {("a",)}


def test_positions_on_a_later_line_and_errors_without_advice():
    assert problems_of("a: 1\nb: 2\nc: x\x07\n") == [
        (3, 5, "character U+0007 is not allowed in YAML: delete it")
    ]
    assert problems_of('a: "x" y\n') == [(1, 8, "invalid YAML: did not find expected key")]
    assert problems_of("a: 1\n%x\n") == [(2, 3, "invalid YAML: found unknown directive name")]

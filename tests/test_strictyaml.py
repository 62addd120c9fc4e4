"""Unit tests of generator/data/strictyaml.py: typing plain scalars, parsing strictly, locating."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from generator.data.strictyaml import MAX_DEPTH, Marks, check_text, locate, parse, resolve_plain

# resolve_plain -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "~", "null", "Null", "NULL"])
def test_nulls(text: str) -> None:
    assert resolve_plain(text) is None


@pytest.mark.parametrize(
    ("word", "value"),
    [("yes", True), ("on", True), ("true", True), ("no", False), ("off", False), ("false", False)],
)
@pytest.mark.parametrize("case", [str.lower, str.capitalize, str.upper])
def test_bools_in_three_cases(word: str, value: bool, case) -> None:
    assert resolve_plain(case(word)) is value


@pytest.mark.parametrize("text", ["yEs", "nO", "tRUE", "y", "n", "Y", "N", "nope", "yes!"])
def test_other_spellings_stay_text(text: str) -> None:
    assert resolve_plain(text) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("42", 42),
        ("-5", -5),
        ("+3", 3),
        ("007", 7),
        ("12345678901234567890", 12345678901234567890),
    ],
)
def test_ints(text: str, value: int) -> None:
    result = resolve_plain(text)
    assert type(result) is int
    assert result == value


@pytest.mark.parametrize(
    "text", ["0.10", "1200000.00", "-0.5", "+2.50", ".5", "5.", "0.1000000000000000000001"]
)
def test_decimals_are_exact(text: str) -> None:
    result = resolve_plain(text)
    assert isinstance(result, Decimal)
    assert result == Decimal(text)
    assert str(result) == str(Decimal(text))  # the typed digits are kept: 0.10 stays 0.10


def test_decimal_keeps_its_digits() -> None:
    assert resolve_plain("0.10") == Decimal("0.10")
    assert str(resolve_plain("0.10")) == "0.10"
    assert resolve_plain("0.1") + resolve_plain("0.2") == Decimal("0.3")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        ("0001-01-01", date(1, 1, 1)),
    ],
)
def test_dates(text: str, value: date) -> None:
    assert resolve_plain(text) == value


@pytest.mark.parametrize(
    "text", ["2027-13-01", "2027-02-30", "2026-02-29", "2027-00-10", "0000-01-01"]
)
def test_impossible_dates_stay_text(text: str) -> None:
    assert resolve_plain(text) == text


@pytest.mark.parametrize(
    "text", ["2027-3-31", "2027/03/31", "2026-10-02 09:30:00", "2026-10-02T09:30:00Z", "20261002x"]
)
def test_other_date_spellings_stay_text(text: str) -> None:
    assert resolve_plain(text) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [("1e6", 1e6), ("1.5E-3", 1.5e-3), ("-2e+2", -200.0), ("1.5e-12345", 0.0)],  # a date's shape
)
def test_exponents_are_floats(text: str, value: float) -> None:
    result = resolve_plain(text)
    assert type(result) is float
    assert result == value


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_nan(text: str) -> None:
    result = resolve_plain(text)
    assert isinstance(result, float) and math.isnan(result)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (".inf", math.inf),
        (".Inf", math.inf),
        ("+.inf", math.inf),
        ("-.inf", -math.inf),
        ("-.INF", -math.inf),
    ],
)
def test_infinity(text: str, value: float) -> None:
    assert resolve_plain(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "0x1F",
        "0o17",
        "1_000",
        "12:30",
        "1,000",
        "-",
        "+",
        ".",
        "nan",
        "inf",
        "+86 21 5555 0101",
        "王丽",
    ],
)
def test_yaml_1_1_guesses_stay_text(text: str) -> None:
    """Hex, octal, underscores and sexagesimal numbers are YAML 1.1 guesses: kept as typed."""
    assert resolve_plain(text) == text


# parse: values -------------------------------------------------------------------------


def test_parse_types_plain_scalars_and_keeps_quoted_ones() -> None:
    text = (
        'a: yes\nb: "yes"\nc: 0.10\nd: "0.10"\ne: 2027-03-31\nf: \'2027-03-31\'\n'
        "g: 02855550199\nh:\ni: |\n  two\n  lines\n"
    )
    value, problems = parse(text, "f.yaml")
    assert problems == []
    assert value == {
        "a": True,
        "b": "yes",
        "c": Decimal("0.10"),
        "d": "0.10",
        "e": date(2027, 3, 31),
        "f": "2027-03-31",
        "g": 2855550199,
        "h": None,
        "i": "two\nlines\n",
    }


@pytest.mark.parametrize("place", ["mapping", "list"])
def test_a_scalar_is_typed_alike_as_a_field_and_as_a_list_item(place: str) -> None:
    items = ["yes", '"yes"', "0.10", "'0.10'", "2027-03-31", '"2027-03-31"', "12", "'12'", "~"]
    if place == "mapping":
        text = "".join(f"k{n}: {item}\n" for n, item in enumerate(items))
    else:
        text = "k:\n" + "".join(f"  - {item}\n" for item in items)
    value, problems = parse(text, "f.yaml")
    assert problems == []
    typed = [True, "yes", Decimal("0.10"), "0.10", date(2027, 3, 31), "2027-03-31", 12, "12", None]
    assert (list(value.values()) if place == "mapping" else value["k"]) == typed


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("&a x", "anchors (`&a`) are not allowed"),
        ("!!str x", "tags (`!!str`) are not allowed"),
        ('"a\\x01b"', "invisible control character U+0001"),
    ],
)
@pytest.mark.parametrize("place", ["mapping", "list", "nested"])
def test_a_scalar_is_refused_alike_as_a_field_and_as_a_list_item(
    item: str, message: str, place: str
) -> None:
    text = {
        "mapping": f"a: 1\nk: {item}\n",
        "list": f"a: 1\nk:\n  - ok\n  - {item}\n",
        "nested": f"a: 1\nk:\n  - n: 1\n    m: {item}\n",
    }[place]
    flagged: set = set()
    _, problems = parse(text, "f.yaml", flagged=flagged)
    assert [problem.message.startswith(message) for problem in problems] == [True]
    refused = {"mapping": ("k",), "list": ("k", 1), "nested": ("k", 0, "m")}[place]
    assert flagged == {refused}


def test_parse_keys_are_never_typed() -> None:
    value, problems = parse("yes: 1\n2027-01-01: 2\n1: 3\n", "f.yaml")
    assert problems == []
    assert value == {"yes": 1, "2027-01-01": 2, "1": 3}


def test_parse_nested() -> None:
    value, problems = parse("log:\n  - {date: 2026-11-20, note: Demo}\n  - [a, b]\n", "f.yaml")
    assert problems == []
    assert value == {"log": [{"date": date(2026, 11, 20), "note": "Demo"}, ["a", "b"]]}


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert parse('"<<": 1\n', "f.yaml") == ({"<<": 1}, [])


# parse: problems with line and column ---------------------------------------------------


def where(text: str) -> list[tuple[int, int, str]]:
    _, problems = parse(text, "f.yaml")
    assert all(problem.path == "f.yaml" and problem.severity == "error" for problem in problems)
    return [(problem.line, problem.column, problem.message) for problem in problems]


def test_duplicate_key_names_the_first_line() -> None:
    [(line, column, message)] = where("a: 1\nb: 2\na: 3\n")
    assert (line, column) == (3, 1)
    assert "duplicate key `a`" in message and "line 1" in message


def test_duplicate_key_quoted_and_plain() -> None:
    [(line, _, message)] = where('a: 1\n"a": 2\n')
    assert line == 2 and "duplicate key `a`" in message


def test_duplicate_key_in_a_nested_mapping() -> None:
    [(line, column, message)] = where("x:\n  - {a: 1, b: 2, a: 3}\n")
    assert (line, column) == (2, 18)
    assert "line 2" in message


def test_every_problem_at_once() -> None:
    found = where("a: &x 1\nb: *x\nc: !!str 3\n<<: {d: 4}\na: 5\n")
    assert [(line, column) for line, column, _ in found] == [(1, 4), (2, 4), (3, 4), (4, 1), (5, 1)]
    messages = " ".join(message for _, _, message in found)
    for word in ("anchors (`&x`)", "aliases (`*x`)", "tags (", "merge keys", "duplicate key"):
        assert word in messages


@pytest.mark.parametrize(
    "text",
    [
        "a: !!binary aGk=\n",
        "a: !!set {x, y}\n",
        "a: !foo b\n",
        'a: !!python/object/apply:os.system ["x"]\n',
    ],
)
def test_tags(text: str) -> None:
    [(line, column, message)] = where(text)
    assert (line, column) == (1, 4)
    assert message.startswith("tags (") and "remove the tag" in message


def test_tag_or_anchor_on_a_key() -> None:
    [(line, column, message)] = where("!!str a: 1\n")
    assert (line, column) == (1, 1) and "on keys" in message


def test_complex_key() -> None:
    value, problems = parse("? [a, b]\n: 1\nc: 2\n", "f.yaml")
    assert value == {"c": 2}
    [problem] = problems
    assert problem.line == 1 and "plain name" in problem.message


def test_two_documents() -> None:
    [(line, column, message)] = where("a: 1\n---\nb: 2\n")
    assert (line, column) == (2, 1) and "one document" in message


def test_empty_stream() -> None:
    for text in ("", "# only a comment\n", "\n\n"):
        value, problems = parse(text, "f.yaml")
        assert value is None
        assert [(p.line, p.column) for p in problems] == [(1, 1)]
        assert "empty" in problems[0].message


def test_syntax_error_has_a_position() -> None:
    value, problems = parse("a: [1, 2\nb: 3\n", "f.yaml")
    assert value is None
    [problem] = problems
    assert problem.message.startswith("invalid YAML: ")
    assert problem.line >= 1 and problem.column >= 1


def test_tab_indent_hint() -> None:
    [(line, column, message)] = where("a:\n\tb: 1\n")
    assert (line, column) == (2, 1) and "indent with spaces, not tabs" in message


def test_colon_in_text_hint() -> None:
    [(line, _, message)] = where("title: Note: call back\n")
    assert line == 1 and "put the text in quotes" in message


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_nesting_is_refused_without_recursion_error(opening: str) -> None:
    depth = 10000
    closing = "]" if opening == "[" else "}"
    for text in (opening * depth, opening * depth + "1" + closing * depth):
        value, problems = parse(text, "f.yaml")
        assert value is None or isinstance(value, list | dict)
        assert problems
        assert any(
            "nested too deeply" in p.message or "nesting depth" in p.message for p in problems
        )


def test_nesting_limit_is_exact() -> None:
    def nested(depth: int) -> str:
        return "[" * depth + "]" * depth

    assert parse(nested(MAX_DEPTH), "f.yaml")[1] == []
    assert [p.message for p in parse(nested(MAX_DEPTH + 1), "f.yaml")[1]] == [
        "the data is nested too deeply"
    ]


def test_deep_block_mapping() -> None:
    text = "".join("  " * level + "a:\n" for level in range(100))
    _, problems = parse(text, "f.yaml")
    assert [p.message for p in problems] == ["the data is nested too deeply"]
    assert problems[0].line == MAX_DEPTH + 1


def test_same_bytes_same_result() -> None:
    text = "b: &x 1\na: [2027-02-30, 0.10, .nan, yes, '1']\na: 2\nc: *x\n"
    first = parse(text, "f.yaml")
    second = parse(text, "f.yaml")
    assert repr(first) == repr(second)
    assert first[1] == second[1]
    assert locate(text) == locate(text)


# locate --------------------------------------------------------------------------------


def test_locate_marks_nested_paths() -> None:
    text = (
        "account: x\n"  # 1
        "contacts:\n"  # 2
        "  - {name: A, phone: 02855550199}\n"  # 3
        "  - name: B\n"  # 4
        "    email: 'b@example.cn'\n"  # 5
        "log:\n"  # 6
        "  - date: 2026-11-20\n"  # 7
        "    note: [x, y]\n"  # 8
    )
    marks = locate(text)
    assert isinstance(marks, Marks)
    assert marks.value(("account",)) == (1, 10)
    assert marks.key(("account",)) == (1, 1)
    assert marks.value(("contacts",)) == (3, 3)
    assert marks.value(("contacts", 0)) == (3, 5)
    assert marks.value(("contacts", 0, "phone")) == (3, 22)
    assert marks.key(("contacts", 0, "phone")) == (3, 15)
    assert marks.value(("contacts", 1, "email")) == (5, 12)
    assert marks.key(("contacts", 1, "email")) == (5, 5)
    assert marks.value(("log", 0, "note", 1)) == (8, 15)
    # the text as typed, for plain scalars only
    assert marks.raw(("contacts", 0, "phone")) == "02855550199"
    assert marks.raw(("contacts", 1, "email")) is None
    assert marks.raw(("contacts",)) is None


def test_locate_falls_back_to_the_nearest_enclosing_value() -> None:
    marks = locate("a:\n  b:\n    c: 1\n")
    assert marks.value(("a", "b", "missing")) == marks.value(("a", "b")) == (3, 5)
    assert marks.value(("nothing", "here")) == (1, 1)
    assert marks.key(("a", "b", "missing")) == (3, 5)


def test_locate_of_a_broken_file_does_not_raise() -> None:
    marks = locate("a: [1, 2\n")
    assert marks.value(("a",)) in ((1, 1), (1, 4))


# check_text ----------------------------------------------------------------------------


def test_check_text_accepts_utf8_bom_and_crlf() -> None:
    text, problems = check_text("\ufeffname: 王丽\r\nnote: a\tb\n".encode(), "f.yaml")
    assert problems == []
    assert text == "name: 王丽\r\nnote: a\tb\n"


def test_check_text_invalid_utf8() -> None:
    text, problems = check_text(b"a: 1\nb: x\xff\n", "f.yaml")
    assert text is None
    assert [(p.line, p.column) for p in problems] == [(2, 5)]
    assert "UTF-8" in problems[0].message


def test_check_text_invalid_utf8_column_counts_characters() -> None:
    _, problems = check_text("title: 南方".encode() + b"\xff\n", "f.yaml")
    assert [(p.line, p.column) for p in problems] == [(1, 10)]


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\x07",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9f",
        "\u2028",
        "\u2029",
        "\ufeff",
    ],
)
def test_check_text_control_characters(char: str) -> None:
    text, problems = check_text(f"a: 1\nb: 王{char}x\n".encode(), "f.yaml")
    assert text is None
    [problem] = problems
    assert (problem.line, problem.column) == (2, 5)
    assert f"U+{ord(char):04X}" in problem.message


def test_check_text_conflict_markers() -> None:
    data = b"a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> main\n"
    text, problems = check_text(data, "f.yaml")
    assert text is None
    assert [p.line for p in problems] == [2, 4, 6]
    assert all(p.column == 1 and "merge-conflict marker" in p.message for p in problems)


@pytest.mark.parametrize("marker", ["<<<<<<< HEAD", "=======", ">>>>>>> main", "||||||| base"])
def test_check_text_finds_each_conflict_marker_alone(marker: str) -> None:
    for data in (f"{marker}\na: 1\n", f"a: 1\n{marker}\n", f"a: 王\n{marker}"):
        text, problems = check_text(data.encode(), "f.yaml")
        assert text is None and len(problems) == 1, data
        assert problems[0].line == data.count("\n", 0, data.index(marker)) + 1


def test_check_text_ignores_marker_like_text() -> None:
    text, problems = check_text(b"note: <<<<<<< not at the start\n=======x: 1\n", "f.yaml")
    assert problems == []
    assert text is not None


@pytest.mark.parametrize("char", ["\ufffe", "\uffff"])
def test_noncharacters_are_reported_not_raised(char: str) -> None:
    text, problems = check_text(f"a: x{char}\n".encode(), "f.yaml")
    if text is not None:
        _, problems = parse(text, "f.yaml")
    assert [(p.line, p.column) for p in problems] == [(1, 5)]

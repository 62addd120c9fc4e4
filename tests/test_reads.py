"""Which values a template may read (`reads.may_read`): a page's memo key leaves out the
as-of day only when its templates can never read it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jinja2
import pytest

from generator.history.records import Commit
from generator.site import environment as site_environment
from generator.site.environment import environment
from generator.site.reads import READS, may_read, reads_only
from generator.site.words import WORDS

AS_OF = date(2026, 11, 26)


def _env_with(tmp_path: Path, templates: dict[str, str]):
    folder = tmp_path / "own"
    folder.mkdir(parents=True)
    for name, text in templates.items():
        (folder / name).write_text(text, encoding="utf-8")
    return environment(folder)


@pytest.mark.parametrize(
    ("templates", "reads"),
    [
        ({"page.j2": "{{ title }} {{ link('x.md') }}"}, False),
        ({"page.j2": "{{ as_of }}"}, True),
        ({"page.j2": "{% if as_of %}x{% endif %}"}, True),
        ({"page.j2": "{% set as_of = 'mine' %}{{ as_of }}"}, False),  # its own, not the day
        ({"page.j2": "{% macro m() %}{{ as_of }}{% endmacro %}"}, True),  # a macro's body
        (
            {
                "page.j2": '{% include "a.j2" %}',
                "a.j2": '{% import "b.j2" as b %}',
                "b.j2": "{{ as_of }}",
            },
            True,
        ),
        (
            {"page.j2": '{% extends "a.j2" %}', "a.j2": "{% block x %}{{ as_of }}{% endblock %}"},
            True,
        ),
        (
            {
                "page.j2": '{% from "a.j2" import m %}{{ m() }}',
                "a.j2": "{% macro m() %}m{% endmacro %}",
            },
            False,
        ),
        ({"page.j2": "{% include name %}"}, True),  # known only as it renders
        ({"page.j2": '{% include "missing.j2" %}'}, True),  # unreadable: in doubt
        ({"page.j2": "{{ unclosed"}, True),
        ({"page.j2": '{% include "page.j2" %}'}, True),  # takes itself in: in doubt
    ],
)
def test_whether_a_template_may_read_the_day(tmp_path, templates, reads):
    env = _env_with(tmp_path, templates)
    assert may_read(env, "page.j2", "as_of") is reads
    assert may_read(env, "page.j2", "as_of") is reads  # asked again: the same


def test_a_function_given_the_whole_context_makes_every_template_read_the_day(tmp_path):
    """A filter or global given the context may read anything: unless it is known (see
    `reads_only`), every template may read the day. Jinja's own (`map`, `select` ...)
    and the site's known ones do not count."""
    env = _env_with(tmp_path, {"page.j2": "{{ [1] | map('string') | list }} {{ url('x.md') }}"})
    assert may_read(env, "page.j2", "as_of") is False
    env = _env_with(tmp_path / "other", {"page.j2": "{{ title }}"})
    env.filters["dated"] = jinja2.pass_context(lambda context, value: context["as_of"])
    assert may_read(env, "page.j2", "as_of") is True
    assert may_read(env, "page.j2", "title") is True


KNOWN_READERS = sorted(
    (function for function in vars(site_environment).values() if hasattr(function, READS)),
    key=lambda function: function.__name__,
)


def test_the_site_gives_the_whole_context_to_known_functions_only():
    env = environment()
    given = [
        function
        for function in [*env.globals.values(), *env.filters.values(), *env.tests.values()]
        if getattr(function, "jinja_pass_arg", None) is jinja2.utils._PassArg.context
        and function.__module__.startswith("generator")
    ]
    assert sorted(given, key=lambda function: function.__name__) == KNOWN_READERS
    assert [function.__name__ for function in KNOWN_READERS] == ["_credit", "_link", "_url"]


@pytest.mark.parametrize("function", KNOWN_READERS, ids=lambda function: function.__name__)
def test_a_known_function_of_the_context_reads_only_what_it_is_known_to(function):
    """Each function the site gives the whole context reads only the names it says it reads
    (`reads_only`): a context that refuses any other name lets it through."""
    allowed = getattr(function, READS)
    values = {"page_path": "deals/a.md", "directory_urls": True, "t": WORDS["en"]}
    values |= {"credits": None}

    class Refusing(dict):
        def __getitem__(self, name):
            assert name in allowed, name
            return super().__getitem__(name)

        def get(self, name, default=None):
            assert name in allowed, name
            return super().get(name, default)

    context = Refusing({name: value for name, value in values.items() if name in allowed})
    argument = _a_commit() if function.__name__ == "_credit" else "accounts/b.md"
    assert function(context, argument)


def _a_commit() -> Commit:
    return Commit("0" * 40, "Ann", "ann@example.com", AS_OF, "a change")


def test_a_template_is_asked_about_once_per_environment(tmp_path):
    """The answer is kept by the environment (its templates are read once a build): a
    template changed since is seen by a new environment."""
    env = _env_with(tmp_path, {"page.j2": "{{ title }}"})
    assert may_read(env, "page.j2", "as_of") is False
    (tmp_path / "own" / "page.j2").write_text("{{ as_of }}", encoding="utf-8")
    assert may_read(env, "page.j2", "as_of") is False
    assert may_read(environment(tmp_path / "own"), "page.j2", "as_of") is True


def test_any_jinja_environment_can_be_asked(tmp_path):
    """An environment that keeps no answers (Jinja's own) is read each time."""
    env = jinja2.Environment(loader=jinja2.DictLoader({"a": "{{ as_of }}", "b": "{{ x }}"}))
    assert may_read(env, "a", "as_of") is True
    assert may_read(env, "b", "as_of") is False


def test_a_template_that_calls_a_known_function_may_read_what_it_reads(tmp_path):
    env = _env_with(tmp_path, {"page.j2": "{{ link('deals/a.md') }}"})
    assert may_read(env, "page.j2", "page_path") is True  # `link` reads it
    assert may_read(env, "page.j2", "credits") is True  # `credit` does, in any template
    assert may_read(env, "page.j2", "as_of") is False


def test_a_known_function_is_given_the_context_and_says_what_it_reads():
    def shown(context, value):
        return f"{context['a']}{value}"

    known = reads_only("a", "b")(shown)
    assert getattr(known, READS) == frozenset({"a", "b"})
    assert known.jinja_pass_arg is jinja2.utils._PassArg.context  # type: ignore[attr-defined]
    env = jinja2.Environment(loader=jinja2.DictLoader({"page": "{{ shown(1) }}"}))
    env.globals["shown"] = known
    assert env.get_template("page").render(a="x") == "x1"
    assert may_read(env, "page", "b") is True and may_read(env, "page", "c") is False


def _kept_env(tmp_path: Path, templates: dict[str, str]):
    folder = tmp_path / "own"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in templates.items():
        (folder / name).write_text(text, encoding="utf-8")
    compiled = site_environment.compiled_templates(tmp_path / "caches", "templates-test")
    return environment(folder, compiled)


def _unparsed(env, monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(env, "parse", refused)
    return env


def test_what_a_template_names_is_kept_and_a_later_build_parses_nothing(tmp_path, monkeypatch):
    templates = {"page.j2": '{% include "a.j2" %}', "a.j2": "{{ as_of }}", "b.j2": "{{ x }}"}
    first = _kept_env(tmp_path, templates)
    assert may_read(first, "page.j2", "as_of") and not may_read(first, "b.j2", "as_of")
    assert (tmp_path / "caches" / "templates-test" / "reads.pickle").is_file()
    later = _unparsed(_kept_env(tmp_path, {}), monkeypatch)
    assert may_read(later, "page.j2", "as_of") and not may_read(later, "b.j2", "as_of")
    assert may_read(later, "b.j2", "x")


def test_a_template_changed_is_parsed_again(tmp_path):
    templates = {"page.j2": '{% include "a.j2" %}', "a.j2": "{{ as_of }}"}
    assert may_read(_kept_env(tmp_path, templates), "page.j2", "as_of")
    changed = _kept_env(tmp_path, {"a.j2": "{{ title }}"})
    assert not may_read(changed, "page.j2", "as_of")
    again = _kept_env(tmp_path, {"page.j2": "{{ as_of }} {% include 'a.j2' %}"})
    assert may_read(again, "page.j2", "as_of")


@pytest.mark.parametrize("damage", [b"not a pickle", b"\x80\x05K\x01.", None])
def test_damaged_or_foreign_kept_facts_are_worked_out_again(tmp_path, damage):
    import pickle

    kept = tmp_path / "caches" / "templates-test" / "reads.pickle"
    kept.parent.mkdir(parents=True)
    wrong = {"x": (frozenset(), ("a.j2",))}  # facts of another source: never looked up
    kept.write_bytes(damage if damage is not None else pickle.dumps({"k": "not facts", **wrong}))
    env = _kept_env(tmp_path, {"page.j2": "{{ as_of }}"})
    assert may_read(env, "page.j2", "as_of")
    assert pickle.loads(kept.read_bytes()).keys() != {"x"}  # written anew


def test_without_a_folder_of_compiled_templates_nothing_is_kept(tmp_path):
    env = _env_with(tmp_path, {"page.j2": "{{ as_of }}"})
    assert env.bytecode_cache is None and may_read(env, "page.j2", "as_of")
    assert list(tmp_path.rglob("reads.pickle")) == []


def test_a_template_that_cannot_be_parsed_is_in_doubt_and_not_kept(tmp_path):
    env = _kept_env(tmp_path, {"page.j2": "{{ unclosed"})
    assert may_read(env, "page.j2", "title")
    assert not (tmp_path / "caches" / "templates-test" / "reads.pickle").exists()


def _facts_file(tmp_path: Path) -> Path:
    return tmp_path / "caches" / "templates-test" / "reads.pickle"


@pytest.mark.parametrize(
    "wrong",
    [("x", ()), ("a", "b"), (frozenset({"title"}), (), ()), (frozenset(),), "facts"],
)
def test_kept_facts_of_another_shape_are_worked_out_again(tmp_path, wrong):
    import pickle

    env = _kept_env(tmp_path, {"page.j2": "{{ title }}"})
    assert may_read(env, "page.j2", "title") and not may_read(env, "page.j2", "as_of")
    (key,) = pickle.loads(_facts_file(tmp_path).read_bytes())
    _facts_file(tmp_path).write_bytes(pickle.dumps({key: wrong}))
    again = _kept_env(tmp_path, {})
    assert may_read(again, "page.j2", "title") and not may_read(again, "page.j2", "as_of")
    assert pickle.loads(_facts_file(tmp_path).read_bytes())[key] == (frozenset({"title"}), ())


def test_the_kept_facts_are_read_once_an_environment(tmp_path, monkeypatch):
    env = _kept_env(tmp_path, {"page.j2": "{{ title }}", "other.j2": "{{ as_of }}"})
    assert may_read(env, "page.j2", "title") and may_read(env, "other.j2", "as_of")
    _facts_file(tmp_path).write_bytes(b"damaged since")
    _unparsed(env, monkeypatch)
    assert not may_read(env, "page.j2", "as_of") and not may_read(env, "other.j2", "title")


def test_facts_that_cannot_be_written_are_kept_for_the_build(tmp_path, monkeypatch):
    from generator.site import reads

    def refused(path, data) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(reads, "write_whole", refused)
    env = _kept_env(tmp_path, {"page.j2": "{{ as_of }}"})
    assert may_read(env, "page.j2", "as_of") and not _facts_file(tmp_path).exists()
    _unparsed(env, monkeypatch)
    assert not may_read(env, "page.j2", "title")


def test_any_jinja_environment_is_asked_and_keeps_its_facts_in_memory():
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.j2": "{{ as_of }}"}))
    assert may_read(env, "page.j2", "as_of") and not may_read(env, "page.j2", "title")
    assert list(env.template_facts.values()) == [(frozenset({"as_of"}), ())]

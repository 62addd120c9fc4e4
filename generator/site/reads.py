"""Which values a template may read: a page's memo key leaves out what its templates never read.

Every page is rendered with the as-of day among its values, but most pages never show it (a
deal's page shows its values, which say what changed with the day). `may_read` tells, from the
templates' source, whether rendering one may read a value at all: the template or one it takes
in names it, or something that reads the whole context could. It answers True whenever it
cannot tell; a page whose key leaves a value out must never read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import jinja2
from jinja2 import meta

Function = TypeVar("Function", bound=Callable[..., Any])

JINJA_OWN = frozenset([*jinja2.filters.FILTERS.values(), *jinja2.tests.TESTS.values()])
"""Jinja's filters and tests: those given the context (`map`, `select` ...) take only its
environment from it, and hand it on to the filter or test they call (itself asked about)."""
READS = "funnel_reads"
"""The attribute that names what a function given the whole context reads of it."""


def reads_only(*names: str) -> Callable[[Function], Function]:
    """A function given a template's whole context (`jinja2.pass_context`) that reads only
    `names` of it (tests call each with a context that refuses any other name)."""

    def known(function: Function) -> Function:
        setattr(function, READS, frozenset(names))
        return jinja2.pass_context(function)

    return known


def may_read(env: jinja2.Environment, template: str, variable: str) -> bool:
    """Whether rendering `template` may read `variable` from the values it is given: the
    environment has a function given the whole context that is not known to leave `variable`
    alone (see `reads_only`), or the template or one it extends, includes or imports names it
    (other than as its own `set`), or names a template only known as it renders. True when
    in doubt: a template that cannot be read or parsed, or that takes itself in. Each answer
    is worked out once per environment (its `reading`, when it has one)."""
    reading = getattr(env, "reading", None)
    if not isinstance(reading, dict):
        reading = {}
    return _context_read(env, variable, reading) or _named(env, template, variable, reading)


Answers = dict[tuple[str | None, str], bool]
"""Whether a template (None: any, through the context) may read a variable."""


def _context_read(env: jinja2.Environment, variable: str, reading: Answers) -> bool:
    """Whether a function of the environment that is given the whole context may read
    `variable` (asked once, whatever the template)."""
    asked = (None, variable)
    if asked not in reading:
        reading[asked] = any(
            getattr(function, "jinja_pass_arg", None) is jinja2.utils._PassArg.context
            and function not in JINJA_OWN
            and variable in getattr(function, READS, {variable})
            for function in [*env.globals.values(), *env.filters.values(), *env.tests.values()]
        )
    return reading[asked]


def _named(env: jinja2.Environment, template: str, variable: str, reading: Answers) -> bool:
    """Whether `template`, or a template it takes in, names `variable` (see `may_read`)."""
    asked = (template, variable)
    if asked in reading:
        return reading[asked]
    reading[asked] = True  # in doubt while it is worked out (a template that takes itself in)
    try:
        assert env.loader is not None
        source = env.loader.get_source(env, template)[0]
        tree = env.parse(source, template)
    except Exception:  # unreadable: in doubt
        return True
    reading[asked] = variable in meta.find_undeclared_variables(tree) or any(
        other is None or _named(env, other, variable, reading)
        for other in meta.find_referenced_templates(tree)
    )
    return reading[asked]

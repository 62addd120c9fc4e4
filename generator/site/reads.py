"""Which values a template may read: a page's memo key leaves out what its templates never read.

Every page is rendered with the as-of day among its values, but most pages never show it (a
deal's page shows its values, which say what changed with the day). `may_read` tells, from the
templates' source, whether rendering one may read a value at all: the template or one it takes
in names it, or something that reads the whole context could. It answers True whenever it
cannot tell; a page whose key leaves a value out must never read it.

What a template names is worked out from its parsed source, and kept beside the compiled
templates by the template's name and source (see `_facts`): parsing the site's templates took
a warm build 0.2 s, more than it spent making its pages.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from jinja2 import meta

from ..data.cache_files import write_whole

Function = TypeVar("Function", bound=Callable[..., Any])

JINJA_OWN = frozenset([*jinja2.filters.FILTERS.values(), *jinja2.tests.TESTS.values()])
"""Jinja's filters and tests: those given the context (`map`, `select` ...) take only its
environment from it, and hand it on to the filter or test they call (itself asked about)."""
READS = "funnel_reads"
"""The attribute that names what a function given the whole context reads of it."""
FACTS = "reads.pickle"
"""The file, in the folder of the compiled templates, of what each template names."""


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
    facts = _facts(env, template)
    if facts is None:  # unreadable: in doubt
        return True
    names, others = facts
    reading[asked] = variable in names or any(
        other is None or _named(env, other, variable, reading) for other in others
    )
    return reading[asked]


Facts = tuple[frozenset[str], tuple[str | None, ...]]
"""What a template names: the variables it reads from its context, and the templates it
extends, includes or imports (None: one known only as it renders)."""


def _facts(env: jinja2.Environment, template: str) -> Facts | None:
    """What `template` names, as its parsed source tells (None when it cannot be read or
    parsed). Kept by the template's name and source in the folder of the environment's
    compiled templates, whose name carries Jinja's version and the site's code (see
    `environment.compiled_name`); a template changed is parsed again."""
    try:
        assert env.loader is not None
        source = env.loader.get_source(env, template)[0]
    except Exception:  # unreadable
        return None
    key = hashlib.blake2b(
        f"{template}\0{source}".encode("utf-8", "surrogatepass"), digest_size=20
    ).hexdigest()
    kept = _kept_facts(env)
    facts = kept.get(key)
    if facts is not None:
        return facts
    try:
        tree = env.parse(source, template)
    except Exception:  # unparsable
        return None
    facts = (
        frozenset(meta.find_undeclared_variables(tree)),
        tuple(meta.find_referenced_templates(tree)),
    )
    kept[key] = facts
    folder = _folder(env)
    if folder is not None:
        with contextlib.suppress(OSError):  # else kept in memory only
            write_whole(folder / FACTS, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
    return facts


def _kept_facts(env: jinja2.Environment) -> dict[str, Facts]:
    """The facts kept for the environment's templates: read once (nothing when there is no
    folder, or its file cannot be read), held by the environment."""
    kept = getattr(env, "template_facts", None)
    if isinstance(kept, dict):
        return kept
    kept = {}
    folder = _folder(env)
    if folder is not None:
        try:
            read = pickle.loads((folder / FACTS).read_bytes())
        except Exception:  # none yet, or damaged: worked out again
            read = None
        if isinstance(read, dict) and all(_is_facts(value) for value in read.values()):
            kept = read
    env.template_facts = kept  # type: ignore[attr-defined]
    return kept


def _is_facts(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], frozenset)
        and isinstance(value[1], tuple)
    )


def _folder(env: jinja2.Environment) -> Path | None:
    """The folder of the environment's compiled templates, if it keeps them in one."""
    directory = getattr(env.bytecode_cache, "directory", None)
    return Path(directory) if isinstance(directory, str | os.PathLike) else None

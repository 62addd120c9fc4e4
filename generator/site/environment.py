"""The Jinja2 environment of the site: the user's templates first, then the packaged ones.

Every `{{ value }}` is escaped once, here, by `finalize`; the filters give the one written
form of amounts, percentages and chart geometry that every template uses.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr
from markupsafe import Markup

from ..data.money import shown_amount, signed_amount
from ..history.records import Commit
from .charts import lay_out_bars, lay_out_funnel, lay_out_lines, marker_path
from .credits import Credits
from .markup import AS_IS, html_text, md, note_html
from .memo import folder_hash, installed_versions
from .reads import reads_only

if TYPE_CHECKING:
    from ..analytics.review import RepWeek

PACKAGED = Path(__file__).parent / "templates"


def _finalize(value: object) -> object:
    if type(value) is str:  # the most common value: text, escaped the one way md() does
        return md(value)
    if isinstance(value, Markup):
        return value
    if isinstance(value, int | float | Decimal | date) and not isinstance(value, bool):
        return Markup(str(value))
    return md(value)


class _Output(CodeGenerator):
    """Writes `{{ value }}` as `_finalize(value)` where the site's environment escapes: its
    result is Markup already, which Jinja's `escape()` around it would only copy."""

    def _output_child_pre(
        self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        escaped_by_finalize = self.environment.finalize is _finalize
        if escaped_by_finalize and frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write(f"({finalize.src}")
        else:
            super()._output_child_pre(node, frame, finalize)


class _SiteEnvironment(jinja2.Environment):
    code_generator_class = _Output

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.reading: dict[tuple[str | None, str], bool] = {}
        """Whether a template may read a variable (see `reads.may_read`), asked once a build."""
        self.template_facts: dict[str, object] | None = None
        """What each template names, as kept beside the compiled templates (see `reads`)."""


def _money(value: Decimal | int | None) -> Markup:
    """An amount with cents; a template's `sum` of nothing is the integer 0, shown as 0.00."""
    if value is None:
        return Markup("")
    return Markup(shown_amount(Decimal(value)))


def _px(value: Decimal | float) -> Markup:
    """A coordinate of a chart to a tenth of a pixel: geometry, never money."""
    return Markup(f"{float(value):.1f}".removesuffix(".0"))


def _shape(paths: str | Sequence[str]) -> Markup:
    """The SVG path data of a chart's markers (numbers and letters only: geometry)."""
    return Markup(paths if isinstance(paths, str) else "".join(paths))


def _percent(value: Decimal | None) -> Markup:
    if value is None:
        return Markup("")
    return Markup(f"{value.normalize():f}%")


@reads_only("page_path")
def _link(context: jinja2.runtime.Context, target: str) -> Markup:
    """A relative link from the page being rendered to `target` (a path under docs/)."""
    return Markup(_up_to_docs(context["page_path"]) + target)


@reads_only("page_path", "directory_urls")
def _url(context: jinja2.runtime.Context, target: str) -> Markup:
    """The address of the page at `target` (a path under docs/) relative to the page being
    rendered, as the site writes it: for links in raw HTML, which Markdown passes through."""
    directory_urls = context.get("directory_urls", True)
    return Markup(_relative_url(context["page_path"], target, directory_urls))


@lru_cache(maxsize=1 << 16)
def _relative_url(page_path: str, target: str, directory_urls: bool) -> str:
    here, there = _address(page_path, directory_urls), _address(target, directory_urls)
    folder = here if here.endswith("/") else posixpath.dirname(here)
    relative = _relative(there, folder)
    return html.escape(relative + "/" if there.endswith("/") else relative)


def _relative(path: str, start: str) -> str:
    """`posixpath.relpath` of two paths from the site's root, without its normalising when
    neither has a `.` or `..` part (a page's address never has: thousands of links a page)."""
    to = [part for part in path.split("/") if part]
    start_parts = [part for part in start.split("/") if part]
    if {".", ".."} & {*to, *start_parts}:
        return posixpath.relpath(f"/{path}", f"/{start}")
    common = 0
    for one, other in zip(to, start_parts, strict=False):
        if one != other:
            break
        common += 1
    return "/".join([".."] * (len(start_parts) - common) + to[common:]) or "."


def _address(path: str, directory_urls: bool) -> str:
    """The address of the page at `path` (`deals/x.md`): `deals/x/`, or `deals/x.html`
    without directory addresses; an index page's is its folder's (`accounts/`, `./`)."""
    stem = path.removesuffix(".md")
    folder, _, name = stem.rpartition("/")
    if not directory_urls:
        return f"{stem}.html"
    if name == "index":
        return f"{folder or '.'}/"
    return f"{stem}/"


@lru_cache(maxsize=4096)
def _up_to_docs(page_path: str) -> str:
    """The relative way from the page at `page_path` up to docs/ (once per page)."""
    return "../" * len(PurePosixPath(page_path).parent.parts)


def _deal_named(
    rep: RepWeek, deal: str, titles: Mapping[str, str], accounts: Mapping[str, str]
) -> tuple[str, str | None]:
    """A deal of a rep's week by name: its title as the week knew it, else as `titles` name
    it, else its id; with its account's name by `accounts` (None without an account)."""
    account = rep.accounts.get(deal)
    named = accounts.get(account, account) if account else None
    return rep.titles.get(deal) or titles.get(deal) or deal, named


class _Remembered(dict[object, object]):
    """`render(*args, key)` for each key, rendered once: within a page, a macro gives the same
    text for the same arguments (a deal named in several lists of a rep's week)."""

    def __init__(self, render: Callable[..., object], *args: object) -> None:
        super().__init__()
        self.render, self.args = render, args

    def __missing__(self, key: object) -> object:
        self[key] = text = self.render(*self.args, key)
        return text


def _made(
    store: dict[str, object] | None, key: str, render: Callable[..., object], *args: object
) -> object:
    """`render(*args)`, rendered once per `key` of `store`: a part that several pages of one
    folder show alike (a rep's week on their page and on their manager's team page). Without
    a store, rendered each time."""
    if store is None:
        return render(*args)
    if key not in store:
        store[key] = render(*args)
    return store[key]


@reads_only("credits", "t")
def _credit(context: jinja2.runtime.Context, commit: Commit) -> str:
    """Who made a change, and who merged it: the one way every page names them (by the
    site's `credits`, else by git's names)."""
    return (context.get("credits") or Credits()).line(commit, context["t"])


def compiled_templates(folder: Path, name: str) -> jinja2.BytecodeCache | None:
    """Templates kept compiled between builds in `folder/name` (inside `.git/funnel/`):
    Jinja compiles a template again when its source changed, and `name` carries what else the
    compiled code depends on (Jinja's version, the environment's settings and code), so other
    folders of the same kind (`name` up to its last `-`) are removed. None when the folder
    cannot be made: every template is compiled."""
    kind = name.rsplit("-", 1)[0] + "-"
    try:
        for other in folder.glob(f"{kind}*"):
            if other.name != name and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        (folder / name).mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder / name))


def compiled_name() -> str:
    """The name of the folder of this environment's compiled templates (see
    `compiled_templates`): Jinja's version and the site's own code (its settings, filters and
    code generator)."""
    parts = [*installed_versions(("jinja2", "markupsafe")), folder_hash(Path(__file__).parent)]
    return "templates-" + hashlib.blake2b("\n".join(parts).encode()).hexdigest()[:16]


def environment(
    user_templates: Path | None = None, compiled: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    """Templates from the user's folder first, then the packaged defaults; kept compiled in
    `compiled` when given (see `compiled_templates`)."""
    packaged = jinja2.FileSystemLoader(PACKAGED)
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None and user_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(user_templates))
    loaders += [jinja2.PrefixLoader({"default": packaged}, delimiter=":"), packaged]
    env = _SiteEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # an environment serves one build: each template is read once
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=compiled,
    )
    env.filters.update(md=md, html=html_text, money=_money, px=_px, percent=_percent, shape=_shape)
    env.filters["signed"] = signed_amount
    env.filters["note"] = note_html
    env.globals["as_is"] = Markup(AS_IS)
    env.globals.update(link=_link, url=_url, credit=_credit, deal_titles={}, people_by_id={})
    env.globals.update(deal_named=_deal_named, remember=_Remembered, made=_made)
    env.globals.update(
        lay_out_funnel=lay_out_funnel,
        lay_out_bars=lay_out_bars,
        lay_out_lines=lay_out_lines,
        marker_path=marker_path,
    )
    return env

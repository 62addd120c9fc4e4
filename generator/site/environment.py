"""The Jinja2 environment of the site: the user's templates first, then the packaged ones.

Every `{{ value }}` is escaped once, here, by `finalize`; the filters give the one written
form of amounts, percentages and chart geometry that every template uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup

from ..data.money import shown_amount, signed_amount
from ..history.records import Commit
from .charts import lay_out_bars, lay_out_funnel, lay_out_lines, marker_path
from .credits import Credits
from .markup import html_text, md, note_html

PACKAGED = Path(__file__).parent / "templates"


def _finalize(value: object) -> object:
    if isinstance(value, Markup):
        return value
    if isinstance(value, int | float | Decimal | date) and not isinstance(value, bool):
        return Markup(str(value))
    return md(value)


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


@jinja2.pass_context
def _link(context: jinja2.runtime.Context, target: str) -> Markup:
    """A relative link from the page being rendered to `target` (a path under docs/)."""
    here = PurePosixPath(context["page_path"]).parent
    parts = len(here.parts)
    return Markup("../" * parts + target)


@jinja2.pass_context
def _credit(context: jinja2.runtime.Context, commit: Commit) -> str:
    """Who made a change, and who merged it: the one way every page names them (by the
    site's `credits`, else by git's names)."""
    return (context.get("credits") or Credits()).line(commit, context["t"])


def environment(user_templates: Path | None = None) -> jinja2.Environment:
    """Templates from the user's folder first, then the packaged defaults."""
    packaged = jinja2.FileSystemLoader(PACKAGED)
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None and user_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(user_templates))
    loaders += [jinja2.PrefixLoader({"default": packaged}, delimiter=":"), packaged]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=md, html=html_text, money=_money, px=_px, percent=_percent, shape=_shape)
    env.filters["signed"] = signed_amount
    env.filters["note"] = note_html
    env.globals.update(link=_link, credit=_credit, deal_titles={}, people_by_id={})
    env.globals.update(
        lay_out_funnel=lay_out_funnel,
        lay_out_bars=lay_out_bars,
        lay_out_lines=lay_out_lines,
        marker_path=marker_path,
    )
    return env

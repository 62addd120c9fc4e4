"""Pages of the site as plain data: `(path, markdown)`, rendered from Jinja2 templates.

The user's `templates/` folder comes first; the packaged templates are the fallback and can
be extended as `default:<name>`. Every `{{ value }}` is escaped once, here, by `finalize`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2
from markupsafe import Markup

from .load import Dataset
from .markup import md

PACKAGED = Path(__file__).parent / "templates"

WORDS = {
    "en": {
        "title": "Sales funnel",
        "as_of": "As of",
        "currency": "Amounts in",
        "stage": "Stage",
        "probability": "Probability",
        "deals": "Deals",
        "amount": "Amount",
        "weighted": "Weighted",
    },
    "zh": {
        "title": "销售漏斗",
        "as_of": "截至",
        "currency": "货币",
        "stage": "阶段",
        "probability": "赢单概率",
        "deals": "商机数",
        "amount": "金额",
        "weighted": "加权金额",
    },
}


@dataclass(frozen=True)
class Page:
    """One generated page: where it goes and its Markdown."""

    path: str
    markdown: str


def _finalize(value: object) -> object:
    if isinstance(value, Markup):
        return value
    if isinstance(value, int | Decimal | date) and not isinstance(value, bool):
        return Markup(str(value))
    return md(value)


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
    )
    env.filters["md"] = md
    return env


@dataclass(frozen=True)
class StageRow:
    label: str
    probability: Decimal
    deals: int
    amount: Decimal
    weighted: Decimal


def stage_rows(dataset: Dataset) -> list[StageRow]:
    """Open deals per stage, from the bottom of the funnel up."""
    funnel = dataset.funnel
    if funnel is None:
        return []
    rows = []
    for stage in reversed(funnel.stages):
        deals = [deal for deal in dataset.deals.values() if deal.stage == stage.id]
        amount = sum((deal.amount for deal in deals), Decimal(0))
        rows.append(
            StageRow(
                label=stage.label,
                probability=stage.probability,
                deals=len(deals),
                amount=amount,
                weighted=(amount * stage.probability / 100).quantize(Decimal("0.01")),
            )
        )
    return rows


def build_pages(
    dataset: Dataset,
    as_of: date,
    *,
    templates: Path | None = None,
    language: str = "en",
) -> list[Page]:
    """Every generated page of the site."""
    env = environment(templates)
    context = {
        "t": WORDS[language],
        "as_of": as_of,
        "currency": dataset.funnel.currency if dataset.funnel else "",
        "stages": stage_rows(dataset),
    }
    return [Page("index.md", env.get_template("home.md.j2").render(context))]

"""The win rates page: each stage's observed win rate from history beside its configured one.

Without history the page says why it is missing, as the other history pages do.
"""

from __future__ import annotations

from functools import partial

from ..analytics.calibration import (
    Calibration,
    GroupCalibration,
    StageRate,
    calibrate,
    deal_paths,
    margin,
    percent,
)
from ..data.money import ZERO
from .context import Page, SiteContext
from .environment import environment
from .words import WORDS

PAGE = "calibration.md"
TEMPLATE = "calibration.md.j2"


def build_calibration_pages(context: SiteContext) -> list[Page]:
    """The win rates page: the team's stages, then each owner's, with the calibrated forecast."""
    title = context.t["calibration"]
    if context.history is None:
        return [context.page("history_notice.md.j2", PAGE, title, notice=context.history_notice)]
    dataset, history, as_of = context.dataset, context.history, context.as_of
    paths = deal_paths(history, dataset.funnel)  # read once for both groupings
    team = calibrate(dataset, history, as_of, by="team", paths=paths)
    owners = calibrate(dataset, history, as_of, by="owner", paths=paths)
    names = {person.id: person.name for person in context.dataset.team.people}
    return [
        context.page(
            TEMPLATE,
            PAGE,
            title,
            team=team,
            owners=owners,
            names=names,
            summary=partial(stage_summary, t=context.t),  # not the context: see `_render`
            pct=percent,
            series=partial(win_rate_series, t=context.t),
        )
    ]


def stage_summary(rate: StageRate, t: dict[str, str]) -> str:
    """One stage in a sentence: `your 75 % stage commit wins 52 % (±9 %), 38 closed deals`."""
    if rate.observed is None:
        return t["stage_unclosed"].format(configured=rate.configured, stage=rate.label)
    return t["stage_wins"].format(
        configured=rate.configured,
        stage=rate.label,
        observed=percent(rate.observed),
        margin=margin(rate),
        closed=rate.closed,
    )


def win_rate_series(group: GroupCalibration, t: dict[str, str]) -> list[dict[str, object]]:
    """The chart's two series over the stages: configured and observed, in percent (a stage
    with nothing closed shows no observed bar)."""
    observed = [(rate.observed or ZERO) * 100 for rate in group.stages]
    return [
        {"name": t["configured"], "values": [rate.configured for rate in group.stages]},
        {"name": t["observed"], "values": observed},
    ]


def calibration_markdown(calibration: Calibration, language: str = "en") -> str:
    """The calibration as a Markdown page (`funnel calibrate --format md`), its groups by id."""
    t = WORDS[language]
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            t=t,
            title=t["calibration"],
            currency=calibration.currency,
            as_of=calibration.as_of,
            team=calibration,
            owners=None,
            names={},
            summary=lambda rate: stage_summary(rate, t),
            pct=percent,
            series=lambda group: win_rate_series(group, t),
        )
    )

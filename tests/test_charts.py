"""Chart geometry (generator/site/charts.py): what a reader sees of the funnel, the
forecast's bars and the trend lines, checked on the shapes before any SVG is written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from generator.site.charts import (
    Axis,
    Series,
    largest,
    lay_out_bars,
    lay_out_funnel,
    lay_out_lines,
    marker_path,
    scaled,
    series_from,
    short_number,
    tick_step,
)
from generator.site.environment import environment


@dataclass(frozen=True)
class Stage:
    label: str
    count: int
    amount: Decimal


def amounts(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]


# --- the funnel --------------------------------------------------------------------------


def test_the_funnel_narrows_downwards_whatever_the_amounts() -> None:
    # the amount grows down the stages (usual: late stages hold the big deals), the shape
    # still narrows: the share is a label, not the width
    chart = lay_out_funnel(
        [
            Stage("Qualify", 4, Decimal("100")),
            Stage("Compare", 3, Decimal("300")),
            Stage("Commit", 2, Decimal("600.00")),
        ]
    )
    top, middle, bottom = chart.bars
    assert top.width > middle.width > bottom.width
    assert (top.width, bottom.width) == (320, 80)
    centres = {bar.x + bar.width / 2 for bar in chart.bars}
    assert centres == {170}, "bars are centred under each other"
    assert [bar.share for bar in chart.bars] == [Decimal(10), Decimal(30), Decimal(60)]
    assert [bar.y for bar in chart.bars] == [8, 50, 92]
    assert chart.height == 3 * (34 + 8) + 8
    assert (bottom.label, bottom.count, bottom.amount) == ("Commit", 2, Decimal("600.00"))
    assert bottom.amount.as_tuple().exponent == -2, "amounts stay Decimal for their labels"


def test_the_stage_share_is_its_part_of_the_funnel_amount() -> None:
    chart = lay_out_funnel([Stage("Qualify", 1, Decimal("250")), Stage("Commit", 1, Decimal(750))])
    assert [bar.share for bar in chart.bars] == [Decimal(25), Decimal(75)]


def test_a_funnel_of_empty_stages_keeps_its_shape_and_shows_no_share() -> None:
    chart = lay_out_funnel([Stage("Qualify", 0, Decimal(0)), Stage("Commit", 0, Decimal(0))])
    assert [bar.width for bar in chart.bars] == [320, 80]
    assert [bar.share for bar in chart.bars] == [None, None]


def test_a_funnel_without_stages_is_an_empty_strip() -> None:
    chart = lay_out_funnel([])
    assert chart.bars == () and chart.height == 8 and chart.width == 640


def test_the_stage_labels_sit_beside_the_widest_bar_never_on_a_bar() -> None:
    chart = lay_out_funnel([Stage("Won", 1, Decimal("10")), Stage("Tiny", 1, Decimal("0.01"))])
    for bar in chart.bars:
        assert bar.label_x == 170 + 160 + 14, "right of the widest bar, for every stage"
        assert bar.label_x > bar.x + bar.width
        assert bar.y < bar.label_y < bar.detail_y < bar.y + 34, "two lines beside the bar"


def test_the_funnel_writes_name_deals_amount_and_share_beside_each_bar() -> None:
    svg = render(
        "funnel_chart(rows, title)",
        rows=[Stage("Qualify", 4, Decimal("250")), Stage("Commit", 2, Decimal("750"))],
        title="Funnel",
    )
    assert ">Qualify</text>" in svg and ">4 · 250.00 · 25%</text>" in svg
    assert ">2 · 750.00 · 75%</text>" in svg
    assert 'text-anchor="middle"' not in svg


# --- scaling -----------------------------------------------------------------------------


def test_values_scale_to_the_largest_one() -> None:
    assert largest([Series("a", (3, 9)), Series("b", (7,))]) == 9
    assert scaled(9, 9, 182) == 182
    assert scaled(3, 9, 182) == pytest.approx(182 / 3)
    assert scaled(Decimal("50"), Decimal("100"), 182) == Decimal("91")


def test_nothing_above_zero_draws_flat_instead_of_dividing_by_zero() -> None:
    assert largest([]) == 0
    assert largest([Series("a", (0, 0))]) == 0
    assert largest([Series("a", (-5, -1))]) == 0, "negative values never set the scale"
    assert scaled(Decimal("-5"), 0, 182) == 0


def test_amounts_scale_in_decimal_and_counts_in_float() -> None:
    assert isinstance(scaled(Decimal("1"), Decimal("3"), 182), Decimal)
    assert isinstance(scaled(1, 3, 168), float)


def test_a_series_as_the_pages_write_it() -> None:
    series = series_from({"name": "Won", "values": [Decimal("1"), Decimal("2")]})
    assert series == Series("Won", (Decimal("1"), Decimal("2")))
    assert series_from(series) is series


# --- the forecast's bars -----------------------------------------------------------------


def test_bars_stand_on_the_axis_and_the_tallest_fills_the_plot() -> None:
    chart = lay_out_bars(
        ["2026-11", "2026-12"],
        [
            {"name": "Weighted", "values": amounts("400", "800")},
            {"name": "Won", "values": amounts("0", "200")},
        ],
    )
    assert chart.axis == Axis(40, 220, 600, 220)
    first, second = chart.groups
    tallest = second.bars[0]
    assert tallest.height == 182 and tallest.y == 220 - 182
    assert first.bars[0].height == 91
    assert first.bars[1].height == 0 and first.bars[1].y == 220
    assert all(bar.y + bar.height == 220 for group in chart.groups for bar in group.bars)
    assert (tallest.category, tallest.name, tallest.value) == ("2026-12", "Weighted", 800)


def test_bars_share_their_slot_side_by_side() -> None:
    chart = lay_out_bars(["a", "b"], [Series("x", (1, 2)), Series("y", (3, 4))])
    slot = (640 - 80) / 2
    (x1, y1), (x2, y2) = ((bar.x, bar.width) for bar in chart.groups[0].bars)
    assert y1 == y2 == slot * 0.8 / 2
    assert x1 == 40 + slot * 0.1 and x2 == pytest.approx(x1 + y1)
    assert chart.groups[1].bars[0].x == pytest.approx(40 + slot + slot * 0.1)
    assert chart.groups[0].label_x == pytest.approx(40 + slot * 0.5)


def test_one_bar_takes_most_of_the_plot_width() -> None:
    chart = lay_out_bars(["2026"], [Series("Weighted", (Decimal("5"),))])
    (group,) = chart.groups
    (bar,) = group.bars
    assert bar.width == pytest.approx(560 * 0.8)
    assert bar.height == 182


def test_a_bar_chart_without_periods_or_series_has_only_its_axis() -> None:
    assert lay_out_bars([], []).groups == ()
    assert lay_out_bars([], []).legend == ()
    empty = lay_out_bars(["2026"], [])
    assert [group.bars for group in empty.groups] == [()]


def test_the_bar_legend_is_one_row() -> None:
    chart = lay_out_bars(["a"], [Series(name, (1,)) for name in ("W", "Won", "Last year")])
    assert [(key.x, key.y, key.text_x, key.text_y) for key in chart.legend] == [
        (40, 4, 60, 16),
        (240, 4, 260, 16),
        (440, 4, 460, 16),
    ]


# --- the trend lines ---------------------------------------------------------------------


def test_lines_run_across_the_plot_and_peak_at_the_largest_count() -> None:
    chart = lay_out_lines(["W1", "W2", "W3"], [{"name": "Qualify", "values": [0, 5, 10]}])
    (line,) = chart.lines
    assert line.name == "Qualify"
    assert [point.x for point in line.points] == [70, 320, 570]
    baseline = chart.height - 60
    assert [point.y for point in line.points] == [baseline, baseline - 84, baseline - 168]
    assert [tick.x for tick in chart.ticks] == [70, 320, 570]
    assert {tick.y for tick in chart.ticks} == {baseline + 14}


def test_the_line_legend_wraps_four_to_a_row_and_the_chart_grows() -> None:
    four = lay_out_lines(["a"], [Series(str(i), (1,)) for i in range(4)])
    five = lay_out_lines(["a"], [Series(str(i), (1,)) for i in range(5)])
    assert five.height == four.height + 18
    assert [(key.x, key.y) for key in five.legend] == [
        (70, 4),
        (220, 4),
        (370, 4),
        (520, 4),
        (70, 22),
    ]
    assert five.lines[0].points[0].y == five.height - 60 - 168, "the plot keeps its height"


def test_one_week_of_lines_is_a_point_on_the_left() -> None:
    chart = lay_out_lines(["W1"], [Series("Qualify", (3,))])
    assert [(p.x, p.y) for p in chart.lines[0].points] == [(70, chart.height - 60 - 168)]


def test_lines_of_nothing_lie_on_the_axis() -> None:
    chart = lay_out_lines(["W1", "W2"], [Series("Qualify", (0, 0))])
    assert {point.y for point in chart.lines[0].points} == {chart.height - 60}
    assert lay_out_lines([], []).lines == ()


# --- what the templates write ------------------------------------------------------------


def render(call: str, **values: object) -> str:
    source = '{% import "default:charts.html.j2" as charts %}{{ charts.' + call + " }}"
    return environment().from_string(source).render(**values)


def test_a_label_that_looks_like_markup_stays_text_in_the_svg() -> None:
    script = "<script>alert(1)</script>"
    svgs = [
        render("funnel_chart(rows, title)", rows=[Stage(script, 1, Decimal(1))], title=script),
        render(
            "bar_chart(categories, series, title)",
            categories=[script],
            series=[{"name": script, "values": [Decimal(1)]}],
            title=script,
        ),
        render(
            "line_chart(categories, series, title)",
            categories=[script],
            series=[{"name": script, "values": [1]}],
            title=script,
        ),
    ]
    for svg in svgs:
        assert "<script>" not in svg
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
        assert svg.count("<svg") == 1 and svg.count("</svg>") == 1


def test_each_chart_is_an_image_with_a_title() -> None:
    svg = render(
        "bar_chart(categories, series, title)",
        categories=["2026-11"],
        series=[{"name": "Won", "values": [Decimal("1200.5")]}],
        title="Forecast",
    )
    assert svg.startswith('<div class="bar-chart chart"><svg role="img" ')
    assert "<title>Forecast</title>" in svg
    assert "<title>2026-11, Won: 1,200.50</title>" in svg, "amounts are shown as money"
    assert 'height="182"' in svg and 'y="38"' in svg, "geometry in whole or tenth pixels"


# --- the value axis ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "step"),
    [(4, "1"), (3, "1"), (20, "5"), (9, "2.5"), (Decimal("4900000"), "2000000"), (1, "1")],
)
def test_the_value_axis_steps_in_round_numbers(top: Decimal | int, step: str) -> None:
    assert tick_step(top) == Decimal(step)


def test_bar_charts_have_a_value_axis_from_zero_to_the_largest_value() -> None:
    chart = lay_out_bars(["2026-11"], [Series("Weighted", (Decimal("4900000"),))])
    labels = [tick.label for tick in chart.value_ticks]
    assert labels == ["0", "2M", "4M"]
    assert chart.value_ticks[0].y == chart.axis.y1, "0 is on the baseline"
    (bar,) = chart.groups[0].bars
    four = chart.value_ticks[2].y
    assert bar.y < four < chart.axis.y1, "the 4M tick lies below the top of a 4.9M bar"
    assert bar.y == chart.axis.y1 - bar.height


def test_line_charts_have_a_value_axis_and_none_without_values() -> None:
    chart = lay_out_lines(["W1", "W2"], [Series("Qualify", (0, 20))])
    assert [tick.label for tick in chart.value_ticks] == ["0", "5", "10", "15", "20"]
    assert chart.value_ticks[-1].y == chart.lines[0].points[1].y, "20 at the peak"
    assert lay_out_lines(["W1"], [Series("Qualify", (0,))]).value_ticks == ()
    assert short_number(Decimal("2500")) == "2.5k" and short_number(Decimal(40)) == "40"


def test_the_trend_lines_start_at_the_first_week_with_data() -> None:
    weeks = ["W1", "W2", "W3", "W4"]
    series = [Series("Qualify", (0, 0, 3, 2)), Series("Commit", (0, 1, 0, 0))]
    chart = lay_out_lines(weeks, series, from_first_data=True)
    assert [tick.label for tick in chart.ticks] == ["W2", "W3", "W4"]
    assert [len(line.points) for line in chart.lines] == [3, 3]
    assert chart.lines[0].points[0].x == 70, "the first week with data is on the left edge"
    assert len(lay_out_lines(weeks, series).ticks) == 4, "other charts keep every category"
    nothing = lay_out_lines(weeks, [Series("Qualify", (0, 0, 0, 0))], from_first_data=True)
    assert len(nothing.ticks) == 4, "with no data at all, the weeks stay"
    last = lay_out_lines(weeks, [Series("Qualify", (0, 0, 0, 5))], from_first_data=True)
    assert [tick.label for tick in last.ticks] == ["W3", "W4"], "two weeks: a line, not a dot"


def test_the_chart_svg_draws_its_value_axis() -> None:
    svg = render(
        "bar_chart(categories, series, title)",
        categories=["2026-11"],
        series=[{"name": "Won", "values": [Decimal("1200.5")]}],
        title="Forecast",
    )
    assert '<g class="value-axis">' in svg and ">1k</text>" in svg and ">0</text>" in svg


def test_each_line_has_its_own_marker_shape_in_turn():
    chart = lay_out_lines(["W1", "W2"], [Series(str(i), (1, 2)) for i in range(5)])
    assert [line.shape for line in chart.lines] == [
        "circle", "square", "diamond", "triangle", "circle"
    ]  # fmt: skip
    first = chart.lines[0]
    assert len(first.markers) == 2
    x, y = first.points[0].x, float(first.points[0].y)
    assert first.markers[0] == marker_path("circle", x, y)


def test_marker_paths_are_centred_and_stable():
    assert marker_path("circle", 10, 20) == "M6 20a4 4 0 1 0 8 0a4 4 0 1 0 -8 0Z"
    assert marker_path("square", 10, 20) == "M6.6 16.6h6.8v6.8h-6.8Z"
    assert marker_path("diamond", 10, 20) == "M10 16L14 20L10 24L6 20Z"
    assert marker_path("triangle", 10, 20) == "M10 16L14 23.2L6 23.2Z"
    assert marker_path("circle", 0.04, -0.04).startswith("M-4 0a")  # no "-0"


def test_the_line_chart_draws_markers_in_the_plot_and_the_legend():
    html = (
        environment(None)
        .from_string(
            '{% import "default:charts.html.j2" as charts with context %}'
            "{{ charts.line_chart(['W1', 'W2'], series, 'Fill') }}"
        )
        .render(series=[{"name": "Qualify", "values": [1, 2]}, {"name": "Offer", "values": [2, 1]}])
    )
    assert html.count('<path class="marker"') == 4  # two lines, two legend keys
    assert "\\" not in html  # geometry is never escaped as Markdown
    assert '<g class="series-2"><polyline' in html

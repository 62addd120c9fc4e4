"""Where each shape of a chart goes: the funnel, the forecast's bars and the trend lines.

Templates only place these shapes (and escape their text); every scaling, width and
position is computed here. Amounts stay Decimal for the labels; a coordinate keeps the type
its arithmetic gives (Decimal when scaled from amounts, float otherwise), so the `px` filter
writes exactly what the site has always shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

Number = Decimal | int
Coordinate = Decimal | float

WIDTH = 640
STAGE_BAR = 34
STAGE_GAP = 8
FUNNEL_CENTRE = 170
WIDEST_STAGE = 320
NARROWEST_STAGE = 80
STAGE_LABEL_GAP = 14
VALUE_TICKS = 4
BARS_HEIGHT = 280
BARS_LEFT = 40
BARS_BOTTOM = 60
BARS_LEGEND = 26
LINES_HEIGHT = 240
LINES_LEFT = 70
LINES_BOTTOM = 60
LINE_KEYS_PER_ROW = 4


class FunnelRow(Protocol):
    """One stage of a funnel as the pages have it (a StageSummary): its name, deals, amount."""

    @property
    def label(self) -> str:
        """The stage's name, written on its bar."""

    @property
    def count(self) -> int:
        """How many deals are in the stage."""

    @property
    def amount(self) -> Decimal:
        """The stage's total amount, which sets its bar's width."""


@dataclass(frozen=True)
class Series:
    """One named row of numbers drawn over the categories: a bar colour or a line."""

    name: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class StageBar:
    """A stage of the funnel: a centred bar, each narrower than the one above (the funnel's
    shape), its name, deals, amount and share of the amount written beside it, never on it."""

    x: Coordinate
    y: int
    width: Coordinate
    label_x: float
    label_y: float
    label: str
    count: int
    amount: Decimal
    detail_y: float = 0
    share: Decimal | None = None


@dataclass(frozen=True)
class FunnelChart:
    """The funnel: one bar per stage, top to bottom."""

    width: int
    height: int
    bar_height: int
    bars: tuple[StageBar, ...]


@dataclass(frozen=True)
class LegendKey:
    """The coloured square and the name of one series."""

    x: int
    y: int
    text_x: int
    text_y: int
    name: str


@dataclass(frozen=True)
class Axis:
    """The baseline the bars stand on and the lines start from."""

    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class ValueTick:
    """A value on the vertical axis: its label left of the plot and a faint line across."""

    label: str
    y: Coordinate


@dataclass(frozen=True)
class Bar:
    """One value of one series in one category (a period of the forecast)."""

    x: float
    y: Coordinate
    width: float
    height: Coordinate
    category: str
    name: str
    value: Number


@dataclass(frozen=True)
class BarGroup:
    """A category's bars side by side, with its label slanted below the axis."""

    label: str
    bars: tuple[Bar, ...]
    label_x: float
    label_y: int


@dataclass(frozen=True)
class BarChart:
    """Bars grouped by category, one colour per series."""

    width: int
    height: int
    legend: tuple[LegendKey, ...]
    axis: Axis
    groups: tuple[BarGroup, ...]
    value_ticks: tuple[ValueTick, ...] = ()


@dataclass(frozen=True)
class Point:
    """A corner of a line."""

    x: float
    y: Coordinate


MARKERS = ("circle", "square", "diamond", "triangle")
"""The shape at each point of a line, by series in turn: with the dashes (the stylesheet's
series-N), lines that run on top of each other stay apart, in colour and in print."""
MARKER_SIZE = 4.0


def marker_path(shape: str, x: float, y: float, size: float = MARKER_SIZE) -> str:
    """The SVG path of a marker of `shape` centred on (x, y), `size` from centre to edge."""
    r = size
    if shape == "circle":
        arc = f"a{_n(r)} {_n(r)} 0 1 0"
        return f"M{_n(x - r)} {_n(y)}{arc} {_n(2 * r)} 0{arc} {_n(-2 * r)} 0Z"
    if shape == "square":
        side = r * 0.85
        return f"M{_n(x - side)} {_n(y - side)}h{_n(2 * side)}v{_n(2 * side)}h{_n(-2 * side)}Z"
    if shape == "diamond":
        return f"M{_n(x)} {_n(y - r)}L{_n(x + r)} {_n(y)}L{_n(x)} {_n(y + r)}L{_n(x - r)} {_n(y)}Z"
    return f"M{_n(x)} {_n(y - r)}L{_n(x + r)} {_n(y + r * 0.8)}L{_n(x - r)} {_n(y + r * 0.8)}Z"


def _n(value: float) -> str:
    """A coordinate with at most one decimal, without trailing zeros (stable output)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Line:
    """One series as a line through its points, with its marker's shape."""

    name: str
    points: tuple[Point, ...]
    shape: str = "circle"

    @property
    def markers(self) -> tuple[str, ...]:
        """The marker's path at each point."""
        return tuple(marker_path(self.shape, point.x, float(point.y)) for point in self.points)


@dataclass(frozen=True)
class Tick:
    """A category's label under the axis, slanted, at the x of its points."""

    label: str
    x: float
    y: int


@dataclass(frozen=True)
class LineChart:
    """One line per series over the categories (months or weeks)."""

    width: int
    height: int
    legend: tuple[LegendKey, ...]
    axis: Axis
    lines: tuple[Line, ...]
    ticks: tuple[Tick, ...]
    value_ticks: tuple[ValueTick, ...] = ()


def series_from(item: Series | Mapping[str, Any]) -> Series:
    """A series as the pages write it, `{"name": ..., "values": [...]}`, as a record."""
    if isinstance(item, Series):
        return item
    return Series(name=item["name"], values=tuple(item["values"]))


def largest(series: Sequence[Series]) -> Number:
    """The value the charts scale to: the largest above zero, else 0 (nothing to scale)."""
    top: Number = 0
    for line in series:
        for value in line.values:
            if value > top:
                top = value
    return top


def scaled(value: Number, top: Number, span: int) -> Coordinate:
    """How far `value` reaches in `span` pixels when `top` reaches all of it; flat if no top."""
    if not top:
        return 0
    if isinstance(value, int) and isinstance(top, int):
        return value / top * span
    return Decimal(value) / top * span


def lay_out_funnel(rows: Sequence[FunnelRow]) -> FunnelChart:
    """The funnel's bars, widest at the top whatever the amounts (it stays a funnel); each
    stage's share of the amount is a label beside its bar, so a small bar never hides it."""
    total = sum((row.amount for row in rows), Decimal(0))
    narrowing = (WIDEST_STAGE - NARROWEST_STAGE) / (len(rows) - 1) if len(rows) > 1 else 0
    bars = []
    for index, row in enumerate(rows):
        width = WIDEST_STAGE - index * narrowing
        y = STAGE_GAP + index * (STAGE_BAR + STAGE_GAP)
        bars.append(
            StageBar(
                x=FUNNEL_CENTRE - width / 2,
                y=y,
                width=width,
                label_x=FUNNEL_CENTRE + WIDEST_STAGE / 2 + STAGE_LABEL_GAP,
                label_y=y + 14,
                label=row.label,
                count=row.count,
                amount=row.amount,
                detail_y=y + 30,
                share=(row.amount * 100 / total).quantize(Decimal(1)) if total else None,
            )
        )
    height = len(rows) * (STAGE_BAR + STAGE_GAP) + STAGE_GAP
    return FunnelChart(width=WIDTH, height=height, bar_height=STAGE_BAR, bars=tuple(bars))


def tick_step(top: Number) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that cuts 0..top into at most
    VALUE_TICKS parts."""
    rough = Decimal(top) / VALUE_TICKS
    power = Decimal(10) ** (rough.adjusted() if rough >= 1 else 0)
    for factor in ("1", "2", "2.5", "5", "10"):
        step = Decimal(factor) * power
        if step >= rough:
            return step
    return 10 * power  # pragma: no cover (10 × power is always at least rough)


def short_number(value: Decimal) -> str:
    """A tick's label: 2.5M, 500k, 40."""
    for size, suffix in ((Decimal(10**9), "G"), (Decimal(10**6), "M"), (Decimal(10**3), "k")):
        if value >= size:
            return f"{(value / size).normalize():f}{suffix}"
    return f"{value.normalize():f}"


def value_ticks(top: Number, baseline: int, plot: int) -> tuple[ValueTick, ...]:
    """Round values from 0 up to the largest one, placed on the scale the shapes use."""
    if not top or top <= 0:
        return ()
    step = tick_step(top)
    count = int(Decimal(top) // step)
    return tuple(
        ValueTick(short_number(step * i), baseline - scaled(step * i, Decimal(top), plot))
        for i in range(count + 1)
    )


def lay_out_bars(
    categories: Sequence[str], series: Sequence[Series | Mapping[str, Any]]
) -> BarChart:
    """Bars per category, scaled to the largest value, the legend in one row above."""
    rows = [series_from(item) for item in series]
    top = largest(rows)
    baseline = BARS_HEIGHT - BARS_BOTTOM
    plot = baseline - BARS_LEGEND - 12
    slot = (WIDTH - BARS_LEFT * 2) / (len(categories) if categories else 1)
    bar_width = slot * 0.8 / (len(rows) if rows else 1)
    legend = tuple(
        LegendKey(
            x=BARS_LEFT + i * 200, y=4, text_x=BARS_LEFT + i * 200 + 20, text_y=16, name=s.name
        )
        for i, s in enumerate(rows)
    )
    groups = []
    for i, label in enumerate(categories):
        x0 = BARS_LEFT + i * slot + slot * 0.1
        bars = []
        for j, line in enumerate(rows):
            value = line.values[i]
            height = scaled(value, top, plot)
            bars.append(
                Bar(
                    x=x0 + j * bar_width,
                    y=baseline - height,
                    width=bar_width,
                    height=height,
                    category=label,
                    name=line.name,
                    value=value,
                )
            )
        groups.append(BarGroup(label, tuple(bars), label_x=x0 + slot * 0.4, label_y=baseline + 14))
    axis = Axis(BARS_LEFT, baseline, WIDTH - BARS_LEFT, baseline)
    ticks = value_ticks(top, baseline, plot)
    return BarChart(WIDTH, BARS_HEIGHT, legend, axis, tuple(groups), ticks)


def lay_out_lines(
    categories: Sequence[str],
    series: Sequence[Series | Mapping[str, Any]],
    from_first_data: bool = False,
) -> LineChart:
    """A line per series, scaled to the largest value; the legend wraps four to a row and
    the chart grows by its rows. `from_first_data` leaves out the categories before the first
    with a value above zero (weeks before the funnel was kept), keeping two at least; with
    none, all stay."""
    rows = [series_from(item) for item in series]
    if from_first_data:
        categories, rows = _from_first_data(categories, rows)
    top = largest(rows)
    legend_height = 8 + ((len(rows) + LINE_KEYS_PER_ROW - 1) // LINE_KEYS_PER_ROW) * 18
    height = LINES_HEIGHT + legend_height
    baseline = height - LINES_BOTTOM
    plot = baseline - legend_height - 12
    step = (WIDTH - LINES_LEFT * 2) / ((len(categories) - 1) if len(categories) > 1 else 1)
    legend = tuple(
        LegendKey(
            x=LINES_LEFT + (i % LINE_KEYS_PER_ROW) * 150,
            y=4 + (i // LINE_KEYS_PER_ROW) * 18,
            text_x=LINES_LEFT + (i % LINE_KEYS_PER_ROW) * 150 + 20,
            text_y=16 + (i // LINE_KEYS_PER_ROW) * 18,
            name=s.name,
        )
        for i, s in enumerate(rows)
    )
    drawn = tuple(
        Line(
            line.name,
            tuple(
                Point(LINES_LEFT + i * step, baseline - scaled(value, top, plot))
                for i, value in enumerate(line.values)
            ),
            MARKERS[index % len(MARKERS)],
        )
        for index, line in enumerate(rows)
    )
    ticks = tuple(
        Tick(label, LINES_LEFT + i * step, baseline + 14) for i, label in enumerate(categories)
    )
    axis = Axis(LINES_LEFT, baseline, WIDTH - LINES_LEFT, baseline)
    return LineChart(WIDTH, height, legend, axis, drawn, ticks, value_ticks(top, baseline, plot))


def _from_first_data(
    categories: Sequence[str], rows: list[Series]
) -> tuple[Sequence[str], list[Series]]:
    first = next(
        (i for i in range(len(categories)) if any(row.values[i] for row in rows)),
        0,
    )
    first = max(0, min(first, len(categories) - 2))  # two points at least: a line, not a dot
    return categories[first:], [Series(row.name, row.values[first:]) for row in rows]

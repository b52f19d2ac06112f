"""Charts drawn on the server as SVG, for the dashboards and the PDF reports alike.

Every function here is pure: it takes plain data (the dataclasses below, lists, Decimals and strings) and
returns an SVG string ready to be placed inline in a page. Nothing here touches the database, so a report
can build the same dataclasses from whatever it has read and get the same picture as the dashboard.

The SVG keeps its text as text (``svg.fonttype = "none"``), carries ``role="img"`` with a ``<title>`` and a
``<desc>`` that say what the chart shows, and has every id prefixed so that two charts on one page never
clash. Matplotlib's inline ``style`` attributes become SVG presentation attributes, so a Content-Security-Policy
without 'unsafe-inline' styles leaves the charts as they are. Pages print the chart's data in a table beside it:
the picture is never the only way to the figures.

Drawing takes a tenth of a second, so finished drawings are kept (by the repr of their data) and only their ids
are made fresh on each call (monitoring.dashboards.svg, which turns a figure into inline SVG).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter, MaxNLocator

from monitoring.dashboards.svg import STYLE, drawn  # noqa: F401  (STYLE: the charts' style, named here too)

# GOV.UK Frontend colours, so the charts sit with the tags and tables around them.
BLUE = "#1d70b8"
BLACK = "#0b0c0c"
DARK_GREY = "#505a5f"
MID_GREY = "#b1b4b6"
GREEN = "#00703c"
AMBER = "#f47738"
RED = "#d4351c"
PURPLE = "#4c2c92"
TURQUOISE = "#28a197"
PINK = "#d53880"
LIGHT_BLUE = "#5694ca"
STREAM_COLOURS = [BLUE, TURQUOISE, PURPLE, AMBER, PINK, GREEN, LIGHT_BLUE, DARK_GREY, RED, MID_GREY]
RAG_COLOURS = {"green": GREEN, "amber": AMBER, "red": RED, "none": MID_GREY}
# Funding charts show this many streams by name; the rest are added up as "Other streams".
MAX_STREAMS = 7

PERCENT = "percent"
MONEY = "money"


@dataclass(frozen=True)
class SeriesPoint:
    """One period on an indicator chart's axis: its label, its financial year and its value if any."""

    period: str
    year: str
    value: Decimal | None = None
    provisional: bool = False


@dataclass(frozen=True)
class YearTarget:
    """An indicator's target for one financial year ('2008/09')."""

    year: str
    value: Decimal


@dataclass(frozen=True)
class TrajectoryPoint:
    """Where the indicator must be at a period to reach its final target on a straight line."""

    period: str
    value: Decimal


@dataclass(frozen=True)
class ForecastBand:
    """The forecast to a year's end: drawn as a shaded band (its 80% range) from the latest value to the year-end
    period, with the forecast value as a point. ``period`` is a label found in the series' points; ``chance`` says
    the probability of meeting the target in words and number ('Unlikely (22%)'), or is ''."""

    period: str
    value: Decimal
    low: Decimal
    high: Decimal
    chance: str = ""
    provisional: bool = False


@dataclass(frozen=True)
class IndicatorSeries:
    """Everything an indicator chart shows, as plain data.

    ``points`` are every period of the chart's axis in order, with or without a value, so that the years
    the plan covers show even before they are reported. ``unit`` is one of the Indicator.Unit values
    ('percent', 'count', 'money', 'rate'). ``trajectory`` periods are labels found in ``points``.
    """

    title: str
    points: Sequence[SeriesPoint]
    unit: str = PERCENT
    decimal_places: int = 1
    baseline: Decimal | None = None
    baseline_label: str = ""
    targets: Sequence[YearTarget] = field(default_factory=list)
    trajectory: Sequence[TrajectoryPoint] = field(default_factory=list)
    forecast: ForecastBand | None = None


@dataclass(frozen=True)
class RagBar:
    """One bar of a RAG chart: a group of actions (a flow category) and how many are green, amber, red or not rated."""

    label: str
    green: int = 0
    amber: int = 0
    red: int = 0
    none: int = 0

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red + self.none


@dataclass(frozen=True)
class RagChart:
    title: str
    bars: Sequence[RagBar]


@dataclass(frozen=True)
class FundingStream:
    """A funding stream and its known amount in each year of the chart (None: tbc, not identified or blank)."""

    name: str
    amounts: Sequence[Decimal | None]


@dataclass(frozen=True)
class FundingChart:
    title: str
    years: Sequence[str]
    streams: Sequence[FundingStream]


@dataclass(frozen=True)
class BudgetPoint:
    """A year of a service plan's medium-term budget, in pounds: its proposed base budget, the savings proposed
    (base and stretch reductions, as a positive sum) and its deficit (positive) or surplus (negative). None is no
    figure; `savings_unknown` and `balance_incomplete` mark a figure still '?' or worked out from one."""

    year: str
    base: Decimal | None
    savings: Decimal | None
    balance: Decimal | None
    savings_unknown: bool = False
    balance_incomplete: bool = False


@dataclass(frozen=True)
class BudgetChart:
    title: str
    points: Sequence[BudgetPoint]


def format_number(value: Decimal | None, unit: str = "", decimal_places: int = 0) -> str:
    """Return a value as the pages print it: '14.8%', '£650,000', '836'; '' for no value."""
    if value is None:
        return ""
    text = f"{Decimal(value):,.{decimal_places}f}"
    if unit == PERCENT:
        return f"{text}%"
    if unit == MONEY:
        return f"£{text}"
    return text


# ---------------------------------------------------------------------------------------------------------
# Indicator: values by period, baseline, yearly targets and the trajectory to the final target


def indicator_chart_svg(series: IndicatorSeries) -> str:
    """Return an SVG line chart of an indicator's values by period, with baseline, yearly targets and trajectory."""
    return drawn(series, _draw_indicator, title=series.title, description=indicator_chart_description(series))


def _draw_indicator(series: IndicatorSeries) -> Figure:
    labels = [point.period for point in series.points]
    position = {label: index for index, label in enumerate(labels)}
    many = len(labels) > 8
    figure = Figure(figsize=(5.6, 3.6))
    axes = figure.add_subplot()
    handles = []

    # A period with no value breaks the line: a straight line across a gap would invent figures.
    ys = [float(point.value) if point.value is not None else float("nan") for point in series.points]
    reported = [index for index, point in enumerate(series.points) if point.value is not None]
    if reported:
        axes.plot(range(len(ys)), ys, color=BLUE, linewidth=2, zorder=3)
        signed = [index for index in reported if not series.points[index].provisional]
        provisional = [index for index in reported if series.points[index].provisional]
        if signed:
            axes.scatter(signed, [ys[index] for index in signed], s=36, color=BLUE, zorder=4)
            handles.append(Line2D([], [], color=BLUE, linewidth=2, marker="o", label="Value (signed off)"))
        if provisional:
            axes.scatter(provisional, [ys[index] for index in provisional], s=36, facecolor="white", edgecolor=BLUE,
                         linewidth=2, zorder=4)
            handles.append(Line2D([], [], color=BLUE, linewidth=2, marker="o", markerfacecolor="white",
                                  markeredgewidth=2, label="Value (provisional)"))

    if series.baseline is not None:
        axes.axhline(float(series.baseline), color=DARK_GREY, linestyle=":", linewidth=1.5, zorder=1)
        handles.append(Line2D([], [], color=DARK_GREY, linestyle=":", linewidth=1.5,
                              label=f"Baseline {series.baseline_label}".strip()))

    drew_target = False
    for target in series.targets:
        in_year = [index for index, point in enumerate(series.points) if point.year == target.year]
        if in_year:
            axes.hlines(float(target.value), min(in_year) - 0.4, max(in_year) + 0.4, color=BLACK, linewidth=2,
                        linestyle="--", zorder=2)
            drew_target = True
    if drew_target:
        handles.append(Line2D([], [], color=BLACK, linestyle="--", linewidth=2, label="Target for the year"))

    trajectory = [(position[point.period], float(point.value)) for point in series.trajectory if point.period in position]
    if len(trajectory) >= 2:
        axes.plot(*zip(*trajectory, strict=True), color=AMBER, linestyle="-.", linewidth=1.5, zorder=2)
        handles.append(Line2D([], [], color=AMBER, linestyle="-.", linewidth=1.5, label="Trajectory to final target"))

    if series.forecast is not None and series.forecast.period in position:
        handles += _draw_forecast(axes, series, position[series.forecast.period])

    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels([_short_period(label) for label in labels], rotation=45 if many else 0,
                         ha="right" if many else "center")
    axes.set_xlim(-0.6, max(len(labels) - 0.4, 0.4))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.yaxis.set_major_formatter(AxisFormatter(series.unit))
    axes.grid(axis="y", color="#f3f2f1", linewidth=1)
    axes.set_axisbelow(True)
    if not handles:
        axes.text(0.5, 0.5, "No values, baseline or targets yet", transform=axes.transAxes, ha="center",
                  va="center", color=DARK_GREY)
        axes.set_yticks([])
    else:
        axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3 if many else -0.15),
                    ncol=min(len(handles), 3), frameon=False, fontsize=9)
    figure.tight_layout()
    return figure


def _draw_forecast(axes, series: IndicatorSeries, end: int) -> list[Line2D]:
    """Draw the forecast's range as a band widening from the latest value before the year's end to the range at
    the year's end, and the forecast value there; return the legend's entries."""
    band = series.forecast
    before = [index for index, point in enumerate(series.points[:end]) if point.value is not None]
    start, start_value = (before[-1], float(series.points[before[-1]].value)) if before else (end, float(band.value))
    low, high, value = float(band.low), float(band.high), float(band.value)
    if start < end:
        axes.fill_between([start, end], [start_value, low], [start_value, high], color=LIGHT_BLUE, alpha=0.3,
                          linewidth=0, zorder=1)
        axes.plot([start, end], [start_value, value], color=LIGHT_BLUE, linestyle="--", linewidth=1.5, zorder=2)
    else:
        axes.vlines(end, low, high, color=LIGHT_BLUE, linewidth=6, alpha=0.5, zorder=1)
    axes.scatter([end], [value], s=48, marker="D", color="white" if band.provisional else PURPLE, edgecolor=PURPLE,
                 linewidth=2, zorder=5)
    state = " (provisional)" if band.provisional else ""
    return [
        Line2D([], [], color=LIGHT_BLUE, alpha=0.5, linewidth=8, label="Forecast range (80%)"),
        Line2D([], [], color=PURPLE, marker="D", linestyle="none", markerfacecolor="white" if band.provisional else PURPLE,
               label=f"Year-end forecast{state}"),
    ]


def forecast_description(series: IndicatorSeries) -> str:
    """Return the forecast in words, for the chart's text alternative; '' without one."""
    band = series.forecast
    if band is None:
        return ""
    places, unit = series.decimal_places, series.unit
    text = (f"Forecast for {band.period}: {format_number(band.value, unit, places)}, with an 80% range of "
            f"{format_number(band.low, unit, places)} to {format_number(band.high, unit, places)}, shown as a shaded band")
    if band.chance:
        text += f"; {band.chance.lower()} to meet the target"
    return text + (" (provisional)." if band.provisional else ".")


def indicator_chart_description(series: IndicatorSeries) -> str:
    """Return a sentence or two saying what the indicator chart shows, for its text alternative."""
    places, unit = series.decimal_places, series.unit
    parts = []
    if series.points:
        parts.append(f"Line chart of values by period from {series.points[0].period} to {series.points[-1].period}.")
    reported = [point for point in series.points if point.value is not None]
    if reported:
        latest = reported[-1]
        state = "provisional" if latest.provisional else "signed off"
        parts.append(f"Latest value {format_number(latest.value, unit, places)} for {latest.period} ({state}).")
    else:
        parts.append("No values reported yet.")
    if series.baseline is not None:
        parts.append(f"Baseline {format_number(series.baseline, unit, places)} {series.baseline_label}".strip() + ".")
    if series.targets:
        targets = ", ".join(f"{target.year} {format_number(target.value, unit, places)}" for target in series.targets)
        parts.append(f"Targets: {targets}.")
    if len(series.trajectory) >= 2:
        end = series.trajectory[-1]
        parts.append(f"Trajectory to reach {format_number(end.value, unit, places)} by {end.period}.")
    if forecast := forecast_description(series):
        parts.append(forecast)
    parts.append("The figures are in the table with the chart.")
    return " ".join(parts)


def _short_period(label: str) -> str:
    """Shorten '2008/09 Q1' to '08/09 Q1' so that twelve quarters fit under a chart."""
    return re.sub(r"^(\d{2})(\d{2}/\d{2})", r"\2", label)


class AxisFormatter(Formatter):
    """Tick labels in one format for the whole axis: '14.0%' beside '14.5%', never '14%' beside '14.5%'.

    Matplotlib hands a formatter every tick of the axis (set_locs) before asking for each label, so the decimals
    are chosen once, from all the tick values: as few as show each of them exactly. Pounds are in one unit for
    the axis too: millions ('£2.5m') when the ticks need at most one decimal in millions, else thousands.
    """

    MOST_PLACES = 3

    def __init__(self, unit: str = ""):
        self.unit = unit
        self.places = 0
        self.scale, self.suffix = 1.0, ""

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        values = [float(value) for value in locs]
        self.scale, self.suffix = 1.0, ""
        if self.unit == MONEY:
            largest = max((abs(value) for value in values), default=0.0)
            for scale, suffix in ((1_000_000.0, "m"), (1_000.0, "k")):
                if largest >= scale and _places([value / scale for value in values]) <= 1:
                    self.scale, self.suffix = scale, suffix
                    break
        self.places = _places([value / self.scale for value in values])

    def __call__(self, value, position=None) -> str:
        number = f"{value / self.scale:,.{self.places}f}"
        if number.startswith("-") and not number.strip("-0.,"):
            number = number[1:]  # no "-0.0"
        if self.unit == MONEY:
            return f"-£{number[1:]}{self.suffix}" if number.startswith("-") else f"£{number}{self.suffix}"
        return f"{number}%" if self.unit == PERCENT else number


def _places(values: list[float]) -> int:
    """Return the fewest decimals (up to AxisFormatter.MOST_PLACES) that show every value exactly."""
    for places in range(AxisFormatter.MOST_PLACES + 1):
        if all(abs(round(value, places) - value) <= 1e-9 * max(1.0, abs(value)) for value in values):
            return places
    return AxisFormatter.MOST_PLACES


# ---------------------------------------------------------------------------------------------------------
# Actions: RAG counts per group


def rag_chart_svg(chart: RagChart) -> str:
    """Return an SVG bar chart of how many actions in each group are green, amber, red or not rated."""
    return drawn(chart, _draw_rag, title=chart.title, description=rag_chart_description(chart))


def _draw_rag(chart: RagChart) -> Figure:
    bars = list(chart.bars)
    figure = Figure(figsize=(5.6, 1.2 + 0.45 * max(len(bars), 1)))
    axes = figure.add_subplot()
    rows = list(range(len(bars)))[::-1]  # the first group at the top
    left = [0] * len(bars)
    for key, label in (("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("none", "No RAG reported")):
        counts = [getattr(bar, key) for bar in bars]
        if not any(counts):
            continue
        drawn = axes.barh(rows, counts, left=left, color=RAG_COLOURS[key], height=0.6, label=label,
                          edgecolor="white", linewidth=1)
        text_colour = BLACK if key in ("none", "amber") else "white"
        axes.bar_label(drawn, labels=[str(count) if count else "" for count in counts], label_type="center",
                       color=text_colour, fontsize=9)
        left = [start + count for start, count in zip(left, counts, strict=True)]
    axes.set_yticks(rows)
    axes.set_yticklabels([bar.label for bar in bars])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("Actions")
    if not any(bar.total for bar in bars):
        axes.text(0.5, 0.5, "No actions", transform=axes.transAxes, ha="center", va="center", color=DARK_GREY)
    else:
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False, fontsize=9)
    figure.tight_layout()
    return figure


def rag_chart_description(chart: RagChart) -> str:
    parts = ["Bar chart of actions by RAG status."]
    for bar in chart.bars:
        parts.append(f"{bar.label}: {bar.total} actions, {bar.green} green, {bar.amber} amber, {bar.red} red, "
                     f"{bar.none} with no RAG reported.")
    parts.append("The figures are in the table with the chart.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# Funding: known amounts by stream and year


def funding_chart_svg(chart: FundingChart) -> str:
    """Return an SVG stacked bar chart of the known funding in each year, by stream."""
    return drawn(chart, _draw_funding, title=chart.title, description=funding_chart_description(chart))


def _chart_streams(chart: FundingChart) -> list[FundingStream]:
    """Return the streams to draw: the largest by name, the rest added up as 'Other streams'; none with no money."""
    def total(stream):
        return sum((amount for amount in stream.amounts if amount is not None), Decimal(0))

    streams = sorted((stream for stream in chart.streams if total(stream) > 0), key=total, reverse=True)
    if len(streams) <= MAX_STREAMS:
        return streams
    kept, rest = streams[:MAX_STREAMS - 1], streams[MAX_STREAMS - 1:]
    other = [sum((stream.amounts[index] or Decimal(0) for stream in rest), Decimal(0)) for index in range(len(chart.years))]
    return [*kept, FundingStream(f"Other streams ({len(rest)})", other)]


def _draw_funding(chart: FundingChart) -> Figure:
    streams = _chart_streams(chart)
    figure = Figure(figsize=(7.2, 3.4 + 0.25 * ((len(streams) + 1) // 2)))
    axes = figure.add_subplot()
    bottom = [0.0] * len(chart.years)
    for index, stream in enumerate(streams):
        heights = [float(amount or 0) for amount in stream.amounts]
        axes.bar(range(len(chart.years)), heights, bottom=bottom, width=0.6, label=_shorten(stream.name),
                 color=STREAM_COLOURS[index % len(STREAM_COLOURS)], edgecolor="white", linewidth=1)
        bottom = [base + height for base, height in zip(bottom, heights, strict=True)]
    axes.set_xticks(range(len(chart.years)))
    axes.set_xticklabels(list(chart.years))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.yaxis.set_major_formatter(AxisFormatter(MONEY))
    axes.grid(axis="y", color="#f3f2f1", linewidth=1)
    axes.set_axisbelow(True)
    if streams:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=9)
    else:
        axes.text(0.5, 0.5, "No known amounts", transform=axes.transAxes, ha="center", va="center", color=DARK_GREY)
        axes.set_yticks([])
    figure.tight_layout()
    return figure


def funding_chart_description(chart: FundingChart) -> str:
    totals = [
        sum((stream.amounts[index] for stream in chart.streams if stream.amounts[index] is not None), Decimal(0))
        for index in range(len(chart.years))
    ]
    parts = [f"Stacked bar chart of known funding by year, in {len(chart.streams)} streams."]
    parts += [f"{year}: {format_number(total, MONEY)}." for year, total in zip(chart.years, totals, strict=True)]
    parts.append("Amounts to be confirmed or not yet identified are not drawn. The figures are in the table with the chart.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# A service plan's medium-term budget: base budget, savings and deficit or surplus by year


def budget_chart_svg(chart: BudgetChart) -> str:
    """Return an SVG chart of a medium-term budget: the base budget by year beside the savings and the deficit
    or surplus by year (on an axis of their own: they are a few per cent of the budget)."""
    return drawn(chart, _draw_budget, title=chart.title, description=budget_chart_description(chart))


def _draw_budget(chart: BudgetChart) -> Figure:
    points = list(chart.points)
    figure = Figure(figsize=(7.2, 3.6))
    base_axes, change_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    slots = list(range(len(points)))
    labels = [point.year for point in points]
    base_axes.bar(slots, [float(point.base or 0) for point in points], width=0.6, color=BLUE)
    base_axes.set_title("Proposed base budget", fontsize=10)
    width = 0.36
    savings = change_axes.bar([slot - width / 2 for slot in slots], [float(point.savings or 0) for point in points],
                              width=width, color=TURQUOISE, label="Savings proposed")
    balance = change_axes.bar([slot + width / 2 for slot in slots], [float(point.balance or 0) for point in points],
                              width=width, color=AMBER, label="Deficit / (surplus)")
    change_axes.bar_label(savings, labels=["?" if point.savings_unknown and not point.savings else ""
                                           for point in points], color=DARK_GREY, fontsize=9)
    change_axes.bar_label(balance, labels=["*" if point.balance_incomplete else "" for point in points],
                          color=DARK_GREY, fontsize=9)
    change_axes.axhline(0, color=DARK_GREY, linewidth=0.8)
    change_axes.set_title("Savings and deficit / (surplus)", fontsize=10)
    change_axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=9)
    for axes in (base_axes, change_axes):
        axes.set_xticks(slots)
        axes.set_xticklabels(labels, fontsize=8)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
        axes.yaxis.set_major_formatter(AxisFormatter(MONEY))
        axes.grid(axis="y", color="#f3f2f1", linewidth=1)
        axes.set_axisbelow(True)
    figure.tight_layout()
    return figure


def budget_chart_description(chart: BudgetChart) -> str:
    parts = ["Bar charts of the medium-term budget by year: the proposed base budget, and beside it the savings "
             "proposed and the deficit or (surplus)."]
    for point in chart.points:
        savings = "not yet known" if point.savings_unknown and point.savings is None else (
            format_number(point.savings, MONEY) or "none")
        balance = format_number(point.balance, MONEY) or "none"
        if point.balance is not None and point.balance < 0:
            balance = f"({format_number(-point.balance, MONEY)}) surplus"
        parts.append(f"{point.year}: base budget {format_number(point.base, MONEY) or 'not recorded'}, savings "
                     f"{savings}{' (partly not yet known)' if point.savings_unknown and point.savings else ''}, "
                     f"deficit {balance}{' (worked out from figures not yet known)' if point.balance_incomplete else ''}.")
    parts.append("The figures are in the table with the chart.")
    return " ".join(parts)


def _shorten(text: str, length: int = 45) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"

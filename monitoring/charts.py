"""Charts drawn on the server as SVG, for the dashboards and the PDF reports alike.

Every function here is pure: it takes plain data (the dataclasses below, lists, Decimals and strings) and
returns an SVG string ready to be placed inline in a page. Nothing here touches the database, so a report
can build the same dataclasses from whatever it has read and get the same picture as the dashboard.

The SVG keeps its text as text (``svg.fonttype = "none"``), carries ``role="img"`` with a ``<title>`` and a
``<desc>`` that say what the chart shows, and has every id prefixed so that two charts on one page never
clash. Pages print the chart's data in a table beside it: the picture is never the only way to the figures.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (the backend is chosen before pyplot's machinery loads)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

matplotlib.rcParams.update({
    "svg.fonttype": "none",
    "svg.hashsalt": "partnership-monitor",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "DejaVu Sans"],
    "font.size": 10,
    "axes.edgecolor": "#505a5f",
    "axes.labelcolor": "#0b0c0c",
    "xtick.color": "#0b0c0c",
    "ytick.color": "#0b0c0c",
    "axes.spines.top": False,
    "axes.spines.right": False,
})

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
class IndicatorSeries:
    """Everything an indicator chart shows, as plain data.

    ``points`` are every period of the chart's axis in order, with or without a value, so that the years
    the plan covers show even before they are reported. ``unit`` is one of the Indicator.Unit values
    ('percent', 'count', 'money', 'rate'). ``trajectory`` periods are labels found in ``points``.
    """

    title: str
    points: list[SeriesPoint]
    unit: str = PERCENT
    decimal_places: int = 1
    baseline: Decimal | None = None
    baseline_label: str = ""
    targets: list[YearTarget] = field(default_factory=list)
    trajectory: list[TrajectoryPoint] = field(default_factory=list)


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


def indicator_chart_svg(series: IndicatorSeries) -> str:
    """Return an SVG line chart of an indicator's values by period, with baseline, yearly targets and trajectory."""
    labels = [point.period for point in series.points]
    position = {label: index for index, label in enumerate(labels)}
    figure = Figure(figsize=(7.2, 3.6))
    axes = figure.add_subplot()
    handles = []

    reported = [(index, point) for index, point in enumerate(series.points) if point.value is not None]
    if reported:
        xs = [index for index, _ in reported]
        ys = [float(point.value) for _, point in reported]
        axes.plot(xs, ys, color=BLUE, linewidth=2, zorder=3)
        signed = [(x, y) for x, y, (_, point) in zip(xs, ys, reported, strict=True) if not point.provisional]
        provisional = [(x, y) for x, y, (_, point) in zip(xs, ys, reported, strict=True) if point.provisional]
        if signed:
            axes.scatter(*zip(*signed, strict=True), s=36, color=BLUE, zorder=4)
        if provisional:
            axes.scatter(*zip(*provisional, strict=True), s=36, facecolor="white", edgecolor=BLUE, linewidth=2, zorder=4)
        handles.append(Line2D([], [], color=BLUE, linewidth=2, marker="o", label="Value (signed off)"))
        if provisional:
            handles.append(Line2D([], [], color=BLUE, linewidth=0, marker="o", markerfacecolor="white",
                                  markeredgewidth=2, label="Value (provisional)"))

    if series.baseline is not None:
        axes.axhline(float(series.baseline), color=DARK_GREY, linestyle=":", linewidth=1.5, zorder=1)
        handles.append(Line2D([], [], color=DARK_GREY, linestyle=":", linewidth=1.5,
                              label=f"Baseline {series.baseline_label}".strip()))

    drew_target = False
    for target in series.targets:
        in_year = [index for index, point in enumerate(series.points) if point.year == target.year]
        if not in_year:
            continue
        axes.hlines(float(target.value), min(in_year) - 0.4, max(in_year) + 0.4, color=BLACK, linewidth=2,
                    linestyle="--", zorder=2)
        drew_target = True
    if drew_target:
        handles.append(Line2D([], [], color=BLACK, linestyle="--", linewidth=2, label="Target for the year"))

    trajectory = [(position[point.period], float(point.value)) for point in series.trajectory if point.period in position]
    if len(trajectory) >= 2:
        axes.plot(*zip(*trajectory, strict=True), color=AMBER, linestyle="-.", linewidth=1.5, zorder=2)
        handles.append(Line2D([], [], color=AMBER, linestyle="-.", linewidth=1.5, label="Trajectory to final target"))

    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels([_short_period(label) for label in labels], rotation=0 if len(labels) <= 8 else 45,
                         ha="center" if len(labels) <= 8 else "right")
    axes.set_xlim(-0.6, max(len(labels) - 0.4, 0.4))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.yaxis.set_major_formatter(FuncFormatter(_axis_formatter(series.unit)))
    axes.grid(axis="y", color="#f3f2f1", linewidth=1)
    axes.set_axisbelow(True)
    if not reported and series.baseline is None and not drew_target:
        axes.text(0.5, 0.5, "No values reported yet", transform=axes.transAxes, ha="center", va="center",
                  color=DARK_GREY)
        axes.set_yticks([])
    if handles:
        axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(labels) <= 8 else -0.3),
                    ncol=min(len(handles), 3), frameon=False, fontsize=9)
    figure.tight_layout()
    return _to_svg(figure, title=series.title, description=indicator_chart_description(series))


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
    parts.append("The figures are also given in the table with the chart.")
    return " ".join(parts)


def _short_period(label: str) -> str:
    """Shorten '2008/09 Q1' to '08/09 Q1' so that twelve quarters fit under a chart."""
    return re.sub(r"^(\d{2})(\d{2}/\d{2})", r"\2", label)


def _axis_formatter(unit: str):
    def formatter(value, _position):
        number = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"
        if unit == PERCENT:
            return f"{number}%"
        if unit == MONEY:
            return f"£{number}"
        return number
    return formatter


_DROP = [
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*", re.DOTALL),
    re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL),
    # A <style> inside inline SVG applies to the whole page; its two rules become attributes of the root.
    re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL),
    re.compile(r"<!--.*?-->\s*", re.DOTALL),
]
_ID = re.compile(r'\sid="([^"]+)"')
_REFERENCE = re.compile(r'(xlink:href="#|href="#|url\(#)([^")]+)')


def _to_svg(figure: Figure, *, title: str, description: str) -> str:
    """Return the figure as inline-safe SVG: no prolog or metadata, unique ids, a title and a description."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    for pattern in _DROP:
        svg = pattern.sub("", svg)
    prefix = f"chart-{uuid.uuid4().hex[:10]}"
    referenced = {match[2] for match in _REFERENCE.finditer(svg)}
    svg = _ID.sub(lambda match: f' id="{prefix}-{match[1]}"' if match[1] in referenced else "", svg)
    svg = _REFERENCE.sub(lambda match: f"{match[1]}{prefix}-{match[2]}", svg)
    svg = re.sub(r"<defs>\s*</defs>\s*", "", svg)
    head = (
        f'<svg role="img" aria-labelledby="{prefix}-title {prefix}-desc" focusable="false" '
        'class="app-chart__svg" stroke-linejoin="round" stroke-linecap="butt" '
    )
    svg = svg.replace("<svg ", head, 1)
    opening_end = svg.index(">", svg.index("<svg")) + 1
    svg = (
        svg[:opening_end]
        + f'\n <title id="{prefix}-title">{escape(title)}</title>'
        + f'\n <desc id="{prefix}-desc">{escape(description)}</desc>'
        + svg[opening_end:]
    )
    return svg.strip()

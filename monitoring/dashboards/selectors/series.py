"""An indicator's series: the chart's data and the table beside it.

indicator_series() turns an indicator's values and targets into the plain data of monitoring.dashboards.charts, so that
a report can draw the same chart as the dashboard.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from indicators import performance
from indicators.models import Indicator, IndicatorValue
from monitoring import forecasts
from monitoring.dashboards import charts
from plans import periods

VALUE_PLACES = Decimal("0.0001")  # as IndicatorValue stores them


@dataclass
class SeriesRow:
    """One period of an indicator's chart, as the table beside the chart prints it."""

    period: str
    year: str
    value: IndicatorValue | None
    value_text: str
    target_text: str
    trajectory_text: str
    rag: str | None

    @property
    def is_provisional(self) -> bool:
        return self.value is not None and self.value.is_provisional

    @property
    def commentary(self) -> str:
        return self.value.commentary if self.value else ""


def indicator_series(
    indicator: Indicator, values: list[IndicatorValue], targets: dict[int, Decimal], *, kind: str, years: list[int],
) -> tuple[charts.IndicatorSeries, list[SeriesRow]]:
    """Return the chart data of an indicator over the years at the reporting frequency, and its table rows.

    A value of another frequency is placed at the period that contains its last day: an annual figure at Q4.
    The trajectory runs straight from the latest value (or from the baseline at the first period when there is
    none) to the last target at the last period of its year.
    """
    spans = [span for year in years for span in periods.periods_in_year(year, kind)]
    placed: dict[periods.PeriodSpan, IndicatorValue] = {}
    for value in sorted(values, key=lambda value: (value.period.end, value.period.start)):
        span = periods.containing(value.period.end, kind)
        if spans and spans[0].start <= span.start <= spans[-1].start:
            placed[span] = value  # the latest-ending value of a period wins: Q4 over the year it ends
    points = [
        charts.SeriesPoint(span.label, periods.year_label(span.financial_year),
                           placed[span].value if span in placed else None,
                           placed[span].is_provisional if span in placed else False)
        for span in spans
    ]
    trajectory = _trajectory(indicator, spans, placed, targets, years)
    year_targets = [charts.YearTarget(periods.year_label(year), targets[year]) for year in years if year in targets]
    series = charts.IndicatorSeries(
        title=str(indicator),
        points=points,
        unit=indicator.unit,
        decimal_places=indicator.decimal_places,
        baseline=indicator.baseline_value,
        baseline_label=indicator.baseline_period.label if indicator.baseline_period_id else "",
        targets=year_targets,
        trajectory=trajectory,
    )
    along = {point.period: point.value for point in trajectory}
    rows = []
    for span, point in zip(spans, points, strict=True):
        value = placed.get(span)
        target = targets.get(span.financial_year)
        rows.append(SeriesRow(
            period=point.period,
            year=point.year,
            value=value,
            value_text=indicator.format_value(point.value),
            target_text=indicator.format_value(target),
            trajectory_text=indicator.format_value(along.get(point.period)),
            rag=performance.rag(indicator, point.value, target),
        ))
    return series, rows


def _trajectory(indicator, spans, placed, targets, years) -> list[charts.TrajectoryPoint]:
    target_years = [year for year in years if year in targets]
    if not target_years or not spans:
        return []
    final_year = target_years[-1]
    final = max(index for index, span in enumerate(spans) if span.financial_year == final_year)
    if spans[final] in placed:
        return []  # the final target's period is reported: nothing left to aim for
    reported = [index for index, span in enumerate(spans) if span in placed and index < final]
    if reported:
        start, start_value = reported[-1], placed[spans[reported[-1]]].value
    elif indicator.baseline_value is not None and final > 0:
        start, start_value = 0, indicator.baseline_value
    else:
        return []
    line = performance.trajectory(start_value, targets[final_year], final - start)
    return [charts.TrajectoryPoint(spans[start + step].label, value.quantize(VALUE_PLACES))
            for step, value in enumerate(line)]


def with_forecast(
    series: charts.IndicatorSeries, view: forecasts.ForecastView | None, *, kind: str,
) -> charts.IndicatorSeries:
    """Return the chart data with the forecast's band to the year's last period, where there is a forecast with a
    range (not where there is too little history) and that period is on the chart."""
    made = view.forecast if view is not None else None
    if made is None or not view.enough_history or None in (made.value, made.low, made.high):
        return series
    band = charts.ForecastBand(
        period=periods.periods_in_year(made.year, kind)[-1].label, value=made.value.quantize(VALUE_PLACES),
        low=made.low.quantize(VALUE_PLACES), high=made.high.quantize(VALUE_PLACES), chance=view.band_label,
        provisional=view.is_provisional,
    )
    return dataclasses.replace(series, forecast=band)

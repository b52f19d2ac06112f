"""Year-end forecasts as people see and act on them: whose figures go in, how they read, and when they need words.

indicators.forecast makes a forecast from an indicator's points; this module is what every page, report and write of
the reporting cycle asks around it, so that they never disagree:

- Whose figures go in. The strategic group and committee (the dashboards' readers, the PDF report, the committee
  pack) see forecasts from signed-off values only. The people who enter and answer for an indicator (its data
  expert, its owners, a performance officer) see forecasts that include the drafts, marked provisional. Who sees
  drafts is decided in one place, monitoring.permissions.sees_drafts (and its queryset form, sees_drafts_expression,
  for a page of many indicators), as for the API's values: a page decides it from what it has already read.
- How it reads. ForecastView formats a forecast the indicator's way ('15.1%', '836', '£650,000') with its range,
  its chance of meeting the target in words and number ('Unlikely (22%)'), and what it rests on.
- When it needs words. A value that leaves its indicator unlikely to meet the year's target (a probability under
  50%, indicators.forecast.AT_RISK_BELOW) must say why, as a value that misses its target must: the rule is
  indicators.forecast.commentary_required, asked by monitoring.services and by imports alike.

Nothing here queries the database; forecasts are stored at sign-off by indicators.forecast.record_forecasts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from indicators import forecast as forecasting
from indicators.models import Indicator, IndicatorValue
from plans import periods

NO_TARGET = "No target for {year}, so no forecast against it."


@dataclass(frozen=True)
class ForecastView:
    """An indicator's year-end forecast with its figures formatted the indicator's way, for pages and reports."""

    indicator: Indicator
    forecast: forecasting.Forecast

    @property
    def year_label(self) -> str:
        return periods.year_label(self.forecast.year)

    @property
    def value_text(self) -> str:
        return self.indicator.format_value(self.forecast.value)

    @property
    def range_text(self) -> str:
        """Return the 80% range: '14.6% to 15.6%'; '' without one."""
        low, high = self.forecast.low, self.forecast.high
        if low is None or high is None:
            return ""
        return f"{self.indicator.format_value(low)} to {self.indicator.format_value(high)}"

    @property
    def target_text(self) -> str:
        return self.indicator.format_value(self.forecast.target)

    @property
    def percent_text(self) -> str:
        """Return the probability of meeting the target as a whole percentage: '22%', 'under 1%'; '' without one."""
        probability = self.forecast.probability
        return "" if probability is None else forecasting.percent_label(probability)

    @property
    def band(self) -> str | None:
        return self.forecast.band

    @property
    def band_label(self) -> str:
        """Return the chance of meeting the target in words and number: 'Likely (72%)'."""
        return self.forecast.band_label if self.forecast.probability is not None else ""

    @property
    def basis_label(self) -> str:
        """Return what the forecast rests on: 'from 6 quarters; linear trend', or 'not enough history to forecast'."""
        return self.forecast.basis_label

    @property
    def enough_history(self) -> bool:
        return self.forecast.enough_history

    @property
    def is_provisional(self) -> bool:
        return self.forecast.is_provisional

    @property
    def is_at_risk(self) -> bool:
        return bool(self.forecast.enough_history and self.forecast.is_at_risk)

    @property
    def probability(self) -> float | None:
        return self.forecast.probability

    @property
    def name(self) -> str:
        return self.indicator.code or self.indicator.name

    @property
    def summary(self) -> str:
        """Return the forecast in one sentence, for a chart's text alternative, an email or a report's cell."""
        if not self.enough_history:
            return f"Year-end forecast for {self.year_label}: {forecasting.NOT_ENOUGH_HISTORY}."
        text = f"Year-end forecast for {self.year_label}: {self.value_text}"
        if self.range_text:
            text += f" (80% range {self.range_text})"
        if self.band_label:
            text += f"; {self.band_label.lower()} to meet the target of {self.target_text}"
        text += f"; {self.basis_label}"
        return text + ("; provisional." if self.is_provisional else ".")


def stored_view(indicator: Indicator, stored) -> ForecastView:
    """Return a forecast stored at a sign-off (indicators.models.Forecast, with its period) as the pages show one."""
    return ForecastView(indicator, forecasting.Forecast(
        year=stored.year, value=stored.value, low=stored.low, high=stored.high, probability=stored.probability,
        target=stored.target, method=stored.method, points=stored.points, is_provisional=False,
        kind=stored.period.kind,
    ))


def points_of(values: Iterable[IndicatorValue], *, kind: str) -> list[forecasting.Point]:
    """Return the values of one kind of period (the plan's quarters, say) as forecast points, oldest first.

    The values come with their periods joined (select_related("period")); nothing is queried.
    """
    chosen = sorted((value for value in values if value.period.kind == kind), key=lambda value: value.period.start)
    return [forecasting.Point(value.period.span, value.value, value.is_signed_off) for value in chosen]


def forecast_of(
    indicator: Indicator, points: list[forecasting.Point], *, year: int, target: Decimal | None, include_drafts: bool,
) -> ForecastView | None:
    """Return the indicator's forecast for the year's end from the points, or None where the year has no target
    (there is nothing to meet) or the indicator is tracked only."""
    if target is None or indicator.polarity == Indicator.Polarity.NEUTRAL:
        return None
    made = forecasting.forecast_year_end(indicator, points, year=year, target=target, include_drafts=include_drafts)
    return ForecastView(indicator, made)


# How fine a reporting frequency is: an indicator shared by plans is charted and forecast at the finest of them.
FINENESS = {periods.MONTH: 0, periods.QUARTER: 1, periods.HALF: 2, periods.YEAR: 3}


def indicator_frame(plans: Iterable, values: Iterable[IndicatorValue], targets: dict[int, Decimal]) -> tuple[str, list[int]]:
    """Return the kind of period an indicator is charted and forecast at, and the years its page covers.

    The kind is the finest of the reporting frequencies of the plans that show it, else of its values' periods,
    else years; the years run from the first to the last of its plans' years, its targets' and its values', else
    this year alone. `plans` and `values` (with their periods) are already read: nothing is queried.
    """
    plans, values = list(plans), list(values)
    kinds = [plan.reporting_frequency for plan in plans] or [value.period.kind for value in values] or [periods.YEAR]
    kind = min(kinds, key=lambda kind: FINENESS[kind])
    years = sorted(
        {year for plan in plans for year in plan.years} | set(targets) | {value.period.financial_year for value in values}
    ) or [periods.year_containing(timezone.localdate())]
    return kind, list(range(years[0], years[-1] + 1))


def indicator_forecast(
    indicator: Indicator, values: Iterable[IndicatorValue], targets: dict[int, Decimal], *, kind: str,
    default_year: int, include_drafts: bool,
) -> tuple[int, ForecastView | None]:
    """Return the year an indicator's forecast speaks of (year_of) and its forecast for that year's end, as its page
    shows it, from its values of the kind (indicator_frame) and its targets by year; None where forecast_of gives
    none (no_forecast_reason says why)."""
    points = points_of(values, kind=kind)
    year = year_of(points, default=default_year)
    return year, forecast_of(indicator, points, year=year, target=targets.get(year), include_drafts=include_drafts)


def year_of(points: list[forecasting.Point], *, default: int) -> int:
    """Return the year a forecast speaks of: that of the indicator's latest value, signed off or not (the year is
    the same whoever reads the page; only the figures the forecast rests on differ), else the default."""
    return points[-1].period.financial_year if points else default


TRACKED_ONLY = "{name} is tracked only, with no target to meet, so no forecast against one."


def no_forecast_reason(indicator: Indicator, year: int) -> str:
    """Return why forecast_of() gave the indicator no forecast for the year: it is tracked only, or the year has no
    target ('No target for 2009/10, so no forecast against it.')."""
    if indicator.polarity == Indicator.Polarity.NEUTRAL:
        return TRACKED_ONLY.format(name=indicator.code or indicator.name)
    return NO_TARGET.format(year=periods.year_label(year))

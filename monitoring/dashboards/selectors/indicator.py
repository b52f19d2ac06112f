"""Reads for an indicator's page: its full history with targets and commentary, its chart, and the plans that use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from indicators import performance
from indicators.models import Forecast as StoredForecast
from indicators.models import Indicator, IndicatorValue, PlanIndicator
from monitoring import forecasts, permissions
from monitoring.dashboards import charts
from monitoring.dashboards.selectors.common import AssessmentView, assess, is_year_end
from monitoring.dashboards.selectors.series import SeriesRow, indicator_series, with_forecast
from plans import periods
from plans.models import Person


@dataclass
class HistoryRow:
    """A value of the indicator as its full history lists it, with the year's target and the rules' verdicts."""

    value: IndicatorValue
    target: Decimal | None
    rag: str | None
    direction: str | None
    is_year_end: bool
    target_met: bool | None

    @property
    def value_text(self) -> str:
        return self.value.indicator.format_value(self.value.value)

    @property
    def target_text(self) -> str:
        return self.value.indicator.format_value(self.target)

    @property
    def direction_label(self) -> str:
        return performance.DIRECTION_LABELS.get(self.direction, "Not known")


@dataclass
class TargetRow:
    indicator: Indicator
    year: int
    target: Decimal | None
    year_end: IndicatorValue | None
    met: bool | None

    @property
    def target_text(self) -> str:
        return self.indicator.format_value(self.target)

    @property
    def year_end_text(self) -> str:
        return self.indicator.format_value(self.year_end.value) if self.year_end else ""

    @property
    def label(self) -> str:
        return periods.year_label(self.year)


@dataclass
class IndicatorPage:
    indicator: Indicator
    owners: list[Person]
    links: list[PlanIndicator]
    series: charts.IndicatorSeries
    series_rows: list[SeriesRow]
    history: list[HistoryRow]
    targets: list[TargetRow]
    view: AssessmentView
    kind: str
    forecast: forecasts.ForecastView | None = None
    forecast_moves: list[StoredForecastRow] = field(default_factory=list)

    @property
    def assessment(self) -> performance.Assessment:
        return self.view.assessment

    @property
    def frequency_label(self) -> str:
        return dict(periods.KIND_CHOICES)[self.kind]


@dataclass
class StoredForecastRow:
    """A forecast stored at a sign-off, as the table of how the forecast moved prints it."""

    stored: StoredForecast
    indicator: Indicator

    @property
    def view(self) -> forecasts.ForecastView:
        return forecasts.stored_view(self.indicator, self.stored)


def indicator_for_page(pk: int) -> QuerySet[Indicator]:
    return Indicator.objects.select_related("baseline_period", "data_expert").filter(pk=pk)


def indicator_page(indicator: Indicator, *, user) -> IndicatorPage:
    """Return an indicator's full history with targets and commentary, its chart, the plans that use it, its
    year-end forecast (with drafts for those who enter and answer for it: permissions.sees_drafts) and how the
    forecasts stored at each sign-off moved."""
    owners = list(indicator.owners.order_by("name"))
    links = list(indicator.plan_links.select_related("plan__lead_organisation").order_by("plan__reference"))
    values = list(indicator.values.select_related("period").order_by("period__start", "period__kind"))
    for value in values:
        value.indicator = indicator  # each history row formats its value the indicator's way
    targets = dict(indicator.targets.values_list("year", "value"))

    kind, years = forecasts.indicator_frame([link.plan for link in links], values, targets)
    series, series_rows = indicator_series(indicator, values, targets, kind=kind, years=years)

    history, previous = [], None
    for value in values:
        target = targets.get(value.period.financial_year)
        year_end = is_year_end(value.period.span)
        history.append(HistoryRow(
            value=value,
            target=target,
            rag=performance.rag(indicator, value.value, target),
            direction=performance.direction(indicator, value.value, previous.value if previous else None),
            is_year_end=year_end,
            target_met=performance.target_met(indicator, value.value, target) if year_end else None,
        ))
        previous = value
    year_ends = {value.period.financial_year: value for value in values if is_year_end(value.period.span)}
    target_rows = [
        TargetRow(indicator, year, targets.get(year), year_ends.get(year),
                  performance.target_met(indicator, year_ends[year].value, targets.get(year)) if year in year_ends else None)
        for year in sorted(set(targets) | set(year_ends))
    ]
    assessment = assess(indicator, values, targets)
    history.reverse()  # newest first
    include_drafts = permissions.sees_drafts(user, indicator, owners)
    _, forecast = forecasts.indicator_forecast(indicator, values, targets, kind=kind, default_year=years[-1],
                                               include_drafts=include_drafts)
    stored = StoredForecast.objects.filter(indicator=indicator).select_related("period")
    moves = [StoredForecastRow(row, indicator) for row in stored.order_by("period__start", "made_at")]
    return IndicatorPage(indicator, owners, links, with_forecast(series, forecast, kind=kind), series_rows, history,
                         target_rows, assessment, kind, forecast, moves)

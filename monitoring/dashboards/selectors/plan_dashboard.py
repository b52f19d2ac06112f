"""Reads for a plan's dashboard: its indicators charted and assessed, its actions by flow category, its funding
and its risks' heat map."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery, Sum, Value

from funding.models import (
    BudgetEntry,
    BudgetGridRow,
    BudgetRow,
    BudgetTable,
    BudgetYear,
    FundingAmount,
    FundingLine,
    Total,
)
from indicators import performance
from indicators.models import Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import forecasts, permissions
from monitoring.dashboards import charts
from monitoring.dashboards.selectors.common import AssessmentView, assess, default_year
from monitoring.dashboards.selectors.series import SeriesRow, indicator_series, with_forecast
from monitoring.models import ProgressReport, Return
from monitoring.plan_document import FundingRow
from monitoring.plan_document import _as_printed as as_printed  # a balanced year's deficit prints blank, as the seed
from plans import periods
from plans.models import ActionTarget, DeliveryAction, Plan, Risk


@dataclass
class IndicatorPanel:
    link: PlanIndicator
    series: charts.IndicatorSeries
    rows: list[SeriesRow]
    view: AssessmentView
    forecast: forecasts.ForecastView | None = None

    @property
    def assessment(self) -> performance.Assessment:
        return self.view.assessment

    @property
    def indicator(self) -> Indicator:
        return self.link.indicator

    @property
    def anchor(self) -> str:
        return f"indicator-{self.indicator.pk}"

    @property
    def figures_caption(self) -> str:
        """Return the caption of the table beside the chart, unique on the page."""
        indicator = self.indicator
        return f"{indicator.code or indicator.name[:60]}: figures by period"

    @property
    def forecast_id(self) -> str:
        return f"{self.anchor}-forecast"

    @property
    def forecast_caption(self) -> str:
        """Return the caption of the forecast's table, unique on the page (the year follows it)."""
        indicator = self.indicator
        return f"{indicator.code or indicator.name[:60]}: year-end forecast"


FLOW_CATEGORIES = [
    ("on_flow", "On flow"),
    ("flow_time", "Flow time"),
    ("off_flow", "Off flow"),
]
NOT_CLASSED = "Not classed"


@dataclass
class FlowRow:
    """Actions of one flow category: their RAG in the current return and their outputs against the year's target.

    Blank is not zero: outputs and target count only the actions with a target that reported outputs in the year
    (`reported` of the `with_target`); with none reported, the row has no figure to show.
    """

    label: str
    actions: int = 0
    green: int = 0
    amber: int = 0
    red: int = 0
    outputs: Decimal = Decimal(0)
    target: Decimal = Decimal(0)
    with_target: int = 0
    reported: int = 0

    @property
    def no_rag(self) -> int:
        return self.actions - self.green - self.amber - self.red

    @property
    def share(self) -> Decimal | None:
        """Return the outputs reported as a percentage of their actions' target, or None without a positive target."""
        return (self.outputs * 100 / self.target).quantize(Decimal(1)) if self.target else None

    def bar(self) -> charts.RagBar:
        return charts.RagBar(self.label, self.green, self.amber, self.red, self.no_rag)


@dataclass
class FundingView:
    years: list[str]
    rows: list[FundingRow]
    totals: list[Total]
    grand_total: Total

    def chart(self, title: str) -> charts.FundingChart:
        return charts.FundingChart(title, self.years, [
            charts.FundingStream(row.line.name, [
                cell.amount if cell is not None and cell.status == FundingAmount.Status.AMOUNT else None
                for cell in row.cells
            ])
            for row in self.rows
        ])


# Rows of the medium-term budget the dashboard charts; savings are the reductions proposed, shown as a positive sum.
BUDGET_CHART_ROWS = [BudgetRow.PROPOSED_BASE, BudgetRow.BASE_REDUCTIONS, BudgetRow.STRETCH, BudgetRow.DEFICIT]
SAVINGS_ROWS = (BudgetRow.BASE_REDUCTIONS, BudgetRow.STRETCH)


@dataclass
class BudgetView:
    """A service plan's funding: its medium-term budget table (in thousands of pounds), charted by year."""

    table: BudgetTable
    years: list[BudgetYear]
    rows: list[BudgetGridRow]

    @property
    def points(self) -> list[charts.BudgetPoint]:
        by_row = {row.row: row.cells for row in self.rows}
        points = []
        for index, year in enumerate(self.years):
            base = by_row[BudgetRow.PROPOSED_BASE][index]
            balance = by_row[BudgetRow.DEFICIT][index]
            reductions = [by_row[row][index] for row in SAVINGS_ROWS]
            known = [cell.value for cell in reductions if cell.value is not None]
            points.append(charts.BudgetPoint(
                year=periods.year_label(year.year),  # without its note ("(for comparison)"): it fits under a bar
                base=_pounds(base.value),
                savings=_pounds(-sum(known, Decimal(0))) if known else None,
                balance=_pounds(balance.value),
                savings_unknown=any(cell.unknown for cell in reductions),
                balance_incomplete=balance.incomplete,
            ))
        return points

    @property
    def charted_rows(self) -> list[BudgetGridRow]:
        """Return the rows the chart draws, in the table's order, for the table beside it."""
        return [row for row in self.rows if row.row in BUDGET_CHART_ROWS]

    def chart(self, title: str) -> charts.BudgetChart:
        return charts.BudgetChart(title, self.points)


def _pounds(thousands: Decimal | None) -> Decimal | None:
    return None if thousands is None else thousands * 1000


# Bands of a risk's score (likelihood x impact), from the highest: a score of at least the first figure.
RISK_BANDS = [(15, "High", "red"), (8, "Medium", "orange"), (1, "Low", "green")]


@dataclass
class HeatCell:
    likelihood: int
    impact: int
    risks: list[Risk]

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return next(name for floor, name, _ in RISK_BANDS if self.score >= floor)

    @property
    def colour(self) -> str:
        return next(colour for floor, _, colour in RISK_BANDS if self.score >= floor)


@dataclass
class HeatRow:
    likelihood: int
    cells: list[HeatCell]


@dataclass
class HeatMap:
    rows: list[HeatRow]
    assessed: list[Risk]
    unassessed: list[Risk]

    @property
    def impacts(self) -> list[int]:
        return [1, 2, 3, 4, 5]


@dataclass
class PlanDashboard:
    plan: Plan
    year: int
    current: Return | None
    panels: list[IndicatorPanel]
    flow_rows: list[FlowRow]
    funding: FundingView
    heat_map: HeatMap
    budget: BudgetView | None = None

    @property
    def year_label(self) -> str:
        return periods.year_label(self.year)

    @property
    def flow_chart(self) -> charts.RagChart:
        return charts.RagChart(f"{self.plan.reference} actions by flow category and RAG status",
                               [row.bar() for row in self.flow_rows])

    @property
    def funding_chart(self) -> charts.FundingChart:
        return self.funding.chart(f"{self.plan.reference} known funding by stream and year")

    @property
    def budget_chart(self) -> charts.BudgetChart | None:
        if self.budget is None:
            return None
        return self.budget.chart(f"{self.plan.reference} medium-term budget by year")

    @property
    def funding_heading(self) -> str:
        """Return the funding section's heading: a plan with a medium-term budget and no funding lines charts that."""
        if self.budget is not None and not self.funding.rows:
            return "Funding: medium-term budget by year"
        return "Funding by stream and year"

    @property
    def has_flow_categories(self) -> bool:
        return any(row.label != NOT_CLASSED for row in self.flow_rows)


def plan_dashboard(plan: Plan, *, user) -> PlanDashboard:
    """Return everything a plan's dashboard shows, in a fixed number of queries.

    Each indicator's year-end forecast comes from the values already read: from signed-off figures for the
    strategic group, with drafts (provisional) for the user who enters or answers for it, as the plan's indicator
    links say (permissions.sees_drafts_expression) in the query that reads them anyway.
    """
    current = (
        Return.objects.filter(plan=plan).select_related("round__period").order_by("-round__period__start").first()
    )
    year = default_year(plan, current, None)
    links = list(
        PlanIndicator.objects.filter(plan=plan).select_related("indicator__baseline_period")
        .annotate(sees_drafts=permissions.sees_drafts_expression(user)).order_by("position", "pk")
    )
    indicator_ids = [link.indicator_id for link in links]
    values: dict[int, list[IndicatorValue]] = defaultdict(list)
    for value in IndicatorValue.objects.filter(indicator__in=indicator_ids).select_related("period"):
        values[value.indicator_id].append(value)
    targets: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for indicator_id, target_year, value in IndicatorTarget.objects.filter(indicator__in=indicator_ids).values_list(
        "indicator_id", "year", "value"
    ):
        targets[indicator_id][target_year] = value
    panels, kind = [], plan.reporting_frequency
    for link in links:
        indicator = link.indicator
        series, rows = indicator_series(indicator, values[indicator.pk], targets[indicator.pk], kind=kind, years=plan.years)
        forecast = forecasts.forecast_of(indicator, forecasts.points_of(values[indicator.pk], kind=kind), year=year,
                                         target=targets[indicator.pk].get(year), include_drafts=link.sees_drafts)
        panels.append(IndicatorPanel(link, with_forecast(series, forecast, kind=kind), rows,
                                     assess(indicator, values[indicator.pk], targets[indicator.pk]), forecast))
    return PlanDashboard(
        plan=plan, year=year, current=current, panels=panels, flow_rows=_flow_rows(plan, current, year),
        funding=_funding(plan), heat_map=_heat_map(plan), budget=_budget(plan),
    )


def _flow_rows(plan: Plan, current: Return | None, year: int) -> list[FlowRow]:
    """Return the actions of each flow category with their RAG in the current return and outputs so far this year.

    An action in two categories counts in both. Outputs count only for actions with a target for the year that
    reported outputs in the plan's returns of the year up to the current one: an action that reported none (blank,
    or not available) adds neither a 0 nor its target.
    """
    so_far = ProgressReport.objects.filter(action=OuterRef("pk"), outputs_achieved__isnull=False)
    if current is not None:
        period = current.round.period
        so_far = so_far.filter(
            report__plan=plan, report__round__period__kind=period.kind,
            report__round__period__start__gte=date(year, 4, 1), report__round__period__start__lte=period.start,
        )
    else:
        so_far = so_far.none()
    actions = (
        DeliveryAction.objects.filter(plan=plan)
        .annotate(
            rag_now=Subquery(ProgressReport.objects.filter(report=current, action=OuterRef("pk")).values("rag")[:1])
            if current else Value(""),
            year_target=Subquery(ActionTarget.objects.filter(action=OuterRef("pk"), year=year).values("value")[:1]),
            outputs_so_far=Subquery(so_far.order_by().values("action").annotate(total=Sum("outputs_achieved"))
                                    .values("total")[:1]),
        )
        .values("on_flow", "flow_time", "off_flow", "rag_now", "year_target", "outputs_so_far")
    )
    rows = {name: FlowRow(label) for name, label in FLOW_CATEGORIES}
    unclassed = FlowRow(NOT_CLASSED)
    for action in actions:
        chosen = [rows[name] for name, _ in FLOW_CATEGORIES if action[name]] or [unclassed]
        for row in chosen:
            row.actions += 1
            if action["rag_now"] in ("green", "amber", "red"):
                setattr(row, action["rag_now"], getattr(row, action["rag_now"]) + 1)
            if action["year_target"] is not None:
                row.with_target += 1
                if action["outputs_so_far"] is not None:
                    row.reported += 1
                    row.target += action["year_target"]
                    row.outputs += action["outputs_so_far"]
    result = [row for row in rows.values() if row.actions]
    return [*result, unclassed] if unclassed.actions else result


def _funding(plan: Plan) -> FundingView:
    """Return the plan's funding lines with their amounts by year, and the totals of each line, year and all."""
    lines = list(
        FundingLine.objects.filter(plan=plan).order_by("position")
        .prefetch_related(Prefetch("amounts", queryset=FundingAmount.objects.order_by("year")))
    )
    totals = {year: Total() for year in plan.years}
    grand = Total()
    rows = []
    for line in lines:
        amounts = {amount.year: amount for amount in line.amounts.all()}
        line_total = Total()
        for amount in amounts.values():
            for total in (line_total, totals.setdefault(amount.year, Total()), grand):
                total.add(amount)
        rows.append(FundingRow(line, [amounts.get(year) for year in plan.years], line_total))
    return FundingView([periods.year_label(year) for year in plan.years], rows, [totals[year] for year in plan.years], grand)


def _budget(plan: Plan) -> BudgetView | None:
    """Return the plan's medium-term budget table with its derived rows worked out, in two queries; none for a plan
    without one when the plan came with its budget table joined (select_related("budget_table"))."""
    table: BudgetTable | None = getattr(plan, "budget_table", None)  # RelatedObjectDoesNotExist: none
    if table is None:
        return None
    years = list(BudgetYear.objects.filter(table=table).order_by("year"))
    rows = table.grid(years=years, entries=list(BudgetEntry.objects.filter(table=table)))
    return BudgetView(table, years, [as_printed(row) for row in rows])


def _heat_map(plan: Plan) -> HeatMap:
    risks = list(Risk.objects.filter(plan=plan).select_related("owner").order_by("position"))
    assessed = [risk for risk in risks if risk.score is not None]
    cells = {(likelihood, impact): HeatCell(likelihood, impact, []) for likelihood in range(1, 6) for impact in range(1, 6)}
    for risk in assessed:
        cells[(risk.likelihood, risk.impact)].risks.append(risk)
    rows = [HeatRow(likelihood, [cells[(likelihood, impact)] for impact in range(1, 6)]) for likelihood in range(5, 0, -1)]
    return HeatMap(rows, assessed, [risk for risk in risks if risk.score is None])

"""The typed context of a plan's monitoring report for one period: the plan page's document plus the return.

The plan itself (header, sections, actions, indicators, funding, budget, risks, priorities) comes from
monitoring.plan_document.plan_document, the plan page's own reading, so the report and the page never disagree.
What the report adds is the period: each action's progress (narrative, RAG, outputs against the year's target)
and each indicator's values for the report's year up to its period, with RAG, commentary and "Target met" at
the year's end. Every list is read in a fixed number of queries, whatever the size of the plan.
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from indicators import performance
from indicators.models import EntryStatus, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import forecasts, plan_document
from monitoring.cycle.selectors.outputs import Outputs, annotated_outputs, return_actions
from monitoring.models import ProgressReport, ReportingRound, Return
from monitoring.sealed_setup import SealedSetup
from plans import periods
from plans.models import DeliveryAction, Period, Plan

RAG_LABELS = {performance.GREEN: "Green", performance.AMBER: "Amber", performance.RED: "Red"}
STATUS_LABELS = dict(EntryStatus.choices)
# The RAG statuses an exception report lists, worst first.
EXCEPTIONS = [performance.RED, performance.AMBER]
SECTION_TEMPLATE = "monitoring/reports/print/sections/{kind}.html"


class ReportError(Exception):
    """A report that cannot be made: an unknown plan, a period that is not one, a plan with no return then."""


# ---------------------------------------------------------------------------------------------------------
# Finding what to report on


def find_plan(reference: str) -> Plan:
    """Return the plan with the reference ('NI 152', any case); raise ReportError if there is none."""
    plan = Plan.objects.select_related("lead_organisation").filter(reference__iexact=reference.strip()).first()
    if plan is None:
        raise ReportError(f"No plan has the reference {reference!r}.")
    return plan


def find_period(code: str) -> Period:
    """Return the stored period for a code such as '2008/09-Q1'; raise ReportError if it names none in use."""
    try:
        span = periods.parse(code)
    except periods.PeriodError as error:
        raise ReportError(str(error)) from None
    period = Period.objects.filter(kind=span.kind, start=span.start).first()
    if period is None or not ReportingRound.objects.filter(period=period).exists():
        raise ReportError(f"No reporting round has been opened for {span.label}.")
    return period


def find_return(plan: Plan, period: Period) -> Return:
    """Return the plan's return for the period; raise ReportError if the plan was not asked to report then."""
    report = (
        Return.objects.select_related("round__period", "plan__lead_organisation", "signed_off_by__person")
        .filter(plan=plan, round__period=period)
        .first()
    )
    if report is None:
        raise ReportError(f"{plan.reference} has no return for {period.label}.")
    return report


def returns_in_period(period: Period, references: list[str] | None = None) -> list[Return]:
    """Return the returns of the period's round in plan order: every plan's, or the named plans' only."""
    if references:
        plans = [find_plan(reference) for reference in references]
        return [find_return(plan, period) for plan in dict.fromkeys(plans)]
    returns = list(
        Return.objects.select_related("round__period", "plan__lead_organisation", "signed_off_by__person")
        .filter(round__period=period)
        .order_by("plan__reference")
    )
    if not returns:
        raise ReportError(f"No plan has a return for {period.label}.")
    return returns


# ---------------------------------------------------------------------------------------------------------
# The report's rows


@dataclass
class ProgressCell:
    """An action's progress in the period, as its Progress cell prints it."""

    progress: ProgressReport | None
    outputs: Outputs
    period_word: str
    year_label: str

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else EntryStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        """Return the entry's status where it is not final: 'Draft', 'Not started'; '' once signed off."""
        return "" if self.status == EntryStatus.SIGNED_OFF else STATUS_LABELS.get(self.status, self.status)

    @property
    def rag(self) -> str:
        return self.progress.rag if self.progress else ""

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag, "")

    @property
    def narrative(self) -> str:
        return self.progress.narrative if self.progress else ""

    @property
    def rag_reason(self) -> str:
        """Return why the officer chose a RAG other than the one the outputs suggest, or ''."""
        return self.progress.rag_reason if self.progress else ""

    @property
    def outputs_text(self) -> str:
        """Return 'Outputs: 61 this quarter; 61 of 275 in 2008/09 (22%)', or '' with no target and no outputs.

        Blank is not zero: outputs not entered are 'not reported' (or 'not available', with the officer's reason).
        """
        outputs = self.outputs
        if outputs.this_period is not None:
            this_period = f"{_number(outputs.this_period)} this {self.period_word}"
        elif outputs.not_available_reason:
            this_period = f"not available this {self.period_word} ({outputs.not_available_reason})"
        else:
            this_period = f"not reported this {self.period_word}"
        if outputs.target is not None:
            if not outputs.reported:
                return f"Outputs: {this_period}; none reported in {self.year_label} (target {_number(outputs.target)})"
            share = f" ({_number(outputs.share)}%)" if outputs.share is not None else ""
            return (
                f"Outputs: {this_period}; {_number(outputs.so_far)} of "
                f"{_number(outputs.target)} in {self.year_label}{share}"
            )
        if outputs.this_period is not None:
            return f"Outputs: {this_period}"
        return ""


@dataclass
class ReportActionRow:
    row: plan_document.ActionRow
    progress: ProgressCell

    @property
    def action(self) -> DeliveryAction:
        return self.row.action


@dataclass
class ReportActionBlock:
    group: object
    rows: list[ReportActionRow]


@dataclass
class ValueCell:
    """An indicator's value in one period of the report's year."""

    label: str
    value: IndicatorValue | None
    text: str
    rag: str | None
    is_report_period: bool

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag or "", "")


@dataclass
class ReportIndicatorRow:
    """An indicator's line in the report: the plan page's row, the year's target, its values and the verdict."""

    row: plan_document.IndicatorRow
    target: Decimal | None
    target_text: str
    cells: list[ValueCell]
    current: IndicatorValue | None
    rag: str | None
    target_met: bool | None
    chart_svg: str = ""
    chart_description: str = ""
    forecast: forecasts.ForecastView | None = None  # from signed-off values only: the committee's figures

    @property
    def indicator(self):
        return self.row.indicator

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag or "", "")

    @property
    def current_text(self) -> str:
        return self.indicator.format_value(self.current.value) if self.current else ""

    @property
    def target_met_text(self) -> str:
        return "" if self.target_met is None else ("Yes" if self.target_met else "No")

    @property
    def chart_src(self) -> str:
        """Return the chart as a data: URL for an <img>, the one kind of URL the PDF renderer takes."""
        return CHART_URL_PREFIX + base64.b64encode(self.chart_svg.encode()).decode("ascii")


@dataclass
class ReportPriority:
    view: plan_document.PriorityView
    activities: list[tuple[DeliveryAction, ProgressCell]]


@dataclass
class ExceptionRow:
    """A red or amber indicator or action, with the commentary of the officer who reported it."""

    plan: Plan
    kind: str
    reference: str
    title: str
    rag: str
    figure: str
    commentary: str
    reported_by: str
    forecast: str = ""  # the year-end forecast, where it is unlikely to meet the target

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag, "")


@dataclass
class PlanReport:
    """Everything a plan's monitoring report for one period prints, in the plan's own order."""

    document: plan_document.PlanDocument
    report: Return
    produced: date
    period_labels: list[str]
    year_label: str
    period_word: str
    is_year_end: bool
    action_blocks: list[ReportActionBlock] = field(default_factory=list)
    priorities: list[ReportPriority] = field(default_factory=list)
    headline: ReportIndicatorRow | None = None
    supporting: list[ReportIndicatorRow] = field(default_factory=list)
    action_exceptions: list[ExceptionRow] = field(default_factory=list)

    @property
    def plan(self) -> Plan:
        return self.document.plan

    @property
    def period(self) -> Period:
        return self.report.round.period

    @property
    def is_draft(self) -> bool:
        """Return True until the return is signed off: every page then carries the DRAFT watermark."""
        return not self.report.is_signed_off

    @property
    def period_label(self) -> str:
        return self.period.label

    @property
    def period_months(self) -> str:
        return months_label(self.period)

    @property
    def title(self) -> str:
        return f"{self.plan.reference}: {self.plan.title}"

    @property
    def document_title(self) -> str:
        return f"{self.title} – monitoring report {self.period_label}"

    @property
    def signed_off_by(self) -> str:
        user = self.report.signed_off_by
        if user is None:
            return ""
        person = getattr(user, "person", None)
        return person.name if person else (user.get_full_name() or user.get_username())

    @property
    def indicator_rows(self) -> list[ReportIndicatorRow]:
        return ([self.headline] if self.headline else []) + self.supporting

    @property
    def charts(self) -> list[ReportIndicatorRow]:
        return [row for row in self.indicator_rows if row.chart_svg]

    @property
    def chart_rows(self) -> list[list[ReportIndicatorRow]]:
        """Return the charts two by two, as the report lays them out side by side."""
        charts = self.charts
        return [charts[index:index + 2] for index in range(0, len(charts), 2)]

    @property
    def forecasts(self) -> list[ReportIndicatorRow]:
        """Return the indicator rows with a forecast (those with a target for the year)."""
        return [row for row in self.indicator_rows if row.forecast]

    @property
    def exceptions(self) -> list[ExceptionRow]:
        """Return the red and amber indicators and those unlikely to meet the year's target (whatever their RAG),
        then the red and amber actions, red first."""
        indicators = [
            ExceptionRow(
                plan=self.plan, kind="Indicator", reference=row.row.reference, title=row.indicator.name,
                rag=row.rag or "", figure=f"{row.indicator.format_value(row.current.value)} against a target of "
                f"{row.target_text}" if row.current else "",
                commentary=row.current.commentary if row.current else "",
                reported_by=row.indicator.data_expert.name if row.indicator.data_expert else "",
                forecast=row.forecast.summary if row.forecast and row.forecast.is_at_risk else "",
            )
            for row in self.indicator_rows
            if row.rag in EXCEPTIONS or (row.forecast and row.forecast.is_at_risk)
        ]
        rows = indicators + self.action_exceptions
        return sorted(rows, key=lambda row: (row.kind != "Indicator", _rank(row.rag)))


def _rank(rag: str) -> int:
    """Return where a RAG status comes in an exception report: red, amber, then the rest (green or none)."""
    return EXCEPTIONS.index(rag) if rag in EXCEPTIONS else len(EXCEPTIONS)


def months_label(period: Period) -> str:
    """Return the months a period covers: 'April to June 2008', 'October 2008 to March 2009'."""
    start, end = period.start, period.end
    if start.year == end.year:
        return f"{start:%B} to {end:%B %Y}" if start.month != end.month else f"{start:%B %Y}"
    return f"{start:%B %Y} to {end:%B %Y}"


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value.normalize():,f}"


# ---------------------------------------------------------------------------------------------------------
# Building the report


def plan_report(report: Return, *, produced: date | None = None, charts: bool = True) -> PlanReport:
    """Return the context of the plan's monitoring report for the return's period."""
    plan = report.plan
    period = report.round.period
    span = period.span
    document = plan_document.plan_document(plan)
    setup = SealedSetup.of(report)
    if setup:
        _as_signed_off(document, setup, span.financial_year)
    per_year = 12 // periods.MONTHS_IN[span.kind]
    context = PlanReport(
        document=document,
        report=report,
        produced=produced or timezone.localdate(),
        period_labels=[f"{periods.PREFIX[span.kind]}{number}" for number in range(1, per_year + 1)],
        year_label=periods.year_label(span.financial_year),
        period_word="quarter" if span.kind == periods.QUARTER else "half year",
        is_year_end=span.number == per_year,
    )
    actions = return_actions(report, DeliveryAction.objects.select_related("lead_officer").order_by("position"))
    progress = {entry.action_id: entry for entry in ProgressReport.objects.filter(report=report)}
    outputs = annotated_outputs(actions, progress)
    cells = {
        action.pk: ProgressCell(progress.get(action.pk), outputs[action.pk], context.period_word, context.year_label)
        for action in actions
    }
    context.action_blocks = [
        ReportActionBlock(block.group, [ReportActionRow(row, cells[row.action.pk]) for row in block.rows])
        for block in document.action_blocks
    ]
    context.priorities = [
        ReportPriority(view, [(action, cells[action.pk]) for action in view.activities if action.pk in cells])
        for view in document.priorities
    ]
    context.action_exceptions = [
        ExceptionRow(
            plan=plan, kind="Action", reference=action.reference, title=action.title, rag=cells[action.pk].rag,
            figure=cells[action.pk].outputs_text.removeprefix("Outputs: "), commentary=cells[action.pk].narrative,
            reported_by=action.lead_officer.name if action.lead_officer else action.lead_text,
        )
        for action in actions
        if cells[action.pk].rag in EXCEPTIONS
    ]
    _add_indicators(context, charts=charts)
    return context


def _as_signed_off(document: plan_document.PlanDocument, setup: SealedSetup, year: int) -> None:
    """Make the plan's document read as the signed-off return was read: only the actions and indicators it held,
    with the references, titles, roles, targets for the year, units, places and polarity signed off."""
    years = [column.year for column in document.years]
    for block in document.action_blocks:
        block.rows = [row for row in block.rows if row.action.pk in setup.actions]
        setup.held_actions([row.action for row in block.rows])
        for row in block.rows:
            row.targets = [
                row.action.output_target if each == year else target
                for each, target in zip(years, row.targets, strict=True)
            ]
    document.action_blocks = [block for block in document.action_blocks if block.rows]
    for view in document.priorities:
        view.activities = setup.held_actions(view.activities)
    rows = {row.link.pk: row for row in [document.headline, *document.supporting] if row}
    links = setup.held_links([row.link for row in rows.values()])
    for link in links:
        rows[link.pk].targets = [
            link.indicator.format_value(link.year_target if each == year else getattr(link, f"target_{each}"))
            for each in years
        ]
    held = [rows[link.pk] for link in links]
    document.headline = next((row for row in held if row.link.role == PlanIndicator.Role.HEADLINE), None)
    document.supporting = [row for row in held if row is not document.headline]


def _add_indicators(context: PlanReport, *, charts: bool) -> None:
    """Fill the indicator rows: the year's values up to the report's period, RAG, target met, charts."""
    document, period = context.document, context.period
    span = period.span
    rows = ([document.headline] if document.headline else []) + document.supporting
    ids = [row.indicator.pk for row in rows]
    plan_start = periods.periods_in_year(context.plan.first_year, span.kind)[0].start
    # Every value up to the period, the years before the plan's too: the forecast learns from the whole history.
    values = (
        IndicatorValue.objects.filter(indicator__in=ids, period__kind=span.kind, period__start__lte=span.start)
        .select_related("period")
        .order_by("period__start")
    )
    by_indicator: dict[int, dict[date, IndicatorValue]] = defaultdict(dict)
    signed_off = defaultdict(list)  # the committee's forecasts rest on signed-off figures only
    for value in values:
        if value.period.start >= plan_start:
            by_indicator[value.indicator_id][value.period.start] = value
        if value.is_signed_off:
            signed_off[value.indicator_id].append(value)
    year = span.financial_year
    targets = {
        (target.indicator_id, target.year): target.value
        for target in IndicatorTarget.objects.filter(indicator__in=ids)
    }
    setup = SealedSetup.of(context.report)
    if setup:  # the year's targets as signed off: one set since is left out, one removed since comes back
        for pk in ids:
            kept = setup.indicator_target(pk)
            if kept is None:
                targets.pop((pk, year), None)
            else:
                targets[pk, year] = kept
    year_periods = periods.periods_in_year(year, span.kind)
    report_rows = []
    for row in rows:
        indicator = row.indicator
        target = targets.get((indicator.pk, year))
        found = by_indicator.get(indicator.pk, {})
        cells = []
        for number, cell_span in enumerate(year_periods, start=1):
            value = found.get(cell_span.start) if cell_span.start <= span.start else None
            cells.append(ValueCell(
                label=f"{periods.PREFIX[span.kind]}{number}",
                value=value,
                text=indicator.format_value(value.value) if value else "",
                rag=performance.rag(indicator, value.value, target) if value else None,
                is_report_period=cell_span == span,
            ))
        current = found.get(span.start)
        rag = performance.rag(indicator, current.value, target) if current else None
        report_row = ReportIndicatorRow(
            row=row,
            target=target,
            target_text=indicator.format_value(target),
            cells=cells,
            current=current,
            rag=rag,
            target_met=None if not context.is_year_end or rag is None else rag == performance.GREEN,
            forecast=forecasts.forecast_of(indicator, forecasts.points_of(signed_off[indicator.pk], kind=span.kind),
                                           year=year, target=target, include_drafts=False),
        )
        if charts:
            report_row.chart_svg, report_row.chart_description = _chart(context, row, found, targets,
                                                                        report_row.forecast)
        report_rows.append(report_row)
    if document.headline:
        context.headline, context.supporting = report_rows[0], report_rows[1:]
    else:
        context.supporting = report_rows


def _chart(
    context: PlanReport, row: plan_document.IndicatorRow, found: dict, targets: dict,
    forecast: forecasts.ForecastView | None,
) -> tuple[str, str]:
    """Return the indicator's chart (values by period over the plan's years, and the year-end forecast's range) as
    SVG, and what it shows in words.

    Both are '' while the indicator has no values.
    """
    if not found:
        return "", ""
    from monitoring.dashboards import charts  # matplotlib loads only when a report draws a chart
    from monitoring.dashboards.selectors.series import with_forecast

    indicator = row.indicator
    kind = context.period.kind
    points = []
    for year in context.plan.years:
        for span in periods.periods_in_year(year, kind):
            value = found.get(span.start)
            points.append(charts.SeriesPoint(
                period=span.label, year=periods.year_label(year),
                value=value.value if value else None, provisional=bool(value and value.is_provisional),
            ))
    series = charts.IndicatorSeries(
        title=f"{row.reference or indicator.name}: values by {context.period_word}",
        points=points,
        unit=indicator.unit,
        decimal_places=indicator.decimal_places,
        baseline=indicator.baseline_value,
        baseline_label=indicator.baseline_period.label if indicator.baseline_period_id else "",
        targets=[
            charts.YearTarget(periods.year_label(year), targets[(indicator.pk, year)])
            for year in context.plan.years
            if (indicator.pk, year) in targets
        ],
    )
    series = with_forecast(series, forecast, kind=kind)
    return _fit(charts.indicator_chart_svg(series)), charts.indicator_chart_description(series)


# The report prints a chart as an <img> of its SVG, not as inline SVG: WeasyPrint then parses the chart with the
# XML parser instead of the HTML one, and leaves its elements out of the page's CSS cascade. The text stays text.
CHART_URL_PREFIX = "data:image/svg+xml;base64,"
_ROOT_SIZE = re.compile(r'^(<svg\b[^>]*?)\s(?:width|height)="[^"]*"([^>]*?)\s(?:width|height)="[^"]*"')
_GROUP_TAG = re.compile(r"<(/?)g\b([^>]*)>")


def _fit(svg: str) -> str:
    """Return the chart for the report: the root's fixed width and height dropped, so that the print stylesheet
    sizes it (the viewBox stays), and its empty groups unwrapped."""
    return _unwrap_bare_groups(_ROOT_SIZE.sub(r"\1\2", svg, count=1))


def _unwrap_bare_groups(svg: str) -> str:
    """Drop every <g> that has no attributes, keeping its children: such a group changes nothing in the picture,
    but matplotlib writes one around almost every element, and each costs WeasyPrint a node to draw."""
    parts, kept, position = [], [], 0
    for match in _GROUP_TAG.finditer(svg):
        parts.append(svg[position:match.start()])
        position = match.end()
        attributes = match[2].strip()
        if match[1]:  # </g>: kept if its <g> was
            if kept.pop():
                parts.append(match[0])
        elif attributes.endswith("/"):  # <g/> or <g .../>: empty either way
            if attributes.rstrip("/").strip():
                parts.append(match[0])
        else:
            kept.append(bool(attributes))
            if attributes:
                parts.append(match[0])
    parts.append(svg[position:])
    return "".join(parts)


def exception_rows(reports: list[PlanReport]) -> list[ExceptionRow]:
    """Return every red and amber indicator and action of the reports, plan by plan."""
    return [row for report in reports for row in report.exceptions]

"""Reads for the plan list and the plan page (the home page's are in homes.py): one function per page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from monitoring.models import Return
from monitoring.plan_document import PlanDocument, plan_document
from monitoring.reports import (
    PlanReport,
    ReportActionBlock,
    ReportActionRow,
    ReportIndicatorRow,
    ReportPriority,
    ValueCell,
    plan_report,
)
from plans import periods
from plans.models import Plan


def plan_list_queryset() -> QuerySet[Plan]:
    """Return every plan with what the plan list shows, in reference order."""
    return Plan.objects.select_related("lead_organisation").order_by("reference")


def plan_for_page() -> QuerySet[Plan]:
    """Return the plans as the plan page opens them: with the lead partner and the budget table joined in."""
    return Plan.objects.select_related("lead_organisation", "budget_table")


@dataclass
class PeriodChoice:
    code: str
    label: str
    has_return: bool
    selected: bool


@dataclass
class PlanMonitoring:
    """The plan page's period: which one is shown, the periods to choose from, and the monitoring of it.

    `report` is the plan's monitoring report for the period (monitoring.reports.plan_report, the one reading of a
    return for the page and the PDF alike), or None while the period has no return.
    """

    plan: Plan
    periods: list[PeriodChoice]
    period_label: str
    report: PlanReport | None
    error: str = ""

    @property
    def period_errors(self) -> list[dict]:
        return [{"href": "#period", "text": self.error}] if self.error else []

    @cached_property
    def document(self) -> PlanDocument:
        return self.report.document if self.report else plan_document(self.plan)

    @property
    def action_blocks(self) -> list[ReportActionBlock]:
        """Return the delivery plan's blocks of rows, each row with its progress in the period (None with no
        return)."""
        if self.report:
            return self.report.action_blocks
        return [ReportActionBlock(block.group, [ReportActionRow(row, None) for row in block.rows])
                for block in self.document.action_blocks]

    @property
    def priorities(self) -> list[ReportPriority]:
        """Return the service plan's priorities, each key activity with its progress in the period (None with no
        return)."""
        if self.report:
            return self.report.priorities
        return [ReportPriority(view, [(action, None) for action in view.activities]) for view in self.document.priorities]

    @property
    def headline(self) -> ReportIndicatorRow | None:
        if self.report:
            return self.report.headline
        return self._unreported(self.document.headline) if self.document.headline else None

    @property
    def supporting(self) -> list[ReportIndicatorRow]:
        if self.report:
            return self.report.supporting
        return [self._unreported(row) for row in self.document.supporting]

    def _unreported(self, row) -> ReportIndicatorRow:
        """Return the indicator's row with the plan's first target and its period cells blank: no return yet."""
        blank = [ValueCell(label, None, "", None, False) for label in self.document.reporting_periods]
        return ReportIndicatorRow(row, None, row.targets[0], blank, None, None, None)


def plan_monitoring(plan: Plan, code: str) -> PlanMonitoring:
    """Return the plan page's monitoring for the period coded (2008/09-Q4), or by default for the latest period with
    a return. A code that names no period of the plan's years is answered with the rule, and the default shown."""
    returns = {
        report.round.period.code: report
        for report in Return.objects.filter(plan=plan)
        .select_related("round__period", "plan__lead_organisation", "signed_off_by__person")
    }
    spans = [span for year in plan.years for span in periods.periods_in_year(year, plan.reporting_frequency)]
    codes = [span.code for span in spans]
    error = ""
    code = code.strip()
    if code and code not in codes:
        error = _period_rule(plan, code, spans)
        code = ""
    if not code:
        code = max((each for each in returns if each in codes), key=codes.index, default="")
    choices = [PeriodChoice(span.code, span.label, span.code in returns, span.code == code) for span in spans]
    report = returns.get(code)
    label = next((choice.label for choice in choices if choice.selected), "")
    return PlanMonitoring(
        plan=plan,
        periods=choices,
        period_label=label,
        report=plan_report(report, charts=False) if report else None,
        error=error,
    )


def _period_rule(plan: Plan, code: str, spans: list) -> str:
    try:
        periods.parse(code)
    except periods.PeriodError as error:
        return str(error)
    return (
        f"{plan.reference} reports {plan.get_reporting_frequency_display().lower()} from {spans[0].label} to "
        f"{spans[-1].label}: choose one of those periods."
    )

"""PDF monitoring reports for committee: a plan's report for one period, and the committee pack.

Context first (monitoring.reports.context), then HTML from Django templates (templates/monitoring/reports/print/),
then PDF (monitoring.reports.pdf, WeasyPrint). A plan's report is one document (monitoring.reports.plan); a
committee pack is rendered part by part and joined with pypdf (monitoring.reports.pack). The report pages (views,
urls) and the background task that builds a pack (tasks) live here too.
"""

from monitoring.reports.context import (
    ExceptionRow,
    PlanReport,
    ReportActionBlock,
    ReportActionRow,
    ReportError,
    ReportIndicatorRow,
    ReportPriority,
    ValueCell,
    find_period,
    find_plan,
    find_return,
    plan_report,
    returns_in_period,
)
from monitoring.reports.pack import PackResult, committee_pack, committee_pack_filename
from monitoring.reports.pdf import Budget, Rendered, TooLong
from monitoring.reports.plan import plan_report_context, plan_report_filename, plan_report_html, plan_report_pdf

__all__ = [
    "Budget",
    "ExceptionRow",
    "PackResult",
    "PlanReport",
    "Rendered",
    "ReportActionBlock",
    "ReportActionRow",
    "ReportError",
    "ReportIndicatorRow",
    "ReportPriority",
    "TooLong",
    "ValueCell",
    "committee_pack",
    "committee_pack_filename",
    "find_period",
    "find_plan",
    "find_return",
    "plan_report",
    "plan_report_context",
    "plan_report_filename",
    "plan_report_html",
    "plan_report_pdf",
    "returns_in_period",
]

"""PDF monitoring reports for committee: a plan's report for one period, and the committee pack.

Context first (monitoring.reports.context), then HTML from Django templates (templates/reports/), then PDF
(monitoring.reports.pdf, WeasyPrint); a committee pack is rendered part by part and joined with pypdf
(monitoring.reports.pack).
"""

from __future__ import annotations

from datetime import date

from django.utils.text import slugify

from monitoring.models import Return
from monitoring.reports.context import (
    PlanReport,
    ReportError,
    find_period,
    find_plan,
    find_return,
    plan_report,
    returns_in_period,
)
from monitoring.reports.pdf import Rendered, render_html, render_pdf

__all__ = [
    "PlanReport",
    "Rendered",
    "ReportError",
    "find_period",
    "find_plan",
    "find_return",
    "plan_report",
    "plan_report_context",
    "plan_report_filename",
    "plan_report_pdf",
    "returns_in_period",
]

PLAN_TEMPLATE = "reports/plan_report.html"


def plan_report_context(report: PlanReport, *, numbered: bool = True) -> dict:
    """Return the template context of a plan's report: the report, the plan page's document, the page texts."""
    return {
        "r": report,
        "document": report.document,
        "title": report.document_title,
        "header_left": report.title,
        "header_right": f"Monitoring report {report.period_label}",
        "produced": report.produced,
        "is_draft": report.is_draft,
        "numbered": numbered,
    }


def plan_report_pdf(report: Return, *, produced: date | None = None) -> Rendered:
    """Return the PDF of the plan's monitoring report for the return's period."""
    context = plan_report(report, produced=produced)
    return render_pdf(PLAN_TEMPLATE, plan_report_context(context))


def plan_report_html(report: Return, *, produced: date | None = None) -> str:
    return render_html(PLAN_TEMPLATE, plan_report_context(plan_report(report, produced=produced)))


def plan_report_filename(report: Return) -> str:
    """Return the download's file name: 'ni-152-2008-09-q1.pdf'."""
    return f"{slugify(report.plan.reference)}-{slugify(report.round.period.code)}.pdf"

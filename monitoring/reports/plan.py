"""A plan's monitoring report for one period: its template context, its PDF and its file name."""

from __future__ import annotations

from datetime import date

from django.utils.text import slugify

from monitoring.models import Return
from monitoring.reports.context import PlanReport, plan_report
from monitoring.reports.pdf import Budget, Rendered, render_html, render_pdf

PLAN_TEMPLATE = "monitoring/reports/print/plan_report.html"


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


def plan_report_pdf(report: Return, *, produced: date | None = None, budget: Budget | None = None) -> Rendered:
    """Return the PDF of the plan's monitoring report for the return's period; with a budget, raise TooLong
    rather than go past it."""
    context = plan_report(report, produced=produced)
    if budget is not None:
        budget.check("the context")
    return render_pdf(PLAN_TEMPLATE, plan_report_context(context), budget=budget)


def plan_report_html(report: Return, *, produced: date | None = None) -> str:
    return render_html(PLAN_TEMPLATE, plan_report_context(plan_report(report, produced=produced)))


def plan_report_filename(report: Return) -> str:
    """Return the download's file name: 'ni-152-2008-09-q1.pdf', 'cs-2012-13-2012-13-h1.pdf'."""
    return f"{_slug(report.plan.reference)}-{_slug(report.round.period.code)}.pdf"


def _slug(text: str) -> str:
    return slugify(text.replace("/", "-"))

"""Dashboards for the strategic group: the overview, who has not reported, a plan's dashboard, an indicator.

Any signed-in user reads them (the login middleware sees to signing in); only a performance officer sends the
reminder to those late. Reads go through monitoring.dashboards.selectors; charts are drawn by monitoring.dashboards.charts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_tables2.export import TableExport

from monitoring import notifications, permissions, services
from monitoring.dashboards import charts, selectors
from monitoring.dashboards.filters import OverviewFilter
from monitoring.dashboards.tables import OverviewData, OverviewExportTable, OverviewTable
from monitoring.models import ReportingRound
from monitoring.spreadsheets.files import SafeTableExport
from monitoring.tables import PagingConfig
from plans.models import Plan

PLANS_PER_PAGE = 25
EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)


def inline_svg(svg: str) -> SafeString:
    """Return a chart for inline use. Only the SVG of monitoring.dashboards.charts comes here: drawn and escaped there."""
    return mark_safe(svg)  # noqa: S308


@require_GET
def overview(request):
    overview_filter = OverviewFilter(request.GET, queryset=Plan.objects.all())
    rows = selectors.OverviewRows(overview_filter.qs, year=overview_filter.chosen_year, rag=overview_filter.chosen_rag,
                                  at_risk=overview_filter.chosen_at_risk)
    export_format = request.GET.get("_export")
    if export_format in EXPORT_FORMATS:
        table = OverviewExportTable(OverviewData(rows))
        PagingConfig(request, paginate=False).configure(table)
        exporter = SafeTableExport(export_format, table, dataset_kwargs={"title": "Overview"})
        return exporter.response(f"overview.{export_format}")
    table = OverviewTable(OverviewData(rows))
    PagingConfig(request, paginate={"per_page": PLANS_PER_PAGE}).configure(table)
    return render(request, "monitoring/dashboards/overview.html", {
        "filter": overview_filter,
        "table": table,
        "is_filtered": any(request.GET.get(name) for name in overview_filter.filters),
    })


def _chosen_round(request) -> ReportingRound | None:
    chosen = request.GET.get("round")
    if not chosen:
        return selectors.default_round()
    if not (chosen.isascii() and chosen.isdecimal()):
        raise Http404("No such reporting round.")
    return get_object_or_404(ReportingRound.objects.select_related("period"), pk=chosen)


@require_GET
def not_reported(request):
    page = selectors.not_reported_page(reporting_round=_chosen_round(request))
    return render(request, "monitoring/dashboards/not_reported.html", {
        "page": page, "may_remind": permissions.is_performance_officer(request.user),
    })


@require_POST
def remind_late(request, pk):
    reporting_round = get_object_or_404(ReportingRound.objects.select_related("period"), pk=pk)
    if not permissions.is_performance_officer(request.user):
        raise PermissionDenied(services.NOT_PERFORMANCE_OFFICER)
    sent, unreachable = notifications.remind_late(reporting_round)
    if not reporting_round.is_overdue():
        messages.error(request, f"Round {reporting_round.period.label} is not overdue: nobody is late yet.")
    elif not sent and not unreachable:
        messages.success(request, f"Nobody is late in round {reporting_round.period.label}.")
    else:
        text = f"Reminder sent to {len(sent)} {'person' if len(sent) == 1 else 'people'}"
        text += f": {', '.join(person.name for person in sent)}." if sent else "."
        if unreachable:
            text += f" No email address for {', '.join(person.name for person in unreachable)}."
        messages.success(request, text)
    return redirect(f"{reverse('dashboard_not_reported')}?round={reporting_round.pk}")


@require_GET
def plan_dashboard(request, pk):
    plan = get_object_or_404(Plan.objects.select_related("lead_organisation", "budget_table"), pk=pk)
    dashboard = selectors.plan_dashboard(plan, user=request.user)
    return render(request, "monitoring/dashboards/plan_dashboard.html", {
        "dashboard": dashboard,
        "plan": plan,
        "indicator_panels": [(panel, inline_svg(charts.indicator_chart_svg(panel.series))) for panel in dashboard.panels],
        "flow_chart": inline_svg(charts.rag_chart_svg(dashboard.flow_chart)) if dashboard.flow_rows else "",
        "funding_chart": inline_svg(charts.funding_chart_svg(dashboard.funding_chart)) if dashboard.funding.rows else "",
        "budget_chart": inline_svg(charts.budget_chart_svg(dashboard.budget_chart)) if dashboard.budget else "",
    })


@require_GET
def indicator_detail(request, pk):
    indicator = get_object_or_404(selectors.indicator_for_page(pk))
    page = selectors.indicator_page(indicator, user=request.user)
    return render(request, "monitoring/dashboards/indicator_detail.html", {
        "page": page, "indicator": indicator, "chart": inline_svg(charts.indicator_chart_svg(page.series)),
    })

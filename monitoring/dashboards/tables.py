"""Tables of the dashboards (django-tables2, drawn by the GOV.UK table template).

The overview's rows are monitoring.dashboards.selectors.overview.OverviewRow objects from OverviewRows, which the
database orders and pages where the sort allows it; otherwise they are sorted in Python on keys the rows provide
(rag_order puts red first). The page (OverviewTable) shows a few rich columns; the CSV and XLSX exports
(OverviewExportTable) get plain columns instead, one fact each, with numbers left as numbers.
"""

from __future__ import annotations

from functools import lru_cache

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django_tables2.data import TableData
from django_tables2.utils import OrderBy, OrderByTuple

from monitoring.dashboards.selectors.overview import OverviewRows, read_overview_rows
from monitoring.tables import RecordCellTable


@lru_cache(maxsize=64)
def _tag(template: str, name: str, value: str) -> str:
    """Return a status or RAG tag drawn by the shared include (safe HTML), once per value."""
    return render_to_string(f"includes/{template}.html", {name: value})


class OverviewData(TableData):
    """The overview's rows as django-tables2 data: ordered and paged in the database where the sort allows it."""

    def __init__(self, rows: OverviewRows):
        super().__init__(rows)

    def __len__(self):
        return len(self.data)

    def order_by(self, aliases):
        """Order on the columns' accessors, as django-tables2's list data does, but in the database if it can."""
        accessors = []
        for alias in aliases:
            bound_column = self.table.columns[OrderBy(alias).bare]
            reverse = alias[0] != bound_column.order_by_alias[0]
            accessors += bound_column.order_by.opposite if reverse else bound_column.order_by
        if not self.data.order_in_database([str(accessor) for accessor in accessors]):
            self.data.every_row().sort(key=OrderByTuple(accessors).key)


class PageColumn(tables.Column):
    """A column shown on the page only. Its accessor must name something the row has: a failed lookup builds
    an error message from the row's repr, which costs a query per row."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, **kwargs)


class ExportColumn(tables.Column):
    """A column of the exported file only."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("visible", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)


class OverviewTable(RecordCellTable):
    """Every plan with its headline indicator assessed for the year and its current return.

    Each cell of the page is drawn by its render method from the row (monitoring.tables.RecordCellRow)."""

    plan = PageColumn(verbose_name="Plan", accessor="plan__reference", order_by=("plan__reference",))
    kind = PageColumn(verbose_name="Kind", accessor="plan__kind", order_by=("plan__kind", "plan__reference"))
    lead = PageColumn(verbose_name="Lead partner", accessor="plan__lead_organisation__short_name",
                      order_by=("plan__lead_organisation__short_name", "plan__reference"))
    indicator = PageColumn(verbose_name="Headline indicator", accessor="indicator_code",
                           order_by=("indicator_code", "plan__reference"))
    latest = PageColumn(verbose_name="Latest value", accessor="assessment", orderable=False)
    target = PageColumn(verbose_name="Target for the year", accessor="assessment", orderable=False)
    rag = PageColumn(verbose_name="RAG", accessor="assessment", order_by=("rag_order", "plan__reference"))
    direction = PageColumn(verbose_name="Direction of travel", accessor="assessment",
                           order_by=("trend_order", "plan__reference"))
    forecast = PageColumn(verbose_name="Year-end forecast", accessor="assessment",
                          order_by=("forecast_order", "plan__reference"))
    target_met = PageColumn(verbose_name="Target met (completed years)", accessor="completed_years", orderable=False)
    current = PageColumn(verbose_name="Current return", order_by=("return_order", "plan__reference"))

    class Meta:
        order_by = ("plan",)
        empty_text = "No plans match these filters."
        attrs = {"class": "govuk-table"}

    @property
    def caption(self) -> str:
        count = len(self.rows)
        return f"{count} plan{'' if count == 1 else 's'}"

    def before_render(self, request):
        """Read the facts of the rows this page shows, in one batch (the rest are never read unless sorted on)."""
        shown = self.page.object_list if self.page else self.rows
        read_overview_rows(bound_row.record for bound_row in shown)

    # --- the page

    def render_plan(self, record):
        plan = record.plan
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> dashboard</span></a>'
            '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{}</span>',
            reverse("plan_dashboard", args=[plan.pk]), plan.reference, plan.title,
        )

    def render_kind(self, record):
        return record.plan.get_kind_display()

    def render_lead(self, record):
        return record.plan.lead_organisation.short_name

    def render_indicator(self, record):
        if record.indicator is None:
            summary = record.return_rag
            if summary is None:
                return "No headline indicator"
            return format_html(
                'No single headline indicator<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">'
                "RAG of its {} return: {} actions and {} measures rated</span>",
                summary.period, summary.actions.total, summary.measures.total,
            )
        return format_html('<a class="govuk-link" href="{}">{}</a>', record.indicator.get_absolute_url(),
                           record.indicator_code)

    def render_latest(self, record):
        assessment = record.assessment
        if assessment.latest is None:
            return "No data" if record.indicator else ""
        html = format_html("{} <span class=\"govuk-body-s\">({})</span>", record.format(assessment.value),
                           assessment.latest.period)
        if assessment.is_provisional:
            html += format_html(' <strong class="govuk-tag govuk-tag--{}">{}</strong>', "yellow", "Provisional")
            signed = assessment.last_signed_off
            if signed is not None:
                html += format_html(
                    '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">'
                    "Last signed off: {} ({})</span>", record.format(signed.value), signed.period,
                )
        return html

    def render_target(self, record):
        if record.indicator is None:
            return ""
        if record.assessment.target is None:
            return f"No target for {record.year_label}"
        return f"{record.format(record.assessment.target)} for {record.year_label}"

    def render_rag(self, record):
        summary = record.return_rag
        if summary is not None:
            html = format_html('<span class="app-rag-counts">{}</span>', summary.label)
            if summary.is_provisional:
                html += format_html('<span class="govuk-body-s govuk-!-display-block">{}</span>', "provisional")
            return html
        assessment = record.assessment
        if assessment.rag is None:
            return assessment.rag_label if record.indicator else ""
        html = format_html("{}", _tag("_rag", "rag", assessment.rag))
        if assessment.is_provisional:
            html += format_html('<span class="govuk-body-s govuk-!-display-block">{}</span>', "provisional")
        return html

    def render_direction(self, record):
        if record.return_rag is not None:
            return record.return_rag.direction_heading
        return record.assessment.trend.label if record.indicator else ""

    def render_forecast(self, record):
        """Return the forecast's value, range and chance of meeting the target, from signed-off figures."""
        forecast = record.forecast
        if forecast is None:
            return ""
        if not forecast.enough_history:
            return "Not enough history to forecast"
        return format_html(
            '{} <span class="govuk-body-s">(80% range {})</span>'
            '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{}{}</span>',
            forecast.value_text, forecast.range_text, forecast.band_label,
            format_html(' <strong class="govuk-tag govuk-tag--{}">{}</strong>', "red", "At risk")
            if forecast.is_at_risk else "",
        )

    def render_target_met(self, record):
        if not record.completed_years:
            return "No completed year" if record.indicator else ""
        return format_html(
            '<ul class="govuk-list govuk-!-margin-bottom-0">{}</ul>',
            format_html_join("", "<li>{}: {}</li>", ((result.label, result.met_label) for result in record.completed_years)),
        )

    def render_current(self, record):
        summary = record.current
        if summary is None:
            return "No return yet"
        report = summary.report
        html = format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> return of {}</span></a> {}',
            report.get_absolute_url(), summary.period_label, record.plan.reference,
            _tag("_status", "status", report.status),
        )
        if summary.overdue:
            html += format_html(' <strong class="govuk-tag govuk-tag--{}">{}</strong>', "red", "Overdue")
        html += format_html(
            '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">'
            "{} of {} actions reported, {} submitted, {} signed off</span>",
            summary.reported, summary.actions_total, summary.submitted, summary.signed_off,
        )
        return html


class OverviewExportTable(OverviewTable):
    """The overview as a CSV or XLSX file: plain columns, one fact each, in the page's order.

    A class of its own so that the page does not copy and walk 26 columns it never shows.
    """

    export_reference = ExportColumn(verbose_name="Plan", accessor="plan__reference")
    export_title = ExportColumn(verbose_name="Title", accessor="plan__title")
    export_kind = ExportColumn(verbose_name="Kind", accessor="plan__get_kind_display")
    export_lead = ExportColumn(verbose_name="Lead partner", accessor="plan__lead_organisation__name")
    export_theme = ExportColumn(verbose_name="Theme", accessor="plan__theme")
    export_indicator = ExportColumn(verbose_name="Headline indicator", accessor="indicator_code")
    export_year = ExportColumn(verbose_name="Year", accessor="year_label")
    export_value = ExportColumn(verbose_name="Latest value", accessor="assessment__value")
    export_period = ExportColumn(verbose_name="Latest period", accessor="assessment__latest__period")
    export_provisional = ExportColumn(verbose_name="Provisional", accessor="assessment__is_provisional")
    export_signed_value = ExportColumn(verbose_name="Last signed-off value", accessor="assessment__last_signed_off__value")
    export_signed_period = ExportColumn(verbose_name="Last signed-off period",
                                        accessor="assessment__last_signed_off__period")
    export_target = ExportColumn(verbose_name="Target", accessor="assessment__target")
    export_rag = ExportColumn(verbose_name="RAG", accessor="assessment__rag_label")
    export_direction = ExportColumn(verbose_name="Direction of travel", accessor="assessment__trend__direction",
                                    empty_values=())  # a plan summed up by its return has a direction too
    export_trend_periods = ExportColumn(verbose_name="Periods in that direction", accessor="assessment__trend__periods")
    export_forecast = ExportColumn(verbose_name="Year-end forecast (signed-off figures)", accessor="forecast__value_text")
    export_forecast_low = ExportColumn(verbose_name="Forecast 80% range from", accessor="forecast__forecast__low")
    export_forecast_high = ExportColumn(verbose_name="Forecast 80% range to", accessor="forecast__forecast__high")
    export_forecast_chance = ExportColumn(verbose_name="Chance of meeting the target", accessor="forecast__band_label")
    export_forecast_basis = ExportColumn(verbose_name="Forecast based on", accessor="forecast__basis_label")
    export_target_met = ExportColumn(verbose_name="Target met (completed years)", accessor="completed_years")
    export_return = ExportColumn(verbose_name="Current return", accessor="current__period_label")
    export_return_status = ExportColumn(verbose_name="Return status", accessor="current__status_label")
    export_actions = ExportColumn(verbose_name="Actions", accessor="current__actions_total")
    export_reported = ExportColumn(verbose_name="Actions reported", accessor="current__reported")
    export_submitted = ExportColumn(verbose_name="Actions submitted", accessor="current__submitted")
    export_signed_off = ExportColumn(verbose_name="Actions signed off", accessor="current__signed_off")
    export_overdue = ExportColumn(verbose_name="Overdue", accessor="current__overdue")

    def value_export_value(self, record):
        return record.rounded(record.assessment.value)

    def value_export_signed_value(self, record):
        signed = record.assessment.last_signed_off
        return record.rounded(signed.value) if signed else None

    def value_export_target(self, record):
        return record.rounded(record.assessment.target)

    def value_export_rag(self, record):
        if record.return_rag is not None:
            return record.return_rag.label
        return record.assessment.rag_label if record.indicator else ""

    def value_export_provisional(self, value):
        return "Yes" if value else "No"

    def value_export_overdue(self, record):
        return "" if record.current is None else ("Yes" if record.current.overdue else "No")

    def value_export_direction(self, record):
        if record.return_rag is not None:
            return record.return_rag.direction_heading
        direction = record.assessment.trend.direction
        return direction.capitalize() if direction else ""

    def value_export_trend_periods(self, record):
        return record.assessment.trend.periods or ""

    def value_export_target_met(self, record):
        return "; ".join(f"{result.label}: {result.met_label}" for result in record.completed_years)

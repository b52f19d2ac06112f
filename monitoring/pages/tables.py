"""The plan list's table, drawn by django-tables2 with the GOV.UK table template."""

import django_tables2 as tables

from plans.models import Plan


class PlanTable(tables.Table):
    """The list of plans: every column sorts, the reference links to the plan."""

    reference = tables.Column(linkify=True, verbose_name="Reference", attrs={"a": {"class": "govuk-link"}})
    title = tables.Column(verbose_name="Title")
    kind = tables.Column(verbose_name="Kind")
    lead_organisation = tables.Column(
        verbose_name="Lead partner", order_by=("lead_organisation__short_name",), accessor="lead_organisation__name"
    )
    years = tables.Column(
        verbose_name="Years covered", accessor="years_label", order_by=("first_year", "last_year")
    )
    reporting_frequency = tables.Column(verbose_name="Reporting")

    class Meta:
        model = Plan
        fields = ("reference", "title", "kind", "lead_organisation", "years", "reporting_frequency")
        order_by = ("reference",)
        empty_text = "No plans match these filters."

    @property
    def caption(self) -> str:
        """Return the table's caption: how many plans it lists, over all its pages."""
        count = len(self.rows)
        return f"{count} plan{'' if count == 1 else 's'}"

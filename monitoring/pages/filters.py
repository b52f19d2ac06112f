"""The plan list's filter (django-filter), drawn with the GOV.UK select of monitoring.filters."""

import django_filters

from monitoring.filters import FilterSelect, plan_facets
from plans.models import Plan


class PlanFilter(django_filters.FilterSet):
    """Narrow the plan list by kind, lead partner and a financial year the plan covers."""

    kind = django_filters.ChoiceFilter(
        label="Kind of plan", choices=Plan.Kind.choices, empty_label="Any kind", widget=FilterSelect()
    )
    lead_organisation = django_filters.ChoiceFilter(
        label="Lead partner", choices=[], empty_label="Any lead partner", widget=FilterSelect()
    )
    year = django_filters.ChoiceFilter(
        label="Year covered",
        choices=[],
        empty_label="Any year",
        method="filter_year",
        widget=FilterSelect(),
    )

    class Meta:
        model = Plan
        fields = ["kind", "lead_organisation", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        facets = plan_facets()  # one query for both lists
        self.filters["lead_organisation"].extra["choices"] = facets.lead_partners
        self.filters["year"].extra["choices"] = facets.years

    def filter_year(self, queryset, name, value):
        year = int(value)  # one of the choices, so a whole number
        return queryset.filter(first_year__lte=year, last_year__gte=year)

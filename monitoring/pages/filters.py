"""The plan list's filter (django-filter), drawn with the GOV.UK select of monitoring.filters."""

import django_filters
from django.db.models import Max, Min

from monitoring.filters import FilterSelect, lead_partner_choices
from plans import periods
from plans.models import Plan


def covered_year_choices() -> list[tuple[int, str]]:
    """Return every financial year that some plan covers, as (2008, '2008/09')."""
    span = Plan.objects.aggregate(first=Min("first_year"), last=Max("last_year"))
    if span["first"] is None:
        return []
    return [(year, periods.year_label(year)) for year in range(span["first"], span["last"] + 1)]


class PlanFilter(django_filters.FilterSet):
    """Narrow the plan list by kind, lead partner and a financial year the plan covers."""

    kind = django_filters.ChoiceFilter(
        label="Kind of plan", choices=Plan.Kind.choices, empty_label="Any kind", widget=FilterSelect()
    )
    lead_organisation = django_filters.ChoiceFilter(
        label="Lead partner", choices=lead_partner_choices, empty_label="Any lead partner", widget=FilterSelect()
    )
    year = django_filters.ChoiceFilter(
        label="Year covered",
        choices=covered_year_choices,
        empty_label="Any year",
        method="filter_year",
        widget=FilterSelect(),
    )

    class Meta:
        model = Plan
        fields = ["kind", "lead_organisation", "year"]

    def filter_year(self, queryset, name, value):
        year = int(value)  # one of the choices, so a whole number
        return queryset.filter(first_year__lte=year, last_year__gte=year)

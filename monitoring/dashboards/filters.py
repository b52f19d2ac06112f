"""Filters of the overview dashboard (django-filter), with GOV.UK form classes on their widgets.

Theme, lead partner, owner, kind and year narrow the plans in the database. RAG is decided by
indicators.performance in Python, so the RAG filter only validates its choice here and the selector applies it
(monitoring.dashboards.selectors.overview.overview_rows).
"""

import django_filters
from django.db.models import Q

from indicators.models import PlanIndicator
from monitoring import permissions
from monitoring.filters import FilterSelect, lead_partner_choices
from plans import periods
from plans.models import Person, Plan

RAG_CHOICES = [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("none", "No RAG (no data or no target)")]


def _signs_off() -> Q:
    """Return the filter for people who sign a plan off: the rule of permissions.signs_off_plan, from Person."""
    return Q(plan_roles__role__in=permissions.SIGNATORY_ROLES) | Q(
        indicators_owned__plan_links__role=PlanIndicator.Role.HEADLINE
    )


def owner_choices() -> list[tuple[str, str]]:
    """Return the people who sign some plan off: indicator owners and strategic directors."""
    return [(str(person.pk), person.name) for person in Person.objects.filter(_signs_off()).distinct().order_by("name")]


def theme_and_year_choices() -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """Return the community strategy themes plans are filed under, and every financial year some plan covers,
    from one query."""
    plans = list(Plan.objects.values_list("theme", "first_year", "last_year"))
    themes = sorted({theme for theme, _, _ in plans if theme})
    years = range(min(first for _, first, _ in plans), max(last for _, _, last in plans) + 1) if plans else []
    return [(theme, theme) for theme in themes], [(year, periods.year_label(year)) for year in years]


class OverviewFilter(django_filters.FilterSet):
    """Narrow the overview by theme, lead partner, owner, RAG status, kind of plan and year."""

    theme = django_filters.ChoiceFilter(
        label="Theme", choices=[], empty_label="Any theme", widget=FilterSelect()
    )
    lead_organisation = django_filters.ChoiceFilter(
        label="Lead partner", choices=lead_partner_choices, empty_label="Any lead partner",
        widget=FilterSelect(),
    )
    owner = django_filters.ChoiceFilter(
        label="Owner (signs off)", choices=owner_choices, empty_label="Any owner", method="filter_owner",
        widget=FilterSelect(),
    )
    rag = django_filters.ChoiceFilter(
        label="RAG status", choices=RAG_CHOICES, empty_label="Any RAG status", method="filter_rag",
        widget=FilterSelect(),
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of plan", choices=Plan.Kind.choices, empty_label="Any kind", widget=FilterSelect()
    )
    year = django_filters.ChoiceFilter(
        label="Year", choices=[], empty_label="Each plan's current year", method="filter_year",
        widget=FilterSelect(),
    )

    class Meta:
        model = Plan
        fields = ["theme", "lead_organisation", "owner", "rag", "kind", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the choices from the database once: a callable would be asked again to validate and to render.
        for name in ("lead_organisation", "owner"):
            self.filters[name].extra["choices"] = self.filters[name].extra["choices"]()
        themes, years = theme_and_year_choices()
        self.filters["theme"].extra["choices"] = themes
        self.filters["year"].extra["choices"] = years

    def filter_owner(self, queryset, name, value):
        person = int(value)  # one of the choices, so a whole number
        return queryset.filter(
            Q(roles__role__in=permissions.SIGNATORY_ROLES, roles__person=person)
            | Q(plan_indicators__role=PlanIndicator.Role.HEADLINE, plan_indicators__indicator__owners=person)
        ).distinct()

    def filter_rag(self, queryset, name, value):
        return queryset  # applied to the assessed rows by the selector

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(first_year__lte=year, last_year__gte=year)

    def _chosen(self, name: str) -> str:
        """Return a filter's valid choice ('' when none was made, or it was not valid)."""
        if not self.is_bound:
            return ""
        self.form.is_valid()
        return self.form.cleaned_data.get(name) or ""

    @property
    def chosen_year(self) -> int | None:
        value = self._chosen("year")
        return int(value) if value else None

    @property
    def chosen_rag(self) -> str:
        return self._chosen("rag")

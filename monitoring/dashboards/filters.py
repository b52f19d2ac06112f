"""Filters of the overview dashboard (django-filter), with GOV.UK form classes on their widgets.

Theme, lead partner, owner, kind and year narrow the plans in the database. The owner is chosen from a list, or,
where more people sign off than a list can usefully hold (1,300 for a site administrator of 100 partnerships),
found by typing part of a name. RAG is decided by
indicators.performance and the year-end forecast by indicators.forecast, in Python, so the RAG and "at risk" filters
only validate their choice here and the selector applies them (monitoring.dashboards.selectors.overview.OverviewRows).
"""

import django_filters
from django import forms
from django.db.models import Exists, Q

from indicators.models import Indicator, PlanIndicator
from monitoring import permissions
from monitoring.filters import FilterSelect, plan_facets
from plans.models import Person, Plan, PlanRole

AT_RISK = "at_risk"
FORECAST_CHOICES = [(AT_RISK, "At risk: under 50% likely to meet the year's target")]
RAG_CHOICES = [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("none", "No RAG (no data or no target)")]


# More people than this who sign off, and the owner filter asks for part of a name instead of offering a list.
OWNER_LIST_LIMIT = 300
OWNER_NAME_LENGTH = 100


def owner_choices(limit: int | None = None) -> list[tuple[str, str]]:
    """Return the people who sign some plan in scope off, by name: its indicator owners and strategic directors,
    and the owners of its headline indicator. With a limit, at most `limit` people: where there are more, which
    ones is not defined (the caller learns only that the list is too long to offer).

    Both are found from the plans in scope, and the people read from the union of the two by their ids: filtering
    every person on either of two semi-joins scanned every person of every partnership, checking each one's
    row-level security on PostgreSQL.

    With a limit, the union itself stops at `limit` ids before any person is read, and the headline indicators'
    owners are not looked for at all once the signatories alone reach it: a site administrator's 1,300 people were
    read, joined and sorted by name only to learn that there were more than 300 of them.
    """
    signatories = PlanRole.objects.filter(role__in=permissions.SIGNATORY_ROLES).order_by().values("person")
    headline_owners = Indicator.owners.through.objects.filter(
        indicator__in=PlanIndicator.objects.filter(role=PlanIndicator.Role.HEADLINE).values("indicator")
    ).values("person")
    if limit is not None:
        past_the_limit = signatories.distinct()[limit - 1:limit]  # the limit reached by the signatories alone
        headline_owners = headline_owners.filter(~Exists(past_the_limit))
    people = signatories.union(headline_owners)
    if limit is not None:
        people = people[:limit]
    chosen = Person.objects.filter(pk__in=people).order_by("name", "pk")
    return [(str(pk), name) for pk, name in chosen.values_list("pk", "name")]


class OwnerNameInput(forms.TextInput):
    """The owner's name as typed, given back no longer than the field takes (a pasted megabyte is not echoed)."""

    def format_value(self, value):
        value = super().format_value(value)
        return value[:OWNER_NAME_LENGTH] if value else value


def owner_name_filter() -> django_filters.CharFilter:
    return django_filters.CharFilter(
        label="Owner (signs off): part of a name", method="filter_owner_name", max_length=OWNER_NAME_LENGTH,
        widget=OwnerNameInput(attrs={"class": "govuk-input", "spellcheck": "false", "autocomplete": "off"}),
    )


class OverviewFilter(django_filters.FilterSet):
    """Narrow the overview by theme, lead partner, owner, RAG status, forecast (at risk), kind of plan and year."""

    theme = django_filters.ChoiceFilter(
        label="Theme", choices=[], empty_label="Any theme", widget=FilterSelect()
    )
    lead_organisation = django_filters.ChoiceFilter(
        label="Lead partner", choices=[], empty_label="Any lead partner",
        widget=FilterSelect(),
    )
    owner = django_filters.ChoiceFilter(
        label="Owner (signs off)", choices=[], empty_label="Any owner", method="filter_owner",
        widget=FilterSelect(),
    )
    rag = django_filters.ChoiceFilter(
        label="RAG status", choices=RAG_CHOICES, empty_label="Any RAG status", method="filter_rag",
        widget=FilterSelect(),
    )
    forecast = django_filters.ChoiceFilter(
        label="Year-end forecast", choices=FORECAST_CHOICES, empty_label="Any forecast", method="filter_forecast",
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
        fields = ["theme", "lead_organisation", "owner", "rag", "forecast", "kind", "year"]

    # Lists long enough to matter (lead partners; owners up to OWNER_LIST_LIMIT): their choices are read from the
    # database once and given to the form's fields, which the form does not copy. Beyond the limit the owner is a
    # name to type: 1,300 options are no help to choose from, and they were half of the page's 134 KB.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        facets = plan_facets()
        self._long_choices = {"lead_organisation": facets.lead_partners}
        owners = owner_choices(limit=OWNER_LIST_LIMIT + 1)
        if len(owners) > OWNER_LIST_LIMIT:
            self.filters["owner"] = owner_name_filter()
            self.filters["owner"].model, self.filters["owner"].parent = Plan, self
        else:
            self._long_choices["owner"] = owners
        self.filters["theme"].extra["choices"] = facets.themes
        self.filters["year"].extra["choices"] = facets.years

    def filter_owner(self, queryset, name, value):
        person = int(value)  # one of the choices, so a whole number
        return queryset.filter(
            Q(roles__role__in=permissions.SIGNATORY_ROLES, roles__person=person)
            | Q(plan_indicators__role=PlanIndicator.Role.HEADLINE, plan_indicators__indicator__owners=person)
        ).distinct()

    def filter_owner_name(self, queryset, name, value):
        # The field has trimmed the name, and django-filter does not call this for an empty one.
        return queryset.filter(
            Q(roles__role__in=permissions.SIGNATORY_ROLES, roles__person__name__icontains=value)
            | Q(plan_indicators__role=PlanIndicator.Role.HEADLINE, plan_indicators__indicator__owners__name__icontains=value)
        ).distinct()

    def filter_rag(self, queryset, name, value):
        return queryset  # applied to the assessed rows by the selector

    def filter_forecast(self, queryset, name, value):
        return queryset  # applied to the forecast rows by the selector

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(first_year__lte=year, last_year__gte=year)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, choices in self._long_choices.items():
                form.fields[name].choices = choices
        return self._form

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

    @property
    def chosen_at_risk(self) -> bool:
        return self._chosen("forecast") == AT_RISK

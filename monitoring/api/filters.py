"""The filters of the API's lists (django-filter), by the names a council's data team knows: plan, indicator
code, period codes, status."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from indicators.models import EntryStatus, Forecast, IndicatorValue, PlanIndicator
from monitoring.models import ReportingRound, Return
from plans import periods
from plans.models import YEAR_VALIDATORS, Plan

BIGGEST_ID = 2**63 - 1  # PostgreSQL's bigint: a larger id would be a database error, not "nothing found"
FIRST_YEAR, LAST_YEAR = (validator.limit_value for validator in YEAR_VALIDATORS)  # the years a model holds


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number the database can hold, else a 400 saying so."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGGEST_ID)
        super().__init__(*args, **kwargs)


class PeriodCodeFilter(django_filters.CharFilter):
    """A period given by its code, compared by the date it starts (from) or ends (to)."""

    def __init__(self, *args, bound: str, **kwargs):
        self.bound = bound
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        try:
            span = periods.parse(value)
        except periods.PeriodError as error:
            raise ValidationError({self.field_name: [str(error)]}) from None
        if self.bound == "from":
            return qs.filter(period__start__gte=span.start)
        return qs.filter(period__end__lte=span.end)


class IndicatorValueFilter(django_filters.FilterSet):
    plan = IdFilter(method="in_plan", help_text="Only indicators this plan shows (its id).")
    indicator = IdFilter(field_name="indicator_id", help_text="The indicator's id.")
    indicator_code = django_filters.CharFilter(field_name="indicator__code", help_text="For example NI 152.")
    period_from = PeriodCodeFilter(field_name="period_from", bound="from",
                                   help_text="Periods starting on or after this one's start, by code: 2008/09-Q1.")
    period_to = PeriodCodeFilter(field_name="period_to", bound="to",
                                 help_text="Periods ending on or before this one's end, by code: 2010/11-Q4.")
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)

    class Meta:
        model = IndicatorValue
        fields = ["plan", "indicator", "indicator_code", "period_from", "period_to", "status"]

    def in_plan(self, queryset, name, value):
        shown = PlanIndicator.objects.filter(plan=value, indicator=OuterRef("indicator"))
        return queryset.filter(Exists(shown))


@extend_schema_field({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR})
class YearFilter(django_filters.NumberFilter):
    """A financial year by the calendar year it starts in (2008 is 2008/09): a whole number, else a 400 saying so."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


class ForecastFilter(django_filters.FilterSet):
    plan = IdFilter(method="in_plan", help_text="Only indicators this plan shows (its id).")
    indicator = IdFilter(field_name="indicator_id", help_text="The indicator's id.")
    indicator_code = django_filters.CharFilter(field_name="indicator__code", help_text="For example NI 152.")
    year = YearFilter(field_name="year", help_text="The financial year forecast, by the calendar year it starts in: "
                      "2008 is 2008/09.")

    class Meta:
        model = Forecast
        fields = ["plan", "indicator", "indicator_code", "year"]

    in_plan = IndicatorValueFilter.in_plan


class PlanFilter(django_filters.FilterSet):
    reference = django_filters.CharFilter(help_text="For example NI 152.")

    class Meta:
        model = Plan
        fields = ["reference", "kind", "is_active"]


class ByPlanFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", help_text="The plan's id.")


class RoundFilter(django_filters.FilterSet):
    class Meta:
        model = ReportingRound
        fields = ["status"]


class ReturnFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", help_text="The plan's id.")
    round = IdFilter(field_name="round_id", help_text="The round's id.")

    class Meta:
        model = Return
        fields = ["plan", "round", "status"]

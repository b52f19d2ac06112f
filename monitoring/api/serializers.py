"""How each resource of the API reads: plain fields, decimals as strings (never floats), periods by code.

Each serializer reads only what its view's queryset has already joined or prefetched (views.py), so that a page
costs the same number of queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funding.models import FundingAmount, FundingLine
from indicators import forecast as forecasting
from indicators.models import VALUE_DIGITS, Indicator, IndicatorTarget, IndicatorValue
from indicators.models import Forecast as StoredForecast
from monitoring import forecasts
from monitoring.models import ReportingRound, Return
from plans import periods
from plans.models import ActionTarget, DeliveryAction, Partnership, Plan, Risk, Section

PERIOD_HELP = "The period's code: 2008/09-Q1 for a quarter, 2012/13-H1 for a half year, 2008/09 for a year."


class PeriodCodeField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", PERIOD_HELP)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.code


class PartnershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partnership
        fields = ["id", "name", "is_active"]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "parent", "position", "number", "heading", "kind", "body"]


class YearTargetSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(help_text="The calendar year the financial year starts in: 2008 is 2008/09.")

    class Meta:
        model = ActionTarget
        fields = ["year", "value"]


class ActionSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.title", default="", read_only=True)
    lead_officer = serializers.CharField(source="lead_officer.name", default="", read_only=True)
    targets = YearTargetSerializer(many=True, read_only=True)

    class Meta:
        model = DeliveryAction
        fields = ["id", "position", "reference", "title", "group", "client_group", "on_flow", "flow_time",
                  "off_flow", "lead_officer", "lead_text", "timescale", "targets"]


class PlanSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "partnership", "reference", "title", "kind", "reporting_frequency", "first_year",
                  "last_year", "theme", "strategy_priority", "is_active", "sections", "actions"]


class IndicatorTargetSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(help_text="The calendar year the financial year starts in: 2008 is 2008/09.")

    class Meta:
        model = IndicatorTarget
        fields = ["year", "value"]


class IndicatorSerializer(serializers.ModelSerializer):
    baseline_period = PeriodCodeField(allow_null=True)
    targets = IndicatorTargetSerializer(many=True, read_only=True)
    plans = serializers.SerializerMethodField(help_text="The ids of the plans that show the indicator.")

    class Meta:
        model = Indicator
        fields = ["id", "partnership", "code", "name", "description", "unit", "polarity", "decimal_places",
                  "baseline_value", "baseline_period", "source", "targets", "plans"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_plans(self, indicator) -> list[int]:
        return sorted(link.plan_id for link in indicator.plan_links.all())


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    period = PeriodCodeField()
    period_start = serializers.DateField(source="period.start", read_only=True)
    period_end = serializers.DateField(source="period.end", read_only=True)
    is_provisional = serializers.BooleanField(read_only=True, help_text="True until the indicator's owner signs it off.")

    class Meta:
        model = IndicatorValue
        fields = ["id", "indicator", "indicator_code", "period", "period_start", "period_end", "value", "commentary",
                  "status", "is_provisional", "version", "updated_at"]


class FundingAmountSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingAmount
        fields = ["year", "status", "amount"]


class FundingLineSerializer(serializers.ModelSerializer):
    amounts = FundingAmountSerializer(many=True, read_only=True)

    class Meta:
        model = FundingLine
        fields = ["id", "plan", "position", "name", "comment", "amounts"]


class RiskSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.name", default="", read_only=True)
    score = serializers.IntegerField(read_only=True, allow_null=True, help_text="Likelihood times impact.")

    class Meta:
        model = Risk
        fields = ["id", "plan", "position", "reference", "risk", "mitigation", "owner", "likelihood", "impact",
                  "score", "review_date"]


class RoundSerializer(serializers.ModelSerializer):
    period = PeriodCodeField()

    class Meta:
        model = ReportingRound
        fields = ["id", "partnership", "period", "due_date", "status", "opened_at", "closed_at"]


class ReturnSerializer(serializers.ModelSerializer):
    plan_reference = serializers.CharField(source="plan.reference", read_only=True)
    period = PeriodCodeField(source="round.period")

    class Meta:
        model = Return
        fields = ["id", "round", "plan", "plan_reference", "period", "status", "signed_off_at"]


# ---------------------------------------------------------------------------------------------------------
# Year-end forecasts (monitoring.forecasts, as the indicator page shows them)

BANDS = [forecasting.VERY_UNLIKELY, forecasting.UNLIKELY, forecasting.ABOUT_EVEN, forecasting.LIKELY,
         forecasting.VERY_LIKELY]
METHODS = [forecasting.LAST_VALUE, forecasting.LINEAR_TREND, forecasting.YEAR_TO_DATE, forecasting.EVEN_PROFILE,
           forecasting.YEAR_COMPLETE]
NOT_ENOUGH_HISTORY = forecasting.NOT_ENOUGH_HISTORY.capitalize() + "."


@dataclass(frozen=True)
class ForecastReading:
    """An indicator's forecast for a year as the API reads it: `view` is None where there is none to make (no target
    for the year, or an indicator tracked only); `stored` is the row a sign-off stored, for the list of those."""

    indicator: Indicator
    year: int
    view: forecasts.ForecastView | None
    stored: StoredForecast | None = None

    @classmethod
    def of_stored(cls, stored: StoredForecast) -> ForecastReading:
        return cls(stored.indicator, stored.year, forecasts.stored_view(stored.indicator, stored), stored)

    def _figure(self, name: str):
        return getattr(self.view.forecast, name) if self.view else None

    value = property(lambda self: self._figure("value"))
    low = property(lambda self: self._figure("low"))
    high = property(lambda self: self._figure("high"))
    probability = property(lambda self: self._figure("probability"))
    band = property(lambda self: self._figure("band"))

    @property
    def target(self):
        return self.view.forecast.target if self.view else None

    @property
    def year_label(self) -> str:
        return periods.year_label(self.year)

    @property
    def method(self) -> str | None:
        return self.view.forecast.method if self.view and self.view.enough_history else None

    @property
    def points(self) -> int | None:
        return self.view.forecast.points if self.view else None

    @property
    def band_label(self) -> str:
        return self.view.band_label if self.view else ""

    @property
    def basis(self) -> str:
        return self.view.basis_label if self.view else ""

    @property
    def is_provisional(self) -> bool:
        return bool(self.view and self.view.is_provisional)

    @property
    def is_at_risk(self) -> bool:
        return bool(self.view and self.view.is_at_risk)

    @property
    def reason(self) -> str | None:
        if self.view is None:
            return forecasts.no_forecast_reason(self.indicator, self.year)
        return None if self.view.enough_history else NOT_ENOUGH_HISTORY

    @property
    def summary(self) -> str:
        return self.view.summary if self.view else self.reason


def _figure(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(read_only=True, allow_null=True, help_text=help_text, **VALUE_DIGITS)


class YearEndForecastSerializer(serializers.Serializer):
    """An indicator's year-end forecast: a value, its 80% range and the chance of meeting the year's target."""

    indicator = serializers.IntegerField(source="indicator.pk", read_only=True, help_text="The indicator's id.")
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    year = serializers.IntegerField(read_only=True,
                                    help_text="The calendar year the financial year starts in: 2008 is 2008/09.")
    year_label = serializers.CharField(read_only=True, help_text="The financial year: 2008/09.")
    value = _figure("The forecast for the year end; null without one.")
    low = _figure("The bottom of the 80% range (four years in five the year end should fall inside it).")
    high = _figure("The top of the 80% range.")
    target = _figure("The year's target the forecast is measured against.")
    probability = serializers.FloatField(read_only=True, allow_null=True, min_value=0.0, max_value=1.0,
                                         help_text="The chance of meeting the target, 0 to 1.")
    band = serializers.ChoiceField(choices=BANDS, read_only=True, allow_null=True,
                                   help_text="The chance in words: under 10% very unlikely, 40% to 60% about even, "
                                   "over 90% very likely.")
    band_label = serializers.CharField(read_only=True, help_text="As the site shows it: Unlikely (19%); empty "
                                       "without a probability.")
    method = serializers.ChoiceField(choices=METHODS, read_only=True, allow_null=True,
                                     help_text="How the forecast was made; null without one.")
    points = serializers.IntegerField(read_only=True, allow_null=True,
                                      help_text="How many values (quarters or half years) it rests on.")
    basis = serializers.CharField(read_only=True, help_text="What it rests on: from 5 quarters; last value.")
    is_provisional = serializers.BooleanField(read_only=True, help_text="True when figures not yet signed off went "
                                              "in (only for those who see drafts).")
    is_at_risk = serializers.BooleanField(read_only=True, help_text="True when the target is less likely than not "
                                          "to be met.")
    reason = serializers.CharField(read_only=True, allow_null=True, help_text="Why there is no forecast figure (not "
                                   "enough history, or no target for the year); null when there is one.")
    summary = serializers.CharField(read_only=True, help_text="The forecast in one sentence, as the site writes it.")


class StoredForecastSerializer(YearEndForecastSerializer):
    """A forecast stored when a return was signed off, from signed-off figures only."""

    id = serializers.IntegerField(source="stored.pk", read_only=True)
    period = PeriodCodeField(source="stored.period", help_text="The period whose sign-off made it. " + PERIOD_HELP)
    made_at = serializers.DateTimeField(source="stored.made_at", read_only=True)

    def to_representation(self, instance):
        return super().to_representation(ForecastReading.of_stored(instance))

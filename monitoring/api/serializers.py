"""How each resource of the API reads: plain fields, decimals as strings (never floats), periods by code.

Each serializer reads only what its view's queryset has already joined or prefetched (views.py), so that a page
costs the same number of queries whatever its size.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funding.models import FundingAmount, FundingLine
from indicators.models import Indicator, IndicatorTarget, IndicatorValue
from monitoring.models import ReportingRound, Return
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

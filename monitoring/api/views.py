"""The API's read endpoints: one read-only viewset a resource.

Each viewset reads through the models' scoped managers, within the caller's partnership (scope.py), so that an
object of another partnership is not found (404) and a list never holds one. Its queryset joins and prefetches
all its serializer reads, so a page costs the same number of queries whatever its size (tests/api/test_queries.py).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from funding.models import FundingAmount, FundingLine
from indicators.models import Forecast as StoredForecast
from indicators.models import Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import forecasts, permissions
from monitoring.api import filters, serializers
from monitoring.api.scope import PartnershipScoped
from monitoring.models import ReportingRound, Return
from plans.models import ActionTarget, DeliveryAction, Partnership, Plan, Risk, Section


class ApiViewSet(PartnershipScoped, viewsets.ReadOnlyModelViewSet):
    """Base of the API's viewsets: scoped to the caller's partnership, answering for itself when nobody is signed
    in (401 problem details) rather than the site's redirect to the sign-in page."""

    lookup_value_converter = "int"  # with the router's path() routes: only a whole number is an id

    def get_queryset(self):
        # Made afresh on every request, never a class attribute: a scoped manager filters when a queryset is made,
        # so one made at import would carry the scope of the process that imported it, not this request's.
        return self.rows()

    def rows(self):
        raise NotImplementedError

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))


class PartnershipViewSet(ApiViewSet):
    """The partnerships the caller works in: the one the request is scoped to (see the X-Partnership header)."""

    serializer_class = serializers.PartnershipSerializer
    def rows(self):
        return Partnership.objects.order_by("name")


class PlanViewSet(ApiViewSet):
    """Action plans, each with its sections, delivery actions and the actions' yearly output targets."""

    serializer_class = serializers.PlanSerializer
    filterset_class = filters.PlanFilter
    def rows(self):
        return Plan.objects.order_by("reference").prefetch_related(
            Prefetch("sections", queryset=Section.objects.order_by("position")),
            Prefetch("actions", queryset=DeliveryAction.objects.order_by("position")
                     .select_related("group", "lead_officer")
                     .prefetch_related(Prefetch("targets", queryset=ActionTarget.objects.order_by("year")))),
        )


class IndicatorViewSet(ApiViewSet):
    """Indicators with their yearly targets and the plans that show them."""

    serializer_class = serializers.IndicatorSerializer
    def rows(self):
        if self.action == "forecast":
            return Indicator.objects.select_related("data_expert")
        return Indicator.objects.order_by("code", "name").select_related("baseline_period").prefetch_related(
            Prefetch("targets", queryset=IndicatorTarget.objects.order_by("year")),
            Prefetch("plan_links", queryset=PlanIndicator.objects.only("pk", "plan_id", "indicator_id")),
        )

    @extend_schema(responses={200: serializers.YearEndForecastSerializer}, operation_id="indicator_forecast",
                   tags=["forecasts"])
    @action(detail=True, methods=["get"], url_path="forecast", filter_backends=[], pagination_class=None)
    def forecast(self, request, pk=None):
        """The indicator's year-end forecast as its page shows it: for the year of its latest value, at its plans'
        reporting frequency, from signed-off figures only unless the caller sees its drafts (its data expert, its
        owners, performance officers), when drafts go in and the forecast is provisional."""
        return Response(serializers.YearEndForecastSerializer(current_forecast(self.get_object(), request.user)).data)


def current_forecast(indicator: Indicator, user) -> serializers.ForecastReading:
    """Return the indicator's year-end forecast as its page shows it (monitoring.forecasts.indicator_forecast, with
    drafts where permissions.sees_drafts says so), read in a fixed number of queries."""
    plans = [link.plan for link in indicator.plan_links.select_related("plan")]
    values = list(indicator.values.select_related("period"))
    targets = dict(indicator.targets.values_list("year", "value"))
    kind, years = forecasts.indicator_frame(plans, values, targets)
    year, view = forecasts.indicator_forecast(indicator, values, targets, kind=kind, default_year=years[-1],
                                              include_drafts=permissions.sees_drafts(user, indicator))
    return serializers.ForecastReading(indicator, year, view)


class IndicatorValueViewSet(ApiViewSet):
    """Indicator values, one a period. Signed-off figures for everyone; drafts only for the indicator's data
    expert, its owners and performance officers. Filter by plan, indicator, code, period range and status."""

    serializer_class = serializers.IndicatorValueSerializer
    filterset_class = filters.IndicatorValueFilter

    def rows(self):
        queryset = IndicatorValue.objects.select_related("indicator", "period").order_by(
            "indicator__code", "indicator_id", "period__start", "period__kind")
        if getattr(self, "swagger_fake_view", False):  # the schema's generator asks with nobody signed in
            return queryset.none()
        return permissions.values_visible_to(self.request.user, queryset)


class FundingLineViewSet(ApiViewSet):
    """Funding lines of plans, with their amount a year (an amount, 'tbc' or not yet identified)."""

    serializer_class = serializers.FundingLineSerializer
    filterset_class = filters.ByPlanFilter
    def rows(self):
        return FundingLine.objects.order_by("plan__reference", "position").prefetch_related(
            Prefetch("amounts", queryset=FundingAmount.objects.order_by("year")))


class RiskViewSet(ApiViewSet):
    """Risks of plans, with their mitigation, owner, likelihood, impact and score."""

    serializer_class = serializers.RiskSerializer
    filterset_class = filters.ByPlanFilter
    def rows(self):
        return Risk.objects.order_by("plan__reference", "position").select_related("owner")


class RoundViewSet(ApiViewSet):
    """Reporting rounds: one a period, open or closed."""

    serializer_class = serializers.RoundSerializer
    filterset_class = filters.RoundFilter
    def rows(self):
        return ReportingRound.objects.select_related("period").order_by("-period__start", "pk")


class ReturnViewSet(ApiViewSet):
    """Returns: one plan's report for one round, open or signed off."""

    serializer_class = serializers.ReturnSerializer
    filterset_class = filters.ReturnFilter
    def rows(self):
        return Return.objects.select_related("round__period", "plan").order_by(
            "-round__period__start", "plan__reference", "pk")


class ForecastViewSet(ApiViewSet):
    """The year-end forecasts stored when returns were signed off, from signed-off figures only: how each
    indicator's forecast moved, sign-off by sign-off. Filter by indicator, code, plan and year."""

    serializer_class = serializers.StoredForecastSerializer
    filterset_class = filters.ForecastFilter

    def rows(self):
        return StoredForecast.objects.select_related("indicator", "period").order_by(
            "indicator__code", "indicator_id", "year", "period__start", "made_at", "pk")

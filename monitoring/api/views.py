"""The API's read endpoints: one read-only viewset a resource.

Each viewset reads through the models' scoped managers, within the caller's partnership (scope.py), so that an
object of another partnership is not found (404) and a list never holds one. Its queryset joins and prefetches
all its serializer reads, so a page costs the same number of queries whatever its size (tests/api/test_queries.py).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Exists, OuterRef, Prefetch, Q
from rest_framework import viewsets

from funding.models import FundingAmount, FundingLine
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import permissions
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
        return Indicator.objects.order_by("code", "name").select_related("baseline_period").prefetch_related(
            Prefetch("targets", queryset=IndicatorTarget.objects.order_by("year")),
            Prefetch("plan_links", queryset=PlanIndicator.objects.only("pk", "plan_id", "indicator_id")),
        )


def values_visible_to(user, queryset):
    """Return the values the user may read: signed-off ones, and the drafts of indicators the user enters
    (permissions.is_data_expert_for) or owns (signs off), or every one for a performance officer."""
    if permissions.is_performance_officer(user):
        return queryset
    owns = Indicator.owners.through.objects.filter(indicator=OuterRef("indicator"), person__user=user)
    return queryset.filter(Q(status=EntryStatus.SIGNED_OFF) | Q(indicator__data_expert__user=user) | Exists(owns))


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
        return values_visible_to(self.request.user, queryset)


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

"""The home page's tasks for indicators at risk: each indicator the user enters or owns, in the open returns that
concern them, whose latest forecast stored at a sign-off says it is unlikely to meet the year's target (a probability
under 50%).

The owner and data expert are told by email when a sign-off moves an indicator under 50%
(monitoring.notifications.forecasts_fell); the task stays on their home page while a round is open, until a later
sign-off's forecast lifts the indicator to 50% or more, so that the next return's commentary says why and what is
being done. It costs no query of its own: the home page's read of the open returns' indicators carries each one's
latest stored forecast under 50% (at_risk_annotations), and monitoring.pages.homes makes each a task.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject

from indicators import forecast as forecasting
from indicators.models import Forecast as StoredForecast
from indicators.models import Indicator
from monitoring import forecasts, permissions
from plans import periods

FIELDS = ("year", "value", "low", "high", "probability", "target", "method", "points")


def at_risk_annotations(user) -> dict:
    """Return the annotations of a PlanIndicator queryset that say whether the user answers for the indicator (its
    data expert or an owner) and give its latest stored forecast when that is under 50% (as a JSON object)."""
    latest = StoredForecast.objects.filter(indicator=OuterRef("indicator")).order_by("-made_at", "-pk")
    under = StoredForecast.objects.filter(pk=Subquery(latest.values("pk")[:1]),
                                          probability__lt=forecasting.AT_RISK_BELOW)
    return {
        "answers_for": ExpressionWrapper(permissions.answers_for_condition(user), output_field=BooleanField()),
        "at_risk": Subquery(under.values(json=JSONObject(
            **{name: name for name in FIELDS}, period_start="period__start", period_kind="period__kind",
        ))[:1], output_field=JSONField()),
    }


def at_risk_forecasts(links) -> list[tuple[periods.PeriodSpan, forecasts.ForecastView]]:
    """Return the sign-off period and forecast of each indicator at risk that the user answers for, once each, the
    least likely first; `links` were read with at_risk_annotations."""
    found = {}
    for link in links:
        if link.answers_for and link.at_risk and link.indicator_id not in found:
            found[link.indicator_id] = _view(link.indicator, link.at_risk)
    return sorted(found.values(), key=lambda pair: (pair[1].probability, pair[1].name))


def _view(indicator: Indicator, data: dict) -> tuple[periods.PeriodSpan, forecasts.ForecastView]:
    def number(name: str) -> Decimal | None:
        return None if data[name] is None else Decimal(str(data[name]))

    span = periods.PeriodSpan(date.fromisoformat(data["period_start"]), data["period_kind"])
    return span, forecasts.ForecastView(indicator, forecasting.Forecast(
        year=data["year"], value=number("value"), low=number("low"), high=number("high"),
        probability=data["probability"], target=number("target"), method=data["method"], points=data["points"],
        is_provisional=False, kind=span.kind,
    ))

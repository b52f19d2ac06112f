"""Forecasts in the API: an indicator's year-end forecast as its page shows it, and the forecasts stored at sign-off.

NI 152 falls in a straight line through 2007/08 (tests/forecast_builders.py) with a draft of 15.2% for 2008/09 Q1
that breaks the line. From signed-off figures (the strategic group, a lead officer) the forecast is 13.4%, very
likely to meet 14.3%; with the draft (its data expert, its owner, a performance officer) it is 15.2%, unlikely
(19%), provisional. Each answer is checked against the figures the indicator page shows the same reader.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from indicators.models import Forecast as StoredForecast
from monitoring import permissions
from monitoring.api import problems
from monitoring.dashboards.selectors import indicator_page
from plans.models import Membership, Period
from tests.api.conftest import TokenClient, key_for
from tests.builders import make_partnership, make_plan
from tests.cycle_builders import make_user, sign_off, submit_everything
from tests.forecast_builders import enter, falling_cycle

pytestmark = pytest.mark.django_db

SIGNED_OFF = {
    "year": 2008, "year_label": "2008/09", "value": "13.4000", "low": "13.4000", "high": "13.4000",
    "target": "14.3000", "probability": 1.0, "band": "very likely", "band_label": "Very likely (over 99%)",
    "method": "linear trend", "points": 4, "basis": "from 4 quarters; linear trend", "is_provisional": False,
    "is_at_risk": False, "reason": None,
    "summary": "Year-end forecast for 2008/09: 13.4% (80% range 13.4% to 13.4%); very likely (over 99%) to meet the "
               "target of 14.3%; from 4 quarters; linear trend.",
}
WITH_DRAFTS = {
    "year": 2008, "year_label": "2008/09", "value": "15.2000", "low": "13.8000", "high": "16.6000",
    "target": "14.3000", "band": "unlikely", "band_label": "Unlikely (19%)", "method": "last value", "points": 5,
    "basis": "from 5 quarters; last value", "is_provisional": True, "is_at_risk": True, "reason": None,
    "summary": "Year-end forecast for 2008/09: 15.2% (80% range 13.8% to 16.6%); unlikely (19%) to meet the target "
               "of 14.3%; from 5 quarters; last value; provisional.",
}


@pytest.fixture
def cycle():
    """NI 152 falling in a straight line, signed off, with a draft of 15.2% for 2008/09 Q1."""
    cycle = falling_cycle()
    enter(cycle, "15.2", commentary="A large employer closed in May")
    return cycle


def forecast_of(client, indicator) -> dict:
    response = client.get(f"/api/v1/indicators/{indicator.pk}/forecast/")
    assert response.status_code == 200, response.content
    return response.json()


def as_page_shows(indicator, user):
    """Return the forecast the indicator page shows the user (monitoring.forecasts.ForecastView)."""
    return indicator_page(Indicator.objects.get(pk=indicator.pk), user=user).forecast


@pytest.mark.parametrize("role", ["viewer", "officer"])
def test_a_reader_who_does_not_see_drafts_gets_the_forecast_from_signed_off_figures(cycle, as_role, role):
    found = forecast_of(as_role(role), cycle.ni152)
    assert found == {"indicator": cycle.ni152.pk, "indicator_code": "NI 152", **SIGNED_OFF}
    shown = as_page_shows(cycle.ni152, cycle[role])
    assert (Decimal(found["value"]), found["probability"]) == (shown.forecast.value, shown.probability)


@pytest.mark.parametrize("role", ["expert", "owner", "performance_officer"])
def test_those_who_see_drafts_get_them_in_the_forecast_marked_provisional(cycle, as_role, role):
    found = forecast_of(as_role(role), cycle.ni152)
    probability = found.pop("probability")
    assert found == {"indicator": cycle.ni152.pk, "indicator_code": "NI 152", **WITH_DRAFTS}
    assert round(probability, 2) == 0.19
    shown = as_page_shows(cycle.ni152, cycle[role])  # exactly the page's figures, to the last digit
    assert (Decimal(found["value"]), probability) == (shown.forecast.value, shown.probability)


def test_with_too_little_history_the_forecast_says_so_rather_than_guess(cycle, as_role):
    local = cycle.indicators[1]
    IndicatorTarget.objects.create(indicator=local, year=2008, value=Decimal(100))
    for code, value in {"2007/08-Q3": "80", "2007/08-Q4": "90", "2008/09-Q1": "95"}.items():  # three: one short
        IndicatorValue.objects.create(indicator=local, period=Period.for_code(code), value=Decimal(value),
                                      status=EntryStatus.SIGNED_OFF)
    found = forecast_of(as_role("viewer"), local)
    assert found == {
        "indicator": local.pk, "indicator_code": "LOCAL 1", "year": 2008, "year_label": "2008/09", "value": None,
        "low": None, "high": None, "target": "100.0000", "probability": None, "band": None, "band_label": "",
        "method": None, "points": 3, "basis": "not enough history to forecast", "is_provisional": False,
        "is_at_risk": False, "reason": "Not enough history to forecast.",
        "summary": "Year-end forecast for 2008/09: not enough history to forecast.",
    }


def test_a_year_with_no_target_has_no_forecast_and_says_why(cycle, as_role):
    local = cycle.indicators[1]  # no values and no target: the year is the plan's last, 2010/11
    found = forecast_of(as_role("viewer"), local)
    reason = "No target for 2010/11, so no forecast against it."
    assert found == {
        "indicator": local.pk, "indicator_code": "LOCAL 1", "year": 2010, "year_label": "2010/11", "value": None,
        "low": None, "high": None, "target": None, "probability": None, "band": None, "band_label": "",
        "method": None, "points": None, "basis": "", "is_provisional": False, "is_at_risk": False,
        "reason": reason, "summary": reason,
    }
    assert as_page_shows(local, cycle["viewer"]) is None


def test_an_indicator_tracked_only_has_no_forecast(cycle, as_role):
    Indicator.objects.filter(pk=cycle.ni152.pk).update(polarity=Indicator.Polarity.NEUTRAL)
    found = forecast_of(as_role("expert"), cycle.ni152)
    assert (found["year"], found["value"], found["target"]) == (2008, None, None)
    assert found["reason"] == "NI 152 is tracked only, with no target to meet, so no forecast against one."


@pytest.fixture
def bath():
    bath = make_partnership("Bath and North East Somerset")
    viewer = make_user("bath_viewer", "Bea Bath", Membership.Role.STRATEGIC_GROUP, partnership=bath)
    indicator = Indicator.objects.create(partnership=bath, code="CS 1", name="Children's measure",
                                         unit=Indicator.Unit.COUNT)
    stored = StoredForecast.objects.create(
        indicator=indicator, period=Period.for_code("2012/13-Q1"), made_at=datetime(2012, 7, 20, tzinfo=UTC),
        year=2012, value=Decimal(10), low=Decimal(8), high=Decimal(12), probability=0.5, method="last value",
        points=4, target=Decimal(10))
    return viewer, indicator, stored


def test_another_partnerships_indicator_and_forecasts_answer_404_as_a_made_up_id(cycle, bath, as_role):
    bath_viewer, bath_indicator, bath_stored = bath
    ours = as_role("performance_officer")
    for client, url in [
        (TokenClient(key_for(bath_viewer)), f"/api/v1/indicators/{cycle.ni152.pk}/forecast/"),
        (ours, f"/api/v1/indicators/{bath_indicator.pk}/forecast/"),
        (ours, f"/api/v1/forecasts/{bath_stored.pk}/"),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["detail"] == client.get("/api/v1/forecasts/10000000/").json()["detail"]
    assert ours.get("/api/v1/forecasts/").json()["count"] == 0
    assert ours.get(f"/api/v1/forecasts/?indicator={bath_indicator.pk}").json()["count"] == 0
    assert TokenClient(key_for(bath_viewer)).get("/api/v1/forecasts/").json()["count"] == 1


@pytest.mark.parametrize("url", [
    "/api/v1/indicators/abc/forecast/", "/api/v1/indicators/99999999999999999999/forecast/",
    "/api/v1/indicators/0/forecast/", "/api/v1/indicators/1%27%20OR%201=1/forecast/",
])
def test_a_hostile_indicator_id_is_not_found(cycle, as_role, url):
    response = as_role("viewer").get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == problems.NOT_FOUND


def test_the_forecast_needs_a_token_and_cannot_be_written(cycle, as_role):
    url = f"/api/v1/indicators/{cycle.ni152.pk}/forecast/"
    assert TokenClient("pm_not-a-real-key").get(url).status_code == 401
    assert as_role("performance_officer").post(url, {}, content_type="application/json").status_code == 405
    assert as_role("performance_officer").delete("/api/v1/forecasts/1/").status_code == 405


def stored_rows(client, query: str = "") -> list[tuple]:
    response = client.get(f"/api/v1/forecasts/{query}")
    assert response.status_code == 200, response.content
    return [(row["indicator_code"], row["period"], row["year"], row["value"], row["band_label"])
            for row in response.json()["results"]]


@pytest.mark.parametrize("role", ["viewer", "expert"])
def test_the_forecasts_stored_at_sign_off_read_as_the_indicator_page_lists_them(db, role):
    cycle = falling_cycle()  # no draft: every value signed off, then 14.5% at 2008/09 Q1 submitted and signed off
    client = TokenClient(key_for(cycle[role]))
    assert stored_rows(client) == []  # none stored before a sign-off
    submit_everything(cycle)  # NI 152: 14.5% at 2008/09 Q1
    sign_off(cycle)
    response = client.get("/api/v1/forecasts/")
    [row] = response.json()["results"]
    stored = StoredForecast.objects.get()
    assert row == {
        "id": stored.pk, "indicator": cycle.ni152.pk, "indicator_code": "NI 152", "period": "2008/09-Q1",
        "made_at": row["made_at"], "year": 2008, "year_label": "2008/09", "value": "14.5000", "low": "13.9000",
        "high": "15.1000", "target": "14.3000", "probability": stored.probability, "band": "unlikely",
        "band_label": "Unlikely (32%)", "method": "last value", "points": 5, "basis": "from 5 quarters; last value",
        "is_provisional": False, "is_at_risk": True, "reason": None,
        "summary": "Year-end forecast for 2008/09: 14.5% (80% range 13.9% to 15.1%); unlikely (32%) to meet the "
                   "target of 14.3%; from 5 quarters; last value.",
    }
    assert datetime.fromisoformat(row["made_at"]) == stored.made_at
    # The indicator page's table of how the forecast moved, row for row.
    [move] = indicator_page(Indicator.objects.get(pk=cycle.ni152.pk), user=cycle[role]).forecast_moves
    assert (move.view.value_text, move.view.range_text, move.view.band_label) == ("14.5%", "13.9% to 15.1%",
                                                                                  row["band_label"])
    assert client.get(f"/api/v1/forecasts/{stored.pk}/").json() == row


def test_stored_forecasts_filter_by_indicator_code_plan_and_year(cycle, as_role):
    ni152, local = cycle.ni152, cycle.indicators[1]
    made_at = datetime(2008, 7, 20, tzinfo=UTC)
    for indicator, code, year in [(ni152, "2008/09-Q1", 2008), (ni152, "2009/10-Q1", 2009), (local, "2008/09-Q1", 2008)]:
        StoredForecast.objects.create(indicator=indicator, period=Period.for_code(code), made_at=made_at, year=year,
                                      value=Decimal(14), points=4, target=Decimal(14))
    elsewhere = make_plan("NI 117", first_year=2008, last_year=2010)
    PlanIndicator.objects.create(plan=elsewhere, indicator=local)
    client = as_role("viewer")
    assert stored_rows(client) == [
        ("LOCAL 1", "2008/09-Q1", 2008, "14.0000", ""),
        ("NI 152", "2008/09-Q1", 2008, "14.0000", ""),
        ("NI 152", "2009/10-Q1", 2009, "14.0000", ""),
    ]
    assert [row[:3] for row in stored_rows(client, f"?indicator={ni152.pk}&year=2009")] == [("NI 152", "2009/10-Q1", 2009)]
    assert [row[0] for row in stored_rows(client, "?indicator_code=NI%20152")] == ["NI 152", "NI 152"]
    assert [row[0] for row in stored_rows(client, "?year=2008")] == ["LOCAL 1", "NI 152"]
    assert [row[0] for row in stored_rows(client, f"?plan={elsewhere.pk}")] == ["LOCAL 1"]
    assert stored_rows(client, "?year=2011") == []
    assert stored_rows(client, "?indicator_code=NI%20152%27%20OR%20%271%27=%271") == []


@pytest.mark.parametrize(("query", "field"), [
    ("?year=abc", "year"), ("?year=1989", "year"), ("?year=99999999999999999999", "year"), ("?year=2008.5", "year"),
    ("?indicator=-1", "indicator"), ("?indicator=99999999999999999999", "indicator"), ("?plan=x", "plan"),
])
def test_bad_filters_answer_400_saying_which(cycle, as_role, query, field):
    response = as_role("viewer").get(f"/api/v1/forecasts/{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [field]


def grow(cycle, times: int) -> None:
    """Add `times` indicators, each with a stored forecast, and 8 more signed-off quarters and a plan to NI 152."""
    for n in range(times):
        indicator = Indicator.objects.create(code=f"G {times}-{n}", name=f"Growth {n}", unit=Indicator.Unit.COUNT)
        StoredForecast.objects.create(indicator=indicator, period=Period.for_code("2008/09-Q1"),
                                      made_at=datetime(2008, 7, 20, tzinfo=UTC), year=2008, value=Decimal(n),
                                      points=4, target=Decimal(5), probability=0.5, method="last value")
    start = 2005 - (times > 2) * 2
    for year in (start, start + 1):
        for quarter in range(1, 5):
            period = Period.for_code(f"{year}/{(year + 1) % 100:02d}-Q{quarter}")
            IndicatorValue.objects.create(indicator=cycle.ni152, period=period, value=Decimal("15.0"),
                                          status=EntryStatus.SIGNED_OFF)
    PlanIndicator.objects.create(plan=make_plan(f"P {times}", first_year=2007, last_year=2010), indicator=cycle.ni152)


def counts(client, cycle) -> dict[str, tuple[int, int]]:
    found = {}
    urls = {"list": "/api/v1/forecasts/?page_size=500", "forecast": f"/api/v1/indicators/{cycle.ni152.pk}/forecast/"}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.content)
        found[name] = (len(queries), response.json().get("count"))
    return found


@pytest.mark.parametrize("role", ["performance_officer", "viewer", "expert"])
def test_query_counts_do_not_grow_with_the_page_or_the_history(cycle, role):
    client = TokenClient(key_for(cycle[role]))
    client.get("/api/v1/partnerships/")  # the token's first use records it (one write a minute): not measured
    grow(cycle, 2)
    small = counts(client, cycle)
    grow(cycle, 10)
    large = counts(client, cycle)
    assert (small["list"][1], large["list"][1]) == (2, 12)
    assert {name: small[name][0] for name in small} == {name: large[name][0] for name in large}
    # Eight every request pays (token, scope, throttle), then the indicator, its plans, values and targets, and at
    # most two to learn whether the caller sees its drafts (its owners, a performance officer's role).
    assert small["forecast"][0] <= 8 + 4 + 2, small


@pytest.mark.parametrize(("role", "sees"), [
    ("viewer", False), ("officer", False), ("other_officer", False),
    ("expert", True), ("owner", True), ("performance_officer", True),
])
def test_who_sees_drafts_is_one_rule_in_each_of_its_forms(cycle, role, sees):
    """permissions.sees_drafts (a page), sees_drafts_expression (a page of many) and values_visible_to (the API's
    values) answer alike for each role: the forecast and the values a reader gets rest on the same figures."""
    user = cycle[role]
    annotated = Indicator.objects.filter(pk=cycle.ni152.pk).annotate(
        sees=permissions.sees_drafts_expression(user, path="")).get()
    visible = permissions.values_visible_to(user, IndicatorValue.objects.filter(indicator=cycle.ni152))
    assert (permissions.sees_drafts(user, cycle.ni152), annotated.sees) == (sees, sees)
    assert visible.filter(status=EntryStatus.DRAFT).exists() is sees
    assert visible.filter(status=EntryStatus.SIGNED_OFF).count() == 4
    anonymous = AnonymousUser()
    assert permissions.sees_drafts(anonymous, cycle.ni152) is False
    assert not permissions.values_visible_to(anonymous, IndicatorValue.objects.filter(status=EntryStatus.DRAFT))

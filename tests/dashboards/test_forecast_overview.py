"""The overview's year-end forecast column (sortable, the least likely first) and its "at risk" filter.

NI 152 falls in a straight line (tests/forecast_builders.py): 13.4% forecast for 2008/09, very likely to meet 14.3%.
NI 117 rises 0.4 a quarter and reaches its 14.3% target at 2008/09 Q1, green today, but forecasts 15.4%: very
unlikely (1%). The overview is the strategic group's page: its forecasts rest on signed-off figures only.
"""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from plans.models import Period
from tests.builders import make_plan
from tests.forecast_builders import RISING, enter, falling_cycle

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboard_overview")
NI117 = "15.4% (80% range 15.1% to 15.8%) Very unlikely (1%) At risk"


@pytest.fixture
def council():
    cycle = falling_cycle()
    plan = make_plan("NI 117", title="Young people not in education, employment or training", first_year=2007,
                     last_year=2010)
    ni117 = Indicator.objects.create(code="NI 117", name="16-18 year olds not in education, training or employment",
                                     unit=Indicator.Unit.PERCENT, polarity=Indicator.Polarity.LOWER_IS_BETTER)
    PlanIndicator.objects.create(plan=plan, indicator=ni117, role=PlanIndicator.Role.HEADLINE)
    IndicatorTarget.objects.create(indicator=ni117, year=2008, value=Decimal("14.3"))
    for code, value in {**RISING, "2008/09-Q1": "14.3"}.items():
        IndicatorValue.objects.create(indicator=ni117, period=Period.for_code(code), value=Decimal(value),
                                      status=EntryStatus.SIGNED_OFF)
    return cycle


def rows(client, user, query: str = "") -> list[str]:
    client.force_login(user)
    response = client.get(OVERVIEW + query)
    assert response.status_code == 200
    page = response.content.decode()
    body = page[page.index("<tbody"):page.index("</tbody>")]
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row))).strip()
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)]


def test_each_plan_shows_its_headline_forecast_and_says_when_it_is_at_risk(client, council):
    found = rows(client, council["viewer"])
    assert [row.split()[0:2] for row in found] == [["NI", "117"], ["NI", "152"]]
    assert NI117 in found[0]
    assert "13.4% (80% range 13.4% to 13.4%) Very likely (over 99%)" in found[1] and "At risk" not in found[1]


def test_sorted_on_the_forecast_the_least_likely_comes_first(client, council):
    assert [row[:6] for row in rows(client, council["viewer"], "?sort=forecast")] == ["NI 117", "NI 152"]
    assert [row[:6] for row in rows(client, council["viewer"], "?sort=-forecast")] == ["NI 152", "NI 117"]


def test_the_at_risk_filter_keeps_the_plans_unlikely_to_meet_their_target(client, council):
    found = rows(client, council["viewer"], "?forecast=at_risk")
    assert len(found) == 1 and found[0].startswith("NI 117") and NI117 in found[0]


def test_a_draft_never_moves_the_overviews_forecast(client, council):
    enter(council, "15.2", commentary="A large employer closed in May")  # the expert's forecast: unlikely (19%)
    found = rows(client, council["expert"], "?forecast=at_risk")
    assert [row[:6] for row in found] == ["NI 117"]


def test_the_export_gives_the_forecast_in_plain_columns(client, council):
    client.force_login(council["viewer"])
    response = client.get(OVERVIEW + "?_export=csv")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")
                                            if response.streaming else response.content.decode("utf-8-sig"))))
    ni117 = next(row for row in table if row["Plan"] == "NI 117")
    assert (ni117["Year-end forecast (signed-off figures)"], ni117["Forecast 80% range from"],
            ni117["Forecast 80% range to"], ni117["Chance of meeting the target"], ni117["Forecast based on"]) == (
        "15.4%", "15.1", "15.8", "Very unlikely (1%)", "from 5 quarters; linear trend")

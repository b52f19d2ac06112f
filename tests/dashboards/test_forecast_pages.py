"""The year-end forecast on the indicator page and the plan dashboard, as each reader sees it.

The strategic group sees forecasts from signed-off figures only; the indicator's data expert, its owners and the
performance officers see them with the drafts included, marked provisional. The figures are those of
tests/forecast_builders.py, checked there by hand.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from plans.models import Period
from tests.cycle_builders import make_user, sign_off, submit_everything
from tests.forecast_builders import enter, falling_cycle

pytestmark = pytest.mark.django_db

SIGNED_OFF_FORECAST = ("Year-end forecast 2008/09 Forecast for the year end 13.4% 80% range 13.4% to 13.4% "
                       "Chance of meeting the target of 14.3% Very likely (over 99%) Based on From 4 quarters; linear trend")
DRAFT_FORECAST = ("Year-end forecast 2008/09 Forecast for the year end 15.2% Provisional Includes figures not yet signed "
                  "off 80% range 13.8% to 16.6% Chance of meeting the target of 14.3% Unlikely (19%) "
                  "Based on From 5 quarters; last value")


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def element(page: str, element_id: str, tag: str = "table") -> str:
    start = page.index(f'id="{element_id}"')
    return text(page[page.rindex(f"<{tag}", 0, start):page.index(f"</{tag}>", start)])


@pytest.fixture
def cycle():
    """NI 152 falling in a straight line, signed off, with a draft of 15.2% for 2008/09 Q1 that breaks the line."""
    cycle = falling_cycle()
    enter(cycle, "15.2", commentary="A large employer closed in May")
    return cycle


def page_of(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ["viewer", "officer"])
def test_the_strategic_group_and_other_readers_see_the_forecast_from_signed_off_figures_only(client, cycle, role):
    page = page_of(client, cycle[role], cycle.ni152.get_absolute_url())
    assert element(page, "forecast-figures") == SIGNED_OFF_FORECAST


@pytest.mark.parametrize("role", ["expert", "owner", "performance_officer"])
def test_those_who_enter_and_answer_for_it_see_the_drafts_in_it_marked_provisional(client, cycle, role):
    page = page_of(client, cycle[role], cycle.ni152.get_absolute_url())
    assert element(page, "forecast-figures") == DRAFT_FORECAST


def test_with_too_little_history_the_page_says_so_rather_than_guess(client, cycle):
    local = cycle.indicators[1]
    IndicatorTarget.objects.create(indicator=local, year=2008, value=Decimal(100))
    for code, value in {"2007/08-Q3": "80", "2007/08-Q4": "90", "2008/09-Q1": "95"}.items():  # three: one short
        IndicatorValue.objects.create(indicator=local, period=Period.for_code(code), value=Decimal(value),
                                      status="signed_off")
    page = page_of(client, cycle["viewer"], local.get_absolute_url())
    assert element(page, "forecast-figures") == (
        "Year-end forecast 2008/09 Forecast for the year end Not enough history to forecast "
        "Based on Not enough history to forecast")


def test_an_indicator_with_no_target_for_the_year_has_no_forecast(client, cycle):
    page = page_of(client, cycle["viewer"], cycle.indicators[1].get_absolute_url())
    assert 'id="forecast-figures"' not in page
    assert "No target for the year, so no forecast against it." in page


def test_the_indicator_page_shows_how_the_stored_forecasts_moved(client):
    cycle = falling_cycle()
    page = page_of(client, cycle["viewer"], cycle.ni152.get_absolute_url())
    assert 'id="forecast-moves-table"' not in page  # none stored before a sign-off
    submit_everything(cycle)  # NI 152: 14.5% at 2008/09 Q1
    sign_off(cycle)
    page = page_of(client, cycle["viewer"], cycle.ni152.get_absolute_url())
    rows = element(page, "forecast-moves-table")
    assert rows.startswith("How the forecast moved")
    assert "2008/09 Q1 2008/09 14.5% 13.9% to 15.1% 14.3% Unlikely (32%) From 5 quarters; last value" in rows


def test_the_plan_dashboard_charts_the_range_to_the_year_end_and_tables_it(client, cycle):
    page = page_of(client, cycle["viewer"], reverse("plan_dashboard", args=[cycle.plan.pk]))
    anchor = f"indicator-{cycle.ni152.pk}"
    assert element(page, f"{anchor}-forecast") == "NI 152: year-end forecast " + SIGNED_OFF_FORECAST.removeprefix(
        "Year-end forecast ")
    section = page[page.index(f'id="{anchor}"'):page.index(f'id="{anchor}-forecast"')]
    description = text(re.search(r"<desc[^>]*>(.*?)</desc>", section, re.DOTALL)[1])
    assert ("Forecast for 2008/09 Q4: 13.4%, with an 80% range of 13.4% to 13.4%, shown as a shaded band; "
            "very likely (over 99%) to meet the target.") in description
    assert "Year-end forecast" in section and "Forecast range (80%)" in section  # the chart's legend
    assert "the shaded band is the 80% range of the year-end forecast" in section


def test_the_plan_dashboard_gives_the_data_expert_the_provisional_forecast(client, cycle):
    page = page_of(client, cycle["expert"], reverse("plan_dashboard", args=[cycle.plan.pk]))
    anchor = f"indicator-{cycle.ni152.pk}"
    assert element(page, f"{anchor}-forecast") == "NI 152: year-end forecast " + DRAFT_FORECAST.removeprefix(
        "Year-end forecast ")
    section = page[page.index(f'id="{anchor}"'):page.index(f'id="{anchor}-forecast"')]
    assert "Year-end forecast (provisional)" in section


def test_an_indicator_shared_by_a_plan_of_another_owner_follows_each_readers_part(client, cycle):
    """The expert of NI 152 reads a plan whose other indicator someone else enters: drafts only in NI 152's."""
    other = make_user("other_expert", "Olive Other", "data_expert")
    local = Indicator.objects.create(code="LOCAL 9", name="Another measure", unit=Indicator.Unit.PERCENT,
                                     polarity=Indicator.Polarity.LOWER_IS_BETTER, data_expert=other.person)
    PlanIndicator.objects.create(plan=cycle.plan, indicator=local, position=9)
    page = page_of(client, cycle["expert"], reverse("plan_dashboard", args=[cycle.plan.pk]))
    assert "Provisional" in element(page, f"indicator-{cycle.ni152.pk}-forecast")

"""The forecast's rules in the reporting cycle: commentary when a value leaves its indicator unlikely to meet the
year's target, forecasts stored at sign-off, and the owner and data expert told when a sign-off moves an indicator
under 50% (by email, and on their home page's task list).

The figures are those of tests/forecast_builders.py: with NI 152 rising 0.4 a quarter through 2007/08 to 14.2%, a
2008/09 Q1 value of 14.3% meets the 14.3% target (green, no commentary needed for a miss) but forecasts 15.4% for
the year end, a 1% chance of meeting it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from indicators.models import Forecast as StoredForecast
from indicators.models import IndicatorValue
from monitoring import forecasts, services
from plans.models import Period
from tests.cycle_builders import make_cycle, sign_off, submit_everything
from tests.forecast_builders import FALLING, RISING, enter, with_history

pytestmark = pytest.mark.django_db

EARLIER = datetime(2008, 4, 30, 12, tzinfo=UTC)
AT_RISK = "Explain why NI 152 is unlikely to meet its target of 14.3% for 2008/09 (forecast 15.4%, 1% likely)."


@pytest.fixture
def rising():
    return with_history(make_cycle(), RISING)


def test_a_value_on_target_that_leaves_the_year_unlikely_needs_commentary(rising):
    with pytest.raises(ValidationError) as raised:
        enter(rising, "14.3")
    assert raised.value.message_dict == {"commentary": [AT_RISK]}
    assert not IndicatorValue.objects.filter(indicator=rising.ni152, period=rising.round.period).exists()


def test_with_commentary_the_value_is_saved(rising):
    saved = enter(rising, "14.3", commentary="Two large employers closed in May; the jobs fair is in September")
    assert saved.value == Decimal("14.3")


def test_a_value_that_keeps_the_year_likely_needs_none():
    cycle = with_history(make_cycle(), FALLING)
    assert enter(cycle, "14.0").commentary == ""  # the line carries on to 13.4%: very likely


def test_the_miss_rule_speaks_first_and_the_forecast_rule_is_the_same_words_through_the_form(client, rising):
    client.force_login(rising["expert"])
    prefix = f"indicator-{rising.ni152.pk}"
    response = client.post(reverse("values_edit", args=[rising.report.pk]), {
        f"{prefix}-value": "14.3", f"{prefix}-commentary": "", f"{prefix}-version": 0, "move": "submit",
    })
    assert response.status_code == 200
    assert AT_RISK in response.content.decode().replace("&#x27;", "'")
    with pytest.raises(ValidationError, match="Explain why the value misses its target of 14.3%"):
        enter(rising, "14.6")


def test_the_rule_is_one_function_an_import_can_ask_of_rows_it_has_read(rising):
    earlier = list(IndicatorValue.objects.filter(indicator=rising.ni152).select_related("period"))
    period = Period.for_code("2008/09-Q1")
    assert services.forecast_commentary_problem(rising.ni152, earlier, period, Decimal("14.3"), Decimal("14.3"), "") \
        == AT_RISK
    assert services.forecast_commentary_problem(rising.ni152, earlier, period, Decimal("14.3"), Decimal("14.3"),
                                                "Explained") is None
    assert services.forecast_commentary_problem(rising.ni152, earlier, period, Decimal("14.3"), None, "") is None


def test_sign_off_stores_the_forecast_of_each_indicator_with_a_target():
    cycle = with_history(make_cycle(), FALLING)
    submit_everything(cycle)  # NI 152 at 14.5% for 2008/09 Q1; the local measure has no target
    sign_off(cycle)
    stored = StoredForecast.objects.get()
    assert (stored.indicator, stored.period.code, stored.year) == (cycle.ni152, "2008/09-Q1", 2008)
    assert (stored.value, stored.low, stored.high, stored.method, stored.points) == (
        Decimal("14.5"), Decimal("13.9"), Decimal("15.1"), "last value", 5)
    assert round(stored.probability, 2) == 0.32


def test_a_sign_off_that_moves_an_indicator_under_50_percent_tells_its_owner_and_data_expert(
    client, django_capture_on_commit_callbacks,
):
    cycle = with_history(make_cycle(), FALLING)
    submit_everything(cycle)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign_off(cycle)
    warned = [message for message in mail.outbox if "unlikely" in message.subject]
    assert sorted(message.to[0] for message in warned) == ["expert@example.org", "owner@example.org"]
    message = warned[0]
    assert message.subject == "Partnership Monitor, Test Partnership: NI 152 now unlikely to meet its target for 2008/09"
    assert ("NI 152. Year-end forecast for 2008/09: 14.5% (80% range 13.9% to 15.1%); unlikely (32%) to meet the "
            "target of 14.3%; from 5 quarters; last value.") in message.body
    assert message.body.rstrip().endswith("Partnership Monitor, Test Partnership")

    client.force_login(cycle["expert"])
    home = client.get(reverse("home")).content.decode()
    assert "Indicators unlikely to meet their target" in home
    assert "Say why NI 152 is unlikely to meet its target of 14.3% for 2008/09" in home
    assert "Unlikely (32%)" in home
    client.force_login(cycle["viewer"])
    assert "Indicators unlikely to meet their target" not in client.get(reverse("home")).content.decode()


def test_no_second_warning_while_it_stays_under_50_percent(django_capture_on_commit_callbacks):
    cycle = with_history(make_cycle(), FALLING)
    submit_everything(cycle)
    StoredForecast.objects.create(indicator=cycle.ni152, period=Period.for_code("2007/08-Q4"), made_at=EARLIER,
                                  year=2008, value=Decimal("15"), probability=0.2, method="last value", points=4)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign_off(cycle)
    assert not [message for message in mail.outbox if "unlikely" in message.subject]
    assert StoredForecast.objects.count() == 2


def test_the_stored_forecast_reads_as_the_page_shows_it():
    cycle = with_history(make_cycle(), FALLING)
    submit_everything(cycle)
    sign_off(cycle)
    view = forecasts.stored_view(cycle.ni152, StoredForecast.objects.get())
    assert view.band_label == "Unlikely (32%)" and view.is_at_risk and not view.is_provisional

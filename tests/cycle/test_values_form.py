"""The values page: one form for all the period's values the expert looks after, saved all together or not at all."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return make_cycle(actions=1, indicators=4)


def values_url(c):
    return reverse("values_edit", args=[c.report.pk])


def value_of(c, indicator) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(indicator=indicator, period=c.round.period).first()


def all_values(c, typed: dict, *, move="draft", commentary=None, versions=None, confirm=()) -> dict:
    """Return the whole form as the browser posts it: every row's value, commentary and version, and the move."""
    data = {"move": move}
    for indicator in c.indicators:
        prefix = f"indicator-{indicator.pk}"
        data[f"{prefix}-value"] = typed.get(indicator, "")
        data[f"{prefix}-commentary"] = (commentary or {}).get(indicator, "")
        data[f"{prefix}-version"] = (versions or {}).get(indicator, 0)
        if indicator in confirm:
            data[f"{prefix}-confirm_outlier"] = "on"
    return data


def typed_for_all(c) -> dict:
    return {c.ni152: "14.2", **{indicator: str(100 + i) for i, indicator in enumerate(c.indicators[1:])}}


def test_it_shows_one_form_with_one_save_and_one_submit(client, c):
    client.force_login(c["expert"])

    page = client.get(values_url(c)).content.decode()

    assert page.count("<form method=\"post\" action=\"" + values_url(c)) == 1
    assert page.count('value="submit"') == 1 and page.count('value="draft"') == 1
    for indicator in c.indicators:
        assert f'name="indicator-{indicator.pk}-value"' in page


def test_it_saves_every_value_as_a_draft_in_one_post(client, c):
    client.force_login(c["expert"])

    response = client.post(values_url(c), all_values(c, typed_for_all(c)))

    assert response.status_code == 302
    saved = [value_of(c, indicator) for indicator in c.indicators]
    assert [entry.status for entry in saved] == [EntryStatus.DRAFT] * 4
    assert [entry.value for entry in saved] == [Decimal("14.2"), 100, 101, 102]
    assert "4 values saved as drafts." in client.get(values_url(c)).content.decode()


def test_submit_submits_every_value(client, c):
    client.force_login(c["expert"])

    response = client.post(values_url(c), all_values(c, typed_for_all(c), move="submit"))

    assert response.status_code == 302
    assert {value_of(c, indicator).status for indicator in c.indicators} == {EntryStatus.SUBMITTED}


def test_submit_after_save_submits_the_unchanged_drafts(client, c):
    client.force_login(c["expert"])
    client.post(values_url(c), all_values(c, typed_for_all(c)))
    versions = {indicator: value_of(c, indicator).version for indicator in c.indicators}
    typed = {indicator: f"{value_of(c, indicator).value:.{indicator.decimal_places}f}" for indicator in c.indicators}

    assert client.post(values_url(c), all_values(c, typed, move="submit", versions=versions)).status_code == 302

    assert {value_of(c, indicator).status for indicator in c.indicators} == {EntryStatus.SUBMITTED}


def test_a_blank_row_never_entered_is_left_alone(client, c):
    client.force_login(c["expert"])

    response = client.post(values_url(c), all_values(c, {c.ni152: "14.2"}))

    assert response.status_code == 302
    assert value_of(c, c.ni152).value == Decimal("14.2")
    assert all(value_of(c, indicator) is None for indicator in c.indicators[1:])


def test_an_error_on_one_value_saves_nothing_lists_every_error_and_keeps_what_was_typed(client, c):
    client.force_login(c["expert"])
    typed = {**typed_for_all(c), c.ni152: "14.5", c.indicators[2]: "a hundred"}
    commentary = {c.indicators[1]: "Counted at the new centre", c.indicators[3]: "As last quarter"}

    response = client.post(values_url(c), all_values(c, typed, move="submit", commentary=commentary))

    assert response.status_code == 200
    assert IndicatorValue.objects.filter(period=c.round.period).count() == 0
    page = response.content.decode()
    assert page.count("govuk-error-summary__list") == 1
    ni152, bad = f"id_indicator-{c.ni152.pk}", f"id_indicator-{c.indicators[2].pk}"
    assert f'href="#{ni152}-commentary"' in page  # a miss of its target needs commentary
    assert f'href="#{bad}-value"' in page and "Enter a number, like " in page
    for indicator, text in typed.items():
        assert re.search(rf'name="indicator-{indicator.pk}-value"[^>]*value="{re.escape(escape(text))}"', page)
    assert "Counted at the new centre" in page and "As last quarter" in page
    assert page.count('value="submit"') == 1


def test_an_outlier_asks_for_confirmation_beside_that_value_only(client, c):
    client.force_login(c["expert"])
    typed = {**typed_for_all(c), c.ni152: "31.0"}
    commentary = {c.ni152: "A new count of claimants"}

    response = client.post(values_url(c), all_values(c, typed, commentary=commentary))

    page = response.content.decode()
    assert response.status_code == 200 and value_of(c, c.indicators[1]) is None
    assert f'name="indicator-{c.ni152.pk}-confirm_outlier"' in page
    assert f'name="indicator-{c.indicators[1].pk}-confirm_outlier"' not in page
    assert escape(services.OUTLIER_WARNING) in page

    confirmed = client.post(values_url(c), all_values(c, typed, commentary=commentary, confirm=[c.ni152]))

    assert confirmed.status_code == 302
    assert value_of(c, c.ni152).outlier_confirmed and value_of(c, c.indicators[3]).value == 102


def test_a_stale_edit_is_refused_with_409_and_keeps_every_typed_value(client, c):
    client.force_login(c["expert"])
    submit_value(c, c.indicators[1], "90")  # saved in another tab after this page was opened
    typed = typed_for_all(c)

    response = client.post(values_url(c), all_values(c, typed, commentary={c.ni152: "From this tab"}))

    assert response.status_code == 409
    page = response.content.decode()
    assert escape(services.STALE_EDIT) in page and "The latest saved value" in page
    assert 'value="14.2"' in page and "From this tab" in page and 'value="101"' in page
    assert value_of(c, c.ni152) is None and value_of(c, c.indicators[1]).value == 90


def test_a_locked_return_refuses_with_409(client, c):
    sign_off(submit_everything(c))
    client.force_login(c["expert"])
    versions = {indicator: value_of(c, indicator).version for indicator in c.indicators}

    response = client.post(values_url(c), all_values(c, typed_for_all(c), versions=versions, move="submit"))

    assert response.status_code == 409
    assert escape(services.LOCKED) in response.content.decode()
    assert value_of(c, c.indicators[1]).value == 120


def test_a_signed_off_value_is_shown_read_only(client, c):
    submit_value(c, c.indicators[1], "90")
    IndicatorValue.objects.filter(indicator=c.indicators[1]).update(status=EntryStatus.SIGNED_OFF)
    client.force_login(c["expert"])

    page = client.get(values_url(c)).content.decode()

    assert f'name="indicator-{c.indicators[1].pk}-value"' not in page
    assert f'name="indicator-{c.indicators[2].pk}-value"' in page


def test_a_returned_value_shows_the_reviewer_comment(client, c):
    submit_value(c, c.indicators[1], "90")
    IndicatorValue.objects.filter(indicator=c.indicators[1]).update(
        status=EntryStatus.RETURNED, reviewer_comment="Check the count against the register",
    )
    client.force_login(c["expert"])

    page = client.get(values_url(c)).content.decode()

    assert "Sent back with this comment" in page and "Check the count against the register" in page

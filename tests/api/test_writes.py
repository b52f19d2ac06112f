"""Indicator values written through the API obey the values form's rules, in its words, by the same service:
who may write, the lock, optimistic concurrency (ETag / If-Match, 412 with the current value), all-or-nothing
batches, and Idempotency-Key replays."""

from __future__ import annotations

import pytest

from indicators.models import IndicatorValue
from monitoring import services
from monitoring.api import writes
from tests.cycle_builders import sign_off, submit_everything

pytestmark = pytest.mark.django_db


def url(cycle, indicator=None) -> str:
    base = f"/api/v1/returns/{cycle.report.pk}/values/"
    return f"{base}{(indicator or cycle.ni152).pk}/" if indicator is not False else base


def put(client, address, body, **headers):
    return client.put(address, body, content_type="application/json", headers=headers)


def test_the_data_expert_enters_a_value_and_gets_its_etag(cycle, as_role):
    response = put(as_role("expert"), url(cycle), {"value": "14.5", "commentary": "Redundancies"})
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["value"], body["status"], body["commentary"], body["period"]) == (
        "14.5000", "submitted", "Redundancies", "2008/09-Q1")
    stored = IndicatorValue.objects.get(indicator=cycle.ni152, period=cycle.round.period)
    assert stored.entered_by == cycle["expert"]


def test_a_viewer_cannot_write_a_value(cycle, as_role):
    response = put(as_role("viewer"), url(cycle), {"value": "14.5"})
    assert response.status_code == 403
    assert response.json()["detail"] == services.NOT_YOUR_INDICATOR
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()


def test_a_missed_target_needs_commentary_in_the_forms_words(cycle, as_role):
    response = put(as_role("expert"), url(cycle), {"value": "14.5"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    message = services.COMMENTARY_REQUIRED.format(target="14.3%")
    assert response.json()["errors"] == {"commentary": [message]}
    assert response.json()["detail"] == message


def test_a_value_that_is_not_a_number_is_refused_in_the_forms_words(cycle, as_role):
    response = put(as_role("expert"), url(cycle), {"value": "=1+1"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"value": ["Enter a number, like 14.2."]}


@pytest.mark.parametrize("body", [{"value": 14.5}, {"value": ["1"]}, {}, {"value": "1", "submit": "maybe"}, [1]])
def test_wrong_types_answer_400(cycle, as_role, body):
    response = put(as_role("expert"), url(cycle), body)
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_a_change_needs_if_match_and_a_stale_one_answers_412_with_the_current_value(cycle, as_role):
    expert = as_role("expert")
    put(expert, url(cycle), {"value": "14.5", "commentary": "First"})
    assert put(expert, url(cycle), {"value": "14.4", "commentary": "Again"}).status_code == 428
    fresh = put(expert, url(cycle), {"value": "14.4", "commentary": "Second"}, **{"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh["ETag"] == '"2"'
    stale = put(expert, url(cycle), {"value": "14.2", "commentary": "Third"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["detail"] == services.STALE_EDIT
    assert stale.json()["current"]["value"] == "14.4000" and stale["ETag"] == '"2"'
    assert IndicatorValue.objects.get(indicator=cycle.ni152, period=cycle.round.period).commentary == "Second"


def test_nobody_writes_to_a_signed_off_return(cycle, as_role):
    sign_off(submit_everything(cycle))
    response = put(as_role("expert"), url(cycle), {"value": "14.0", "commentary": "Late"}, **{"If-Match": '"1"'})
    assert response.status_code == 409
    assert response.json()["detail"] == services.LOCKED


def test_a_batch_saves_every_value(cycle, as_role):
    local = cycle.indicators[1]
    response = as_role("expert").post(url(cycle, False), {"values": [
        {"indicator": cycle.ni152.pk, "value": "14.5", "commentary": "Redundancies"},
        {"indicator": local.pk, "value": "120"},
    ]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert [(v["indicator_code"], v["value"]) for v in response.json()["values"]] == [
        ("NI 152", "14.5000"), ("LOCAL 1", "120.0000")]


def test_a_batch_with_one_refused_value_saves_nothing_and_lists_every_problem(cycle, as_role):
    local = cycle.indicators[1]
    response = as_role("expert").post(url(cycle, False), {"values": [
        {"indicator": local.pk, "value": "120"},
        {"indicator": cycle.ni152.pk, "value": "14.5"},
        {"indicator": local.pk, "value": "2"},
    ]}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "values[1].commentary": [services.COMMENTARY_REQUIRED.format(target="14.3%")],
        "values[2].indicator": [writes.DUPLICATE],
    }
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()


def test_an_idempotency_key_replays_the_first_answer(cycle, as_role):
    expert = as_role("expert")
    body = {"values": [{"indicator": cycle.indicators[1].pk, "value": "120"}]}
    first = expert.post(url(cycle, False), body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    again = expert.post(url(cycle, False), body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert IndicatorValue.objects.get(indicator=cycle.indicators[1], period=cycle.round.period).version == 1
    other = expert.post(url(cycle, False), {"values": [{"indicator": cycle.indicators[1].pk, "value": "121"}]},
                        content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert other.status_code == 422 and other.json()["detail"] == writes.KEY_REUSED


def test_a_viewers_batch_saves_nothing(cycle, as_role):
    """Every value refused for the same reason, the caller's: 403, as for one value."""
    response = as_role("viewer").post(url(cycle, False), {"values": [
        {"indicator": cycle.indicators[1].pk, "value": "120"}, {"indicator": cycle.ni152.pk, "value": "14.2"}]},
        content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == services.NOT_YOUR_INDICATOR
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()


def test_a_batch_partly_refused_lists_each_value_by_its_place(cycle, as_role):
    """An expert's batch with one value of another's indicator and one bad figure: 422, both problems, no save."""
    cycle.indicators[1].data_expert = cycle["owner"].person
    cycle.indicators[1].save()
    response = as_role("expert").post(url(cycle, False), {"values": [
        {"indicator": cycle.indicators[1].pk, "value": "120"}, {"indicator": cycle.ni152.pk, "value": "lots"}]},
        content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["values[0]"] == [services.NOT_YOUR_INDICATOR]
    assert list(errors) == ["values[0]", "values[1].value"]
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()


def test_a_huge_body_is_refused_with_413(cycle, as_role):
    response = put(as_role("expert"), url(cycle), {"value": "1", "commentary": "x" * 3_000_000})
    assert response.status_code == 413

"""Hostile and awkward batches through `POST /api/v1/returns/{id}/values/`: too many values, indicators that do not
exist or belong to another partnership mixed with good ones and with values the rules refuse, a stale version, and
a batch at the limit's edge. Each is refused whole, with every problem named by its place, in place order."""

from __future__ import annotations

import pytest

from indicators.models import Indicator, IndicatorValue
from monitoring import services
from monitoring.api import problems, writes
from monitoring.models import WorkflowEvent
from tests.builders import make_partnership
from tests.cycle_builders import submit_value

pytestmark = pytest.mark.django_db

MISSED = services.COMMENTARY_REQUIRED.format(target="14.3%")


def post(client, cycle, values):
    return client.post(f"/api/v1/returns/{cycle.report.pk}/values/", {"values": values},
                       content_type="application/json")


def test_more_values_than_the_limit_are_refused_before_anything_is_read(cycle, as_role):
    values = [{"indicator": cycle.indicators[1].pk, "value": "1"}] * (writes.BATCH_LIMIT + 1)
    response = post(as_role("expert"), cycle, values)
    assert response.status_code == 400
    assert response.json()["errors"] == {"values": [f"Send at most {writes.BATCH_LIMIT} values in one batch."]}
    assert writes.BATCH_LIMIT == 1000
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()


def test_unknown_and_other_partnerships_indicators_are_not_found_beside_the_rules_own_refusals(cycle, as_role):
    elsewhere = Indicator.objects.create(partnership=make_partnership("Elsewhere"), code="NI 152", name="Theirs",
                                         data_expert=cycle["expert"].person)
    response = post(as_role("expert"), cycle, [
        {"indicator": cycle.indicators[1].pk, "value": "120"},
        {"indicator": 2**40, "value": "1"},
        {"indicator": cycle.ni152.pk, "value": "14.6"},
        {"indicator": elsewhere.pk, "value": "14.6"},
        {"indicator": cycle.indicators[1].pk, "value": "121"},
    ])
    assert response.status_code == 422
    body = response.json()
    assert list(body["errors"].items()) == [
        ("values[1].indicator", [problems.NOT_FOUND]),
        ("values[2].commentary", [MISSED]),
        ("values[3].indicator", [problems.NOT_FOUND]),
        ("values[4].indicator", [writes.DUPLICATE]),
    ]
    assert body["detail"] == f"Nothing was saved. {problems.NOT_FOUND}"
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()
    assert not WorkflowEvent.objects.filter(indicator_value__isnull=False).exists()


def test_a_batch_of_unknown_indicators_only_saves_nothing(cycle, as_role):
    response = post(as_role("expert"), cycle, [{"indicator": 2**40, "value": "1"}])
    assert response.status_code == 422
    assert response.json()["errors"] == {"values[0].indicator": [problems.NOT_FOUND]}


def test_a_stale_version_in_a_batch_is_named_and_the_rest_is_not_saved(cycle, as_role):
    submit_value(cycle, cycle.indicators[1], "100")
    submit_value(cycle, cycle.indicators[1], "101")  # version 2: someone saved after the caller read version 1
    response = post(as_role("expert"), cycle, [
        {"indicator": cycle.ni152.pk, "value": "14.2"},
        {"indicator": cycle.indicators[1].pk, "value": "102", "version": 1},
    ])
    assert response.status_code == 422
    assert response.json()["errors"] == {"values[1]": [services.STALE_EDIT]}
    assert sorted(IndicatorValue.objects.filter(period=cycle.round.period).values_list("value", "version")) == [
        (101, 2)]


@pytest.mark.parametrize("version", [0, -1, 2**31, "one", 1.5, True, [1]])
def test_a_version_that_is_no_version_is_refused_as_malformed(cycle, as_role, version):
    response = post(as_role("expert"), cycle, [{"indicator": cycle.indicators[1].pk, "value": "1", "version": version}])
    assert response.status_code == 400, response.content
    assert [key.split(".")[0] for key in response.json()["errors"]] == ["values"], response.json()
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()


def test_the_answer_is_the_values_as_stored(cycle, as_role):
    submit_value(cycle, cycle.indicators[1], "100", submit=False)
    response = post(as_role("expert"), cycle, [
        {"indicator": cycle.indicators[1].pk, "value": "1,200", "version": 1},
        {"indicator": cycle.ni152.pk, "value": "14.2%"},
    ])
    assert response.status_code == 200, response.content
    stored = {value.pk: value for value in IndicatorValue.objects.filter(period=cycle.round.period)}
    answer = response.json()["values"]
    assert [(row["indicator_code"], row["value"], row["version"], row["status"], row["period"]) for row in answer] == [
        ("LOCAL 1", "1200.0000", 2, "submitted", "2008/09-Q1"), ("NI 152", "14.2000", 1, "submitted", "2008/09-Q1")]
    for row in answer:
        value = stored[row["id"]]
        assert (row["version"], row["updated_at"][:19]) == (value.version, value.updated_at.isoformat()[:19])

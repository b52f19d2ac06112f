"""A batch of values costs the same number of queries whatever its length: the rules read what they need once for the
whole batch (monitoring.services.indicator_values_save) and the values, their history and their workflow events are
written in a handful of statements. Measured through the API with a data expert's token, at 5 and at 50 values, for
first entries, for changes, and for a batch the rules refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from plans.models import Period
from tests.api.conftest import TokenClient, key_for

pytestmark = pytest.mark.django_db

HISTORY = ["2007/08-Q1", "2007/08-Q2", "2007/08-Q3", "2007/08-Q4"]


def indicators_for(cycle, name: str, count: int) -> list[Indicator]:
    """Add `count` counts to the cycle's plan, looked after by its data expert, each with a 2008/09 target and four
    signed-off quarters of 2007/08 (so that the outlier, target and forecast rules all have something to read)."""
    quarters = [Period.for_code(code) for code in HISTORY]
    made = []
    for n in range(count):
        indicator = Indicator.objects.create(code=f"{name} {n}", name=f"{name} measure {n}", unit=Indicator.Unit.COUNT,
                                             data_expert=cycle["expert"].person)
        PlanIndicator.objects.create(plan=cycle.plan, indicator=indicator, position=100 + len(made))
        IndicatorTarget.objects.create(indicator=indicator, year=2008, value=Decimal(90))
        for step, quarter in enumerate(quarters):
            IndicatorValue.objects.create(indicator=indicator, period=quarter, value=Decimal(100 + step),
                                          status=EntryStatus.SIGNED_OFF)
        made.append(indicator)
    return made


def post(client, cycle, values) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/returns/{cycle.report.pk}/values/", {"values": values},
                               content_type="application/json")
    return len(queries), response


def test_a_batch_costs_the_same_queries_for_5_and_for_50_values(cycle):
    client = TokenClient(key_for(cycle["expert"]))
    client.get("/api/v1/plans/")  # the token's first use is recorded once; not part of what is measured
    found = {}
    for size in (5, 50):
        indicators = indicators_for(cycle, f"S{size}", size)
        first = [{"indicator": indicator.pk, "value": "104"} for indicator in indicators]
        queries, response = post(client, cycle, first)
        assert response.status_code == 200, response.content
        assert [value["version"] for value in response.json()["values"]] == [1] * size
        found[size, "first entries"] = queries

        changes = [{"indicator": indicator.pk, "value": "105", "version": 1} for indicator in indicators]
        queries, response = post(client, cycle, changes)
        assert response.status_code == 200, response.content
        assert [value["value"] for value in response.json()["values"]] == ["105.0000"] * size
        found[size, "changes"] = queries

        refused = [{"indicator": indicator.pk, "value": "80", "version": 2} for indicator in indicators]
        queries, response = post(client, cycle, refused)
        assert response.status_code == 422, response.content
        assert len(response.json()["errors"]) == size  # each misses its target of 90 with no commentary
        found[size, "refused"] = queries

    stored = IndicatorValue.objects.filter(period=cycle.round.period, indicator__code__startswith="S")
    assert sorted(set(stored.values_list("value", "version"))) == [(Decimal(105), 2)]
    assert stored.count() == 55
    for what in ("first entries", "changes", "refused"):
        assert found[5, what] == found[50, what], found
    assert max(found.values()) <= 30, found

"""Every list costs the same number of queries whatever its size: measured at two sizes, as the performance
officer (every value, no visibility filter) and as a viewer (signed-off values only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import FundingAmount, FundingLine
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring.models import ReportingRound, Return
from plans.models import ActionTarget, DeliveryAction, Period, Risk, Section
from tests.builders import make_plan

pytestmark = pytest.mark.django_db

LISTS = ["plans", "indicators", "indicator-values", "funding-lines", "risks", "rounds", "returns", "partnerships"]


def grow(cycle, times: int) -> None:
    """Add `times` plans, each with sections, actions with targets, an indicator with values, funding and a risk,
    and `times` rounds with returns."""
    quarters = [Period.for_code(f"2009/10-Q{n}") for n in range(1, 5)]
    for n in range(times):
        plan = make_plan(f"GROW {times}-{n}", first_year=2008, last_year=2010)
        for position in (1, 2):
            Section.objects.create(plan=plan, position=position, heading=f"Section {position}")
            action = DeliveryAction.objects.create(plan=plan, position=position, title=f"Action {position}")
            ActionTarget.objects.create(action=action, year=2009, value=Decimal(10))
        indicator = Indicator.objects.create(code=f"G {times}-{n}", name=f"Growth {n}", unit=Indicator.Unit.COUNT,
                                             data_expert=cycle["expert"].person)
        indicator.owners.add(cycle["owner"].person)
        IndicatorTarget.objects.create(indicator=indicator, year=2009, value=Decimal(5))
        PlanIndicator.objects.create(plan=plan, indicator=indicator)
        for quarter in quarters:
            IndicatorValue.objects.create(indicator=indicator, period=quarter, value=Decimal(n),
                                          status=EntryStatus.SIGNED_OFF)
        line = FundingLine.objects.create(plan=plan, position=1, name=f"Stream {n}")
        FundingAmount.objects.create(line=line, year=2009, amount=Decimal(1000))
        Risk.objects.create(plan=plan, position=1, risk=f"Risk {n}", owner=cycle["owner"].person)
        year = 2011 + n + (10 if times > 2 else 0)  # each round its own financial year
        period = Period.for_code(f"{year}/{(year + 1) % 100:02d}")
        reporting_round = ReportingRound.objects.create(period=period, due_date=date(year + 1, 5, 1))
        Return.objects.create(round=reporting_round, plan=plan)


def counts(client) -> dict[str, tuple[int, int]]:
    """Return each list's (query count, rows on the page)."""
    found = {}
    for name in LISTS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{name}/?page_size=500")
        assert response.status_code == 200, (name, response.content)
        found[name] = (len(queries), len(response.json()["results"]))
    return found


@pytest.mark.parametrize("role", ["performance_officer", "viewer"])
def test_query_counts_do_not_grow_with_the_page(cycle, as_role, role):
    client = as_role(role)
    client.get("/api/v1/partnerships/")  # the token's first use records it (one write a minute): not measured
    grow(cycle, 2)
    small = counts(client)
    grow(cycle, 10)
    large = counts(client)
    assert {name: small[name][0] for name in LISTS} == {name: large[name][0] for name in LISTS}
    assert large["plans"][1] == small["plans"][1] + 10
    assert large["indicator-values"][1] == small["indicator-values"][1] + 40
    # Authentication, scope, throttle and visibility: a fixed cost every request pays (reported in issue 17).
    assert small["plans"][0] <= 14 and small["indicator-values"][0] <= 12, small

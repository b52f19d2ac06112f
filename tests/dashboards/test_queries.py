"""Each dashboard runs the same number of queries for a small council and a large one, and no more than 13 (the
overview counts its plans, then reads only the page of them it shows).

Small: 3 plans, a plan of 3 actions and 2 indicators, 2 funding lines, 2 risks and 4 earlier values of NI 152.
Large: 30 plans, 30 actions and 12 indicators, 20 funding lines, 20 risks and 40 earlier values. Every plan has a
headline indicator with targets and values, and a return in the open round with some progress submitted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.models import FundingAmount, FundingLine
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import services
from plans import periods
from plans.models import DeliveryAction, Period, PlanRole, Risk
from tests.builders import make_plan
from tests.cycle_builders import Cycle, make_cycle, submit_progress

pytestmark = pytest.mark.django_db

SMALL = {"plans": 3, "actions": 3, "indicators": 2, "lines": 2, "risks": 2, "values": 4}
LARGE = {"plans": 30, "actions": 30, "indicators": 12, "lines": 20, "risks": 20, "values": 40}
MOST_QUERIES = 13

PAGES = {
    "overview": (lambda c: reverse("dashboard_overview"), "viewer"),
    "overview-filtered": (
        lambda c: reverse("dashboard_overview") + f"?owner={c['owner'].person.pk}&year=2008&rag=red&sort=-rag",
        "viewer",
    ),
    # The second page reads its own rows' facts; sorting on the current return reads every row's, in the same queries.
    "overview-page-2": (lambda c: reverse("dashboard_overview") + "?page=2&per_page=2", "viewer"),
    "overview-by-return": (lambda c: reverse("dashboard_overview") + "?sort=current", "viewer"),
    "overview-csv": (lambda c: reverse("dashboard_overview") + "?_export=csv", "viewer"),
    "overview-xlsx": (lambda c: reverse("dashboard_overview") + "?_export=xlsx", "viewer"),
    "not_reported-viewer": (lambda c: reverse("dashboard_not_reported"), "viewer"),
    "not_reported-performance_officer": (lambda c: reverse("dashboard_not_reported"), "performance_officer"),
    "plan_dashboard": (lambda c: reverse("plan_dashboard", args=[c.plan.pk]), "viewer"),
    "indicator_detail": (lambda c: c.ni152.get_absolute_url(), "viewer"),
}


def make_council(size: dict) -> Cycle:
    """Build NI 152 at the size with its people, further plans with their headline indicators, and a round."""
    cycle = make_cycle(actions=size["actions"], indicators=size["indicators"], unassigned_every=3)
    plan, people = cycle.plan, {role: user.person for role, user in cycle.users.items()}
    for position in range(size["lines"]):
        line = FundingLine.objects.create(plan=plan, position=position, name=f"Stream {position}")
        FundingAmount.objects.create(line=line, year=2008, amount=Decimal(1000 * (position + 1)))
        FundingAmount.objects.create(line=line, year=2009, status=FundingAmount.Status.TBC)
    for position in range(size["risks"]):
        Risk.objects.create(plan=plan, position=position, risk=f"Risk {position}",
                            likelihood=position % 5 + 1, impact=(position * 2) % 5 + 1)
    span = periods.parse("2007/08-Q1")
    for _ in range(size["values"]):
        span = span.previous()
        IndicatorValue.objects.create(indicator=cycle.ni152, period=Period.for_span(span), value=Decimal("15.1"),
                                      status=EntryStatus.SIGNED_OFF, commentary="Earlier")
    for number in range(size["plans"] - 1):
        other = make_plan(f"PLAN {number:02d}", theme=f"Theme {number % 3}", first_year=2007, last_year=2010)
        PlanRole.objects.create(plan=other, role=PlanRole.Role.INDICATOR_OWNER, person=people["owner"])
        indicator = Indicator.objects.create(code=f"LOCAL H{number}", name=f"Headline {number}",
                                             polarity=Indicator.Polarity.LOWER_IS_BETTER, data_expert=people["expert"])
        indicator.owners.add(people["owner"])
        PlanIndicator.objects.create(plan=other, indicator=indicator, role=PlanIndicator.Role.HEADLINE)
        IndicatorTarget.objects.create(indicator=indicator, year=2008, value=Decimal("10.0"))
        for code in ("2007/08-Q3", "2007/08-Q4", "2008/09-Q1"):
            IndicatorValue.objects.create(indicator=indicator, period=Period.for_code(code), value=Decimal("11.0"),
                                          status=EntryStatus.SIGNED_OFF)
        for position in range(1, 4):
            DeliveryAction.objects.create(plan=other, position=position, title=f"Action {position}",
                                          lead_officer=people["officer"] if position % 2 else people["other_officer"])
    reporting_round = services.round_open(period=Period.for_code("2008/09-Q2"), due_date=date(2008, 10, 31),
                                          user=cycle["performance_officer"])
    cycle.round, cycle.report = reporting_round, reporting_round.returns.get(plan=plan)
    for action in cycle.actions[: len(cycle.actions) // 2]:
        submit_progress(cycle, action, rag="amber", outputs=Decimal(10) if action == cycle.action else None,
                        rag_reason="Outputs are counted late this year" if action == cycle.action else "")
    return cycle


def queries(client, size: dict, page: str) -> int:
    """Build a council of the size, open the page once to warm caches, and count the queries of a second visit."""
    url, role = PAGES[page]
    with transaction.atomic():
        cycle = make_council(size)
        client.force_login(cycle[role])
        assert client.get(url(cycle)).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(cycle))
        assert response.status_code == 200
        client.logout()
        transaction.set_rollback(True)  # leave the database empty for the other size
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_plans_actions_indicators_or_values(client, page):
    small, large = queries(client, SMALL, page), queries(client, LARGE, page)
    print(f"{page}: {small} queries for the small council, {large} for the large one")
    assert small == large, f"{page}: {small} queries for the small council, {large} for the large one"
    assert large <= MOST_QUERIES, f"{page}: {large} queries, more than {MOST_QUERIES}"


def test_the_large_council_fills_every_page(client):
    """The sizes are worth comparing: the large council's pages show what was built."""
    with transaction.atomic():
        cycle = make_council(LARGE)
        client.force_login(cycle["viewer"])
        overview = client.get(reverse("dashboard_overview")).content.decode()
        dashboard = client.get(reverse("plan_dashboard", args=[cycle.plan.pk])).content.decode()
        indicator = client.get(cycle.ni152.get_absolute_url()).content.decode()
        not_reported = client.get(reverse("dashboard_not_reported")).content.decode()
        transaction.set_rollback(True)

    assert "30 plans" in overview and "(page 1 of 2)" in overview
    assert dashboard.count('<svg role="img"') == 12 + 2
    assert 'id="heat-map"' in dashboard
    assert dashboard.count("Stream ") >= 20
    assert indicator.count("Earlier") == 40
    assert "Who has not reported in 2008/09 Q2" in not_reported

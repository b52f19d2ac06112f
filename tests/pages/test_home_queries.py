"""The home page runs the same number of queries for a small plan and a large one, and no more than 13 (12 before
partnerships), whoever signs in.

Small: 3 actions and 2 indicators; large: 30 actions and 12 indicators. Every third action has no lead officer (a
performance officer reports it, or the person named to report it). A person with several roles (an officer who
signs off, an officer who enters values and reports for the leads with no login, a performance officer who does
everything) stays within the same budget. Part of the return is submitted, one entry was sent back and submitted again, and
an earlier round's return is signed off, so that every section of every home has something to show.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator
from monitoring import permissions, services
from monitoring.models import ProgressReport
from plans.models import DeliveryAction, Period, PlanRole
from tests.cycle_builders import Cycle, give_role, make_cycle, submit_progress, submit_value

pytestmark = pytest.mark.django_db

SMALL = {"actions": 3, "indicators": 2}
LARGE = {"actions": 30, "indicators": 12}
# 12 before partnerships; the 13th is the request's partnership (monitoring.partnership_scope).
MOST_QUERIES = 13
ROLES = ["officer", "expert", "owner", "performance_officer", "viewer"]
SEVERAL_ROLES = ["officer_owner", "officer_expert_reporter", "performance_officer_everything"]


def a_quarter_under_way(size: dict) -> Cycle:
    cycle = make_cycle(**size, unassigned_every=3, period="2008/09-Q2",
                       due=timezone.localdate() + timedelta(days=5))
    for action in cycle.actions[: len(cycle.actions) // 2]:
        submit_progress(cycle, action, outputs=Decimal(160) if action == cycle.action else None)  # on profile at Q2
    submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies still in the figures")
    entry = ProgressReport.objects.get(report=cycle.report, action=cycle.action)
    services.return_send_back(report=cycle.report, user=cycle["owner"],
                              items=[services.SendBackItem(entry, "Add the outputs for May")])
    submit_progress(cycle, cycle.action, outputs=Decimal(170))
    # A second open round, a quarter later, with nothing reported yet.
    services.round_open(period=Period.for_code("2008/09-Q3"), due_date=timezone.localdate() + timedelta(days=40),
                        user=cycle["performance_officer"])
    return cycle


def several_roles(cycle: Cycle, role: str) -> User:
    """Return the user of `role`, given the extra parts a person with several roles plays.

    - officer_owner: the lead officer is also the plan's strategic director (signs off) and in the strategic group.
    - officer_expert_reporter: the other officer also enters one indicator's values and is named to report the
      actions whose lead has no login.
    - performance_officer_everything: the performance officer also leads an action, enters a value, signs off and
      is in the strategic group.
    """
    if role == "officer_owner":
        user = cycle["officer"]
        PlanRole.objects.create(plan=cycle.plan, role=PlanRole.Role.STRATEGIC_DIRECTOR, person=user.person)
        give_role(user, permissions.STRATEGIC_GROUP)
    elif role == "officer_expert_reporter":
        user = cycle["other_officer"]
        Indicator.objects.filter(pk=cycle.indicators[-1].pk).update(data_expert=user.person)
        DeliveryAction.objects.filter(plan=cycle.plan, lead_officer__isnull=True).update(reporter=user.person)
    else:
        user = cycle["performance_officer"]
        DeliveryAction.objects.filter(pk=cycle.actions[1].pk).update(lead_officer=user.person)
        Indicator.objects.filter(pk=cycle.indicators[-1].pk).update(data_expert=user.person)
        PlanRole.objects.create(plan=cycle.plan, role=PlanRole.Role.STRATEGIC_DIRECTOR, person=user.person)
        give_role(user, permissions.STRATEGIC_GROUP)
    return user


def queries(client, size: dict, role: str) -> int:
    """Build a quarter of the size, open the home page once, and count the queries of a second visit."""
    with transaction.atomic():
        cycle = a_quarter_under_way(size)
        client.force_login(several_roles(cycle, role) if role in SEVERAL_ROLES else cycle[role])
        assert client.get(reverse("home")).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        client.logout()
        transaction.set_rollback(True)  # leave the database empty for the other size
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", ROLES + SEVERAL_ROLES)
def test_the_home_page_queries_do_not_grow_with_actions_or_indicators(client, role):
    small, large = queries(client, SMALL, role), queries(client, LARGE, role)
    print(f"home-{role}: {small} queries with 3 actions and 2 indicators, {large} with 30 and 12")
    assert small == large, f"home-{role}: {small} queries for the small plan, {large} for the large one"
    assert large <= MOST_QUERIES, f"home-{role}: {large} queries"

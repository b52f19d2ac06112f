"""The plan dashboard's flow table: blank outputs are not zero. A category none of whose actions reported outputs
in the year says "Not reported", never "0 of 720"; otherwise it counts only the outputs reported, against the
targets of the actions that reported them, and says how many of its actions with a target reported."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from plans.models import ActionTarget, DeliveryAction
from tests.cycle_builders import make_cycle, submit_progress
from tests.dashboards.test_views import row_of, table_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    """NI 152 with four actions: the first (target 320) and the second (target 400) on flow, the third (target 720)
    off flow, the fourth not classed and without a target."""
    cycle = make_cycle(actions=4)
    first, second, third, _ = cycle.actions
    DeliveryAction.objects.filter(pk__in=[first.pk, second.pk]).update(on_flow=True)
    DeliveryAction.objects.filter(pk=third.pk).update(off_flow=True)
    ActionTarget.objects.create(action=second, year=2008, value=Decimal(400))
    ActionTarget.objects.create(action=third, year=2008, value=Decimal(720))
    return cycle


def flow_rows(client, c) -> list[str]:
    client.force_login(c["viewer"])
    response = client.get(reverse("plan_dashboard", args=[c.plan.pk]))
    assert response.status_code == 200
    return table_rows(response, "flow-table")


def test_a_category_with_no_outputs_reported_says_not_reported_not_0_of_720(client, c):
    rows = flow_rows(client, c)

    assert row_of(rows, "Off flow") == "Off flow 1 0 0 0 1 Not reported 1 action with a target, none reported"
    assert row_of(rows, "On flow") == "On flow 2 0 0 0 2 Not reported 2 actions with a target, none reported"
    assert not any(" 0 of " in row for row in rows)


def test_blank_and_not_available_outputs_are_not_counted_as_zero(client, c):
    first, second, third, _ = c.actions
    submit_progress(c, first, outputs=Decimal(1200), submit=False)
    submit_progress(c, second, outputs=None, submit=False)  # blank: not reported
    submit_progress(c, third, not_available_reason="The DWP data is late")

    rows = flow_rows(client, c)

    # Only the first action's outputs, against its own target: not 1,200 of 720 with the blank second as 0.
    assert row_of(rows, "On flow") == "On flow 2 2 0 0 0 1,200 of 320 (375%) 1 of 2 actions with a target reported"
    assert row_of(rows, "Off flow") == "Off flow 1 1 0 0 0 Not reported 1 action with a target, none reported"


def test_a_reported_zero_is_a_figure(client, c):
    first, second, third, _ = c.actions
    submit_progress(c, first, outputs=Decimal(0), submit=False)
    submit_progress(c, second, outputs=Decimal(100), submit=False)
    submit_progress(c, third, outputs=Decimal(0), submit=False)

    rows = flow_rows(client, c)

    assert row_of(rows, "On flow") == "On flow 2 2 0 0 0 100 of 720 (14%) 2 of 2 actions with a target reported"
    assert row_of(rows, "Off flow") == "Off flow 1 1 0 0 0 0 of 720 (0%) 1 of 1 action with a target reported"
    assert row_of(rows, "Not classed") == "Not classed 1 0 0 0 1 No output target"

"""A signed-off return reads as it was signed off, whatever later happens to the plan's set-up (issue 12, fault 6).

The return holds actions 1 and 2 (action 1 with an output target of 320 for 2008/09) and NI 152 at 14.5% against
a target of 14.3% (amber: lower is better, within the 5% tolerance), then LOCAL 1 with no value. After the
sign-off the plan goes on: an action is added, action 1 is renamed and its target raised, NI 152's unit, places
and target change, an indicator is added. The return's page and its report still show what was signed; the next
period's open return, and the same return once reopened, show today's set-up.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from indicators.models import Indicator, IndicatorTarget, PlanIndicator
from monitoring import services
from monitoring.models import Return
from monitoring.reports import plan_report_html
from monitoring.sealed_setup import SealedSetup
from plans.models import ActionTarget, DeliveryAction, Period, Seal, Section
from plans.seals import SealedError
from tests.cycle_builders import make_cycle, submit_progress, submit_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    cycle = make_cycle(actions=2, indicators=2)
    for kind, position in ((Section.Kind.DELIVERY_PLAN, 1), (Section.Kind.INDICATORS, 2)):
        Section.objects.create(plan=cycle.plan, kind=kind, position=position, heading=kind.label)
    for action in cycle.actions:
        submit_progress(cycle, action, narrative=f"Progress on {action.title}")
    submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies still in the figures")
    services.return_sign_off(report=cycle.report, user=cycle["owner"])
    return cycle.refresh()


def change_the_plan(cycle) -> None:
    """What a performance officer might do to the plan's set-up after the 2008/09 Q1 sign-off."""
    DeliveryAction.objects.create(plan=cycle.plan, position=3, reference="3", title="Action added in August")
    first = cycle.actions[0]
    DeliveryAction.objects.filter(pk=first.pk).update(title="Action 1, renamed in August")
    ActionTarget.objects.filter(action=first, year=2008).update(value=Decimal(999))
    Indicator.objects.filter(pk=cycle.ni152.pk).update(unit=Indicator.Unit.COUNT, decimal_places=0)
    IndicatorTarget.objects.filter(indicator=cycle.ni152, year=2008).update(value=Decimal("10"))
    added = Indicator.objects.create(code="NI 153", name="Added in August", unit=Indicator.Unit.COUNT)
    PlanIndicator.objects.create(plan=cycle.plan, indicator=added, position=5)


def page(client, user: User, report) -> str:
    client.force_login(user)
    response = client.get(reverse("return_detail", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_sign_off_keeps_the_set_up_it_was_read_against(cycle):
    setup = SealedSetup.of(cycle.report)

    assert sorted(setup.actions) == sorted(action.pk for action in cycle.actions)
    assert setup.action_target(cycle.actions[0].pk) == Decimal(320)
    assert setup.action_target(cycle.actions[1].pk) is None  # blank is not zero
    ni152 = setup.indicators[cycle.ni152.pk]
    assert (ni152["unit"], ni152["decimal_places"], ni152["polarity"], ni152["role"]) == (
        "percent", "1", "lower", "headline")
    assert setup.indicator_target(cycle.ni152.pk) == Decimal("14.3")


def test_the_return_page_shows_what_was_signed_off_not_todays_plan(client, cycle):
    change_the_plan(cycle)

    html = page(client, cycle["owner"], cycle.report)

    assert "14.5%" in html and "14.3%" in html  # not "14" and "10" in today's unit and places
    assert "Action 1</" in html or "Action 1<" in html
    assert "renamed in August" not in html
    assert "Action added in August" not in html
    assert "NI 153" not in html
    assert "of 320" in html  # the output target as signed off, not 999


def test_the_next_periods_open_return_shows_todays_plan(client, cycle):
    change_the_plan(cycle)
    next_round = services.round_open(period=Period.for_code("2008/09-Q2"), due_date=date(2008, 10, 31),
                                     user=cycle["performance_officer"])

    html = page(client, cycle["owner"], next_round.returns.get(plan=cycle.plan))

    assert "Action added in August" in html
    assert "renamed in August" in html
    assert "NI 153" in html


def test_the_report_of_a_signed_off_return_prints_what_was_signed_off(cycle):
    change_the_plan(cycle)

    html = plan_report_html(cycle.report)

    assert "14.5%" in html and "14.3%" in html
    assert "Amber" in html  # 14.5% against 14.3%, lower is better: not green against today's count target of 10
    assert "Action added in August" not in html
    assert "renamed in August" not in html
    assert "NI 153" not in html
    assert "999" not in html


def test_the_downloaded_pdf_prints_what_was_signed_off(client, cycle):
    change_the_plan(cycle)
    client.force_login(cycle["owner"])

    response = client.get(reverse("plan_report", args=[cycle.plan.pk]), {"period": "2008/09-Q1"})

    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "14.5%" in text
    assert "Action added in August" not in text
    assert "renamed in August" not in text


def test_reopening_lets_the_return_read_todays_plan(client, cycle):
    change_the_plan(cycle)

    services.return_reopen(report=cycle.report, user=cycle["performance_officer"], reason="Action 3 belongs here")

    html = page(client, cycle["owner"], cycle.report)
    assert "Action added in August" in html
    assert "NI 153" in html
    assert not Seal.objects.exists()


def test_an_action_a_signed_off_return_holds_cannot_be_removed(client, cycle):
    action = cycle.actions[1]
    root = User.objects.create_superuser("root", "root@example.org", "a long admin password")
    client.force_login(root)

    with pytest.raises(SealedError):
        action.delete()
    with pytest.raises(SealedError):
        DeliveryAction.objects.filter(plan=cycle.plan).delete()
    response = client.post(reverse("admin:plans_deliveryaction_delete", args=[action.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert DeliveryAction.objects.filter(plan=cycle.plan).count() == 2


def test_an_action_added_after_the_sign_off_can_still_be_removed(cycle):
    added = DeliveryAction.objects.create(plan=cycle.plan, position=3, reference="3", title="Added in error")

    added.delete()

    assert not DeliveryAction.objects.filter(pk=added.pk).exists()


def test_the_database_refuses_to_rewrite_the_kept_set_up(cycle):
    with pytest.raises(IntegrityError, match="sealed"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE plans_seal SET setup = '{}'")

    assert SealedSetup.of(Return.objects.get(pk=cycle.report.pk)).action_target(cycle.actions[0].pk) == Decimal(320)

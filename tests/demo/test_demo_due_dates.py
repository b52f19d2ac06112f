"""The demo's open round is due three weeks after the day the demo is loaded, so that the homes show work due
soon, not "6,333 days late"; the periods and the rounds signed off keep the dates of their time."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from monitoring.models import ReportingRound, Return
from plans.models import Period

pytestmark = pytest.mark.django_db

LOADED_ON = date(2026, 12, 2)


def load_demo(*args, **options) -> str:
    out = StringIO()
    call_command("load_demo", "--demo-logins", *args, stdout=out, **options)
    return out.getvalue()


def due_dates() -> dict[str, tuple[date, str]]:
    rounds = ReportingRound.objects.select_related("period").order_by("period__start", "period__kind")
    return {reporting_round.period.code: (reporting_round.due_date, reporting_round.status) for reporting_round in rounds}


def test_the_open_round_is_due_three_weeks_after_the_day_given(client):
    out = load_demo("--today", LOADED_ON.isoformat())

    assert due_dates() == {
        "2008/09-Q1": (date(2008, 7, 31), "closed"),
        "2008/09-Q2": (date(2008, 10, 31), "closed"),
        "2008/09-Q3": (date(2009, 1, 31), "closed"),
        "2008/09-Q4": (date(2009, 4, 30), "closed"),
        "2009/10-Q1": (date(2026, 12, 23), "open"),  # the period stays 2009/10 Q1: only its due date moves
        "2012/13-H1": (date(2012, 10, 31), "open"),  # signed off: its return is complete, its date historic
    }
    assert Return.objects.get(round__period=Period.for_code("2012/13-H1")).is_signed_off
    assert "2009/10 Q1 open, due 23 December 2026, with" in out


def test_the_same_day_can_be_given_to_the_function(client):
    from monitoring.demo import load_demo as load

    lines = load(with_logins=True, today=LOADED_ON)

    assert due_dates()["2009/10-Q1"] == (date(2026, 12, 23), "open")
    assert "due 23 December 2026" in lines[-1]


def test_by_default_the_homes_show_the_open_round_due_in_21_days_not_years_late(client):
    load_demo()
    today = timezone.localdate()
    due = today + timedelta(days=21)

    assert due_dates()["2009/10-Q1"] == (due, "open")
    client.force_login(User.objects.get(username="officer"))
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(reverse("home")).content.decode()))

    assert f"2009/10 Q1: due {due.day} {due:%B %Y} (21 days left)" in page
    assert "days late" not in page and "Overdue" not in page


def test_a_day_that_is_not_a_date_is_refused():
    with pytest.raises(CommandError, match="2009-07-10"):
        call_command("load_demo", "--today", "next Tuesday", stdout=StringIO())
    assert not ReportingRound.objects.exists()

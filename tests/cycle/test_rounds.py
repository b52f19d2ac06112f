"""The rounds list and the owner's My returns: newest round first, a round whose returns are all signed off says
"Complete", and the returns an owner signs off are flagged overdue as an officer's actions are."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from monitoring import services
from monitoring.models import ReportingRound
from plans.models import Period
from tests.cycle_builders import make_cycle, sign_off, submit_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return make_cycle()


def open_round(c, code: str, due: date) -> ReportingRound:
    return services.round_open(period=Period.for_code(code), due_date=due, user=c["performance_officer"])


def body_rows(page: str, caption: str) -> list[str]:
    """Return the text of each body row of the table with the caption, spaces collapsed."""
    table = page.split(caption, 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody", 1)[1], re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_it_lists_rounds_newest_first(client, c):
    open_round(c, "2008/09-Q3", date(2099, 1, 31))
    open_round(c, "2008/09-Q2", date(2099, 10, 31))
    client.force_login(c["performance_officer"])

    rows = body_rows(client.get(reverse("rounds")).content.decode(), "Rounds, newest first")

    assert [re.match(r"2008/09 Q\d", row)[0] for row in rows] == ["2008/09 Q3", "2008/09 Q2", "2008/09 Q1"]


def test_a_round_whose_returns_are_all_signed_off_is_complete_not_open_and_overdue(client, c):
    sign_off(submit_everything(c))  # due 31 July 2008, long past, and still open
    open_round(c, "2008/09-Q2", date(2008, 10, 31))  # overdue, nothing signed off
    client.force_login(c["performance_officer"])

    q2, q1 = body_rows(client.get(reverse("rounds")).content.decode(), "Rounds, newest first")

    assert q1 == "2008/09 Q1 31 July 2008 Complete 1 1"
    assert q2 == "2008/09 Q2 31 October 2008 Overdue Open 1 0"


def test_a_closed_round_says_closed_and_never_overdue(client, c):
    services.round_close(reporting_round=c.round, user=c["performance_officer"])
    client.force_login(c["performance_officer"])

    [q1] = body_rows(client.get(reverse("rounds")).content.decode(), "Rounds, newest first")

    assert q1 == "2008/09 Q1 31 July 2008 Closed 1 0"


def test_the_owner_sees_an_overdue_return_flagged_first_as_an_officer_sees_an_overdue_action(client, c):
    later = open_round(c, "2008/09-Q2", date(2099, 10, 31))
    assert later.returns.count() == 1
    client.force_login(c["owner"])

    rows = body_rows(client.get(reverse("my_returns")).content.decode(), "Returns you sign off")

    assert rows == ["NI 152 2008/09 Q1 31 July 2008 Overdue Open", "NI 152 2008/09 Q2 31 October 2099 Open"]


def test_a_signed_off_return_is_not_overdue_for_its_owner(client, c):
    sign_off(submit_everything(c))
    client.force_login(c["owner"])

    rows = body_rows(client.get(reverse("my_returns")).content.decode(), "Returns you sign off")

    assert rows == ["NI 152 2008/09 Q1 31 July 2008 Signed off"]

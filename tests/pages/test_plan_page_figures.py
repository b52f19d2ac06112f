"""The demo plans' pages read as their seed documents do: funding totals that say which years they cover, the
budget's balanced year left blank, and the lead officer the plan names.

The demo is loaded once for the module and each page fetched once, through the real view.
"""

import html
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from monitoring import permissions
from plans.models import DeliveryAction, Organisation, Person, Plan
from tests.cycle_builders import give_role


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    """Return the NI 152 and Children's Service plan pages as a reader of each plan's partnership sees them:
    Coventry's strategic group for NI 152, Bath and North East Somerset's for the Children's Service plan."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--demo-logins", stdout=StringIO())
        found = {}
        for reference, username in (("NI 152", "viewer"), ("CS 2012/13", "bath_viewer")):
            client = Client()
            client.force_login(get_user_model().objects.get(username=username))
            found[reference] = client.get(Plan.objects.get(reference=reference).get_absolute_url()).content.decode()
        transaction.set_rollback(True)
    return found


def cells(row: str) -> list[str]:
    """Return the text of each cell of a table row, tags dropped and spaces collapsed."""
    found = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in found]


def row_of(page: str, heading: str) -> list[str]:
    """Return the cells of the table row headed by the text."""
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", page, re.S):
        found = cells(row)
        if found and found[0] == heading:
            return found
    raise AssertionError(f"No row headed {heading!r}")


def action_row(page: str, title: str) -> list[str]:
    """Return the cells of the delivery plan's row for the action."""
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", page, re.S):
        found = cells(row)
        if any(cell.startswith(title) for cell in found):
            return found
    raise AssertionError(f"No action {title!r}")


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# Funding: a total says which years it covers


def test_a_funding_line_recorded_for_one_year_totals_that_year_only(pages):
    assert row_of(pages["NI 152"], "DAF") == ["DAF", "£1,070,000", "", "", "£1,070,000 (2008/09 only)", ""]
    assert row_of(pages["NI 152"], "ESF Adult") == [
        "ESF Adult", "£88,237", "£221,355", "", "£309,592 (2008/09 and 2009/10 only)", "",
    ]


def test_a_line_recorded_for_every_year_has_a_plain_total(pages):
    assert row_of(pages["NI 152"], "LEGI") == ["LEGI", "£650,000", "tbc", "tbc", "£650,000 plus tbc", ""]


def test_the_total_row_keeps_the_seeds_figure_and_marks_the_later_years_incomplete(pages):
    assert row_of(pages["NI 152"], "TOTAL") == [
        "TOTAL", "£12,945,888", "£221,355 plus tbc (incomplete)", "tbc (incomplete)",
        "£13,167,243 plus tbc (incomplete)", "",
    ]
    assert "£13,167,243 plus tbc<" not in pages["NI 152"]
    assert (
        "A blank cell has no amount recorded. A total marked “only” covers just the years it names; one marked "
        "“incomplete” adds up years in which some funding lines are blank. Neither is the funding for 2008/09 to "
        "2010/11." in text(pages["NI 152"])
    )


# The medium-term budget: a balanced year's deficit is blank, as the seed prints it


def test_a_balanced_years_deficit_is_blank_as_in_the_seed(pages):
    assert row_of(pages["CS 2012/13"], "Deficit / (Surplus) Calculated") == [
        "Deficit / (Surplus) Calculated", "", "", "178", "582",
    ]
    assert row_of(pages["CS 2012/13"], "Proposed Overall Budget Calculated") == [
        "Proposed Overall Budget Calculated", "24,117", "21,149", "20,971", "20,389",
    ]


# The Lead Officer column


def test_the_lead_officer_column_names_the_officer_where_the_plan_does(pages):
    legi = action_row(pages["NI 152"], "Local Enterprise Growth Initiative")
    assert "CCC – Andy Williams, LEGI Delivery Manager" in legi
    # The seed words JCP's actions' lead as "JCP": the demo's reporting officer is not printed in its place.
    routeways = action_row(pages["NI 152"], "Job Centre Plus Flexible Routeways")
    assert "JCP" in routeways and "Pat Morgan" not in " ".join(routeways)


@pytest.mark.django_db
def test_an_action_with_no_worded_lead_shows_its_organisations_then_its_officer(client):
    from tests.pages.test_pages import build_laa_plan

    plan = build_laa_plan(actions=3)
    council = Organisation.objects.create(short_name="CCC", name="Coventry City Council")
    officer = Person.objects.create(name="Andy Williams", partnership=plan.partnership)
    first, second, third = DeliveryAction.objects.filter(plan=plan).order_by("position")
    DeliveryAction.objects.filter(pk=first.pk).update(lead_text="", lead_officer=officer)
    first.lead_organisations.set([council])
    DeliveryAction.objects.filter(pk=second.pk).update(lead_text="", lead_officer=officer)
    second.lead_organisations.clear()
    DeliveryAction.objects.filter(pk=third.pk).update(lead_text="", lead_officer=None)
    reader = get_user_model().objects.create_user("reader", password="a long password")
    give_role(reader, permissions.STRATEGIC_GROUP, plan.partnership)  # a reader of the plan's partnership
    client.force_login(reader)

    page = client.get(plan.get_absolute_url()).content.decode()

    leads = {
        title: re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', row)
        for title, row in re.findall(r"<strong>(Action \d)</strong>(.*?)</tr>", page, re.S)
    }
    assert "CCC – Andy Williams" in leads["Action 0"]
    assert "Andy Williams" in leads["Action 1"]
    assert f"JCP{plan.reference}" in leads["Action 2"]

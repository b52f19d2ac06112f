"""The plan page shows the plan as it is being monitored: for the period chosen (by default the latest with a
return), each quarter's value to date in the year, "Target met" at the year's end, and each action's progress,
RAG and outputs, as the PDF report prints them (issue 14).

The demo is loaded once for the module; each page is fetched through the real view, signed in as a viewer of the
plan's partnership: Coventry's for NI 152, Bath and North East Somerset's for the Children's Service plan.
"""

import html
import io
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from monitoring.reports import find_period, find_return, plan_report_pdf
from plans.models import Plan


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def row_of(page: str, first_cell: str) -> list[str]:
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", page, re.S):
        found = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
                 for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)]
        if found and found[0] == first_cell:
            return found
    raise AssertionError(f"No row headed {first_cell!r}")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Fetch the pages (and one PDF) the tests read, inside one transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--demo-logins", stdout=StringIO())
        client = Client()
        client.force_login(get_user_model().objects.get(username="viewer"))
        ni152 = Plan.objects.get(reference="NI 152")
        cs = Plan.objects.get(reference="CS 2012/13")
        url = ni152.get_absolute_url()
        found = {
            "q4": client.get(url, {"period": "2008/09-Q4"}).content.decode(),
            "q2": client.get(url, {"period": "2008/09-Q2"}).content.decode(),
            "default": client.get(url).content.decode(),
            "no_return": client.get(url, {"period": "2010/11-Q3"}).content.decode(),
            "outside": client.get(url, {"period": "2015/16-Q1"}).content.decode(),
            "nonsense": client.get(url, {"period": "9999/00-Q1"}).content.decode(),
            "cs_for_coventry": client.get(cs.get_absolute_url()).status_code,
        }
        bath = Client()
        bath.force_login(get_user_model().objects.get(username="bath_viewer"))
        found["cs"] = bath.get(cs.get_absolute_url()).content.decode()
        report = find_return(ni152, find_period("2008/09-Q4"))
        pdf = PdfReader(io.BytesIO(plan_report_pdf(report).data))
        found["pdf"] = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
        queries = []
        for period in ("2008/09-Q3", "2008/09-Q4"):
            with CaptureQueriesContext(connection) as captured:
                client.get(url, {"period": period})
            queries.append(len(captured))
        found["queries"] = queries
        transaction.set_rollback(True)
    return found


def test_the_year_end_shows_each_quarters_value_and_target_met(demo):
    row = row_of(demo["q4"], "LAA NI 152")

    assert row[3:9] == ["14.3%", "14.6%", "14.9%", "15.4%", "16.2% Red", "No"]


def test_a_quarter_shows_the_values_to_date_and_no_verdict_before_the_year_end(demo):
    row = row_of(demo["q2"], "LAA NI 152")

    assert row[4:9] == ["14.6%", "14.9% Amber", "", "", ""]  # against 14.3%, within the 5% tolerance


def test_the_same_figures_are_in_the_pdf(demo):
    for figure in ("14.6%", "14.9%", "15.4%", "16.2%"):
        assert figure in demo["pdf"]
    assert "Target Met" in demo["pdf"]


def test_each_action_shows_its_progress_rag_and_outputs(demo):
    page = text(demo["q4"])

    assert "Progress 2008/09 Q4" in page
    assert "Outputs:" in page
    assert re.search(r"\b(Green|Amber|Red)\b", page)
    assert "2008/09 Q4: signed off" in page


def test_the_default_is_the_latest_period_with_a_return_and_says_it_is_provisional(demo):
    page = text(demo["default"])

    assert 'value="2009/10-Q1" selected' in demo["default"]
    assert "2009/10 Q1: provisional." in page
    assert "provisional" in row_of(demo["default"], "LAA NI 152")[4]


def test_a_period_with_no_return_leaves_the_columns_blank(demo):
    row = row_of(demo["no_return"], "LAA NI 152")

    assert "2010/11 Q3: no return yet" in text(demo["no_return"])
    assert row[4:] == ["", "", "", "", ""]


@pytest.mark.parametrize("page, words", [
    ("outside", "NI 152 reports quarterly from 2008/09 Q1 to 2010/11 Q4: choose one of those periods."),
    ("nonsense", "9999/00"),
])
def test_a_period_outside_the_plan_is_answered_with_the_rule(demo, page, words):
    page = text(demo[page])

    assert "There is a problem" in page
    assert words in page


def test_the_service_plan_shows_its_half_year_and_each_key_activitys_rag(demo):
    page = text(demo["cs"])

    assert "2012/13 H1: signed off" in page
    assert "Progress 2012/13 H1" in page
    # The signed-off half year rated 15 key activities green, 9 amber and 4 red (the seed's own counts).
    assert [demo["cs"].count(f">{rag}</strong>") for rag in ("Green", "Amber", "Red")] == [15, 9, 4]


def test_coventrys_viewer_does_not_find_the_service_plan(demo):
    assert demo["cs_for_coventry"] == 404  # it belongs to Bath and North East Somerset


def test_the_plan_page_costs_the_same_queries_whatever_the_period(demo):
    first, second = demo["queries"]

    assert first == second == 17  # 16 + the middleware's look-up of the user's partnerships

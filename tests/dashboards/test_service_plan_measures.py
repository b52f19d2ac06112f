"""The Children's Service plan's key measures are indicators (issue 14): the overview sums its return up (RAG of
its actions and measures, against the return before), its dashboard charts its measures and its medium-term
budget, and its page and report still lay Appendix 1 out as the seed does.

The demo is loaded once for the module; each page is fetched through the real view, signed in as a viewer of the
plan's partnership, Bath and North East Somerset (bath_viewer).
"""

import html
import io
import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from indicators import performance
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import permissions
from monitoring.dashboards.selectors.overview import RagCounts, ReturnRag
from monitoring.models import ProgressReport, ReportingRound, Return
from monitoring.reports import find_period, find_return, plan_report_pdf
from plans.models import DeliveryAction, KeyMeasure, Period, Plan
from tests.builders import make_plan, test_partnership
from tests.cycle_builders import make_user


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def rows_of(page: str) -> list[list[str]]:
    return [
        [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
         for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", page, re.S)
    ]


def row_starting(page: str, start: str) -> list[str]:
    for row in rows_of(page):
        if row and row[0].startswith(start):
            return row
    raise AssertionError(f"No row starting {start!r}")


def expected_counts(plan: Plan) -> RagCounts:
    """Count the H1 return's RAG the long way: each action's reported RAG, each measure's H1 value against its
    2012/13 target."""
    report = Return.objects.get(plan=plan, round__period=Period.for_code("2012/13-H1"))
    counts = RagCounts()
    for rag in ProgressReport.objects.filter(report=report).values_list("rag", flat=True):
        counts += RagCounts.of(rag)
    return counts + measure_counts(plan)


def measure_counts(plan: Plan) -> RagCounts:
    counts = RagCounts()
    for link in PlanIndicator.objects.filter(plan=plan).select_related("indicator"):
        value = IndicatorValue.objects.get(indicator=link.indicator, period=Period.for_code("2012/13-H1"))
        target = IndicatorTarget.objects.filter(indicator=link.indicator, year=2012).first()
        counts += RagCounts.of(performance.rag(link.indicator, value.value, target.value if target else None))
    return counts


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--demo-logins", stdout=StringIO())
        client = Client()
        client.force_login(get_user_model().objects.get(username="bath_viewer"))
        cs = Plan.objects.get(reference="CS 2012/13")
        found = {
            "overview": client.get(reverse("dashboard_overview")).content.decode(),
            "overview_csv": client.get(reverse("dashboard_overview") + "?_export=csv").content.decode(),
            "dashboard": client.get(reverse("plan_dashboard", args=[cs.pk])).content.decode(),
            "page": client.get(cs.get_absolute_url()).content.decode(),
            "counts": expected_counts(cs),
            "measures": measure_counts(cs),
            "links": [
                (link.key_measure.position if link.key_measure else None, link.role, link.indicator.code,
                 link.indicator.unit, link.indicator.polarity,
                 [(target.year, target.value) for target in link.indicator.targets.all()])
                for link in PlanIndicator.objects.filter(plan=cs).select_related("indicator", "key_measure")
            ],
            "h1_values": list(IndicatorValue.objects.filter(
                indicator__plan_links__plan=cs, period=Period.for_code("2012/13-H1")
            ).values_list("status", "is_illustrative")),
        }
        report = find_return(cs, find_period("2012/13-H1"))
        pdf = PdfReader(io.BytesIO(plan_report_pdf(report).data))
        found["pdf"] = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
        transaction.set_rollback(True)
    return found


def test_every_key_measure_is_a_supporting_indicator_of_the_plan_with_its_2012_13_target(demo):
    assert demo["links"] == [
        (1, "supporting", "", "percent", "higher", []),  # "New national measures and targets to be announced."
        (2, "supporting", "", "percent", "higher", [(2012, Decimal(100))]),
        (3, "supporting", "", "percent", "higher", [(2012, Decimal(100))]),
        (4, "supporting", "", "percent", "higher", [(2012, Decimal(100))]),
        (5, "supporting", "", "count", "lower", [(2012, Decimal(117))]),  # "Reduce to under 117."
        (6, "supporting", "", "percent", "higher", [(2012, Decimal(100))]),
    ]


def test_the_signed_off_h1_return_holds_the_measures_illustrative_values(demo):
    assert demo["h1_values"] == [(EntryStatus.SIGNED_OFF, True)] * 6


def test_the_overview_row_sums_up_the_return_worst_first_with_no_earlier_return(demo):
    row = text(" ".join(row_starting(demo["overview"], "CS 2012/13")))
    counts = demo["counts"]

    assert demo["measures"] == RagCounts(red=1, amber=2, green=2)  # the sixth has no target
    assert f"{counts.red} red, {counts.amber} amber, {counts.green} green" in row
    assert counts.total == 28 + 5
    assert "RAG of its 2012/13 H1 return: 28 actions and 5 measures rated" in row
    assert "No earlier return" in row
    assert "No headline indicator" not in demo["overview"]
    assert f'"{counts.red} red, {counts.amber} amber, {counts.green} green",No earlier return' in demo["overview_csv"]


def test_the_plan_dashboard_charts_the_measures_and_the_budget(demo):
    page, words = demo["dashboard"], text(demo["dashboard"])

    assert "This plan has no indicators" not in words
    assert "No funding has been recorded" not in words
    assert words.count("Supporting indicator") == 6
    assert "Number of young people aged 16-18 not in education, employment or training (NEET)" in words
    assert page.count('<svg role="img"') == 6 + 1 + 1  # the measures, the actions, the budget
    assert 'id="budget-chart"' in page
    assert row_starting(page, "Proposed Base Budget") == ["Proposed Base Budget", "21,180", "21,149", "21,149", "20,971"]
    assert row_starting(page, "Service Proposed Base Reductions") == [
        "Service Proposed Base Reductions to Balance Budgets", "", "(588)", "?", "?"]
    assert row_starting(page, "Deficit / (Surplus)") == ["Deficit / (Surplus)", "", "", "178", "582"]
    assert "2013/14: base budget £21,149,000, savings not yet known, deficit £178,000" in words


def test_the_plan_page_lays_appendix_1_out_as_the_seed_with_each_measure_linked_to_its_indicator(demo):
    page = demo["page"]
    row = row_starting(page, "5")
    assert row[0] == "5"
    assert row[1].startswith("Implement Service for Young People in danger of becoming NEET Action Plan")
    assert row[1].endswith("Indicator: Number of young people aged 16-18 not in education, employment or training (NEET)")
    assert row[2:] == ["% 16-18 year olds who are not in education, employment or training. Reduce to under 117.", "1", ""]
    assert text(page).count("Indicator: ") == 6


def test_priority_4s_measures_are_one_cell_beside_all_its_activities_on_the_page_and_in_the_report(demo):
    page = demo["page"]
    start = page.index('id="priority-4"')
    priority = page[start:page.index('id="priority-5"')]

    assert priority.count('rowspan="8"') == 1
    assert priority.count("Every disaffected young person receives full-time education") == 1
    assert demo["pdf"].count("Every disaffected young person receives full-time education") == 1


def test_the_report_prints_appendix_1_as_the_seed(demo):
    pdf = demo["pdf"]

    assert "Appendix 1 – Key Performance Measures and Targets 2012/13" in pdf
    assert "Reduce to under 117." in pdf
    assert "Pathway plans completed." in pdf


# --- the summary's direction, and its queries


def test_the_direction_against_the_previous_return_looks_at_red_then_amber():
    def summary(now, before):
        return ReturnRag("2012/13 H1", RagCounts(*now), RagCounts(), False, "2011/12 H2",
                         RagCounts(*before) if before else None)

    assert summary((4, 9, 15), (3, 9, 15)).direction_label == "more red than 2011/12 H2"
    assert summary((2, 9, 15), (3, 1, 15)).direction_label == "fewer red than 2011/12 H2"
    assert summary((3, 10, 15), (3, 9, 15)).direction_label == "more amber than 2011/12 H2"
    assert summary((3, 9, 1), (3, 9, 15)).direction_label == "as many red and amber as 2011/12 H2"
    assert summary((3, 9, 1), None).direction_label == "no earlier return"
    assert summary((4, 9, 15), (3, 9, 15)).direction == performance.WORSENING
    assert RagCounts(4, 9, 15).label == "4 red, 9 amber, 15 green"


def make_service_plans(count: int) -> None:
    """Build a headline plan and service plans with no headline indicator, each with two measures and two actions,
    with returns in an open round and the round before it (figures put straight in: the overview only reads them)."""
    partnership = test_partnership()  # the plans' own (make_plan's default)
    earlier = ReportingRound.objects.create(partnership=partnership, period=Period.for_code("2008/09-Q1"),
                                            due_date=date(2008, 7, 31), status=ReportingRound.Status.CLOSED)
    current = ReportingRound.objects.create(partnership=partnership, period=Period.for_code("2008/09-Q2"),
                                            due_date=date(2008, 10, 31))
    headline_plan = make_plan("NI 1")
    headline = Indicator.objects.create(partnership=partnership, code="NI 1", name="Headline")
    PlanIndicator.objects.create(plan=headline_plan, indicator=headline, role=PlanIndicator.Role.HEADLINE)
    IndicatorValue.objects.create(indicator=headline, period=Period.for_code("2008/09-Q2"), value=Decimal(5))
    Return.objects.create(round=current, plan=headline_plan)
    for number in range(count):
        plan = make_plan(f"SERVICE {number:02d}", kind=Plan.Kind.SERVICE, first_year=2008, last_year=2008)
        actions = [DeliveryAction.objects.create(plan=plan, position=position, title=f"Activity {position}")
                   for position in (1, 2)]
        for position in (1, 2):
            measure = KeyMeasure.objects.create(plan=plan, priority=plan.priorities.create(number=position, details="P"),
                                                position=position, measure=f"Measure {position}")
            indicator = Indicator.objects.create(partnership=partnership, name=f"Service {number} measure {position}",
                                                 unit="count")
            PlanIndicator.objects.create(plan=plan, indicator=indicator, position=position, key_measure=measure)
            IndicatorTarget.objects.create(indicator=indicator, year=2008, value=Decimal(100))
            for code, value in (("2008/09-Q1", 90), ("2008/09-Q2", 100)):
                IndicatorValue.objects.create(indicator=indicator, period=Period.for_code(code), value=Decimal(value))
        for reporting_round, rag in ((earlier, "red"), (current, "green")):
            report = Return.objects.create(round=reporting_round, plan=plan)
            for action in actions:
                ProgressReport.objects.create(report=report, action=action, rag=rag, narrative="Illustrative")


def overview_queries(client, count: int) -> tuple[int, str]:
    with transaction.atomic():
        make_service_plans(count)
        client.force_login(make_user("viewer", "Strategic group member", permissions.STRATEGIC_GROUP))
        url = reverse("dashboard_overview") + "?per_page=100"
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        client.logout()
        transaction.set_rollback(True)
    return len(captured.captured_queries), page


@pytest.mark.django_db
def test_summing_up_the_returns_of_plans_without_a_headline_takes_the_same_queries_for_2_or_20(client):
    small, _ = overview_queries(client, 2)
    large, page = overview_queries(client, 20)

    assert small == large
    row = text(" ".join(row_starting(page, "SERVICE 07")))
    assert "0 red, 0 amber, 4 green" in row  # two green actions, two measures on their target of 100
    assert "Fewer red than 2008/09 Q1" in row  # two red actions and two amber measures (90 of 100) then
    assert "5.0% (2008/09 Q2)" in text(" ".join(row_starting(page, "NI 1 ")))  # a headline plan as before

"""The dashboards driven through their pages with the demo data: the overview with its filters, sorting and
exports, who has not reported and the reminder, the plan dashboard and the indicator page.

The demo's NI 152 history (monitoring/demo/history.py): 14.6%, 14.9%, 15.4% and 16.2% signed off for 2008/09
Q1 to Q4, then 16.5% for 2009/10 Q1 still in draft, in a round due on 31 July 2009 and so overdue. Targets:
14.3% for 2008/09, 14.0% for 2009/10 and 13.8% for 2010/11; lower is better.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import date
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tables2.rows import BoundRow

from indicators.models import Indicator
from monitoring import notifications
from monitoring import tables as monitoring_tables
from monitoring.models import ReminderSent, ReportingRound
from plans.models import Period, Person, Plan, Risk
from tests.builders import make_plan

OVERVIEW = reverse("dashboard_overview")
NOT_REPORTED = reverse("dashboard_not_reported")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo plans, logins and reporting history once for the module, and undo them afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        # Loaded on 10 July 2009, the open round is due on 31 July 2009, three weeks later: overdue now.
        call_command("load_demo", "--demo-logins", today=date(2009, 7, 10), stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def demo_db(demo, django_db_blocker):
    """Let each test use the database on top of the demo data, and roll back whatever it changes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def viewer(client):
    """A strategic group member of Coventry: reads NI 152, and no plan of another partnership."""
    return signed_in(client, "viewer")


@pytest.fixture
def bath_viewer(client):
    """A strategic group member of Bath and North East Somerset: reads the Children's Service plan (CS 2012/13)."""
    return signed_in(client, "bath_viewer")


@pytest.fixture
def superadmin(client):
    """The site administrator, who sees every partnership's plans: NI 152 and CS 2012/13 side by side."""
    return signed_in(client, "superadmin")


def text(fragment: str) -> str:
    """Return the words of an HTML fragment, tags dropped and white space collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def table_rows(response, table_id: str | None = None) -> list[str]:
    """Return the text of each body row of the page's first table (or the table with the id)."""
    page = response.content.decode()
    if table_id:
        page = page[page.index(f'id="{table_id}"'):]
    body = page[page.index("<tbody"):page.index("</tbody>")]
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)]


def row_of(rows: list[str], start: str) -> str:
    found = [row for row in rows if row.startswith(start)]
    assert len(found) == 1, f"{start!r} not found once in {rows}"
    return found[0]


# ---------------------------------------------------------------------------------------------------------
# Overview


def test_the_overview_shows_ni_152_provisional_latest_value_against_this_years_target(viewer):
    response = viewer.get(OVERVIEW)

    assert response.status_code == 200
    row = row_of(table_rows(response), "NI 152 dashboard")
    assert "NI 152 dashboard Working age people on out of work benefits LAA target action plan JCP NI 152" in row
    assert "16.5% (2009/10 Q1) Provisional Last signed off: 16.2% (2008/09 Q4)" in row
    assert "14.0% for 2009/10" in row
    assert "Red provisional" in row
    assert "Worsening for 4 periods" in row
    assert "2008/09: Not met" in row
    assert "2009/10 Q1 return of NI 152 Open Overdue 9 of 19 actions reported, 6 submitted, 0 signed off" in row


def test_the_overview_draws_its_cells_as_django_tables2_would(superadmin, monkeypatch):
    """Its rows call each column's render method with the record directly (monitoring.tables.RecordCellRow): the
    page is the same, byte for byte, as django-tables2's own cell drawing makes it, for a headline indicator, a
    plan summed up by its return, and every way of sorting."""
    def table(query) -> str:
        page = superadmin.get(OVERVIEW, query).content.decode()
        return page[page.index("<table"):page.index("</table>")]  # the rest holds a nonce of its own per request

    drawn = {}
    for sort in ("", "plan", "-kind", "lead", "indicator", "rag", "-direction", "forecast", "current"):
        query = {"sort": sort} if sort else {}
        fast = table(query)
        with monkeypatch.context() as patched:
            patched.setattr(monitoring_tables.RecordCellRow, "items", BoundRow.items)
            slow = table(query)
        assert fast == slow, sort
        drawn[sort] = text(fast)
    assert "NI 152 dashboard Working age people on out of work benefits LAA target action plan JCP NI 152" in drawn[""]
    assert "CS 2012/13 dashboard" in drawn[""]


def test_a_plan_without_a_headline_indicator_is_summed_up_by_its_return(bath_viewer):
    row = row_of(table_rows(bath_viewer.get(OVERVIEW)), "CS 2012/13 dashboard")

    assert "No single headline indicator RAG of its 2012/13 H1 return: 28 actions and 5 measures rated" in row
    assert re.search(r"\d+ red, \d+ amber, \d+ green No earlier return", row)
    assert "2012/13 H1 return of CS 2012/13 Signed off 28 of 28 actions reported, 28 submitted, 28 signed off" in row
    assert "Overdue" not in row


def test_choosing_2008_09_shows_the_signed_off_year_end_against_that_years_target(viewer):
    row = row_of(table_rows(viewer.get(OVERVIEW, {"year": "2008"})), "NI 152 dashboard")

    assert "16.2% (2008/09 Q4)" in row
    assert "Provisional" not in row
    assert "14.3% for 2008/09" in row
    assert "Red" in row and "provisional" not in row
    assert "Worsening for 3 periods" in row
    assert "2008/09: Not met" in row
    assert "2008/09 Q4 return of NI 152 Signed off 19 of 19 actions reported, 19 submitted, 19 signed off" in row


def test_a_year_no_plan_covers_lists_no_plans(superadmin):
    # 2011/12 lies between NI 152 (to 2010/11) and CS 2012/13: a year offered only to someone who sees both.
    response = superadmin.get(OVERVIEW, {"year": "2011"})

    assert "No plans match these filters." in response.content.decode()


@pytest.mark.parametrize(("filters", "plans"), [
    ({"rag": "red"}, ["CS 2012/13", "NI 152"]),  # the service plan's return has red actions and a red measure
    ({"rag": "green"}, []),
    ({"rag": "none"}, []),
    ({"kind": "service"}, ["CS 2012/13"]),
    ({"kind": "laa"}, ["NI 152"]),
    ({"theme": "Economy, Learning, Skills and Employment. A prosperous Coventry with a good choice of jobs and "
               "business opportunities for all the city's residents."}, ["NI 152"]),
    ({"year": "2012"}, ["CS 2012/13"]),
    ({"rag": "red", "year": "2012"}, ["CS 2012/13"]),
    ({"rag": "red", "year": "2008"}, ["NI 152"]),
])
def test_the_filters_narrow_the_plans(superadmin, filters, plans):
    response = superadmin.get(OVERVIEW, filters)

    shown = [row.split(" dashboard")[0] for row in table_rows(response)] if plans else []
    assert shown == plans
    if not plans:
        assert "No plans match these filters." in response.content.decode()


def test_the_lead_partner_and_owner_filters_use_the_plans_people(superadmin):
    jcp = Plan.objects.get(reference="NI 152").lead_organisation
    jane, ashley = Person.objects.get(name="Jane Beaver"), Person.objects.get(name="Ashley Ayre")

    def shown(**filters):
        return [row.split(" dashboard")[0] for row in table_rows(superadmin.get(OVERVIEW, filters))]

    assert shown(lead_organisation=jcp.pk) == ["NI 152"]
    assert shown(owner=jane.pk) == ["NI 152"]  # indicator owner of NI 152
    assert shown(owner=ashley.pk) == ["CS 2012/13"]  # the service plan's strategic director signs it off


def test_an_unknown_filter_value_is_ignored_with_the_form_saying_so(superadmin):
    response = superadmin.get(OVERVIEW, {"rag": "purple"})

    assert response.status_code == 200
    assert len(table_rows(response)) == 2
    assert response.context["filter"].form.errors["rag"]


def test_sorting_on_rag_puts_red_first_and_reversing_puts_it_last(superadmin):
    Plan.objects.filter(reference="CS 2012/13").update(reference="AA 2012/13")  # before NI 152 on a tie, as CS is
    ascending = [row.split(" dashboard")[0] for row in table_rows(superadmin.get(OVERVIEW, {"sort": "rag"}))]
    descending = [row.split(" dashboard")[0] for row in table_rows(superadmin.get(OVERVIEW, {"sort": "-rag"}))]

    assert ascending == ["AA 2012/13", "NI 152"]  # both red: the service plan's return has red, then by reference
    assert descending == ["NI 152", "AA 2012/13"]


@pytest.mark.parametrize("column", ["plan", "kind", "lead", "indicator", "rag", "direction", "current"])
def test_every_sortable_column_sorts_both_ways(superadmin, column):
    for sort in (column, f"-{column}"):
        response = superadmin.get(OVERVIEW, {"sort": sort})
        assert response.status_code == 200
        assert len(table_rows(response)) == 2


def test_the_overview_pages_after_25_plans(superadmin):
    organisation = Plan.objects.get(reference="NI 152").lead_organisation
    for number in range(30):
        make_plan(f"LOCAL {number:02d}", lead_organisation=organisation)

    first, second = superadmin.get(OVERVIEW), superadmin.get(OVERVIEW, {"page": 2})

    assert len(table_rows(first)) == 25
    assert len(table_rows(second)) == 7
    assert "32 plans" in second.content.decode()
    assert "(page 2 of 2)" in second.content.decode()
    # The second page reads its own plans' figures and returns: NI 152 sorts after the LOCAL plans.
    row = row_of(table_rows(second), "NI 152 dashboard")
    assert "16.5% (2009/10 Q1) Provisional Last signed off: 16.2% (2008/09 Q4)" in row
    assert "2009/10 Q1 return of NI 152 Open Overdue 9 of 19 actions reported, 6 submitted, 0 signed off" in row


def test_a_page_of_the_overview_reads_the_figures_of_its_own_plans_only(superadmin):
    organisation = Plan.objects.get(reference="NI 152").lead_organisation
    for number in range(30):
        make_plan(f"LOCAL {number:02d}", lead_organisation=organisation)

    table = superadmin.get(OVERVIEW).context["table"]
    by_return = superadmin.get(OVERVIEW, {"sort": "current"}).context["table"]

    shown = [bound_row.record for bound_row in table.page.object_list]
    assert (len(table.rows), len(shown), all(row.is_read for row in shown)) == (32, 25, True)
    assert not table.data.data.holds_every_row  # the other 7 plans were never read from the database
    assert by_return.data.data.holds_every_row  # sorting on the return needs every plan's
    assert all(row.is_read for row in by_return.data.data.every_row())


def test_the_csv_export_has_one_fact_per_column_for_every_matching_plan(superadmin):
    response = superadmin.get(OVERVIEW, {"_export": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="overview.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert [row["Plan"] for row in rows] == ["CS 2012/13", "NI 152"]
    ni152 = rows[1]
    assert ni152["Headline indicator"] == "NI 152"
    assert ni152["Year"] == "2009/10"
    assert ni152["Latest value"] == "16.5"
    assert ni152["Latest period"] == "2009/10 Q1"
    assert ni152["Provisional"] == "Yes"
    assert ni152["Last signed-off value"] == "16.2"
    assert ni152["Last signed-off period"] == "2008/09 Q4"
    assert ni152["Target"] == "14.0"
    assert ni152["RAG"] == "Red"
    assert ni152["Direction of travel"] == "Worsening"
    assert ni152["Periods in that direction"] == "4"
    assert ni152["Target met (completed years)"] == "2008/09: Not met"
    assert (ni152["Current return"], ni152["Return status"]) == ("2009/10 Q1", "Open")
    assert (ni152["Actions"], ni152["Actions reported"], ni152["Actions submitted"], ni152["Actions signed off"]) == (
        "19", "9", "6", "0")
    assert ni152["Overdue"] == "Yes"
    service = rows[0]
    assert (service["Headline indicator"], service["Latest value"]) == ("", "")
    assert re.fullmatch(r"\d+ red, \d+ amber, \d+ green", service["RAG"])
    assert service["Direction of travel"] == "No earlier return"
    assert service["Overdue"] == "No"


def test_a_coventry_reader_sees_ni_152_only(viewer):
    """The wall between partnerships: Coventry's strategic group reads NI 152, never Bath's service plan."""
    assert [row.split(" dashboard")[0] for row in table_rows(viewer.get(OVERVIEW))] == ["NI 152"]
    assert [row.split(" dashboard")[0] for row in table_rows(viewer.get(OVERVIEW, {"rag": "red"}))] == ["NI 152"]
    exported = csv.DictReader(io.StringIO(viewer.get(OVERVIEW, {"_export": "csv"}).content.decode("utf-8")))
    assert [row["Plan"] for row in exported] == ["NI 152"]
    assert viewer.get(plan_url("CS 2012/13")).status_code == 404


def test_the_export_follows_the_filters_and_ignores_the_page(viewer):
    response = viewer.get(OVERVIEW, {"_export": "csv", "rag": "red", "year": "2008", "page": "3"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert [row["Plan"] for row in rows] == ["NI 152"]


def test_the_xlsx_export_keeps_numbers_as_numbers(superadmin):
    response = superadmin.get(OVERVIEW, {"_export": "xlsx", "sort": "-plan"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, ni152 = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ("Plan", "Title", "Kind")
    assert ni152["Plan"] == "NI 152"
    assert float(ni152["Latest value"]) == 16.5
    assert float(ni152["Target"]) == 14.0
    assert ni152["Actions"] == 19
    assert ni152["RAG"] == "Red"
    assert len(rows) == 3


# ---------------------------------------------------------------------------------------------------------
# Who has not reported


def test_who_has_not_reported_opens_on_the_overdue_round_with_work_outstanding(viewer):
    response = viewer.get(NOT_REPORTED)
    page = response.content.decode()

    assert "Who has not reported in 2009/10 Q1" in page
    people = table_rows(response)
    myles = row_of(people, "Myles Mackie")
    assert "Overdue NI 152 0 7 NI 152: Value of NI 152 ( Draft )" in myles
    assert "NI 152: Value of NI 79 ( Not started )" in myles
    pat = row_of(people, "Pat Morgan")
    assert "JCP Overdue NI 152 7 0" in pat
    assert "NI 152: Job Centre Plus Flexible Routeways ( Returned with comments )" in pat
    assert "NI 152: JCP New Deals ( Draft )" in pat
    nobody = row_of(people, "No lead officer or data expert with a login")
    assert " 6 0 " in nobody and "Reported by a performance officer" in nobody
    plan = row_of(table_rows(response, "by-plan"), "NI 152 return for 2009/10 Q1")
    assert plan.endswith("Open Overdue 13 of 19 7 of 7")


def test_the_people_listed_are_those_the_reminder_goes_to(viewer):
    reporting_round = ReportingRound.objects.get(period__start=date(2009, 4, 1), period__kind="quarter")

    response = viewer.get(NOT_REPORTED)

    named = {row.person.name for row in response.context["page"].late}
    assert named == {person.name for person in notifications.outstanding_people(reporting_round)}
    assert named == {"Myles Mackie", "Pat Morgan"}


def test_a_signed_off_round_has_nothing_outstanding(viewer):
    reporting_round = ReportingRound.objects.get(period__start=date(2009, 1, 1), period__kind="quarter")

    response = viewer.get(NOT_REPORTED, {"round": reporting_round.pk})
    page = response.content.decode()

    assert "Who has not reported in 2008/09 Q4" in page
    assert "Everyone has submitted everything in this round." in page
    assert "Send a reminder" not in page
    assert row_of(table_rows(response, "by-plan"), "NI 152").endswith("Signed off None None")


@pytest.mark.parametrize("round_value", ["x", "99999"])
def test_an_unknown_round_is_not_found(viewer, round_value):
    assert viewer.get(NOT_REPORTED, {"round": round_value}).status_code == 404


def remind_url() -> str:
    reporting_round = ReportingRound.objects.get(period__start=date(2009, 4, 1), period__kind="quarter")
    return reverse("dashboard_remind", args=[reporting_round.pk])


def test_a_performance_officer_reminds_those_late_in_one_click(client):
    signed_in(client, "admin")
    assert "Send a reminder to 2 people" in client.get(NOT_REPORTED).content.decode()

    response = client.post(remind_url(), follow=True)

    assert sorted(message.to[0] for message in mail.outbox) == ["myles.mackie@example.org", "pat.morgan@example.org"]
    subject = "Partnership Monitor, Coventry Partnership: your 2009/10 Q1 return is overdue"
    assert all(message.subject == subject for message in mail.outbox)
    page = response.content.decode()
    assert "Reminder sent to 2 people: Myles Mackie, Pat Morgan." in page
    assert row_of(table_rows(response), "Pat Morgan").endswith(f"Sent {date.today().day} {date.today():%B %Y}")
    assert ReminderSent.objects.filter(kind=ReminderSent.Kind.OVERDUE).count() == 2


def test_the_daily_run_does_not_send_the_overdue_reminder_again_after_a_manual_one(client):
    signed_in(client, "admin")
    client.post(remind_url())
    mail.outbox.clear()

    counts = notifications.send_due_reminders()

    assert counts[ReminderSent.Kind.OVERDUE] == 0
    assert mail.outbox == []


def test_the_reminder_names_people_with_no_email_address(client):
    Person.objects.filter(name="Pat Morgan").update(email="")
    User.objects.filter(username="officer").update(email="")
    signed_in(client, "admin")

    response = client.post(remind_url(), follow=True)

    assert [message.to for message in mail.outbox] == [["myles.mackie@example.org"]]
    assert "Reminder sent to 1 person: Myles Mackie. No email address for Pat Morgan." in response.content.decode()


def test_no_reminder_goes_before_the_due_date():
    reporting_round = ReportingRound.objects.get(period__start=date(2009, 4, 1), period__kind="quarter")

    assert notifications.remind_late(reporting_round, today=date(2009, 7, 31)) == ([], [])
    assert mail.outbox == []


def test_a_round_not_yet_overdue_says_nobody_is_late(client):
    reporting_round = ReportingRound.objects.get(period__start=date(2009, 4, 1), period__kind="quarter")
    ReportingRound.objects.filter(pk=reporting_round.pk).update(due_date=date(2100, 1, 1))
    signed_in(client, "admin")

    response = client.post(remind_url(), follow=True)

    assert "Round 2009/10 Q1 is not overdue: nobody is late yet." in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("username", ["viewer", "officer", "expert", "owner"])
def test_only_a_performance_officer_may_send_the_reminder(client, username):
    signed_in(client, username)

    assert client.post(remind_url()).status_code == 403
    assert mail.outbox == []
    page = client.get(NOT_REPORTED).content.decode()
    assert "Send a reminder" not in page
    assert "A performance officer can email a reminder to those late from this page." in page


@pytest.mark.parametrize("username", ["bath_officer", "director"])
def test_nobody_of_another_partnership_may_send_the_reminder(client, username):
    # Coventry's round is not found for Bath's people, its performance officer included.
    signed_in(client, username)

    assert client.post(remind_url()).status_code == 404
    assert mail.outbox == []


def test_the_reminder_is_sent_by_post_only(client):
    signed_in(client, "admin")

    assert client.get(remind_url()).status_code == 405


# ---------------------------------------------------------------------------------------------------------
# Plan dashboard


def plan_url(reference: str) -> str:
    return reverse("plan_dashboard", args=[Plan.objects.get(reference=reference).pk])


def test_the_plan_dashboard_charts_each_indicator_beside_its_figures(viewer):
    ni152 = Indicator.objects.get(code="NI 152")
    response = viewer.get(plan_url("NI 152"))
    page = response.content.decode()

    assert response.status_code == 200
    assert page.count('<svg role="img"') == 7 + 2  # seven indicators, the actions and the funding
    figures = table_rows(response, f"indicator-{ni152.pk}-table")
    assert len(figures) == 12  # 2008/09 Q1 to 2010/11 Q4
    assert figures[0] == "2008/09 Q1 14.6% 14.3%"
    assert figures[4] == "2009/10 Q1 16.5% Provisional 14.0% 16.5%"
    assert figures[5] == "2009/10 Q2 No value 14.0% 16.1%"
    assert figures[11] == "2010/11 Q4 No value 13.8% 13.8%"
    section = text(page[page.index(f'id="indicator-{ni152.pk}"'):page.index(f'id="indicator-{ni152.pk}-table"')])
    assert "Latest value 16.5% for 2009/10 Q1 Provisional Last signed off: 16.2% for 2008/09 Q4" in section
    assert "Target 14.0% for 2009/10 RAG status Red (provisional)" in section
    assert "Direction of travel Worsening for 4 periods (provisional)" in section
    assert "Baseline: 14.8% May 2007." in page


def test_an_annual_measure_is_assessed_against_the_target_of_its_year(viewer):
    ni79 = Indicator.objects.get(code="NI 79")
    page = viewer.get(plan_url("NI 152")).content.decode()

    section = text(page[page.index(f'id="indicator-{ni79.pk}"'):page.index(f'id="indicator-{ni79.pk}-table"')])
    assert "Latest value 70.1% for 2008/09 Q4 (signed off)" in section
    assert "Target 72.9% for 2008/09 RAG status Amber" in section


def test_the_plan_dashboard_summarises_actions_by_flow_category(viewer):
    response = viewer.get(plan_url("NI 152"))

    rows = table_rows(response, "flow-table")
    assert row_of(rows, "On flow") == "On flow 1 0 1 0 0 0 of 0 1 of 1 action with a target reported"
    # ESF Adults, 95 of 412 by Q1 against a profile of 103, is red by the outputs' rule (monitoring.action_rag).
    assert row_of(rows, "Flow time") == "Flow time 5 2 1 2 0 95 of 412 (23%) 3 of 3 actions with a target reported"
    # One off-flow action (target 720) reported no outputs: neither a 0 nor its target counts. The RAGs of those
    # with outputs are the ones their outputs suggest (tests/demo/test_demo_rag.py holds every demo entry to it).
    assert row_of(rows, "Off flow") == "Off flow 10 3 1 3 3 175 of 730 (24%) 4 of 5 actions with a target reported"
    assert row_of(rows, "Not classed") == "Not classed 8 1 0 0 7 No output target"
    assert "RAG status from the 2009/10 Q1 return, not yet signed off." in response.content.decode()


def test_the_plan_dashboard_totals_funding_by_stream_and_year(viewer):
    rows = table_rows(viewer.get(plan_url("NI 152")), "funding-table")

    assert row_of(rows, "DAF") == "DAF £1,070,000 Blank Blank £1,070,000"
    assert row_of(rows, "LEGI") == "LEGI £650,000 tbc tbc £650,000 plus tbc"
    assert row_of(rows, "Total") == "Total £12,945,888 £221,355 plus tbc tbc £13,167,243 plus tbc"


def test_risks_without_likelihood_and_impact_give_an_empty_state_not_a_heat_map(viewer):
    page = viewer.get(plan_url("NI 152")).content.decode()

    assert 'id="heat-map"' not in page
    assert ("None of this plan's 5 risks has been given a likelihood and an impact yet, so there is no heat map."
            in text(page))
    assert "Economic Recession" in page


def test_assessed_risks_sit_in_the_heat_map_cell_of_their_likelihood_and_impact(viewer):
    plan = Plan.objects.get(reference="NI 152")
    Risk.objects.filter(plan=plan, risk="Economic Recession").update(likelihood=4, impact=5)
    Risk.objects.filter(plan=plan, risk__startswith="Lack of influence").update(likelihood=2, impact=2)

    response = viewer.get(plan_url("NI 152"))

    rows = table_rows(response, "heat-map")
    assert [row.split(" Impact")[0].split(" No risks")[0] for row in rows][0] == "Likelihood 5"
    assert "High (20) Economic Recession" in rows[1]  # likelihood 4
    assert rows[1].startswith("Likelihood 4 No risks No risks No risks No risks High (20)")
    assert "Low (4) Lack of influence over large regional DWP contracts" in rows[3]  # likelihood 2
    assert "3 risks without a likelihood and an impact are not on the map." in text(response.content.decode())


def test_the_service_plan_dashboard_has_its_measures_unclassed_activities_and_its_budget(bath_viewer):
    response = bath_viewer.get(plan_url("CS 2012/13"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "This plan has no indicators." not in page
    assert text(page).count("Supporting indicator") == 6  # the key measures of Appendix 1
    assert table_rows(response, "flow-table")[0].startswith("Not classed 28")
    assert "No funding has been recorded for this plan." not in page
    assert row_of(table_rows(response, "budget-table"), "Deficit") == "Deficit / (Surplus) 178 582"


def test_an_unknown_plan_has_no_dashboard(viewer):
    assert viewer.get(reverse("plan_dashboard", args=[99999])).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Indicator page


def test_the_indicator_page_lists_the_full_history_newest_first_with_targets_and_commentary(viewer):
    ni152 = Indicator.objects.get(code="NI 152")
    response = viewer.get(ni152.get_absolute_url())

    assert response.status_code == 200
    history = table_rows(response, "history-table")
    assert len(history) == 5
    assert history[0] == ("2009/10 Q1 16.5% Provisional Illustrative 14.0% Red Worsening "
                          "Illustrative figure for the demonstration, not a published statistic.")
    assert history[1].startswith("2008/09 Q4 16.2% (signed off) Illustrative 14.3% Year end: target not met Red Worsening")
    assert history[4].startswith("2008/09 Q1 14.6% (signed off) Illustrative 14.3% Amber Not known")


def test_the_indicator_page_gives_each_years_target_and_whether_it_was_met(viewer):
    response = viewer.get(Indicator.objects.get(code="NI 152").get_absolute_url())

    assert table_rows(response, "targets-table") == [
        "2008/09 14.3% 16.2% (2008/09 Q4) Not met",
        "2009/10 14.0% Year not completed",
        "2010/11 13.8% Year not completed",
    ]


def test_the_indicator_page_lists_the_plans_that_use_it_and_charts_it(viewer):
    response = viewer.get(Indicator.objects.get(code="NI 152").get_absolute_url())
    page = response.content.decode()

    assert table_rows(response, "plans-table") == ["NI 152 dashboard Working age people on out of work benefits "
                                                   "Headline Jobcentre Plus"]
    assert page.count('<svg role="img"') == 1
    assert "Latest value 16.5% for 2009/10 Q1" in text(page)
    assert "By quarter" in page


def test_a_tracked_only_indicator_with_no_values_says_so(viewer):
    social_return = Indicator.objects.get(polarity=Indicator.Polarity.NEUTRAL)

    page = text(viewer.get(social_return.get_absolute_url()).content.decode())

    assert "RAG status No data" in page
    assert "Amber Not rated" in page
    assert "No values have been reported for this indicator yet." in page


def test_a_neutral_indicator_with_values_is_tracked_only(viewer):
    social_return = Indicator.objects.get(polarity=Indicator.Polarity.NEUTRAL)
    social_return.values.create(period=Period.for_code("2010/11-Q1"), value="1.25", status="signed_off")

    page = text(viewer.get(social_return.get_absolute_url()).content.decode())

    assert "RAG status Tracked only (no RAG)" in page


def test_an_unknown_indicator_is_not_found(viewer):
    assert viewer.get(reverse("indicator_detail", args=[99999])).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Access


DASHBOARD_PAGES = [
    lambda: OVERVIEW,
    lambda: NOT_REPORTED,
    lambda: plan_url("NI 152"),
    lambda: Indicator.objects.get(code="NI 152").get_absolute_url(),
]


@pytest.mark.parametrize("page", DASHBOARD_PAGES)
def test_signing_in_is_needed_to_read_a_dashboard(client, page):
    response = client.get(page())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("username", ["admin", "officer", "expert", "owner", "viewer", "superadmin"])
@pytest.mark.parametrize("page", DASHBOARD_PAGES)
def test_every_signed_in_user_reads_every_dashboard(client, username, page):
    signed_in(client, username)

    assert client.get(page()).status_code == 200


BATH_DASHBOARD_PAGES = [
    lambda: OVERVIEW,
    lambda: NOT_REPORTED,
    lambda: plan_url("CS 2012/13"),
    lambda: Plan.objects.get(reference="CS 2012/13").plan_indicators.first().indicator.get_absolute_url(),
]


@pytest.mark.parametrize("username", ["director", "bath_officer", "bath_viewer", "superadmin"])
@pytest.mark.parametrize("page", BATH_DASHBOARD_PAGES)
def test_every_signed_in_user_of_bath_reads_the_service_plans_dashboards(client, username, page):
    signed_in(client, username)

    assert client.get(page()).status_code == 200


@pytest.mark.parametrize("username", ["director", "bath_officer", "bath_viewer"])
@pytest.mark.parametrize("page", DASHBOARD_PAGES[2:])
def test_bath_users_do_not_find_coventrys_dashboards(client, username, page):
    signed_in(client, username)

    assert client.get(page()).status_code == 404


def test_anonymous_reminders_go_to_sign_in(client):
    response = client.post(remind_url())

    assert response.status_code == 302
    assert mail.outbox == []


def test_the_navigation_links_to_the_dashboards_and_marks_them_current(viewer):
    page = viewer.get(plan_url("NI 152")).content.decode()

    assert f'<a class="govuk-service-navigation__link" href="{OVERVIEW}" aria-current="page">' in page

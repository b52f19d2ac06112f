"""The home page: each person's quarter, a section for each part they play, and the navigation they may use."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import permissions, services
from monitoring.models import ProgressReport
from monitoring.templatetags.formatting import long_date
from plans.models import DeliveryAction, Period, PlanRole
from tests.builders import make_plan
from tests.cycle_builders import give_role, make_cycle, make_user, sign_off, submit_everything, submit_progress, submit_value

pytestmark = pytest.mark.django_db


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.context["page"], response.content.decode()


def text(content: str) -> str:
    """Return the page's words with the markup and runs of spaces taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


def send_back(cycle, entry, comment: str, report=None):
    services.return_send_back(report=report or cycle.report, user=cycle["owner"],
                              items=[services.SendBackItem(entry, comment)])


# ---------------------------------------------------------------------------------------------------------
# Lead officer


def test_it_lists_a_lead_officers_items_worst_first_with_the_comment_and_the_days_left(client):
    today = timezone.localdate()
    c = make_cycle(actions=5, due=today - timedelta(days=3))  # Pat Morgan leads actions 1, 3 and 5
    first, third, fifth = c.actions[0], c.actions[2], c.actions[4]
    submit_progress(c, first, outputs=Decimal(80))
    send_back(c, first.progress_reports.get(report=c.report), "Add the outputs for May")
    submit_progress(c, third, submit=False)
    submit_progress(c, fifth)
    soon = services.round_open(period=Period.for_code("2008/09-Q2"), due_date=today + timedelta(days=5),
                               user=c["performance_officer"])
    later = services.round_open(period=Period.for_code("2008/09-Q3"), due_date=today + timedelta(days=40),
                                user=c["performance_officer"])
    later_report = later.returns.get(plan=c.plan)
    services.progress_save(report=later_report, action=fifth, user=c["officer"], narrative="Started", rag="green",
                           outputs_achieved=None, version=None, submit=False)

    page, content = home(client, c["officer"])

    assert [(task.title, task.period, task.status) for task in page.officer.tasks] == [
        ("1. Action 1", "2008/09 Q1", "Returned with comments"),
        ("3. Action 3", "2008/09 Q1", "Overdue"),
        ("1. Action 1", "2008/09 Q2", "Due soon"),
        ("3. Action 3", "2008/09 Q2", "Due soon"),
        ("5. Action 5", "2008/09 Q2", "Due soon"),
        ("5. Action 5", "2008/09 Q3", "Draft"),
        ("1. Action 1", "2008/09 Q3", "Not started"),
        ("3. Action 3", "2008/09 Q3", "Not started"),
    ]
    words = text(content)
    assert "1 of your 9 actions in open rounds submitted." in words
    assert "Comment: Add the outputs for May" in words
    assert f"NI 152, 2008/09 Q1: due {long_date(today - timedelta(days=3))} (3 days late)" in words
    assert f"NI 152, 2008/09 Q2: due {long_date(today + timedelta(days=5))} (5 days left)" in words
    assert f'href="{reverse("progress_edit", args=[c.report.pk, first.pk])}"' in content
    assert f'href="{reverse("progress_edit", args=[soon.returns.get(plan=c.plan).pk, first.pk])}"' in content
    assert "Action 2" not in words  # Andy Williams's
    assert page.strategic is None


def test_a_lead_officer_with_everything_submitted_has_nothing_to_report(client):
    c = make_cycle(actions=3)
    for action in c.actions[::2]:
        submit_progress(c, action, outputs=Decimal(80) if action == c.action else None)

    page, content = home(client, c["officer"])

    assert page.officer.tasks == []
    words = text(content)
    assert "2 of your 2 actions in open rounds submitted." in words
    assert "Nothing to report in an open round." in words


def test_a_lead_officer_with_no_open_round_has_nothing_to_report(client):
    c = make_cycle(actions=3)
    services.round_close(reporting_round=c.round, user=c["performance_officer"])

    _, content = home(client, c["officer"])

    assert "Nothing to report in an open round." in text(content)


# ---------------------------------------------------------------------------------------------------------
# Data expert


def test_a_data_expert_sees_the_values_to_enter_by_plan_and_period_with_due_dates_and_status(client):
    due = timezone.localdate() + timedelta(days=20)
    c = make_cycle(indicators=3, due=due)
    submit_value(c, c.ni152, "14.5", commentary="Redundancies still in the figures")

    page, content = home(client, c["expert"])

    assert [(task.plan, task.period, task.title, task.status) for task in page.expert] == [
        ("NI 152", "2008/09 Q1", "3 values, 1 submitted", "In progress"),
    ]
    words = text(content)
    assert "Indicator values to enter" in words
    assert f"NI 152, 2008/09 Q1: due {long_date(due)} (20 days left)" in words
    assert f'href="{reverse("values_edit", args=[c.report.pk])}"' in content
    assert page.officer is None and page.strategic is None


def test_a_data_expert_with_no_open_round_is_told_so(client):
    c = make_cycle()
    services.round_close(reporting_round=c.round, user=c["performance_officer"])

    _, content = home(client, c["expert"])

    assert "No values to enter in an open round." in text(content)


# ---------------------------------------------------------------------------------------------------------
# Indicator owner


def test_an_owner_sees_a_return_ready_for_sign_off(client):
    c = submit_everything(make_cycle(actions=3, indicators=2))

    page, content = home(client, c["owner"])

    assert [(state.plan, state.period, state.total) for state in page.owner.ready] == [("NI 152", "2008/09 Q1", 5)]
    words = text(content)
    assert "NI 152, 2008/09 Q1 : all 5 items submitted" in words
    assert "No return you sign off is waiting on anyone." in words
    assert "Nothing you sent back has come back yet." in words


def test_an_owner_sees_who_the_other_returns_are_waiting_on_and_for_what(client):
    c = make_cycle(actions=3, indicators=3)
    submit_progress(c, c.actions[0], outputs=Decimal(80))
    submit_progress(c, c.actions[2])
    submit_value(c, c.ni152, "14.5", commentary="Redundancies still in the figures")

    page, content = home(client, c["owner"])

    assert page.owner.ready == []
    [state] = page.owner.waiting
    assert (state.done, state.total) == (3, 6)
    assert [(waiting.who, waiting.what) for waiting in state.waiting] == [
        ("Andy Williams", "1 action (2)"),
        ("Myles Mackie", "2 indicator values (LOCAL 1, LOCAL 2)"),
    ]
    words = text(content)
    assert "NI 152, 2008/09 Q1: 3 of 6 items submitted" in words
    assert "No return is ready for you to sign off." in words


def test_an_owner_sees_the_items_they_sent_back_that_came_back(client):
    c = submit_everything(make_cycle(actions=3, indicators=2))
    entry = c.action.progress_reports.get(report=c.report)
    send_back(c, entry, "Add the outputs for May")
    send_back(c, IndicatorValue.objects.get(indicator=c.indicators[1], period=c.round.period), "Check the count")
    submit_progress(c, c.action, outputs=Decimal(95))

    page, content = home(client, c["owner"])

    assert [(item.item, item.plan, item.period) for item in page.owner.came_back] == [
        ("Action 1", "NI 152", "2008/09 Q1"),
    ]
    assert "Action 1 (NI 152, 2008/09 Q1)" in text(content)
    [state] = page.owner.waiting
    assert [(waiting.who, waiting.what) for waiting in state.waiting] == [("Myles Mackie", "1 indicator value (LOCAL 1)")]


# ---------------------------------------------------------------------------------------------------------
# Performance officer


def test_a_performance_officer_sees_each_open_rounds_completeness_and_the_items_with_no_login(client):
    c = make_cycle(actions=3, indicators=2, unassigned_every=3)  # action 3 has no lead officer
    submit_progress(c, c.actions[0], outputs=Decimal(80))
    submit_progress(c, c.actions[1])
    submit_value(c, c.ni152, "14.5", commentary="Redundancies still in the figures")

    page, content = home(client, c["performance_officer"])

    [progress] = page.performance.rounds
    assert (progress.returns, progress.signed_off, progress.done, progress.total, progress.percent) == (1, 0, 3, 5, 60)
    assert [(task.title, task.status) for task in page.performance.unreported] == [
        ("Action 3", "A performance officer reports it")]
    words = text(content)
    assert "Round 2008/09 Q1" in words
    assert "3 of 5 (60%)" in words
    assert f'href="{reverse("dashboard_not_reported")}?round={c.round.pk}"' in content
    assert f'href="{reverse("progress_edit", args=[c.report.pk, c.actions[2].pk])}"' in content
    assert "No return is waiting only for its signature." in words
    assert "No open round has all its returns signed off." in words


def test_a_performance_officer_sees_who_reports_each_item_whose_lead_has_no_login(client):
    c = make_cycle(actions=6, indicators=2, unassigned_every=3)  # actions 3 and 6 have no lead officer
    ann = make_user("reporter", "Ann Smith", permissions.LEAD_OFFICERS)
    DeliveryAction.objects.filter(pk=c.actions[2].pk).update(lead_text="Multiple Leads", reporter=ann.person)
    DeliveryAction.objects.filter(pk=c.actions[5].pk).update(lead_text="CCC")

    page, content = home(client, c["performance_officer"])

    assert [(task.title, task.status, task.note) for task in page.performance.unreported] == [
        ("Action 3", "Ann Smith reports it", "Led by Multiple Leads, with no login"),
        ("Action 6", "A performance officer reports it",
         "Led by CCC, with no login: nobody with a login is named to report it"),
    ]
    words = text(content)
    assert "Items whose lead has no login" in words
    assert "Led by Multiple Leads, with no login" in words
    assert f'href="{reverse("progress_edit", args=[c.report.pk, c.actions[5].pk])}"' in content
    assert f'href="{reverse("progress_edit", args=[c.report.pk, c.actions[2].pk])}"' not in content
    owner_page, _ = home(client, c["owner"])  # the owner is told who has each item
    [state] = owner_page.owner.waiting
    waiting = [(row.who, row.what) for row in state.waiting]
    assert ("Ann Smith", "1 action (3)") in waiting
    assert ("A performance officer", "1 action (6)") in waiting


def test_a_named_reporter_finds_the_items_they_report_on_their_home(client):
    c = make_cycle(actions=3, indicators=2, unassigned_every=3)
    ann = make_user("reporter", "Ann Smith", permissions.LEAD_OFFICERS)
    DeliveryAction.objects.filter(pk=c.actions[2].pk).update(lead_text="Multiple Leads", reporter=ann.person)

    page, content = home(client, ann)

    assert [(task.title, task.status) for task in page.officer.tasks] == [("3. Action 3", "Overdue")]
    words = text(content)
    assert "0 of your 1 action in open rounds submitted." in words
    assert "Led by Multiple Leads, with no login: you are named to report it" in words
    assert f'href="{reverse("progress_edit", args=[c.report.pk, c.actions[2].pk])}"' in content
    page, _ = home(client, c["performance_officer"])
    assert page.officer is None  # the performance officer no longer has it to report


def test_a_performance_officer_sees_the_returns_ready_to_sign_off_and_the_rounds_that_can_close(client):
    c = submit_everything(make_cycle(actions=3, indicators=2, unassigned_every=3))

    page, content = home(client, c["performance_officer"])
    assert [state.plan for state in page.performance.ready] == ["NI 152"]
    assert page.performance.closable == []
    assert "Every item still to report has a lead with a login to report it." in text(content)

    sign_off(c)
    page, content = home(client, c["performance_officer"])

    assert page.performance.ready == []
    assert [progress.round for progress in page.performance.closable] == [c.round]
    assert "Close round 2008/09 Q1 : all 1 return signed off" in text(content)
    assert f'href="{reverse("round_close", args=[c.round.pk])}"' in content


def test_a_performance_officer_with_no_open_round_is_told_so(client):
    c = make_cycle()
    services.round_close(reporting_round=c.round, user=c["performance_officer"])

    _, content = home(client, c["performance_officer"])

    assert "No round is open." in text(content)


# ---------------------------------------------------------------------------------------------------------
# Strategic group


def test_the_strategic_group_sees_red_and_worsening_headlines_and_new_sign_offs(client):
    c = make_cycle()
    # NI 152's latest signed-off figure, 14.5% in 2008/09 Q1, against a target of 13.0%: red.
    IndicatorTarget.objects.filter(indicator=c.ni152, year=2008).update(value=Decimal("13.0"))
    worsening = make_plan("NI 117", first_year=2007, last_year=2010)
    indicator = Indicator.objects.create(code="NI 117", name="16 to 18 year olds not in education",
                                         polarity=Indicator.Polarity.LOWER_IS_BETTER, decimal_places=1)
    PlanIndicator.objects.create(plan=worsening, indicator=indicator, role=PlanIndicator.Role.HEADLINE)
    for code, value, status in [("2007/08-Q3", "6.0", EntryStatus.SIGNED_OFF), ("2007/08-Q4", "6.5", EntryStatus.SIGNED_OFF),
                                ("2008/09-Q1", "5.0", EntryStatus.SUBMITTED)]:  # not signed off: not counted
        IndicatorValue.objects.create(indicator=indicator, period=Period.for_code(code), value=Decimal(value), status=status)
    improving = make_plan("NI 8", first_year=2007, last_year=2010)
    steady = Indicator.objects.create(code="NI 8", name="Adult participation in sport", decimal_places=1)
    PlanIndicator.objects.create(plan=improving, indicator=steady, role=PlanIndicator.Role.HEADLINE)
    for code, value in [("2007/08-Q3", "20.0"), ("2007/08-Q4", "21.0")]:
        IndicatorValue.objects.create(indicator=steady, period=Period.for_code(code), value=Decimal(value),
                                      status=EntryStatus.SIGNED_OFF)
    sign_off(submit_everything(c))

    page, content = home(client, c["viewer"])

    assert [(row.plan, row.value, row.period, row.rag, row.trend) for row in page.strategic.exceptions] == [
        ("NI 152", "14.5%", "2008/09 Q1", "Red", "Improving for 3 periods"),
        ("NI 117", "6.5%", "2007/08 Q4", "No target", "Worsening for 1 period"),
    ]
    assert [report.plan.reference for report in page.strategic.signed_off] == ["NI 152"]
    words = text(content)
    assert f"NI 152, 2008/09 Q1 : signed off on {long_date(timezone.localdate())} by Jane Beaver" in words
    assert f'href="{reverse("plan_dashboard", args=[worsening.pk])}"' in content
    assert f'href="{reverse("dashboard_overview")}"' in content
    assert "NI 8" not in words
    assert (page.officer, page.expert, page.owner, page.performance) == (None, None, None, None)


def test_the_strategic_group_with_no_exceptions_is_told_so(client):
    c = make_cycle()

    _, content = home(client, c["viewer"])

    words = text(content)
    assert "No plan's headline indicator is red or getting worse." in words
    assert "No return has been signed off in the last 30 days." in words


def test_someone_with_no_role_in_any_partnership_is_told_so_and_sees_nothing(client):
    c = make_cycle()
    reader = make_user("reader", "Ann Reader")
    client.force_login(reader)

    home_page = client.get("/")
    plans = client.get("/plans/")

    assert "You do not have a role in any partnership yet" in home_page.content.decode()
    assert c.plan.reference not in plans.content.decode()
    assert client.get(f"/plans/{c.plan.pk}/").status_code == 404


def test_a_reader_with_no_other_role_sees_the_strategic_sections(client):
    make_cycle()
    reader = make_user("reader", "Ann Reader", permissions.STRATEGIC_GROUP)

    page, content = home(client, reader)

    assert "Hello, Ann Reader" in content
    assert page.strategic is not None
    assert (page.officer, page.expert, page.owner, page.performance) == (None, None, None, None)


# ---------------------------------------------------------------------------------------------------------
# Several roles


def test_a_person_with_several_roles_sees_each_of_their_sections(client):
    c = make_cycle(actions=3)
    PlanRole.objects.create(plan=c.plan, role=PlanRole.Role.STRATEGIC_DIRECTOR, person=c["officer"].person)
    give_role(c["officer"], permissions.STRATEGIC_GROUP)

    page, content = home(client, c["officer"])

    assert [task.title for task in page.officer.tasks] == ["1. Action 1", "3. Action 3"]
    assert [state.plan for state in page.owner.waiting] == ["NI 152"]
    assert page.strategic is not None
    assert page.expert is None and page.performance is None
    words = text(content)
    for heading in ("Your actions", "Returns you sign off", "Exceptions"):
        assert heading in words


# ---------------------------------------------------------------------------------------------------------
# Navigation


NAVIGATION = {
    "viewer": ["Home", "Plans", "Reporting rounds", "Dashboards"],
    "officer": ["Home", "Plans", "My returns", "Reporting rounds", "Dashboards"],
    "owner": ["Home", "Plans", "My returns", "Reporting rounds", "Dashboards"],
    "expert": ["Home", "Plans", "My returns", "Reporting rounds", "Dashboards", "Spreadsheets"],
    "performance_officer": ["Home", "Plans", "My returns", "Reporting rounds", "Dashboards", "Spreadsheets"],
}


def navigation(content: str) -> list[str]:
    items = re.findall(r'<a class="govuk-service-navigation__link"[^>]*>(.*?)</a>', content, re.S)
    return [text(item).strip() for item in items]


@pytest.mark.parametrize("role", NAVIGATION)
def test_the_navigation_shows_only_what_the_person_may_use(client, role):
    c = make_cycle()
    client.force_login(c[role])

    assert navigation(client.get(reverse("home")).content.decode()) == NAVIGATION[role]
    assert navigation(client.get(reverse("plan_list")).content.decode()) == NAVIGATION[role]


def test_the_navigation_follows_a_new_role_once_the_home_page_is_opened(client):
    c = make_cycle()
    client.force_login(c["viewer"])
    assert "My returns" not in navigation(client.get(reverse("plan_list")).content.decode())

    c.actions[1].lead_officer = c["viewer"].person
    c.actions[1].save()

    assert "My returns" in navigation(client.get(reverse("home")).content.decode())
    assert "My returns" in navigation(client.get(reverse("plan_list")).content.decode())


def test_a_returned_entry_keeps_its_comment_on_the_officers_home(client):
    c = make_cycle(actions=1)
    submit_progress(c, c.action, outputs=Decimal(80))
    send_back(c, ProgressReport.objects.get(report=c.report, action=c.action), "Outputs for May are missing")

    page, _ = home(client, c["officer"])

    [task] = page.officer.tasks
    assert (task.status, task.comment) == ("Returned with comments", "Outputs for May are missing")

"""The partnership a person works in, by every route that is not a page address: choosing it, imports, commands,
the services, and what is made without naming one. tests/test_partnership_walls.py walks the addresses."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from indicators.models import Indicator, IndicatorValue, PlanIndicator
from monitoring import permissions, services
from monitoring.models import ImportRecord, ReportingRound
from monitoring.spreadsheets import imports
from plans import partnerships
from plans.models import Membership, Period, Person, Plan
from tests.builders import make_partnership, make_plan
from tests.cycle_builders import PASSWORD, give_role, make_cycle, make_user

pytestmark = pytest.mark.django_db

VALUES = "Indicator,Period,Value,Commentary\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def two():
    """Partnership A (the test partnership, with a cycle) and B, with its own NI 152 plan and indicator."""
    a = make_cycle()
    b = make_partnership("Bath and North East Somerset")
    plan_b = make_plan("NI 152", partnership=b, title="Bath worklessness plan")
    officer_b = make_user("bath_officer", "Bea Officer", permissions.PERFORMANCE_OFFICERS, partnership=b)
    return a, b, plan_b, officer_b


def test_someone_with_roles_in_two_partnerships_works_in_one_and_switches_to_the_other(client, two):
    a, b, plan_b, _ = two
    both = a["viewer"]
    give_role(both, permissions.STRATEGIC_GROUP, partnership=b)
    client.force_login(both)

    first = client.get("/plans/").content.decode()  # until they choose: the first of their partnerships by name
    chooser = client.get("/partnership/")
    refused = client.post("/partnership/", {"partnership": "999999"})
    client.post("/partnership/", {"partnership": str(a.plan.partnership_id)})
    second = client.get("/plans/").content.decode()

    assert plan_b.title in first and a.plan.title not in first
    assert "Bath and North East Somerset" in first  # the header names where they work
    assert "Choose a partnership" in chooser.content.decode() and "Test Partnership" in chooser.content.decode()
    assert "Choose one of the partnerships listed" in refused.content.decode()
    assert a.plan.title in second and plan_b.title not in second
    assert client.get(f"/plans/{plan_b.pk}/").status_code == 404


def test_someone_in_one_partnership_has_nothing_to_choose(client, two):
    a, *_ = two
    client.force_login(a["viewer"])
    assert client.get("/partnership/").status_code == 404


def test_a_values_file_naming_another_partnerships_indicator_changes_nothing(two):
    a, b, plan_b, officer_b = two
    before = list(IndicatorValue.objects.values_list("pk", "value"))
    with partnerships.within([b.pk]):
        outcome = imports.import_file(kind="values", content=f"{VALUES}LOCAL 1,2008/09-Q1,14.6,\n".encode(),
                                      file_name="values.csv", user=officer_b, apply=True)
    assert not outcome.ok
    assert [str(problem) for problem in outcome.problems] == [
        "Row 2, column A (Indicator): No indicator has the code 'LOCAL 1'. Check the code, or add the indicator "
        "first."
    ]
    assert list(IndicatorValue.objects.values_list("pk", "value")) == before
    assert not ImportRecord.objects.exists()


def test_a_checked_upload_cannot_be_confirmed_after_switching_partnership(client, two):
    a, b, plan_b, officer_b = two
    a_officer = a["performance_officer"]
    give_role(a_officer, permissions.PERFORMANCE_OFFICERS, partnership=b)
    client.force_login(a_officer)
    client.post("/partnership/", {"partnership": str(a.plan.partnership_id)})
    upload = SimpleUploadedFile("values.csv", f"{VALUES}NI 152,2008/09-Q1,14.6,Redundancies rose\n".encode(), "text/csv")
    preview = client.post("/imports/", {"kind": "values", "file": upload})
    token = preview.context["token"]
    assert token, [str(problem) for problem in preview.context["outcome"].problems]

    client.post("/partnership/", {"partnership": str(b.pk)})
    confirmed = client.post("/imports/confirm/", {"token": token}, follow=True)

    assert "You have changed partnership since that file was checked" in confirmed.content.decode()
    assert not IndicatorValue.objects.filter(period=Period.for_code("2008/09-Q1")).exists()


def test_a_command_names_its_partnership_when_the_install_has_several(two, tmp_path):
    a, b, plan_b, _ = two
    with pytest.raises(CommandError, match=r"Name the partnership with --partnership: this install has 2"):
        call_command("export_plan", "NI 152", output=str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match=r"There is no partnership called 'Nowhere'"):
        call_command("export_plan", "NI 152", partnership="Nowhere", output=str(tmp_path / "x.xlsx"))

    out = StringIO()
    call_command("export_plan", "NI 152", partnership="Bath and North East Somerset",
                 output=str(tmp_path / "bath.xlsx"), stdout=out)

    assert "Wrote NI 152" in out.getvalue() and (tmp_path / "bath.xlsx").exists()


def test_a_round_is_opened_for_one_partnership_only(two):
    a, b, plan_b, officer_b = two
    with partnerships.within([b.pk]):
        reporting_round = services.round_open(period=Period.for_code("2008/09-Q2"), due_date=date(2008, 10, 31),
                                              user=officer_b)
    assert reporting_round.partnership == b
    assert [r.plan for r in reporting_round.returns.all()] == [plan_b]


def test_a_site_administrator_who_sees_every_partnership_is_asked_to_choose_one_first(client, two):
    superadmin = User.objects.create_superuser("superadmin", "s@example.org", PASSWORD)
    client.force_login(superadmin)

    pack = client.get("/reports/committee-pack/")
    plans = client.get("/plans/").content.decode()
    opened = client.post("/rounds/", {"period": "2008/09-Q2", "due_date_day": "31", "due_date_month": "10",
                                      "due_date_year": "2008"})

    assert pack.status_code == 409 and "Choose a partnership first" in pack.content.decode()
    assert "Bath&#x27;s own NI 152 plan" in plans or "Bath worklessness plan" in plans
    assert services.CHOOSE_PARTNERSHIP.replace("'", "&#x27;") in opened.content.decode()
    assert not ReportingRound.objects.filter(period__start=date(2008, 7, 1)).exists()


def test_an_indicator_of_another_partnership_cannot_be_linked_to_a_plan(two):
    a, b, plan_b, _ = two

    with pytest.raises(ValidationError):
        PlanIndicator.objects.create(plan=plan_b, indicator=a.ni152)
    assert not PlanIndicator.objects.filter(plan=plan_b).exists()


def test_new_rows_belong_to_the_partnership_in_scope(two):
    a, b, *_ = two
    with partnerships.within([b.pk]):
        person = Person.objects.create(name="Nadia New")
        indicator = Indicator.objects.create(code="NI 1", name="Percentage of people who believe...")
    assert (person.partnership, indicator.partnership) == (b, b)
    assert Membership.objects.filter(partnership=b).count() == 1
    assert Plan.objects.filter(partnership=b).count() == 1


def test_an_actions_file_naming_another_partnerships_plan_changes_nothing(two):
    a, b, plan_b, officer_b = two
    a_actions = list(a.plan.actions.values_list("pk", "title"))
    content = "Plan,Position,Title\nNI 152,1,Taken over\n"  # A's plan NI 152 by reference, and B's as well
    with partnerships.within([b.pk]):
        outcome = imports.import_file(kind="actions", content=content.encode(), file_name="actions.csv",
                                      user=officer_b, apply=True)
    assert outcome.ok and (outcome.new, outcome.changed) == (1, 0)  # a new action of B's own NI 152 plan
    assert list(a.plan.actions.values_list("pk", "title")) == a_actions
    assert list(plan_b.actions.values_list("title", flat=True)) == ["Taken over"]

    content = "Plan,Position,Title\nNI 152,1,Taken over\n"
    with partnerships.within([b.pk]):
        Plan.objects.filter(pk=plan_b.pk).delete()  # now only A has a plan NI 152
        refused = imports.import_file(kind="actions", content=content.encode(), file_name="actions.csv",
                                      user=officer_b, apply=True)
    assert [str(problem) for problem in refused.problems] == [
        "Row 2, column A (Plan): There is no plan with the reference 'NI 152'."]
    assert list(a.plan.actions.values_list("pk", "title")) == a_actions

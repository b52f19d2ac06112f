"""A signed-off return is sealed: what it holds cannot be added to, changed, moved or removed by any route until a
reopening is recorded, and statuses come only from the workflow.

Each test is one of the faults found in issue 12, through the route that showed it: a value added by an import
(page engine and command), the whole-plan workbook, the admin's add and change forms, a period re-dated and a
plan-indicator link removed in the admin, a signer deleted; then the database's own guard, by raw SQL.

The return here holds NI 152's value and none for LOCAL 1 (a supporting measure may have no data): signing it off
seals LOCAL 1 for that period too, so a value cannot arrive there afterwards.
"""

from __future__ import annotations

import io
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse

from indicators.models import EntryStatus, IndicatorValue, PlanIndicator
from monitoring import services
from monitoring.models import ProgressReport, Return
from monitoring.seal_refusals import SealRefusalMiddleware
from monitoring.spreadsheets import imports, workbook
from plans.models import Period, Seal
from plans.seals import LOCKED, SealedError
from tests.cycle_builders import make_cycle, submit_progress, submit_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    cycle = make_cycle(actions=2, indicators=2)
    for action in cycle.actions:
        submit_progress(cycle, action, narrative=f"Progress on {action.title}")
    submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies still in the figures")
    services.return_sign_off(report=cycle.report, user=cycle["owner"])
    return cycle.refresh()


@pytest.fixture
def root():
    return User.objects.create_superuser("root", "root@example.org", "a long admin password")


def local(cycle):
    return cycle.indicators[1]


def values_in(cycle) -> list[tuple[str, Decimal, str]]:
    return sorted(IndicatorValue.objects.filter(period=cycle.round.period).values_list(
        "indicator__code", "value", "status"))


SIGNED = [("NI 152", Decimal("14.5000"), EntryStatus.SIGNED_OFF)]


def test_signing_off_seals_the_plans_indicators_for_the_period_with_or_without_a_value(cycle):
    seal = Seal.objects.get(plan=cycle.plan, period=cycle.round.period)
    assert sorted(seal.values.values_list("indicator__code", flat=True)) == ["LOCAL 1", "NI 152"]
    assert values_in(cycle) == SIGNED


# ---------------------------------------------------------------------------------------------------------
# 1. An import adds a value to a signed-off return


@pytest.mark.parametrize("role", ["expert", "performance_officer"])
def test_an_import_cannot_add_a_value_to_a_signed_off_return(cycle, role):
    content = f"Indicator,Period,Value,Commentary\nLOCAL 1,{cycle.round.period.code},50,x\n".encode()

    outcome = imports.import_file(kind="values", content=content, file_name="values.csv", user=cycle[role],
                                  apply=True)

    assert not outcome.applied
    assert [str(problem) for problem in outcome.problems] == [
        "Row 2: LOCAL 1 for 2008/09 Q1 is part of a signed-off return, so an import cannot add a value for it. If "
        "one is missing, a performance officer reopens the return first."
    ]
    assert values_in(cycle) == SIGNED


def test_the_import_command_cannot_add_a_value_to_a_signed_off_return(cycle, tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(f"Indicator,Period,Value,Commentary\nLOCAL 1,{cycle.round.period.code},50,x\n")

    with pytest.raises(CommandError):
        call_command("import_data", "values", str(path), "--user", "expert", stdout=StringIO(), stderr=StringIO())

    assert values_in(cycle) == SIGNED


def test_the_value_form_of_an_open_return_cannot_add_a_value_another_plan_signed_off(cycle):
    """The same indicator in a second plan, whose return for the period is still open."""
    other = make_other_plan_showing(cycle, local(cycle))
    report = other.returns.get(round=cycle.round)

    with pytest.raises(services.WorkflowError, match="signed off and is locked"):
        services.indicator_value_save(report=report, indicator=local(cycle), user=cycle["expert"], raw_value="50",
                                      commentary="", version=None, confirm_outlier=False, submit=True)

    assert values_in(cycle) == SIGNED


def make_other_plan_showing(cycle, indicator):
    from tests.builders import make_plan

    plan = make_plan("NI 153", first_year=2007, last_year=2010)
    PlanIndicator.objects.create(plan=plan, indicator=indicator, position=0)
    return Return.objects.create(round=cycle.round, plan=plan).plan


# ---------------------------------------------------------------------------------------------------------
# 2. The whole-plan workbook makes values "signed off" that nobody signed off, and adds to signed-off returns


def workbook_with_value_row(plan, row: dict) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(workbook.export_workbook(plan)))
    sheet = book["Values"]
    headers = [cell.value for cell in sheet[1]]
    sheet.append([row.get(header, "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_workbook_never_reads_a_status_from_the_file():
    cycle = make_cycle(actions=1, indicators=2)  # an open return: nothing signed off
    content = workbook_with_value_row(cycle.plan, {
        "Indicator": "LOCAL 1", "Period": "2008/09-Q2", "Value": 7, "Status": "Signed off"})

    outcome = imports.import_file(kind=imports.PLAN, content=content, file_name="plan.xlsx",
                                  user=cycle["performance_officer"], apply=True)

    assert outcome.applied, [str(problem) for problem in outcome.problems]
    added = IndicatorValue.objects.get(indicator__code="LOCAL 1", period=Period.for_code("2008/09-Q2"))
    assert (added.value, added.status) == (Decimal("7.0000"), EntryStatus.DRAFT)


def test_the_workbook_cannot_add_a_value_to_a_signed_off_return(cycle):
    content = workbook_with_value_row(cycle.plan, {
        "Indicator": "LOCAL 1", "Period": cycle.round.period.code, "Value": 7, "Status": "Draft"})

    outcome = imports.import_file(kind=imports.PLAN, content=content, file_name="plan.xlsx",
                                  user=cycle["performance_officer"], apply=True)

    assert not outcome.applied
    assert any("LOCAL 1 for 2008/09 Q1 is part of a signed-off return" in str(problem)
               for problem in outcome.problems)
    assert values_in(cycle) == SIGNED


# ---------------------------------------------------------------------------------------------------------
# 3 and 4. The admin adds a value in a signed-off period, moves one into it, re-dates the period, removes a link


def admin_url(obj, view: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def test_the_admin_cannot_add_a_value_in_a_signed_off_period(client, cycle, root):
    client.force_login(root)

    response = client.post(reverse("admin:indicators_indicatorvalue_add"), {
        "indicator": local(cycle).pk, "period": cycle.round.period.pk, "value": "50", "commentary": "Added",
    })

    assert response.status_code == 200
    assert "LOCAL 1 for 2008/09 Q1 is part of a signed-off return" in response.content.decode()
    assert values_in(cycle) == SIGNED


def test_the_admin_cannot_move_a_draft_value_into_a_signed_off_period(client, cycle, root):
    draft = IndicatorValue.objects.create(indicator=local(cycle), period=Period.for_code("2008/09-Q2"), value=5)
    client.force_login(root)

    response = client.post(admin_url(draft, "change"), {
        "indicator": local(cycle).pk, "period": cycle.round.period.pk, "value": "5", "commentary": "",
    })

    assert response.status_code == 200
    assert "LOCAL 1 for 2008/09 Q1 is part of a signed-off return" in response.content.decode()
    draft.refresh_from_db()
    assert draft.period.code == "2008/09-Q2"
    assert values_in(cycle) == SIGNED


def test_the_admin_cannot_re_date_a_signed_off_period(client, cycle, root):
    period = cycle.round.period
    client.force_login(root)

    response = client.post(admin_url(period, "change"), {"kind": "quarter", "start": "2010-04-01"})

    assert response.status_code == 200
    assert "2008/09 Q1 has signed-off returns, so its dates are part of what was signed" in response.content.decode()
    period.refresh_from_db()
    assert period.code == "2008/09-Q1"


def test_the_admin_cannot_remove_a_link_that_a_signed_off_return_holds(client, cycle, root):
    link = PlanIndicator.objects.get(plan=cycle.plan, indicator=cycle.ni152)
    client.force_login(root)

    assert client.post(admin_url(link, "delete"), {"post": "yes"}).status_code == 403
    with pytest.raises(SealedError):
        link.delete()
    with pytest.raises(SealedError):
        PlanIndicator.objects.filter(plan=cycle.plan).delete()
    assert PlanIndicator.objects.filter(plan=cycle.plan).count() == 2


def test_the_indicator_admin_cannot_remove_the_link_through_its_inline(client, cycle, root):
    indicator = cycle.ni152
    link = PlanIndicator.objects.get(plan=cycle.plan, indicator=indicator)
    client.force_login(root)
    data = {
        "code": indicator.code, "name": indicator.name, "unit": indicator.unit, "polarity": indicator.polarity,
        "decimal_places": indicator.decimal_places, "data_expert": indicator.data_expert_id,
        "owners": [person.pk for person in indicator.owners.all()],
        "targets-TOTAL_FORMS": 0, "targets-INITIAL_FORMS": 0,
        "plan_links-TOTAL_FORMS": 1, "plan_links-INITIAL_FORMS": 1,
        "plan_links-0-id": link.pk, "plan_links-0-indicator": indicator.pk, "plan_links-0-plan": cycle.plan.pk,
        "plan_links-0-role": link.role, "plan_links-0-position": link.position, "plan_links-0-DELETE": "on",
    }

    response = client.post(admin_url(indicator, "change"), data)

    assert response.status_code == 200
    assert "is part of a signed-off return of the plan, so it cannot be moved or removed" in response.content.decode()
    assert PlanIndicator.objects.filter(pk=link.pk).exists()


# ---------------------------------------------------------------------------------------------------------
# 5. Deleting a user takes the signer's name out of the history


def test_people_who_signed_or_entered_cannot_be_deleted(client, cycle, root):
    with pytest.raises(ProtectedError):
        cycle["owner"].delete()
    with pytest.raises(ProtectedError):
        cycle["expert"].delete()
    client.force_login(root)

    page = client.get(reverse("admin:auth_user_delete", args=[cycle["owner"].pk])).content.decode()

    assert "Untick <strong>Active</strong> on the account instead" in page
    assert Return.objects.get(pk=cycle.report.pk).signed_off_by == cycle["owner"]


# ---------------------------------------------------------------------------------------------------------
# The database's own guard


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_raw_changes_to_what_a_seal_holds(cycle):
    value = IndicatorValue.objects.get(indicator=cycle.ni152, period=cycle.round.period)
    progress = ProgressReport.objects.filter(report=cycle.report).first()
    attempts = [
        ("UPDATE indicators_indicatorvalue SET value = 99 WHERE id = %s", [value.pk]),
        ("UPDATE indicators_indicatorvalue SET period_id = %s WHERE id = %s",
         [Period.for_code("2008/09-Q2").pk, value.pk]),
        ("INSERT INTO indicators_indicatorvalue (indicator_id, period_id, value, commentary, status, "
         "outlier_confirmed, is_illustrative, updated_at, version) "
         "VALUES (%s, %s, 50, '', 'draft', false, false, CURRENT_TIMESTAMP, 1)", [local(cycle).pk, cycle.round.period.pk]),
        ("UPDATE monitoring_progressreport SET narrative = 'Changed' WHERE id = %s", [progress.pk]),
        ("UPDATE monitoring_return SET status = 'open' WHERE id = %s", [cycle.report.pk]),
        ("UPDATE plans_period SET start = '2010-04-01', \"end\" = '2010-06-30' WHERE id = %s", [cycle.round.period.pk]),
    ]
    if connection.vendor == "postgresql":  # SQLite's deletes are guarded by the models (see migration 0005)
        attempts += [
            ("DELETE FROM indicators_indicatorvalue WHERE id = %s", [value.pk]),
            ("DELETE FROM monitoring_progressreport WHERE id = %s", [progress.pk]),
            ("DELETE FROM indicators_valueseal", []),
            ("DELETE FROM plans_seal", []),
        ]
    for sql, params in attempts:
        with pytest.raises(IntegrityError, match="sealed"):
            raw(sql, params)

    assert values_in(cycle) == SIGNED
    assert Seal.objects.count() == 1


def test_the_models_refuse_deletes_of_what_a_seal_holds(cycle):
    value = IndicatorValue.objects.get(indicator=cycle.ni152, period=cycle.round.period)
    for delete in (value.delete, IndicatorValue.objects.all().delete, ProgressReport.objects.all().delete,
                   cycle.report.delete, Return.objects.all().delete):
        with pytest.raises(SealedError):
            delete()
    assert values_in(cycle) == SIGNED
    assert ProgressReport.objects.filter(report=cycle.report).count() == 2


def test_a_recorded_reopening_lifts_the_seal_and_a_new_sign_off_seals_again(cycle):
    services.return_reopen(report=cycle.report, user=cycle["performance_officer"], reason="Figures revised by DWP")

    assert not Seal.objects.exists()
    raw("UPDATE monitoring_progressreport SET narrative = 'Amended' WHERE report_id = %s", [cycle.report.pk])
    submit_value(cycle, local(cycle), "50")
    for action in cycle.actions:
        submit_progress(cycle, action, narrative="Amended")
    submit_value(cycle, cycle.ni152, "14.4", commentary="Revised")
    services.return_sign_off(report=cycle.report, user=cycle["owner"])

    assert values_in(cycle) == [("LOCAL 1", Decimal("50.0000"), EntryStatus.SIGNED_OFF),
                                ("NI 152", Decimal("14.4000"), EntryStatus.SIGNED_OFF)]
    with pytest.raises(IntegrityError, match="sealed"):
        raw("UPDATE indicators_indicatorvalue SET value = 1 WHERE period_id = %s", [cycle.round.period.pk])


def test_a_refusal_that_reaches_a_page_answers_409_in_words(cycle, root):
    request = RequestFactory().post("/admin/")
    request.user = root
    middleware = SealRefusalMiddleware(lambda request: None)

    response = middleware.process_exception(request, IntegrityError("sealed: an indicator value of a signed-off "
                                                                     "return cannot change"))

    assert response.status_code == 409
    assert LOCKED in response.content.decode()
    assert middleware.process_exception(request, IntegrityError("UNIQUE constraint failed")) is None


def test_every_seal_trigger_is_in_the_database():
    """A later migration that rebuilds one of these tables on SQLite (altering a column) drops its triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'seal_%'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'seal_%'")
        found = sorted(name for (name,) in cursor.fetchall())
    expected = ["seal_period_update", "seal_progress_insert", "seal_progress_update", "seal_return_update",
                "seal_seal_update", "seal_value_insert", "seal_value_update", "seal_valueseal_update"]
    if connection.vendor == "postgresql":
        expected += ["seal_period_delete", "seal_progress_delete", "seal_return_delete", "seal_seal_delete",
                     "seal_value_delete", "seal_valueseal_delete"]
    assert found == sorted(expected)

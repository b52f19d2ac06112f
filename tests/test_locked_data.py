"""Signed-off data stays as it was signed off: every route that could change it is refused.

The routes: the progress and value forms, the services behind them (the path of every page, import and
command), the admin's change, delete, add and history-revert pages, the spreadsheet import, and the management
commands. Each test takes a fingerprint of every signed-off row first and compares it afterwards.
"""

from __future__ import annotations

import contextlib
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse

from indicators.admin import IndicatorValueAdmin
from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from monitoring.models import ProgressReport, Return
from monitoring.spreadsheets import imports
from monitoring.workflow import WorkflowError
from plans.admin_mixins import RevertNeedsChangePermission
from tests.cycle_builders import make_cycle, sign_off, submit_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return sign_off(submit_everything(make_cycle(actions=3, indicators=2)))


@pytest.fixture
def root():
    return User.objects.create_superuser("root", "root@example.org", "a long admin password")


def fingerprint() -> tuple:
    """Every signed-off entry and return, field by field."""
    progress = list(ProgressReport.objects.filter(status=EntryStatus.SIGNED_OFF).order_by("pk").values_list(
        "pk", "narrative", "rag", "outputs_achieved", "status", "version", "reviewer_comment", "updated_by"))
    values = list(IndicatorValue.objects.filter(status=EntryStatus.SIGNED_OFF).order_by("pk").values_list(
        "pk", "value", "commentary", "status", "version", "entered_by", "outlier_confirmed", "reviewer_comment"))
    returns = list(Return.objects.filter(status=Return.Status.SIGNED_OFF).order_by("pk").values_list(
        "pk", "status", "signed_off_by", "signed_off_at"))
    return progress, values, returns


def the_value(cycle) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator=cycle.ni152, period=cycle.round.period)


def the_progress(cycle) -> ProgressReport:
    return ProgressReport.objects.get(report=cycle.report, action=cycle.action)


def test_the_fixture_is_signed_off(cycle):
    progress, values, returns = fingerprint()
    assert cycle.report.is_signed_off
    assert len(progress) == 3 and len(values) == 2 + 4 and len(returns) == 1  # 4 values of 2007/08 history


# ---------------------------------------------------------------------------------------------------------
# The pages and their services


def test_the_progress_form_refuses(client, cycle):
    before = fingerprint()
    progress = the_progress(cycle)
    client.force_login(cycle["officer"])

    response = client.post(reverse("progress_edit", args=[cycle.report.pk, cycle.action.pk]), {
        "narrative": "Changed after sign-off", "rag": "red", "outputs_achieved": "1", "version": progress.version,
        "move": "submit",
    })

    assert response.status_code == 409
    assert services.LOCKED.split(".")[0] in response.content.decode()
    assert fingerprint() == before


def test_the_values_form_refuses(client, cycle):
    before = fingerprint()
    value = the_value(cycle)
    client.force_login(cycle["expert"])
    prefix = f"indicator-{cycle.ni152.pk}"

    response = client.post(reverse("values_edit", args=[cycle.report.pk]), {
        f"{prefix}-value": "99.9", f"{prefix}-commentary": "Changed",
        f"{prefix}-confirm_outlier": "on", f"{prefix}-version": value.version, "move": "submit",
    })

    assert response.status_code == 409
    assert fingerprint() == before


def test_the_locked_values_page_does_not_invite_a_draft(client, cycle):
    client.force_login(cycle["expert"])

    page = client.get(reverse("values_edit", args=[cycle.report.pk])).content.decode()

    assert "This return has been signed off and is locked" in page
    assert "Save a value as a draft" not in page
    assert 'value="draft"' not in page


@pytest.mark.parametrize("role", ["officer", "performance_officer"])
def test_the_progress_service_refuses_anyone(cycle, role):
    before = fingerprint()
    progress = the_progress(cycle)

    with pytest.raises((WorkflowError, PermissionDenied)):
        services.progress_save(report=cycle.report, action=cycle.action, user=cycle[role], narrative="Changed",
                               rag="red", outputs_achieved=None, version=progress.version, submit=True)

    assert fingerprint() == before


def test_the_value_service_refuses_even_on_a_later_return_sharing_the_value(cycle):
    # A value is one fact stored once: a second plan's open return showing NI 152 must not reach it either.
    before = fingerprint()
    value = the_value(cycle)

    with pytest.raises(WorkflowError, match="signed off"):
        services.indicator_value_save(report=cycle.report, indicator=cycle.ni152, user=cycle["expert"], raw_value="1",
                                      commentary="", version=value.version, confirm_outlier=True, submit=True)

    assert fingerprint() == before


def test_sending_back_a_signed_off_return_is_refused(client, cycle):
    before = fingerprint()
    client.force_login(cycle["owner"])

    response = client.post(reverse("return_send_back", args=[cycle.report.pk]), {
        "items": [f"progress-{the_progress(cycle).pk}", f"value-{the_value(cycle).pk}"], "comment": "Please change it",
    })

    assert response.status_code == 409
    assert fingerprint() == before


# ---------------------------------------------------------------------------------------------------------
# The admin


def admin_url(obj, view: str, *args) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk, *args])


def test_the_admin_change_pages_refuse(client, cycle, root):
    before = fingerprint()
    value, progress = the_value(cycle), the_progress(cycle)
    client.force_login(root)

    value_response = client.post(admin_url(value, "change"), {
        "indicator": value.indicator_id, "period": value.period_id, "value": "99", "commentary": "Changed",
    })
    progress_response = client.post(admin_url(progress, "change"), {"narrative": "Changed", "rag": "red"})
    return_response = client.post(admin_url(cycle.report, "change"), {"status": "open"})

    assert value_response.status_code == 403
    assert progress_response.status_code == 403
    assert return_response.status_code == 403
    assert fingerprint() == before


def test_the_admin_delete_pages_refuse(client, cycle, root):
    before = fingerprint()
    client.force_login(root)

    assert client.post(admin_url(the_value(cycle), "delete"), {"post": "yes"}).status_code == 403
    assert client.post(admin_url(the_progress(cycle), "delete"), {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:indicators_indicatorvalue_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert fingerprint() == before


def test_the_admin_cannot_add_a_second_value_for_the_same_period(client, cycle, root):
    before = fingerprint()
    value = the_value(cycle)
    client.force_login(root)

    response = client.post(reverse("admin:indicators_indicatorvalue_add"), {
        "indicator": value.indicator_id, "period": value.period_id, "value": "99", "commentary": "Another",
    })

    assert response.status_code == 200  # the form again, with the error
    assert IndicatorValue.objects.filter(indicator=value.indicator_id, period=value.period_id).count() == 1
    assert fingerprint() == before


def test_the_admin_history_revert_page_refuses(client, cycle, root):
    before = fingerprint()
    value, progress = the_value(cycle), the_progress(cycle)
    client.force_login(root)
    first_value = value.history.order_by("history_id").first()
    first_progress = progress.history.order_by("history_id").first()

    value_response = client.post(admin_url(value, "simple_history", first_value.history_id), {
        "indicator": value.indicator_id, "period": value.period_id, "value": "99", "commentary": "Reverted",
    })
    progress_response = client.post(admin_url(progress, "simple_history", first_progress.history_id), {
        "report": progress.report_id, "action": progress.action_id, "status": "draft", "narrative": "Reverted",
        "version": 1,
    })

    assert fingerprint() == before
    assert value_response.status_code == progress_response.status_code == 403


def test_the_value_admin_refuses_a_revert_post_of_a_signed_off_value(cycle, root):
    before = fingerprint()
    value = the_value(cycle)
    first = value.history.order_by("history_id").first()
    request = RequestFactory().post("/", {"indicator": value.indicator_id, "period": value.period_id, "value": "99"})
    request.user = root

    with pytest.raises(PermissionDenied):
        IndicatorValueAdmin(IndicatorValue, admin.site).history_form_view(request, str(value.pk), str(first.history_id))

    assert fingerprint() == before


# ---------------------------------------------------------------------------------------------------------
# The spreadsheet import


def test_the_import_refuses_a_row_that_would_change_a_signed_off_value(cycle, root):
    before = fingerprint()
    content = f"Indicator,Period,Value,Commentary\n{cycle.ni152.code},{cycle.round.period.label},99.9,Imported\n"

    for user in (cycle["expert"], cycle["performance_officer"], root):
        outcome = imports.import_file(kind="values", content=content.encode(), file_name="values.csv", user=user,
                                      apply=True)
        assert not outcome.applied, user
        assert outcome.problems, user

    assert fingerprint() == before


# ---------------------------------------------------------------------------------------------------------
# Management commands


def test_the_management_commands_leave_it_alone(cycle, tmp_path):
    before = fingerprint()

    call_command("send_reminders", stdout=StringIO())
    # The demo's plans load into partnerships of their own, beside the test's; its logins (whose names the test's
    # users share) are left out.
    with contextlib.suppress(CommandError):
        call_command("load_demo", stdout=StringIO())
    call_command("backup", str(tmp_path / "backup.json"), stdout=StringIO())
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(tmp_path / "backup.json"), stdout=StringIO())

    assert fingerprint() == before


def test_only_a_recorded_reopening_unlocks_it(client, cycle):
    client.force_login(cycle["performance_officer"])

    response = client.post(reverse("return_reopen", args=[cycle.report.pk]), {"reason": "Figures revised by DWP"})

    assert response.status_code == 302
    event = cycle.report.events.filter(move="reopen", progress=None, indicator_value=None).get()
    assert (event.user, event.comment) == (cycle["performance_officer"], "Figures revised by DWP")
    assert the_value(cycle).status == EntryStatus.SUBMITTED


def test_the_value_admin_carries_the_revert_guard():
    assert issubclass(IndicatorValueAdmin, RevertNeedsChangePermission)

"""Free text is no longer than a person would write, on every route: the progress and value forms (with the GOV.UK
character count), the send-back and reopen forms, the admin, a spreadsheet import of values (page, function and
command), the whole-plan workbook and the demo loader. Each refuses more with the limit in words and saves nothing.

The limits are the model fields' max_length (plans.models says why each is what it is); these tests pin the
numbers a user is told.
"""

from __future__ import annotations

import io
import re
from datetime import date
from io import StringIO

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.urls import reverse

from indicators.models import IndicatorValue
from monitoring.demo import data as demo_data
from monitoring.models import ImportRecord, ProgressReport, WorkflowEvent
from monitoring.spreadsheets import imports, workbook
from plans.models import ActionGroup, Plan
from tests.cycle.test_views import field_error, ni152_value, post_progress, post_value, progress_of, values_url
from tests.cycle_builders import make_cycle, sign_off, submit_everything

pytestmark = pytest.mark.django_db

REPORTED = 10_000  # a progress narrative, a value's commentary, a reviewer's comment, a reason for reopening
PLAN_ITEM = 5_000  # a paragraph of a plan's tables: an action's description, a risk, an introduction
PLAN_SECTION = 25_000  # a plan's narrative section
EXCEL_CELL = 32_767  # the most characters Excel keeps in a cell


def text_of(length: int) -> str:
    """Return prose of exactly `length` characters, with no space at either end for a form to strip."""
    return ("Forty people into work. " * (length // 24 + 1))[: length - 1] + "."


@pytest.fixture
def c():
    return make_cycle()


# ---------------------------------------------------------------------------------------------------------
# The models: every free-text field has a limit, and a workbook can carry it


FREE_TEXT_APPS = ["plans", "indicators", "funding", "monitoring"]
NOT_TYPED = {("monitoring", "reportjob", "error")}  # written by the report builder from its own exception


def free_text_fields():
    for label in FREE_TEXT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name.startswith("historical"):
                continue
            for field in model._meta.concrete_fields:
                if isinstance(field, models.TextField) and (label, model._meta.model_name, field.name) not in NOT_TYPED:
                    yield field


def test_every_free_text_field_has_a_limit_that_fits_an_excel_cell():
    fields = list(free_text_fields())
    assert len(fields) >= 26
    unlimited = [f"{field.model.__name__}.{field.name}" for field in fields if field.max_length is None]
    assert unlimited == []
    assert all(field.max_length <= EXCEL_CELL for field in fields)


def test_the_limits_are_those_agreed_for_each_kind_of_text():
    def limit(model, name):
        return model._meta.get_field(name).max_length

    assert limit(ProgressReport, "narrative") == limit(IndicatorValue, "commentary") == REPORTED
    assert limit(ProgressReport, "reviewer_comment") == limit(WorkflowEvent, "comment") == REPORTED
    assert limit(apps.get_model("plans", "Section"), "body") == PLAN_SECTION
    assert limit(apps.get_model("plans", "DeliveryAction"), "description") == PLAN_ITEM


def test_the_seed_plans_load_well_within_their_limits():
    call_command("load_demo", stdout=StringIO())

    for field in free_text_fields():
        longest = max((len(text) for text in field.model.objects.values_list(field.name, flat=True)), default=0)
        assert longest * 5 <= field.max_length, f"{field.model.__name__}.{field.name}: {longest}"


# ---------------------------------------------------------------------------------------------------------
# The forms


def test_a_narrative_over_the_limit_is_refused_beside_the_field_and_the_text_kept(client, c):
    client.force_login(c["officer"])
    typed = text_of(REPORTED + 1)

    response = post_progress(client, c, narrative=typed, move="submit")

    assert response.status_code == 200
    assert field_error(response, "id_narrative") == "Progress in this period must be 10,000 characters or fewer"
    assert typed in response.content.decode()
    assert progress_of(c) is None


def test_a_narrative_at_the_limit_is_saved_counting_a_line_break_once_as_the_counter_does(client, c):
    client.force_login(c["officer"])
    lines = [text_of(99)] * 100  # 100 lines of 99 characters, 99 line breaks and a full stop: 10,000 characters

    response = post_progress(client, c, narrative="\r\n".join(lines) + ".", move="submit")

    assert response.status_code == 302
    assert progress_of(c).narrative == "\n".join(lines) + "."
    assert len(progress_of(c).narrative) == REPORTED


def test_a_commentary_over_the_limit_is_refused_beside_the_field_and_the_text_kept(client, c):
    client.force_login(c["expert"])
    typed = text_of(REPORTED + 1)

    response = post_value(client, c, "14.6", commentary=typed)

    assert response.status_code == 200
    assert field_error(response, f"id_indicator-{c.ni152.pk}-commentary") == (
        "Commentary must be 10,000 characters or fewer"
    )
    assert typed in response.content.decode()
    assert ni152_value(c) is None


def test_a_send_back_comment_over_the_limit_is_refused(client, c):
    submit_everything(c)
    client.force_login(c["owner"])

    progress = ProgressReport.objects.get(report=c.report, action=c.action)
    response = client.post(reverse("return_send_back", args=[c.report.pk]), {
        "items": [f"progress-{progress.pk}"], "comment": text_of(REPORTED + 1),
        f"comment-progress-{progress.pk}": text_of(REPORTED + 1),
    })

    assert field_error(response, "id_comment") == "The comment for all selected items must be 10,000 characters or fewer"
    assert field_error(response, f"id_comment-progress-{progress.pk}") == "Your comment must be 10,000 characters or fewer"
    assert not ProgressReport.objects.exclude(reviewer_comment="").exists()


def test_a_reason_for_reopening_over_the_limit_is_refused(client, c):
    sign_off(submit_everything(c))
    client.force_login(c["performance_officer"])

    response = client.post(reverse("return_reopen", args=[c.report.pk]), {"reason": text_of(REPORTED + 1)})

    assert field_error(response, "id_reason") == "The reason must be 10,000 characters or fewer"
    assert c.refresh().report.is_signed_off


def test_the_textareas_count_characters_with_the_govuk_character_count(client, c):
    client.force_login(c["officer"])
    progress = client.get(reverse("progress_edit", args=[c.report.pk, c.action.pk])).content.decode()
    client.force_login(c["expert"])
    values = client.get(values_url(c)).content.decode()

    for html, field_id in ((progress, "id_narrative"), (values, f"id_indicator-{c.ni152.pk}-commentary")):
        assert 'data-module="govuk-character-count" data-maxlength="10000"' in html
        assert f'class="govuk-textarea govuk-js-character-count" id="{field_id}"' in html
        assert f'aria-describedby="{field_id}-info ' in html
        assert (f'<div id="{field_id}-info" class="govuk-hint govuk-character-count__message">'
                "You can enter up to 10,000 characters</div>") in html
        textarea = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>', html)[0]
        assert " maxlength=" not in textarea  # the browser must not cut a pasted text short without saying so


# ---------------------------------------------------------------------------------------------------------
# The admin


@pytest.fixture
def root():
    return User.objects.create_superuser("root", "root@example.org", "a long admin password")


def test_the_admin_change_form_refuses_a_note_over_the_limit(client, c, root):
    group = ActionGroup.objects.create(plan=c.plan, title="Integrated support actions", note="As agreed")
    client.force_login(root)

    response = client.post(reverse("admin:plans_actiongroup_change", args=[group.pk]), {
        "plan": c.plan.pk, "title": group.title, "note": text_of(PLAN_ITEM + 1),
    })

    assert response.status_code == 200  # the form again, with the error
    assert "Ensure this value has at most 5000 characters (it has 5001)." in response.content.decode()
    group.refresh_from_db()
    assert group.note == "As agreed"


# ---------------------------------------------------------------------------------------------------------
# Spreadsheet imports


def values_csv(*rows: tuple[str, str, str, str]) -> bytes:
    lines = ["Indicator,Period,Value,Commentary", *(",".join(row) for row in rows)]
    return "\n".join(lines).encode()


TOO_LONG_CELL = "Shorten this text to 10,000 characters or fewer: it has 10,001."


def test_a_values_import_refuses_each_commentary_over_the_limit_and_saves_nothing(c):
    content = values_csv(
        ("NI 152", "2008/09-Q1", "14.6", "Redundancies"),
        ("NI 152", "2008/09-Q2", "14.5", text_of(REPORTED + 1)),
        ("LOCAL 1", "2008/09-Q1", "120", text_of(REPORTED + 1)),
    )

    outcome = imports.import_file(kind="values", content=content, file_name="values.csv", user=c["expert"],
                                  apply=True)

    assert [str(problem) for problem in outcome.problems] == [
        f"Row 3, column D (Commentary): {TOO_LONG_CELL}",
        f"Row 4, column D (Commentary): {TOO_LONG_CELL}",
    ]
    assert not outcome.applied
    assert not IndicatorValue.objects.filter(period__start__gte=date(2008, 4, 1)).exists()
    assert not ImportRecord.objects.exists()


def test_the_import_page_shows_the_limit(client, c, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(c["expert"])

    content = values_csv(("NI 152", "2008/09-Q1", "14.6", text_of(REPORTED + 1)))

    response = client.post(reverse("imports"), {"kind": "values", "file": SimpleUploadedFile("values.csv", content)})

    html = response.content.decode()
    assert "cannot be imported" in html and TOO_LONG_CELL in html
    assert 'name="token"' not in html


def test_the_import_command_refuses_it_too(c, tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes(values_csv(("NI 152", "2008/09-Q1", "14.6", text_of(REPORTED + 1))))

    with pytest.raises(CommandError):
        call_command("import_data", "values", str(path), stdout=StringIO(), stderr=StringIO())

    assert ni152_value(c) is None


def test_the_whole_plan_workbook_refuses_text_over_the_limit_in_any_sheet(c):
    book = openpyxl.load_workbook(io.BytesIO(workbook.export_workbook(c.plan)))
    plan_sheet = book["Plan"]
    headers = [cell.value for cell in plan_sheet[1]]
    plan_sheet.cell(row=2, column=headers.index("Introduction") + 1, value=text_of(PLAN_ITEM + 1))
    values_sheet = book["Values"]
    headers = [cell.value for cell in values_sheet[1]]
    row = {"Indicator": "NI 152", "Period": "2008/09-Q1", "Value": "14.6", "Commentary": text_of(REPORTED + 1)}
    values_sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)

    outcome = workbook.import_workbook(content=buffer.getvalue(), file_name="ni152.xlsx",
                                       user=c["performance_officer"], apply=True)

    problems = [str(problem) for problem in outcome.problems]
    assert "Sheet 'Plan', row 2, column J (Introduction): Shorten this text to 5,000 characters or fewer: it has " \
           "5,001." in problems
    assert f"Sheet 'Values', row {values_sheet.max_row}, column D (Commentary): {TOO_LONG_CELL}" in problems
    assert not outcome.applied
    assert Plan.objects.get(pk=c.plan.pk).introduction == ""
    assert ni152_value(c) is None


# ---------------------------------------------------------------------------------------------------------
# The demo loader


def test_the_demo_loader_refuses_a_section_over_the_limit():
    data = demo_data.read_fixture("ni152.toml")
    data["sections"][0]["body"] = text_of(PLAN_SECTION + 1)

    with pytest.raises(demo_data.DemoDataError, match="at most 25000 characters"):
        demo_data.load_plan(data)

    assert not Plan.objects.exists()


def test_the_services_refuse_text_over_the_limit_whatever_route_calls_them():
    """The forms check first; the services below them (the route of every page, command and later API) too."""
    from django.core.exceptions import ValidationError

    from monitoring import services
    from tests.cycle_builders import make_cycle, sign_off, submit_everything

    cycle = make_cycle(actions=1, indicators=1)
    too_long = "x" * 10_001
    with pytest.raises(ValidationError) as commentary:
        services.indicator_value_save(report=cycle.report, indicator=cycle.ni152, user=cycle["expert"],
                                      raw_value="14.5", commentary=too_long, version=None, confirm_outlier=False,
                                      submit=True)
    submit_everything(cycle)
    with pytest.raises(ValidationError) as comment:
        services.return_send_back(report=cycle.report, user=cycle["owner"], comment=too_long,
                                  items=[services.SendBackItem(cycle.report.progress_reports.get())])
    sign_off(cycle)
    with pytest.raises(ValidationError) as reason:
        services.return_reopen(report=cycle.report, user=cycle["performance_officer"], reason=too_long)

    assert list(commentary.value.message_dict) == ["commentary"]
    assert list(comment.value.message_dict) == ["comment"]
    assert list(reason.value.message_dict) == ["reason"]
    assert "10000" in " ".join(reason.value.messages).replace(",", "")
    assert not WorkflowEvent.objects.filter(comment=too_long).exists()

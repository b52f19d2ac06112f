"""Outputs on the progress form: blank is not zero; whole numbers when the target is; '1,200' is 1200; every error
listed at once; a page with unsaved changes warns (tests/browser/test_warn_unsaved.py drives the script)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from indicators.models import EntryStatus
from monitoring import services
from monitoring.cycle.selectors.outputs import Outputs, outputs_for
from monitoring.models import ProgressReport
from monitoring.reports.context import ProgressCell
from tests.cycle_builders import make_cycle, submit_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return make_cycle()  # the first action has a 2008/09 output target of 320


def post(client, c, **fields):
    data = {"narrative": "Forty people into work", "rag": "green", "version": 0, "move": "submit",
            "outputs_achieved": ""}
    data.update(fields)
    client.force_login(c["officer"])
    return client.post(reverse("progress_edit", args=[c.report.pk, c.action.pk]), data)


def progress_of(c) -> ProgressReport | None:
    return ProgressReport.objects.filter(report=c.report, action=c.action).first()


def summary_messages(response) -> list[str]:
    html = response.content.decode()
    summary = html.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", summary, re.S)]


def test_it_refuses_to_submit_an_action_with_a_target_without_its_outputs(client, c):
    response = post(client, c)

    assert response.status_code == 200
    assert summary_messages(response) == [escape(services.OUTPUTS_REQUIRED)]
    assert progress_of(c) is None


def test_a_draft_may_leave_the_outputs_blank(client, c):
    assert post(client, c, move="draft").status_code == 302
    assert progress_of(c).outputs_achieved is None and progress_of(c).status == EntryStatus.DRAFT


def test_it_accepts_outputs_not_available_with_a_reason(client, c):
    response = post(client, c, outputs_not_available="on", outputs_not_available_reason="The DWP data is late")

    assert response.status_code == 302
    progress = progress_of(c)
    assert progress.status == EntryStatus.SUBMITTED and progress.outputs_achieved is None
    assert progress.outputs_not_available_reason == "The DWP data is late"


def test_not_available_needs_a_reason(client, c):
    response = post(client, c, outputs_not_available="on", outputs_not_available_reason=" ")

    assert summary_messages(response) == ["Say why the outputs are not available this period"]
    assert progress_of(c) is None


def test_it_reads_1_200_as_1200(client, c):
    assert post(client, c, outputs_achieved="1,200").status_code == 302
    assert progress_of(c).outputs_achieved == Decimal(1200)


def test_it_refuses_part_of_an_output_when_the_target_is_whole(client, c):
    response = post(client, c, outputs_achieved="12.5")

    assert summary_messages(response) == [services.OUTPUTS_WHOLE.format(year="2008/09")]
    assert progress_of(c) is None


def test_the_service_refuses_blank_outputs_on_submit_whatever_the_route(c):
    with pytest.raises(services.ValidationError) as refused:
        submit_progress(c, c.action, outputs=None)
    assert refused.value.message_dict == {"outputs_achieved": [services.OUTPUTS_REQUIRED]}


def test_the_service_refuses_outputs_and_a_reason_together(c):
    with pytest.raises(services.ValidationError) as refused:
        submit_progress(c, c.action, outputs=Decimal(3), not_available_reason="Late")
    assert refused.value.message_dict == {"outputs_achieved": [services.OUTPUTS_BOTH]}


def test_the_progress_form_lists_every_error_at_once(client, c):
    response = post(client, c, narrative="", rag="", outputs_achieved="")

    assert summary_messages(response) == [
        "Describe the progress made before you submit.", "Choose a RAG status before you submit.",
        escape(services.OUTPUTS_REQUIRED),
    ]


def test_form_and_service_errors_are_listed_together(client, c):
    response = post(client, c, narrative="", rag="purple", outputs_achieved="12.5")

    assert summary_messages(response) == [
        "Describe the progress made before you submit.", "Choose red, amber or green",
        services.OUTPUTS_WHOLE.format(year="2008/09"),
    ]


def test_blank_outputs_are_not_reported_on_the_return_page_never_0_of_320(client, c):
    submit_progress(c, c.action, outputs=None, submit=False)
    client.force_login(c["viewer"])
    page = client.get(reverse("return_detail", args=[c.report.pk])).content.decode()

    assert "Not reported this period" in page
    assert "0 of 320" not in page


def test_blank_outputs_are_not_reported_on_the_progress_form(client, c):
    submit_progress(c, c.action, outputs=None, submit=False)
    client.force_login(c["officer"])
    page = client.get(reverse("progress_edit", args=[c.report.pk, c.action.pk])).content.decode()

    assert "Not reported" in page


def test_blank_outputs_are_not_reported_in_the_report():
    blank = ProgressCell(None, Outputs(Decimal(320), None, Decimal(0), reported=False), "quarter", "2008/09")
    some = ProgressCell(None, Outputs(Decimal(320), None, Decimal(61)), "quarter", "2008/09")

    assert blank.outputs_text == "Outputs: not reported this quarter; none reported in 2008/09 (target 320)"
    assert some.outputs_text == "Outputs: not reported this quarter; 61 of 320 in 2008/09 (19%)"


def report_outputs(c) -> str:
    """Return the first action's outputs as the report's progress cell prints them, from what was saved."""
    progress = {entry.action_id: entry for entry in ProgressReport.objects.filter(report=c.report)}
    outputs = outputs_for(c.report, [c.action], progress)[c.action.pk]
    return ProgressCell(progress.get(c.action.pk), outputs, "quarter", "2008/09").outputs_text


def test_the_report_says_not_reported_for_blank_outputs(c):
    submit_progress(c, c.action, outputs=None, submit=False)

    assert report_outputs(c) == "Outputs: not reported this quarter; none reported in 2008/09 (target 320)"


def test_the_report_gives_the_reason_outputs_are_not_available(c):
    submit_progress(c, c.action, not_available_reason="The DWP data is late")

    assert report_outputs(c) == (
        "Outputs: not available this quarter (The DWP data is late); none reported in 2008/09 (target 320)"
    )


def test_the_report_counts_reported_outputs_as_before(c):
    submit_progress(c, c.action, outputs=Decimal(80))

    assert report_outputs(c) == "Outputs: 80 this quarter; 80 of 320 in 2008/09 (25%)"


@pytest.mark.parametrize("page", ["progress_edit", "values_edit"])
def test_the_entry_forms_warn_of_unsaved_changes_with_a_script_of_our_own(client, c, page):
    user, args = (c["officer"], [c.report.pk, c.action.pk]) if page == "progress_edit" else (c["expert"], [c.report.pk])
    client.force_login(user)
    html = client.get(reverse(page, args=args)).content.decode()

    assert re.search(r'<script defer src="[^"]*js/warn-unsaved\.js"></script>', html)
    assert re.search(r"<form [^>]*data-warn-unsaved", html)

"""The RAG an action's outputs suggest, on the progress form and in the save service: another RAG is submitted only
with a reason, which the owner reads on the return page and the committee in the report.

make_cycle's first action has a 2008/09 output target of 320, so a profile of 80 at Q1 and 160 at Q2."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from indicators.models import EntryStatus
from monitoring import services
from monitoring.cycle.selectors.outputs import Outputs
from monitoring.models import ProgressReport
from monitoring.reports.context import ProgressCell
from plans.models import REPORTED_TEXT
from tests.cycle.test_views import field_error, make_later_round, post_progress, progress_of, progress_url
from tests.cycle_builders import make_cycle, submit_progress

pytestmark = pytest.mark.django_db

RED_NOT_GREEN = "Your outputs suggest Red (60 of 320 by Q1, profile 80). Choose Red, or say why the RAG status is green"


@pytest.fixture
def c():
    return make_cycle()


def test_submitting_another_rag_than_the_outputs_suggest_needs_a_reason(c):
    with pytest.raises(ValidationError) as refused:
        submit_progress(c, c.action, rag="green", outputs=Decimal(60))

    assert refused.value.message_dict == {"rag_reason": [RED_NOT_GREEN]}
    assert progress_of(c) is None


def test_with_a_reason_it_is_saved_and_kept(c):
    submit_progress(c, c.action, rag="green", outputs=Decimal(60), rag_reason="The spring cohort starts in May")

    assert (progress_of(c).rag, progress_of(c).rag_reason) == ("green", "The spring cohort starts in May")


def test_the_suggested_rag_needs_no_reason_and_keeps_none(c):
    submit_progress(c, c.action, rag="red", outputs=Decimal(60), rag_reason="Typed before choosing red")

    assert (progress_of(c).rag, progress_of(c).rag_reason) == ("red", "")


def test_amber_at_the_tolerance_edge_and_red_beyond_it(c):
    submit_progress(c, c.action, rag="amber", outputs=Decimal(76))  # 5% short of 80
    with pytest.raises(ValidationError):
        submit_progress(c, c.action, rag="amber", outputs=Decimal(75))


def test_a_draft_may_wait_for_the_reason(c):
    submit_progress(c, c.action, rag="green", outputs=Decimal(60), submit=False)

    assert progress_of(c).status == EntryStatus.DRAFT and progress_of(c).rag == "green"


def test_outputs_not_available_suggest_nothing(c):
    submit_progress(c, c.action, rag="green", outputs=None, not_available_reason="The DWP data is late")

    assert progress_of(c).status == EntryStatus.SUBMITTED


def test_the_earlier_quarters_outputs_count_towards_the_profile(c):
    submit_progress(c, c.action, rag="green", outputs=Decimal(100))  # Q1: 100 of a profile of 80
    services.round_close(reporting_round=c.round, user=c["performance_officer"])
    c.report = make_later_round(c, "2008/09-Q2")

    submit_progress(c, c.action, rag="green", outputs=Decimal(60))  # Q2: 160 so far, on the profile of 160
    with pytest.raises(ValidationError) as refused:
        submit_progress(c, c.action, rag="green", outputs=Decimal(52))

    assert refused.value.message_dict["rag_reason"] == [
        "Your outputs suggest Amber (152 of 320 by Q2, profile 160). Choose Amber, or say why the RAG status is green"
    ]


def test_the_reason_is_no_longer_than_the_other_reported_text(c):
    with pytest.raises(ValidationError) as refused:
        submit_progress(c, c.action, rag="green", outputs=Decimal(60), rag_reason="x" * (REPORTED_TEXT + 1))

    assert list(refused.value.message_dict) == ["rag_reason"]


# The form -------------------------------------------------------------------------------------------------


def test_the_form_refuses_another_rag_without_a_reason_beside_the_reason_field(client, c):
    client.force_login(c["officer"])
    response = post_progress(client, c, rag="green", outputs="60", move="submit")

    assert response.status_code == 200
    assert field_error(response, "id_rag_reason") == escape(RED_NOT_GREEN)
    assert progress_of(c) is None

    response = client.post(progress_url(c), {
        "narrative": "Sixty into work", "rag": "green", "outputs_achieved": "60", "version": 0, "move": "submit",
        "rag_reason": "Forty more start in the first week of July",
    })
    assert response.status_code == 302
    assert progress_of(c).rag_reason == "Forty more start in the first week of July"


def test_the_form_shows_the_suggestion_and_preselects_it_where_no_rag_is_chosen(client, c):
    submit_progress(c, c.action, rag="", outputs=Decimal(76), submit=False)
    client.force_login(c["officer"])

    page = client.get(progress_url(c)).content.decode()

    assert "Suggested from your outputs: <strong>Amber</strong> — 76 of 320 by Q1, profile 80" in page
    assert re.search(r'name="rag" type="radio" value="amber" checked', page)


def test_a_chosen_rag_is_not_replaced_by_the_suggestion(client, c):
    submit_progress(c, c.action, rag="green", outputs=Decimal(60), rag_reason="Late starts", submit=False)
    client.force_login(c["officer"])

    page = client.get(progress_url(c)).content.decode()

    assert "Suggested from your outputs: <strong>Red</strong>" in page
    assert re.search(r'name="rag" type="radio" value="green" checked', page)
    assert not re.search(r'value="red" checked', page)
    assert "Late starts" in page


def test_a_new_entry_without_outputs_has_no_suggestion_and_no_rag_chosen(client, c):
    client.force_login(c["officer"])

    page = client.get(progress_url(c)).content.decode()

    assert "Suggested from your outputs" not in page and " checked" not in page


def test_an_action_without_an_output_target_has_no_reason_field(client, c):
    client.force_login(c["officer"])

    page = client.get(progress_url(c, c.actions[2])).content.decode()

    assert 'name="rag_reason"' not in page


# Where the reason is read ----------------------------------------------------------------------------------


def test_the_owner_reads_the_reason_beside_the_rag_on_the_return_page(client, c):
    submit_progress(c, c.action, rag="green", outputs=Decimal(60), rag_reason="The spring cohort starts in May")
    client.force_login(c["owner"])

    page = client.get(c.report.get_absolute_url()).content.decode()

    row = page.split('id="progress"', 1)[1].split("</table>", 1)[0]
    assert "Not the RAG its outputs suggest:</span> The spring cohort starts in May" in row


def test_the_reports_progress_cell_prints_the_reason():
    progress = ProgressReport(rag="green", narrative="Sixty into work", rag_reason="The spring cohort starts in May")
    cell = ProgressCell(progress, Outputs(Decimal(320), Decimal(60), Decimal(60)), "quarter", "2008/09")

    html = render_to_string("monitoring/reports/print/sections/_progress.html", {"cell": cell})

    assert cell.rag_reason == "The spring cohort starts in May"
    assert "Not the RAG its outputs suggest: The spring cohort starts in May" in html
    assert "Not the RAG" not in render_to_string(
        "monitoring/reports/print/sections/_progress.html", {"cell": ProgressCell(None, cell.outputs, "quarter", "")}
    )


def test_the_history_records_the_reason(client, c):
    submit_progress(c, c.action, rag="green", outputs=Decimal(60), rag_reason="The spring cohort starts in May")
    client.force_login(c["owner"])

    history = client.get(reverse("return_history", args=[c.report.pk])).content.decode()

    assert "Reason for the RAG status" in history and "The spring cohort starts in May" in history

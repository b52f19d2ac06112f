"""The reporting cycle driven through its pages: progress, values, send-back, sign-off, locking, reopening,
history, stale edits and rounds."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
from plans.models import Period
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_progress, submit_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return make_cycle()


def progress_url(c, action=None):
    return reverse("progress_edit", args=[c.report.pk, (action or c.action).pk])


def values_url(c):
    return reverse("values_edit", args=[c.report.pk])


# 80 outputs is the first action's profile at Q1 (a quarter of its 320): on profile, so green, as the outputs suggest.
def post_progress(client, c, *, narrative="Forty people into work", rag="green", outputs="80", version=0,
                  move="draft", action=None):
    data = {"narrative": narrative, "rag": rag, "version": version, "move": move}
    if outputs is not None:
        data["outputs_achieved"] = outputs
    return client.post(progress_url(c, action), data)


def post_value(client, c, value, *, indicator=None, commentary="", version=0, confirm=False, move="submit"):
    indicator = indicator or c.ni152
    prefix = f"indicator-{indicator.pk}"
    data = {f"{prefix}-value": value, f"{prefix}-commentary": commentary,
            f"{prefix}-version": version, "move": move}
    if confirm:
        data[f"{prefix}-confirm_outlier"] = "on"
    return client.post(values_url(c), data)


def field_error(response, field_id) -> str:
    """Return the error message shown beside the field, and check the summary links to the field.

    For radios, checkboxes and dates field_id is the first input's (id_rag_0, id_due_date_day), which the summary
    links to; the message belongs to the whole group (id_rag-error).
    """
    html = response.content.decode()
    assert f'href="#{field_id}"' in html, f"the error summary does not link to #{field_id}"
    group = re.sub(r"_(0|day)$", "", field_id)
    match = re.search(rf'<p class="govuk-error-message" id="{re.escape(group)}-error">(.*?)</p>', html, re.S)
    assert match, f"no error message beside #{field_id}"
    return re.sub(r"<[^>]+>", "", match[1]).replace("Error:", "").strip()


def progress_of(c, action=None) -> ProgressReport | None:
    return ProgressReport.objects.filter(report=c.report, action=action or c.action).first()


def ni152_value(c) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(indicator=c.ni152, period=c.round.period).first()


# ---------------------------------------------------------------------------------------------------------
# The whole cycle, end to end


def test_it_runs_a_return_from_draft_to_sign_off_reopening_and_history(
    client, c, mailoutbox, django_capture_on_commit_callbacks
):
    # The officer saves a draft, then submits.
    client.force_login(c["officer"])
    response = post_progress(client, c, narrative="First draft", outputs="40")
    assert response.status_code == 302 and response.url == reverse("my_returns")
    assert (progress_of(c).status, progress_of(c).narrative, progress_of(c).outputs_achieved) == (
        EntryStatus.DRAFT, "First draft", Decimal(40))
    assert "Draft" in client.get(reverse("my_returns")).content.decode()
    response = post_progress(client, c, narrative="Forty people into work", version=progress_of(c).version, move="submit")
    assert response.status_code == 302
    assert progress_of(c).status == EntryStatus.SUBMITTED
    for action in c.actions[1:]:
        client.force_login(action.lead_officer.user)
        assert post_progress(client, c, action=action, narrative="Done", outputs=None, move="submit").status_code == 302

    # The data expert enters the values; NI 152 misses its target, so it needs commentary.
    client.force_login(c["expert"])
    assert client.get(values_url(c)).status_code == 200
    assert post_value(client, c, "14.5", commentary="Car plant redundancies").status_code == 302
    assert post_value(client, c, "120", indicator=c.indicators[1]).status_code == 302
    assert ni152_value(c).status == EntryStatus.SUBMITTED

    # The owner reads the whole return and sends the officer's first action back.
    client.force_login(c["owner"])
    page = client.get(c.report.get_absolute_url()).content.decode()
    assert "14.5%" in page and "Provisional" in page and "Sign off this return" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("return_send_back", args=[c.report.pk]), {
            "items": [f"progress-{progress_of(c).pk}"],
            f"comment-progress-{progress_of(c).pk}": "Say how many of the forty are lone parents.",
        })
    assert response.status_code == 302
    assert progress_of(c).status == EntryStatus.RETURNED
    assert progress_of(c, c.actions[2]).status == EntryStatus.SUBMITTED  # the officer's other action stays
    assert [message.to for message in mailoutbox] == [["officer@example.org"]]
    assert "lone parents" in mailoutbox[0].body

    # The officer sees the comment on their page, and resubmits.
    client.force_login(c["officer"])
    my_returns = client.get(reverse("my_returns")).content.decode()
    assert "Returned with comments" in my_returns and "Say how many of the forty are lone parents." in my_returns
    response = post_progress(client, c, narrative="Forty people into work, twelve of them lone parents",
                             version=progress_of(c).version, move="submit")
    assert response.status_code == 302 and progress_of(c).status == EntryStatus.SUBMITTED

    # The owner signs off; everyone who reported is told.
    client.force_login(c["owner"])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("return_sign_off", args=[c.report.pk]))
    assert response.status_code == 302, re.findall(r"<li>(.*?)</li>", response.content.decode())
    c.refresh()
    assert c.report.is_signed_off and progress_of(c).status == EntryStatus.SIGNED_OFF
    assert ni152_value(c).status == EntryStatus.SIGNED_OFF
    assert sorted(address for message in mailoutbox for address in message.to) == [
        "expert@example.org", "officer@example.org", "other_officer@example.org"]

    # A performance officer reopens it, with a reason; the officer changes the narrative.
    client.force_login(c["performance_officer"])
    response = client.post(reverse("return_reopen", args=[c.report.pk]), {"reason": "The DWP revised the figures."})
    assert response.status_code == 302 and not c.refresh().report.is_signed_off
    client.force_login(c["officer"])
    response = post_progress(client, c, narrative="Forty-two people into work", version=progress_of(c).version,
                             move="submit")
    assert response.status_code == 302

    # The history shows the change, before and after, and what changed since sign-off.
    history = client.get(reverse("return_history", args=[c.report.pk])).content.decode()
    assert "Changed since sign-off" in history
    since = history.split('id="changed-since-sign-off"')[1].split("</table>")[0]
    assert "Forty people into work, twelve of them lone parents" in since and "Forty-two people into work" in since
    assert "The DWP revised the figures." in since
    assert "First draft" not in since  # before the sign-off
    assert "First draft" in history


# ---------------------------------------------------------------------------------------------------------
# Progress


def test_it_saves_a_draft_without_a_rag_status_but_submitting_needs_one(client, c):
    client.force_login(c["officer"])
    assert post_progress(client, c, rag="").status_code == 302
    response = post_progress(client, c, rag="", narrative="Nearly there", version=progress_of(c).version, move="submit")
    assert response.status_code == 200
    assert field_error(response, "id_rag_0") == "Choose a RAG status before you submit."
    assert progress_of(c).status == EntryStatus.DRAFT and progress_of(c).narrative == "Forty people into work"
    assert "Nearly there" in response.content.decode()


def test_it_refuses_outputs_that_are_not_a_number_beside_the_field(client, c):
    client.force_login(c["officer"])
    response = post_progress(client, c, outputs="about forty")
    assert response.status_code == 200
    assert field_error(response, "id_outputs_achieved") == "Enter the outputs achieved as a number, like 12"
    assert progress_of(c) is None
    assert "about forty" in response.content.decode()


def test_the_progress_form_shows_the_year_target_outputs_so_far_and_share(client, c):
    # An earlier quarter of the same year, already reported: 100 outputs.
    services.round_close(reporting_round=c.round, user=c["performance_officer"])
    later = make_later_round(c, "2008/09-Q2")
    submit_progress(c, c.action, outputs=Decimal(100))
    c.report = later
    submit_progress(c, c.action, outputs=Decimal(60), submit=False)
    client.force_login(c["officer"])
    page = client.get(progress_url(c)).content.decode()
    assert re.search(r"Target for 2008/09</dt>\s*<dd[^>]*>320<", page)
    assert re.search(r"Outputs so far this year</dt>\s*<dd[^>]*>160<", page)
    assert re.search(r"Share of the target reached</dt>\s*<dd[^>]*>50%<", page)


def make_later_round(c, code) -> Return:
    """Open a later round (after reopening the first for reporting) and return the plan's return in it."""
    ReportingRound.objects.filter(pk=c.round.pk).update(status=ReportingRound.Status.OPEN)
    c.round.refresh_from_db()
    later = services.round_open(period=Period.for_code(code), due_date=date(2008, 10, 31), user=c["performance_officer"])
    return later.returns.get()


def test_an_action_without_an_output_target_has_no_outputs_field(client, c):
    client.force_login(c["officer"])
    page = client.get(progress_url(c, c.actions[2])).content.decode()
    assert "outputs_achieved" not in page


# ---------------------------------------------------------------------------------------------------------
# Indicator values


def test_it_refuses_bad_text_beside_the_field_and_saves_nothing(client, c):
    client.force_login(c["expert"])
    response = post_value(client, c, "fourteen point five", commentary="Typed in words")
    assert response.status_code == 200
    assert field_error(response, f"id_indicator-{c.ni152.pk}-value") == "Enter a number, like 14.2."
    assert ni152_value(c) is None
    page = response.content.decode()
    assert 'value="fourteen point five"' in page and "Typed in words" in page
    assert "Value of NI 152 for 2008/09 Q1</label>" in page and "Target for 2008/09: 14.3%." in page


def test_it_refuses_a_percentage_over_100(client, c):
    client.force_login(c["expert"])
    response = post_value(client, c, "114.5")
    assert field_error(response, f"id_indicator-{c.ni152.pk}-value") == "Enter a value from 0% to 100%."
    assert ni152_value(c) is None


def test_it_refuses_too_many_decimal_places(client, c):
    client.force_login(c["expert"])
    response = post_value(client, c, "14.25")
    assert field_error(response, f"id_indicator-{c.ni152.pk}-value") == (
        "Enter the value to 1 decimal place, like 14.2.")
    assert ni152_value(c) is None


def test_an_outlier_needs_confirming(client, c):
    client.force_login(c["expert"])
    checkbox = f"id_indicator-{c.ni152.pk}-confirm_outlier"
    assert checkbox not in client.get(values_url(c)).content.decode()
    response = post_value(client, c, "31.0", commentary="A new count of claimants")
    assert response.status_code == 200
    assert field_error(response, checkbox) == escape(services.OUTLIER_WARNING)
    assert ni152_value(c) is None
    response = post_value(client, c, "31.0", commentary="A new count of claimants", confirm=True)
    assert response.status_code == 302
    assert ni152_value(c).value == Decimal("31.0") and ni152_value(c).outlier_confirmed


def test_a_value_missing_its_target_needs_commentary(client, c):
    client.force_login(c["expert"])
    response = post_value(client, c, "14.5")
    assert field_error(response, f"id_indicator-{c.ni152.pk}-commentary") == (
        "Explain why the value misses its target of 14.3%.")
    assert ni152_value(c) is None
    assert post_value(client, c, "14.2").status_code == 302  # meets its target: no commentary needed


def test_the_expert_sees_each_target_and_earlier_values_as_a_hint(client, c):
    client.force_login(c["expert"])
    page = client.get(values_url(c)).content.decode()
    assert "Target for 2008/09: 14.3%. Earlier values: 2007/08 Q1 14.8%, 2007/08 Q2 14.9%, 2007/08 Q3 14.7%, " \
           "2007/08 Q4 14.6%." in page
    assert "No target for 2008/09." in page


# ---------------------------------------------------------------------------------------------------------
# The return page


def test_the_return_page_shows_rag_direction_and_provisional_figures(client, c):
    submit_everything(c)
    client.force_login(c["viewer"])
    page = client.get(c.report.get_absolute_url()).content.decode()
    row = page.split('id="indicators"')[1].split("</tr>")[1]
    assert "14.5%" in row and "14.3%" in row and "Amber" in row
    assert "14.6%" in row and "14.8%" in row  # the previous quarter and the same quarter last year
    assert "Improving" in row  # NI 152 is lower-is-better: a fall is an improvement
    assert "Provisional" in row
    assert "Target met" not in page  # not the last quarter of the year
    assert "Sign off this return" not in page  # a viewer only reads


def test_a_rise_in_ni_152_is_worsening(client, c):
    submit_value(c, c.ni152, "14.7", commentary="Up")
    client.force_login(c["viewer"])
    row = client.get(c.report.get_absolute_url()).content.decode().split('id="indicators"')[1].split("</tr>")[1]
    assert "Worsening" in row


def test_the_last_quarter_says_whether_the_target_was_met(client):
    c = make_cycle(period="2008/09-Q4", due=date(2009, 4, 30))
    submit_value(c, c.ni152, "14.2")
    client.force_login(c["owner"])
    page = client.get(c.report.get_absolute_url()).content.decode()
    assert "Target met: Yes" in page


def test_the_owner_sees_what_blocks_sign_off_and_cannot_sign_off_yet(client, c):
    submit_progress(c, c.action)
    client.force_login(c["owner"])
    page = client.get(c.report.get_absolute_url()).content.decode()
    assert "Action 2, “Action 2”: progress not submitted. Andy Williams reports it." in page
    assert "Sign off this return" not in page
    response = client.post(reverse("return_sign_off", args=[c.report.pk]))
    assert response.status_code == 409
    assert "Action 3, “Action 3”: progress not submitted. Pat Morgan reports it." in response.content.decode()
    assert not c.refresh().report.is_signed_off


# ---------------------------------------------------------------------------------------------------------
# Locking and reopening


@pytest.fixture
def signed_off(c):
    return sign_off(submit_everything(c))


def test_after_sign_off_every_edit_route_is_refused_and_nothing_changes(client, signed_off):
    c = signed_off
    before = (progress_of(c).narrative, progress_of(c).version, ni152_value(c).value, ni152_value(c).version)

    client.force_login(c["officer"])
    page = client.get(progress_url(c)).content.decode()
    assert escape(services.LOCKED) in page and 'name="narrative"' not in page
    response = post_progress(client, c, narrative="Changed after sign-off", version=progress_of(c).version)
    assert response.status_code == 409 and escape(services.LOCKED) in response.content.decode()

    client.force_login(c["expert"])
    response = post_value(client, c, "14.0", version=ni152_value(c).version)
    assert response.status_code == 409 and escape(services.LOCKED) in response.content.decode()

    client.force_login(c["owner"])
    response = client.post(reverse("return_send_back", args=[c.report.pk]), {
        "items": [f"progress-{progress_of(c).pk}"], "comment": "Too late"})
    assert response.status_code == 409 and escape(services.LOCKED) in response.content.decode()

    assert (progress_of(c).narrative, progress_of(c).version, ni152_value(c).value, ni152_value(c).version) == before
    assert progress_of(c).status == EntryStatus.SIGNED_OFF


def test_reopening_needs_a_reason(client, signed_off):
    c = signed_off
    client.force_login(c["performance_officer"])
    response = client.post(reverse("return_reopen", args=[c.report.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert field_error(response, "id_reason") == services.REASON_REQUIRED
    assert c.refresh().report.is_signed_off
    assert not WorkflowEvent.objects.filter(move="reopen").exists()


def test_reopening_is_recorded_with_its_reason_and_unlocks_the_return(client, signed_off):
    c = signed_off
    client.force_login(c["performance_officer"])
    response = client.post(reverse("return_reopen", args=[c.report.pk]), {"reason": "Figures revised"})
    assert response.status_code == 302
    assert WorkflowEvent.objects.get(move="reopen", progress=None, indicator_value=None).comment == "Figures revised"
    page = client.get(c.report.get_absolute_url()).content.decode()
    assert "Figures revised" in page and "Changed since sign-off" in page
    client.force_login(c["expert"])
    assert post_value(client, c, "14.4", commentary="Revised", version=ni152_value(c).version).status_code == 302
    since = client.get(reverse("return_history", args=[c.report.pk])).content.decode()
    since = since.split('id="changed-since-sign-off"')[1].split("</table>")[0]
    assert "14.5%" in since and "14.4%" in since and "Revised" in since


def test_the_history_lists_who_when_field_before_and_after(client, c):
    client.force_login(c["officer"])
    post_progress(client, c, narrative="Twenty", rag="amber")
    post_progress(client, c, narrative="Thirty", rag="green", version=progress_of(c).version, move="submit")
    client.force_login(c["viewer"])
    history = client.get(reverse("return_history", args=[c.report.pk])).content.decode()
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in history.split("<tr")[2:]]
    assert any("Pat Morgan Action 1 Progress Twenty Thirty" in row for row in rows)
    assert any("Pat Morgan Action 1 RAG status Amber Green" in row for row in rows)
    assert any("Pat Morgan Action 1 Status Draft Submitted" in row for row in rows)
    assert "Changed since sign-off" not in history


# ---------------------------------------------------------------------------------------------------------
# Stale edits


def test_a_stale_progress_edit_is_refused_and_keeps_the_typed_text(client, c):
    submit_progress(c, c.action, narrative="Saved first", submit=False)
    shown_version = progress_of(c).version
    # Someone else (here, the same officer in another tab) saves after the form was shown.
    submit_progress(c, c.action, narrative="Saved in another tab", submit=False)
    client.force_login(c["officer"])
    response = post_progress(client, c, narrative="My careful words", version=shown_version)
    assert response.status_code == 409
    page = response.content.decode()
    assert escape(services.STALE_EDIT) in page
    assert "My careful words" in page and "Saved in another tab" in page  # typed text, and the latest version
    assert progress_of(c).narrative == "Saved in another tab"
    # The re-rendered form carries the latest version: saving again now works.
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    assert int(version) == progress_of(c).version
    assert post_progress(client, c, narrative="My careful words", version=version).status_code == 302
    assert progress_of(c).narrative == "My careful words"


def test_two_forms_opened_on_a_new_entry_cannot_both_save(client, c):
    client.force_login(c["expert"])
    assert post_value(client, c, "14.2", version=0).status_code == 302
    response = post_value(client, c, "14.1", commentary="From the second tab", version=0)
    assert response.status_code == 409
    page = response.content.decode()
    assert escape(services.STALE_EDIT) in page and 'value="14.1"' in page and "From the second tab" in page
    assert ni152_value(c).value == Decimal("14.2")


# ---------------------------------------------------------------------------------------------------------
# Rounds


def test_a_performance_officer_opens_a_round_from_its_code(client, c):
    client.force_login(c["performance_officer"])
    response = client.post(reverse("rounds"), {
        "period": "2008/09-Q2", "due_date_day": "31", "due_date_month": "10", "due_date_year": "2008"})
    opened = ReportingRound.objects.get(period__start=date(2008, 7, 1))
    assert response.status_code == 302 and response.url == opened.get_absolute_url()
    assert opened.due_date == date(2008, 10, 31) and opened.returns.count() == 1


@pytest.mark.parametrize(("period", "day", "field", "message"), [
    ("2008/09-Q1", "31", "id_period", "A round for 2008/09 Q1 has already been opened."),
    ("Q2 2008", "31", "id_period", "Enter the period as a quarter, like 2008/09-Q1, or a half year, like 2012/13-H1"),
    ("2008/09", "31", "id_period", "Enter a quarter, like 2008/09-Q1, or a half year, like 2012/13-H1, not a whole year"),
    ("2008/09-H2", "31", "id_period", "No active plan reports half yearly in 2008/09 H2."),
    ("2008/09-Q3", "1", "id_due_date_day", escape(
        "The due date must be on or after the period's last day, 31 December 2008.")),
    ("2008/09-Q2", "32", "id_due_date_day", "The due date must be a real date, like 31 7 2008"),
    ("2008/09-Q2", "", "id_due_date_day", "The due date must include a day"),
    ("0000/01-Q1", "31", "id_period", "Enter the period as a quarter, like 2008/09-Q1, or a half year, like 2012/13-H1"),
    ("9999/00-Q1", "31", "id_period", "Enter the period as a quarter, like 2008/09-Q1, or a half year, like 2012/13-H1"),
], ids=["already-open", "not-a-code", "a-whole-year", "no-plan-reports-then", "due-before-period-end", "not-a-date",
        "no-day", "year-0", "year-9999"])
def test_opening_a_round_shows_errors_beside_the_field(client, c, period, day, field, message):
    client.force_login(c["performance_officer"])
    response = client.post(reverse("rounds"), {
        "period": period, "due_date_day": day, "due_date_month": "10", "due_date_year": "2009"
        if period.endswith("H2") else "2008"})
    assert response.status_code == 200
    assert field_error(response, field) == message
    assert ReportingRound.objects.count() == 1
    assert Period.objects.filter(kind="half").count() == 0  # nothing half-saved
    assert f'value="{escape(period)}"' in response.content.decode()  # what was typed stays


def test_the_round_page_counts_each_return_and_highlights_overdue(client, c):
    submit_progress(c, c.action, submit=False)
    submit_progress(c, c.actions[1])
    submit_value(c, c.ni152, "14.2")
    client.force_login(c["performance_officer"])
    page = client.get(c.round.get_absolute_url()).content.decode()
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]
    assert cells[1:6] == ["1", "1", "1", "0", "1 of 2"]  # not started, draft, submitted, returned, values
    assert "Overdue" in cells[0]  # due 31 July 2008, long past


def test_a_performance_officer_closes_a_round(client, c):
    client.force_login(c["performance_officer"])
    assert client.post(reverse("round_close", args=[c.round.pk])).status_code == 302
    c.round.refresh_from_db()
    assert not c.round.is_open
    response = client.post(reverse("round_close", args=[c.round.pk]))
    assert response.status_code == 409 and "This round is already closed." in response.content.decode()
    client.force_login(c["officer"])
    response = post_progress(client, c)
    assert response.status_code == 409 and services.ROUND_CLOSED in response.content.decode()


# ---------------------------------------------------------------------------------------------------------
# My returns


def test_my_returns_lists_overdue_actions_first_with_their_status(client, c):
    later = make_later_round(c, "2008/09-Q2")
    ReportingRound.objects.filter(pk=later.round_id).update(due_date=date(2099, 1, 1))
    submit_progress(c, c.action)  # submitted in Q1, so not overdue though the round is
    client.force_login(c["officer"])
    page = client.get(reverse("my_returns")).content.decode()
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in page.split("<tbody")[1].split("<tr")[1:]]
    found = [(re.search(r"Action \d", row)[0], re.search(r"2008/09 Q\d", row)[0], "Overdue" in row) for row in rows]
    assert found == [
        ("Action 3", "2008/09 Q1", True),
        ("Action 1", "2008/09 Q1", False),
        ("Action 1", "2008/09 Q2", False),
        ("Action 3", "2008/09 Q2", False),
    ]
    assert "Submitted" in rows[1] and "Not started" in rows[0]


def test_a_user_with_nothing_to_report_sees_so(client, c):
    client.force_login(c["viewer"])
    assert "You have nothing to report" in client.get(reverse("my_returns")).content.decode()

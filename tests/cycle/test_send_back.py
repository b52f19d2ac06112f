"""The owner sends back the items of a return that need work, each with its comment; the rest stay as they are.
Driven through the send-back page as the plan's indicator owner, with the people of tests/cycle_builders.py."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from monitoring.cycle.selectors import return_history
from monitoring.models import ProgressReport, WorkflowEvent
from tests.cycle.test_views import field_error
from tests.cycle_builders import make_cycle, sign_off, submit_everything, submit_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    """NI 152 with everything submitted: the officer's actions 1 and 3, the other officer's 2, two values."""
    return submit_everything(make_cycle())


def url(c) -> str:
    return reverse("return_send_back", args=[c.report.pk])


def progress(c, position: int) -> ProgressReport:
    return ProgressReport.objects.get(report=c.report, action=c.actions[position - 1])


def value(c, indicator=None) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator=indicator or c.ni152, period=c.round.period)


def key(entry) -> str:
    return services.send_back_key(entry)


def comment_box(entry) -> str:
    return services.send_back_comment_field(key(entry))


def statuses(c) -> dict[str, str]:
    found = {f"action {entry.action.position}": entry.status for entry in ProgressReport.objects.filter(report=c.report)}
    found.update({entry.indicator.code: entry.status for entry in IndicatorValue.objects.filter(period=c.round.period)})
    return found


def send_back(client, c, data):
    client.force_login(c["owner"])
    return client.post(url(c), data)


def test_it_offers_each_item_grouped_with_who_reports_it(client, c):
    client.force_login(c["owner"])
    page = client.get(url(c)).content.decode()
    progress_group = page.split('id="send-back-progress"')[1].split('id="send-back-values"')[0]
    values_group = page.split('id="send-back-values"')[1]
    assert re.search(r"1 Action 1\s*</label>\s*<div[^>]*>Pat Morgan: submitted", progress_group)
    assert re.search(r"2 Action 2\s*</label>\s*<div[^>]*>Andy Williams: submitted", progress_group)
    assert re.search(r"NI 152\s*</label>\s*<div[^>]*>Myles Mackie: submitted", values_group)
    assert f'name="{comment_box(progress(c, 1))}"' in page and f'name="{comment_box(value(c))}"' in page
    assert 'data-module="govuk-character-count"' in page


def test_it_sends_back_one_progress_item_of_several_with_its_comment(
    client, c, mailoutbox, django_capture_on_commit_callbacks
):
    first = progress(c, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = send_back(client, c, {"items": [key(first)], comment_box(first): "Count the lone parents."})

    assert response.status_code == 302 and response.url == c.report.get_absolute_url()
    assert statuses(c) == {"action 1": EntryStatus.RETURNED, "action 2": EntryStatus.SUBMITTED,
                           "action 3": EntryStatus.SUBMITTED, "NI 152": EntryStatus.SUBMITTED,
                           "LOCAL 1": EntryStatus.SUBMITTED}
    assert progress(c, 1).reviewer_comment == "Count the lone parents."
    assert progress(c, 3).reviewer_comment == ""
    event = WorkflowEvent.objects.get(move="send_back")
    assert (event.progress_id, event.comment, event.from_status, event.to_status, event.user) == (
        first.pk, "Count the lone parents.", EntryStatus.SUBMITTED, EntryStatus.RETURNED, c["owner"])
    assert [message.to for message in mailoutbox] == [["officer@example.org"]]
    assert "Progress on 1 Action 1:\nCount the lone parents." in mailoutbox[0].body
    assert "Action 3" not in mailoutbox[0].body


def test_it_sends_back_a_value_to_its_data_expert(client, c, mailoutbox, django_capture_on_commit_callbacks):
    ni152 = value(c)
    with django_capture_on_commit_callbacks(execute=True):
        response = send_back(client, c, {"items": [key(ni152)], comment_box(ni152): "Use the revised DWP figure."})

    assert response.status_code == 302
    assert (value(c).status, value(c).reviewer_comment) == (EntryStatus.RETURNED, "Use the revised DWP figure.")
    assert value(c, c.indicators[1]).status == EntryStatus.SUBMITTED
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}
    assert WorkflowEvent.objects.get(move="send_back").indicator_value_id == ni152.pk
    assert [message.to for message in mailoutbox] == [["expert@example.org"]]
    assert "value of NI 152:\nUse the revised DWP figure." in mailoutbox[0].body


def test_one_comment_serves_every_ticked_item_without_its_own(client, c, mailoutbox, django_capture_on_commit_callbacks):
    first, second, ni152 = progress(c, 1), progress(c, 2), value(c)
    with django_capture_on_commit_callbacks(execute=True):
        response = send_back(client, c, {
            "items": [key(first), key(second), key(ni152)], "comment": "Check against the DWP release.",
            comment_box(second): "Add the LEGI starts.", comment_box(progress(c, 3)): "Not ticked, so not sent.",
        })

    assert response.status_code == 302
    assert progress(c, 1).reviewer_comment == value(c).reviewer_comment == "Check against the DWP release."
    assert progress(c, 2).reviewer_comment == "Add the LEGI starts."
    assert (progress(c, 3).status, progress(c, 3).reviewer_comment) == (EntryStatus.SUBMITTED, "")
    assert sorted(WorkflowEvent.objects.filter(move="send_back").values_list("comment", flat=True)) == [
        "Add the LEGI starts.", "Check against the DWP release.", "Check against the DWP release."]
    assert sorted(address for message in mailoutbox for address in message.to) == [
        "expert@example.org", "officer@example.org", "other_officer@example.org"]


def test_nothing_ticked_is_refused_and_the_comment_kept(client, c):
    response = send_back(client, c, {"items": [], "comment": "Typed but nothing ticked"})

    assert response.status_code == 200
    assert field_error(response, "id_items_0") == services.ITEMS_REQUIRED
    assert "Typed but nothing ticked</textarea>" in response.content.decode()
    assert set(statuses(c).values()) == {EntryStatus.SUBMITTED}


def test_every_ticked_item_without_a_comment_is_listed_at_once_and_the_input_kept(client, c):
    first, third, ni152 = progress(c, 1), progress(c, 3), value(c)
    response = send_back(client, c, {
        "items": [key(first), key(third), key(ni152)], comment_box(third): "Say who attended.",
    })

    assert response.status_code == 200
    page = response.content.decode()
    summary = page.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert summary.count("<li>") == 2
    assert field_error(response, f"id_{comment_box(first)}") == services.ITEM_COMMENT_REQUIRED.format(what="“Action 1”")
    assert field_error(response, f"id_{comment_box(ni152)}") == services.ITEM_COMMENT_REQUIRED.format(what="NI 152")
    assert "Say who attended.</textarea>" in page
    for entry in (first, third, ni152):
        assert re.search(rf'value="{key(entry)}"[^>]*checked', page)
    assert f'value="{key(progress(c, 2))}" aria-describedby' in page and not re.search(
        rf'value="{key(progress(c, 2))}"[^>]*checked', page)
    assert set(statuses(c).values()) == {EntryStatus.SUBMITTED}
    assert not WorkflowEvent.objects.filter(move="send_back").exists()


def test_the_officer_sees_the_comment_on_the_returned_item_only(client, c):
    send_back(client, c, {"items": [key(progress(c, 1)), key(value(c))],
                          comment_box(progress(c, 1)): "Count the lone parents.",
                          comment_box(value(c)): "Use the revised DWP figure."})

    client.force_login(c["officer"])
    my_returns = client.get(reverse("my_returns")).content.decode()
    rows = {title: row for row in my_returns.split("<tr") for title in ("Action 1", "Action 3") if title in row}
    assert "Count the lone parents." in rows["Action 1"] and "Returned" in rows["Action 1"]
    assert "Count the lone parents." not in rows["Action 3"]
    assert my_returns.count("Count the lone parents.") == 1

    return_page = client.get(c.report.get_absolute_url()).content.decode()
    progress_rows = return_page.split('id="progress"')[1].split("</table>")[0].split("<tr")
    assert [row for row in progress_rows if "Count the lone parents." in row][0].count("Action 1") >= 1
    assert return_page.count("Count the lone parents.") == 1
    indicator_rows = return_page.split('id="indicators"')[1].split("</table>")[0].split("<tr")
    assert ["NI 152" in row for row in indicator_rows if "Use the revised DWP figure." in row] == [True]

    client.force_login(c["expert"])
    my_returns = client.get(reverse("my_returns")).content.decode()
    assert "NI 152 returned with a comment:" in my_returns and "Use the revised DWP figure." in my_returns
    assert "LOCAL 1 returned" not in my_returns


def test_a_resubmitted_value_no_longer_shows_the_comment(client, c):
    send_back(client, c, {"items": [key(value(c))], comment_box(value(c)): "Use the revised DWP figure."})
    submit_value(c, c.ni152, "14.4", commentary="Revised by the DWP")

    assert value(c).status == EntryStatus.SUBMITTED
    client.force_login(c["expert"])
    assert "Use the revised DWP figure." not in client.get(reverse("my_returns")).content.decode()
    assert "Use the revised DWP figure." not in client.get(c.report.get_absolute_url()).content.decode()


def test_the_history_shows_each_item_sent_back_with_its_comment(client, c):
    send_back(client, c, {"items": [key(progress(c, 2)), key(value(c))],
                          comment_box(progress(c, 2)): "Add the LEGI starts.",
                          comment_box(value(c)): "Use the revised DWP figure."})

    sent_back = [(change.subject, change.before, change.after, change.comment, change.who)
                 for change in return_history(report=c.report).changes if change.move == "send_back"]
    assert sorted(sent_back) == [
        ("Action 2", "Submitted", "Returned with comments", "Add the LEGI starts.", "Jane Beaver"),
        ("NI 152", "Submitted", "Returned with comments", "Use the revised DWP figure.", "Jane Beaver"),
    ]
    page = client.get(reverse("return_history", args=[c.report.pk])).content.decode()
    rows = [row for row in page.split("<tr") if "Returned" in row and "Comment:" in row]
    assert len(rows) == 2
    assert any("Action 2" in row and "Add the LEGI starts." in row for row in rows)
    assert any("NI 152" in row and "Use the revised DWP figure." in row for row in rows)


@pytest.mark.parametrize("role", ["officer", "other_officer", "expert", "performance_officer", "viewer"])
def test_only_an_indicator_owner_of_the_plan_may_send_back(client, c, role):
    client.force_login(c[role])
    assert client.get(url(c)).status_code == 403
    response = client.post(url(c), {"items": [key(progress(c, 1))], "comment": "Not mine to ask"})

    assert response.status_code == 403
    assert set(statuses(c).values()) == {EntryStatus.SUBMITTED}


def test_a_signed_off_return_is_refused_and_nothing_changes(client, c):
    sign_off(c)
    first = progress(c, 1)
    response = send_back(client, c, {"items": [key(first)], "comment": "Too late"})

    assert response.status_code == 409
    assert escape(services.LOCKED) in response.content.decode()
    assert set(statuses(c).values()) == {EntryStatus.SIGNED_OFF}
    assert progress(c, 1).version == first.version and not WorkflowEvent.objects.filter(move="send_back").exists()


def test_an_item_already_sent_back_cannot_be_sent_back_again(client, c):
    first = progress(c, 1)
    send_back(client, c, {"items": [key(first)], "comment": "Count the lone parents."})
    response = send_back(client, c, {"items": [key(first)], "comment": "Again"})

    assert response.status_code == 200
    assert "can no longer be sent back" in field_error(response, "id_items_0")
    assert progress(c, 1).reviewer_comment == "Count the lone parents."
    assert WorkflowEvent.objects.filter(move="send_back").count() == 1

"""Writes through the API are audited as the forms' are (who, when), and say they came through the API: each
workflow move records its channel (WorkflowEvent.via) and the token, each history record names the API and the token
as its reason, and the return's history page shows "through the API" beside who made the change."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from indicators.models import IndicatorValue
from monitoring import audit, services
from monitoring.api.tokens import ApiToken
from monitoring.models import ProgressReport, Return, WorkflowEvent
from tests.api.conftest import TokenClient, key_for
from tests.cycle_builders import submit_everything, submit_value

pytestmark = pytest.mark.django_db

NAME = "Warehouse loader"


def value_url(cycle, indicator=None) -> str:
    return f"/api/v1/returns/{cycle.report.pk}/values/{(indicator or cycle.ni152).pk}/"


def put_value(client, cycle, body, indicator=None):
    return client.put(value_url(cycle, indicator), body, content_type="application/json")


def expert_token(cycle, name: str = NAME) -> tuple[TokenClient, ApiToken]:
    key = key_for(cycle["expert"], name)
    return TokenClient(key), ApiToken.objects.get(prefix=key[:10])


def detail_of(token: ApiToken, name: str = NAME) -> str:
    return f"token “{name}” ({token.prefix}…)"


def events_of(indicator) -> list[WorkflowEvent]:
    return list(WorkflowEvent.objects.filter(indicator_value__indicator=indicator).order_by("pk"))


def history_rows(client, cycle) -> list[list[str]]:
    """Return the cells of the return history's "All changes" table: When, Who, What, Field, Before, After."""
    client.force_login(cycle["viewer"])
    response = client.get(reverse("return_history", args=[cycle.report.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    table = page.split('id="all-changes"', 1)[1].split("</table>", 1)[0].split("<tbody", 1)[1]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def test_a_value_put_with_a_token_is_recorded_as_through_the_api_naming_the_token(cycle):
    client, token = expert_token(cycle)

    response = put_value(client, cycle, {"value": "14.5", "commentary": "Redundancies"})

    assert response.status_code == 201, response.content
    [event] = events_of(cycle.ni152)
    assert (event.move, event.user, event.via, event.via_detail) == ("submit", cycle["expert"], "api", detail_of(token))
    [record] = IndicatorValue.history.filter(indicator=cycle.ni152, period=cycle.round.period)
    assert record.history_user == cycle["expert"]
    assert record.history_change_reason == f"Through the API: token “Warehouse loader” ({token.prefix}…)"


def test_a_post_of_the_values_form_is_recorded_as_through_the_web_page(client, cycle):
    client.force_login(cycle["expert"])
    data = {"move": "submit"}
    for indicator in cycle.indicators:
        prefix = f"indicator-{indicator.pk}"
        data.update({f"{prefix}-value": "14.2" if indicator == cycle.ni152 else "120", f"{prefix}-commentary": "",
                     f"{prefix}-version": 0})

    response = client.post(reverse("values_edit", args=[cycle.report.pk]), data)

    assert response.status_code == 302
    [event] = events_of(cycle.ni152)
    assert (event.move, event.user, event.via, event.via_detail) == ("submit", cycle["expert"], "page", "")
    [record] = IndicatorValue.history.filter(indicator=cycle.ni152, period=cycle.round.period)
    assert (record.history_user, record.history_change_reason) == (cycle["expert"], None)


def test_a_session_signed_in_to_the_api_is_recorded_as_through_the_api(client, cycle):
    client.force_login(cycle["expert"])

    response = put_value(client, cycle, {"value": "14.5", "commentary": "Redundancies"})

    assert response.status_code == 201, response.content
    [event] = events_of(cycle.ni152)
    assert (event.via, event.via_detail) == ("api", "signed-in session")
    [record] = IndicatorValue.history.filter(indicator=cycle.ni152, period=cycle.round.period)
    assert record.history_change_reason == "Through the API: signed-in session"


def test_the_return_history_says_through_the_api_beside_who_and_not_for_the_page(client, cycle):
    api, token = expert_token(cycle)
    assert put_value(api, cycle, {"value": "14.5", "commentary": "Redundancies"}).status_code == 201
    submit_value(cycle, cycle.indicators[1], "120")  # the form's service, outside any API request

    rows = {(what, field): who for _, who, what, field, _, _ in history_rows(client, cycle)}

    through = f"Myles Mackie through the API, token “Warehouse loader” ({token.prefix}…)"
    assert rows == {
        ("NI 152", "Status"): through,
        ("NI 152", "Value"): through,
        ("NI 152", "Commentary"): through,
        ("LOCAL 1", "Status"): "Myles Mackie",
        ("LOCAL 1", "Value"): "Myles Mackie",
    }


def test_a_move_recorded_before_the_channel_was_kept_shows_like_the_web_page(client, cycle):
    api, _token = expert_token(cycle)
    assert put_value(api, cycle, {"value": "14.5", "commentary": "Redundancies"}).status_code == 201
    WorkflowEvent.objects.filter(indicator_value__indicator=cycle.ni152).update(via=None, via_detail=None)

    rows = {(what, field): who for _, who, what, field, _, _ in history_rows(client, cycle)}

    assert rows[("NI 152", "Status")] == "Myles Mackie"
    assert rows[("NI 152", "Value")].startswith("Myles Mackie through the API")  # its history record says so


def test_a_sign_off_through_the_api_stamps_the_return_and_every_entry_it_moves(client, cycle):
    submit_everything(cycle)  # through the forms' services
    key = key_for(cycle["owner"], "Sign-off robot")
    detail = f"token “Sign-off robot” ({key[:10]}…)"

    response = TokenClient(key).post(f"/api/v1/returns/{cycle.report.pk}/sign-off/")

    assert response.status_code == 200, response.content
    sign_offs = WorkflowEvent.objects.filter(report=cycle.report, move="sign_off")
    assert sign_offs.count() == 1 + len(cycle.actions) + len(cycle.indicators)
    assert set(sign_offs.values_list("via", "via_detail", "user")) == {("api", detail, cycle["owner"].pk)}
    assert set(WorkflowEvent.objects.filter(report=cycle.report, move="submit").values_list("via", flat=True)) == {
        "page"}
    signed = Return.history.filter(id=cycle.report.pk).latest("history_id")
    assert (signed.status, signed.history_user, signed.history_change_reason) == (
        "signed_off", cycle["owner"], "Through the API: " + detail)
    rows = history_rows(client, cycle)
    assert [who for _, who, what, field, _, after in rows if (what, field, after) == ("The return", "Status", "Signed off")
            ] == ["Jane Beaver through the API, " + detail]


def test_progress_put_through_the_api_is_recorded_with_the_token(cycle):
    key = key_for(cycle["officer"], "Project tracker")
    detail = f"token “Project tracker” ({key[:10]}…)"

    response = TokenClient(key).put(
        f"/api/v1/returns/{cycle.report.pk}/progress/{cycle.action.pk}/",
        {"narrative": "Forty people into work", "rag": "green", "outputs_achieved": "80"},
        content_type="application/json")

    assert response.status_code == 201, response.content
    [event] = WorkflowEvent.objects.filter(progress__action=cycle.action)
    assert (event.move, event.user, event.via, event.via_detail) == ("submit", cycle["officer"], "api", detail)
    [record] = ProgressReport.history.filter(action=cycle.action)
    assert (record.narrative, record.history_change_reason) == ("Forty people into work", "Through the API: " + detail)


def test_a_service_called_within_a_channel_stamps_every_move_it_makes(cycle):
    submit_everything(cycle)

    with audit.through(audit.Via.COMMAND, detail="manage.py sign_off_all"):
        services.return_sign_off(report=cycle.report, user=cycle["owner"])

    assert set(WorkflowEvent.objects.filter(report=cycle.report, move="sign_off").values_list("via", "via_detail")) == {
        ("command", "manage.py sign_off_all")}
    signed = Return.history.filter(id=cycle.report.pk).latest("history_id")
    assert signed.history_change_reason is None  # only the API names itself as the reason


def test_the_channel_ends_with_the_request(cycle):
    api, _token = expert_token(cycle)
    assert put_value(api, cycle, {"value": "14.5", "commentary": "Redundancies"}).status_code == 201

    submit_value(cycle, cycle.indicators[1], "120")

    assert audit.current() == audit.Channel(audit.Via.PAGE, "")
    assert [event.via for event in events_of(cycle.indicators[1])] == ["page"]


def test_a_refused_write_records_nothing(cycle):
    client, _token = expert_token(cycle)

    response = put_value(client, cycle, {"value": "14.5"})  # misses the target without commentary

    assert response.status_code == 422
    assert not WorkflowEvent.objects.filter(report=cycle.report).exists()
    assert not IndicatorValue.history.filter(indicator=cycle.ni152, period=cycle.round.period).exists()


def test_a_long_or_hostile_token_name_is_shortened_to_fit_and_escaped_on_the_page(client, cycle):
    name = "<script>alert(1)</script>" + "x" * 75  # 100 characters, the most a token's name may have
    api, token = expert_token(cycle, name)

    assert put_value(api, cycle, {"value": "14.5", "commentary": "Redundancies"}).status_code == 201

    shortened = f"token “{name[:60]}…” ({token.prefix}…)"
    [event] = events_of(cycle.ni152)
    assert event.via_detail == shortened and len(shortened) == audit.DETAIL_LENGTH
    [record] = IndicatorValue.history.filter(indicator=cycle.ni152, period=cycle.round.period)
    assert record.history_change_reason == "Through the API: " + shortened
    assert len(record.history_change_reason) == 100
    client.force_login(cycle["viewer"])
    page = client.get(reverse("return_history", args=[cycle.report.pk])).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_reason_the_write_gave_itself_is_kept(cycle):
    entry = submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies")

    with audit.through(audit.Via.API, detail="token “Warehouse loader” (pm_abcdefg…)"):
        entry.commentary = "Corrected"
        entry._change_reason = "Import 7: values.xlsx"
        entry.save()

    latest = IndicatorValue.history.filter(id=entry.pk).latest("history_id")
    assert (latest.commentary, latest.history_change_reason) == ("Corrected", "Import 7: values.xlsx")


def test_a_channel_that_is_not_one_is_refused():
    with pytest.raises(ValueError), audit.through("carrier pigeon"):
        pass  # pragma: no cover
    assert audit.current().via == audit.Via.PAGE

"""The rest of the return workflow through the API (monitoring.api.workflow), by the same services as the forms:
progress on an action (with the value endpoint's ETag / If-Match contract), sign-off with its blockers, send-back
by item, and reopening with a reason. Each refusal answers its status in the services' words and changes nothing."""

from __future__ import annotations

import pytest

from indicators.models import IndicatorValue
from monitoring import services
from monitoring.api import workflow
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
from plans.models import DeliveryAction, Membership, Period, Plan, Seal
from tests.api.conftest import TokenClient, key_for
from tests.builders import make_partnership, make_plan
from tests.cycle_builders import make_user, sign_off, submit_everything, submit_progress

pytestmark = pytest.mark.django_db


def progress_url(cycle, action=None, report=None) -> str:
    return f"/api/v1/returns/{(report or cycle.report).pk}/progress/{(action or cycle.action).pk}/"


def move_url(cycle, move: str) -> str:
    return f"/api/v1/returns/{cycle.report.pk}/{move}/"


def put(client, address, body, **headers):
    return client.put(address, body, content_type="application/json", headers=headers)


def post(client, address, body=None):
    return client.post(address, body if body is not None else {}, content_type="application/json")


def fingerprint() -> tuple:
    """Return everything a write of the workflow could change."""
    return (
        sorted(Return.objects.values_list("pk", "status", "signed_off_at")),
        sorted(ProgressReport.objects.values_list("pk", "status", "version", "narrative", "reviewer_comment")),
        sorted(IndicatorValue.objects.values_list("pk", "status", "version", "reviewer_comment")),
        WorkflowEvent.objects.count(),
        Seal.objects.count(),
    )


def events(cycle) -> list[tuple]:
    return list(WorkflowEvent.objects.filter(report=cycle.report).order_by("pk")
                .values_list("move", "from_status", "to_status", "user__username", "comment"))


def entry(cycle, action=None) -> ProgressReport:
    return ProgressReport.objects.get(report=cycle.report, action=action or cycle.action)


def ni152_value(cycle) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator=cycle.ni152, period=cycle.round.period)


DRAFT = {"narrative": "Forty into work", "rag": "green", "outputs_achieved": "40", "submit": False}
SUBMITTED = {"narrative": "Eighty into work", "rag": "green", "outputs_achieved": "80", "submit": True}


# ---------------------------------------------------------------------------------------------------------
# Progress on an action


def test_the_lead_officer_saves_a_draft_and_gets_its_etag(cycle, as_role):
    response = put(as_role("officer"), progress_url(cycle), DRAFT)
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    stored = entry(cycle)
    assert body == {
        "id": stored.pk, "return": cycle.report.pk, "action": cycle.action.pk, "action_reference": "1",
        "action_title": "Action 1", "status": "draft", "narrative": "Forty into work", "rag": "green", "rag_reason": "",
        "outputs_achieved": "40.00", "outputs_not_available_reason": "", "reviewer_comment": "", "version": 1,
        "updated_at": body["updated_at"],
    }
    assert stored.updated_by == cycle["officer"]
    assert events(cycle) == [("save_draft", "not_started", "draft", "officer", "")]


def test_everyone_in_the_partnership_reads_progress_as_on_the_return_page(cycle, as_role):
    put(as_role("officer"), progress_url(cycle), DRAFT)
    for role in ("viewer", "expert", "owner", "other_officer", "performance_officer"):
        response = as_role(role).get(progress_url(cycle))
        assert response.status_code == 200, role
        assert response["ETag"] == '"1"' and response.json()["narrative"] == "Forty into work"


def test_a_signed_off_returns_progress_names_the_action_as_signed_off(cycle, as_role):
    sign_off(submit_everything(cycle))
    DeliveryAction.objects.filter(pk=cycle.action.pk).update(reference="1a", title="Renamed since")
    body = as_role("viewer").get(progress_url(cycle)).json()
    assert (body["action_reference"], body["action_title"], body["status"]) == ("1", "Action 1", "signed_off")


def test_an_action_with_no_progress_yet_is_not_found(cycle, as_role):
    response = as_role("officer").get(progress_url(cycle))
    assert response.status_code == 404
    assert response.json()["detail"] == workflow.NO_PROGRESS_YET


@pytest.mark.parametrize("action_id", [10**7, 2**63 - 1, 2**64])
def test_an_action_that_does_not_exist_is_not_found(cycle, as_role, action_id):
    address = f"/api/v1/returns/{cycle.report.pk}/progress/{action_id}/"
    assert as_role("officer").get(address).status_code == 404
    assert put(as_role("officer"), address, DRAFT).status_code == 404
    assert not ProgressReport.objects.exists()


def test_an_action_of_another_plan_is_not_found(cycle, as_role):
    other = DeliveryAction.objects.create(plan=make_plan("NI 117"), position=1, title="Another plan's action",
                                          lead_officer=cycle["officer"].person)
    before = fingerprint()
    assert as_role("officer").get(progress_url(cycle, other)).status_code == 404
    assert put(as_role("officer"), progress_url(cycle, other), DRAFT).status_code == 404
    assert fingerprint() == before


def test_a_change_needs_if_match_and_a_stale_one_answers_412_with_the_current_entry(cycle, as_role):
    officer = as_role("officer")
    put(officer, progress_url(cycle), DRAFT)
    before = fingerprint()
    missing = put(officer, progress_url(cycle), SUBMITTED)
    assert missing.status_code == 428
    assert missing.json()["detail"] == workflow.IF_MATCH_REQUIRED
    assert fingerprint() == before

    fresh = put(officer, progress_url(cycle), SUBMITTED, **{"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh["ETag"] == '"2"'
    assert (fresh.json()["status"], fresh.json()["outputs_achieved"]) == ("submitted", "80.00")

    before = fingerprint()
    stale = put(officer, progress_url(cycle), {**DRAFT, "narrative": "Late"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["detail"] == services.STALE_EDIT
    assert stale.json()["current"]["narrative"] == "Eighty into work" and stale["ETag"] == '"2"'
    assert fingerprint() == before
    assert events(cycle) == [("save_draft", "not_started", "draft", "officer", ""),
                             ("submit", "draft", "submitted", "officer", "")]


def test_if_match_on_a_first_entry_is_stale(cycle, as_role):
    response = put(as_role("officer"), progress_url(cycle), DRAFT, **{"If-Match": '"1"'})
    assert response.status_code == 412
    assert response.json()["detail"] == workflow.NOTHING_TO_MATCH and response.json()["current"] is None
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("role", ["other_officer", "expert", "owner", "viewer", "performance_officer"])
def test_only_the_person_who_reports_the_action_writes_its_progress(cycle, as_role, role):
    before = fingerprint()
    response = put(as_role(role), progress_url(cycle), DRAFT)
    assert response.status_code == 403
    assert response.json()["detail"] == services.NOT_YOURS
    assert fingerprint() == before


def test_a_submission_lists_every_rule_it_breaks_in_the_forms_words(cycle, as_role):
    response = put(as_role("officer"), progress_url(cycle), {"narrative": "  ", "submit": True})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "narrative": [services.NARRATIVE_REQUIRED], "rag": [services.RAG_REQUIRED],
        "outputs_achieved": [services.OUTPUTS_REQUIRED],
    }
    assert not ProgressReport.objects.exists() and not WorkflowEvent.objects.exists()


def test_outputs_that_are_not_whole_are_refused_as_the_form_refuses_them(cycle, as_role):
    response = put(as_role("officer"), progress_url(cycle), {**DRAFT, "outputs_achieved": "12.5"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"outputs_achieved": [services.OUTPUTS_WHOLE.format(year="2008/09")]}


@pytest.mark.parametrize(("outputs", "message"), [
    ("NaN", workflow.OUTPUTS_INVALID), ("Infinity", workflow.OUTPUTS_INVALID), ("-Infinity", workflow.OUTPUTS_INVALID),
    ("1e3", workflow.OUTPUTS_INVALID), ("1,200", workflow.OUTPUTS_INVALID), (" 12", workflow.OUTPUTS_INVALID),
    ("12.", workflow.OUTPUTS_INVALID), ("0x10", workflow.OUTPUTS_INVALID), ("١٢", workflow.OUTPUTS_INVALID),
    ("-1", workflow.OUTPUTS_NEGATIVE), (-1, workflow.OUTPUTS_NEGATIVE), ("12.345", workflow.OUTPUTS_PLACES),
    ("99999999999", workflow.OUTPUTS_TOO_BIG), ("9" * 5000, workflow.OUTPUTS_TOO_BIG), (10**40, workflow.OUTPUTS_TOO_BIG),
    (12.5, workflow.OUTPUTS_AS_TEXT), (True, workflow.OUTPUTS_INVALID), ([12], workflow.OUTPUTS_INVALID),
    ({"value": 12}, workflow.OUTPUTS_INVALID),
])
def test_outputs_are_read_strictly(cycle, as_role, outputs, message):
    response = put(as_role("officer"), progress_url(cycle), {**DRAFT, "outputs_achieved": outputs})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"outputs_achieved": [message]}
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(("outputs", "stored"), [
    ("9999999999", "9999999999.00"), ("0040", "40.00"), ("40.00", "40.00"), (40, "40.00"), (None, None), ("", None),
])
def test_outputs_within_bounds_are_kept_exactly(cycle, as_role, outputs, stored):
    response = put(as_role("officer"), progress_url(cycle), {**DRAFT, "outputs_achieved": outputs})
    assert response.status_code == 201, response.content
    assert response.json()["outputs_achieved"] == stored


def test_nan_as_a_json_token_is_refused_before_anything(cycle, as_role):
    response = as_role("officer").put(progress_url(cycle), '{"narrative": "x", "outputs_achieved": NaN}',
                                      content_type="application/json")
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(("body", "errors"), [
    ({**DRAFT, "rag": "purple"}, {"rag": [workflow.RAG_INVALID]}),
    ({**DRAFT, "narrative": "x\ud800"}, {"narrative": ["Surrogate characters are not allowed: U+D800."]}),
    ({**DRAFT, "narrative": "a\x00b"}, {"narrative": ["Null characters are not allowed."]}),
    ({**DRAFT, "submit": "maybe"}, {"submit": ["Must be a valid boolean."]}),
    ([1], {"non_field": ["Invalid data. Expected a dictionary, but got list."]}),
])
def test_a_body_of_the_wrong_shape_answers_422_by_field(cycle, as_role, body, errors):
    response = put(as_role("officer"), progress_url(cycle), body)
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert not ProgressReport.objects.exists()


def test_text_longer_than_the_form_allows_is_refused_in_its_words(cycle, as_role):
    response = put(as_role("officer"), progress_url(cycle), {**DRAFT, "narrative": "x" * 10_001})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["narrative"]
    assert "10000" in response.json()["errors"]["narrative"][0].replace(",", "")


def test_progress_on_a_signed_off_return_is_locked(cycle, as_role):
    sign_off(submit_everything(cycle))
    before = fingerprint()
    response = put(as_role("officer"), progress_url(cycle), SUBMITTED, **{"If-Match": '"2"'})
    assert response.status_code == 409
    assert response.json()["detail"] == services.LOCKED
    assert fingerprint() == before


def test_progress_in_a_closed_round_is_refused(cycle, as_role):
    services.round_close(reporting_round=cycle.round, user=cycle["performance_officer"])
    before = fingerprint()
    response = put(as_role("officer"), progress_url(cycle), DRAFT)
    assert response.status_code == 409
    assert response.json()["detail"] == services.ROUND_CLOSED
    assert fingerprint() == before


# ---------------------------------------------------------------------------------------------------------
# Sign-off


def test_the_owner_signs_off_a_complete_return(cycle, as_role):
    submit_everything(cycle)
    before = len(events(cycle))
    response = post(as_role("owner"), move_url(cycle, "sign-off"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "signed_off" and body["signed_off_at"]
    assert [(row["action"], row["status"], row["version"]) for row in body["progress"]] == [
        (action.pk, "signed_off", 2) for action in cycle.actions]
    assert [(row["indicator_code"], row["status"], row["version"]) for row in body["values"]] == [
        ("LOCAL 1", "signed_off", 2), ("NI 152", "signed_off", 2)]
    assert events(cycle)[before:] == [("sign_off", "open", "signed_off", "owner", "")] + [
        ("sign_off", "submitted", "signed_off", "owner", "")] * 5
    assert cycle.refresh().report.signed_off_by == cycle["owner"]
    assert Seal.objects.filter(plan=cycle.plan, period=cycle.round.period).count() == 1


def test_what_blocks_a_sign_off_comes_back_one_by_one(cycle, as_role):
    submit_progress(cycle, cycle.actions[0], outputs=None, not_available_reason="Figures due from DWP in August")
    before = fingerprint()
    response = post(as_role("owner"), move_url(cycle, "sign-off"))
    assert response.status_code == 409
    body = response.json()
    assert body["blockers"] == [
        "Action 2, “Action 2”: progress not submitted. Andy Williams reports it.",
        "Action 3, “Action 3”: progress not submitted. Pat Morgan reports it.",
        "The headline indicator NI 152 has no value for 2008/09 Q1.",
    ]
    assert body["detail"] == "This return cannot be signed off yet. " + " ".join(body["blockers"])
    assert body["type"].endswith("/sign_off_blocked")
    assert fingerprint() == before


@pytest.mark.parametrize("role", ["performance_officer", "officer", "expert", "viewer"])
def test_only_an_owner_of_the_plan_signs_it_off(cycle, as_role, role):
    submit_everything(cycle)
    before = fingerprint()
    response = post(as_role(role), move_url(cycle, "sign-off"))
    assert response.status_code == 403
    assert response.json()["detail"] == services.NOT_YOUR_PLAN
    assert fingerprint() == before


def test_a_signed_off_return_is_not_signed_off_again(cycle, as_role):
    sign_off(submit_everything(cycle))
    before = fingerprint()
    response = post(as_role("owner"), move_url(cycle, "sign-off"))
    assert response.status_code == 409
    assert (response.json()["detail"], response.json()["blockers"]) == (services.LOCKED, [])
    assert fingerprint() == before


def test_no_sign_off_in_a_closed_round(cycle, as_role):
    submit_everything(cycle)
    services.round_close(reporting_round=cycle.round, user=cycle["performance_officer"])
    before = fingerprint()
    response = post(as_role("owner"), move_url(cycle, "sign-off"))
    assert response.status_code == 409
    assert (response.json()["detail"], response.json()["blockers"]) == (services.ROUND_CLOSED, [])
    assert fingerprint() == before


# ---------------------------------------------------------------------------------------------------------
# Send-back


def test_the_owner_sends_chosen_items_back_each_with_its_comment(cycle, as_role):
    submit_everything(cycle)
    first, value = entry(cycle), ni152_value(cycle)
    before = len(events(cycle))
    response = post(as_role("owner"), move_url(cycle, "send-back"), {
        "comment": "Check against the DWP release",
        "items": [{"progress": first.pk, "comment": "Count the lone parents"}, {"value": value.pk}],
    })
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "open"
    assert [(row["action"], row["status"], row["version"], row["reviewer_comment"]) for row in body["progress"]] == [
        (cycle.actions[0].pk, "returned", 2, "Count the lone parents"),
        (cycle.actions[1].pk, "submitted", 1, ""), (cycle.actions[2].pk, "submitted", 1, "")]
    assert [(row["indicator_code"], row["status"], row["reviewer_comment"]) for row in body["values"]] == [
        ("LOCAL 1", "submitted", ""), ("NI 152", "returned", "Check against the DWP release")]
    assert events(cycle)[before:] == [
        ("send_back", "submitted", "returned", "owner", "Count the lone parents"),
        ("send_back", "submitted", "returned", "owner", "Check against the DWP release"),
    ]


def test_an_item_with_no_comment_and_none_for_all_is_refused_by_its_place(cycle, as_role):
    submit_everything(cycle)
    first, value = entry(cycle), ni152_value(cycle)
    before = fingerprint()
    response = post(as_role("owner"), move_url(cycle, "send-back"), {
        "items": [{"progress": first.pk, "comment": "Count the lone parents"}, {"value": value.pk}]})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "items[1].comment": [services.ITEM_COMMENT_REQUIRED.format(what="NI 152")]}
    assert fingerprint() == before


@pytest.mark.parametrize(("items", "errors"), [
    ([], {"items": [services.ITEMS_REQUIRED]}),
    (None, {"items": [services.ITEMS_REQUIRED]}),
    ([{"comment": "Which?"}], {"items[0]": [workflow.ONE_ENTRY]}),
    ([{"progress": "first", "value": 1}], {"items[0].progress": ["A valid integer is required."]}),
    ("progress-1", {"items": ['Expected a list of items but got type "str".']}),
    ([{"progress": 10**7}], {"items[0].progress": [workflow.NO_SUCH_PROGRESS]}),
    ([{"progress": 2**63 - 1}], {"items[0].progress": [workflow.NO_SUCH_PROGRESS]}),
    ([{"value": 2**63}], {"items[0].value": [f"Ensure this value is less than or equal to {2**63 - 1}."]}),
    ([{"value": 10**7}], {"items[0].value": [workflow.NO_SUCH_VALUE]}),
    ([{"progress": "FIRST"}, {"progress": "FIRST"}], {"items[1]": [workflow.NAMED_TWICE]}),
    ([{"value": "OLD"}], {"items[0].value": [workflow.NO_SUCH_VALUE]}),  # another period's value of the plan
    ([{"progress": 0}], {"items[0].progress": ["Ensure this value is greater than or equal to 1."]}),
    ([{"progress": "FIRST"}] * (workflow.ITEM_LIMIT + 1), {"items": [workflow.TOO_MANY_ITEMS]}),
])
def test_bad_items_are_refused_by_their_place_and_change_nothing(cycle, as_role, items, errors):
    submit_everything(cycle)
    ids = {"FIRST": entry(cycle).pk,
           "OLD": IndicatorValue.objects.filter(indicator=cycle.ni152).exclude(period=cycle.round.period).first().pk}
    if isinstance(items, list):
        items = [{key: ids.get(value, value) for key, value in item.items()} for item in items]
    body = {"comment": "Check it"} | ({} if items is None else {"items": items})
    before = fingerprint()
    response = post(as_role("owner"), move_url(cycle, "send-back"), body)
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert response.json()["detail"] == next(iter(errors.values()))[0]
    assert fingerprint() == before


def test_an_item_already_sent_back_cannot_be_sent_again(cycle, as_role):
    submit_everything(cycle)
    first = entry(cycle)
    owner = as_role("owner")
    assert post(owner, move_url(cycle, "send-back"), {"items": [{"progress": first.pk, "comment": "Why?"}]}
                ).status_code == 200
    before = fingerprint()
    response = post(owner, move_url(cycle, "send-back"), {"items": [{"progress": first.pk, "comment": "Again"}]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"items": [services.NOT_SENDABLE.format(what="“Action 1”")]}
    assert fingerprint() == before


@pytest.mark.parametrize("role", ["performance_officer", "officer", "expert", "viewer"])
@pytest.mark.parametrize("items", ["good", "unknown"])
def test_only_an_owner_sends_back_whatever_the_items(cycle, as_role, role, items):
    submit_everything(cycle)
    pk = entry(cycle).pk if items == "good" else 10**7
    before = fingerprint()
    response = post(as_role(role), move_url(cycle, "send-back"), {"items": [{"progress": pk, "comment": "Why?"}]})
    assert response.status_code == 403
    assert response.json()["detail"] == services.NOT_YOUR_PLAN
    assert fingerprint() == before


@pytest.mark.parametrize("items", ["good", "unknown"])
def test_nothing_is_sent_back_from_a_signed_off_return(cycle, as_role, items):
    sign_off(submit_everything(cycle))
    pk = entry(cycle).pk if items == "good" else 10**7
    before = fingerprint()
    response = post(as_role("owner"), move_url(cycle, "send-back"), {"items": [{"progress": pk, "comment": "Why?"}]})
    assert response.status_code == 409
    assert response.json()["detail"] == services.LOCKED
    assert fingerprint() == before


def test_nothing_is_sent_back_in_a_closed_round(cycle, as_role):
    submit_everything(cycle)
    services.round_close(reporting_round=cycle.round, user=cycle["performance_officer"])
    before = fingerprint()
    response = post(as_role("owner"), move_url(cycle, "send-back"),
                    {"items": [{"progress": entry(cycle).pk, "comment": "Why?"}]})
    assert response.status_code == 409
    assert response.json()["detail"] == services.ROUND_CLOSED
    assert fingerprint() == before


def test_an_item_sent_back_is_amended_and_submitted_again(cycle, as_role):
    submit_everything(cycle)
    post(as_role("owner"), move_url(cycle, "send-back"), {"items": [{"progress": entry(cycle).pk, "comment": "Why?"}]})
    response = put(as_role("officer"), progress_url(cycle), SUBMITTED, **{"If-Match": '"2"'})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("submitted", 3)
    assert events(cycle)[-1] == ("submit", "returned", "submitted", "officer", "")


# ---------------------------------------------------------------------------------------------------------
# Reopening


def test_a_performance_officer_reopens_a_signed_off_return_with_a_reason(cycle, as_role):
    sign_off(submit_everything(cycle))
    before = len(events(cycle))
    response = post(as_role("performance_officer"), move_url(cycle, "reopen"), {"reason": "Figures revised by DWP"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["signed_off_at"]) == ("open", None)
    assert {(row["status"], row["version"]) for row in body["progress"] + body["values"]} == {("submitted", 3)}
    reason = "Figures revised by DWP"
    assert events(cycle)[before:] == [("reopen", "signed_off", "open", "performance_officer", reason)] + [
        ("reopen", "signed_off", "submitted", "performance_officer", reason)] * 5
    assert not Seal.objects.filter(plan=cycle.plan, period=cycle.round.period).exists()
    # Open again: the officer can change the progress with the new version.
    assert put(as_role("officer"), progress_url(cycle), SUBMITTED, **{"If-Match": '"3"'}).status_code == 200


@pytest.mark.parametrize("body", [{"reason": "  \n"}, {}, {"reason": ""}])
def test_a_reopening_needs_a_reason(cycle, as_role, body):
    sign_off(submit_everything(cycle))
    before = fingerprint()
    response = post(as_role("performance_officer"), move_url(cycle, "reopen"), body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"reason": [services.REASON_REQUIRED]}
    assert fingerprint() == before


def test_a_reason_longer_than_the_form_allows_is_refused(cycle, as_role):
    sign_off(submit_everything(cycle))
    before = fingerprint()
    response = post(as_role("performance_officer"), move_url(cycle, "reopen"), {"reason": "x" * 10_001})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["reason"]
    assert fingerprint() == before


@pytest.mark.parametrize("role", ["owner", "officer", "expert", "viewer"])
def test_only_a_performance_officer_reopens(cycle, as_role, role):
    sign_off(submit_everything(cycle))
    before = fingerprint()
    response = post(as_role(role), move_url(cycle, "reopen"), {"reason": "Figures revised by DWP"})
    assert response.status_code == 403
    assert response.json()["detail"] == services.NOT_PERFORMANCE_OFFICER
    assert fingerprint() == before


def test_an_open_return_is_not_reopened(cycle, as_role):
    submit_everything(cycle)
    before = fingerprint()
    response = post(as_role("performance_officer"), move_url(cycle, "reopen"), {"reason": "Just in case"})
    assert response.status_code == 409
    assert response.json()["detail"] == "You cannot reopen this return: it is open."
    assert fingerprint() == before


def test_no_reopening_in_a_closed_round(cycle, as_role):
    sign_off(submit_everything(cycle))
    services.round_close(reporting_round=cycle.round, user=cycle["performance_officer"])
    before = fingerprint()
    response = post(as_role("performance_officer"), move_url(cycle, "reopen"), {"reason": "Figures revised"})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("The round for this period is closed")
    assert fingerprint() == before


# ---------------------------------------------------------------------------------------------------------
# Another partnership's return, as a made-up one


@pytest.fixture
def bath_officer(cycle):
    """A performance officer of Bath and North East Somerset, who may do all of this in Bath but nothing in Coventry."""
    bath = make_partnership("Bath and North East Somerset")
    make_plan("CS 2012", partnership=bath, title="Children's Service", first_year=2012, last_year=2012)
    user = make_user("bath_po", "Bea Bath", Membership.Role.PERFORMANCE_OFFICER, partnership=bath)
    return TokenClient(key_for(user))


@pytest.mark.parametrize(("method", "move", "body"), [
    ("get", "progress", None), ("put", "progress", DRAFT), ("post", "sign-off", {}),
    ("post", "send-back", {"items": [{"progress": 1, "comment": "x"}]}), ("post", "reopen", {"reason": "x"}),
])
def test_another_partnerships_return_answers_404_as_a_made_up_one(cycle, bath_officer, method, move, body):
    submit_everything(cycle)
    if move == "reopen":
        sign_off(cycle)
    before = fingerprint()

    def ask(report_pk):
        address = (f"/api/v1/returns/{report_pk}/progress/{cycle.action.pk}/" if move == "progress"
                   else f"/api/v1/returns/{report_pk}/{move}/")
        if method == "get":
            return bath_officer.get(address)
        return getattr(bath_officer, method)(address, body, content_type="application/json")

    theirs, made_up = ask(cycle.report.pk), ask(10**7)
    assert theirs.status_code == made_up.status_code == 404
    assert theirs.json() == made_up.json()
    assert fingerprint() == before


def test_a_bath_return_cannot_name_a_coventry_action(cycle, bath_officer):
    bath_plan = Plan.objects.get(reference="CS 2012")
    bath_round = ReportingRound.objects.create(partnership=bath_plan.partnership, period=Period.for_code("2012/13-H1"),
                                               due_date="2012-10-31")
    bath_return = Return.objects.create(round=bath_round, plan=bath_plan)
    before = fingerprint()
    assert bath_officer.get(progress_url(cycle, report=bath_return)).status_code == 404
    assert put(bath_officer, progress_url(cycle, report=bath_return), DRAFT).status_code == 404
    assert fingerprint() == before


def test_anonymous_requests_are_refused(cycle, client):
    before = fingerprint()
    assert client.get(progress_url(cycle)).status_code == 401
    assert put(client, progress_url(cycle), DRAFT).status_code == 401
    for move in ("sign-off", "send-back", "reopen"):
        assert post(client, move_url(cycle, move), {"reason": "x"}).status_code == 401
    assert fingerprint() == before

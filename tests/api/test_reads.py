"""What the read endpoints answer: exact figures as strings, signed-off values for everyone and drafts only for
those who may see them, the filters, and hostile query strings answered 400 rather than 500."""

from __future__ import annotations

import pytest

from tests.cycle_builders import submit_value

pytestmark = pytest.mark.django_db


def _values(client, query=""):
    response = client.get(f"/api/v1/indicator-values/{query}")
    assert response.status_code == 200, response.content
    return [(row["indicator_code"], row["period"], row["value"], row["status"]) for row in response.json()["results"]]


SIGNED_OFF_HISTORY = [
    ("NI 152", "2007/08-Q1", "14.8000", "signed_off"),
    ("NI 152", "2007/08-Q2", "14.9000", "signed_off"),
    ("NI 152", "2007/08-Q3", "14.7000", "signed_off"),
    ("NI 152", "2007/08-Q4", "14.6000", "signed_off"),
]


def test_a_viewer_reads_signed_off_values_only(cycle, as_role):
    submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies")
    assert _values(as_role("viewer")) == SIGNED_OFF_HISTORY


@pytest.mark.parametrize("role", ["expert", "owner", "performance_officer"])
def test_the_expert_owner_and_performance_officer_read_drafts_too(cycle, as_role, role):
    submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies")
    assert _values(as_role(role)) == [*SIGNED_OFF_HISTORY, ("NI 152", "2008/09-Q1", "14.5000", "submitted")]


def test_a_lead_officer_does_not_read_drafts(cycle, as_role):
    submit_value(cycle, cycle.ni152, "14.5", commentary="Redundancies")
    assert _values(as_role("officer")) == SIGNED_OFF_HISTORY


def test_values_filter_by_code_period_range_and_plan(cycle, as_role):
    client = as_role("viewer")
    assert _values(client, "?indicator_code=NI+152&period_from=2007/08-Q2&period_to=2007/08-Q3") == \
        SIGNED_OFF_HISTORY[1:3]
    assert _values(client, f"?plan={cycle.plan.pk}&period_from=2007/08-Q4") == SIGNED_OFF_HISTORY[3:]
    assert _values(client, "?indicator_code=NI+117") == []
    assert _values(client, "?status=draft") == []


@pytest.mark.parametrize("query", [
    "?period_from=Q1", "?period_to=2008/10", "?plan=abc", "?plan=99999999999999999999999", "?plan=-1",
    "?status=lost", "?page=0", "?page=abc", "?indicator=1e400",
])
def test_bad_filters_answer_client_errors_in_problem_details(cycle, as_role, query):
    response = as_role("viewer").get(f"/api/v1/indicator-values/{query}")
    assert response.status_code in (400, 404), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code


def test_a_bad_period_is_explained_in_the_periods_own_words(cycle, as_role):
    response = as_role("viewer").get("/api/v1/indicator-values/?period_from=2008/10")
    assert response.json()["errors"] == {
        "period_from": ["'2008/10' is not a financial year: the second year must follow the first."]}


def test_a_plan_reads_with_its_actions_targets_and_sections(cycle, as_role):
    plan = as_role("viewer").get(f"/api/v1/plans/{cycle.plan.pk}/").json()
    assert (plan["reference"], plan["first_year"], plan["last_year"]) == ("NI 152", 2007, 2010)
    assert [action["title"] for action in plan["actions"]] == ["Action 1", "Action 2", "Action 3"]
    assert plan["actions"][0]["targets"] == [{"year": 2008, "value": "320.00"}]
    assert plan["actions"][0]["lead_officer"] == "Pat Morgan"


def test_an_indicator_reads_with_its_targets_and_plans(cycle, as_role):
    indicator = as_role("viewer").get(f"/api/v1/indicators/{cycle.ni152.pk}/").json()
    assert indicator["code"] == "NI 152" and indicator["polarity"] == "lower"
    assert indicator["targets"] == [{"year": 2008, "value": "14.3000"}]
    assert indicator["plans"] == [cycle.plan.pk]


def test_rounds_and_returns_read_with_their_status(cycle, as_role):
    client = as_role("viewer")
    rounds = client.get("/api/v1/rounds/").json()["results"]
    assert [(r["period"], r["status"], r["due_date"]) for r in rounds] == [("2008/09-Q1", "open", "2008-07-31")]
    returns = client.get(f"/api/v1/returns/?round={cycle.round.pk}").json()["results"]
    assert [(r["plan_reference"], r["period"], r["status"]) for r in returns] == [("NI 152", "2008/09-Q1", "open")]


def test_a_write_to_a_read_only_resource_answers_405(cycle, as_role):
    response = as_role("performance_officer").delete(f"/api/v1/plans/{cycle.plan.pk}/")
    assert response.status_code == 405
    assert response.json()["detail"] == 'Method "DELETE" not allowed.'


def test_pages_hold_at_most_500(cycle, as_role):
    response = as_role("viewer").get("/api/v1/indicator-values/?page_size=100000")
    assert response.status_code == 200 and response.json()["count"] == 4

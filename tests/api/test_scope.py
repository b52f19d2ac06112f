"""Each API request works in one partnership of its caller's (the X-Partnership header picks one when the caller
holds roles in several), and another partnership's objects are not found: 404, as a made-up id."""

from __future__ import annotations

import pytest

from monitoring.api import scope
from plans.models import Membership
from tests.api.conftest import TokenClient, key_for
from tests.builders import make_partnership, make_plan
from tests.cycle_builders import give_role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def bath(cycle):
    bath = make_partnership("Bath and North East Somerset")
    plan = make_plan("CS 2012", partnership=bath, title="Children's Service", first_year=2012, last_year=2012)
    viewer = make_user("bath_viewer", "Bea Bath", Membership.Role.STRATEGIC_GROUP, partnership=bath)
    return bath, plan, viewer


def test_a_token_sees_only_its_partnerships_plans(cycle, bath):
    _bath, bath_plan, viewer = bath
    response = TokenClient(key_for(viewer)).get("/api/v1/plans/")
    assert response.status_code == 200
    assert [plan["reference"] for plan in response.json()["results"]] == ["CS 2012"]
    assert TokenClient(key_for(viewer)).get(f"/api/v1/plans/{bath_plan.pk}/").status_code == 200


@pytest.mark.parametrize("resource", ["plans", "indicators", "rounds", "returns"])
def test_another_partnerships_object_answers_404_as_a_made_up_id(cycle, bath, resource):
    _bath, _plan, viewer = bath
    coventry_ids = {"plans": cycle.plan.pk, "indicators": cycle.ni152.pk, "rounds": cycle.round.pk,
                    "returns": cycle.report.pk}
    client = TokenClient(key_for(viewer))
    theirs = client.get(f"/api/v1/{resource}/{coventry_ids[resource]}/")
    made_up = client.get(f"/api/v1/{resource}/{10**7}/")
    assert theirs.status_code == made_up.status_code == 404
    assert theirs.json() == made_up.json()


def test_a_filter_with_another_partnerships_plan_finds_nothing(cycle, bath):
    _bath, _plan, viewer = bath
    response = TokenClient(key_for(viewer)).get(f"/api/v1/indicator-values/?plan={cycle.plan.pk}")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_a_caller_of_several_partnerships_must_name_one(cycle, bath):
    bath_partnership, _plan, _viewer = bath
    give_role(cycle["viewer"], Membership.Role.STRATEGIC_GROUP, partnership=bath_partnership)
    client = TokenClient(key_for(cycle["viewer"]))
    response = client.get("/api/v1/plans/")
    assert response.status_code == 400
    # By name: Bath and North East Somerset, then Test Partnership.
    ids = f"{bath_partnership.pk}, {cycle.plan.partnership_id}"
    assert response.json()["detail"] == scope.AMBIGUOUS.format(ids=ids)
    named = client.get("/api/v1/plans/", headers={"X-Partnership": str(bath_partnership.pk)})
    assert [plan["reference"] for plan in named.json()["results"]] == ["CS 2012"]
    by_query = client.get(f"/api/v1/plans/?partnership={cycle.plan.partnership_id}")
    assert [plan["reference"] for plan in by_query.json()["results"]] == ["NI 152"]


def test_naming_a_partnership_not_ones_own_is_refused_as_a_missing_one(cycle, bath):
    bath_partnership, _plan, _viewer = bath
    client = TokenClient(key_for(cycle["viewer"]))
    theirs = client.get("/api/v1/plans/", headers={"X-Partnership": str(bath_partnership.pk)})
    missing = client.get("/api/v1/plans/", headers={"X-Partnership": "9999999"})
    assert theirs.status_code == missing.status_code == 403
    assert theirs.json()["detail"] == scope.NOT_YOURS.format(id=bath_partnership.pk)


@pytest.mark.parametrize("header", ["Coventry", "1.5", "99999999999999999999999", "-1"])
def test_a_malformed_partnership_header_is_a_client_error(cycle, header):
    response = TokenClient(key_for(cycle["viewer"])).get("/api/v1/plans/", headers={"X-Partnership": header})
    assert response.status_code in (400, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_the_partnerships_list_shows_the_one_worked_in(cycle, bath):
    response = TokenClient(key_for(cycle["viewer"])).get("/api/v1/partnerships/")
    assert [p["id"] for p in response.json()["results"]] == [cycle.plan.partnership_id]


def test_a_browser_session_works_in_the_partnership_chosen_on_the_site(client, cycle, bath):
    bath_partnership, _plan, _viewer = bath
    give_role(cycle["viewer"], Membership.Role.STRATEGIC_GROUP, partnership=bath_partnership)
    client.force_login(cycle["viewer"])
    session = client.session
    session["partnership"] = bath_partnership.pk
    session.save()
    response = client.get("/api/v1/plans/")
    assert [plan["reference"] for plan in response.json()["results"]] == ["CS 2012"]

"""The demo is two partnerships: Coventry's NI 152 plan and Bath and North East Somerset's Children's Service plan
(with Bath's corporate objectives). Each partnership's logins see their own plans only; the site administrator
(`superadmin`) sees both."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from indicators.models import Indicator
from monitoring.models import ReportingRound
from plans import partnerships
from plans.models import CorporateObjective, Partnership, Person, Plan

pytestmark = pytest.mark.django_db

COVENTRY = "Coventry Partnership"
BATH = "Bath and North East Somerset"


@pytest.fixture
def demo():
    call_command("load_demo", "--demo-logins", "--today", "2026-12-02", stdout=StringIO())
    return {
        "ni152": Plan.objects.get(reference="NI 152"),
        "service_plan": Plan.objects.get(reference="CS 2012/13"),
    }


def sign_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "demo"})
    assert response.status_code == 302, f"{username} could not sign in with the password demo"
    return client


def in_partnership(name: str, model, **lookup):
    partnership = Partnership.objects.get(name=name)
    with partnerships.within([partnership.pk]):
        return list(model.objects.filter(**lookup))


def test_each_plan_and_what_hangs_from_it_is_its_partnerships(demo):
    assert sorted(Partnership.objects.values_list("name", flat=True)) == [BATH, COVENTRY]
    assert demo["ni152"].partnership.name == COVENTRY
    assert demo["service_plan"].partnership.name == BATH
    assert [plan.reference for plan in in_partnership(COVENTRY, Plan)] == ["NI 152"]
    assert [plan.reference for plan in in_partnership(BATH, Plan)] == ["CS 2012/13"]
    # The corporate objectives are Bath's council's, and Coventry has none.
    assert [objective.number for objective in in_partnership(BATH, CorporateObjective)] == [1, 2, 3, 4]
    assert in_partnership(COVENTRY, CorporateObjective) == []
    assert set(CorporateObjective.objects.values_list("partnership__name", flat=True)) == {BATH}
    # Indicators and people belong to the partnership whose plan names them.
    assert dict(Indicator.objects.values_list("code", "partnership__name"))["NI 152"] == COVENTRY
    service_plans = Indicator.objects.filter(plan_links__plan=demo["service_plan"])
    assert set(service_plans.values_list("partnership__name", flat=True)) == {BATH}
    assert Person.objects.get(name="Myles Mackie").partnership.name == COVENTRY
    assert Person.objects.get(name="Ashley Ayre").partnership.name == BATH


def test_the_history_rounds_are_each_partnerships_own(demo):
    rounds = {
        (r.period.code, r.partnership.name, r.status)
        for r in ReportingRound.objects.select_related("period", "partnership")
    }
    assert rounds == {
        ("2008/09-Q1", COVENTRY, "closed"), ("2008/09-Q2", COVENTRY, "closed"), ("2008/09-Q3", COVENTRY, "closed"),
        ("2008/09-Q4", COVENTRY, "closed"), ("2009/10-Q1", COVENTRY, "open"), ("2012/13-H1", BATH, "open"),
    }


@pytest.mark.parametrize(("username", "sees", "does_not_see"), [
    ("bath_viewer", "service_plan", "ni152"),
    ("viewer", "ni152", "service_plan"),
    ("bath_officer", "service_plan", "ni152"),
    ("admin", "ni152", "service_plan"),
])
def test_a_partnerships_login_sees_its_own_plans_only(client, demo, username, sees, does_not_see):
    sign_in(client, username)
    listing = client.get(reverse("plan_list")).content.decode()
    assert reverse("plan_detail", args=[demo[sees].pk]) in listing
    assert reverse("plan_detail", args=[demo[does_not_see].pk]) not in listing
    assert client.get(reverse("plan_detail", args=[demo[sees].pk])).status_code == 200
    assert client.get(reverse("plan_detail", args=[demo[does_not_see].pk])).status_code == 404


def test_the_site_administrator_sees_both_partnerships(client, demo):
    sign_in(client, "superadmin")
    listing = client.get(reverse("plan_list")).content.decode()
    for plan in (demo["ni152"], demo["service_plan"]):
        assert reverse("plan_detail", args=[plan.pk]) in listing
        assert client.get(reverse("plan_detail", args=[plan.pk])).status_code == 200


def test_admin_is_a_staff_performance_officer_whose_admin_site_shows_coventry_only(client, demo):
    sign_in(client, "admin")
    assert client.get(reverse("admin:index")).status_code == 200
    changelist = client.get(reverse("admin:plans_plan_changelist"))
    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert reverse("admin:plans_plan_change", args=[demo["ni152"].pk]) in page
    assert reverse("admin:plans_plan_change", args=[demo["service_plan"].pk]) not in page

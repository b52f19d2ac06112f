"""The overview's reads that row-level security made dear, read another way: each return's progress counted by
status and RAG in one subquery, and the owner filter's people found from the plans in scope.

The figures are the ones the overview showed before: the counts through its CSV export, for a return with entries of
every kind and for one with none; and the owner filter offers the people who sign off a plan of the partnerships in
scope, never someone who signs off only another partnership's plan.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from indicators.models import EntryStatus, Indicator, PlanIndicator
from monitoring.dashboards import filters
from monitoring.filters import plan_facets
from monitoring.models import ProgressReport, Return
from plans import partnerships
from plans.models import DeliveryAction, Membership, Person, PlanRole
from tests.builders import make_organisation, make_partnership, make_plan, test_partnership
from tests.cycle_builders import PASSWORD, make_cycle, make_user, submit_progress

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboard_overview")


def exported(client) -> dict[str, dict[str, str]]:
    """Return the overview's CSV export, each row by its plan's reference."""
    response = client.get(OVERVIEW, {"_export": "csv"})
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()
                                      if response.streaming else response.content.decode()))
    return {row["Plan"]: row for row in rows}


def test_a_returns_progress_is_counted_by_status_and_rag_and_a_return_without_any_counts_nothing(client):
    cycle = make_cycle(actions=5)
    first, second, third, fourth, _ = cycle.actions
    submit_progress(cycle, first, rag="red", not_available_reason="Counted at the year end")
    submit_progress(cycle, second, rag="amber", submit=False)  # reported, in draft
    submit_progress(cycle, third, rag="green")
    submit_progress(cycle, fourth, rag="green")
    ProgressReport.objects.filter(action=first).update(status=EntryStatus.SIGNED_OFF)
    # Summed up by its return (no headline indicator): its RAG is its actions' counts (its measures have no value).
    PlanIndicator.objects.filter(plan=cycle.plan).update(role=PlanIndicator.Role.SUPPORTING)
    quiet = make_plan("NI 999", first_year=2007, last_year=2010)
    for position in (1, 2):
        DeliveryAction.objects.create(plan=quiet, position=position, title=f"Quiet action {position}")
    Return.objects.create(round=cycle.round, plan=quiet)
    client.force_login(cycle["viewer"])

    rows = exported(client)

    ni152, ni999 = rows["NI 152"], rows["NI 999"]
    assert (ni152["Actions"], ni152["Actions reported"], ni152["Actions submitted"], ni152["Actions signed off"]) == (
        "5", "4", "3", "1")
    assert ni152["RAG"] == "1 red, 1 amber, 2 green"
    assert (ni999["Actions"], ni999["Actions reported"], ni999["Actions submitted"], ni999["Actions signed off"]) == (
        "2", "0", "0", "0")
    assert ni999["RAG"] == "0 red, 0 amber, 0 green"


def owner_choices(client) -> list[str]:
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    return [name for value, name in response.context["filter"].form.fields["owner"].choices if value]


def test_the_owner_filter_offers_the_signatories_of_the_plans_in_scope_only(client):
    cycle = make_cycle()  # Jane Beaver owns NI 152, its headline indicator, and signs it off
    bravo = make_partnership("Bravo Partnership")
    # Seen by both partnerships (her login holds a role in each), she signs off only Bravo's plan: as its strategic
    # director and as the owner of its headline indicator.
    both = make_user("both", "Bea Both", Membership.Role.STRATEGIC_GROUP)
    Membership.objects.create(user=both, partnership=bravo, role=Membership.Role.STRATEGIC_GROUP)
    bravo_plan = make_plan("B 1", partnership=bravo, first_year=2007, last_year=2010)
    PlanRole.objects.create(plan=bravo_plan, role=PlanRole.Role.STRATEGIC_DIRECTOR, person=both.person)
    bravo_headline = Indicator.objects.create(partnership=bravo, code="B H", name="Bravo headline")
    bravo_headline.owners.add(both.person)
    PlanIndicator.objects.create(plan=bravo_plan, indicator=bravo_headline, role=PlanIndicator.Role.HEADLINE)
    # A headline owner of the test partnership's second plan, who holds no role in it.
    other = make_plan("NI 153", first_year=2007, last_year=2010)
    headline = Indicator.objects.create(partnership=other.partnership, code="NI 153", name="Another headline")
    owner = make_user("owner_only", "Olive Owner")
    headline.owners.add(owner.person)
    PlanIndicator.objects.create(plan=other, indicator=headline, role=PlanIndicator.Role.HEADLINE)

    client.force_login(cycle["viewer"])
    assert owner_choices(client) == ["Jane Beaver", "Olive Owner"]
    assert client.get(OVERVIEW, {"owner": both.person.pk}).context["filter"].form.errors["owner"]

    client.force_login(both)  # in Bravo as well: her own plan's owner filter offers her
    with_bravo = owner_choices(client)
    assert "Bea Both" in with_bravo

    User.objects.create_superuser("site_admin", "site_admin@example.org", PASSWORD)
    client.force_login(User.objects.get(username="site_admin"))
    assert owner_choices(client) == ["Bea Both", "Jane Beaver", "Olive Owner"]


def shown_plans(client, **chosen) -> list[str]:
    response = client.get(OVERVIEW, chosen)
    assert response.status_code == 200
    return sorted(row.record.plan.reference for row in response.context["table"].rows)


def test_where_more_people_sign_off_than_a_list_can_hold_the_owner_is_found_by_part_of_a_name(client, monkeypatch):
    monkeypatch.setattr(filters, "OWNER_LIST_LIMIT", 1)  # two people sign off the plans in scope below
    cycle = make_cycle()  # Jane Beaver signs NI 152 off
    other = make_plan("NI 153", first_year=2007, last_year=2010)
    headline = Indicator.objects.create(partnership=other.partnership, code="NI 153", name="Another headline")
    headline.owners.add(make_user("owner_only", "Olive Owner").person)
    PlanIndicator.objects.create(plan=other, indicator=headline, role=PlanIndicator.Role.HEADLINE)
    bravo = make_partnership("Bravo Partnership")  # someone who signs off only another partnership's plan
    bravo_plan = make_plan("B 1", partnership=bravo, first_year=2007, last_year=2010)
    bravo_person = make_user("bravo_director", "Beatrice Beaverbrook", Membership.Role.STRATEGIC_GROUP,
                             partnership=bravo).person
    PlanRole.objects.create(plan=bravo_plan, role=PlanRole.Role.STRATEGIC_DIRECTOR, person=bravo_person)
    client.force_login(cycle["viewer"])

    page = client.get(OVERVIEW).content.decode()
    assert '<label class="govuk-label" for="id_owner">Owner (signs off): part of a name</label>' in page
    assert 'name="owner"' in page and "<option value=\"" + str(headline.owners.get().pk) + '"' not in page

    assert shown_plans(client) == ["NI 152", "NI 153"]
    assert shown_plans(client, owner="beaver") == ["NI 152"]  # a signatory (indicator owner), any case
    assert shown_plans(client, owner=" olive ") == ["NI 153"]  # the owner of a headline indicator, trimmed
    assert shown_plans(client, owner="Beaverbrook") == []  # Bravo's director: not of a plan this login sees
    assert "No plans match these filters." in client.get(OVERVIEW, {"owner": "Nobody at all"}).content.decode()

    # A pasted megabyte is not a name: the page answers, and gives back no more of it than the field takes.
    pasted = client.get(OVERVIEW, {"owner": "x" * 1_000_000})
    assert pasted.status_code == 200
    assert 'value="' + "x" * 100 + '"' in pasted.content.decode()
    assert pasted.context["filter"].form.errors["owner"]


def test_the_owner_filter_stays_a_list_up_to_its_limit(client, monkeypatch):
    monkeypatch.setattr(filters, "OWNER_LIST_LIMIT", 1)
    cycle = make_cycle()  # one person signs off: a list of one
    client.force_login(cycle["viewer"])
    assert owner_choices(client) == ["Jane Beaver"]
    assert shown_plans(client, owner=cycle["owner"].person.pk) == ["NI 152"]


def test_owner_choices_stop_at_their_limit_without_looking_for_headline_owners_once_the_signatories_reach_it():
    plan = make_plan("NI 152")
    signatories = [Person.objects.create(name=name, partnership=plan.partnership) for name in ("Cy", "Al", "Bo")]
    for person, role in zip(signatories, (PlanRole.Role.INDICATOR_OWNER, PlanRole.Role.STRATEGIC_DIRECTOR,
                                          PlanRole.Role.INDICATOR_OWNER), strict=True):
        PlanRole.objects.create(plan=plan, role=role, person=person)
    headline = Indicator.objects.create(partnership=plan.partnership, code="NI 152", name="Out of work benefits")
    headline.owners.add(Person.objects.create(name="Di", partnership=plan.partnership))
    PlanIndicator.objects.create(plan=plan, indicator=headline, role=PlanIndicator.Role.HEADLINE)

    with partnerships.within(frozenset([plan.partnership_id])):
        every = [name for _, name in filters.owner_choices()]
        up_to_five, up_to_four = ([name for _, name in filters.owner_choices(limit=limit)] for limit in (5, 4))
        up_to_two = filters.owner_choices(limit=2)
        up_to_three = {name for _, name in filters.owner_choices(limit=3)}

    assert every == up_to_five == up_to_four == ["Al", "Bo", "Cy", "Di"]  # under the limit: every one, by name
    assert len(up_to_two) == 2  # enough to know the list is too long
    assert up_to_three == {"Al", "Bo", "Cy"}  # three signatories reach it: the headline's owner is not looked for


def test_the_filters_offer_the_lead_partners_themes_and_years_of_the_plans_in_scope():
    make_plan("NI 152", lead_organisation=make_organisation("JCP", name="Jobcentre Plus"), theme="Economy",
              first_year=2008, last_year=2010)
    make_plan("NI 117", lead_organisation=make_organisation("CC", name="Coventry City Council"), theme="",
              first_year=2007, last_year=2008)
    bath = make_partnership("Bath and North East Somerset")
    make_plan("CS 2012/13", partnership=bath, lead_organisation=make_organisation("BANES", name="Bath Council"),
              theme="Children", first_year=2012, last_year=2013)

    with partnerships.within(frozenset([test_partnership().pk])):
        coventry = plan_facets()
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        everyone = plan_facets()

    assert [name for _, name in coventry.lead_partners] == ["Coventry City Council", "Jobcentre Plus"]
    assert coventry.themes == [("Economy", "Economy")]  # a plan with no theme offers none
    assert coventry.years == [(2007, "2007/08"), (2008, "2008/09"), (2009, "2009/10"), (2010, "2010/11")]
    assert [name for _, name in everyone.lead_partners] == ["Bath Council", "Coventry City Council", "Jobcentre Plus"]
    assert everyone.themes == [("Children", "Children"), ("Economy", "Economy")]
    assert everyone.years[0] == (2007, "2007/08") and everyone.years[-1] == (2013, "2013/14")

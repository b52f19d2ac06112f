"""The benchmark council generator: the shapes it promises, the same every time."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from funding.models import FundingAmount
from indicators.models import EntryStatus, Indicator, IndicatorValue
from monitoring.demo.council import Shape, generate_council
from monitoring.models import ProgressReport, ReportingRound, Return
from plans.models import CorporateObjective, DeliveryAction, Membership, Organisation, Partnership, Person, Plan

pytestmark = pytest.mark.django_db


def test_scale_one_makes_a_council_of_the_promised_size_and_shapes():
    call_command("generate_council", scale=1)
    assert Plan.objects.count() == 20
    assert Plan.objects.filter(reporting_frequency="half").count() == 4
    assert DeliveryAction.objects.count() == 400
    assert Indicator.objects.count() == 100
    assert Person.objects.filter(user__isnull=False).count() == 50
    assert ReportingRound.objects.count() == 5 * 4 + 5 * 2
    assert IndicatorValue.objects.count() == 16 * 5 * 20 + 4 * 5 * 10
    # The shapes of real plans: tbc amounts, actions with no lead officer, history and open rounds.
    assert FundingAmount.objects.filter(status="tbc").exists()
    assert DeliveryAction.objects.filter(lead_officer__isnull=True).count() == 40
    assert ReportingRound.objects.filter(status="open").count() == 2
    assert Return.objects.filter(status="signed_off").count() == 16 * 19 + 4 * 9
    open_statuses = set(ProgressReport.objects.filter(report__round__status="open").values_list("status", flat=True))
    assert open_statuses == {EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.RETURNED}


def test_the_council_is_one_partnership_whose_users_roles_are_memberships_of_it():
    generate_council(1, Shape(quarterly_plans=2, service_plans=1, actions_per_plan=2, indicators_per_plan=1, users=8))
    council = Partnership.objects.get()
    assert council.name == "Generated council"
    for model in (Plan, Person, Indicator, ReportingRound):
        assert set(model.objects.values_list("partnership", flat=True)) == {council.pk}, model
    assert not CorporateObjective.objects.exists()
    roles = list(Membership.objects.order_by("user__username").values_list("partnership", "role"))
    assert roles == [(council.pk, "lead_officer")] * 4 + [(council.pk, "data_expert")] * 2 + [
        (council.pk, "indicator_owner")] * 2
    assert not get_user_model().objects.filter(groups__isnull=False).exists()


def statuses():
    ordering = ("report__round__period__start", "report__plan__reference", "action__position")
    return list(ProgressReport.objects.order_by(*ordering).values_list("status", "rag", "outputs_achieved"))


def test_the_same_scale_gives_the_same_council():
    small = Shape(quarterly_plans=2, service_plans=1, actions_per_plan=3, indicators_per_plan=2, users=8)
    generate_council(1, small)
    first = statuses()
    for model in (ProgressReport, Return, ReportingRound, IndicatorValue, Plan, Indicator, Person, Organisation):
        model.objects.all().delete()
    get_user_model().objects.all().delete()
    generate_council(1, small)
    assert statuses() == first and len(first) > 0


def test_it_refuses_to_add_a_second_council():
    generate_council(1, Shape(quarterly_plans=1, service_plans=1, actions_per_plan=1, indicators_per_plan=1, users=4))
    with pytest.raises(CommandError, match="already in this database"):
        call_command("generate_council", scale=1)


def test_a_scale_out_of_range_is_refused():
    with pytest.raises(CommandError, match="from 1 to 100"):
        call_command("generate_council", scale=0)


def test_several_partnerships_are_each_a_council_walled_from_the_others(client):
    small = Shape(quarterly_plans=2, service_plans=1, actions_per_plan=2, indicators_per_plan=1, users=8)
    made = generate_council(1, small, partnership_count=3)

    assert made["partnerships"] == 3 and made["plans"] == 9 and made["users"] == 24
    names = list(Partnership.objects.order_by("name").values_list("name", flat=True))
    assert names == ["Generated council 001", "Generated council 002", "Generated council 003"]
    assert Organisation.objects.count() == 6  # shared, made once
    for partnership in Partnership.objects.all():
        assert Plan.objects.filter(partnership=partnership).count() == 3
        assert Indicator.objects.filter(partnership=partnership).count() == 3
        assert set(Membership.objects.filter(partnership=partnership).values_list("user__username", flat=True)) == {
            f"gen{partnership.name[-3:]}-{number:05d}" for number in range(8)}
    # A user of the second partnership sees its three plans only, by the same references as the others'.
    client.force_login(get_user_model().objects.get(username="gen002-00000"))
    listed = client.get("/plans/").content.decode()
    second = Partnership.objects.get(name="Generated council 002")
    for plan in Plan.objects.all():
        assert (f"/plans/{plan.pk}/" in listed) == (plan.partnership_id == second.pk)

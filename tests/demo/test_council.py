"""The benchmark council generator: the shapes it promises, the same every time."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from funding.models import FundingAmount
from indicators.models import EntryStatus, Indicator, IndicatorValue
from monitoring.demo.council import Shape, generate_council
from monitoring.models import ProgressReport, ReportingRound, Return
from plans.models import DeliveryAction, Organisation, Person, Plan

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

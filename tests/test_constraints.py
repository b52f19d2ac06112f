"""Structural rules live in the database: these prove each one refuses what it should."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from funding.models import BudgetEntry, BudgetTable, FundingAmount, FundingLine
from indicators.models import Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from plans.models import ActionTarget, DeliveryAction, Period, Risk
from tests.builders import make_partnership, make_plan, test_partnership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_partnership():
    """What the tests make belongs to the install's one partnership unless they say otherwise."""
    test_partnership()


def refused(create):
    """Return True if the database refuses the write (and leave the test's transaction usable)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def plan():
    return make_plan("NI 152")


@pytest.fixture
def indicator():
    return Indicator.objects.create(code="NI 152", name="Working age people on out of work benefits.")


def test_one_value_per_indicator_and_period(indicator):
    q1 = Period.for_code("2008/09-Q1")
    IndicatorValue.objects.create(indicator=indicator, period=q1, value=Decimal("14.6"))
    assert refused(lambda: IndicatorValue.objects.create(indicator=indicator, period=q1, value=Decimal("14.5")))


def test_one_target_per_indicator_and_year(indicator):
    IndicatorTarget.objects.create(indicator=indicator, year=2008, value=Decimal("14.3"))
    assert refused(lambda: IndicatorTarget.objects.create(indicator=indicator, year=2008, value=Decimal("14.0")))


def test_indicator_codes_are_unique_in_a_partnership_but_many_measures_may_have_none():
    Indicator.objects.create(code="NI 117", name="NEET")
    assert refused(lambda: Indicator.objects.create(code="NI 117", name="Another"))
    Indicator.objects.create(code="", name="Social Return On Investment")
    Indicator.objects.create(code="", name="Another local measure")
    assert Indicator.objects.filter(code="").count() == 2
    # Another partnership's NI 117 is another fact, and so is its plan NI 117.
    bath = make_partnership("Bath and North East Somerset")
    Indicator.objects.create(code="NI 117", name="NEET", partnership=bath)
    make_plan("NI 117", partnership=bath)
    assert refused(lambda: make_plan("NI 117", partnership=bath))
    assert Indicator.objects.filter(code="NI 117").count() == 2


def test_a_plan_has_at_most_one_headline_indicator(plan, indicator):
    other = Indicator.objects.create(code="NI 117", name="NEET")
    PlanIndicator.objects.create(plan=plan, indicator=indicator, role=PlanIndicator.Role.HEADLINE)
    assert refused(lambda: PlanIndicator.objects.create(plan=plan, indicator=other, role=PlanIndicator.Role.HEADLINE))
    PlanIndicator.objects.create(plan=plan, indicator=other, role=PlanIndicator.Role.SUPPORTING)


def test_one_output_target_per_action_and_year_and_never_negative(plan):
    action = DeliveryAction.objects.create(plan=plan, position=1, title="DAF (Deprived Area Fund)")
    ActionTarget.objects.create(action=action, year=2008, value=275)
    assert refused(lambda: ActionTarget.objects.create(action=action, year=2008, value=300))
    assert refused(lambda: ActionTarget.objects.create(action=action, year=2009, value=-1))


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 3), (3, 0), (3, 6)])
def test_risk_likelihood_and_impact_lie_from_1_to_5(plan, likelihood, impact):
    assert refused(
        lambda: Risk.objects.create(plan=plan, position=1, risk="Recession", likelihood=likelihood, impact=impact)
    )


def test_a_risk_may_wait_for_its_assessment(plan):
    risk = Risk.objects.create(plan=plan, position=1, risk="Economic Recession")
    assert risk.score is None
    risk.likelihood, risk.impact = 4, 5
    assert risk.score == 20


def test_a_funding_amount_is_a_number_or_tbc_never_both(plan):
    line = FundingLine.objects.create(plan=plan, position=1, name="LEGI")
    assert refused(lambda: FundingAmount.objects.create(line=line, year=2009, status="tbc", amount=Decimal(1)))
    assert refused(lambda: FundingAmount.objects.create(line=line, year=2009, status="amount", amount=None))
    assert refused(lambda: FundingAmount.objects.create(line=line, year=2009, amount=Decimal(-5)))
    FundingAmount.objects.create(line=line, year=2009, status="tbc")
    assert refused(lambda: FundingAmount.objects.create(line=line, year=2009, amount=Decimal(650000)))


def test_derived_budget_rows_cannot_be_typed(plan):
    table = BudgetTable.objects.create(plan=plan)
    assert refused(lambda: BudgetEntry.objects.create(table=table, row="proposed_base", year=2012, amount=1))
    assert refused(lambda: BudgetEntry.objects.create(table=table, row="opening", year=2012, amount=None))
    BudgetEntry.objects.create(table=table, row="opening", year=2012, amount=24117)


def test_a_plan_cannot_end_before_it_starts():
    assert refused(lambda: make_plan(first_year=2010, last_year=2008))


def test_periods_are_stored_once():
    Period.for_code("2008/09-Q1")
    assert refused(lambda: Period.objects.create(kind="quarter", start="2008-04-01", end="2008-06-30"))

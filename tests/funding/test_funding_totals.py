from decimal import Decimal

import pytest

from funding.models import (
    BudgetEntry,
    BudgetTable,
    BudgetYear,
    FundingAmount,
    FundingLine,
    funding_year_totals,
)
from tests.builders import make_plan

pytestmark = pytest.mark.django_db


def add_line(plan, position, name, amounts):
    line = FundingLine.objects.create(plan=plan, position=position, name=name)
    for year, amount in amounts.items():
        if amount == "tbc":
            FundingAmount.objects.create(line=line, year=year, status="tbc")
        else:
            FundingAmount.objects.create(line=line, year=year, amount=Decimal(amount))
    return line


def test_year_totals_add_known_amounts_and_count_the_unknown_ones():
    plan = make_plan(first_year=2008, last_year=2010)
    add_line(plan, 1, "LEGI", {2008: "650000", 2009: "tbc", 2010: "tbc"})
    add_line(plan, 2, "ESF Adult", {2008: "88237", 2009: "221355"})
    add_line(plan, 3, "DAF", {2008: "1070000"})

    totals = funding_year_totals(plan)

    assert totals[2008].amount == Decimal("1808237") and totals[2008].unknown == 0
    assert totals[2009].amount == Decimal("221355") and totals[2009].unknown == 1
    assert totals[2010].amount == 0 and totals[2010].unknown == 1 and totals[2010].count == 0


def test_a_line_total_runs_across_its_years():
    plan = make_plan()
    line = add_line(plan, 1, "ESF Adult", {2008: "88237", 2009: "221355"})
    total = line.total()
    assert (total.amount, total.unknown) == (Decimal("309592"), 0)


def test_an_amount_prints_as_the_plan_prints_it():
    assert FundingAmount(status="amount", amount=Decimal("12945888")).display == "£12,945,888"
    assert FundingAmount(status="tbc").display == "tbc"
    assert FundingAmount(status="none").display == "Not yet identified"


def budget_table(entries):
    plan = make_plan(kind="service", first_year=2012, last_year=2012, reporting_frequency="half")
    table = BudgetTable.objects.create(plan=plan)
    for year in (2011, 2012, 2013, 2014):
        BudgetYear.objects.create(table=table, year=year)
    for (row, year), amount in entries.items():
        if amount == "?":
            BudgetEntry.objects.create(table=table, row=row, year=year, is_unknown=True)
        else:
            BudgetEntry.objects.create(table=table, row=row, year=year, amount=amount)
    return table


SEED_BUDGET = {
    ("opening", 2011): 21180, ("opening", 2012): 24117, ("opening", 2013): 21149, ("opening", 2014): 20971,
    ("one_offs", 2012): -2840,
    ("base_reductions", 2012): -588, ("base_reductions", 2013): "?", ("base_reductions", 2014): "?",
    ("growth", 2012): 460, ("growth", 2013): "?", ("growth", 2014): "?",
    ("target", 2012): 21149, ("target", 2013): 20971, ("target", 2014): 20389,
    ("in_year", 2011): 2937,
}


def rows_by_name(table):
    return {row.row: [cell.value for cell in row.cells] for row in table.grid()}


def test_budget_derived_rows_are_computed_as_the_service_plan_shows_them():
    rows = rows_by_name(budget_table(SEED_BUDGET))
    assert rows["proposed_base"] == [21180, 21149, 21149, 20971]
    assert rows["deficit"] == [None, 0, 178, 582]
    assert rows["proposed_overall"] == [24117, 21149, 20971, 20389]


def test_a_derived_figure_built_on_a_question_mark_says_so():
    grid = {row.row: row for row in budget_table(SEED_BUDGET).grid()}
    assert [cell.incomplete for cell in grid["proposed_base"].cells] == [False, False, True, True]
    assert [cell.unknown for cell in grid["growth"].cells] == [False, False, True, True]


def test_a_year_without_an_opening_budget_derives_nothing():
    rows = rows_by_name(budget_table({("target", 2013): 100}))
    assert rows["proposed_base"] == [None, None, None, None]
    assert rows["deficit"] == [None, None, None, None]
    assert rows["proposed_overall"] == [None, None, None, None]


def test_a_surplus_is_a_negative_deficit():
    rows = rows_by_name(budget_table({("opening", 2013): 900, ("target", 2013): 1000}))
    assert rows["deficit"][2] == -100
    assert rows["proposed_overall"][2] == 1000

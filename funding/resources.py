"""Spreadsheet resources of the funding app: funding lines with their yearly amounts, and the medium-term budget
table of a service plan.

An amount cell holds a sum of money, 'tbc' (to be confirmed) or 'not yet identified'; a blank cell means the line
has no amount for that year, which is not the same as 0. The budget table's derived rows (proposed base budget,
deficit or surplus, proposed overall budget) are worked out, never imported.
"""

from __future__ import annotations

from decimal import Decimal

from funding.models import (
    DERIVED_ROWS,
    INPUT_ROWS,
    BudgetEntry,
    BudgetRow,
    BudgetTable,
    BudgetYear,
    FundingAmount,
    FundingLine,
)
from plans.resources import PlanTableResource, plan_key_columns
from plans.sheets import (
    MISSING,
    CellError,
    Column,
    cell_text,
    normalise,
    number_cell,
    read_decimal,
    read_year,
    write_year,
)

TBC_WORDS = {"tbc", "to be confirmed", "tbc."}
NOT_IDENTIFIED_WORDS = {"not yet identified", "none", "not identified", "n/a"}
TBC = "tbc"
NOT_IDENTIFIED = "not yet identified"


def read_amount(raw) -> tuple[str, Decimal | None] | None:
    """Read an amount cell: a sum ('£1,070,000'), 'tbc', 'not yet identified', or blank (None: no amount)."""
    text = normalise(raw)
    if not text:
        return None
    if text in TBC_WORDS:
        return FundingAmount.Status.TBC, None
    if text in NOT_IDENTIFIED_WORDS:
        return FundingAmount.Status.NOT_IDENTIFIED, None
    try:
        amount = read_decimal(raw, places=2, low=Decimal(0), example="1070000", whole_digits=12)
    except CellError as error:
        raise CellError(f"{error} You can also write tbc or not yet identified.") from None
    return FundingAmount.Status.AMOUNT, amount


def write_amount(amount: FundingAmount):
    if amount.status == FundingAmount.Status.AMOUNT:
        return number_cell(amount.amount)
    return TBC if amount.status == FundingAmount.Status.TBC else NOT_IDENTIFIED


class FundingLineResource(PlanTableResource):
    kind = "funding"
    label = "Funding lines with their yearly amounts"
    sheet = "Funding"
    noun = "funding line"
    year_prefix = ""
    year_help = "The line's amount for the year in pounds, tbc, or not yet identified; blank when there is none."
    year_example = 1070000
    prefetch_related = ("amounts",)
    columns = (
        *plan_key_columns("The line's row in the funding table: 1, 2, 3."),
        Column("Funding stream", attr="name", example="Working Neighbourhoods Fund",
               help="Needed for a new line."),
        Column("Comment", attr="comment", help="Comment or rationale."),
    )

    class Meta:
        model = FundingLine

    def years_of(self, instance):
        return {amount.year: write_amount(amount) for amount in instance.amounts.all()}

    def read_year_cell(self, instance, year, raw):
        amount = read_amount(raw)
        if amount is None:
            return None
        self.check_plan_year(self.plan_of(instance.plan_id), year)
        status, value = amount
        return number_cell(value) if status == FundingAmount.Status.AMOUNT else (
            TBC if status == FundingAmount.Status.TBC else NOT_IDENTIFIED
        )

    def store_years(self, instance, figures):
        stored = {amount.year: amount for amount in instance.amounts.all()}
        instance.amounts.filter(year__in=[year for year in stored if year not in figures]).delete()
        for year, figure in figures.items():
            status, amount = (FundingAmount.Status.AMOUNT, figure) if isinstance(figure, Decimal) else (
                (FundingAmount.Status.TBC if figure == TBC else FundingAmount.Status.NOT_IDENTIFIED), None
            )
            row = stored.get(year)
            if row is None:
                FundingAmount.objects.create(line=instance, year=year, status=status, amount=amount)
            elif row.status != status or row.amount != amount:
                row.status, row.amount = status, amount
                row.save(update_fields=["status", "amount"])

    def export_years(self, objects):
        years = set()
        for line in objects:
            years.update(self.plan_of(line.plan_id).years)
            years.update(amount.year for amount in line.amounts.all())
        return sorted(years)

    def describe(self, instance):
        return f"{self.plan_of(instance.plan_id).reference} funding line {instance.position}: {instance.name[:60]}"


class BudgetTableResource(PlanTableResource):
    label = "Budget tables"
    sheet = "Budget tables"
    noun = "budget table"
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="CS 2012/13"),
        Column("Title", attr="title", example="Summary from Medium Term Service & Resource Plan"),
        Column("Unit", attr="unit_label", text=True, example="£'000"),
    )

    class Meta:
        model = BudgetTable

    def saved(self, instance):
        self.lookups.forget("budget-tables")

    def describe(self, instance):
        return f"{self.plan_of(instance.plan_id).reference} budget table"


class BudgetLookups:
    """The budget table of each plan in a file; rows of the budget sheets name the plan, not the table."""

    def tables(self) -> dict[int, BudgetTable]:
        return self.lookups.get("budget-tables", lambda: {t.plan_id: t for t in BudgetTable.objects.all()})

    def table_of(self, row) -> BudgetTable | object:
        plan = self.cell(row, "Plan")
        if plan in (None, MISSING):
            if plan is None:
                self.problem("Plan", "This cell is empty. Enter the plan's reference.")
            return MISSING
        table = self.tables().get(plan.pk)
        if table is None:
            self.problem("Plan", f"{plan.reference} has no budget table. Add it on the 'Budget tables' sheet first.")
            return MISSING
        return table

    def existing_queryset(self):
        plans = self.file_plans
        return self._meta.model.objects.filter(table__plan__in=plans).select_related("table__plan")

    def export_queryset(self, plans=None):
        queryset = self._meta.model.objects.select_related("table__plan")
        return queryset.filter(table__plan__in=list(plans)) if plans is not None else queryset


class BudgetYearResource(BudgetLookups, PlanTableResource):
    label = "Budget table years"
    sheet = "Budget years"
    noun = "budget year"
    columns = (
        Column("Plan", read="read_plan", key=True, text=True, example="CS 2012/13"),
        Column("Year", attr="year", read=read_year, write=write_year, key=True, text=True, example="2012/13"),
        Column("Note", attr="note", help="Printed after the year: (for comparison).", example="(for comparison)"),
    )

    class Meta:
        model = BudgetYear

    def row_key(self, row):
        table = self.table_of(row)
        year = self.cell(row, "Year")
        if year is None:
            self.problem("Year", "This cell is empty. Enter the year, like 2012/13.")
        if table is MISSING or year in (None, MISSING):
            return MISSING
        return (table.pk, year)

    def instance_key(self, instance):
        return (instance.table_id, instance.year)

    def new_instance(self, key):
        return BudgetYear(table_id=key[0], year=key[1])

    def state(self, instance):
        state = super().state(instance)
        state["Plan"] = self.plan_of(self.table_plan(instance)).reference
        return state

    def table_plan(self, instance) -> int:
        return next(plan_id for plan_id, table in self.tables().items() if table.pk == instance.table_id)

    def describe_key(self, key):
        return f"the year {write_year(key[1])}"

    def describe(self, instance):
        return f"{self.plan_of(self.table_plan(instance)).reference} budget year {write_year(instance.year)}"


BUDGET_ROWS = {normalise(row.label): row for row in BudgetRow} | {normalise(row.value): row for row in BudgetRow}


def read_budget_row(raw) -> str | None:
    text = cell_text(raw)
    if not text:
        return None
    row = BUDGET_ROWS.get(normalise(text))
    if row is None:
        raise CellError(f"'{text}' is not a row of the budget table. The rows are: "
                        f"{', '.join(row.label for row in INPUT_ROWS)}.")
    if row in DERIVED_ROWS:
        raise CellError(f"'{row.label}' is worked out from the other rows, so it is not imported. Delete this row.")
    return row.value


def read_budget_amount(raw) -> tuple[Decimal | None, bool] | None:
    """Read a budget figure in thousands: a whole number, or '?' while it is unknown; blank is None."""
    text = cell_text(raw)
    if not text:
        return None
    if text == "?":
        return None, True
    try:
        return read_decimal(raw, places=0, example="1250", whole_digits=12), False
    except CellError as error:
        raise CellError(f"{error} Write ? while the figure is unknown.") from None


class BudgetEntryResource(BudgetLookups, PlanTableResource):
    label = "Budget table figures"
    sheet = "Budget entries"
    noun = "budget figure"
    columns = (
        Column("Plan", read="read_plan", key=True, text=True, example="CS 2012/13"),
        Column("Row", attr="row", read=read_budget_row, write=lambda row: BudgetRow(row).label, key=True,
               example="Opening Budget", help="One of the typed rows of the table; the derived rows are worked out."),
        Column("Year", attr="year", read=read_year, write=write_year, key=True, text=True, example="2012/13"),
        Column("Amount", read="read_entry_amount", required=True, example=1250,
               help="In the table's unit (thousands of pounds): a whole number, or ? while unknown."),
    )

    class Meta:
        model = BudgetEntry

    def read_entry_amount(self, raw):
        figure = read_budget_amount(raw)
        if figure is None:
            raise CellError("This cell is empty. Enter the figure, or ? while it is unknown.")
        return figure

    def row_key(self, row):
        table = self.table_of(row)
        name = self.cell(row, "Row")
        year = self.cell(row, "Year")
        for column, value in (("Row", name), ("Year", year)):
            if value is None:
                self.problem(column, f"This cell is empty. Enter the {column.lower()}.")
        if table is MISSING or name in (None, MISSING) or year in (None, MISSING):
            return MISSING
        return (table.pk, name, year)

    def instance_key(self, instance):
        return (instance.table_id, instance.row, instance.year)

    def new_instance(self, key):
        return BudgetEntry(table_id=key[0], row=key[1], year=key[2])

    def read_row(self, instance, row, is_new):
        super().read_row(instance, row, is_new)
        figure = self.cell(row, "Amount")
        if figure is not MISSING:
            instance.amount, instance.is_unknown = figure

    def state(self, instance):
        state = super().state(instance)
        plan_id = next(plan_id for plan_id, table in self.tables().items() if table.pk == instance.table_id)
        state["Plan"] = self.plan_of(plan_id).reference
        state["Amount"] = "?" if instance.is_unknown else number_cell(instance.amount)
        return state

    def export_table(self, objects):
        order = {row.value: index for index, row in enumerate(BudgetRow)}
        objects = sorted(objects, key=lambda entry: (entry.table.plan.reference, order[entry.row], entry.year))
        return super().export_table(objects)

    def describe_key(self, key):
        return f"{BudgetRow(key[1]).label} in {write_year(key[2])}"

    def describe(self, instance):
        return f"{BudgetRow(instance.row).label} {write_year(instance.year)}"

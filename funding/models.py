"""Funding lines with their yearly amounts, and a service plan's medium-term budget table."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum

from plans import periods
from plans.models import PLAN_ITEM_TEXT, Plan, text_field, year_field
from plans.partnerships import PartnershipOwned

MONEY = {"max_digits": 14, "decimal_places": 2}


@dataclass
class Total:
    """A sum of funding amounts that tells 'tbc' (an amount still to come) from 'not yet identified' (none found).

    A total with amounts to be confirmed prints as '£871,355 plus tbc'; lines with no funding identified add
    nothing, as in the plan's own TOTAL row.
    """

    amount: Decimal = Decimal(0)
    known: int = 0
    tbc: int = 0
    not_identified: int = 0

    @property
    def count(self) -> int:
        return self.known

    @property
    def unknown(self) -> int:
        return self.tbc + self.not_identified

    @property
    def is_empty(self) -> bool:
        return self.known == 0 and self.unknown == 0

    def add(self, amount: FundingAmount) -> None:
        """Count one line's amount for one year into the total."""
        if amount.status == FundingAmount.Status.AMOUNT:
            self.amount += amount.amount
            self.known += 1
        elif amount.status == FundingAmount.Status.TBC:
            self.tbc += 1
        else:
            self.not_identified += 1

    def include(self, other: Total) -> None:
        """Add another total into this one (column totals into the grand total)."""
        self.amount += other.amount
        self.known += other.known
        self.tbc += other.tbc
        self.not_identified += other.not_identified


class FundingLine(PartnershipOwned):
    """A funding stream in a plan's funding and planned spend table."""

    partnership_path = "plan__partnership"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="funding_lines")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300, verbose_name="funding stream")
    comment = text_field(PLAN_ITEM_TEXT, blank=True, verbose_name="comment or rationale")

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="fundingline_unique_position")]

    def __str__(self):
        return self.name

    def total(self) -> Total:
        """Return the line's total over its years; uses prefetched amounts when there are some."""
        total = Total()
        for amount in self.amounts.all():
            total.add(amount)
        return total


class FundingAmount(PartnershipOwned):
    """A line's amount for one year: a sum of money, 'tbc', or not yet identified. No row is blank."""

    partnership_path = "line__plan__partnership"

    class Status(models.TextChoices):
        AMOUNT = "amount", "Amount"
        TBC = "tbc", "To be confirmed"
        NOT_IDENTIFIED = "none", "Not yet identified"

    line = models.ForeignKey(FundingLine, on_delete=models.CASCADE, related_name="amounts")
    year = year_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AMOUNT)
    amount = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["line", "year"]
        constraints = [
            models.UniqueConstraint(fields=["line", "year"], name="fundingamount_unique_year"),
            models.CheckConstraint(
                condition=Q(status="amount", amount__isnull=False) | (~Q(status="amount") & Q(amount__isnull=True)),
                name="fundingamount_amount_iff_known",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0) | Q(amount__isnull=True), name="fundingamount_not_negative"),
        ]

    def __str__(self):
        return f"{self.line} {periods.year_label(self.year)}: {self.display}"

    @property
    def display(self) -> str:
        """Return the amount as the plan prints it: '£1,070,000', 'tbc' or 'Not yet identified'."""
        if self.status == self.Status.AMOUNT:
            return f"£{self.amount:,.0f}" if self.amount == self.amount.to_integral() else f"£{self.amount:,.2f}"
        if self.status == self.Status.TBC:
            return "tbc"
        return "Not yet identified"

    def clean(self):
        if self.status == self.Status.AMOUNT and self.amount is None:
            raise ValidationError({"amount": "Enter the amount, or choose 'To be confirmed'."})
        if self.status != self.Status.AMOUNT and self.amount is not None:
            raise ValidationError({"amount": "Leave the amount empty when it is not yet known."})
        if self.line_id and not self.line.plan.covers_year(self.year):
            raise ValidationError({"year": f"The plan does not cover {periods.year_label(self.year)}."})


def funding_year_totals(plan: Plan) -> dict[int, Total]:
    """Return each year's column total for a plan's funding table, in one query."""
    totals = {year: Total() for year in plan.years}
    rows = (
        FundingAmount.objects.filter(line__plan=plan)
        .values("year", "status")
        .annotate(amount=Sum("amount"), rows=models.Count("pk"))
    )
    for row in rows:
        total = totals.setdefault(row["year"], Total())
        if row["status"] == FundingAmount.Status.AMOUNT:
            total.amount += row["amount"]
            total.known += row["rows"]
        elif row["status"] == FundingAmount.Status.TBC:
            total.tbc += row["rows"]
        else:
            total.not_identified += row["rows"]
    return totals


class BudgetTable(PartnershipOwned):
    """A service plan's summary from the medium-term service and resource plan, in thousands of pounds."""

    partnership_path = "plan__partnership"

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="budget_table")
    title = models.CharField(max_length=300, default="Summary from Medium Term Service & Resource Plan")
    unit_label = models.CharField(max_length=20, default="£'000")

    def __str__(self):
        return f"{self.plan.reference}: {self.title}"

    def grid(
        self, *, years: list[BudgetYear] | None = None, entries: list[BudgetEntry] | None = None
    ) -> list[BudgetGridRow]:
        """Return every row of the table in print order, with the derived rows computed.

        The columns and the typed figures are the table's own unless given, already fetched.
        """
        years = list(self.years.all()) if years is None else years
        entries = {(entry.row, entry.year): entry for entry in (self.entries.all() if entries is None else entries)}
        grid = []
        for row in BudgetRow:
            cells = []
            for year in years:
                if row in DERIVED_ROWS:
                    cell = _derive(row, year.year, entries)
                else:
                    entry = entries.get((row, year.year))
                    cell = BudgetCell(
                        value=entry.amount if entry else None, unknown=bool(entry and entry.is_unknown)
                    )
                cells.append(cell)
            grid.append(BudgetGridRow(row=row, label=row.label, is_derived=row in DERIVED_ROWS, cells=cells))
        return grid


class BudgetYear(PartnershipOwned):
    """A column of a budget table."""

    partnership_path = "table__plan__partnership"

    table = models.ForeignKey(BudgetTable, on_delete=models.CASCADE, related_name="years")
    year = year_field()
    note = models.CharField(max_length=100, blank=True, help_text="Printed after the year: (for comparison).")

    class Meta:
        ordering = ["table", "year"]
        constraints = [models.UniqueConstraint(fields=["table", "year"], name="budgetyear_unique")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{periods.year_label(self.year)} {self.note}".strip()


class BudgetRow(models.TextChoices):
    """The rows of the medium-term budget table, in print order."""

    OPENING = "opening", "Opening Budget"
    ONE_OFFS = "one_offs", "Removal of one-offs"
    BASE_REDUCTIONS = "base_reductions", "Service Proposed Base Reductions to Balance Budgets"
    GROWTH = "growth", "Service Proposed Growth"
    PROPOSED_BASE = "proposed_base", "Proposed Base Budget"
    TARGET = "target", "Target Budget"
    DEFICIT = "deficit", "Deficit / (Surplus)"
    STRETCH = "stretch", "Additional Stretch Reductions"
    IN_YEAR = "in_year", "In Year Adjustments"
    PROPOSED_OVERALL = "proposed_overall", "Proposed Overall Budget"


DERIVED_ROWS = {BudgetRow.PROPOSED_BASE, BudgetRow.DEFICIT, BudgetRow.PROPOSED_OVERALL}
INPUT_ROWS = [row for row in BudgetRow if row not in DERIVED_ROWS]


class BudgetEntry(PartnershipOwned):
    """A typed figure of a budget table: an amount in thousands, or '?' while it is unknown."""

    partnership_path = "table__plan__partnership"

    table = models.ForeignKey(BudgetTable, on_delete=models.CASCADE, related_name="entries")
    row = models.CharField(max_length=20, choices=[(row.value, row.label) for row in INPUT_ROWS])
    year = year_field()
    amount = models.DecimalField(null=True, blank=True, max_digits=12, decimal_places=0)
    is_unknown = models.BooleanField(default=False, help_text="Printed as '?'.")

    class Meta:
        ordering = ["table", "row", "year"]
        verbose_name_plural = "budget entries"
        constraints = [
            models.UniqueConstraint(fields=["table", "row", "year"], name="budgetentry_unique"),
            models.CheckConstraint(
                condition=Q(row__in=[row.value for row in INPUT_ROWS]), name="budgetentry_only_input_rows"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False, is_unknown=False) | Q(amount__isnull=True, is_unknown=True),
                name="budgetentry_amount_or_unknown",
            ),
        ]

    def __str__(self):
        return f"{self.get_row_display()} {periods.year_label(self.year)}"


@dataclass
class BudgetCell:
    value: Decimal | None = None
    unknown: bool = False
    incomplete: bool = field(default=False, metadata={"doc": "Derived from a figure that is still '?'."})


@dataclass
class BudgetGridRow:
    row: str
    label: str
    is_derived: bool
    cells: list[BudgetCell]


def _derive(row: str, year: int, entries: dict) -> BudgetCell:
    """Compute a derived row for one year from the typed entries of that year."""

    def typed(name):
        entry = entries.get((name, year))
        return (entry.amount if entry else None), bool(entry and entry.is_unknown)

    def total_of(names):
        values = [typed(name) for name in names]
        if values[0][0] is None:
            return BudgetCell()
        amount = sum((value for value, _ in values if value is not None), Decimal(0))
        return BudgetCell(value=amount, incomplete=any(unknown for _, unknown in values))

    proposed_base = total_of([BudgetRow.OPENING, BudgetRow.ONE_OFFS, BudgetRow.BASE_REDUCTIONS, BudgetRow.GROWTH])
    if row == BudgetRow.PROPOSED_BASE:
        return proposed_base
    target, _ = typed(BudgetRow.TARGET)
    deficit = BudgetCell()
    if proposed_base.value is not None and target is not None:
        deficit = BudgetCell(value=proposed_base.value - target, incomplete=proposed_base.incomplete)
    if row == BudgetRow.DEFICIT:
        return deficit
    if proposed_base.value is None:
        return BudgetCell()
    stretch, stretch_unknown = typed(BudgetRow.STRETCH)
    in_year, in_year_unknown = typed(BudgetRow.IN_YEAR)
    overall = proposed_base.value - (deficit.value or 0) + (stretch or 0) + (in_year or 0)
    return BudgetCell(
        value=overall, incomplete=proposed_base.incomplete or stretch_unknown or in_year_unknown
    )

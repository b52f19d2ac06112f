"""The outcome of an import (its problems, each sheet's counts, its record) and running one table through a resource.

Shared by the single-table imports (monitoring.spreadsheets.imports) and the whole-plan workbook
(monitoring.spreadsheets.workbook).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field

import tablib

from monitoring.models import ImportRecord
from monitoring.spreadsheets.files import Table
from plans.seals import LOCKED, is_sealed_refusal
from plans.sheets import (
    CHANGED,
    NEW,
    ROW,
    UNCHANGED,
    RowChange,
    SheetResource,
    column_letter,
)

SHOWN_PROBLEMS = 1000  # problems listed on a page; the rest are counted


@dataclass
class Problem:
    """A problem with a file, a row or a cell, in words; sheet, row and column say where."""

    message: str
    row: int | None = None
    column: str | None = None
    letter: str | None = None
    sheet: str | None = None

    @property
    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"Sheet '{self.sheet}'")
        if self.row:
            parts.append(f"row {self.row}" if parts else f"Row {self.row}")
        if self.column:
            text = f"column {self.letter} ({self.column})" if self.letter else f"column {self.column}"
            parts.append(text)
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class SheetOutcome:
    """What importing one sheet (or a CSV file) would do, or did."""

    name: str
    label: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    changes: list[RowChange] = field(default_factory=list)
    to_confirm: list[Problem] = field(default_factory=list)  # rows the importer must confirm (outliers)

    @property
    def to_write(self) -> int:
        return self.new + self.changed


@dataclass
class Outcome:
    """The result of checking or applying a file: per sheet counts, every problem, notices, and the record."""

    kind: str
    label: str  # what was imported, in words: 'Indicator values', 'A whole plan (workbook)'
    file_name: str
    sheets: list[SheetOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    applied: bool = False
    record: ImportRecord | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def total(self, name: str) -> int:
        return sum(getattr(sheet, name) for sheet in self.sheets)

    @property
    def rows(self) -> int:
        return self.total("rows")

    @property
    def new(self) -> int:
        return self.total("new")

    @property
    def changed(self) -> int:
        return self.total("changed")

    @property
    def unchanged(self) -> int:
        return self.total("unchanged")

    @property
    def to_confirm(self) -> list[Problem]:
        """Return the rows, every sheet's, that the importer must confirm before they are written: outliers."""
        return [problem for sheet in self.sheets for problem in sheet.to_confirm]

    @property
    def shown_problems(self) -> list[Problem]:
        return self.problems[:SHOWN_PROBLEMS]

    @property
    def hidden_problems(self) -> int:
        return max(0, len(self.problems) - SHOWN_PROBLEMS)

    def summary(self) -> str:
        return (f"{self.rows:,} row{'s' if self.rows != 1 else ''}: {self.new:,} new, {self.changed:,} changed, "
                f"{self.unchanged:,} unchanged")


class Rollback(Exception):
    """Raised inside the import's transaction to undo it: a preview, or a file with problems."""


# --- running an import ---------------------------------------------------------------------------------------


def run_table(resource: SheetResource, table: Table, *, dry_run: bool,
              sheet: str | None = None) -> tuple[SheetOutcome, list[Problem], list[str]]:
    """Import one table with its resource; return what it did, the problems by row and column, and notices."""
    outcome = SheetOutcome(name=table.name or resource.sheet, label=resource.label, rows=len(table.rows))
    names, header_problems, notices = resource.match_headers(table.headers)
    if header_problems:
        return outcome, [Problem(message, sheet=sheet) for message in header_problems], notices
    resource.row_numbers = table.row_numbers
    dataset = tablib.Dataset(*table.rows, headers=names)
    result = resource.import_data(
        dataset, dry_run=dry_run, raise_errors=False, use_transactions=True, rollback_on_validation_errors=True
    )
    problems: list[Problem] = []
    letters = {name: column_letter(index) for index, name in enumerate(names)}
    order = {name: index for index, name in enumerate(names)}
    for invalid in result.invalid_rows:
        row = resource.sheet_row(invalid.number)
        for column, messages in invalid.error_dict.items():
            for message in messages:
                if column == ROW:
                    problems.append(Problem(message, row=row, sheet=sheet))
                else:
                    problems.append(Problem(message, row=row, column=column, letter=letters.get(column), sheet=sheet))
    for error_row in result.error_rows:
        for error in error_row.errors:
            problems.append(Problem(
                LOCKED if is_sealed_refusal(error.error) else
                f"This row could not be imported ({type(error.error).__name__}: {error.error}).",
                row=resource.sheet_row(error_row.number), sheet=sheet,
            ))
    for error in result.base_errors:
        problems.append(Problem(
            f"The file could not be imported: {LOCKED}" if is_sealed_refusal(error.error) else
            f"The file could not be imported ({type(error.error).__name__}: {error.error}).", sheet=sheet,
        ))
    problems.sort(key=lambda problem: (problem.row or 0, -1 if problem.column is None else order.get(problem.column, 0)))
    outcome.to_confirm = [Problem(message, row=row, column=column, letter=letters.get(column), sheet=sheet)
                          for row, column, message in resource.to_confirm]
    outcome.new = resource.counts[NEW]
    outcome.changed = resource.counts[CHANGED]
    outcome.unchanged = resource.counts[UNCHANGED]
    outcome.changes = resource.changes
    return outcome, problems, notices


def refuse_unconfirmed(outcome: Outcome, confirmed: bool | Collection[tuple[str | None, int]]) -> None:
    """Make a problem of every row to confirm that the importer has not confirmed, so that nothing is applied.

    `confirmed` is True when the importer confirmed every such row (`import_data --confirm-outliers`), or the
    places (sheet, row) they confirmed, as the upload page listed them before its "I have checked" box was ticked.
    """
    for problem in outcome.to_confirm:
        if confirmed is True or (confirmed and (problem.sheet, problem.row) in confirmed):
            continue
        outcome.problems.append(Problem(
            f"{problem.message} It has not been confirmed: check it, then confirm it or correct it.",
            row=problem.row, column=problem.column, letter=problem.letter, sheet=problem.sheet,
        ))
    order = {sheet.name: index for index, sheet in enumerate(outcome.sheets)}
    outcome.problems.sort(key=lambda problem: (order.get(problem.sheet, -1), problem.row or 0))  # stable: columns


def checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def start_record(kind, content, file_name, user, via) -> ImportRecord:
    return ImportRecord.objects.create(
        kind=kind, file_name=file_name[:255], file_size=len(content), checksum=checksum(content),
        user=user if user is not None and user.is_authenticated else None, via=via,
    )


def history_reason(record: ImportRecord | None, file_name: str) -> str:
    """Return the history's change reason (at most 100 characters) naming the import and its file."""
    prefix = f"Import {record.pk}: " if record else "Import: "
    return (prefix + file_name)[:100]


def finish_record(record: ImportRecord, outcome: Outcome) -> ImportRecord:
    record.rows, record.created, record.changed, record.unchanged = (
        outcome.rows, outcome.new, outcome.changed, outcome.unchanged
    )
    if len(outcome.sheets) > 1:
        record.details = {
            sheet.name: {"rows": sheet.rows, "new": sheet.new, "changed": sheet.changed, "unchanged": sheet.unchanged}
            for sheet in outcome.sheets
        }
    record.save()
    return record



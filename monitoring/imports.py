"""Spreadsheet imports and exports: read a file, check every row, preview what it would do, then apply it.

One path serves the upload page, the admin (whose Import buttons lead to the upload page) and
`manage.py import_data`, so that every import gets the same checks:

- The file is judged by its content, never its name (monitoring.security.check_upload): an Excel workbook (.xlsx)
  or UTF-8 CSV, not empty, not over IMPORT_MAX_UPLOAD_BYTES.
- Its headings must be the kind's columns (missing, unknown and repeated headings are all listed), and every
  row is checked by the kind's resource (plans/indicators/funding `resources.py`): problems are reported by
  sheet row and column, in words.
- All or nothing: one problem anywhere and nothing is saved. A preview runs the whole import and rolls it back.
- A data expert may import values only for the indicators they look after; a performance officer may import
  anything. Values that have been signed off are never changed (the values resource refuses such a row).
- An applied import is recorded (ImportRecord), and every value it changed keeps its history with the user.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from funding.resources import FundingLineResource
from indicators.models import Indicator
from indicators.resources import IndicatorResource, IndicatorValueResource
from monitoring import permissions, security
from monitoring.models import ImportRecord
from plans.resources import (
    CHANGED,
    NEW,
    ROW,
    UNCHANGED,
    ActionResource,
    RiskResource,
    RowChange,
    SheetResource,
    column_letter,
    normalise,
    plain,
)

# The kinds of file that can be imported one table at a time, in the order the upload page lists them.
KINDS: dict[str, type[SheetResource]] = {
    resource.kind: resource
    for resource in (IndicatorValueResource, ActionResource, IndicatorResource, FundingLineResource, RiskResource)
}
PLAN = "plan"  # a whole plan's workbook (monitoring.workbook)
MAX_ROWS = 100_000
MAX_COLUMNS = 500  # columns read from a sheet: a plan's widest table has fewer than 30
SHOWN_PROBLEMS = 1000  # problems listed on a page; the rest are counted

NOT_YOURS = "You can only import values for indicators you look after; {code} is looked after by {expert}."
NOT_ALLOWED = "Only a performance officer can import {what}."


class ImportFileError(Exception):
    """A file that cannot be read as a spreadsheet at all; the message says why and what to do."""


# --- who may import what -------------------------------------------------------------------------------------


def looks_after_indicators(user) -> bool:
    person = getattr(user, "person", None) if user.is_authenticated else None
    return person is not None and Indicator.objects.filter(data_expert=person).exists()


def importable_kinds(user) -> list[str]:
    """Return the kinds of file the user may import: everything for a performance officer, values for a data
    expert who looks after at least one indicator, nothing for anyone else."""
    if permissions.is_performance_officer(user):
        return [*KINDS, PLAN]
    if looks_after_indicators(user):
        return [IndicatorValueResource.kind]
    return []


def may_import_value(user, indicator: Indicator) -> bool:
    return permissions.is_performance_officer(user) or permissions.may_enter_value(user, indicator)


def _value_refusal(user) -> Callable:
    """Return the check the values resource runs on each row: '' if the user may change the value."""
    if user is None or permissions.is_performance_officer(user):
        return lambda value: ""

    def refusal(value) -> str:
        if may_import_value(user, value.indicator):
            return ""
        expert = value.indicator.data_expert.name if value.indicator.data_expert else "a performance officer"
        return NOT_YOURS.format(code=value.indicator.code or value.indicator.name, expert=expert)

    return refusal


def kind_label(kind: str) -> str:
    return "A whole plan (workbook)" if kind == PLAN else KINDS[kind].label


# --- reading files -------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A sheet of a workbook or a CSV file: headings, rows of cells as text, and the sheet row of each row."""

    name: str
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]


def what_it_looks_like(content: bytes) -> str:
    """Return a sentence saying what a file that is not a spreadsheet seems to be, from its first bytes."""
    if content.startswith(b"%PDF"):
        return " It looks like a PDF."
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        return " It looks like an old-style Excel (.xls) or Word file: save it as an Excel workbook (.xlsx)."
    if content.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return " It looks like a damaged zip file."
        if "word/document.xml" in names:
            return " It looks like a Word document."
        return " It is a zip archive but not an Excel workbook."
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return (" It is not UTF-8 text: in Excel, save it as 'CSV UTF-8 (Comma delimited)' or as an Excel workbook "
                "(.xlsx).")
    return " It holds characters that never occur in a CSV file: save it from Excel as an Excel workbook (.xlsx)."


def read_file(content: bytes) -> tuple[str, list[Table]]:
    """Return the file's format ('xlsx' or 'csv') and its tables; raise ImportFileError if it is not a spreadsheet."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if content.startswith(b"%PDF"):
        raise ImportFileError("The selected file is a PDF, not a spreadsheet. Upload an Excel workbook (.xlsx) or a "
                              "CSV file.")
    try:
        checked = security.check_upload(ContentFile(content), max_size=limit)
    except ValidationError as error:
        message = " ".join(error.messages) + "."
        if error.code == "wrong_type":
            message += what_it_looks_like(content)
        raise ImportFileError(message) from None
    tables = _read_workbook(content) if checked.kind == security.XLSX else [_read_csv(content)]
    if not any(table.headers for table in tables):
        raise ImportFileError("The selected file is empty: it has no headings and no rows.")
    return checked.kind, tables


def _read_csv(content: bytes) -> Table:
    text = content.decode("utf-8-sig")
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ImportFileError(f"The file could not be read as CSV: line {reader.line_num}: {error}.") from None
    return _table("", rows, list(range(1, len(rows) + 1)))


def _xlsx_cell(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        if "%" in (getattr(cell, "number_format", "") or ""):
            number *= 100  # a cell formatted as a percentage holds 0.148 for 14.8%
        return plain(number.normalize() if number != number.to_integral_value() else number.to_integral_value())
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _read_workbook(content: bytes) -> list[Table]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        raise ImportFileError(f"The workbook could not be opened: it may be damaged ({type(error).__name__}).") from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            rows, numbers = [], []
            for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
                cells = [_xlsx_cell(cell) for cell in row]
                if any(cells):
                    rows.append(cells)
                    numbers.append(number)
                if len(rows) > MAX_ROWS + 1:
                    break
            tables.append(_table(sheet.title, rows, numbers))
    finally:
        workbook.close()
    return tables


def _table(name: str, rows: list[list[str]], numbers: list[int]) -> Table:
    """Return a table from its raw rows: blank rows dropped, the first row as headings, blank columns trimmed."""
    kept = [(row, number) for row, number in zip(rows, numbers, strict=True) if any(str(cell).strip() for cell in row)]
    if not kept:
        return Table(name, [], [], [])
    if len(kept) > MAX_ROWS + 1:
        raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
    width = max(len(row) for row, _ in kept)
    grid = [[str(cell) for cell in row] + [""] * (width - len(row)) for row, _ in kept]
    keep = [index for index in range(width) if any(row[index].strip() for row in grid)]
    headers = [grid[0][index].strip() for index in keep]
    body = [[row[index] for index in keep] for row in grid[1:]]
    return Table(name, headers, body, [number for _, number in kept[1:]])


def pick_table(tables: list[Table], resource: type[SheetResource]) -> tuple[Table, str]:
    """Return the sheet to import: the one named as in a plan workbook if there is one, else the first."""
    for table in tables:
        if normalise(table.name) == normalise(resource.sheet):
            return table, ""
    table = next((table for table in tables if table.headers), tables[0])
    note = f"Read the sheet '{table.name}', the first of the workbook's sheets." if len(tables) > 1 else ""
    return table, note


# --- outcomes ------------------------------------------------------------------------------------------------


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

    @property
    def to_write(self) -> int:
        return self.new + self.changed


@dataclass
class Outcome:
    """The result of checking or applying a file: per sheet counts, every problem, notices, and the record."""

    kind: str
    file_name: str
    sheets: list[SheetOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    applied: bool = False
    record: ImportRecord | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        return kind_label(self.kind)

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
                f"This row could not be imported ({type(error.error).__name__}: {error.error}).",
                row=resource.sheet_row(error_row.number), sheet=sheet,
            ))
    for error in result.base_errors:
        problems.append(Problem(f"The file could not be imported ({type(error.error).__name__}: {error.error}).",
                                sheet=sheet))
    problems.sort(key=lambda problem: (problem.row or 0, -1 if problem.column is None else order.get(problem.column, 0)))
    outcome.new = resource.counts[NEW]
    outcome.changed = resource.counts[CHANGED]
    outcome.unchanged = resource.counts[UNCHANGED]
    outcome.changes = resource.changes
    return outcome, problems, notices


def checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def import_file(*, kind: str, content: bytes, file_name: str, user, apply: bool,
                via: str = ImportRecord.Via.PAGE) -> Outcome:
    """Check a file of the given kind and, if `apply` and it has no problem at all, import it; else change nothing.

    A user who may not import this kind gets a problem rather than an exception, so that the page and the command
    line report it the same way. `user` None is the command line run without --user: a performance officer's reach.
    """
    if kind == PLAN:
        from monitoring import workbook  # the workbook builds on this module

        return workbook.import_workbook(content=content, file_name=file_name, user=user, apply=apply, via=via)
    outcome = Outcome(kind=kind, file_name=file_name)
    if user is not None and kind not in importable_kinds(user):
        outcome.problems.append(Problem(NOT_ALLOWED.format(what=KINDS[kind].label.lower())))
        return outcome
    try:
        _, tables = read_file(content)
    except ImportFileError as error:
        outcome.problems.append(Problem(str(error)))
        return outcome
    resource_class = KINDS[kind]
    table, note = pick_table(tables, resource_class)
    if note:
        outcome.notices.append(note)
    if not table.rows:
        outcome.problems.append(Problem("The file has headings but no rows to import."))
        return outcome
    try:
        with transaction.atomic():
            record = start_record(kind, content, file_name, user, via) if apply else None
            resource = resource_class(
                user=user, may_import=_value_refusal(user) if kind == IndicatorValueResource.kind else None,
                change_reason=history_reason(record, file_name),
            )
            sheet, problems, notices = run_table(resource, table, dry_run=not apply)
            outcome.sheets.append(sheet)
            outcome.problems += problems
            outcome.notices += notices
            if outcome.problems or not apply:
                raise Rollback
            outcome.record = finish_record(record, outcome)
            outcome.applied = True
    except Rollback:
        outcome.record = None
    return outcome


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


# --- writing spreadsheets ------------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FLOAT_DIGITS = 15  # a Decimal with more significant digits than a spreadsheet's number keeps is written as text


@dataclass
class Sheet:
    """A sheet to write: its name, headings, rows, and the columns kept as text."""

    name: str
    headers: list[str]
    rows: list[list]
    text_columns: set[str] = field(default_factory=set)


def _cell_value(value):
    if isinstance(value, Decimal) and len(value.as_tuple().digits) > FLOAT_DIGITS:
        return plain(value)
    return "" if value is None else value


def write_xlsx(sheets: list[Sheet]) -> bytes:
    """Return an Excel workbook of the sheets: bold headings, frozen heading row, codes and periods kept as text.

    Written in openpyxl's write-only mode, which keeps memory flat however many rows (about 3 MB for 100,000 rows,
    where the normal mode holds every cell: 170 MB). Its strings are inline rather than shared, which openpyxl
    reads back more slowly; Excel turns them into shared strings whenever someone saves the file.
    """
    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name[:31])
        worksheet.freeze_panes = "A2"
        for index, header in enumerate(sheet.headers, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = min(max(len(header) + 4, 12), 60)
        heading = []
        for header in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=header)
            cell.font = bold
            heading.append(cell)
        worksheet.append(heading)
        text = [header in sheet.text_columns for header in sheet.headers]
        for row in sheet.rows:
            cells = []
            for value, as_text in zip(row, text, strict=True):
                value = _cell_value(value)
                if as_text and not isinstance(value, str):
                    value = plain(value)
                cell = WriteOnlyCell(worksheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, even when the text starts with '='
                    if as_text:
                        cell.number_format = "@"
                elif isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY"
                cells.append(cell)
            worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(headers: list[str], rows: list[list]) -> bytes:
    """Return UTF-8 CSV with a byte-order mark, so that Excel opens it with the right characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([value.strftime("%d/%m/%Y") if isinstance(value, date) else plain(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_kind(kind: str, *, plans=None, fmt: str = "xlsx") -> bytes:
    """Return the kind's table (of the given plans, or everything) as an .xlsx workbook or CSV."""
    resource = KINDS[kind]()
    headers, rows = resource.export_table(resource.export_queryset(plans))
    if fmt == "csv":
        return write_csv(headers, rows)
    return write_xlsx([Sheet(resource.sheet, headers, rows, resource.text_columns())])


# --- templates: an empty file of each kind, with an example row and notes -----------------------------------


def template_columns(kind: str) -> tuple[list[str], list, list[list[str]]]:
    """Return a kind's headings, an example row, and notes (column, needed, what to write) for its template."""
    resource = KINDS[kind]()
    headers, example, notes = [], [], []
    for column in resource.export_columns():
        if column.ignored or column.restore:  # shown on export, never filled in
            continue
        headers.append(column.name)
        example.append(column.example)
        needed = "Yes" if column.must_be_present else "No"
        notes.append([column.name, needed, column.help])
    if resource.year_prefix is not None:
        for year in (2008, 2009, 2010):
            headers.append(resource.year_header(year))
            example.append(resource.year_example if year == 2008 else "")
        notes.append([
            f"{resource.year_header(2008)}, {resource.year_header(2009)}, ...", "No",
            f"{resource.year_help} One column per financial year; add or remove year columns as needed.",
        ])
    return headers, example, notes


def template_file(kind: str, fmt: str = "xlsx") -> bytes:
    headers, example, notes = template_columns(kind)
    if fmt == "csv":
        return write_csv(headers, [example])
    resource = KINDS[kind]
    text = {column.name for column in resource.columns if column.text}
    return write_xlsx([
        Sheet(resource.sheet, headers, [example], text),
        Sheet("Notes", ["Column", "Must be in the file", "What to write"], notes),
    ])

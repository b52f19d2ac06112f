"""Spreadsheet files as tables of text, and tables written back as files: Excel workbooks (.xlsx) and UTF-8 CSV.

Reading judges a file by its content, never its name (monitoring.uploads.check_upload, which also refuses a
workbook that would unpack to more than the server should hold), keeps every cell as the text a person sees, and
refuses what no spreadsheet of ours holds (too many rows, columns or filled cells, a cell longer than Excel
allows, a zip that is not a workbook) with a message in words. A workbook is read in openpyxl's streaming
(read-only) mode and reading stops at the first limit passed, so that a sheet of millions of rows costs no more
than the first 100,001 of them.

Writing keeps every figure exact: a Decimal a spreadsheet number cannot hold is text. Every writer here (and the
table downloads, through SafeTableExport) passes its cells through plans.sheets.formulas.neutralise, so that no
text becomes a formula; reading passes them back through restore, so that what was exported imports back as it
was.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django_tables2.export import TableExport
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from monitoring import uploads
from plans.sheets import (
    column_letter,
    plain,
)
from plans.sheets.formulas import neutral_dataset, neutralise, restore

MAX_ROWS = 100_000  # rows of a table (after its headings): ten years of quarters for 2,500 indicators


MAX_COLUMNS = 500  # columns read from a sheet: a plan's widest table has fewer than 30


# Filled cells read from a file, all sheets together: a table of MAX_ROWS rows as wide as our widest (30 columns).
# Every cell read is kept until the import is checked, at about 60 bytes each: 3 million cells is under 200 MB.
MAX_CELLS = MAX_ROWS * 30

MAX_CELL_CHARS = uploads.MAX_CELL_CHARS  # the most characters Excel keeps in a cell


class ImportFileError(Exception):
    """A file that cannot be read as a spreadsheet at all; the message says why and what to do."""


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
        checked = uploads.check_upload(ContentFile(content), max_size=limit)
    except ValidationError as error:
        message = " ".join(error.messages) + "."
        if error.code == "wrong_type":
            message += what_it_looks_like(content)
        raise ImportFileError(message) from None
    tables = _read_workbook(content) if checked.kind == uploads.XLSX else [_read_csv(content)]
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
        if "field larger than field limit" in str(error):  # the csv module's own limit, 131,072 characters
            raise ImportFileError(
                f"Line {reader.line_num} has a cell longer than {MAX_CELL_CHARS:,} characters, the most a cell can "
                "hold, as in Excel. Shorten it, or split it across rows.") from None
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
    """Return the workbook's sheets, read row by row; stop with ImportFileError at the first limit passed.

    A sheet's dimension record (A1:XFD1048576) is the sender's say-so, and openpyxl pads every row to it: it is
    dropped (reset_dimensions), so that a row is as wide as its last cell, and a row wider than MAX_COLUMNS is
    refused as soon as it is read. Rows the sheet's XML leaves out still count, as they do in Excel.
    """
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        raise ImportFileError(f"The workbook could not be opened: it may be damaged ({type(error).__name__}).") from None
    tables, filled = [], 0
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
            rows, numbers = [], []
            for number, row in enumerate(_rows(sheet), start=1):
                if number > MAX_ROWS + 1:
                    raise ImportFileError(
                        f"The sheet '{sheet.title}' has more than {MAX_ROWS:,} rows (empty rows that Excel keeps "
                        "count too). Split it into smaller files, or delete the empty rows below the table.")
                if len(row) > MAX_COLUMNS:
                    raise ImportFileError(
                        f"The sheet '{sheet.title}' has more than {MAX_COLUMNS} columns (row {number} reaches "
                        f"column {column_letter(len(row) - 1)}). Delete the columns to the right of the table.")
                cells = [_xlsx_cell(cell) for cell in row]
                if any(cells):
                    filled += sum(1 for cell in cells if cell)
                    if filled > MAX_CELLS:
                        raise ImportFileError(f"The file has more than {MAX_CELLS:,} filled cells. Split it into "
                                              "smaller files.")
                    rows.append(cells)
                    numbers.append(number)
            tables.append(_table(sheet.title, rows, numbers))
    finally:
        workbook.close()
    return tables


def _rows(sheet):
    """Yield the sheet's rows; a sheet that is not well-formed XML (openpyxl reads it only now) is refused."""
    try:
        yield from sheet.iter_rows()
    except Exception as error:  # the XML parser's and openpyxl's errors on a damaged sheet are of many kinds
        raise ImportFileError(f"The sheet '{sheet.title}' could not be read: it may be damaged "
                              f"({type(error).__name__}).") from None


def _table(name: str, rows: list[list[str]], numbers: list[int]) -> Table:
    """Return a table from its raw rows: blank rows dropped, the first row as headings, blank columns trimmed."""
    kept = [(row, number) for row, number in zip(rows, numbers, strict=True) if any(str(cell).strip() for cell in row)]
    if not kept:
        return Table(name, [], [], [])
    if len(kept) > MAX_ROWS + 1:
        raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
    for row, number in kept:
        for index, cell in enumerate(row):
            if len(str(cell)) > MAX_CELL_CHARS:
                place = f"Sheet '{name}', cell" if name else "Cell"
                raise ImportFileError(
                    f"{place} {column_letter(index)}{number} holds {len(str(cell)):,} characters: a cell can hold at "
                    f"most {MAX_CELL_CHARS:,}, as in Excel. Shorten it, or split it across rows.")
    width = max(len(row) for row, _ in kept)
    grid = [[restore(str(cell)) for cell in row] + [""] * (width - len(row)) for row, _ in kept]
    keep = [index for index in range(width) if any(row[index].strip() for row in grid)]
    headers = [grid[0][index].strip() for index in keep]
    body = [[row[index] for index in keep] for row in grid[1:]]
    return Table(name, headers, body, [number for _, number in kept[1:]])


# --- writing files -------------------------------------------------------------------------------------------


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
    return "" if value is None else neutralise(value)


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
            cell = WriteOnlyCell(worksheet, value=neutralise(header))
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
                    cell.data_type = "s"  # never a formula: openpyxl would make one of text starting with '='
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
    writer.writerow([neutralise(header) for header in headers])
    for row in rows:
        writer.writerow([value.strftime("%d/%m/%Y") if isinstance(value, date) else neutralise(plain(value))
                         for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class SafeTableExport(TableExport):
    """django-tables2's CSV and Excel download of a table, its cells neutralised like every other export's."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        return neutral_dataset(super().table_to_dataset(table, exclude_columns, dataset_kwargs))

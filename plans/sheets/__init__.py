"""The spreadsheet machinery every app's resources share: how a table is written to, and read back from, a CSV file
or an Excel sheet.

A resource is a SheetResource, a django-import-export ModelResource for one table. Its columns are headed as people
write them ('Plan', 'Position', 'Target 2008/09'); every cell is read in the user's words (periods and years through
plans.periods, numbers and money as Decimal, 'tbc' and blank kept apart), and every lookup a file needs (plans,
people, organisations) is fetched once per file, never once per row. Resources know nothing of users' roles:
whoever runs an import passes `may_import`, a callable that returns the reason an object may not be changed by this
user, or ''.

The package lives in plans because plans is the app that indicators, funding and monitoring may all import; each
app's own resources are in its `resources.py`.

- cells: reading and writing one cell (CellError, MISSING, ROW, read_decimal, read_period, plain, ...)
- columns: Column, what an import does to a row (RowChange: NEW, CHANGED, UNCHANGED), Lookups
- references: the cells that name plans, people, partners, corporate objectives and periods
- bulk: inserting and updating many rows at once, and copying them to their history
- resource: SheetResource
- admin: SpreadsheetAdminMixin, the admin's Import and Export buttons
"""

from plans.sheets.admin import SpreadsheetAdminMixin
from plans.sheets.cells import (
    MISSING,
    ROW,
    CellError,
    cell_text,
    check_whole_digits,
    column_letter,
    describe_choices,
    normalise,
    number_cell,
    plain,
    read_choice,
    read_date,
    read_decimal,
    read_flag,
    read_whole_number,
    read_year,
    write_year,
)
from plans.sheets.columns import CHANGED, NEW, UNCHANGED, Column, Lookups, RowChange
from plans.sheets.resource import SheetResource

__all__ = [
    "CHANGED",
    "MISSING",
    "NEW",
    "ROW",
    "UNCHANGED",
    "CellError",
    "Column",
    "Lookups",
    "RowChange",
    "SheetResource",
    "SpreadsheetAdminMixin",
    "cell_text",
    "check_whole_digits",
    "column_letter",
    "describe_choices",
    "normalise",
    "number_cell",
    "plain",
    "read_choice",
    "read_date",
    "read_decimal",
    "read_flag",
    "read_whole_number",
    "read_year",
    "write_year",
]

"""Spreadsheet resources: how each table of a plan is written to, and read back from, a CSV file or an Excel sheet.

Each resource is a django-import-export ModelResource for one table. Its columns are headed as people write them
('Plan', 'Position', 'Target 2008/09'); every cell is read in the user's words (periods and years through
plans.periods, numbers and money as Decimal, 'tbc' and blank kept apart), and every lookup a file needs (plans,
people, organisations) is fetched once per file, never once per row. Each row is classed new, changed or
unchanged by comparing what the table would export before and after the row is applied, and a problem is raised
as a ValidationError keyed by the column it is about, so that whoever runs the import can name row and column.

Resources know nothing of users' roles: whoever runs an import passes `may_import`, a callable that returns the
reason an object may not be changed by this user, or ''. This module also holds the machinery the resources of
indicators and funding share, because plans is the app they may all import.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ExportForm
from import_export.results import RowResult

from plans import periods
from plans.models import (
    ActionGroup,
    ActionTarget,
    CorporateObjective,
    CorporateOutcome,
    DeliveryAction,
    KeyMeasure,
    ObjectiveContribution,
    Organisation,
    Period,
    Person,
    Plan,
    PlanRole,
    Priority,
    Risk,
    Section,
)

ROW = NON_FIELD_ERRORS  # the key of a problem with the whole row rather than one cell
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
DESCRIBED_ROWS = 500  # new and changed rows of a preview described one by one; the rest are counted only
MISSING = object()  # a cell the file does not have, or could not be read


class CellError(ValueError):
    """A cell that does not hold what its column needs; the message says what to write instead."""


def normalise(text) -> str:
    """Return text as it is compared with names and headings: spaces collapsed, case ignored."""
    return " ".join(str(text if text is not None else "").split()).casefold()


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def plain(value) -> str:
    """Return a value as it would be typed: Decimal 12.50 -> '12.5', 12.00 -> '12', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def number_cell(value: Decimal | None):
    """Return a Decimal for a spreadsheet cell: trailing zeros dropped (14.8000 -> 14.8), None kept."""
    if value is None:
        return None
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


# --- reading cells ----------------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


def cell_text(raw) -> str:
    """Return a cell as text: no surrounding spaces, Windows line ends made plain."""
    if raw is None:
        return ""
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()


def _refuse_date(text: str, example: str) -> None:
    if _ISO_DATE.match(text):
        raise CellError(
            f"Excel has turned this cell into a date ({text}). Format the column as text, then type it again, "
            f"like {example}."
        )


def read_text(raw) -> str:
    return cell_text(raw)


def read_flag(raw) -> bool:
    text = normalise(raw)
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(f"Enter yes or no, not '{cell_text(raw)}'.")


def read_whole_number(raw, *, low: int | None = None, high: int | None = None) -> int | None:
    """Read a whole number; blank is None."""
    text = cell_text(raw).replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"'{cell_text(raw)}' is not a number. Enter a whole number, like 3.") from None
    if not value.is_finite() or value.adjusted() > 15 or value != value.to_integral_value():
        raise CellError(f"Enter a whole number, like 3, not {text}.")
    number = int(value)
    if low is not None and high is not None and not low <= number <= high:
        raise CellError(f"Enter a whole number from {low} to {high}.")
    if low is not None and number < low:
        raise CellError(f"Enter {low} or more.")
    return number


def read_decimal(raw, *, places: int, low: Decimal | None = None, example: str = "836",
                 whole_digits: int = 12) -> Decimal | None:
    """Read a number with at most `places` decimal places and `whole_digits` digits before the point (what its
    field holds); '£' and thousands commas are allowed; blank is None."""
    text = cell_text(raw).replace(",", "").replace("£", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"'{cell_text(raw)}' is not a number. Enter a number, like {example}.") from None
    if not value.is_finite():
        raise CellError(f"Enter a number, like {example}.")
    if low is not None and value < low:
        raise CellError(f"Enter {plain(low)} or more.")
    check_whole_digits(value, whole_digits)
    if value.as_tuple().exponent < -places:
        if places == 0:
            raise CellError(f"Enter a whole number, not {text}.")
        raise CellError(f"Enter at most {places} decimal place{'s' if places > 1 else ''}, not {text}.")
    return value


def check_whole_digits(value: Decimal, whole_digits: int) -> None:
    """Refuse a number too large for its field, which the database would refuse (or SQLite keep unreadably)."""
    if value and value.adjusted() >= whole_digits:
        raise CellError(f"Enter a number smaller than {10 ** whole_digits:,}.")


def read_year(raw) -> int | None:
    """Read a financial year written as the plans write it ('2008/09'); return its start year; blank is None."""
    text = cell_text(raw)
    if not text:
        return None
    _refuse_date(text, "2008/09")
    try:
        span = periods.parse(text)
    except periods.PeriodError as error:
        raise CellError(str(error)) from None
    if span.kind != periods.YEAR:
        raise CellError(f"Enter a financial year, like 2008/09, not the {span.kind} {text}.")
    return span.financial_year


def read_period(raw) -> periods.PeriodSpan | None:
    """Read a period code: '2008/09-Q1', '2012/13-H2', '2008/09' or 'May 2007'; blank is None."""
    text = cell_text(raw)
    if not text:
        return None
    _refuse_date(text, "2008/09-Q1, 2008/09 or May 2007")
    try:
        return periods.parse(text)
    except periods.PeriodError as error:
        raise CellError(str(error)) from None


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S"]


def read_date(raw) -> date | None:
    """Read a date: 31/03/2009, 31 March 2009 or 2009-03-31 (what Excel gives); blank is None."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = cell_text(raw)
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"'{text}' is not a date. Enter a date like 31/03/2009.")


def read_choice(raw, choices: type[models.TextChoices], *, blank: str | None = None) -> str:
    """Read one of a choice field's values, written as its value or its label ('lower' or 'Lower is better')."""
    text = normalise(raw)
    if not text and blank is not None:
        return blank
    for value, label in choices.choices:
        if text in (normalise(value), normalise(label)):
            return value
    options = ", ".join(f"'{label}'" for _, label in choices.choices)
    if not text:
        raise CellError(f"This cell is empty. Enter one of {options}.")
    raise CellError(f"'{cell_text(raw)}' is not one of {options}.")


def split_list(raw, separators: str = ";") -> list[str]:
    """Split a cell that lists several names: 'JCP; CCC' -> ['JCP', 'CCC']."""
    text = cell_text(raw)
    if not text:
        return []
    parts = re.split("|".join(map(re.escape, separators)), text)
    return [part.strip() for part in parts if part.strip()]


def write_year(year: int | None) -> str:
    return periods.year_label(year) if year is not None else ""


def describe_choices(choices: type[models.TextChoices]) -> str:
    return ", ".join(f"'{label}'" for _, label in choices.choices)


# --- columns and rows -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a resource's spreadsheet and how its cells are read and written.

    `attr` is the model attribute the column reads and writes, or None when the resource handles it; `read` turns
    a raw cell into a value (raising CellError) and `write` a value into a cell; either may name a method of the
    resource. `required` columns must be in every file; `key` columns identify the row (so are required too).
    """

    name: str
    attr: str | None = None
    read: Callable | str | None = read_text
    write: Callable | str | None = None
    help: str = ""
    example: Any = ""
    required: bool = False
    key: bool = False
    many: bool = False  # a many-to-many: `read` returns a list of objects, written joined with '; '
    ignored: bool = False  # exported for information, never imported (derived figures)
    restore: bool = False  # imported only when a whole plan is restored, and then only into new rows
    workbook: bool = False  # written only in the whole-plan workbook
    text: bool = False  # kept as text in Excel, so that Excel never turns '2008/09' or 'NI 152' into something else

    @property
    def must_be_present(self) -> bool:
        return self.required or self.key


@dataclass
class RowChange:
    """What an import does to one row: new, changed (with each column's before and after) or unchanged."""

    row: int
    change: str
    label: str
    details: list[tuple[str, str, str]] = field(default_factory=list)


class LeanRowResult(RowResult):
    """A row result that skips the library's str() of every instance: the resource describes rows itself."""

    def add_instance_info(self, instance):
        self.object_id = getattr(instance, "pk", None)


class Lookups:
    """Objects that rows refer to by name, fetched once per file and shared by every resource of a workbook."""

    def __init__(self):
        self._cache: dict[str, Any] = {}

    def get(self, name: str, load: Callable[[], Any]):
        if name not in self._cache:
            self._cache[name] = load()
        return self._cache[name]

    def forget(self, *names: str) -> None:
        """Drop cached lookups that a sheet has just changed (a workbook's People before its Roles)."""
        for name in names:
            self._cache.pop(name, None)


def _by_normalised(objects: Iterable, key: Callable) -> dict[str, list]:
    index: dict[str, list] = defaultdict(list)
    for obj in objects:
        index[normalise(key(obj))].append(obj)
    return index


# --- writing many rows at once ----------------------------------------------------------------------------------
# Django's bulk_create() compiles an expression per value, bulk_update() a CASE WHEN per field per row (30 s for
# 10,000 values on PostgreSQL), and django-simple-history's bulk helpers build a model instance per history row.
# An import of 10,000 values spent most of its time there, so rows are inserted with plain multi-row INSERTs,
# updated with one parameterised UPDATE run for every row, and their history rows are copied from the saved rows
# by the database itself, one INSERT ... SELECT per batch. The history rows hold exactly what simple-history's own
# helpers would write: every field, the time, the user, the reason and the type ('+' created, '~' changed).

HISTORY_BATCH = 900  # primary keys per INSERT ... SELECT: under SQLite's oldest limit of 999 parameters


NATIVE_TYPES = {  # fields whose Python values both database drivers take as they are
    "CharField", "TextField", "BooleanField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SmallIntegerField", "BigIntegerField", "ForeignKey",
}


def _adapter(model_field) -> Callable:
    if model_field.get_internal_type() in NATIVE_TYPES:
        return lambda value: value
    return lambda value: model_field.get_db_prep_save(value, connection)


def insert_rows(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert the objects with multi-row INSERT ... RETURNING statements and set their primary keys, as
    bulk_create() does, without compiling an expression per value."""
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objects)
        return
    fields = [model_field for model_field in model._meta.concrete_fields if not model_field.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    adapters = list(zip(fields, [_adapter(model_field) for model_field in fields], strict=True))
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608 (quoted names from the model; values are parameters)
    tail = f" RETURNING {quote(model._meta.pk.column)}"
    batch = max(1, connection.ops.bulk_batch_size(fields, objects))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start:start + batch]
            params = []
            for obj in chunk:
                for model_field in stamped:
                    model_field.pre_save(obj, True)
                params.extend(adapt(getattr(obj, model_field.attname)) for model_field, adapt in adapters)
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def update_rows(model: type[models.Model], objects: list[models.Model], field_names: Iterable[str]) -> None:
    """Write the named fields of every object with one UPDATE statement run once per row."""
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Table and column names come from the model, quoted; every value is a parameter.
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg2's executemany() makes a round trip per row; execute_batch() sends them in pages.
            from psycopg2.extras import execute_batch

            execute_batch(cursor.cursor, sql, rows, page_size=500)
        else:
            cursor.executemany(sql, rows)


def copy_to_history(model: type[models.Model], pks: list[int], history_type: str, *, user, reason: str) -> None:
    """Add a history row for each of the rows, copied from the table as it now stands."""
    history = model.history.model
    quote = connection.ops.quote_name
    source_columns = {field.attname: field.column for field in model._meta.concrete_fields}
    targets, selects, params = [], [], []
    extra = {
        "history_date": connection.ops.adapt_datetimefield_value(timezone.now()),
        "history_change_reason": reason or None,
        "history_type": history_type,
        "history_user_id": user.pk if user is not None and user.pk else None,
    }
    for history_field in history._meta.concrete_fields:
        if history_field.attname == "history_id":
            continue
        targets.append(quote(history_field.column))
        if history_field.attname in extra:
            selects.append("%s")
            params.append(extra[history_field.attname])
        else:
            selects.append(quote(source_columns[history_field.attname]))
    # Table and column names come from the models, quoted; every value is a parameter.
    insert = f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(targets)}) "
    select = f"SELECT {', '.join(selects)} FROM {quote(model._meta.db_table)} "  # noqa: S608
    sql = insert + select + f"WHERE {quote(model._meta.pk.column)} IN "
    with connection.cursor() as cursor:
        for start in range(0, len(pks), HISTORY_BATCH):
            batch = pks[start:start + HISTORY_BATCH]
            cursor.execute(sql + f"({', '.join(['%s'] * len(batch))})", params + batch)


# --- the base resource ------------------------------------------------------------------------------------------


class SheetResource(resources.ModelResource):
    """A table of a plan as a spreadsheet: columns, lookups once per file, new/changed/unchanged per row."""

    kind = ""  # the name a single-table import goes by on the command line and in addresses ('values')
    label = ""  # what the file holds, in words
    sheet = ""  # the sheet's name in a whole-plan workbook
    noun = "row"  # what one row is ('delivery action')
    columns: tuple[Column, ...] = ()
    year_prefix: str | None = None  # year columns headed f"{year_prefix} 2008/09", or just '2008/09' when ''
    year_help = ""
    year_example: Any = ""
    bulk_fields: tuple[str, ...] = ()  # model fields written by bulk_update when Meta.use_bulk is on
    plan_scoped = False  # rows belong to a plan named in a 'Plan' column

    class Meta:
        fields = ()  # the columns, not the model's fields
        skip_diff = True  # rows are compared through what they export, below
        clean_model_instances = False  # validate_instance() below does it, naming columns
        use_transactions = True
        report_skipped = False
        batch_size = 1000

    def __init__(self, *, user=None, may_import: Callable | None = None, change_reason: str = "",
                 restore: bool = False, row_numbers: list[int] | None = None, lookups: Lookups | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.may_import = may_import or (lambda obj: "")
        self.change_reason = change_reason
        self.restore = restore
        self.row_numbers = row_numbers
        self.lookups = lookups or Lookups()
        self.fields = {column.name: Field(column_name=column.name) for column in self.columns}
        self.by_name = {column.name: column for column in self.columns}
        self.year_columns: dict[str, int] = {}  # the file's year columns: header -> start year
        self.present: list[str] = []  # the file's columns, as this resource names them
        self.seen: dict[tuple, int] = {}  # key -> sheet row that first had it
        self.changes: list[RowChange] = []
        self.counts: Counter = Counter()
        self.row_number = 0
        self.errors: dict[str, list[str]] = {}

    @classmethod
    def get_row_result_class(cls):
        return LeanRowResult

    # Headings ----------------------------------------------------------------------------------------------------

    def year_header(self, year: int) -> str:
        label = periods.year_label(year)
        return f"{self.year_prefix} {label}" if self.year_prefix else label

    def _year_of_header(self, header: str) -> int | None | str:
        """Return the year a heading names, None if it names none, or a message if it names a period not a year."""
        if self.year_prefix is None:
            return None
        text = " ".join(str(header).split())
        prefix = f"{self.year_prefix} ".casefold() if self.year_prefix else ""
        if not text.casefold().startswith(prefix):
            return None
        try:
            span = periods.parse(text[len(prefix):])
        except periods.PeriodError:
            return None
        if span.kind != periods.YEAR:
            return f"'{text}' names a {span.kind}; year columns are headed like '{self.year_header(2008)}'."
        return span.financial_year

    def importable(self, column: Column) -> bool:
        return not column.ignored and (self.restore or not column.restore)

    def match_headers(self, headers: list[str]) -> tuple[list[str], list[str], list[str]]:
        """Return the file's headings as this resource names them, the problems with them, and notices.

        Headings are matched ignoring case and spacing. Every problem is listed at once: a heading that is not one
        of the columns, a heading used twice, a column the file must have but lacks.
        """
        known = {normalise(column.name): column for column in self.columns}
        names: list[str] = []
        problems: list[str] = []
        notices: list[str] = []
        first_seen: dict[str, str] = {}
        for index, header in enumerate(headers):
            letter = column_letter(index)
            text = cell_text(header)
            key = normalise(text)
            if not key:
                problems.append(f"Column {letter} has cells filled in but no heading. Give it a heading or delete it.")
                names.append("")
                continue
            if key in first_seen:
                problems.append(f"Columns {first_seen[key]} and {letter} are both headed '{text}'. Keep one of them.")
            first_seen[key] = letter
            if column := known.get(key):
                names.append(column.name)
                if not self.importable(column) and not self.restore:  # a plan workbook carries them by design
                    notices.append(f"The '{column.name}' column is for information only and is not imported.")
                continue
            year = self._year_of_header(text)
            if isinstance(year, int):
                name = self.year_header(year)
                self.year_columns[name] = year
                names.append(name)
                continue
            names.append("")
            if isinstance(year, str):
                problems.append(f"Column {letter}: {year}")
            elif _ISO_DATE.match(text) and self.year_prefix is not None:
                problems.append(
                    f"Column {letter}: Excel has turned the heading into a date ({text}). Format the heading as text "
                    f"and type it like '{self.year_header(2008)}'."
                )
            else:
                problems.append(f"Column {letter}, '{text}', is not a column of {self.label.lower()}.")
        missing = [column.name for column in self.columns if column.must_be_present and column.name not in names]
        if missing:
            listed = ", ".join(f"'{name}'" for name in missing)
            problems.append(f"The file has no {listed} column{'s' if len(missing) > 1 else ''}.")
        if problems:
            notices.append(f"The columns of {self.label.lower()} are: {self.describe_columns()}.")
        self.present = names
        return names, problems, notices

    def describe_columns(self) -> str:
        names = [column.name for column in self.columns if not column.workbook or self.restore]
        if self.year_prefix is not None:
            names.append(f"one column per financial year headed '{self.year_header(2008)}'")
        return ", ".join(names)

    # Rows --------------------------------------------------------------------------------------------------------

    def sheet_row(self, number: int) -> int:
        """Return the row of the sheet that a data row (counted from 1) came from."""
        if self.row_numbers and 0 < number <= len(self.row_numbers):
            return self.row_numbers[number - 1]
        return number + 1

    def before_import(self, dataset, **kwargs):
        self.present = list(dataset.headers)
        self.prefetch(dataset)

    def before_import_row(self, row, **kwargs):
        self.row_number = kwargs.get("row_number", 0)
        self.errors = {}

    def problem(self, column: str | None, message: str) -> None:
        """Note a problem with a cell (or, with column None, the whole row) of the row being read."""
        self.errors.setdefault(column or ROW, []).append(message)

    def raise_problems(self) -> None:
        if self.errors:
            errors, self.errors = self.errors, {}
            raise ValidationError({column: list(messages) for column, messages in errors.items()})

    def cell(self, row, name: str, read: Callable | str | None = None, **options):
        """Return the named cell read by its column's reader (or `read`); MISSING if absent or wrong (noted)."""
        if name not in row:
            return MISSING
        column = self.by_name.get(name)
        reader = read or (column.read if column else read_text)
        if isinstance(reader, str):
            reader = getattr(self, reader)
        try:
            return reader(row[name], **options)
        except CellError as error:
            self.problem(name, str(error))
            return MISSING

    def get_or_init_instance(self, instance_loader, row):
        key = self.row_key(row)
        if key is MISSING:
            self.raise_problems()
            raise ValidationError({ROW: ["This row could not be matched."]})
        if key in self.seen:
            raise ValidationError({ROW: [
                f"This row repeats row {self.seen[key]}: both are for {self.describe_key(key)}. Keep one of them."
            ]})
        self.seen[key] = self.sheet_row(self.row_number)
        instance = self.existing().get(key)
        if instance is not None:
            return instance, False
        return self.new_instance(key), True

    def import_instance(self, instance, row, **kwargs):
        is_new = instance.pk is None
        before = {} if is_new else self.state(instance)
        self.read_row(instance, row, is_new)
        if refusal := self.may_import(instance):
            self.problem(None, refusal)
        self.raise_problems()
        after = self.state(instance)
        compared = [name for name in self.present if name in after]
        details = [(name, plain(before.get(name)), plain(after[name])) for name in compared
                   if not self.same(before.get(name), after[name])]
        change = NEW if is_new else CHANGED if details else UNCHANGED
        if change == CHANGED and (refusal := self.refuse_change(instance, details)):
            raise ValidationError({ROW: [refusal]})
        instance._import_change = change
        self.counts[change] += 1
        if change != UNCHANGED and len(self.changes) < DESCRIBED_ROWS:
            self.changes.append(RowChange(
                self.sheet_row(self.row_number), change, self.describe(instance), details if change == CHANGED else []
            ))

    @staticmethod
    def same(before, after) -> bool:
        if before is None or after is None:
            return before is None and after is None
        if isinstance(before, Decimal) or isinstance(after, Decimal):
            try:
                return Decimal(before) == Decimal(after)
            except (InvalidOperation, TypeError):
                return False
        return before == after

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not import_validation_errors and getattr(instance, "_import_change", None) == UNCHANGED

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Check the instance as the model does, naming the column each problem is about."""
        errors = dict(import_validation_errors or {})
        if not self._meta.use_bulk:
            exclude = [f.name for f in instance._meta.concrete_fields
                       if f.is_relation or self.column_of_field(f.name) in errors]
            try:
                instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                for name, problems in error.error_dict.items():
                    column = self.column_of_field(name)
                    for problem in problems:
                        message = " ".join(problem.messages)
                        if problem.code in ("blank", "null", "required") and column:
                            message = f"This cell is empty. Enter the {column.lower()}."
                        if column and column not in self.present:
                            errors.setdefault(ROW, []).append(
                                f"A new {self.noun} needs a '{column}' column, and the file has none."
                                if problem.code in ("blank", "null", "required") else f"{column}: {message}"
                            )
                        else:
                            errors.setdefault(column or ROW, []).append(message)
        if errors:
            raise ValidationError(errors)

    def column_of_field(self, name: str) -> str | None:
        for column in self.columns:
            if column.attr == name:
                return column.name
        return None

    def save_instance(self, instance, is_create, row, **kwargs):
        self.prepare_save(instance, is_create)
        super().save_instance(instance, is_create, row, **kwargs)

    def do_instance_save(self, instance, is_create):
        instance._history_user = self.user
        instance._change_reason = self.change_reason
        instance.save(force_insert=is_create)

    def after_save_instance(self, instance, row, **kwargs):
        if not self._meta.use_bulk:
            self.save_related(instance)
            self.saved(instance)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.create_instances:
            return
        model = self._meta.model
        try:
            insert_rows(model, self.create_instances)
            if hasattr(model, "history"):
                copy_to_history(model, [obj.pk for obj in self.create_instances], "+", user=self.user,
                                reason=self.change_reason)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.update_instances:
            return
        model = self._meta.model
        try:
            update_rows(model, self.update_instances, self.bulk_fields)
            if hasattr(model, "history"):
                copy_to_history(model, [obj.pk for obj in self.update_instances], "~", user=self.user,
                                reason=self.change_reason)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    # What each resource defines ----------------------------------------------------------------------------------

    def prefetch(self, dataset) -> None:
        """Fetch what the file's rows refer to, once for the whole file."""

    def existing(self) -> dict[tuple, models.Model]:
        """Return the stored rows this file may update, by key (fetched once, then cached)."""
        if not hasattr(self, "_existing"):
            self._existing = {self.instance_key(obj): obj for obj in self.existing_queryset()}
        return self._existing

    def existing_queryset(self):
        raise NotImplementedError

    def row_key(self, row) -> tuple | object:
        """Return the row's key from its key columns, or MISSING (with the problems noted)."""
        parts = []
        for column in self.columns:
            if column.key:
                value = self.cell(row, column.name)
                if value is MISSING or value is None or value == "":
                    if value is not MISSING:
                        self.problem(column.name, f"This cell is empty. Enter the {column.name.lower()}.")
                    return MISSING
                parts.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(parts)

    def instance_key(self, instance) -> tuple:
        parts = []
        for column in self.columns:
            if column.key:
                value = getattr(instance, column.attr)
                parts.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(parts)

    def new_instance(self, key: tuple) -> models.Model:
        instance = self._meta.model()
        for column, value in zip([c for c in self.columns if c.key], key, strict=True):
            model_field = instance._meta.get_field(column.attr)
            setattr(instance, model_field.attname if model_field.is_relation else column.attr, value)
        return instance

    def describe_key(self, key: tuple) -> str:
        return " ".join(str(part) for part in key)

    def describe(self, instance) -> str:
        return str(instance)

    def read_row(self, instance, row, is_new: bool) -> None:
        """Apply the row's cells to the instance (and its pending related rows), noting problems."""
        for column in self.columns:
            if column.key or column.attr is None or not self.importable(column) or column.name not in row:
                continue
            if column.restore and not is_new:
                continue
            value = self.cell(row, column.name)
            if value is MISSING:
                continue
            if column.many:
                self.pending(instance)[column.attr] = value
            else:
                setattr(instance, column.attr, value)
        self.read_years(instance, row)

    def state(self, instance) -> dict[str, Any]:
        """Return what the table exports for the instance, column by column, including unsaved changes."""
        state = {}
        for column in self.columns:
            if column.workbook and not self.restore:
                continue
            if column.attr is None:
                continue
            if column.many:
                value = self.pending(instance).get(column.attr)
                if value is None:
                    value = list(getattr(instance, column.attr).all()) if instance.pk else []
                state[column.name] = self.write(column, value)
            else:
                state[column.name] = self.write(column, getattr(instance, column.attr))
        state.update(self.year_state(instance))
        return state

    def write(self, column: Column, value):
        writer = column.write
        if isinstance(writer, str):
            writer = getattr(self, writer)
        if column.many:
            texts = sorted((writer(obj) if writer else str(obj)) for obj in value)
            return "; ".join(texts)
        if writer:
            return writer(value)
        if isinstance(value, models.Model):
            return str(value)
        if isinstance(value, Decimal):
            return number_cell(value)
        return value

    def pending(self, instance) -> dict:
        """Return the instance's related rows read from the file but not yet saved (m2m sets, yearly figures)."""
        if not hasattr(instance, "_import_pending"):
            instance._import_pending = {}
        return instance._import_pending

    def prepare_save(self, instance, is_create: bool) -> None:
        """Set what an import sets besides the cells (who entered it, its version) just before saving."""

    def save_related(self, instance) -> None:
        """Save the rows that hang off the instance (m2m sets, yearly figures) once it has a primary key."""
        for column in self.columns:
            if column.many and column.attr in self.pending(instance):
                getattr(instance, column.attr).set(self.pending(instance)[column.attr])
        self.save_years(instance)

    def saved(self, instance) -> None:
        """Note a saved row, for rows later in the same file that refer to it."""

    def refuse_change(self, instance, details) -> str:
        """Return why this row may not be changed by an import, or ''."""
        return ""

    # Yearly figures (targets, amounts), one column per financial year -------------------------------------------

    def years_of(self, instance) -> dict[int, Any]:
        """Return the instance's stored yearly figures: year -> value as exported."""
        return {}

    def read_year_cell(self, instance, year: int, raw):
        """Return a yearly figure read from its cell, or None for a blank cell (no figure for that year)."""
        raise NotImplementedError

    def read_years(self, instance, row) -> None:
        if not self.year_columns:
            return
        figures = dict(self.pending(instance).get("years", self.years_of(instance) if instance.pk else {}))
        for header, year in self.year_columns.items():
            if header not in row:
                continue
            try:
                value = self.read_year_cell(instance, year, row[header])
            except CellError as error:
                self.problem(header, str(error))
                continue
            if value is None:
                figures.pop(year, None)
            else:
                figures[year] = value
        self.pending(instance)["years"] = figures

    def year_state(self, instance) -> dict[str, Any]:
        if self.year_prefix is None:
            return {}
        figures = self.pending(instance).get("years")
        if figures is None:
            figures = self.years_of(instance) if instance.pk else {}
        headers = set(self.year_columns) | {self.year_header(year) for year in figures}
        by_header = {self.year_header(year): value for year, value in figures.items()}
        return {header: by_header.get(header) for header in headers}

    def save_years(self, instance) -> None:
        if "years" in self.pending(instance):
            self.store_years(instance, self.pending(instance)["years"])

    def store_years(self, instance, figures: dict[int, Any]) -> None:
        """Make the instance's stored yearly figures those given (years in the file only were read)."""

    # Export ------------------------------------------------------------------------------------------------------

    def export_queryset(self, plans: Iterable[Plan] | None = None):
        """Return the rows to export, with what their columns need fetched in few queries."""
        raise NotImplementedError

    def export_years(self, objects: list) -> list[int]:
        return []

    def export_columns(self) -> list[Column]:
        return [column for column in self.columns if self.restore or not column.workbook]

    def export_table(self, objects: Iterable) -> tuple[list[str], list[list]]:
        """Return the headings and rows of a spreadsheet of the objects."""
        objects = list(objects)
        columns = self.export_columns()
        years = self.export_years(objects) if self.year_prefix is not None else []
        headers = [column.name for column in columns] + [self.year_header(year) for year in years]
        rows = []
        for obj in objects:
            state = self.state(obj)
            rows.append([state.get(header) for header in headers])
        return headers, rows

    def export(self, queryset=None, **kwargs):
        """Return a tablib Dataset of the rows (the admin's export uses this)."""
        if queryset is None:
            queryset = self.export_queryset()
        else:
            queryset = self.export_queryset().filter(pk__in=queryset.values("pk"))
        headers, rows = self.export_table(queryset)
        dataset = tablib.Dataset(headers=headers)
        for row in rows:
            dataset.append(["" if value is None else value for value in row])
        return dataset

    def text_columns(self) -> set[str]:
        return {column.name for column in self.columns if column.text}

    # Lookups shared by the resources -----------------------------------------------------------------------------

    def plans(self) -> dict[str, Plan]:
        return self.lookups.get("plans", lambda: {normalise(plan.reference): plan for plan in Plan.objects.all()})

    def read_plan(self, raw) -> Plan | None:
        text = cell_text(raw)
        if not text:
            return None
        plan = self.plans().get(normalise(text))
        if plan is None:
            raise CellError(f"There is no plan with the reference '{text}'.")
        return plan

    def plan_of(self, plan_id: int | None) -> Plan | None:
        by_pk = self.lookups.get("plans-by-pk", lambda: {plan.pk: plan for plan in self.plans().values()})
        if plan_id not in by_pk:
            self.lookups.forget("plans-by-pk")
            by_pk = self.lookups.get("plans-by-pk", lambda: {plan.pk: plan for plan in self.plans().values()})
        return by_pk.get(plan_id)

    def plans_in_file(self, dataset) -> list[Plan]:
        if "Plan" not in dataset.headers:
            return []
        found = {normalise(value) for value in dataset["Plan"]}
        return [plan for key, plan in self.plans().items() if key in found]

    def people(self) -> dict[str, list[Person]]:
        return self.lookups.get("people", lambda: _by_normalised(Person.objects.all(), lambda person: person.name))

    def read_person(self, raw) -> Person | None:
        text = cell_text(raw)
        if not text:
            return None
        found = self.people().get(normalise(text), [])
        if not found:
            raise CellError(f"No one called '{text}' is recorded. Add them as a person first, or check the spelling.")
        if len(found) > 1:
            raise CellError(f"{len(found)} people are called '{text}'. Tell them apart in the admin first.")
        return found[0]

    def read_people(self, raw) -> list[Person]:
        people = []
        for name in split_list(raw):
            people.append(self.read_person(name))
        return people

    @staticmethod
    def write_person(person: Person | None) -> str:
        return person.name if person else ""

    def organisations(self) -> dict[str, Organisation]:
        return self.lookups.get(
            "organisations", lambda: {normalise(org.short_name): org for org in Organisation.objects.all()}
        )

    def read_organisation(self, raw) -> Organisation | None:
        text = cell_text(raw)
        if not text:
            return None
        organisation = self.organisations().get(normalise(text))
        if organisation is None:
            raise CellError(f"No partner has the short name '{text}'.")
        return organisation

    def read_organisations(self, raw) -> list[Organisation]:
        return [self.read_organisation(name) for name in split_list(raw, ";,")]

    @staticmethod
    def write_organisation(organisation: Organisation | None) -> str:
        return organisation.short_name if organisation else ""

    def objectives(self) -> dict[int, CorporateObjective]:
        return self.lookups.get("objectives", lambda: {o.number: o for o in CorporateObjective.objects.all()})

    def read_objective(self, raw) -> CorporateObjective | None:
        number = read_whole_number(raw, low=1)
        if number is None:
            return None
        objective = self.objectives().get(number)
        if objective is None:
            raise CellError(f"There is no corporate objective {number}.")
        return objective

    def read_objectives(self, raw) -> list[CorporateObjective]:
        return [self.read_objective(part) for part in split_list(raw, ";,")]

    @staticmethod
    def write_objective(objective: CorporateObjective | None):
        return objective.number if objective else None

    def period_for(self, span: periods.PeriodSpan) -> Period:
        """Return the stored period for a span, creating it the first time a file needs it."""
        stored = self.lookups.get("periods", lambda: {(p.kind, p.start): p for p in Period.objects.all()})
        period = stored.get((span.kind, span.start))
        if period is None:
            period = stored[(span.kind, span.start)] = Period.for_span(span)
        return period

    def read_period_object(self, raw) -> Period | None:
        span = read_period(raw)
        return self.period_for(span) if span else None

    def check_plan_year(self, plan: Plan | None, year: int) -> None:
        if plan is not None and not plan.covers_year(year):
            raise CellError(
                f"{plan.reference} covers {plan.years_label}, so it can have no figure for {periods.year_label(year)}."
            )


def plan_key_columns(position_help: str) -> tuple[Column, Column]:
    """Return the 'Plan' and 'Position' columns that identify most rows of a plan."""
    return (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               help="The plan's reference, as in the plan list.", example="NI 152"),
        Column("Position", attr="position", read=lambda raw: read_whole_number(raw, low=1), key=True,
               help=position_help, example=1),
    )


class PlanTableResource(SheetResource):
    """A table whose rows belong to a plan, identified by the plan's reference and (usually) a position."""

    plan_scoped = True
    select_related: tuple[str, ...] = ("plan",)
    prefetch_related: tuple[str, ...] = ()

    def existing_queryset(self):
        return self._meta.model.objects.filter(plan__in=self.file_plans).select_related(
            *self.select_related).prefetch_related(*self.prefetch_related)

    def prefetch(self, dataset) -> None:
        self.file_plans = self.plans_in_file(dataset)

    def export_queryset(self, plans=None):
        queryset = self._meta.model.objects.select_related(*self.select_related).prefetch_related(
            *self.prefetch_related
        )
        if plans is not None:
            queryset = queryset.filter(plan__in=list(plans))
        return queryset

    def describe_key(self, key: tuple) -> str:
        plan = self.plan_of(key[0])
        rest = " ".join(str(part) for part in key[1:])
        return f"{plan.reference if plan else ''} {self.noun} {rest}".strip()

    def describe(self, instance) -> str:
        plan = self.plan_of(instance.plan_id)
        return f"{plan.reference if plan else ''} {self.noun} {getattr(instance, 'position', '')}: {str(instance)[:60]}"


# --- reference data: partners, people, corporate objectives ----------------------------------------------------


class OrganisationResource(SheetResource):
    label = "Partner organisations"
    sheet = "Organisations"
    noun = "partner"
    columns = (
        Column("Short name", attr="short_name", key=True, text=True, example="JCP",
               help="As plans abbreviate it: JCP, CCC, LSC."),
        Column("Name", attr="name", example="Jobcentre Plus", help="The organisation's full name."),
    )

    class Meta:
        model = Organisation

    def row_key(self, row):
        text = self.cell(row, "Short name")
        if not text:
            if text is not MISSING:
                self.problem("Short name", "This cell is empty. Enter the partner's short name.")
            return MISSING
        return (normalise(text),)

    def instance_key(self, instance):
        return (normalise(instance.short_name),)

    def new_instance(self, key):
        return Organisation()

    def read_row(self, instance, row, is_new):
        instance.short_name = self.cell(row, "Short name")
        super().read_row(instance, row, is_new)

    def existing_queryset(self):
        return Organisation.objects.all()

    def saved(self, instance):
        self.lookups.forget("organisations")

    def export_queryset(self, plans=None):
        queryset = Organisation.objects.all()
        if plans is not None:
            plans = list(plans)
            people = Person.objects.filter(pk__in=people_of_plans(plans))
            queryset = queryset.filter(
                models.Q(led_plans__in=plans) | models.Q(led_actions__plan__in=plans)
                | models.Q(pk__in=people.values("organisation"))
            ).distinct()
        return queryset


class PersonResource(SheetResource):
    label = "People"
    sheet = "People"
    noun = "person"
    columns = (
        Column("Name", attr="name", key=True, example="Myles Mackie", help="The person's name, as plans give it."),
        Column("Job title", attr="job_title", example="Performance Manager"),
        Column("Organisation", attr="organisation", read="read_organisation", write="write_organisation", text=True,
               example="CCC", help="The short name of their partner organisation."),
        Column("Email", attr="email", example="myles.mackie@example.org",
               help="Where reminders go when the person has no login."),
    )

    class Meta:
        model = Person

    def row_key(self, row):
        text = self.cell(row, "Name")
        if not text:
            if text is not MISSING:
                self.problem("Name", "This cell is empty. Enter the person's name.")
            return MISSING
        found = self.people().get(normalise(text), [])
        if len(found) > 1:
            self.problem("Name", f"{len(found)} people are called '{text}'. Tell them apart in the admin first.")
            return MISSING
        return (normalise(text),)

    def instance_key(self, instance):
        return (normalise(instance.name),)

    def new_instance(self, key):
        return Person()

    def read_row(self, instance, row, is_new):
        instance.name = self.cell(row, "Name")
        super().read_row(instance, row, is_new)

    def existing_queryset(self):
        return Person.objects.select_related("organisation")

    def saved(self, instance):
        self.lookups.forget("people")

    def export_queryset(self, plans=None):
        queryset = Person.objects.select_related("organisation")
        if plans is not None:
            queryset = queryset.filter(pk__in=people_of_plans(list(plans)))
        return queryset


def people_of_plans(plans: list[Plan]) -> set[int]:
    """Return the primary keys of everyone a plan names: header roles, lead officers, risk owners, indicators'
    data experts and owners."""
    ids = set(PlanRole.objects.filter(plan__in=plans).values_list("person", flat=True))
    ids |= set(DeliveryAction.objects.filter(plan__in=plans).values_list("lead_officer", flat=True))
    ids |= set(Risk.objects.filter(plan__in=plans).values_list("owner", flat=True))
    links = Plan.objects.filter(pk__in=[plan.pk for plan in plans])
    ids |= set(links.values_list("plan_indicators__indicator__data_expert", flat=True))
    ids |= set(links.values_list("plan_indicators__indicator__owners", flat=True))
    ids.discard(None)
    return ids


class CorporateObjectiveResource(SheetResource):
    label = "Corporate objectives"
    sheet = "Corporate objectives"
    noun = "objective"
    columns = (
        Column("Number", attr="number", read=lambda raw: read_whole_number(raw, low=1), key=True, example=1),
        Column("Title", attr="title", example="Promoting independence and positive lives for everyone"),
    )

    class Meta:
        model = CorporateObjective

    def existing_queryset(self):
        return CorporateObjective.objects.all()

    def saved(self, instance):
        self.lookups.forget("objectives", "outcomes")

    def export_queryset(self, plans=None):
        return CorporateObjective.objects.all()

    def describe(self, instance):
        return f"Objective {instance}"


class CorporateOutcomeResource(SheetResource):
    label = "Corporate outcomes"
    sheet = "Corporate outcomes"
    noun = "outcome"
    columns = (
        Column("Objective", attr="objective", read="read_objective", write="write_objective", key=True, example=1,
               help="The number of the corporate objective."),
        Column("Letter", attr="letter", key=True, text=True, example="A"),
        Column("Text", attr="text", example="Vulnerable people are safe"),
    )

    class Meta:
        model = CorporateOutcome

    def existing_queryset(self):
        return CorporateOutcome.objects.select_related("objective")

    def row_key(self, row):
        key = super().row_key(row)
        return key if key is MISSING else (key[0], key[1].upper())

    def instance_key(self, instance):
        return (instance.objective_id, instance.letter.upper())

    def saved(self, instance):
        self.lookups.forget("outcomes")

    def export_queryset(self, plans=None):
        return CorporateOutcome.objects.select_related("objective")

    def describe(self, instance):
        return f"Outcome {instance.objective.number}{instance.letter}"


# --- the plan and its structure ---------------------------------------------------------------------------------


class PlanResource(SheetResource):
    label = "Plans"
    sheet = "Plan"
    noun = "plan"
    columns = (
        Column("Reference", attr="reference", key=True, text=True, example="NI 152",
               help="The plan's reference; it identifies the plan."),
        Column("Kind", attr="kind", read=lambda raw: read_choice(raw, Plan.Kind), write=lambda v: Plan.Kind(v).label,
               example="LAA target action plan", help=describe_choices(Plan.Kind)),
        Column("Title", attr="title", example="Working age people on out of work benefits"),
        Column("Lead partner", attr="lead_organisation", read="read_organisation", write="write_organisation",
               text=True, example="JCP", help="The lead partner's short name."),
        Column("Theme", attr="theme", help="Sustainable community strategy theme."),
        Column("Strategy priority", attr="strategy_priority"),
        Column("Reporting", attr="reporting_frequency", read=lambda raw: read_choice(raw, Plan.Frequency),
               write=lambda v: Plan.Frequency(v).label, example="Quarterly", help="Quarterly or Six-monthly."),
        Column("First year", attr="first_year", read=read_year, write=write_year, text=True, example="2008/09"),
        Column("Last year", attr="last_year", read=read_year, write=write_year, text=True, example="2010/11"),
        Column("Introduction", attr="introduction", help="Text printed under the title."),
        Column("Staffing establishment", attr="staffing_establishment",
               read=lambda raw: read_whole_number(raw, low=0)),
        Column("Active", attr="is_active", read=read_flag, write=plain, example="yes",
               help="no: the plan gets no new reporting rounds."),
    )

    class Meta:
        model = Plan

    def row_key(self, row):
        text = self.cell(row, "Reference")
        if not text:
            if text is not MISSING:
                self.problem("Reference", "This cell is empty. Enter the plan's reference.")
            return MISSING
        return (normalise(text),)

    def instance_key(self, instance):
        return (normalise(instance.reference),)

    def new_instance(self, key):
        return Plan()

    def read_row(self, instance, row, is_new):
        instance.reference = self.cell(row, "Reference")
        super().read_row(instance, row, is_new)

    def existing_queryset(self):
        return Plan.objects.select_related("lead_organisation")

    def saved(self, instance):
        self.lookups.forget("plans", "plans-by-pk")

    def export_queryset(self, plans=None):
        queryset = Plan.objects.select_related("lead_organisation")
        return queryset.filter(pk__in=[plan.pk for plan in plans]) if plans is not None else queryset

    def describe(self, instance):
        return f"Plan {instance.reference}"


class PlanRoleResource(PlanTableResource):
    label = "Header roles"
    sheet = "Roles"
    noun = "role"
    select_related = ("plan", "person")
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="NI 152"),
        Column("Role", attr="role", read=lambda raw: read_choice(raw, PlanRole.Role),
               write=lambda v: PlanRole.Role(v).label, key=True, example="Technical data expert",
               help=describe_choices(PlanRole.Role)),
        Column("Person", attr="person", read="read_person", write="write_person", key=True, example="Myles Mackie"),
        Column("Position", attr="position", read=lambda raw: read_whole_number(raw, low=0) or 0, example=0,
               help="Order among the people named in the same role."),
        Column("Responsibility", attr="responsibility", help="What the person leads."),
        Column("Note", attr="note", help="Printed after the names, as in the plan."),
    )

    class Meta:
        model = PlanRole

    def describe(self, instance):
        return f"{instance.plan.reference}: {instance.get_role_display()} {instance.person.name}"


class SectionResource(PlanTableResource):
    """Sections are identified by their place: '3' is the third section, '3.2' the second subsection of it."""

    label = "Plan sections"
    sheet = "Sections"
    noun = "section"
    select_related = ("plan", "parent")
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="NI 152"),
        Column("Place", read="read_place", key=True, text=True, example="3",
               help="The section's place in the plan: 3 for the third section, 3.2 for the second subsection of 3."),
        Column("Number", attr="number", text=True, help="As numbered in the plan: 1, 2, 4.", example="3"),
        Column("Heading", attr="heading", example="Strategic summary"),
        Column("Kind", attr="kind", read=lambda raw: read_choice(raw, Section.Kind, blank=Section.Kind.NARRATIVE),
               write=lambda v: Section.Kind(v).label, example="Narrative", help=describe_choices(Section.Kind)),
        Column("Prompt", attr="prompt", help="The plan template's guidance or question."),
        Column("Body", attr="body", help="Paragraphs separated by a blank line; '- ' starts a bullet; '### ' a "
                                         "sub-heading."),
    )

    class Meta:
        model = Section

    @staticmethod
    def read_place(raw) -> tuple[int, ...] | None:
        text = cell_text(raw)
        if not text:
            return None
        parts = text.split(".")
        if not all(part.strip().isdigit() and int(part) > 0 for part in parts):
            raise CellError(f"'{text}' is not a place in the plan. Write 3 for the third section, 3.2 for its second "
                            "subsection.")
        return tuple(int(part) for part in parts)

    def place_of(self, section: Section) -> tuple[int, ...]:
        place = [section.position]
        parent = section.parent
        while parent is not None:
            place.insert(0, parent.position)
            parent = self.sections_by_pk.get(parent.pk, parent).parent
        return tuple(place)

    def existing(self):
        if not hasattr(self, "_existing"):
            sections = list(self.existing_queryset())
            self.sections_by_pk = {section.pk: section for section in sections}
            self._existing = {(section.plan_id, self.place_of(section)): section for section in sections}
        return self._existing

    def instance_key(self, instance):
        return (instance.plan_id, self.place_of(instance))

    def row_key(self, row):
        key = super().row_key(row)
        if key is MISSING:
            return key
        plan_id, place = key
        if len(place) > 1 and (plan_id, place[:-1]) not in self.existing():
            self.problem("Place", f"There is no section {'.'.join(map(str, place[:-1]))} for this one to be part of. "
                                  "List a section before its subsections.")
            return MISSING
        return key

    def new_instance(self, key):
        plan_id, place = key
        parent = self.existing().get((plan_id, place[:-1])) if len(place) > 1 else None
        return Section(plan_id=plan_id, parent=parent, position=place[-1])

    def saved(self, instance):
        self.existing()[(instance.plan_id, self.place_of(instance))] = instance
        self.sections_by_pk[instance.pk] = instance

    def state(self, instance):
        state = super().state(instance)
        state["Place"] = ".".join(map(str, self.place_of(instance)))
        return state

    def export_table(self, objects):
        objects = list(objects)
        self.sections_by_pk = {section.pk: section for section in objects}
        objects.sort(key=lambda section: (section.plan.reference, self.place_of(section)))
        return super().export_table(objects)

    def describe_key(self, key):
        return f"section {'.'.join(map(str, key[1]))}"

    def describe(self, instance):
        return f"{instance.plan.reference} section {'.'.join(map(str, self.place_of(instance)))}: {instance.heading[:60]}"


class ActionGroupResource(PlanTableResource):
    label = "Action group headings"
    sheet = "Action groups"
    noun = "group heading"
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="NI 152"),
        Column("Title", attr="title", key=True, example="Integrated support actions"),
        Column("Note", attr="note"),
    )

    class Meta:
        model = ActionGroup

    def row_key(self, row):
        key = super().row_key(row)
        return key if key is MISSING else (key[0], normalise(key[1]))

    def instance_key(self, instance):
        return (instance.plan_id, normalise(instance.title))

    def new_instance(self, key):
        return ActionGroup(plan_id=key[0])

    def read_row(self, instance, row, is_new):
        if is_new:
            instance.title = self.cell(row, "Title")
        super().read_row(instance, row, is_new)

    def saved(self, instance):
        self.lookups.forget("groups")

    def export_queryset(self, plans=None):
        return super().export_queryset(plans).order_by("plan__reference", "pk")

    def describe(self, instance):
        return f"{instance.plan.reference} group heading '{instance.title}'"


class PriorityResource(PlanTableResource):
    label = "Service priorities"
    sheet = "Priorities"
    noun = "priority"
    columns = (
        Column("Plan", attr="plan", read="read_plan", write=lambda plan: plan.reference, key=True, text=True,
               example="CS 2012/13"),
        Column("Number", attr="number", read=lambda raw: read_whole_number(raw, low=1), key=True, example=1),
        Column("Details", attr="details", help="Details of the service priority."),
        Column("Impact", attr="impact", help="Impact on the local community."),
        Column("Groups affected", attr="groups_affected", help="Groups of service users affected."),
        Column("Activities introduction", attr="activities_intro", help="Text printed above the key activities."),
    )

    class Meta:
        model = Priority

    def saved(self, instance):
        self.lookups.forget("priorities")

    def describe(self, instance):
        return f"{instance.plan.reference} priority {instance.number}"


def outcome_letters(text: str) -> list[str]:
    """Return the outcome letters a cell lists: 'A, B, C' -> A B C; 'A - E' -> A B C D E."""
    letters: list[str] = []
    for token in (part.strip() for part in re.split(r"[,;]", text or "")):
        if not token:
            continue
        if match := re.fullmatch(r"([A-Za-z])\s*[–-]\s*([A-Za-z])", token):
            letters.extend(chr(code) for code in range(ord(match[1].upper()), ord(match[2].upper()) + 1))
        elif re.fullmatch(r"[A-Za-z]", token):
            letters.append(token.upper())
        else:
            raise CellError(f"'{token}' is not an outcome letter. List letters like A, B, C.")
    return letters


class PlanPriorityLookups:
    """Priorities and group headings of the plans in a file, by plan and number or title."""

    def priorities(self) -> dict[tuple[int, int], Priority]:
        return self.lookups.get("priorities", lambda: {(p.plan_id, p.number): p for p in Priority.objects.all()})

    def groups(self) -> dict[tuple[int, str], ActionGroup]:
        return self.lookups.get("groups", lambda: {(g.plan_id, normalise(g.title)): g for g in ActionGroup.objects.all()})

    def priority_of(self, plan: Plan | None, raw) -> Priority | None:
        number = read_whole_number(raw, low=1)
        if number is None or plan is None:
            return None
        priority = self.priorities().get((plan.pk, number))
        if priority is None:
            raise CellError(f"{plan.reference} has no priority {number}.")
        return priority


class ContributionResource(PlanPriorityLookups, PlanTableResource):
    label = "Contributions of priorities to corporate objectives"
    sheet = "Contributions"
    noun = "contribution"
    select_related = ("priority__plan", "objective")
    prefetch_related = ("outcomes",)
    columns = (
        Column("Plan", read="read_plan", key=True, text=True, example="CS 2012/13"),
        Column("Priority", read=lambda raw: read_whole_number(raw, low=1), key=True, example=1),
        Column("Objective", attr="objective", read="read_objective", write="write_objective", key=True, example=1),
        Column("Contributes", attr="contributes", read=read_flag, write=plain, example="yes"),
        Column("Outcomes", text=True, example="A, B",
               help="Letters of the objective's outcomes, separated by commas."),
        Column("Outcomes text", attr="outcomes_text",
               help="Outcomes as the plan words them, when they are not the lettered outcomes."),
    )

    class Meta:
        model = ObjectiveContribution

    def existing_queryset(self):
        return ObjectiveContribution.objects.filter(priority__plan__in=self.file_plans).select_related(
            *self.select_related).prefetch_related(*self.prefetch_related)

    def row_key(self, row):
        plan = self.cell(row, "Plan")
        number = self.cell(row, "Priority")
        objective = self.cell(row, "Objective")
        if MISSING in (plan, number, objective) or None in (plan, number, objective):
            for name, value in (("Plan", plan), ("Priority", number), ("Objective", objective)):
                if value is None:
                    self.problem(name, f"This cell is empty. Enter the {name.lower()}.")
            return MISSING
        priority = self.priorities().get((plan.pk, number))
        if priority is None:
            self.problem("Priority", f"{plan.reference} has no priority {number}.")
            return MISSING
        return (priority.pk, objective.pk)

    def instance_key(self, instance):
        return (instance.priority_id, instance.objective_id)

    def new_instance(self, key):
        return ObjectiveContribution(priority_id=key[0], objective_id=key[1], contributes=False)

    def outcomes(self) -> dict[tuple[int, str], CorporateOutcome]:
        return self.lookups.get("outcomes", lambda: {(o.objective_id, o.letter.upper()): o
                                                     for o in CorporateOutcome.objects.all()})

    def read_row(self, instance, row, is_new):
        super().read_row(instance, row, is_new)
        letters = self.cell(row, "Outcomes", outcome_letters)
        if letters is not MISSING:
            number = next((o.number for o in self.objectives().values() if o.pk == instance.objective_id), "")
            found = []
            for letter in letters:
                outcome = self.outcomes().get((instance.objective_id, letter))
                if outcome is None:
                    self.problem("Outcomes", f"Objective {number} has no outcome {letter}.")
                else:
                    found.append(outcome)
            self.pending(instance)["outcomes"] = found

    def state(self, instance):
        state = super().state(instance)
        outcomes = self.pending(instance).get("outcomes")
        if outcomes is None:
            outcomes = list(instance.outcomes.all()) if instance.pk else []
        state["Outcomes"] = ", ".join(sorted(outcome.letter for outcome in outcomes))
        state["Plan"] = instance.priority.plan.reference
        state["Priority"] = instance.priority.number
        return state

    def save_related(self, instance):
        if "outcomes" in self.pending(instance):
            instance.outcomes.set(self.pending(instance)["outcomes"])

    def export_queryset(self, plans=None):
        queryset = ObjectiveContribution.objects.select_related(*self.select_related).prefetch_related(
            *self.prefetch_related).order_by("priority__plan__reference", "priority__number", "objective__number")
        return queryset.filter(priority__plan__in=list(plans)) if plans is not None else queryset

    def describe_key(self, key):
        return "this priority and objective"

    def describe(self, instance):
        return f"{instance.priority.plan.reference} priority {instance.priority.number} to objective " \
               f"{instance.objective.number}"


# --- delivery actions and their yearly targets ------------------------------------------------------------------


class ActionResource(PlanPriorityLookups, PlanTableResource):
    kind = "actions"
    label = "Delivery actions and their yearly targets"
    sheet = "Actions"
    noun = "action"
    year_prefix = "Target"
    year_help = "The action's output target for the year; leave the cell blank where there is none (blank is not 0)."
    year_example = 320
    select_related = ("plan", "group", "priority", "lead_officer")
    prefetch_related = ("targets", "lead_organisations")
    columns = (
        *plan_key_columns("The action's number in the plan: 1, 2, 3, counted across the whole plan."),
        Column("Reference", attr="reference", text=True, example="1a"),
        Column("Group", attr="group", read="read_group", write=lambda group: group.title if group else "",
               help="The heading the action is listed under, as it is written in the plan.",
               example="Integrated support actions"),
        Column("Priority", attr="priority", read="read_priority", write=lambda p: p.number if p else None,
               help="For a service plan's key activity: the number of its priority."),
        Column("Title", attr="title", example="Routes to work for lone parents",
               help="Needed for a new action."),
        Column("Description", attr="description", help="Same markup as section bodies."),
        Column("Client group", attr="client_group", example="Lone parents"),
        Column("On flow", attr="on_flow", read=read_flag, write=plain, example="no",
               help="yes: reduces the numbers coming on to the register."),
        Column("Flow time", attr="flow_time", read=read_flag, write=plain, example="yes",
               help="yes: reduces the time people stay on the register."),
        Column("Off flow", attr="off_flow", read=read_flag, write=plain, example="yes",
               help="yes: increases the numbers coming off the register."),
        Column("Link to other plans", attr="link_to_other_plans"),
        Column("Lead organisations", attr="lead_organisations", read="read_organisations",
               write="write_organisation", many=True, text=True, example="JCP; CCC",
               help="Short names of the lead partners, separated by semicolons."),
        Column("Lead officer", attr="lead_officer", read="read_person", write="write_person", example="Pat Morgan",
               help="The person who reports progress."),
        Column("Lead text", attr="lead_text", help="The lead as the plan words it: 'LSC/CCC', 'Multiple Leads'."),
        Column("Planning note", attr="planning_note"),
        Column("Timescale", attr="timescale", example="Jan - March 2012"),
        Column("Performance measures", attr="performance_measures"),
    )

    class Meta:
        model = DeliveryAction

    def read_group(self, raw):
        text = cell_text(raw)
        if not text or self._plan is None:
            return None
        group = self.groups().get((self._plan.pk, normalise(text)))
        if group is None:
            raise CellError(f"{self._plan.reference} has no group heading '{text}'.")
        return group

    def read_priority(self, raw):
        return self.priority_of(self._plan, raw)

    def read_row(self, instance, row, is_new):
        self._plan = self.plan_of(instance.plan_id)
        super().read_row(instance, row, is_new)

    def years_of(self, instance):
        return {target.year: number_cell(target.value) for target in instance.targets.all()}

    def read_year_cell(self, instance, year, raw):
        value = read_decimal(raw, places=2, low=Decimal(0), example="320", whole_digits=10)
        if value is not None:
            self.check_plan_year(self._plan, year)
        return value

    def store_years(self, instance, figures):
        stored = {target.year: target for target in instance.targets.all()} if not instance._state.adding else {}
        instance.targets.filter(year__in=[year for year in stored if year not in figures]).delete()
        for year, value in figures.items():
            target = stored.get(year)
            if target is None:
                ActionTarget.objects.create(action=instance, year=year, value=value)
            elif target.value != value:
                target.value = value
                target.save(update_fields=["value"])

    def export_years(self, objects):
        years = set()
        for action in objects:
            years.update(action.plan.years)
            years.update(target.year for target in action.targets.all())
        return sorted(years)

    def describe(self, instance):
        return f"{self.plan_of(instance.plan_id).reference} action {instance.position}: {instance.title[:60]}"


class KeyMeasureResource(PlanPriorityLookups, PlanTableResource):
    label = "Key measures"
    sheet = "Key measures"
    noun = "key measure"
    select_related = ("plan", "priority")
    prefetch_related = ("objectives",)
    columns = (
        *plan_key_columns("The measure's row in the appendix: 1, 2, 3."),
        Column("Priority", attr="priority", read="read_priority", write=lambda p: p.number if p else None,
               example=1, help="The number of the priority the measure belongs to."),
        Column("Measure", attr="measure"),
        Column("Target", attr="target"),
        Column("Objectives", attr="objectives", read="read_objectives", write="write_objective", many=True,
               text=True, example="1; 2", help="Numbers of the corporate objectives, separated by semicolons."),
        Column("Outcomes", attr="outcomes", text=True),
    )

    class Meta:
        model = KeyMeasure

    def read_priority(self, raw):
        return self.priority_of(self._plan, raw)

    def read_row(self, instance, row, is_new):
        self._plan = self.plan_of(instance.plan_id)
        super().read_row(instance, row, is_new)

    def write(self, column, value):
        if column.many:
            return "; ".join(str(objective.number) for objective in sorted(value, key=lambda o: o.number))
        return super().write(column, value)


# --- risks ------------------------------------------------------------------------------------------------------


class RiskResource(PlanTableResource):
    kind = "risks"
    label = "Risks"
    sheet = "Risks"
    noun = "risk"
    select_related = ("plan", "owner")
    columns = (
        *plan_key_columns("The risk's number in the plan's risk assessment: 1, 2, 3."),
        Column("Reference", attr="reference", text=True, example="R1"),
        Column("Risk", attr="risk", example="Recession increases the number of people claiming benefits",
               help="Needed for a new risk."),
        Column("Mitigating action", attr="mitigation", example="Target support at those newly unemployed"),
        Column("Owner", attr="owner", read="read_person", write="write_person", example="Jane Beaver"),
        Column("Likelihood", attr="likelihood", read=lambda raw: read_whole_number(raw, low=1, high=5), example=3,
               help="1 to 5; blank until assessed."),
        Column("Impact", attr="impact", read=lambda raw: read_whole_number(raw, low=1, high=5), example=4,
               help="1 to 5; blank until assessed."),
        Column("Score", attr="score", ignored=True, help="Likelihood times impact: worked out, not imported."),
        Column("Review date", attr="review_date", read=read_date, example="31/03/2009",
               help="A date like 31/03/2009."),
    )

    class Meta:
        model = Risk

    def describe(self, instance):
        return f"{instance.plan.reference} risk {instance.position}: {instance.risk[:60]}"


# --- the admin's Import and Export buttons -----------------------------------------------------------------------


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import and Export buttons on a model's admin list.

    Export writes the list (as filtered) with the model's resource, in CSV or Excel. Import leads to the
    Spreadsheets page with the kind chosen, so that an import from the admin gets the same checks, preview,
    all-or-nothing confirmation and record as any other: the library's own import screens are not used.
    """

    formats = [base_formats.XLSX, base_formats.CSV]
    export_form_class = ExportForm

    def _to_upload_page(self):
        return HttpResponseRedirect(f"{reverse('imports')}?kind={self.resource_classes[0].kind}")

    def import_action(self, request, **kwargs):
        return self._to_upload_page()

    def process_import(self, request, **kwargs):
        return self._to_upload_page()

"""SheetResource, the base of every table's resource: one class of about 500 lines, because its parts are one protocol.

django-import-export calls its hooks in turn for each row of a file (before_import, get_or_init_instance,
import_instance, validate_instance, save_instance, bulk_create and bulk_update), and they share the state of that
one file: the columns present, the year columns, the keys seen so far, the related rows read but not yet saved.
Headings, rows, yearly figures and export all read and write that state, so cutting them apart would spread one
protocol over several modules. The cells that name stored objects need nothing but the lookups, so they are a
mixin of their own (plans.sheets.references).

Each row is classed new, changed or unchanged by comparing what the table would export before and after the row is
applied, and a problem is raised as a ValidationError keyed by the column it is about, so that whoever runs the
import can name row and column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import models
from import_export import resources
from import_export.fields import Field

from plans import periods
from plans.models import Plan
from plans.sheets.bulk import copy_to_history, insert_rows, update_rows
from plans.sheets.cells import (
    ISO_DATE,
    MISSING,
    ROW,
    CellError,
    cell_text,
    column_letter,
    normalise,
    number_cell,
    plain,
    read_text,
    text_limit,
)
from plans.sheets.columns import CHANGED, NEW, UNCHANGED, Column, LeanRowResult, Lookups, RowChange
from plans.sheets.references import ReferenceLookups

DESCRIBED_ROWS = 500  # new and changed rows of a preview described one by one; the rest are counted only


class SheetResource(ReferenceLookups, resources.ModelResource):
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
        # A text cell holds no more than its model field: the limit is the field's max_length, not a second number.
        model = self._meta.model
        self.text_limits = {column.name: limit for column in self.columns
                            if model is not None and (limit := text_limit(model, column.attr))}
        self.year_columns: dict[str, int] = {}  # the file's year columns: header -> start year
        self.present: list[str] = []  # the file's columns, as this resource names them
        self.seen: dict[tuple, int] = {}  # key -> sheet row that first had it
        self.changes: list[RowChange] = []
        self.counts: Counter = Counter()
        self.row_number = 0
        self.errors: dict[str, list[str]] = {}
        # Rows the importer must confirm before they are written (sheet row, column, message): a value far outside
        # its history. The resource writes them; whoever runs the import refuses to commit those not confirmed.
        self.to_confirm: list[tuple[int, str, str]] = []

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
            elif ISO_DATE.match(text) and self.year_prefix is not None:
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
        if reader is read_text and name in self.text_limits:
            options.setdefault("max_length", self.text_limits[name])
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
        if change != UNCHANGED:
            if refusal := self.refuse_change(instance, details):
                raise ValidationError({ROW: [refusal]})
            self.check_change(instance, details)
            self.raise_problems()
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
        """Return why this row may not be added (no primary key yet) or changed by an import, or ''."""
        return ""

    def check_change(self, instance, details) -> None:
        """Note (with problem()) what the domain's rules refuse in a new or changed row; unchanged rows are not
        checked, so that a file that repeats what is stored always imports. Add the row to to_confirm if it needs
        the importer's confirmation."""

    def confirm(self, column: str, message: str) -> None:
        """Note that the row being read needs the importer's confirmation, saying why."""
        self.to_confirm.append((self.sheet_row(self.row_number), column, message))

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

"""Spreadsheet imports and exports: read a file, check every row, preview what it would do, then apply it.

One path serves the upload page, the admin (whose Import buttons lead to the upload page) and
`manage.py import_data`, so that every import gets the same checks:

- The file is judged by its content, never its name (monitoring.uploads.check_upload): an Excel workbook (.xlsx)
  or UTF-8 CSV, not empty, not over IMPORT_MAX_UPLOAD_BYTES.
- Its headings must be the kind's columns (missing, unknown and repeated headings are all listed), and every
  row is checked by the kind's resource (plans/indicators/funding `resources.py`): problems are reported by
  sheet row and column, in words.
- All or nothing: one problem anywhere and nothing is saved. A preview runs the whole import and rolls it back.
- A data expert may import values only for the indicators they look after; a performance officer may import
  anything. Values that have been signed off are never changed (the values resource refuses such a row).
- Values meet the value form's rules (indicators.performance): a value that misses its target without
  commentary is a problem; a value far outside its indicator's history is listed for the importer to confirm
  (the preview's "I have checked these values" box, `import_data --confirm-outliers`), and applying a file
  with one not confirmed changes nothing.
- An applied import is recorded (ImportRecord), and every value it changed keeps its history with the user.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.db import transaction

from funding.resources import FundingLineResource
from indicators.models import Indicator
from indicators.resources import IndicatorResource, IndicatorValueResource
from monitoring import permissions
from monitoring.models import ImportRecord
from monitoring.spreadsheets import workbook
from monitoring.spreadsheets.files import (
    ImportFileError,
    Sheet,
    Table,
    read_file,
    write_csv,
    write_xlsx,
)
from monitoring.spreadsheets.outcome import (
    Outcome,
    Problem,
    Rollback,
    finish_record,
    history_reason,
    refuse_unconfirmed,
    run_table,
    start_record,
)
from monitoring.spreadsheets.workbook import PLAN
from plans.resources import ActionResource, RiskResource
from plans.sheets import (
    SheetResource,
    normalise,
)

# The kinds of file that can be imported one table at a time, in the order the upload page lists them.
KINDS: dict[str, type[SheetResource]] = {
    resource.kind: resource
    for resource in (IndicatorValueResource, ActionResource, IndicatorResource, FundingLineResource, RiskResource)
}




NOT_YOURS = "You can only import values for indicators you look after; {code} is looked after by {expert}."


NOT_ALLOWED = "Only a performance officer can import {what}."


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
    return workbook.WORKBOOK_LABEL if kind == PLAN else KINDS[kind].label


# --- running an import ---------------------------------------------------------------------------------------


def pick_table(tables: list[Table], resource: type[SheetResource]) -> tuple[Table, str]:
    """Return the sheet to import: the one named as in a plan workbook if there is one, else the first."""
    for table in tables:
        if normalise(table.name) == normalise(resource.sheet):
            return table, ""
    table = next((table for table in tables if table.headers), tables[0])
    note = f"Read the sheet '{table.name}', the first of the workbook's sheets." if len(tables) > 1 else ""
    return table, note


def import_file(*, kind: str, content: bytes, file_name: str, user, apply: bool,
                via: str = ImportRecord.Via.PAGE,
                confirm_outliers: bool | Collection[tuple[str | None, int]] = False) -> Outcome:
    """Check a file of the given kind and, if `apply` and it has no problem at all, import it; else change nothing.

    A user who may not import this kind gets a problem rather than an exception, so that the page and the command
    line report it the same way. `user` None is the command line run without --user: a performance officer's reach.
    The rows to confirm (outliers) are listed in `outcome.to_confirm`; applying makes a problem of each one that
    `confirm_outliers` does not confirm (True: all of them; else the (sheet, row) places confirmed).
    """
    if kind == PLAN:
        return workbook.import_workbook(content=content, file_name=file_name, user=user, apply=apply, via=via,
                                        confirm_outliers=confirm_outliers)
    outcome = Outcome(kind=kind, label=kind_label(kind), file_name=file_name)
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
            if apply:
                refuse_unconfirmed(outcome, confirm_outliers)
            if outcome.problems or not apply:
                raise Rollback
            outcome.record = finish_record(record, outcome)
            outcome.applied = True
    except Rollback:
        outcome.record = None
    return outcome


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

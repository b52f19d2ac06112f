"""A whole plan as one Excel workbook, a sheet per table, that imports back into an identical plan.

The sheets are the tables' own spreadsheets (the same resources as the single-table imports, in their
'restore' form, which also carries what only a restore may set, such as a value's status), plus the people,
partners and corporate objectives the plan refers to, so that a workbook loads into an empty database.

Importing a workbook runs the sheets in dependency order in one transaction: people before the roles that name
them, the plan before its sections, priorities before their key activities, indicators before their values.
Every sheet is checked with the same rules as a single-table import and every problem is reported by sheet, row
and column; one problem anywhere and nothing is saved. Rows already stored are matched by their keys (plan
reference and position, indicator code and period, ...) and updated; rows the workbook does not list are left as
they are. Values that have been signed off are never changed.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from funding.resources import BudgetEntryResource, BudgetTableResource, BudgetYearResource, FundingLineResource
from indicators.resources import IndicatorResource, IndicatorValueResource, PlanIndicatorResource
from monitoring import permissions
from monitoring.models import ImportRecord
from monitoring.spreadsheets.files import ImportFileError, Sheet, read_file, write_xlsx
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
from plans import partnerships
from plans.models import Plan
from plans.resources import (
    ActionGroupResource,
    ActionResource,
    ContributionResource,
    CorporateObjectiveResource,
    CorporateOutcomeResource,
    KeyMeasureResource,
    OrganisationResource,
    PersonResource,
    PlanResource,
    PlanRoleResource,
    PriorityResource,
    RiskResource,
    SectionResource,
)
from plans.sheets import Lookups, normalise

PLAN = "plan"  # the kind of import that is a whole plan's workbook
WORKBOOK_LABEL = "A whole plan (workbook)"

# The order sheets are imported in: each sheet's rows refer only to sheets above it.
IMPORT_ORDER = [
    OrganisationResource, PersonResource, CorporateObjectiveResource, CorporateOutcomeResource,
    PlanResource, PlanRoleResource, SectionResource, ActionGroupResource, PriorityResource, ContributionResource,
    ActionResource, KeyMeasureResource, IndicatorResource, PlanIndicatorResource, IndicatorValueResource,
    FundingLineResource, BudgetTableResource, BudgetYearResource, BudgetEntryResource, RiskResource,
]
# The order sheets are written in: the plan as it reads, then the reference data it refers to.
EXPORT_ORDER = [
    PlanResource, PlanRoleResource, SectionResource, ActionGroupResource, ActionResource, PriorityResource,
    ContributionResource, KeyMeasureResource, IndicatorResource, PlanIndicatorResource, IndicatorValueResource,
    FundingLineResource, BudgetTableResource, BudgetYearResource, BudgetEntryResource, RiskResource,
    OrganisationResource, PersonResource, CorporateObjectiveResource, CorporateOutcomeResource,
]
IGNORED_SHEETS = {"notes", "about"}  # a sheet of notes people keep beside the tables is left alone


def workbook_sheets(plan: Plan) -> list[Sheet]:
    """Return every table of the plan as a sheet."""
    sheets = []
    for resource_class in EXPORT_ORDER:
        resource = resource_class(restore=True)
        headers, rows = resource.export_table(resource.export_queryset([plan]))
        sheets.append(Sheet(resource.sheet, headers, rows, resource.text_columns()))
    return sheets


def export_workbook(plan: Plan) -> bytes:
    """Return the whole plan as an .xlsx workbook with a sheet per table: its partnership's rows only (its
    corporate objectives, say), even for someone who sees every partnership."""
    with partnerships.within([plan.partnership_id]):
        return write_xlsx(workbook_sheets(plan))


def workbook_file_name(plan: Plan) -> str:
    safe = "".join(char if char.isalnum() else "-" for char in plan.reference).strip("-").lower()
    return f"plan-{safe or plan.pk}.xlsx"


def import_workbook(*, content: bytes, file_name: str, user, apply: bool, via: str = ImportRecord.Via.PAGE,
                    confirm_outliers: bool | Collection[tuple[str | None, int]] = False) -> Outcome:
    """Check a whole-plan workbook and, if `apply` and it has no problem at all, import every sheet of it (the
    rows to confirm as monitoring.spreadsheets.imports.import_file confirms them)."""
    outcome = Outcome(kind=PLAN, label=WORKBOOK_LABEL, file_name=file_name)
    if user is not None and not permissions.is_performance_officer(user):
        outcome.problems.append(Problem("Only a performance officer can import a whole plan."))
        return outcome
    try:
        file_format, tables = read_file(content)
    except ImportFileError as error:
        outcome.problems.append(Problem(str(error)))
        return outcome
    if file_format != "xlsx":
        outcome.problems.append(Problem(
            "A whole plan comes as an Excel workbook (.xlsx) with a sheet per table, as the plan's 'Download the "
            "whole plan' link gives it. This file is CSV: import it as one table instead."
        ))
        return outcome
    known = {normalise(resource.sheet): resource for resource in IMPORT_ORDER}
    by_name = {}
    for table in tables:
        key = normalise(table.name)
        if key in known:
            by_name[key] = table
        elif key not in IGNORED_SHEETS and table.headers:
            outcome.problems.append(Problem(
                f"The sheet '{table.name}' is not part of a plan workbook. The sheets are: "
                f"{', '.join(resource.sheet for resource in EXPORT_ORDER)}."
            ))
    if normalise(PlanResource.sheet) not in by_name:
        outcome.problems.append(Problem("The workbook has no 'Plan' sheet, so it does not hold a plan."))
    if outcome.problems:
        return outcome
    try:
        with transaction.atomic():
            record = start_record(PLAN, content, file_name, user, via) if apply else None
            lookups = Lookups()
            for resource_class in IMPORT_ORDER:
                table = by_name.get(normalise(resource_class.sheet))
                if table is None or not table.headers:
                    continue
                resource = resource_class(user=user, restore=True, lookups=lookups,
                                          change_reason=history_reason(record, file_name))
                sheet, problems, notices = run_table(resource, table, dry_run=False, sheet=table.name)
                outcome.sheets.append(sheet)
                outcome.problems += problems
                outcome.notices += [f"Sheet '{table.name}': {notice}" for notice in notices]
            if apply:
                refuse_unconfirmed(outcome, confirm_outliers)
            if outcome.problems or not apply:
                raise Rollback
            outcome.record = finish_record(record, outcome)
            outcome.applied = True
    except Rollback:
        outcome.record = None
    return outcome

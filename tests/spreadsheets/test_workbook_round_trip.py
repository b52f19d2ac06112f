"""A whole plan exported to one workbook imports back into an identical plan: both seed plans, into an empty
database and after the plan has been deleted, compared field by field."""

from __future__ import annotations

import io
from datetime import date
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models

from funding.models import BudgetTable
from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from monitoring.models import ImportRecord, ProgressReport, Return, WorkflowEvent
from monitoring.spreadsheets import workbook
from plans import partnerships
from plans.models import Organisation, Partnership, Person, Plan, Section

pytestmark = pytest.mark.django_db

SEED_PLANS = ["NI 152", "CS 2012/13"]
# Bookkeeping of how a value was entered, not what the plan says: the import sets them afresh (who imported it,
# when, version 1). A person's login is not part of a plan either.
NOT_PLAN_DATA = {IndicatorValue: {"entered_by", "updated_at", "version"}, Person: {"user"}}


# --- a plan as plain data, built from the models (not from the resources under test) ---------------------------


def natural(obj):
    """Return what identifies a related object in a plan, whatever its primary key."""
    if isinstance(obj, Organisation):
        return (obj.short_name, obj.name)
    if isinstance(obj, Person):
        return fields_of(obj)
    if isinstance(obj, Partnership):
        return obj.name
    if isinstance(obj, Plan):
        return obj.reference
    if isinstance(obj, Section):
        return section_place(obj)
    if hasattr(obj, "code") and hasattr(obj, "kind") and hasattr(obj, "start"):  # a Period
        return obj.code
    if obj._meta.model_name == "indicator":
        return obj.code or obj.name
    if obj._meta.model_name in ("priority", "corporateobjective"):
        return obj.number
    if obj._meta.model_name == "corporateoutcome":
        return f"{obj.objective.number}{obj.letter}"
    if obj._meta.model_name == "actiongroup":
        return obj.title
    if obj._meta.model_name == "budgettable":
        return obj.plan.reference
    if obj._meta.model_name == "deliveryaction":
        return (obj.plan.reference, obj.position)
    if obj._meta.model_name == "fundingline":
        return (obj.plan.reference, obj.position)
    if obj._meta.model_name == "keymeasure":
        return (obj.plan.reference, obj.position)
    raise AssertionError(f"No natural key for {obj!r}")


def fields_of(obj) -> dict:
    """Return every field of the object (related objects by their natural keys), and its many-to-many sets."""
    skip = NOT_PLAN_DATA.get(type(obj), set())
    data = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in skip:
            continue
        value = getattr(obj, field.name)
        data[field.name] = natural(value) if isinstance(value, models.Model) else value
    for field in obj._meta.many_to_many:
        data[field.name] = sorted(repr(natural(related)) for related in getattr(obj, field.name).all())
    return data


def section_place(section: Section) -> str:
    place = [section.position]
    while section.parent_id:
        section = section.parent
        place.insert(0, section.position)
    return ".".join(map(str, place))


def rows(queryset, *children: str) -> list[dict]:
    result = []
    for obj in queryset:
        data = fields_of(obj)
        for child in children:
            data[child] = sorted((fields_of(row) for row in getattr(obj, child).all()), key=repr)
        result.append(data)
    return sorted(result, key=repr)


def snapshot(reference: str) -> dict:
    """Return everything the plan holds, field by field."""
    plan = Plan.objects.get(reference=reference)
    indicators = [link.indicator for link in plan.plan_indicators.select_related("indicator")]
    values = IndicatorValue.objects.filter(
        indicator__in=indicators, period__start__gte=date(plan.first_year, 4, 1),
        period__start__lt=date(plan.last_year + 1, 4, 1),
    )
    budget = BudgetTable.objects.filter(plan=plan)
    return {
        "plan": fields_of(plan),
        "lead partner": natural(plan.lead_organisation),
        "roles": rows(plan.roles.all()),
        "sections": rows(plan.sections.all()),
        "action groups": rows(plan.action_groups.all()),
        "actions": rows(plan.actions.all(), "targets"),
        "priorities": rows(plan.priorities.all(), "contributions"),
        "contributions": rows(
            [c for priority in plan.priorities.all() for c in priority.contributions.all()]
        ),
        "key measures": rows(plan.key_measures.all()),
        "plan indicators": rows(plan.plan_indicators.all()),
        "indicators": rows(indicators, "targets"),
        "values": rows(values),
        "funding": rows(plan.funding_lines.all(), "amounts"),
        "budget": rows(budget, "years", "entries"),
        "risks": rows(plan.risks.all()),
    }


# --- the round trips ------------------------------------------------------------------------------------------


@pytest.fixture
def seeded():
    call_command("load_demo", "--demo-logins", stdout=StringIO())


def empty_database() -> None:
    """Empty every table, as a fresh database would be (inside the test's transaction, which undoes it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # TRUNCATE refuses while deferred foreign key checks are pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


def export_all() -> dict[str, bytes]:
    return {reference: workbook.export_workbook(Plan.objects.get(reference=reference)) for reference in SEED_PLANS}


# Each seed plan is imported back into its own partnership, as its performance officer would from the page.
PARTNERSHIP_OF = {"NI 152": "Coventry Partnership", "CS 2012/13": "Bath and North East Somerset"}


def import_back(content: bytes, name: str, user=None, *, reference: str):
    partnership = Partnership.objects.get_or_create(name=PARTNERSHIP_OF[reference])[0]
    with partnerships.within([partnership.pk]):
        outcome = workbook.import_workbook(content=content, file_name=name, user=user, apply=True)
    assert outcome.ok, "\n".join(map(str, outcome.problems))
    return outcome


def test_it_restores_both_seed_plans_into_an_empty_database(seeded):
    before = {reference: snapshot(reference) for reference in SEED_PLANS}
    assert before["NI 152"]["values"], "the demo history gives NI 152 values to carry"
    assert any(value["status"] == EntryStatus.SIGNED_OFF for value in before["NI 152"]["values"])
    files = export_all()

    empty_database()
    assert not Plan.objects.exists() and not Person.objects.exists() and not IndicatorValue.objects.exists()

    first = import_back(files["NI 152"], "ni152.xlsx", reference="NI 152")
    assert first.new == first.rows > 80  # the plan, its people and values: Coventry has no corporate objectives
    import_back(files["CS 2012/13"], "cs.xlsx", reference="CS 2012/13")
    for reference in SEED_PLANS:
        assert snapshot(reference) == as_drafts(before[reference]), reference


def as_drafts(plan: dict) -> dict:
    """The plan as a workbook restores it: every figure, each a draft, since only a sign-off signs a value off."""
    return {**plan, "values": [{**value, "status": EntryStatus.DRAFT} for value in plan["values"]]}


def test_it_restores_a_deleted_plan_whose_indicators_and_values_remain(seeded):
    performance_officer = get_user_model().objects.get(username="admin")
    for report in Return.objects.filter(status=Return.Status.SIGNED_OFF).select_related("round"):
        if not report.round.is_open:  # a signed-off return's plan goes only once the return is reopened
            services.round_reopen(reporting_round=report.round, user=performance_officer)
        services.return_reopen(report=report, user=performance_officer, reason="The plan is to be deleted.")
    before = {reference: snapshot(reference) for reference in SEED_PLANS}
    files = export_all()
    for reference in SEED_PLANS:
        plan = Plan.objects.get(reference=reference)
        WorkflowEvent.objects.filter(report__plan=plan).delete()
        ProgressReport.objects.filter(report__plan=plan).delete()
        Return.objects.filter(plan=plan).delete()
        plan.delete()

    for reference, content in files.items():
        outcome = import_back(content, f"{reference}.xlsx", reference=reference)
        plan_sheet = next(sheet for sheet in outcome.sheets if sheet.name == "Plan")
        assert plan_sheet.new == 1
    for reference in SEED_PLANS:
        assert snapshot(reference) == before[reference], reference


def test_it_finds_nothing_to_change_when_a_plan_is_imported_over_itself(seeded):
    for reference, content in export_all().items():
        outcome = import_back(content, f"{reference}.xlsx", reference=reference)
        assert outcome.rows > 0
        assert (outcome.new, outcome.changed) == (0, 0), reference
        assert outcome.unchanged == outcome.rows


def test_it_applies_an_edited_workbook_and_records_the_import(seeded):
    admin = get_user_model().objects.get(username="admin")
    content = export_all()["NI 152"]
    book = openpyxl.load_workbook(io.BytesIO(content))
    actions = book["Actions"]
    headers = [cell.value for cell in actions[1]]
    actions.cell(row=2, column=headers.index("Title") + 1, value="Renamed first action")
    buffer = io.BytesIO()
    book.save(buffer)

    outcome = workbook.import_workbook(content=buffer.getvalue(), file_name="ni152.xlsx", user=admin, apply=True)

    assert outcome.ok and outcome.changed == 1
    assert Plan.objects.get(reference="NI 152").actions.get(position=1).title == "Renamed first action"
    record = ImportRecord.objects.get()
    assert (record.kind, record.user, record.changed, record.file_name) == ("plan", admin, 1, "ni152.xlsx")
    assert record.details["Actions"]["changed"] == 1


def test_a_workbook_with_a_problem_in_one_sheet_changes_nothing(seeded):
    before = snapshot("NI 152")
    book = openpyxl.load_workbook(io.BytesIO(export_all()["NI 152"]))
    actions = book["Actions"]
    headers = [cell.value for cell in actions[1]]
    actions.cell(row=2, column=headers.index("Title") + 1, value="Renamed")
    risks = book["Risks"]
    headers = [cell.value for cell in risks[1]]
    risks.cell(row=3, column=headers.index("Likelihood") + 1, value="very")
    buffer = io.BytesIO()
    book.save(buffer)

    outcome = workbook.import_workbook(content=buffer.getvalue(), file_name="ni152.xlsx", user=None, apply=True)

    assert [str(problem) for problem in outcome.problems] == [
        "Sheet 'Risks', row 3, column G (Likelihood): 'very' is not a number. Enter a whole number, like 3."
    ]
    assert not outcome.applied and snapshot("NI 152") == before
    assert not ImportRecord.objects.exists()


def test_a_whole_plan_must_be_a_workbook_with_a_plan_sheet_and_only_plan_sheets(seeded):
    def refused(content: bytes, user=None) -> list[str]:
        outcome = workbook.import_workbook(content=content, file_name="plan", user=user, apply=True)
        assert not outcome.applied and not ImportRecord.objects.exists()
        return [str(problem) for problem in outcome.problems]

    assert refused(b"Reference,Title\nNI 999,A plan\n")[0].startswith(
        "A whole plan comes as an Excel workbook (.xlsx) with a sheet per table")
    book = openpyxl.load_workbook(io.BytesIO(export_all()["NI 152"]))
    book["Actions"].title = "Actons"
    del book["Plan"]
    buffer = io.BytesIO()
    book.save(buffer)
    assert refused(buffer.getvalue()) == [
        "The sheet 'Actons' is not part of a plan workbook. The sheets are: Plan, Roles, Sections, Action groups, "
        "Actions, Priorities, Contributions, Key measures, Indicators, Plan indicators, Values, Funding, Budget "
        "tables, Budget years, Budget entries, Risks, Organisations, People, Corporate objectives, Corporate "
        "outcomes.",
        "The workbook has no 'Plan' sheet, so it does not hold a plan.",
    ]
    expert = get_user_model().objects.get(username="expert")
    assert refused(export_all()["NI 152"], user=expert) == ["Only a performance officer can import a whole plan."]


def test_a_new_plan_from_a_workbook_names_its_problems_by_sheet_row_and_column(seeded):
    book = openpyxl.load_workbook(io.BytesIO(export_all()["NI 152"]))
    plan = book["Plan"]
    plan["A2"] = "NI 999"  # a new plan: every other sheet still names NI 152, which is left as it is
    plan.cell(row=2, column=[cell.value for cell in plan[1]].index("Last year") + 1, value="2007/08")
    buffer = io.BytesIO()
    book.save(buffer)

    outcome = workbook.import_workbook(content=buffer.getvalue(), file_name="ni999.xlsx", user=None, apply=True)

    assert [str(problem) for problem in outcome.problems] == [
        "Sheet 'Plan', row 2, column I (Last year): The last year cannot come before the first year."
    ]
    assert not Plan.objects.filter(reference="NI 999").exists()

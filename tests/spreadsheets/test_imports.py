"""Spreadsheet imports: every kind of file, every kind of bad file (each changes nothing), the signed-off lock,
who may import what, all or nothing, the history and the record, and the upload page from upload to confirm."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.models import FundingAmount, FundingLine
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue
from monitoring import services
from monitoring.models import ImportRecord
from monitoring.spreadsheets import imports
from monitoring.spreadsheets.outcome import Outcome, checksum
from plans.models import ActionGroup, ActionTarget, DeliveryAction, Organisation, Period, Risk
from tests.cycle_builders import make_cycle, sign_off, submit_everything

pytestmark = pytest.mark.django_db

VALUES = "Indicator,Period,Value,Commentary\n"


@pytest.fixture
def c():
    return make_cycle()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def csv(text: str) -> bytes:
    return text.encode("utf-8")


def xlsx(headers: list, *rows: list, title: str = "Sheet1") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def check(kind: str, content: bytes, user=None, name: str = "file.csv") -> Outcome:
    return imports.import_file(kind=kind, content=content, file_name=name, user=user, apply=False)


def apply(kind: str, content: bytes, user=None, name: str = "file.csv") -> Outcome:
    return imports.import_file(kind=kind, content=content, file_name=name, user=user, apply=True)


def problems(outcome: Outcome) -> list[str]:
    return [str(problem) for problem in outcome.problems]


def value_of(indicator, code: str) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(indicator=indicator, period__start=Period.for_code(code).start,
                                         period__kind=Period.for_code(code).kind).first()


def stored_values() -> list[tuple]:
    return list(IndicatorValue.objects.order_by("pk").values_list("indicator", "period", "value", "status", "version"))


# --- indicator values ------------------------------------------------------------------------------------------


def test_values_import_from_csv_as_decimals_and_drafts(c):
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nLOCAL 1,2008/09-Q1,\"1,250\",\n"),
                    user=c["expert"])

    assert outcome.ok and (outcome.new, outcome.changed, outcome.unchanged) == (2, 0, 0)
    value = value_of(c.ni152, "2008/09-Q1")
    assert (value.value, value.commentary, value.status, value.entered_by) == (
        Decimal("14.6"), "Redundancies", EntryStatus.DRAFT, c["expert"])
    assert value_of(c.indicators[1], "2008/09-Q1").value == Decimal(1250)


def test_values_import_from_xlsx_reading_percent_cells_and_numbers(c):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Indicator", "Period", "Value", "Commentary"])
    sheet.append(["NI 152", "2008/09-Q1", 0.146, "Redundancies"])
    sheet["C2"].number_format = "0.0%"  # shows 14.6%
    sheet.append(["LOCAL 1", "2008/09-Q1", 120])
    buffer = io.BytesIO()
    book.save(buffer)

    outcome = apply("values", buffer.getvalue(), name="values.xlsx")

    assert outcome.ok, problems(outcome)
    assert value_of(c.ni152, "2008/09-Q1").value == Decimal("14.6")
    assert value_of(c.indicators[1], "2008/09-Q1").value == Decimal(120)


def test_a_csv_with_a_byte_order_mark_and_semicolons_reads_as_well(c):
    content = "\ufeffIndicator;Period;Value;Commentary\nNI 152;2008/09-Q1;14.6;Redundancies\n".encode()
    assert apply("values", content).ok
    assert value_of(c.ni152, "2008/09-Q1").value == Decimal("14.6")


def test_rows_are_classed_new_changed_and_unchanged_and_only_changes_are_written(c):
    apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nLOCAL 1,2008/09-Q1,120,\n"))
    before = value_of(c.indicators[1], "2008/09-Q1")

    outcome = check("values", csv(VALUES + "NI 152,2008/09-Q1,14.5,Revised\nLOCAL 1,2008/09-Q1,120,\n"
                                  "LOCAL 1,2008/09-Q2,130,\n"))

    assert (outcome.new, outcome.changed, outcome.unchanged) == (1, 1, 1)
    changes = {change.row: change for change in outcome.sheets[0].changes}
    assert changes[2].change == "changed"
    assert changes[2].details == [("Value", "14.6", "14.5"), ("Commentary", "Redundancies", "Revised")]
    assert changes[4].change == "new" and 3 not in changes  # unchanged rows are counted, not listed
    assert value_of(c.indicators[1], "2008/09-Q1").version == before.version


def test_a_changed_value_goes_back_to_draft_and_a_page_opened_before_cannot_save_over_it(c):
    services.indicator_value_save(report=c.report, indicator=c.ni152, user=c["expert"], raw_value="14.6",
                                  commentary="Redundancies", version=None, confirm_outlier=False, submit=True)
    opened = value_of(c.ni152, "2008/09-Q1")
    assert opened.status == EntryStatus.SUBMITTED

    apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.4,Redundancies\n"), user=c["expert"])

    value = value_of(c.ni152, "2008/09-Q1")
    assert (value.value, value.status, value.version) == (Decimal("14.4"), EntryStatus.DRAFT, opened.version + 1)
    with pytest.raises(services.StaleEdit):
        services.indicator_value_save(report=c.report, indicator=c.ni152, user=c["expert"], raw_value="14.9",
                                      commentary="Later", version=opened.version, confirm_outlier=False, submit=False)


def test_values_in_signed_off_returns_are_never_changed_and_the_row_names_them(c):
    sign_off(submit_everything(c))
    signed = stored_values()

    outcome = apply("values", csv(VALUES + "LOCAL 1,2008/09-Q2,7,\nNI 152,2008/09-Q1,14.9,Redundancies\n"), user=c["expert"])

    assert problems(outcome) == [
        "Row 3: NI 152 for 2008/09 Q1 has been signed off, so an import cannot change it (this row changes its value, "
        "commentary). If it must change, a performance officer reopens the return first."
    ]
    assert stored_values() == signed and not ImportRecord.objects.exists()


def test_a_row_repeating_a_signed_off_value_exactly_is_unchanged(c):
    sign_off(submit_everything(c))
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.5,Redundancies still in the figures\n"
                                  "LOCAL 1,2008/09-Q2,7,\n"))
    assert outcome.ok and (outcome.new, outcome.unchanged) == (1, 1)
    assert value_of(c.ni152, "2008/09-Q1").status == EntryStatus.SIGNED_OFF


def test_each_import_is_recorded_and_every_value_keeps_its_history_with_the_user(c):
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nLOCAL 1,2008/09-Q1,120,\n"),
                    user=c["expert"], name="q1.csv")
    apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.4,Redundancies\n"), user=c["expert"], name="q1-revised.csv")

    record = outcome.record
    assert (record.kind, record.file_name, record.user, record.via) == ("values", "q1.csv", c["expert"], "page")
    assert (record.rows, record.created, record.changed, record.unchanged) == (2, 2, 0, 0)
    assert record.checksum == checksum(csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nLOCAL 1,2008/09-Q1,120,\n"))
    history = value_of(c.ni152, "2008/09-Q1").history.order_by("history_id")
    second = ImportRecord.objects.get(file_name="q1-revised.csv")
    assert [(h.history_type, h.value, h.history_user, h.history_change_reason) for h in history] == [
        ("+", Decimal("14.6"), c["expert"], f"Import {record.pk}: q1.csv"),
        ("~", Decimal("14.4"), c["expert"], f"Import {second.pk}: q1-revised.csv"),
    ]


def test_a_data_expert_imports_only_the_values_of_indicators_they_look_after(c):
    c.indicators[1].data_expert = c["officer"].person
    c.indicators[1].save()

    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nLOCAL 1,2008/09-Q1,120,\n"),
                    user=c["expert"])

    assert problems(outcome) == [
        "Row 3: You can only import values for indicators you look after; LOCAL 1 is looked after by Pat Morgan."
    ]
    assert value_of(c.ni152, "2008/09-Q1") is None


def test_a_performance_officer_imports_any_value_and_any_kind(c):
    assert imports.importable_kinds(c["performance_officer"]) == ["values", "actions", "indicators", "funding", "risks",
                                                                   "plan"]
    assert apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\n"), user=c["performance_officer"]).ok


def test_others_import_nothing_and_a_data_expert_only_values(c):
    assert imports.importable_kinds(c["expert"]) == ["values"]
    assert imports.importable_kinds(c["viewer"]) == imports.importable_kinds(c["officer"]) == []
    outcome = apply("risks", csv("Plan,Position,Risk\nNI 152,1,Recession\n"), user=c["expert"])
    assert problems(outcome) == ["Only a performance officer can import risks."]
    assert not Risk.objects.exists()


def test_one_bad_row_imports_nothing_at_all(c):
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nLOCAL 1,2008/09-Q1,120,\n"
                                  "LOCAL 1,2008/09-Q2,x,\n"))
    assert problems(outcome) == ["Row 4, column C (Value): 'x' is not a number. Enter a number, like 836."]
    assert value_of(c.ni152, "2008/09-Q1") is None and value_of(c.indicators[1], "2008/09-Q1") is None
    assert not ImportRecord.objects.exists()


def test_a_preview_changes_nothing(c):
    outcome = check("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\n"))
    assert outcome.ok and outcome.new == 1 and outcome.record is None
    assert value_of(c.ni152, "2008/09-Q1") is None and not ImportRecord.objects.exists()


def test_lookups_are_fetched_once_per_file_not_once_per_row(c):
    def selects(rows: int) -> int:
        body = "".join(f"LOCAL 1,{code},{number},\n" for number, code in enumerate(
            [f"{year}/{(year + 1) % 100:02d}-Q{quarter}" for year in range(2007, 2011) for quarter in range(1, 5)]
        ) if number < rows)
        apply("values", csv(VALUES + body))  # first time: new
        with CaptureQueriesContext(connection) as queries:
            outcome = check("values", csv(VALUES + body))  # again: every row unchanged, nothing written
        assert outcome.unchanged == rows
        return len([q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")])

    assert selects(3) == selects(16)


# --- bad files: each gets a clear message and changes nothing -------------------------------------------------


@pytest.fixture
def unchanged(c):
    """Check, after the test, that nothing was stored: no new values, no record."""
    before = stored_values()
    yield
    assert stored_values() == before
    assert not ImportRecord.objects.exists()


def test_an_unknown_column_is_named_with_the_columns_expected(c, unchanged):
    outcome = apply("values", csv("Indicator,Period,Valeu\nNI 152,2008/09-Q1,14.6\n"))
    assert problems(outcome) == [
        "Column C, 'Valeu', is not a column of indicator values by period.",
        "The file has no 'Value' column.",
    ]
    assert outcome.notices == ["The columns of indicator values by period are: Indicator, Period, Value, Commentary, "
                               "Status."]


def test_missing_columns_are_named(c, unchanged):
    outcome = apply("actions", csv("Title\nRoutes to work\n"))
    assert problems(outcome)[0] == "The file has no 'Plan', 'Position' columns."


def test_a_column_heading_twice_or_data_with_no_heading_is_refused(c, unchanged):
    outcome = apply("values", csv("Indicator,Period,Value,Value,\nNI 152,2008/09-Q1,14.6,14.7,note\n"))
    assert problems(outcome)[:2] == [
        "Columns C and D are both headed 'Value'. Keep one of them.",
        "Column E has cells filled in but no heading. Give it a heading or delete it.",
    ]


def test_text_in_a_number_cell_is_named_by_row_and_column(c, unchanged):
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,fourteen,\n"))
    assert problems(outcome) == ["Row 2, column C (Value): 'fourteen' is not a number. Enter a number, like 14.2."]


def test_a_value_outside_the_unit_or_with_too_many_decimals_is_refused(c, unchanged):
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,101,\nNI 152,2008/09-Q2,14.55,\nLOCAL 1,2008/09-Q1,,\n"
                                  "LOCAL 1,2008/09-Q2,123456789012345,\n"))
    assert problems(outcome) == [
        "Row 2, column C (Value): Enter a value from 0% to 100%.",
        "Row 3, column C (Value): Enter the value to 1 decimal place, like 14.2.",
        "Row 4, column C (Value): This cell is empty. Enter the value, or delete the row: a blank is not a value.",
        "Row 5, column C (Value): Enter a number smaller than 100,000,000,000,000.",
    ]


def test_an_unknown_indicator_code_is_named(c, unchanged):
    outcome = apply("values", csv(VALUES + "NI 999,2008/09-Q1,14.6,\n"))
    assert problems(outcome) == [
        "Row 2, column A (Indicator): No indicator has the code 'NI 999'. Check the code, or add the indicator first."
    ]


def test_a_period_outside_the_plan_or_not_a_period_is_refused(c, unchanged):
    outcome = apply("values", csv(VALUES + "NI 152,2011/12-Q1,14.6,\nNI 152,2008/09-Q5,14.6,\nNI 152,2008/9,1,\n"))
    assert problems(outcome) == [
        "Row 2, column B (Period): 2011/12 Q1 is outside the years of the plans that show NI 152 (NI 152 covers "
        "2007/08 to 2010/11).",
        "Row 3, column B (Period): '2008/09-Q5' is not a period. Write a financial year as 2008/09, a quarter as "
        "2008/09-Q1, a half year as 2012/13-H1 or a month as May 2007.",
        "Row 4, column B (Period): '2008/9' is not a period. Write a financial year as 2008/09, a quarter as "
        "2008/09-Q1, a half year as 2012/13-H1 or a month as May 2007.",
    ]


def test_an_impossible_year_is_refused_in_words_on_its_own_row_only(c, unchanged):
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nNI 152,0000/01-Q1,14.6,\n"
                                           "LOCAL 1,2008/09-Q1,120,\nNI 152,9999/00-Q1,1,\n"), user=c["expert"])
    rule = "periods fall in the financial years 1990/91 to 2100/01, April 1990 to March 2101."
    assert problems(outcome) == [
        f"Row 3, column B (Period): '0000/01-Q1' is not a period: {rule}",
        f"Row 5, column B (Period): '9999/00-Q1' is not a period: {rule}",
    ]


def test_a_period_excel_turned_into_a_date_is_explained(c, unchanged):
    outcome = apply("values", xlsx(["Indicator", "Period", "Value"], ["NI 152", datetime(2008, 9, 1), 14.6]))
    assert problems(outcome) == [
        "Row 2, column B (Period): Excel has turned this cell into a date (2008-09-01). Format the column as text, "
        "then type it again, like 2008/09-Q1, 2008/09 or May 2007."
    ]


def test_a_duplicate_row_is_named_with_the_row_it_repeats(c, unchanged):
    outcome = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\nLOCAL 1,2008/09-Q1,3,\n"
                                  "ni 152, 2008/09-Q1 ,14.7,\n"))
    assert problems(outcome) == [
        "Row 4: This row repeats row 2: both are for NI 152 in 2008/09 Q1. Keep one of them."
    ]


def test_a_pdf_renamed_xlsx_is_refused(c, unchanged):
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
    outcome = apply("values", pdf, name="values.xlsx")
    assert problems(outcome) == [
        "The selected file is a PDF, not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file."
    ]


def test_a_word_document_or_an_old_excel_file_is_refused(c, unchanged):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert problems(apply("values", buffer.getvalue(), name="values.xlsx")) == [
        "The selected file must be an Excel workbook (.xlsx) or a CSV file. It looks like a Word document."
    ]
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    assert "old-style Excel (.xls)" in problems(apply("values", old_excel, name="values.xls"))[0]


def test_a_csv_that_is_not_utf8_is_refused_with_how_to_save_it(c, unchanged):
    outcome = apply("values", (VALUES + "NI 152,2008/09-Q1,14.6,Caf\xe9\n").encode("latin-1"))
    assert problems(outcome) == [
        "The selected file must be an Excel workbook (.xlsx) or a CSV file. It is not UTF-8 text: in Excel, save it "
        "as 'CSV UTF-8 (Comma delimited)' or as an Excel workbook (.xlsx)."
    ]


def test_an_empty_file_is_refused(c, unchanged):
    assert problems(apply("values", b"")) == ["The selected file is empty."]
    assert problems(apply("values", b"\n\n")) == ["The selected file is empty: it has no headings and no rows."]
    assert problems(apply("values", csv(VALUES))) == ["The file has headings but no rows to import."]


def test_a_file_over_the_size_limit_is_refused(c, unchanged, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    content = csv(VALUES + "NI 152,2008/09-Q1,14.6," + "x" * 2000 + "\n")
    assert problems(apply("values", content)) == ["The selected file must be smaller than 1KB."]


# --- the other kinds -------------------------------------------------------------------------------------------


def test_actions_import_with_their_yearly_targets_where_blank_is_no_target(c):
    Organisation.objects.create(short_name="JCP", name="Jobcentre Plus")
    ActionGroup.objects.create(plan=c.plan, title="Integrated support actions")
    content = csv(
        "Plan,Position,Title,Group,Lead organisations,Lead officer,On flow,Off flow,Target 2008/09,Target 2009/10\n"
        "NI 152,1,Action 1,,,,,,,400\n"
        "NI 152,4,Routes to work,Integrated support actions,JCP,Pat Morgan,yes,no,\"1,200\",0\n"
    )

    outcome = apply("actions", content)

    assert outcome.ok, problems(outcome)
    assert (outcome.new, outcome.changed) == (1, 1)
    first = {t.year: t.value for t in ActionTarget.objects.filter(action=c.action)}
    assert first == {2009: Decimal(400)}  # the blank 2008/09 cell removed the target of 320: blank is not zero
    action = DeliveryAction.objects.get(plan=c.plan, position=4)
    assert (action.title, action.group.title, action.lead_officer.name, action.on_flow, action.off_flow) == (
        "Routes to work", "Integrated support actions", "Pat Morgan", True, False)
    assert [o.short_name for o in action.lead_organisations.all()] == ["JCP"]
    assert {t.year: t.value for t in action.targets.all()} == {2008: Decimal(1200), 2009: Decimal(0)}


def test_action_rows_name_each_problem(c):
    outcome = check("actions", csv(
        "Plan,Position,Title,Group,Lead officer,Target 2011/12\n"
        "NI 999,1,A,,,\n"
        "NI 152,5,,Nope,Nobody,5\n"
    ))
    assert problems(outcome) == [
        "Row 2, column A (Plan): There is no plan with the reference 'NI 999'.",
        "Row 3, column C (Title): This cell is empty. Enter the title.",
        "Row 3, column D (Group): NI 152 has no group heading 'Nope'.",
        "Row 3, column E (Lead officer): No one called 'Nobody' is recorded. Add them as a person first, or check "
        "the spelling.",
        "Row 3, column F (Target 2011/12): NI 152 covers 2007/08 to 2010/11, so it can have no figure for 2011/12.",
    ]


def test_indicators_import_with_baselines_owners_and_targets(c):
    content = csv(
        "Code,Definition,Unit,Polarity,Decimal places,Baseline,Baseline period,Data expert,Owners,Target 2008/09,"
        "Target 2009/10\n"
        "NI 152,Working age people on out of work benefits,Percentage,Lower is better,1,14.8,May 2007,Myles Mackie,"
        "Jane Beaver,14.3,\n"
        "NI 117,16 to 18 year olds who are not in education or training,percent,lower,1,8.4,2006/07,,"
        "Jane Beaver; Pat Morgan,8.0,7.5\n"
    )

    outcome = apply("indicators", content)

    assert outcome.ok, problems(outcome)
    assert (outcome.new, outcome.changed) == (1, 1)
    ni152 = Indicator.objects.get(code="NI 152")
    assert (ni152.baseline_value, ni152.baseline_period.code) == (Decimal("14.8"), "May 2007")
    assert ni152.baseline_label == "14.8% May 2007"
    ni117 = Indicator.objects.get(code="NI 117")
    assert ni117.polarity == Indicator.Polarity.LOWER_IS_BETTER and ni117.baseline_period.code == "2006/07"
    assert sorted(p.name for p in ni117.owners.all()) == ["Jane Beaver", "Pat Morgan"]
    assert dict(IndicatorTarget.objects.filter(indicator=ni117).values_list("year", "value")) == {
        2008: Decimal("8.0"), 2009: Decimal("7.5")}


def test_funding_lines_import_amounts_tbc_not_identified_and_blank(c):
    content = csv(
        "Plan,Position,Funding stream,Comment,2008/09,2009/10,2010/11\n"
        "NI 152,1,Working Neighbourhoods Fund,Bid approved,\"£1,070,000\",tbc,\n"
        "NI 152,2,European Social Fund,,0,not yet identified,250000.50\n"
    )

    outcome = apply("funding", content)

    assert outcome.ok, problems(outcome)
    first = FundingLine.objects.get(plan=c.plan, position=1)
    amounts = {a.year: (a.status, a.amount) for a in first.amounts.all()}
    assert amounts == {2008: ("amount", Decimal(1070000)), 2009: ("tbc", None)}  # blank 2010/11: no row, not 0
    second = {a.year: (a.status, a.amount) for a in FundingLine.objects.get(plan=c.plan, position=2).amounts.all()}
    assert second == {2008: ("amount", Decimal(0)), 2009: ("none", None), 2010: ("amount", Decimal("250000.50"))}


def test_a_funding_amount_must_be_money_tbc_or_not_yet_identified(c):
    outcome = check("funding", csv("Plan,Position,Funding stream,2008/09,2012/13\nNI 152,1,WNF,lots,5\n"))
    assert problems(outcome) == [
        "Row 2, column D (2008/09): 'lots' is not a number. Enter a number, like 1070000. You can also write tbc or "
        "not yet identified.",
        "Row 2, column E (2012/13): NI 152 covers 2007/08 to 2010/11, so it can have no figure for 2012/13.",
    ]
    assert not FundingAmount.objects.exists()


def test_risks_import_and_their_score_is_worked_out_not_imported(c):
    content = csv("Plan,Position,Reference,Risk,Mitigating action,Owner,Likelihood,Impact,Score,Review date\n"
                  "NI 152,1,R1,Recession,Target support,Jane Beaver,3,4,99,31/03/2009\n")

    outcome = apply("risks", content)

    assert outcome.ok and outcome.notices == ["The 'Score' column is for information only and is not imported."]
    risk = Risk.objects.get(plan=c.plan, position=1)
    assert (risk.owner.name, risk.score, risk.review_date) == ("Jane Beaver", 12, date(2009, 3, 31))
    outcome = check("risks", csv("Plan,Position,Risk,Likelihood\nNI 152,2,Other,6\n"))
    assert problems(outcome) == ["Row 2, column D (Likelihood): Enter a whole number from 1 to 5."]


# --- templates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(imports.KINDS))
def test_each_template_has_the_expected_columns_an_example_row_and_notes(kind):
    headers, example, notes = imports.template_columns(kind)
    book = openpyxl.load_workbook(io.BytesIO(imports.template_file(kind, "xlsx")))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers
    assert any(cell.value not in (None, "") for cell in sheet[2])
    assert book["Notes"].max_row == len(notes) + 1
    resource = imports.KINDS[kind]()
    _, header_problems, _ = resource.match_headers(headers)
    assert header_problems == []
    text = imports.template_file(kind, "csv").decode("utf-8-sig").splitlines()
    assert text[0].split(",")[:2] == headers[:2]


def test_the_values_template_imports_as_it_comes(c):
    outcome = check("values", imports.template_file("values", "xlsx"), name="values-template.xlsx")
    assert outcome.ok and outcome.new == 1


# --- the page --------------------------------------------------------------------------------------------------


def upload(client, kind: str, content: bytes, name: str = "values.csv"):
    return client.post(reverse("imports"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_the_page_checks_previews_and_imports_on_confirmation(client, c, tmp_path):
    client.force_login(c["expert"])
    page = client.get(reverse("imports"))
    assert page.status_code == 200 and "Import a spreadsheet" in page.content.decode()

    preview = upload(client, "values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\n"))

    html = preview.content.decode()
    assert preview.status_code == 200 and "Check what values.csv would change" in html
    assert "NI 152 2008/09 Q1" in html and "Import 1 row" in html
    assert value_of(c.ni152, "2008/09-Q1") is None
    assert len(list((tmp_path / "imports" / "pending").iterdir())) == 1

    done = client.post(reverse("import_confirm"), {"token": token_of(preview)})

    record = ImportRecord.objects.get()
    assert done.status_code == 302 and done.url == record.get_absolute_url()
    assert value_of(c.ni152, "2008/09-Q1").value == Decimal("14.6")
    assert not list((tmp_path / "imports" / "pending").iterdir())
    shown = client.get(done.url).content.decode()
    assert "Imported values.csv: 1 row: 1 new, 0 changed, 0 unchanged." in shown
    assert "Myles Mackie" in shown and "Added" in shown


def test_a_file_with_problems_shows_them_all_and_offers_no_confirmation(client, c):
    client.force_login(c["expert"])
    preview = upload(client, "values", csv(VALUES + "NI 999,2008/09-Q1,14.6,\nNI 152,2008/09-Q1,x,\n"))
    html = preview.content.decode()
    assert "values.csv cannot be imported" in html and "2 problems found" in html
    assert "No indicator has the code &#x27;NI 999&#x27;." in html
    assert "name=\"token\"" not in html


def test_a_confirmation_checks_again_and_refuses_what_changed_meanwhile(client, c):
    submit_everything(c)
    client.force_login(c["performance_officer"])
    preview = upload(client, "values", csv(VALUES + "NI 152,2008/09-Q1,14.4,Redundancies\n"))
    sign_off(c)

    refused = client.post(reverse("import_confirm"), {"token": token_of(preview)})

    assert refused.status_code == 409
    assert "has been signed off, so an import cannot change it" in refused.content.decode()
    assert value_of(c.ni152, "2008/09-Q1").value == Decimal("14.5")


def test_a_confirmation_is_single_use_and_bound_to_the_uploader(client, c):
    client.force_login(c["expert"])
    token = token_of(upload(client, "values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\n")))
    other = type(client)()
    other.force_login(c["performance_officer"])
    stolen = other.post(reverse("import_confirm"), {"token": token}, follow=True)
    assert "already been imported or has expired" in stolen.content.decode()
    assert value_of(c.ni152, "2008/09-Q1") is None

    assert client.post(reverse("import_confirm"), {"token": token}).status_code == 302
    again = client.post(reverse("import_confirm"), {"token": token}, follow=True)
    assert "already been imported or has expired" in again.content.decode()
    assert ImportRecord.objects.count() == 1


def test_the_upload_form_says_what_is_wrong_with_a_file(client, c, settings):
    client.force_login(c["expert"])
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    cases = {
        b"": "The selected file is empty",
        b"%PDF-1.4\n\x00\x01\x02\xff": "The selected file must be an Excel workbook (.xlsx) or a CSV file. It "
                                          "looks like a PDF.",
        csv(VALUES + "x" * 200): "The selected file must be smaller than 100 bytes",
    }
    for content, message in cases.items():
        html = upload(client, "values", content, name="values.xlsx").content.decode()
        assert "There is a problem" in html and message in html, message
    assert "Select what the file holds" in client.post(reverse("imports"), {}).content.decode()


def test_only_performance_officers_and_data_experts_may_upload(client, c):
    client.force_login(c["viewer"])
    page = client.get(reverse("imports")).content.decode()
    assert "Import a spreadsheet" not in page and "Download a table" in page
    assert upload(client, "values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\n")).status_code == 403

    client.force_login(c["expert"])
    refused = upload(client, "risks", csv("Plan,Position,Risk\nNI 152,1,R\n"))
    assert "Select a valid choice" in refused.content.decode() and not Risk.objects.exists()


def test_the_admin_import_buttons_lead_to_the_upload_page_with_the_kind_chosen(client, c, admin_user):
    client.force_login(admin_user)
    for model, kind in [("indicators_indicatorvalue", "values"), ("plans_deliveryaction", "actions"),
                        ("indicators_indicator", "indicators"), ("funding_fundingline", "funding"),
                        ("plans_risk", "risks")]:
        listing = client.get(reverse(f"admin:{model}_changelist")).content.decode()
        assert reverse(f"admin:{model}_import") in listing
        response = client.get(reverse(f"admin:{model}_import"))
        assert response.url == f"{reverse('imports')}?kind={kind}"
        assert client.post(reverse(f"admin:{model}_process_import")).url == response.url
    page = client.get(f"{reverse('imports')}?kind=funding").content.decode()
    assert 'value="funding" checked' in page


def test_an_import_record_is_seen_by_its_importer_and_performance_officers_only(client, c):
    record = apply("values", csv(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\n"), user=c["expert"]).record
    for role, status in [("expert", 200), ("performance_officer", 200), ("viewer", 403), ("officer", 403)]:
        client.force_login(c[role])
        assert client.get(record.get_absolute_url()).status_code == status, role
    client.force_login(c["viewer"])
    assert "Recent imports" not in client.get(reverse("imports")).content.decode()
    client.force_login(c["performance_officer"])
    assert "Recent imports" in client.get(reverse("imports")).content.decode()

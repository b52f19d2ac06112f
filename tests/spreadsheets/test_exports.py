"""Exports: the plan list, each table of a plan (or of every plan) and a whole plan, to CSV and Excel; what is
downloaded imports back unchanged; text never becomes a formula; every download needs a sign-in."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from funding.models import FundingAmount, FundingLine
from indicators.models import IndicatorValue
from monitoring.spreadsheets import imports
from plans.models import Risk
from tests.builders import make_plan
from tests.cycle_builders import make_cycle, submit_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    cycle = submit_everything(make_cycle())
    line = FundingLine.objects.create(plan=cycle.plan, position=1, name="Working Neighbourhoods Fund", comment="=SUM(A1)")
    FundingAmount.objects.create(line=line, year=2008, amount=Decimal("1070000"))
    FundingAmount.objects.create(line=line, year=2009, status=FundingAmount.Status.TBC)
    Risk.objects.create(plan=cycle.plan, position=1, risk="Recession", likelihood=3, impact=4,
                        review_date=date(2009, 3, 31), owner=cycle["owner"].person)
    return cycle


def rows_of_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def sheet_of(content: bytes, name: str | None = None):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return book[name] if name else book.worksheets[0]


def test_the_plan_list_downloads_every_matching_plan_as_csv_and_excel(client, c):
    for number in range(30):  # more than a page of the list
        make_plan(f"LOCAL {number:02d}")
    client.force_login(c["viewer"])

    response = client.get(reverse("plan_list") + "?_export=csv")

    assert response["Content-Disposition"] == 'attachment; filename="plans.csv"'
    rows = rows_of_csv(response.content)
    assert rows[0] == ["Reference", "Title", "Kind", "Lead partner", "Years covered", "Reporting"]
    assert len(rows) == 32 and rows[-1][0] == "NI 152"

    filtered = rows_of_csv(client.get(reverse("plan_list"), {"_export": "csv", "year": "2007"}).content)
    assert [row[0] for row in filtered[1:]] == ["NI 152"]  # the only plan covering 2007/08


def test_the_plan_list_excel_download_has_the_table(client, c):
    client.force_login(c["viewer"])
    response = client.get(reverse("plan_list") + "?_export=xlsx")
    sheet = sheet_of(response.content)
    assert [cell.value for cell in sheet[1]] == ["Reference", "Title", "Kind", "Lead partner", "Years covered",
                                                "Reporting"]
    assert sheet.cell(row=2, column=1).value == "NI 152"


@pytest.mark.parametrize("kind", list(imports.KINDS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_table_downloads_and_imports_back_unchanged(client, c, kind, fmt):
    client.force_login(c["viewer"])

    response = client.get(reverse("export"), {"what": kind, "plan": c.plan.pk, "format": fmt})

    assert response.status_code == 200
    slug = "ni-152"
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-{slug}.{fmt}"'
    outcome = imports.import_file(kind=kind, content=response.content, file_name=f"back.{fmt}", user=None,
                                  apply=False)
    assert outcome.ok, [str(problem) for problem in outcome.problems]
    assert outcome.rows > 0 and outcome.unchanged == outcome.rows


def test_a_table_downloads_with_the_columns_people_write(client, c):
    client.force_login(c["viewer"])
    values = rows_of_csv(client.get(reverse("export"), {"what": "values", "format": "csv"}).content)
    assert values[0] == ["Indicator", "Period", "Value", "Commentary", "Status"]
    assert ["NI 152", "2008/09-Q1", "14.5", "Redundancies still in the figures", "Submitted"] in values

    funding = rows_of_csv(client.get(reverse("export"), {"what": "funding", "plan": c.plan.pk, "format": "csv"}).content)
    assert funding[0] == ["Plan", "Position", "Funding stream", "Comment", "2007/08", "2008/09", "2009/10", "2010/11"]
    assert funding[1] == ["NI 152", "1", "Working Neighbourhoods Fund", "'=SUM(A1)", "", "1070000", "tbc", ""]

    actions = rows_of_csv(client.get(reverse("export"), {"what": "actions", "format": "csv"}).content)
    assert actions[0][-4:] == ["Target 2007/08", "Target 2008/09", "Target 2009/10", "Target 2010/11"]
    assert actions[1][:2] == ["NI 152", "1"] and actions[1][-3] == "320"


def test_excel_keeps_codes_and_periods_as_text_numbers_as_numbers_and_never_makes_formulas(client, c):
    client.force_login(c["viewer"])
    values = sheet_of(client.get(reverse("export"), {"what": "values", "format": "xlsx"}).content)
    row = next(row for row in values.iter_rows(min_row=2) if row[1].value == "2008/09-Q1" and row[0].value == "NI 152")
    assert (row[0].data_type, row[1].data_type, row[1].number_format) == ("s", "s", "@")
    assert row[2].value == pytest.approx(14.5) and row[2].data_type == "n"

    funding = sheet_of(client.get(reverse("export"), {"what": "funding", "format": "xlsx"}).content)
    assert (funding["D2"].value, funding["D2"].data_type) == ("'=SUM(A1)", "s")  # tests/spreadsheets/test_formulas
    risks = sheet_of(client.get(reverse("export"), {"what": "risks", "format": "xlsx"}).content)
    headers = [cell.value for cell in risks[1]]
    assert risks.cell(row=2, column=headers.index("Review date") + 1).value.date() == date(2009, 3, 31)
    assert risks.cell(row=2, column=headers.index("Score") + 1).value == 12


def test_every_plan_or_one_plan(client, c):
    other = make_plan("NI 117", first_year=2008, last_year=2010)
    Risk.objects.create(plan=other, position=1, risk="Another")
    client.force_login(c["viewer"])

    every = rows_of_csv(client.get(reverse("export"), {"what": "risks", "format": "csv"}).content)
    one = rows_of_csv(client.get(reverse("export"), {"what": "risks", "plan": other.pk, "format": "csv"}).content)

    assert [row[0] for row in every[1:]] == ["NI 117", "NI 152"]
    assert [row[0] for row in one[1:]] == ["NI 117"]


def test_a_whole_plan_downloads_as_a_workbook_with_a_sheet_per_table(client, c):
    client.force_login(c["viewer"])

    chosen = client.get(reverse("export"), {"what": "plan", "plan": c.plan.pk, "format": "xlsx"})
    assert chosen.url == reverse("plan_workbook", args=[c.plan.pk])
    response = client.get(chosen.url)

    assert response["Content-Disposition"] == 'attachment; filename="plan-ni-152.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Plan", "Roles", "Sections", "Action groups", "Actions", "Priorities", "Contributions", "Key measures",
        "Indicators", "Plan indicators", "Values", "Funding", "Budget tables", "Budget years", "Budget entries",
        "Risks", "Organisations", "People", "Corporate objectives", "Corporate outcomes",
    ]
    assert book["Plan"]["A2"].value == "NI 152"
    values = book["Values"]
    assert [cell.value for cell in values[1]] == ["Indicator", "Period", "Value", "Commentary", "Status",
                                                  "Outlier confirmed", "Illustrative"]
    assert values.max_row - 1 == IndicatorValue.objects.filter(period__start__gte=date(2007, 4, 1)).count()


def test_the_download_form_says_what_is_missing(client, c):
    client.force_login(c["viewer"])
    html = client.get(reverse("export"), {"what": "plan", "format": "csv"}).content.decode()
    assert "There is a problem" in html
    assert "Select the plan to download" in html
    assert "A whole plan downloads as an Excel workbook" in html
    assert "Select what to download" in client.get(reverse("export"), {"format": "csv"}).content.decode()


def test_templates_download_for_each_kind(client, c):
    client.force_login(c["viewer"])
    response = client.get(reverse("import_template", args=["funding", "xlsx"]))
    assert response["Content-Disposition"] == 'attachment; filename="funding-template.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Funding", "Notes"]
    assert [cell.value for cell in book["Funding"][1]] == ["Plan", "Position", "Funding stream", "Comment", "2008/09",
                                                           "2009/10", "2010/11"]
    csv_template = client.get(reverse("import_template", args=["values", "csv"]))
    assert rows_of_csv(csv_template.content) == [["Indicator", "Period", "Value", "Commentary"],
                                                 ["NI 152", "2008/09-Q1", "14.6",
                                                  "Redundancies at the car plant are still in the figures."]]
    assert client.get(reverse("import_template", args=["nothing", "xlsx"])).status_code == 404


def test_the_admin_exports_the_filtered_list_with_the_resource(client, c, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:indicators_indicatorvalue_export") + "?status__exact=submitted"
    response = client.post(url, {"format": "1"})  # CSV, the second format
    rows = rows_of_csv(response.content)
    assert rows[0] == ["Indicator", "Period", "Value", "Commentary", "Status"]
    assert {row[1] for row in rows[1:]} == {"2008/09-Q1"}


@pytest.mark.parametrize("name, args", [
    ("imports", []), ("export", []), ("plan_workbook", [1]), ("import_template", ["values", "csv"]),
    ("import_record", [1]),
])
def test_every_download_and_page_needs_a_sign_in(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))

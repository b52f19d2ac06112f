"""Imports apply the value form's rules: a value that misses its target needs commentary, a value far outside the
indicator's history needs confirming (the preview asks, `import_data --confirm-outliers` confirms), and either
way the rest of the file is untouched and nothing is half saved.

NI 152 (lower is better) has a 2008/09 target of 14.3% and four quarters of 2007/08 history around 14.75%, so
14.6% misses the target, 25.0% misses it and is an outlier, and 9.0% is an outlier on the right side of it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators import performance
from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from monitoring.models import ImportRecord
from monitoring.spreadsheets import imports
from monitoring.spreadsheets.outcome import Outcome
from plans import partnerships
from plans.models import Period
from tests.cycle_builders import make_cycle
from tests.forecast_builders import RISING, with_history
from tests.test_sealed_returns import workbook_with_value_row

pytestmark = pytest.mark.django_db

VALUES = "Indicator,Period,Value,Commentary\n"
GOOD_ROW = "LOCAL 1,2008/09-Q1,120,\n"
MISSES_TARGET = "Row 3, column D (Commentary): Explain why the value misses its target of 14.3%."


@pytest.fixture
def c():
    return make_cycle()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def run_import(text: str, *, apply: bool = True, user=None, confirm_outliers=False) -> Outcome:
    return imports.import_file(kind="values", content=text.encode(), file_name="values.csv", user=user, apply=apply,
                               confirm_outliers=confirm_outliers)


def problems(outcome: Outcome) -> list[str]:
    return [str(problem) for problem in outcome.problems]


def q1(indicator) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(indicator=indicator, period=Period.for_code("2008/09-Q1")).first()


def new_values() -> list[tuple]:
    """The values of 2008/09 and later (the fixture's history is 2007/08)."""
    return list(IndicatorValue.objects.filter(period__start__year__gte=2008, period__start__month__gte=4)
                .order_by("pk").values_list("indicator__code", "value", "outlier_confirmed"))


# --- a value that misses its target needs commentary ---------------------------------------------------------


def test_it_asks_for_commentary_in_the_value_forms_words():
    assert performance.COMMENTARY_REQUIRED == services.COMMENTARY_REQUIRED


def test_a_miss_without_commentary_is_refused_by_row_and_cell_with_the_target_and_nothing_is_saved(c):
    outcome = run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,14.6,\n")

    assert problems(outcome) == [MISSES_TARGET]
    assert not outcome.applied and new_values() == []
    assert not ImportRecord.objects.exists()


def test_a_miss_with_commentary_is_imported(c):
    outcome = run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,14.6,Redundancies at the car plant\n")

    assert outcome.applied, problems(outcome)
    assert (q1(c.ni152).value, q1(c.ni152).commentary) == (Decimal("14.6"), "Redundancies at the car plant")
    assert q1(c.indicators[1]).value == Decimal(120)


def test_commentary_of_spaces_only_does_not_explain_a_miss(c):
    assert problems(run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,14.6,   \n")) == [MISSES_TARGET]


def test_a_file_without_a_commentary_column_is_told_to_add_one(c):
    outcome = run_import("Indicator,Period,Value\nNI 152,2008/09-Q1,14.6\n")

    assert problems(outcome) == [
        "Row 2, column Commentary: Explain why the value misses its target of 14.3%. Add a 'Commentary' column to "
        "the file, with the reason on this row."
    ]


def test_a_value_on_target_or_with_no_target_needs_no_commentary(c):
    outcome = run_import(VALUES + "NI 152,2008/09-Q1,14.3,\nNI 152,2008/09-Q2,14.1,\nLOCAL 1,2008/09-Q1,5,\n")

    assert outcome.applied, problems(outcome)


def test_blanking_the_commentary_of_a_stored_miss_is_refused(c):
    run_import(VALUES + "NI 152,2008/09-Q1,14.6,Redundancies\n")

    outcome = run_import(VALUES + "NI 152,2008/09-Q1,14.6,\n")

    assert problems(outcome) == ["Row 2, column D (Commentary): Explain why the value misses its target of 14.3%."]
    assert q1(c.ni152).commentary == "Redundancies"


def test_a_row_that_repeats_a_stored_value_is_not_checked_again(c):
    """A value stored before the rule (or entered elsewhere) still round-trips through its own export."""
    IndicatorValue.objects.create(indicator=c.ni152, period=Period.for_code("2008/09-Q1"), value=Decimal("14.6"),
                                  status=EntryStatus.DRAFT)

    outcome = run_import(VALUES + "NI 152,2008/09-Q1,14.6,\n")

    assert outcome.ok and outcome.unchanged == 1


# --- a value far outside the indicator's history needs confirming ----------------------------------------------


def test_a_check_lists_the_outlier_rows_for_confirmation_without_making_them_problems(c):
    outcome = run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,9.0,\n", apply=False)

    assert outcome.ok
    assert [str(outlier) for outlier in outcome.to_confirm] == [
        "Row 3, column C (Value): This value is far outside this indicator's previous values. NI 152 2008/09 Q1: "
        "9.0%, where earlier values run from 14.6% to 14.9%."
    ]


def test_an_unconfirmed_outlier_is_refused_by_row_and_nothing_is_saved(c):
    outcome = run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,9.0,\n")

    assert not outcome.applied
    assert problems(outcome) == [
        "Row 3, column C (Value): This value is far outside this indicator's previous values. NI 152 2008/09 Q1: "
        "9.0%, where earlier values run from 14.6% to 14.9%. It has not been confirmed: check it, then confirm it "
        "or correct it."
    ]
    assert new_values() == []


def test_a_confirmed_outlier_is_stored_as_confirmed_beside_the_good_rows(c):
    outcome = run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,9.0,\n", confirm_outliers=True)

    assert outcome.applied, problems(outcome)
    assert new_values() == [("LOCAL 1", Decimal(120), False), ("NI 152", Decimal("9.0"), True)]


def test_an_outlier_that_misses_its_target_needs_both_commentary_and_confirmation(c):
    outcome = run_import(VALUES + "NI 152,2008/09-Q1,25.0,\n", confirm_outliers=True)
    assert problems(outcome) == ["Row 2, column D (Commentary): Explain why the value misses its target of 14.3%."]

    outcome = run_import(VALUES + "NI 152,2008/09-Q1,25.0,A plant closed\n", confirm_outliers=True)
    assert outcome.applied and q1(c.ni152).outlier_confirmed


def test_only_the_rows_confirmed_are_confirmed(c):
    text = VALUES + "NI 152,2008/09-Q1,9.0,\nNI 152,2008/09-Q2,9.1,\n"

    outcome = run_import(text, confirm_outliers={(None, 2)})

    assert [problem.row for problem in outcome.problems] == [3]
    assert new_values() == []
    assert run_import(text, confirm_outliers={(None, 2), (None, 3)}).applied


def test_history_is_of_the_same_kind_of_period(c):
    """Quarters of about 14.75% say nothing about a year's figure: with no yearly history it is not an outlier."""
    outcome = run_import(VALUES + "NI 152,2008/09,9.0,\n", apply=False)

    assert outcome.ok and outcome.to_confirm == []


def test_a_value_corrected_back_into_range_is_no_longer_marked_confirmed(c):
    run_import(VALUES + "NI 152,2008/09-Q1,9.0,\n", confirm_outliers=True)

    outcome = run_import(VALUES + "NI 152,2008/09-Q1,14.2,\n")

    assert outcome.applied and outcome.to_confirm == []
    assert (q1(c.ni152).value, q1(c.ni152).outlier_confirmed) == (Decimal("14.2"), False)


def test_changing_only_the_commentary_of_a_confirmed_outlier_asks_nothing_again(c):
    run_import(VALUES + "NI 152,2008/09-Q1,9.0,\n", confirm_outliers=True)

    outcome = run_import(VALUES + "NI 152,2008/09-Q1,9.0,Checked with DWP\n")

    assert outcome.applied and outcome.to_confirm == []
    assert q1(c.ni152).outlier_confirmed


def test_a_signed_off_value_is_refused_before_any_rule_is_asked(c):
    run_import(VALUES + "NI 152,2008/09-Q1,14.2,\n")
    IndicatorValue.objects.filter(indicator=c.ni152).update(status=EntryStatus.SIGNED_OFF)

    outcome = run_import(VALUES + "NI 152,2008/09-Q1,9.0,\n", confirm_outliers=True)

    assert len(outcome.problems) == 1 and "has been signed off, so an import cannot change it" in problems(outcome)[0]


def test_the_targets_and_history_are_read_once_per_file_not_once_per_row(c):
    codes = [f"{year}/{(year + 1) % 100:02d}-Q{quarter}" for year in (2008, 2009, 2010) for quarter in range(1, 5)]

    def reads(rows: int) -> list[str]:
        """Return the tables of the SELECTs of targets and values (each period's own lookup aside)."""
        body = "".join(f"NI 152,{code},14.5,Slow recovery\nLOCAL 1,{code},7,\n" for code in codes[:rows])
        with CaptureQueriesContext(connection) as queries:
            outcome = run_import(VALUES + body, apply=False)
        assert outcome.ok and outcome.new == 2 * rows, problems(outcome)
        statements = [partnerships.statement_of(q["sql"]) for q in queries.captured_queries]
        selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
        return [re.search(r'FROM "(\w+)"', sql).group(1) for sql in selects
                if re.search(r'FROM "indicators_indicator(target|value)"', sql)]

    assert reads(2) == reads(12) == ["indicators_indicatorvalue", "indicators_indicatortarget",
                                     "indicators_indicatorvalue"]  # the rows to update; targets; history


# --- the upload page: the preview lists the outliers and asks ---------------------------------------------------


def upload(client, text: str):
    return client.post(reverse("imports"), {"kind": "values", "file": SimpleUploadedFile("values.csv", text.encode())})


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_the_preview_shows_a_miss_without_commentary_as_a_problem(client, c):
    client.force_login(c["expert"])

    html = upload(client, VALUES + GOOD_ROW + "NI 152,2008/09-Q1,14.6,\n").content.decode()

    assert "cannot be imported" in html and "Explain why the value misses its target of 14.3%." in html
    assert 'name="token"' not in html


def test_the_preview_lists_the_outliers_and_asks_for_the_box(client, c):
    client.force_login(c["expert"])

    html = upload(client, VALUES + GOOD_ROW + "NI 152,2008/09-Q1,9.0,\n").content.decode()

    assert "Values to check: far outside their indicator's earlier values" in html
    assert "NI 152 2008/09 Q1: 9.0%, where earlier values run from 14.6% to 14.9%." in html
    assert 'name="confirm_outliers" type="checkbox" value="on"' in html and "I have checked these values" in html


def test_a_preview_without_outliers_has_no_box(client, c):
    client.force_login(c["expert"])

    html = upload(client, VALUES + GOOD_ROW).content.decode()

    assert 'name="token"' in html and "confirm_outliers" not in html


def test_confirming_without_the_box_is_refused_and_saves_nothing_then_with_it_applies(client, c):
    client.force_login(c["expert"])
    token = token_of(upload(client, VALUES + GOOD_ROW + "NI 152,2008/09-Q1,9.0,\n"))

    refused = client.post(reverse("import_confirm"), {"token": token})

    html = refused.content.decode()
    assert refused.status_code == 200 and "There is a problem" in html
    assert "Confirm that you have checked the values far outside their indicator&#x27;s earlier values" in html
    assert new_values() == [] and not ImportRecord.objects.exists()

    applied = client.post(reverse("import_confirm"), {"token": token_of(refused), "confirm_outliers": "on"})

    assert applied.status_code == 302
    assert new_values() == [("LOCAL 1", Decimal(120), False), ("NI 152", Decimal("9.0"), True)]
    assert ImportRecord.objects.get().user == c["expert"]


def test_a_value_that_became_an_outlier_after_the_preview_is_refused_at_confirmation(client, c):
    client.force_login(c["expert"])
    token = token_of(upload(client, VALUES + "NI 152,2008/09-Q2,14.2,\n"))
    # Meanwhile the history moves: the quarters of 2007/08 are revised up, far from 14.2%.
    IndicatorValue.objects.filter(indicator=c.ni152).update(value=Decimal("30.0"))

    response = client.post(reverse("import_confirm"), {"token": token, "confirm_outliers": "on"})

    assert response.status_code == 409
    assert "It has not been confirmed" in response.content.decode()
    assert q1(c.ni152) is None and not IndicatorValue.objects.filter(period=Period.for_code("2008/09-Q2")).exists()


# --- manage.py import_data --------------------------------------------------------------------------------------


def command(tmp_path, text: str, *args) -> str:
    path = tmp_path / "values.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_data", "values", str(path), *args, stdout=out)
    return out.getvalue()


def test_the_command_refuses_outliers_without_the_flag_listing_them_by_row(c, tmp_path):
    for args in ((), ("--dry-run",)):
        with pytest.raises(CommandError) as raised:
            command(tmp_path, VALUES + GOOD_ROW + "NI 152,2008/09-Q1,9.0,\n", *args)

        assert str(raised.value) == (
            "values.csv was not imported; nothing was changed. 1 problem:\n"
            "  Row 3, column C (Value): This value is far outside this indicator's previous values. NI 152 2008/09 "
            "Q1: 9.0%, where earlier values run from 14.6% to 14.9%. It has not been confirmed: check it, then "
            "confirm it or correct it.\n"
            "Check the values far outside their indicator's earlier values; if they are right, run the command "
            "again with --confirm-outliers."
        ), args
    assert new_values() == [] and not ImportRecord.objects.exists()


def test_the_command_with_the_flag_stores_the_outliers_as_confirmed(c, tmp_path):
    output = command(tmp_path, VALUES + GOOD_ROW + "NI 152,2008/09-Q1,9.0,\n", "--confirm-outliers")

    assert "2 rows: 2 new, 0 changed, 0 unchanged." in output
    assert "Confirmed 1 value far outside their indicator's earlier values (--confirm-outliers)." in output
    assert new_values() == [("LOCAL 1", Decimal(120), False), ("NI 152", Decimal("9.0"), True)]


def test_the_command_refuses_a_miss_without_commentary_even_with_the_flag(c, tmp_path):
    with pytest.raises(CommandError) as raised:
        command(tmp_path, VALUES + GOOD_ROW + "NI 152,2008/09-Q1,14.6,\n", "--confirm-outliers")

    assert str(raised.value) == f"values.csv was not imported; nothing was changed. 1 problem:\n  {MISSES_TARGET}"
    assert new_values() == []


# --- a whole plan's workbook follows the same rules -------------------------------------------------------------


def import_workbook(c, content: bytes, confirm_outliers=False) -> Outcome:
    return imports.import_file(kind=imports.PLAN, content=content, file_name="plan.xlsx",
                               user=c["performance_officer"], apply=True, confirm_outliers=confirm_outliers)


def test_a_workbook_row_that_misses_its_target_needs_commentary(c):
    row = {"Indicator": "NI 152", "Period": "2008/09-Q2", "Value": 14.6}

    outcome = import_workbook(c, workbook_with_value_row(c.plan, row))

    assert [problem.message for problem in outcome.problems] == [
        "Explain why the value misses its target of 14.3%."
    ] and outcome.problems[0].sheet == "Values"
    assert new_values() == []


def test_a_workbook_outlier_needs_confirming_unless_its_own_column_says_it_was(c):
    row = {"Indicator": "NI 152", "Period": "2008/09-Q2", "Value": 9.0}

    refused = import_workbook(c, workbook_with_value_row(c.plan, row))
    assert not refused.applied and "It has not been confirmed" in refused.problems[0].message
    assert refused.problems[0].sheet == "Values"

    assert import_workbook(c, workbook_with_value_row(c.plan, {**row, "Outlier confirmed": "yes"})).applied
    assert new_values() == [("NI 152", Decimal("9.0"), True)]


def test_a_workbook_outlier_confirmed_by_the_importer_is_stored_as_confirmed(c):
    content = workbook_with_value_row(c.plan, {"Indicator": "NI 152", "Period": "2008/09-Q2", "Value": 9.0})

    assert import_workbook(c, content, confirm_outliers=True).applied
    assert new_values() == [("NI 152", Decimal("9.0"), True)]


# --- a value that leaves the year's target unlikely to be met needs commentary too ---------------------------


def test_a_value_on_target_that_leaves_the_year_unlikely_needs_commentary_as_on_the_form(c):
    """The value form's forecast rule, asked by the import of the rows it has read (tests/forecast_builders.py):
    NI 152 rose by 0.4 a quarter through 2007/08, so 14.3% at 2008/09 Q1 meets the target yet forecasts 15.4%."""
    with_history(c, RISING)

    refused = run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,14.3,\n")
    explained = run_import(VALUES + GOOD_ROW + "NI 152,2008/09-Q1,14.3,New claims from the car plant\n")

    assert problems(refused) == [
        "Row 3, column D (Commentary): Explain why NI 152 is unlikely to meet its target of 14.3% for 2008/09 "
        "(forecast 15.4%, 1% likely)."
    ]
    assert explained.applied, problems(explained)
    assert q1(c.ni152).commentary == "New claims from the car plant"

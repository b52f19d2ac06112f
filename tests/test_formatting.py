"""Numbers, money and dates as the plans and GOV.UK write them."""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from monitoring.templatetags.formatting import long_date, money, money_total, number, thousands, yes_no


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("12945888"), "£12,945,888"), (Decimal("88237.00"), "£88,237"), (Decimal("138645.5"), "£138,645.50"),
     (0, "£0"), (None, ""), (Decimal("-200"), "-£200")],
)
def test_money_is_in_pounds_with_pence_only_when_there_are_some(value, expected):
    assert money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("21149"), "21,149"), (Decimal("-2840"), "(2,840)"), (Decimal("-588"), "(588)"), (0, "0"), (None, ""),
     (Decimal("178.0"), "178")],
)
def test_thousands_put_negatives_in_brackets(value, expected):
    assert thousands(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("275.00"), "275"), (Decimal("9505"), "9,505"), (Decimal("0.00"), "0"), (None, ""), (Decimal("12.50"), "12.5")],
)
def test_a_count_keeps_blank_blank_and_prints_zero(value, expected):
    assert number(value) == expected


def total(amount=0, known=0, tbc=0, not_identified=0):
    return SimpleNamespace(amount=Decimal(amount), known=known, tbc=tbc, not_identified=not_identified)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (total(12945888, known=11, not_identified=1), "£12,945,888"),
        (total(871355, known=2, tbc=1), "£871,355 plus tbc"),
        (total(tbc=2), "tbc"),
        (total(not_identified=1), "Not yet identified"),
        (total(), ""),
    ],
)
def test_a_funding_total_says_when_amounts_are_still_to_be_confirmed(value, expected):
    assert money_total(value) == expected


def test_dates_are_written_day_month_year():
    assert long_date(date(2008, 5, 15)) == "15 May 2008"
    assert long_date(date(2012, 4, 1)) == "1 April 2012"
    assert long_date(None) == ""


def test_a_date_and_time_is_written_as_its_date_in_the_uk():
    late_evening_utc = datetime(2008, 5, 14, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 15 May in London (BST)

    assert long_date(late_evening_utc) == "15 May 2008"


def test_yes_no_leaves_unknown_blank():
    assert [yes_no(True), yes_no(False), yes_no(None)] == ["Yes", "No", ""]

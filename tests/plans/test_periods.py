from datetime import date

import pytest
from django.core.exceptions import ValidationError

from plans import periods
from plans.models import Period


@pytest.mark.parametrize(
    ("day", "kind", "code"),
    [
        (date(2008, 5, 15), periods.QUARTER, "2008/09-Q1"),
        (date(2009, 2, 10), periods.QUARTER, "2008/09-Q4"),
        (date(2008, 4, 1), periods.QUARTER, "2008/09-Q1"),
        (date(2009, 3, 31), periods.QUARTER, "2008/09-Q4"),
        (date(2008, 12, 31), periods.QUARTER, "2008/09-Q3"),
        (date(2012, 9, 30), periods.HALF, "2012/13-H1"),
        (date(2012, 10, 1), periods.HALF, "2012/13-H2"),
        (date(2013, 3, 31), periods.HALF, "2012/13-H2"),
        (date(2009, 3, 31), periods.YEAR, "2008/09"),
        (date(2009, 4, 1), periods.YEAR, "2009/10"),
        (date(2007, 5, 20), periods.MONTH, "May 2007"),
    ],
)
def test_it_finds_the_period_containing_a_day(day, kind, code):
    assert periods.containing(day, kind).code == code


def test_second_half_of_2012_13_runs_october_2012_to_march_2013():
    half = periods.parse("2012/13-H2")
    assert (half.start, half.end) == (date(2012, 10, 1), date(2013, 3, 31))


def test_quarter_four_is_january_to_march_of_the_following_calendar_year():
    q4 = periods.parse("2008/09-Q4")
    assert (q4.start, q4.end, q4.financial_year) == (date(2009, 1, 1), date(2009, 3, 31), 2008)


def test_financial_year_runs_april_to_march():
    year = periods.parse("2008/09")
    assert (year.start, year.end, year.label) == (date(2008, 4, 1), date(2009, 3, 31), "2008/09")


def test_year_label_crosses_the_century():
    assert periods.year_label(1999) == "1999/00"
    assert periods.parse("1999/00").start == date(1999, 4, 1)


@pytest.mark.parametrize("code", ["2008/09", "2008/09-Q1", "2012/13-H2", "May 2007", "2010/11-Q4"])
def test_codes_read_back_to_themselves(code):
    assert periods.parse(code).code == code


def test_it_accepts_the_spellings_people_type():
    assert periods.parse("2008/2009 q3").code == "2008/09-Q3"
    assert periods.parse("Sept 2012").code == "September 2012"
    assert periods.parse(" 2012/13 H1 ").code == "2012/13-H1"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("2008/10", "the second year must follow the first"),
        ("2012/13-H3", "only two halves"),
        ("2008/09-Q5", "is not a period"),
        ("Smarch 2007", "is not the name of a month"),
        ("Q1", "is not a period"),
        ("", "is not a period"),
    ],
)
def test_it_explains_codes_that_are_not_periods(code, message):
    with pytest.raises(periods.PeriodError, match=message):
        periods.parse(code)


def test_previous_next_and_same_period_last_year():
    q1 = periods.parse("2009/10-Q1")
    assert q1.previous().code == "2008/09-Q4"
    assert q1.next().code == "2009/10-Q2"
    assert q1.same_period_last_year().code == "2008/09-Q1"
    assert periods.parse("2012/13-H1").previous().code == "2011/12-H2"


def test_year_to_date_lists_the_periods_from_april():
    codes = [span.code for span in periods.parse("2008/09-Q3").year_to_date()]
    assert codes == ["2008/09-Q1", "2008/09-Q2", "2008/09-Q3"]


def test_a_year_has_four_quarters_and_two_halves():
    assert [span.code for span in periods.periods_in_year(2008, periods.QUARTER)] == [
        "2008/09-Q1", "2008/09-Q2", "2008/09-Q3", "2008/09-Q4",
    ]
    assert [span.code for span in periods.periods_in_year(2012, periods.HALF)] == ["2012/13-H1", "2012/13-H2"]


def test_a_quarter_cannot_start_mid_quarter():
    with pytest.raises(periods.PeriodError, match="cannot start in May"):
        periods.PeriodSpan(date(2008, 5, 1), periods.QUARTER)


@pytest.mark.django_db
def test_a_period_is_stored_once_however_often_it_is_asked_for():
    first = Period.for_code("2008/09-Q1")
    again = Period.for_code("2008/2009-q1")
    assert first.pk == again.pk
    assert (first.start, first.end, first.label) == (date(2008, 4, 1), date(2008, 6, 30), "2008/09 Q1")
    assert Period.objects.count() == 1


# Years outside those a period may fall in: a mistyped year is refused in words, never a date error.

YEARS_RULE = "periods fall in the financial years 1990/91 to 2100/01, April 1990 to March 2101"


@pytest.mark.parametrize("code", [
    "0000/01-Q1", "9999/00-Q1", "9999/00", "0000/01", "0001/02-H2", "1989/90-Q4", "2101/02", "March 1990",
    "April 2101", "December 9999",
])
def test_it_refuses_a_year_outside_those_periods_fall_in(code):
    with pytest.raises(periods.PeriodError) as raised:
        periods.parse(code)
    assert str(raised.value) == f"{code!r} is not a period: {YEARS_RULE}."


def test_the_first_and_last_years_are_periods():
    assert periods.parse("1990/91-Q1").start == date(1990, 4, 1)
    assert periods.parse("April 1990").code == "April 1990"
    assert periods.parse("2100/01-Q4").end == date(2101, 3, 31)
    assert periods.parse("March 2101").code == "March 2101"


def test_the_second_year_must_still_follow_the_first_at_the_ends_of_the_range():
    with pytest.raises(periods.PeriodError, match="the second year must follow the first"):
        periods.parse("2100/02")


def test_a_span_outside_the_years_is_refused_and_a_stored_period_says_so():
    with pytest.raises(periods.PeriodError) as raised:
        periods.PeriodSpan(date(9999, 4, 1), periods.YEAR)
    assert str(raised.value) == f"A period cannot start on 9999-04-01: {YEARS_RULE}."
    with pytest.raises(periods.PeriodError, match=YEARS_RULE):
        periods.parse("2100/01-Q4").next()
    with pytest.raises(ValidationError) as raised:
        Period(kind=periods.QUARTER, start=date(1, 4, 1)).clean()
    assert raised.value.message_dict == {"start": [f"A period cannot start on 0001-04-01: {YEARS_RULE}."]}

"""UK financial years, quarters, halves and point-in-time months: the one place that knows their arithmetic.

A financial year runs from 1 April to 31 March and is written ``2008/09``; it is identified here by the
calendar year in which it starts (2008). Quarters are Q1 April-June, Q2 July-September, Q3 October-December
and Q4 January-March; halves are H1 April-September and H2 October-March. Period codes, as typed on the
command line and in spreadsheets: ``2008/09``, ``2008/09-Q1``, ``2012/13-H2`` and, for a baseline taken at a
point in time, ``May 2007``. Periods fall in the financial years 1990/91 to 2100/01 (FIRST_YEAR, LAST_YEAR): a
year outside them is a typing mistake, refused in these words by parse() and PeriodSpan alike.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

YEAR = "year"
HALF = "half"
QUARTER = "quarter"
MONTH = "month"

KIND_CHOICES = [(YEAR, "Financial year"), (HALF, "Half year"), (QUARTER, "Quarter"), (MONTH, "Month")]

# How many months each kind of period spans, and so how many of them fit in a financial year.
MONTHS_IN = {YEAR: 12, HALF: 6, QUARTER: 3, MONTH: 1}
PREFIX = {HALF: "H", QUARTER: "Q"}

# The financial years a period may fall in (by their start years): back far enough for any baseline a
# partnership still quotes (the plans' own go back to 2006/07), forward past any plan's end, and far from the
# ends of Python's dates (years 1 to 9999), so that a mistyped year such as 0000/01 or 9999/00 is refused in
# words here instead of failing in date arithmetic on some page, report or import.
FIRST_YEAR = 1990
LAST_YEAR = 2100

_YEAR_RE = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*$")
_PART_RE = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*[-\s]\s*([QqHh])([1-4])\s*$")
_MONTH_RE = re.compile(r"^\s*([A-Za-z]+)\s+(\d{4})\s*$")
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


class PeriodError(ValueError):
    """A period code or date that does not name a period."""


def year_label(start_year: int) -> str:
    """Return the financial year's label: 2008 -> '2008/09'."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def year_containing(day: date) -> int:
    """Return the start year of the financial year that contains the day."""
    return day.year if day.month >= 4 else day.year - 1


# What every refusal of a year outside FIRST_YEAR to LAST_YEAR says.
YEARS_RULE = (
    f"periods fall in the financial years {year_label(FIRST_YEAR)} to {year_label(LAST_YEAR)}, "
    f"April {FIRST_YEAR} to March {LAST_YEAR + 1}"
)


def _in_range(start_year: int) -> bool:
    return FIRST_YEAR <= start_year <= LAST_YEAR


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + (day.month - 1) + months
    return date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class PeriodSpan:
    """A period as a value: its kind and first day; every other fact is derived from these two."""

    start: date
    kind: str

    def __post_init__(self):
        if self.kind not in MONTHS_IN:
            raise PeriodError(f"Unknown kind of period: {self.kind!r}.")
        if not _in_range(year_containing(self.start)):
            raise PeriodError(f"A period cannot start on {self.start.isoformat()}: {YEARS_RULE}.")
        if self.start.day != 1:
            raise PeriodError("A period starts on the first day of a month.")
        if self.kind != MONTH and (self.start.month - 4) % MONTHS_IN[self.kind] != 0:
            raise PeriodError(f"A {self.kind} cannot start in {self.start:%B}.")

    @property
    def end(self) -> date:
        """Return the last day of the period."""
        return _add_months(self.start, MONTHS_IN[self.kind]) - timedelta(days=1)

    @property
    def financial_year(self) -> int:
        """Return the start year of the financial year the period falls in."""
        return year_containing(self.start)

    @property
    def number(self) -> int:
        """Return the period's position in its financial year: 1 for Q1 or H1."""
        months_in = (self.start.month - 4) % 12
        return months_in // MONTHS_IN[self.kind] + 1

    @property
    def code(self) -> str:
        """Return the code that parse() reads back: '2008/09-Q1', '2008/09', 'May 2007'."""
        if self.kind == MONTH:
            return f"{self.start:%B %Y}"
        label = year_label(self.financial_year)
        if self.kind == YEAR:
            return label
        return f"{label}-{PREFIX[self.kind]}{self.number}"

    @property
    def label(self) -> str:
        """Return the label people read: '2008/09 Q1', '2012/13 H2', '2008/09', 'May 2007'."""
        return self.code.replace("-", " ")

    def contains(self, day: date) -> bool:
        """Return True if the day falls within the period."""
        return self.start <= day <= self.end

    def previous(self) -> PeriodSpan:
        """Return the period of the same kind just before this one."""
        return PeriodSpan(_add_months(self.start, -MONTHS_IN[self.kind]), self.kind)

    def next(self) -> PeriodSpan:
        """Return the period of the same kind just after this one."""
        return PeriodSpan(_add_months(self.start, MONTHS_IN[self.kind]), self.kind)

    def same_period_last_year(self) -> PeriodSpan:
        """Return the period of the same kind twelve months earlier."""
        return PeriodSpan(_add_months(self.start, -12), self.kind)

    def year_to_date(self) -> list[PeriodSpan]:
        """Return the periods of this kind from the start of its financial year up to and including this one."""
        first = PeriodSpan(date(self.financial_year, 4, 1), self.kind) if self.kind != MONTH else self
        periods = [first]
        while periods[-1] != self:
            periods.append(periods[-1].next())
        return periods


def financial_year(start_year: int) -> PeriodSpan:
    """Return the financial year that starts in April of the given year."""
    return PeriodSpan(date(start_year, 4, 1), YEAR)


def periods_in_year(start_year: int, kind: str) -> list[PeriodSpan]:
    """Return the quarters (or halves, or months) of a financial year, in order."""
    first = PeriodSpan(date(start_year, 4, 1), kind)
    periods = [first]
    for _ in range(12 // MONTHS_IN[kind] - 1):
        periods.append(periods[-1].next())
    return periods


def containing(day: date, kind: str) -> PeriodSpan:
    """Return the period of the given kind that contains the day: 15 May 2008 -> 2008/09 Q1."""
    if kind == MONTH:
        return PeriodSpan(date(day.year, day.month, 1), MONTH)
    fy_start = date(year_containing(day), 4, 1)
    months_in = (day.year - fy_start.year) * 12 + day.month - fy_start.month
    return PeriodSpan(_add_months(fy_start, months_in - months_in % MONTHS_IN[kind]), kind)


def _parse_year(first: str, second: str, code: str) -> int:
    start = int(first)
    expected = (start + 1) % 100 if len(second) == 2 else start + 1
    if int(second) != expected:
        raise PeriodError(f"{code!r} is not a financial year: the second year must follow the first.")
    if not _in_range(start):
        raise PeriodError(f"{code!r} is not a period: {YEARS_RULE}.")
    return start


def parse(code: str) -> PeriodSpan:
    """Read a period code: '2008/09', '2008/09-Q1', '2012/13-H1' or 'May 2007'."""
    if match := _YEAR_RE.match(code):
        return financial_year(_parse_year(match[1], match[2], code))
    if match := _PART_RE.match(code):
        start_year = _parse_year(match[1], match[2], code)
        kind = QUARTER if match[3].upper() == "Q" else HALF
        number = int(match[4])
        if number > 12 // MONTHS_IN[kind]:
            raise PeriodError(f"{code!r}: a year has only two halves, H1 and H2.")
        return periods_in_year(start_year, kind)[number - 1]
    if match := _MONTH_RE.match(code):
        month = _MONTHS.get(match[1].lower())
        if month is None:
            raise PeriodError(f"{code!r}: {match[1]!r} is not the name of a month.")
        year = int(match[2])
        if not _in_range(year if month >= 4 else year - 1):
            raise PeriodError(f"{code!r} is not a period: {YEARS_RULE}.")
        return PeriodSpan(date(year, month, 1), MONTH)
    raise PeriodError(
        f"{code!r} is not a period. Write a financial year as 2008/09, a quarter as 2008/09-Q1, "
        "a half year as 2012/13-H1 or a month as May 2007."
    )

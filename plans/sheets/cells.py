"""Reading and writing spreadsheet cells: each cell read in the user's words, or refused with a CellError that
says what to write instead.

Periods and years are read through plans.periods, numbers and money as Decimal; a blank number, year, period or
date is None, never 0. Names and headings are compared through normalise(): spaces collapsed, case ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.db import models

from plans import periods

ROW = NON_FIELD_ERRORS  # the key of a problem with the whole row rather than one cell
MISSING = object()  # a cell the file does not have, or could not be read


class CellError(ValueError):
    """A cell that does not hold what its column needs; the message says what to write instead."""


def normalise(text) -> str:
    """Return text as it is compared with names and headings: spaces collapsed, case ignored."""
    return " ".join(str(text if text is not None else "").split()).casefold()


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def plain(value) -> str:
    """Return a value as it would be typed: Decimal 12.50 -> '12.5', 12.00 -> '12', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def number_cell(value: Decimal | None):
    """Return a Decimal for a spreadsheet cell: trailing zeros dropped (14.8000 -> 14.8), None kept."""
    if value is None:
        return None
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


# --- reading cells ----------------------------------------------------------------------------------------------

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # what Excel makes of '2008/09' when it takes it for a date
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


def cell_text(raw) -> str:
    """Return a cell as text: no surrounding spaces, Windows line ends made plain."""
    if raw is None:
        return ""
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()


def _refuse_date(text: str, example: str) -> None:
    if ISO_DATE.match(text):
        raise CellError(
            f"Excel has turned this cell into a date ({text}). Format the column as text, then type it again, "
            f"like {example}."
        )


def read_text(raw, *, max_length: int | None = None) -> str:
    """Read a text cell; refuse one longer than its field holds (the resource passes the field's max_length)."""
    text = cell_text(raw)
    if max_length is not None and len(text) > max_length:
        raise CellError(f"Shorten this text to {max_length:,} characters or fewer: it has {len(text):,}.")
    return text


def text_limit(model: type[models.Model], attr: str | None) -> int | None:
    """Return the most characters the model's text field `attr` holds (its max_length), or None."""
    try:
        field = model._meta.get_field(attr) if attr else None
    except FieldDoesNotExist:  # a column of something worked out, such as a risk's score
        return None
    return field.max_length if isinstance(field, models.CharField | models.TextField) else None


def read_flag(raw) -> bool:
    text = normalise(raw)
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(f"Enter yes or no, not '{cell_text(raw)}'.")


def read_whole_number(raw, *, low: int | None = None, high: int | None = None) -> int | None:
    """Read a whole number; blank is None."""
    text = cell_text(raw).replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"'{cell_text(raw)}' is not a number. Enter a whole number, like 3.") from None
    if not value.is_finite() or value.adjusted() > 15 or value != value.to_integral_value():
        raise CellError(f"Enter a whole number, like 3, not {text}.")
    number = int(value)
    if low is not None and high is not None and not low <= number <= high:
        raise CellError(f"Enter a whole number from {low} to {high}.")
    if low is not None and number < low:
        raise CellError(f"Enter {low} or more.")
    return number


def read_decimal(raw, *, places: int, low: Decimal | None = None, example: str = "836",
                 whole_digits: int = 12) -> Decimal | None:
    """Read a number with at most `places` decimal places and `whole_digits` digits before the point (what its
    field holds); '£' and thousands commas are allowed; blank is None."""
    text = cell_text(raw).replace(",", "").replace("£", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"'{cell_text(raw)}' is not a number. Enter a number, like {example}.") from None
    if not value.is_finite():
        raise CellError(f"Enter a number, like {example}.")
    if low is not None and value < low:
        raise CellError(f"Enter {plain(low)} or more.")
    check_whole_digits(value, whole_digits)
    if value.as_tuple().exponent < -places:
        if places == 0:
            raise CellError(f"Enter a whole number, not {text}.")
        raise CellError(f"Enter at most {places} decimal place{'s' if places > 1 else ''}, not {text}.")
    return value


def check_whole_digits(value: Decimal, whole_digits: int) -> None:
    """Refuse a number too large for its field, which the database would refuse (or SQLite keep unreadably)."""
    if value and value.adjusted() >= whole_digits:
        raise CellError(f"Enter a number smaller than {10 ** whole_digits:,}.")


def read_year(raw) -> int | None:
    """Read a financial year written as the plans write it ('2008/09'); return its start year; blank is None."""
    text = cell_text(raw)
    if not text:
        return None
    _refuse_date(text, "2008/09")
    try:
        span = periods.parse(text)
    except periods.PeriodError as error:
        raise CellError(str(error)) from None
    if span.kind != periods.YEAR:
        raise CellError(f"Enter a financial year, like 2008/09, not the {span.kind} {text}.")
    return span.financial_year


def read_period(raw) -> periods.PeriodSpan | None:
    """Read a period code: '2008/09-Q1', '2012/13-H2', '2008/09' or 'May 2007'; blank is None."""
    text = cell_text(raw)
    if not text:
        return None
    _refuse_date(text, "2008/09-Q1, 2008/09 or May 2007")
    try:
        return periods.parse(text)
    except periods.PeriodError as error:
        raise CellError(str(error)) from None


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S"]


def read_date(raw) -> date | None:
    """Read a date: 31/03/2009, 31 March 2009 or 2009-03-31 (what Excel gives); blank is None."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = cell_text(raw)
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"'{text}' is not a date. Enter a date like 31/03/2009.")


def read_choice(raw, choices: type[models.TextChoices], *, blank: str | None = None) -> str:
    """Read one of a choice field's values, written as its value or its label ('lower' or 'Lower is better')."""
    text = normalise(raw)
    if not text and blank is not None:
        return blank
    for value, label in choices.choices:
        if text in (normalise(value), normalise(label)):
            return value
    options = ", ".join(f"'{label}'" for _, label in choices.choices)
    if not text:
        raise CellError(f"This cell is empty. Enter one of {options}.")
    raise CellError(f"'{cell_text(raw)}' is not one of {options}.")


def split_list(raw, separators: str = ";") -> list[str]:
    """Split a cell that lists several names: 'JCP; CCC' -> ['JCP', 'CCC']."""
    text = cell_text(raw)
    if not text:
        return []
    parts = re.split("|".join(map(re.escape, separators)), text)
    return [part.strip() for part in parts if part.strip()]


def write_year(year: int | None) -> str:
    return periods.year_label(year) if year is not None else ""


def describe_choices(choices: type[models.TextChoices]) -> str:
    return ", ".join(f"'{label}'" for _, label in choices.choices)


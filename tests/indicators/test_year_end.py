"""How an indicator's year figure is made (Indicator.year_end): its default and its spreadsheet column."""

import pytest

from indicators.models import Indicator
from indicators.resources import IndicatorResource, read_year_end
from plans.sheets import CellError


def test_an_indicator_is_a_latest_value_unless_told_otherwise():
    assert Indicator(code="NI 152", name="Benefits").year_end == Indicator.YearEnd.LATEST


@pytest.mark.parametrize(("typed", "read"), [
    ("", "latest"), ("Latest value", "latest"), ("latest", "latest"), ("year to date", "year_to_date"),
    ("Year_to_date", "year_to_date"), ("Values add up through the year (a count or spend to date)", "year_to_date"),
])
def test_the_spreadsheet_reads_the_year_figure_in_words(typed, read):
    assert read_year_end(typed) == read


def test_the_spreadsheet_refuses_other_words_naming_the_choices():
    with pytest.raises(CellError, match="Values add up through the year"):
        read_year_end("cumulative")


def test_the_indicator_sheet_has_the_column():
    assert "Year's figure" in [column.name for column in IndicatorResource.columns]

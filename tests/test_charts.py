"""Server-side SVG charts: text alternatives, safe inline markup, ids that never clash."""

import re
from decimal import Decimal

from monitoring.charts import IndicatorSeries, SeriesPoint, TrajectoryPoint, YearTarget, indicator_chart_svg


def ni152_series():
    points = [
        SeriesPoint("2008/09 Q1", "2008/09", Decimal("15.9")),
        SeriesPoint("2008/09 Q2", "2008/09", Decimal("16.0")),
        SeriesPoint("2008/09 Q3", "2008/09", Decimal("16.1")),
        SeriesPoint("2008/09 Q4", "2008/09", Decimal("16.2")),
        SeriesPoint("2009/10 Q1", "2009/10", Decimal("16.5"), provisional=True),
        SeriesPoint("2009/10 Q2", "2009/10"),
    ]
    return IndicatorSeries(
        title="NI 152 – Working age people on out of work benefits",
        points=points,
        baseline=Decimal("14.8"),
        baseline_label="May 2007",
        targets=[YearTarget("2008/09", Decimal("14.3")), YearTarget("2009/10", Decimal("13.9"))],
        trajectory=[TrajectoryPoint("2009/10 Q1", Decimal("16.5")), TrajectoryPoint("2009/10 Q2", Decimal("13.9"))],
    )


def test_indicator_chart_is_an_image_with_a_title_and_description():
    svg = indicator_chart_svg(ni152_series())
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg
    assert "<title id=" in svg and "NI 152 – Working age people on out of work benefits</title>" in svg
    assert "Latest value 16.5% for 2009/10 Q1 (provisional)." in svg
    assert "Baseline 14.8% May 2007." in svg


def test_indicator_chart_has_no_prolog_metadata_or_page_wide_style():
    svg = indicator_chart_svg(ni152_series())
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert "<metadata" not in svg and "<style" not in svg


def test_two_charts_on_one_page_share_no_id():
    first, second = indicator_chart_svg(ni152_series()), indicator_chart_svg(ni152_series())
    first_ids = set(re.findall(r'id="([^"]+)"', first))
    second_ids = set(re.findall(r'id="([^"]+)"', second))
    assert first_ids and not first_ids & second_ids


def test_indicator_chart_keeps_its_text_as_text():
    svg = indicator_chart_svg(ni152_series())
    assert ">08/09 Q1</text>" in svg
    assert ">Target for the year</text>" in svg

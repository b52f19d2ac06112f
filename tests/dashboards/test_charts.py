"""Server-side SVG charts: text alternatives, safe inline markup, ids that never clash."""

import re
from decimal import Decimal

from monitoring.dashboards.charts import IndicatorSeries, SeriesPoint, TrajectoryPoint, YearTarget, indicator_chart_svg


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


def test_the_svg_is_well_formed_xml_with_no_style_attributes():
    from xml.etree import ElementTree

    for svg in (indicator_chart_svg(ni152_series()), rag_chart(), funding_chart()):
        root = ElementTree.fromstring(svg)
        assert root.get("role") == "img"
        assert not [element for element in root.iter() if element.get("style")]


def test_a_drawing_is_kept_and_only_its_ids_change():
    first, second = indicator_chart_svg(ni152_series()), indicator_chart_svg(ni152_series())

    def without_ids(svg):
        return re.sub(r"chart-[0-9a-f]{10}", "chart-x", svg)

    assert first != second
    assert without_ids(first) == without_ids(second)


def test_a_period_with_no_value_breaks_the_line_rather_than_bridging_it():
    from monitoring.dashboards.charts import _draw_indicator

    points = [SeriesPoint("2008/09 Q1", "2008/09", Decimal(1)), SeriesPoint("2008/09 Q2", "2008/09"),
              SeriesPoint("2008/09 Q3", "2008/09", Decimal(3))]
    figure = _draw_indicator(IndicatorSeries(title="Gap", points=points))
    line = figure.axes[0].lines[0]
    assert [str(y) for y in line.get_ydata()] == ["1.0", "nan", "3.0"]


def test_an_indicator_with_nothing_reported_says_so():
    points = [SeriesPoint("2012/13 H1", "2012/13"), SeriesPoint("2012/13 H2", "2012/13")]
    svg = indicator_chart_svg(IndicatorSeries(title="Social return", points=points, unit="rate", decimal_places=2))

    assert "No values reported yet." in svg
    assert ">No values, baseline or targets yet</text>" in svg


def rag_chart():
    from monitoring.dashboards.charts import RagBar, RagChart, rag_chart_svg

    return rag_chart_svg(RagChart("NI 152 actions by flow category", [
        RagBar("On flow", green=5, amber=3, red=2, none=1), RagBar("Off flow", green=7),
    ]))


def test_the_rag_chart_describes_each_bar_in_words():
    svg = rag_chart()

    assert "<title id=" in svg and "NI 152 actions by flow category</title>" in svg
    assert "On flow: 11 actions, 5 green, 3 amber, 2 red, 1 with no RAG reported." in svg
    assert "Off flow: 7 actions, 7 green, 0 amber, 0 red, 0 with no RAG reported." in svg


def funding_chart():
    from monitoring.dashboards.charts import FundingChart, FundingStream, funding_chart_svg

    streams = [FundingStream(f"Stream {number}", [Decimal(1000 * number), None]) for number in range(1, 10)]
    return funding_chart_svg(FundingChart("NI 152 funding", ["2008/09", "2009/10"], streams))


def test_the_funding_chart_totals_known_amounts_and_names_the_largest_streams():
    svg = funding_chart()

    assert "2008/09: £45,000. 2009/10: £0." in svg
    assert ">Stream 9</text>" in svg
    assert ">Other streams (3)</text>" in svg  # streams 1 to 3, the smallest
    assert ">Stream 3</text>" not in svg


def test_text_from_the_data_is_escaped_in_the_svg():
    from xml.etree import ElementTree

    from monitoring.dashboards.charts import FundingChart, FundingStream, funding_chart_svg

    hostile = '<script>alert("x")</script> & co'
    svg = funding_chart_svg(FundingChart(hostile, ["2008/09"], [FundingStream(hostile, [Decimal(5)])]))

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert ElementTree.fromstring(svg).find("{http://www.w3.org/2000/svg}title").text == hostile


def test_drawing_leaves_matplotlibs_global_style_alone():
    import matplotlib

    before = matplotlib.rcParams["svg.fonttype"]
    indicator_chart_svg(ni152_series())

    assert matplotlib.rcParams["svg.fonttype"] == before


# One number format per axis: as many decimals as the ticks need, the same for every tick


def axis_labels(svg: str, pattern: str) -> list[str]:
    """Return the chart's text that reads as an axis label of the pattern, in drawing order."""
    return [text for text in re.findall(r">([^<>]+)</text>", svg) if re.fullmatch(pattern, text)]


def test_a_percentage_axis_gives_every_tick_the_same_decimals():
    # NI 152's values and targets span 13.9% to 16.5%: the ticks fall on halves, so every label has one decimal.
    labels = axis_labels(indicator_chart_svg(ni152_series()), r"-?[\d,]+(\.\d+)?%")

    assert labels == ["14.0%", "14.5%", "15.0%", "15.5%", "16.0%", "16.5%"]


def test_a_whole_number_axis_has_no_decimals():
    series = IndicatorSeries(
        title="NI 40 drug users in effective treatment", unit="count", decimal_places=0,
        points=[SeriesPoint("2008/09 Q1", "2008/09", Decimal(836)), SeriesPoint("2008/09 Q2", "2008/09", Decimal(900))],
        targets=[YearTarget("2008/09", Decimal(886))],
    )
    labels = axis_labels(indicator_chart_svg(series), r"-?[\d,]+(\.\d+)?")

    assert labels and all("." not in label for label in labels)


def test_a_money_axis_uses_one_unit_and_one_number_of_decimals():
    from monitoring.dashboards.charts import FundingChart, FundingStream, funding_chart_svg

    # NI 152's known funding: £12,945,888 in 2008/09 and £221,355 in 2009/10. The ticks fall every £2.5m: every
    # label is in millions with one decimal ("£2.5m" never beside "£5m", nor "£0" beside "£2.5m").
    chart = FundingChart("NI 152 funding", ["2008/09", "2009/10"], [
        FundingStream("JCP Mainstream Provision", [Decimal(6360000), None]),
        FundingStream("Other streams", [Decimal(6585888), Decimal(221355)]),
    ])
    labels = axis_labels(funding_chart_svg(chart), r"£[\d,.]+[mk]?")

    assert labels == ["£0.0m", "£2.5m", "£5.0m", "£7.5m", "£10.0m", "£12.5m"]


def test_a_money_axis_below_a_million_reads_in_thousands():
    from monitoring.dashboards.charts import FundingChart, FundingStream, funding_chart_svg

    esf = FundingStream("ESF Adult", [Decimal(88237), Decimal(221355)])
    chart = FundingChart("ESF funding", ["2008/09", "2009/10"], [esf])
    labels = axis_labels(funding_chart_svg(chart), r"£[\d,.]+[mk]?")

    assert labels == ["£0k", "£40k", "£80k", "£120k", "£160k", "£200k"]


def test_an_axis_format_never_prints_minus_zero_and_puts_the_sign_before_the_pound():
    from monitoring.dashboards.charts import MONEY, PERCENT, AxisFormatter

    assert AxisFormatter(PERCENT).format_ticks([-0.5, -0.0, 0.5, 1.0]) == ["-0.5%", "0.0%", "0.5%", "1.0%"]
    assert AxisFormatter(MONEY).format_ticks([-2_000_000, 0, 2_000_000]) == ["-£2m", "£0m", "£2m"]
    assert AxisFormatter(MONEY).format_ticks([0, 250, 500]) == ["£0", "£250", "£500"]

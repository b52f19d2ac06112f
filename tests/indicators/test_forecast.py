"""The year-end forecast's methods on hand-checked series (indicators.forecast)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from indicators import forecast as forecasting
from indicators.forecast import Point, forecast_year_end
from indicators.models import EntryStatus, Forecast, Indicator, IndicatorTarget, IndicatorValue
from plans import periods
from plans.models import Partnership, Period


def rate(polarity=Indicator.Polarity.HIGHER_IS_BETTER, unit=Indicator.Unit.PERCENT) -> Indicator:
    return Indicator(code="NI 152", name="Out of work benefits", unit=unit, polarity=polarity, decimal_places=2)


def count() -> Indicator:
    return Indicator(code="NI 117", name="Starts", unit=Indicator.Unit.COUNT, decimal_places=0,
                     year_end=Indicator.YearEnd.YEAR_TO_DATE)


def quarters(first_year: int, values, signed_off=True) -> list[Point]:
    spans = [span for year in range(first_year, first_year + 10) for span in periods.periods_in_year(year, "quarter")]
    return [Point(span, Decimal(str(value)), signed_off) for span, value in zip(spans, values, strict=False)]


def test_it_forecasts_a_straight_line_as_itself_with_a_narrow_range():
    # 2008/09 Q1 to 2009/10 Q2: 10.0, 10.5, ... 12.5; Q4 2009/10 is two steps on, 13.5.
    made = forecast_year_end(rate(), quarters(2008, [10 + 0.5 * i for i in range(6)]), year=2009, target=Decimal(13))
    assert made.method == forecasting.LINEAR_TREND
    assert made.value == Decimal("13.50")
    assert made.low == made.high == made.value
    assert made.probability == 1.0 and made.band == forecasting.VERY_LIKELY
    assert made.basis_label == "from 6 quarters; linear trend"


def test_a_nearly_straight_line_keeps_a_narrow_range_around_its_trend():
    wobble = [0.02, -0.02, 0.01, -0.01, 0.02, -0.02]
    made = forecast_year_end(rate(), quarters(2008, [10 + 0.5 * i + w for i, w in enumerate(wobble)]),
                             year=2009, target=Decimal(13))
    assert made.method == forecasting.LINEAR_TREND
    assert abs(made.value - Decimal("13.5")) < Decimal("0.1")
    assert made.high - made.low < Decimal("0.3")
    assert made.probability > 0.99


def test_a_flat_noisy_series_gives_about_even_odds_at_its_mean():
    # Up and down about 20 since 2008/09 Q1, at 20 in 2009/10 Q3: either method puts the year-end at 20.
    values = [19.5, 20.5, 20.5, 19.5, 19.5, 20.5, 20.0]
    made = forecast_year_end(rate(), quarters(2008, values), year=2009, target=Decimal(20))
    assert made.value == Decimal(20)
    assert made.low < Decimal(19) and made.high > Decimal(21)
    assert made.band == forecasting.ABOUT_EVEN and made.probability == pytest.approx(0.5)
    assert made.band_label == "About even (50%)" and not made.is_at_risk


def test_a_count_half_way_at_q2_forecasts_double():
    # Two earlier years that reached half their year-end by Q2 (an even profile: 100 a quarter, to date).
    earlier = [100, 200, 300, 400] * 2
    made = forecast_year_end(count(), quarters(2007, [*earlier, 260, 520]), year=2009, target=Decimal(1000))
    assert made.method == forecasting.YEAR_TO_DATE
    assert made.value == Decimal(1040)
    assert made.probability == 1.0
    assert made.basis_label == "from 10 quarters; year to date scaled by earlier years"


def test_a_count_follows_the_seasonal_share_of_earlier_years():
    # Earlier years had reached 40% of their year-end by Q2 (with a little variation): 400 at Q2 forecasts ~1000.
    earlier = [200, 400, 700, 1000, 220, 410, 730, 1020, 190, 400, 690, 1000]
    made = forecast_year_end(count(), quarters(2006, [*earlier, 180, 400]), year=2009, target=Decimal(1000))
    assert abs(made.value - Decimal(1000)) < Decimal(15)
    assert made.low < made.value < made.high
    assert 0.3 < made.probability < 0.7


def test_a_count_with_one_earlier_year_follows_it_with_a_wider_range():
    made = forecast_year_end(count(), quarters(2008, [90, 210, 290, 400, 110, 200]), year=2009, target=Decimal(400))
    assert made.method == forecasting.YEAR_TO_DATE
    assert made.value == Decimal(381)  # 200 / (210 / 400)
    assert made.low < Decimal(350) and made.high > Decimal(420)
    assert made.is_at_risk and made.band == forecasting.UNLIKELY


def test_a_count_without_an_earlier_complete_year_takes_an_even_profile():
    points = [Point(periods.parse(code), Decimal(value), True) for code, value in [
        ("2008/09-Q3", 100), ("2008/09-Q4", 190), ("2009/10-Q1", 110), ("2009/10-Q2", 190)]]
    made = forecast_year_end(count(), points, year=2009, target=Decimal(400))
    assert made.method == forecasting.EVEN_PROFILE and made.value == Decimal(380)
    assert made.low < Decimal(300) and made.high > Decimal(450)


def test_a_count_at_nothing_so_far_is_not_scaled_up():
    made = forecast_year_end(count(), quarters(2008, [90, 210, 290, 400, 0, 0]), year=2009, target=Decimal(400))
    assert made.value is None and made.probability is None


def test_three_points_are_not_enough_history_and_four_are():
    three = forecast_year_end(rate(), quarters(2009, [10, 11, 12]), year=2009, target=Decimal(12))
    assert not three.enough_history and three.value is None and three.probability is None
    assert three.basis_label == forecasting.NOT_ENOUGH_HISTORY == "not enough history to forecast"
    assert three.band is None and three.band_label == "" and not three.is_at_risk and three.points == 3
    four = forecast_year_end(rate(), quarters(2008, [10, 11, 12, 13]), year=2009, target=Decimal(12))
    assert four.enough_history and four.value is not None and four.points == 4


def test_values_after_the_year_do_not_count():
    points = quarters(2009, [10, 11, 12, 13, 14, 15])  # 2009/10 complete, then two quarters of 2010/11
    made = forecast_year_end(rate(), points, year=2009, target=Decimal(12))
    assert made.method == forecasting.YEAR_COMPLETE and made.value == Decimal(13) and made.points == 4


def test_drafts_are_left_out_unless_included_and_then_make_it_provisional():
    points = quarters(2008, [10, 11, 12]) + [Point(periods.parse("2008/09-Q4"), Decimal(13), False)]
    committee = forecast_year_end(rate(), points, year=2009, target=Decimal(15))
    assert not committee.enough_history and not committee.is_provisional
    entering = forecast_year_end(rate(), points, year=2009, target=Decimal(15), include_drafts=True)
    assert entering.enough_history and entering.is_provisional and entering.value == Decimal(17)


def test_polarity_turns_the_odds_round():
    rising = quarters(2008, [10 + 0.5 * i + (0.2 if i % 2 else -0.2) for i in range(6)])
    higher = forecast_year_end(rate(), rising, year=2009, target=Decimal("13.5"))
    lower = forecast_year_end(rate(Indicator.Polarity.LOWER_IS_BETTER), rising, year=2009, target=Decimal("13.5"))
    assert higher.probability + lower.probability == pytest.approx(1.0)
    far = forecast_year_end(rate(Indicator.Polarity.LOWER_IS_BETTER), rising, year=2009, target=Decimal(11))
    assert far.probability < 0.1 and far.is_at_risk and far.band == forecasting.VERY_UNLIKELY


def test_a_neutral_indicator_or_no_target_has_no_probability():
    points = quarters(2008, [10, 11, 12, 13])
    neutral = forecast_year_end(rate(Indicator.Polarity.NEUTRAL), points, year=2009, target=Decimal(12))
    untargeted = forecast_year_end(rate(), points, year=2009, target=None)
    for made in (neutral, untargeted):
        assert made.value is not None and made.probability is None and made.band_label == "" and not made.is_at_risk


def test_six_monthly_values_forecast_the_second_half():
    points = [Point(periods.parse(code), Decimal(value), True) for code, value in [
        ("2007/08-H1", 10), ("2007/08-H2", 11), ("2008/09-H1", 12), ("2008/09-H2", 13), ("2009/10-H1", 14)]]
    made = forecast_year_end(rate(), points, year=2009, target=Decimal(14))
    assert made.value == Decimal(15) and made.basis_label == "from 5 half years; linear trend"


def test_the_range_stays_within_the_units_bounds():
    falling = quarters(2008, [8, 6, 4.5, 3, 1.5, 0.8])
    made = forecast_year_end(rate(), falling, year=2009, target=Decimal(1))
    assert made.low >= 0 and made.value >= 0


@pytest.mark.parametrize(("probability", "band", "label"), [
    (0.0999, forecasting.VERY_UNLIKELY, "Very unlikely (10%)"),
    (0.001, forecasting.VERY_UNLIKELY, "Very unlikely (under 1%)"),
    (0.10, forecasting.UNLIKELY, "Unlikely (10%)"),
    (0.3999, forecasting.UNLIKELY, "Unlikely (40%)"),
    (0.40, forecasting.ABOUT_EVEN, "About even (40%)"),
    (0.60, forecasting.ABOUT_EVEN, "About even (60%)"),
    (0.6001, forecasting.LIKELY, "Likely (60%)"),
    (0.90, forecasting.LIKELY, "Likely (90%)"),
    (0.9001, forecasting.VERY_LIKELY, "Very likely (90%)"),
    (0.999, forecasting.VERY_LIKELY, "Very likely (over 99%)"),
])
def test_bands_at_their_edges(probability, band, label):
    made = forecasting.Forecast(2009, Decimal(1), Decimal(0), Decimal(2), probability, Decimal(1), "last value", 4,
                                False)
    assert made.band == band and made.band_label == label


def test_at_risk_is_under_a_half():
    def made(probability):
        return forecasting.Forecast(2009, Decimal(1), Decimal(0), Decimal(2), probability, Decimal(1), "", 4, False)

    assert made(0.4999).is_at_risk and not made(0.5).is_at_risk and not made(None).is_at_risk


@pytest.mark.django_db
def test_record_forecasts_stores_one_row_per_indicator_with_a_target_from_signed_off_values(
    django_assert_max_num_queries,
):
    from plans import partnerships

    partnership = Partnership.objects.create(name="Coventry")
    with partnerships.within([partnership.pk]):
        targeted = Indicator.objects.create(partnership=partnership, code="NI 152", name="Benefits", decimal_places=1)
        untargeted = Indicator.objects.create(partnership=partnership, code="NI 153", name="Other")
        IndicatorTarget.objects.create(indicator=targeted, year=2009, value=Decimal(14))
        for index, point in enumerate(quarters(2008, [10, 11, 12, 13, 14, 15])):
            status = EntryStatus.DRAFT if index == 5 else EntryStatus.SIGNED_OFF
            IndicatorValue.objects.create(indicator=targeted, period=Period.for_span(point.period),
                                          value=point.value, status=status)
        period = Period.for_code("2009/10-Q2")
        made_at = datetime(2009, 10, 20, tzinfo=UTC)
        with django_assert_max_num_queries(3):
            stored = forecasting.record_forecasts(indicators=[targeted, untargeted], period=period, made_at=made_at)
        assert len(stored) == 1
        row = Forecast.objects.get()
        assert (row.indicator, row.period, row.year, row.points, row.method) == (
            targeted, period, 2009, 5, forecasting.LINEAR_TREND)
        assert row.value == Decimal(17) and row.probability == 1.0 and row.target == Decimal(14)



@pytest.mark.parametrize("step", ["0.3", "0.7", "0.1"])
def test_a_straight_line_landing_exactly_on_its_target_meets_it_for_certain(step):
    """Rounding leaves a perfect line's residuals near 1e-15, not 0: they must not make the odds arbitrary."""
    # Lower is better: 2008/09 Q1 to 2009/10 Q2 falling by `step`; Q4 of 2009/10, two steps on, is the target.
    line = [Decimal("16.1") - Decimal(step) * i for i in range(6)]
    target = line[-1] - 2 * Decimal(step)
    made = forecast_year_end(rate(Indicator.Polarity.LOWER_IS_BETTER), quarters(2008, line), year=2009, target=target)
    assert (made.method, made.value, made.probability) == (forecasting.LINEAR_TREND, target, 1.0)

"""RAG, direction of travel, trend, target met and trajectory: the rules of indicators.performance.

Indicators are unsaved model instances: the rules read only polarity and amber tolerance.
"""

from decimal import Decimal

import pytest

from indicators import performance
from indicators.models import Indicator
from indicators.performance import AMBER, GREEN, IMPROVING, NO_CHANGE, RED, WORSENING, Reading

D = Decimal


def indicator(polarity=Indicator.Polarity.HIGHER_IS_BETTER, tolerance="5"):
    return Indicator(code="NI X", name="Test", polarity=polarity, amber_tolerance=D(tolerance))


LOWER = indicator(Indicator.Polarity.LOWER_IS_BETTER)
HIGHER = indicator(Indicator.Polarity.HIGHER_IS_BETTER)
NEUTRAL = indicator(Indicator.Polarity.NEUTRAL)


# ---------------------------------------------------------------------------------------------------------
# RAG


@pytest.mark.parametrize(("value", "expected"), [
    ("14.2", GREEN),     # better than target
    ("14.3", GREEN),     # exactly on target
    ("15.015", AMBER),   # 5% of 14.3 is 0.715: the last value that is amber
    ("15.0151", RED),    # just beyond the tolerance
    ("16.2", RED),       # NI 152 at the end of 2008/09
])
def test_lower_is_better_is_green_on_or_under_target_amber_within_tolerance_red_beyond(value, expected):
    assert performance.rag(LOWER, D(value), D("14.3")) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("73.0", GREEN),
    ("72.9", GREEN),
    ("69.255", AMBER),   # 5% of 72.9 is 3.645
    ("69.2549", RED),
    ("70.1", AMBER),     # NI 79 at the end of 2008/09
])
def test_higher_is_better_is_green_on_or_over_target_amber_within_tolerance_red_beyond(value, expected):
    assert performance.rag(HIGHER, D(value), D("72.9")) == expected


def test_a_tolerance_of_its_own_widens_or_narrows_amber():
    wide, none = indicator(tolerance="10"), indicator(tolerance="0")

    assert performance.rag(wide, D(90), D(100)) == AMBER
    assert performance.rag(HIGHER, D(90), D(100)) == RED
    assert performance.rag(none, D("99.99"), D(100)) == RED
    assert performance.rag(none, D(100), D(100)) == GREEN


def test_a_target_of_zero_leaves_no_room_for_amber():
    assert performance.rag(LOWER, D("0.1"), D(0)) == RED
    assert performance.rag(LOWER, D(0), D(0)) == GREEN


def test_no_target_no_value_or_a_neutral_indicator_give_no_rag():
    assert performance.rag(HIGHER, None, D(10)) is None
    assert performance.rag(HIGHER, D(10), None) is None
    assert performance.rag(NEUTRAL, D(10), D(10)) is None


def test_misses_target_is_amber_or_red():
    assert performance.misses_target(LOWER, D("15.0"), D("14.3"))
    assert not performance.misses_target(LOWER, D("14.0"), D("14.3"))
    assert not performance.misses_target(LOWER, D("14.0"), None)


def test_a_value_that_misses_its_target_needs_commentary_that_says_something():
    assert performance.needs_commentary(LOWER, D("14.6"), D("14.3"), "")
    assert performance.needs_commentary(LOWER, D("14.6"), D("14.3"), "  \n ")
    assert not performance.needs_commentary(LOWER, D("14.6"), D("14.3"), "Redundancies at the car plant")


def test_a_value_on_target_without_a_target_or_tracked_only_needs_no_commentary():
    assert not performance.needs_commentary(LOWER, D("14.3"), D("14.3"), "")
    assert not performance.needs_commentary(LOWER, D("14.6"), None, "")
    assert not performance.needs_commentary(NEUTRAL, D("14.6"), D("14.3"), "")


def test_the_commentary_message_names_the_target_as_the_indicator_prints_it():
    ni152 = Indicator(code="NI 152", unit=Indicator.Unit.PERCENT, decimal_places=1)
    assert performance.commentary_required(ni152, D("14.3")) == "Explain why the value misses its target of 14.3%."


# ---------------------------------------------------------------------------------------------------------
# Direction of travel and trend


def test_a_fall_improves_a_lower_is_better_indicator_and_worsens_a_higher_is_better_one():
    assert performance.direction(LOWER, D("14.5"), D("14.6")) == IMPROVING
    assert performance.direction(HIGHER, D("14.5"), D("14.6")) == WORSENING
    assert performance.direction(LOWER, D("14.7"), D("14.6")) == WORSENING
    assert performance.direction(HIGHER, D("14.7"), D("14.6")) == IMPROVING
    assert performance.direction(HIGHER, D("14.6"), D("14.6")) == NO_CHANGE


def test_direction_needs_two_values_and_a_polarity():
    assert performance.direction(HIGHER, D(1), None) is None
    assert performance.direction(HIGHER, None, D(1)) is None
    assert performance.direction(NEUTRAL, D(2), D(1)) is None


def test_ni_152_rising_through_the_recession_has_been_worsening_for_four_periods():
    history = [D("14.6"), D("14.9"), D("15.4"), D("16.2"), D("16.5")]

    trend = performance.trend(LOWER, history)

    assert trend == performance.Trend(WORSENING, 4)
    assert trend.label == "Worsening for 4 periods"
    assert performance.trend(HIGHER, history).label == "Improving for 4 periods"


def test_a_change_of_direction_starts_a_new_run():
    assert performance.trend(HIGHER, [D(5), D(4), D(3), D(4)]) == performance.Trend(IMPROVING, 1)
    assert performance.trend(HIGHER, [D(5), D(4), D(3), D(4)]).label == "Improving for 1 period"
    assert performance.trend(HIGHER, [D(1), D(2), D(2), D(2)]) == performance.Trend(NO_CHANGE, 2)


def test_no_trend_without_two_values_or_for_a_neutral_indicator():
    assert performance.trend(HIGHER, []) == performance.Trend(None, 0)
    assert performance.trend(HIGHER, [D(1)]).label == "Not known"
    assert performance.trend(NEUTRAL, [D(1), D(2), D(3)]) == performance.Trend(None, 0)


# ---------------------------------------------------------------------------------------------------------
# Assessment of the latest figure


def ni152_readings(latest_signed_off: bool):
    values = ["14.6", "14.9", "15.4", "16.2", "16.5"]
    labels = ["2008/09 Q1", "2008/09 Q2", "2008/09 Q3", "2008/09 Q4", "2009/10 Q1"]
    return [
        Reading(D(value), signed_off=index < 4 or latest_signed_off, period=label)
        for index, (value, label) in enumerate(zip(values, labels, strict=True))
    ]


def test_a_provisional_latest_figure_is_assessed_and_marked_provisional():
    assessment = performance.assess(LOWER, ni152_readings(latest_signed_off=False), D("14.0"))

    assert assessment.value == D("16.5")
    assert assessment.is_provisional
    assert assessment.latest.period == "2009/10 Q1"
    assert assessment.last_signed_off == Reading(D("16.2"), True, "2008/09 Q4")
    assert assessment.rag == RED
    assert assessment.rag_label == "Red"
    assert assessment.trend.label == "Worsening for 4 periods"


def test_a_signed_off_latest_figure_is_not_provisional():
    assessment = performance.assess(LOWER, ni152_readings(latest_signed_off=True), D("14.0"))

    assert not assessment.is_provisional
    assert assessment.last_signed_off == assessment.latest


def test_no_data_comes_before_no_target_and_tracked_only():
    no_data = performance.assess(NEUTRAL, [], None)

    assert no_data.rag is None and no_data.no_rag_reason == performance.NO_DATA
    assert no_data.rag_label == "No data"
    assert no_data.value is None and not no_data.is_provisional
    assert no_data.trend.label == "Not known"


def test_a_neutral_indicator_is_tracked_only_even_with_a_target():
    assessment = performance.assess(NEUTRAL, [Reading(D(3)), Reading(D(4))], D(4))

    assert assessment.rag is None
    assert assessment.no_rag_reason == performance.TRACKED_ONLY
    assert assessment.trend.direction is None


def test_a_figure_without_a_target_has_a_trend_but_no_rag():
    assessment = performance.assess(HIGHER, [Reading(D(842)), Reading(D(851))], None)

    assert assessment.rag is None
    assert assessment.rag_label == "No target"
    assert assessment.trend.label == "Improving for 1 period"


# ---------------------------------------------------------------------------------------------------------
# Target met and trajectory


def test_a_completed_year_met_its_target_only_when_its_year_end_value_is_green():
    assert performance.target_met(LOWER, D("16.2"), D("14.3")) is False
    assert performance.target_met(LOWER, D("14.9"), D("14.3")) is False  # amber is not met
    assert performance.target_met(LOWER, D("14.3"), D("14.3")) is True
    assert performance.target_met(HIGHER, D("70.1"), D("72.9")) is False


def test_target_met_is_unknown_without_a_value_a_target_or_a_polarity():
    assert performance.target_met(LOWER, None, D("14.3")) is None
    assert performance.target_met(LOWER, D("14.3"), None) is None
    assert performance.target_met(NEUTRAL, D("14.3"), D("14.3")) is None


def test_the_trajectory_is_a_straight_line_from_the_latest_value_to_the_final_target():
    assert performance.trajectory(D("16.5"), D("13.8"), 3) == [D("16.5"), D("15.6"), D("14.7"), D("13.8")]
    assert performance.trajectory(D(10), D(20), 0) == [D(20)]

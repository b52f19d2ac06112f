"""The RAG an action's outputs suggest: its outputs so far in the year against the profile of its yearly target
(indicators.performance.suggested_action_rag), and how monitoring.action_rag reads it for a period."""

from decimal import Decimal

import pytest

from indicators import performance
from indicators.models import Indicator
from indicators.performance import AMBER, GREEN, RED, action_profile, suggested_action_rag
from monitoring import action_rag
from plans import periods

D = Decimal


def test_the_tolerance_for_actions_is_the_indicators_default():
    tolerances = {performance.ACTION_AMBER_TOLERANCE, performance.DEFAULT_AMBER_TOLERANCE}
    assert tolerances == {D(5)}
    assert Indicator._meta.get_field("amber_tolerance").default == performance.DEFAULT_AMBER_TOLERANCE


@pytest.mark.parametrize(("elapsed", "in_year", "profile"), [
    (1, 4, D(80)), (2, 4, D(160)), (3, 4, D(240)), (4, 4, D(320)),  # quarters: a quarter of the target each
    (1, 2, D(160)), (2, 2, D(320)),  # halves: at H1 of a six-monthly plan, half the target
])
def test_the_profile_spreads_the_target_evenly_over_the_years_periods(elapsed, in_year, profile):
    assert action_profile(D(320), elapsed, in_year) == profile


@pytest.mark.parametrize(("so_far", "expected"), [
    ("400", GREEN),  # ahead of profile
    ("160", GREEN),  # exactly on profile
    ("159.99", AMBER),  # just short of it
    ("152", AMBER),  # exactly at the tolerance's edge: 5% of 160 short
    ("151.99", RED),  # just beyond it
    ("140", RED),
    ("0", RED),  # zero is a figure: nothing delivered
])
def test_at_q2_of_a_quarterly_plan_the_outputs_are_held_to_half_the_target(so_far, expected):
    assert suggested_action_rag(D(so_far), D(320), 2, 4) == expected


@pytest.mark.parametrize(("so_far", "expected"), [("50", GREEN), ("47.5", AMBER), ("47.4", RED)])
def test_at_h1_of_a_six_monthly_plan_the_outputs_are_held_to_half_the_target(so_far, expected):
    assert suggested_action_rag(D(so_far), D(100), 1, 2) == expected


def test_a_wider_tolerance_widens_amber():
    assert suggested_action_rag(D(144), D(320), 2, 4, tolerance=D(10)) == AMBER
    assert suggested_action_rag(D(143), D(320), 2, 4, tolerance=D(10)) == RED


@pytest.mark.parametrize(("so_far", "target"), [
    (None, D(320)),  # blank outputs: blank is not zero, so nothing is suggested
    (D(100), None),  # no target
    (D(100), D(0)),  # a target of nothing cannot be missed or met
    (D(0), D(0)),
])
def test_without_outputs_or_a_target_there_is_no_suggestion(so_far, target):
    assert suggested_action_rag(so_far, target, 2, 4) is None


def test_the_suggestion_for_a_period_says_how_it_was_reached():
    suggestion = action_rag.suggest(D(152), D(320), periods.parse("2008/09-Q2"))

    assert (suggestion.rag, suggestion.label) == (AMBER, "Amber")
    assert suggestion.summary == "152 of 320 by Q2, profile 160"
    assert action_rag.suggest(D("4800.00"), D(9505), periods.parse("2008/09-Q2")).summary == \
        "4,800 of 9,505 by Q2, profile 4,752.5"
    assert action_rag.suggest(D(50), D(100), periods.parse("2012/13-H1")).summary == "50 of 100 by H1, profile 50"
    assert action_rag.suggest(None, D(100), periods.parse("2012/13-H1")) is None


def test_another_rag_needs_a_reason_and_only_another_rag_keeps_one():
    suggestion = action_rag.suggest(D(140), D(320), periods.parse("2008/09-Q2"))

    assert action_rag.rag_problem(suggestion, GREEN, "") == (
        "Your outputs suggest Red (140 of 320 by Q2, profile 160). Choose Red, or say why the RAG status is green"
    )
    assert action_rag.rag_problem(suggestion, GREEN, "  ") is not None
    assert action_rag.rag_problem(suggestion, GREEN, "The spring cohort starts in January") is None
    assert action_rag.rag_problem(suggestion, RED, "") is None
    assert action_rag.rag_problem(suggestion, "", "") is None  # no RAG yet: a draft
    assert action_rag.rag_problem(None, GREEN, "") is None  # nothing suggested
    assert action_rag.kept_reason(suggestion, GREEN, " Late starts ") == "Late starts"
    assert action_rag.kept_reason(suggestion, RED, "Late starts") == ""
    assert action_rag.kept_reason(None, GREEN, "Late starts") == ""

"""Builders for the forecast's tests: NI 152 with a history whose forecasts can be checked by hand.

NI 152 (a percentage, lower is better, 2008/09 target 14.3%) falls by exactly 0.2 a quarter through 2007/08:
14.8%, 14.6%, 14.4%, 14.2%, all signed off. A straight line forecasts itself: 2008/09 Q4 is four quarters on, so
13.4%, with no spread about the line and so a range of 13.4% to 13.4%, very likely (over 99%) to meet 14.3%.

A draft of 15.2% for 2008/09 Q1 breaks the line: the method that would have done better on the indicator's past
is then "last value", which forecasts 15.2%; its spread comes from the five quarters' steps (80% range 13.8% to
16.6%), and the chance of 14.3% or less is 19%: unlikely.
"""

from __future__ import annotations

from decimal import Decimal

from indicators.models import IndicatorValue
from monitoring import services
from plans.models import Period
from tests.cycle_builders import Cycle, make_cycle

FALLING = {"2007/08-Q1": "14.8", "2007/08-Q2": "14.6", "2007/08-Q3": "14.4", "2007/08-Q4": "14.2"}
# 2007/08 rising by 0.4 a quarter: a value on target at 2008/09 Q1 still forecasts 15.4%, very unlikely (1%).
RISING = {"2007/08-Q1": "13.0", "2007/08-Q2": "13.4", "2007/08-Q3": "13.8", "2007/08-Q4": "14.2"}


def with_history(cycle: Cycle, history: dict[str, str]) -> Cycle:
    """Give NI 152 the signed-off 2007/08 history (replacing the builder's)."""
    for code, value in history.items():
        IndicatorValue.objects.filter(indicator=cycle.ni152, period=Period.for_code(code)).update(value=Decimal(value))
    return cycle


def falling_cycle(**kwargs) -> Cycle:
    """NI 152 falling in a straight line through 2007/08, with the 2008/09 Q1 round open."""
    return with_history(make_cycle(**kwargs), FALLING)


def enter(cycle: Cycle, raw: str, *, commentary: str = "", submit: bool = False, indicator=None):
    """Enter NI 152's (or the indicator's) value for the round's period as its data expert."""
    indicator = indicator or cycle.ni152
    existing = IndicatorValue.objects.filter(indicator=indicator, period=cycle.round.period).first()
    return services.indicator_value_save(
        report=cycle.report, indicator=indicator, user=cycle["expert"], raw_value=raw, commentary=commentary,
        version=existing.version if existing else None, confirm_outlier=True, submit=submit,
    )

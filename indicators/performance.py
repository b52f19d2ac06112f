"""RAG status, direction of travel and value checks for indicators: the one place these rules live.

Polarity decides what "better" means: for NI 152 (working age people on out of work benefits) a fall is an
improvement. A value within the indicator's amber tolerance (default 5% of the target) of a missed target is
amber, further away red. No target, no value, or a neutral indicator gives no RAG at all.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from statistics import mean, pstdev

from django.core.exceptions import ValidationError

GREEN = "green"
AMBER = "amber"
RED = "red"

IMPROVING = "improving"
WORSENING = "worsening"
NO_CHANGE = "no change"

# A value further than this many standard deviations from the indicator's own history gets a warning,
# as DHIS2's outlier check does; the floor keeps a very steady series from flagging every small change.
OUTLIER_DEVIATIONS = Decimal(3)
OUTLIER_FLOOR_SHARE = Decimal("0.05")
OUTLIER_MIN_HISTORY = 4


def rag(indicator, value: Decimal | None, target: Decimal | None) -> str | None:
    """Return 'green', 'amber' or 'red' for a value against its target, or None where RAG does not apply."""
    if value is None or target is None or indicator.polarity == indicator.Polarity.NEUTRAL:
        return None
    shortfall = target - value if indicator.polarity == indicator.Polarity.HIGHER_IS_BETTER else value - target
    if shortfall <= 0:
        return GREEN
    allowed = abs(target) * indicator.amber_tolerance / 100
    return AMBER if shortfall <= allowed else RED


def misses_target(indicator, value: Decimal | None, target: Decimal | None) -> bool:
    """Return True if the value is on the wrong side of its target."""
    return rag(indicator, value, target) in (AMBER, RED)


def direction(indicator, current: Decimal | None, previous: Decimal | None) -> str | None:
    """Return 'improving', 'worsening' or 'no change' from the previous value, following the polarity."""
    if current is None or previous is None or indicator.polarity == indicator.Polarity.NEUTRAL:
        return None
    if current == previous:
        return NO_CHANGE
    rising = current > previous
    better_when_rising = indicator.polarity == indicator.Polarity.HIGHER_IS_BETTER
    return IMPROVING if rising == better_when_rising else WORSENING


def parse_value(indicator, raw: str) -> Decimal:
    """Read a typed value, checking it is a number within the unit's bounds and the indicator's decimal places."""
    text = (raw or "").strip().replace(",", "").removesuffix("%").removeprefix("£").strip()
    if not text:
        raise ValidationError("Enter a value.", code="required")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"Enter a number, like {example(indicator)}.", code="not_a_number") from None
    if not value.is_finite():
        raise ValidationError(f"Enter a number, like {example(indicator)}.", code="not_a_number")
    low, high = indicator.value_bounds()
    if (low is not None and value < low) or (high is not None and value > high):
        unit = "%" if indicator.unit == indicator.Unit.PERCENT else ""
        message = f"Enter a value from {low}{unit} to {high}{unit}." if high is not None else f"Enter {low} or more."
        raise ValidationError(message, code="out_of_bounds")
    if value.as_tuple().exponent < -indicator.decimal_places:
        places = indicator.decimal_places
        if places == 0:
            raise ValidationError("Enter a whole number.", code="decimal_places")
        raise ValidationError(
            f"Enter the value to {places} decimal place{'s' if places > 1 else ''}, like {example(indicator)}.",
            code="decimal_places",
        )
    return value


def example(indicator) -> str:
    places = indicator.decimal_places
    return f"{Decimal('14.25'):.{places}f}" if indicator.unit == indicator.Unit.PERCENT else f"{Decimal('836'):.{places}f}"


def is_outlier(value: Decimal, history: list[Decimal]) -> bool:
    """Return True if the value lies far outside the indicator's own history of values."""
    if len(history) < OUTLIER_MIN_HISTORY:
        return False
    centre = Decimal(str(mean(history)))
    spread = max(Decimal(str(pstdev(history))), abs(centre) * OUTLIER_FLOOR_SHARE)
    return abs(value - centre) > OUTLIER_DEVIATIONS * spread

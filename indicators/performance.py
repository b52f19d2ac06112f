"""RAG status, direction of travel and value checks for indicators: the one place these rules live.

Polarity decides what "better" means: for NI 152 (working age people on out of work benefits) a fall is an
improvement. A value within the indicator's amber tolerance (default 5% of the target) of a missed target is
amber, further away red. No target, no value, or a neutral indicator gives no RAG at all, and assess() says
which of the three it was.

Direction of travel compares a value with the one before it; trend() also counts how many periods in a row the
indicator has moved that way. A figure not yet signed off is provisional: the rules apply to it all the same,
and assess() carries the mark so that every page shows the RAG and direction it gives as provisional too.

A delivery action with an output target is held to the same rule (suggested_action_rag): its outputs so far in
the year against the profile of its yearly target, the target spread evenly over the year's periods.

Two checks stand between a typed figure and the record, whichever way it arrives (the value form, an uploaded
spreadsheet, `manage.py import_data`). A value that misses its year's target must say why: it needs commentary.
A value far outside the indicator's own history of the same kind of period (is_outlier) is usually a typing
slip, so whoever enters it must confirm it: on the form by ticking a box, in an import on the preview or with
--confirm-outliers; the value is then stored as a confirmed outlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from statistics import mean, pstdev

from django.core.exceptions import ValidationError

GREEN = "green"
AMBER = "amber"
RED = "red"

IMPROVING = "improving"
WORSENING = "worsening"
NO_CHANGE = "no change"

# Why a value has no RAG status.
NO_DATA = "no data"
NO_TARGET = "no target"
TRACKED_ONLY = "tracked only"

RAG_LABELS = {GREEN: "Green", AMBER: "Amber", RED: "Red"}
DIRECTION_LABELS = {IMPROVING: "Improving", WORSENING: "Worsening", NO_CHANGE: "No change"}
NO_RAG_LABELS = {NO_DATA: "No data", NO_TARGET: "No target", TRACKED_ONLY: "Tracked only (no RAG)"}

# A value further than this many standard deviations from the indicator's own history gets a warning,
# as DHIS2's outlier check does; the floor keeps a very steady series from flagging every small change.
OUTLIER_DEVIATIONS = Decimal(3)
OUTLIER_FLOOR_SHARE = Decimal("0.05")
OUTLIER_MIN_HISTORY = 4
# What every route says when a rule above stops a value (the value form, the upload page, the command line).
COMMENTARY_REQUIRED = "Explain why the value misses its target of {target}."
OUTLIER = "This value is far outside this indicator's previous values."
# An indicator's amber tolerance unless it sets its own (Indicator.amber_tolerance), in percent of the target; the
# outputs of a delivery action are held to the same, against the profile of its yearly target.
DEFAULT_AMBER_TOLERANCE = Decimal(5)
ACTION_AMBER_TOLERANCE = DEFAULT_AMBER_TOLERANCE
# IndicatorValue stores 18 digits, 4 of them after the point.
MAX_WHOLE_DIGITS = 14


def rag(indicator, value: Decimal | None, target: Decimal | None) -> str | None:
    """Return 'green', 'amber' or 'red' for a value against its target, or None where RAG does not apply."""
    if value is None or target is None or indicator.polarity == indicator.Polarity.NEUTRAL:
        return None
    shortfall = target - value if indicator.polarity == indicator.Polarity.HIGHER_IS_BETTER else value - target
    return _rag_of_shortfall(shortfall, target, indicator.amber_tolerance)


def _rag_of_shortfall(shortfall: Decimal, target: Decimal, tolerance: Decimal) -> str:
    """Return green for no shortfall, amber for one within `tolerance` percent of the target, red beyond."""
    if shortfall <= 0:
        return GREEN
    allowed = abs(target) * tolerance / 100
    return AMBER if shortfall <= allowed else RED


def action_profile(target: Decimal, periods_elapsed: int, periods_in_year: int) -> Decimal:
    """Return the outputs an action should have reached by the end of a period: its yearly target spread evenly
    over the year's periods (at Q2 of a quarterly plan half the target, at H1 of a six-monthly plan half too)."""
    return target * periods_elapsed / periods_in_year


def suggested_action_rag(
    so_far: Decimal | None, target: Decimal | None, periods_elapsed: int, periods_in_year: int,
    tolerance: Decimal = ACTION_AMBER_TOLERANCE,
) -> str | None:
    """Return the RAG an action's outputs so far in the year suggest against the profile of its yearly target.

    On profile or above is green, short of it by no more than `tolerance` percent of the profile amber, further
    short red: the rule of rag() for an indicator where higher is better. No target (or a target of 0) and blank
    outputs suggest nothing: blank is not zero.
    """
    if so_far is None or not target or target < 0:
        return None
    profile = action_profile(target, periods_elapsed, periods_in_year)
    return _rag_of_shortfall(profile - so_far, profile, tolerance)


def misses_target(indicator, value: Decimal | None, target: Decimal | None) -> bool:
    """Return True if the value is on the wrong side of its target."""
    return rag(indicator, value, target) in (AMBER, RED)


def needs_commentary(indicator, value: Decimal | None, target: Decimal | None, commentary: str) -> bool:
    """Return True if the value misses its target and the commentary does not yet say why.

    A committee reading an amber or red figure wants the reason beside it; a figure on or ahead of target, or one
    with no target to miss, needs no explanation.
    """
    return misses_target(indicator, value, target) and not (commentary or "").strip()


def commentary_required(indicator, target: Decimal) -> str:
    """Return the message, in the form's words, asking why a value misses its target."""
    return COMMENTARY_REQUIRED.format(target=indicator.format_value(target))


def direction(indicator, current: Decimal | None, previous: Decimal | None) -> str | None:
    """Return 'improving', 'worsening' or 'no change' from the previous value, following the polarity."""
    if current is None or previous is None or indicator.polarity == indicator.Polarity.NEUTRAL:
        return None
    if current == previous:
        return NO_CHANGE
    rising = current > previous
    better_when_rising = indicator.polarity == indicator.Polarity.HIGHER_IS_BETTER
    return IMPROVING if rising == better_when_rising else WORSENING


def _is_neutral(indicator) -> bool:
    return indicator.polarity == indicator.Polarity.NEUTRAL


@dataclass(frozen=True)
class Trend:
    """A direction of travel and how many periods in a row the indicator has moved that way (0: not known)."""

    direction: str | None
    periods: int = 0

    @property
    def label(self) -> str:
        """Return the trend in words: 'Worsening for 4 periods', 'Improving for 1 period', 'Not known'."""
        if self.direction is None:
            return "Not known"
        return f"{DIRECTION_LABELS[self.direction]} for {self.periods} period{'' if self.periods == 1 else 's'}"


def trend(indicator, values: Sequence[Decimal]) -> Trend:
    """Return the direction from the last value but one to the last, and for how many periods it has run.

    The values are consecutive reported figures, oldest first. 14.6, 14.9, 15.4, 16.2, 16.5 for NI 152 (lower is
    better) is worsening for 4 periods; a change of direction, or no change, starts a new run.
    """
    if len(values) < 2 or _is_neutral(indicator):
        return Trend(None)
    latest = direction(indicator, values[-1], values[-2])
    periods = 1
    for index in range(len(values) - 2, 0, -1):
        if direction(indicator, values[index], values[index - 1]) != latest:
            break
        periods += 1
    return Trend(latest, periods)


@dataclass(frozen=True)
class Reading:
    """One period's figure as the rules need it: the value, whether it is signed off, and the period's label."""

    value: Decimal
    signed_off: bool = True
    period: str = ""


@dataclass(frozen=True)
class Assessment:
    """What the dashboards say about an indicator at its latest figure, against a target."""

    latest: Reading | None
    last_signed_off: Reading | None
    target: Decimal | None
    rag: str | None
    no_rag_reason: str | None
    trend: Trend

    @property
    def value(self) -> Decimal | None:
        return self.latest.value if self.latest else None

    @property
    def is_provisional(self) -> bool:
        """Return True if the latest figure, and so the RAG and direction drawn from it, is not yet signed off."""
        return self.latest is not None and not self.latest.signed_off

    @property
    def rag_label(self) -> str:
        return RAG_LABELS[self.rag] if self.rag else NO_RAG_LABELS[self.no_rag_reason]


def assess(indicator, readings: Sequence[Reading], target: Decimal | None) -> Assessment:
    """Return the RAG, trend and provisional mark of the latest of the readings (oldest first) against the target.

    With no reading the reason is 'no data'; then a neutral indicator is 'tracked only'; then a missing target
    is 'no target'. Provisional figures count like signed-off ones: the Assessment marks them instead.
    """
    latest = readings[-1] if readings else None
    last_signed_off = next((reading for reading in reversed(readings) if reading.signed_off), None)
    if latest is None:
        reason = NO_DATA
    elif _is_neutral(indicator):
        reason = TRACKED_ONLY
    elif target is None:
        reason = NO_TARGET
    else:
        reason = None
    return Assessment(
        latest=latest,
        last_signed_off=last_signed_off,
        target=target,
        rag=None if reason else rag(indicator, latest.value, target),
        no_rag_reason=reason,
        trend=trend(indicator, [reading.value for reading in readings]),
    )


def target_met(indicator, year_end_value: Decimal | None, target: Decimal | None) -> bool | None:
    """Return whether a completed year's target was met by its year-end value; None where RAG does not apply."""
    status = rag(indicator, year_end_value, target)
    return None if status is None else status == GREEN


def trajectory(start: Decimal, end: Decimal, steps: int) -> list[Decimal]:
    """Return the values a straight line from start must pass through to reach end in the given number of periods.

    The first value is start itself and the last is end: trajectory(16.5, 13.8, 3) is 16.5, 15.6, 14.7, 13.8.
    """
    if steps < 1:
        return [end]
    step = (end - start) / steps
    return [start + step * index for index in range(steps)] + [end]


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
    if value.adjusted() >= MAX_WHOLE_DIGITS:
        raise ValidationError(f"Enter a number smaller than {10 ** MAX_WHOLE_DIGITS:,}.", code="too_large")
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

"""Year-end forecasts: where an indicator will end the financial year, how sure we can be, and the chance of
meeting the year's target. The one place the method lives; every page, report and sign-off asks it.

The answer is always a range, never a bare figure: the forecast value with an 80% range (four years in five the
real year-end should fall inside it) and the probability of meeting the target, read from the same spread. How
the year's figure is made decides the method (Indicator.year_end):

- A year-to-date indicator (a count or spend to date, whose Q4 value is the year's figure) is scaled up from its
  value so far by the share of the year-end that earlier years had reached by the same quarter. Half way at Q2 in
  a service whose earlier years were half way at Q2 forecasts double. With no earlier complete year, an even
  profile (a quarter of the year each quarter) stands in.
- A latest-value indicator (a rate or a level, whose latest value is the year's figure) is forecast by the
  better of two plain methods: "last value" (it stays where it is) and "linear trend" (a straight line through
  its values carries on). Which is better is decided by how each would have done on the indicator's own past:
  from every earlier point with at least three values behind it, each method forecasts as far ahead as the year
  end now is, and the one with the smaller mean absolute error wins (last value on a tie, being the simpler).

The spread comes from the method's own errors on the indicator's past, with Student's t for the few points there
are, so that a short or noisy series gets a wide range and an honest probability near even: for last value, how
far the series has moved from one period to the next; for the trend, how far the values sit from the line, or
how far the line missed the year-end on the indicator's own past if that was further; for a count, how much the
share reached by this quarter varied from year to year. With fewer than four
usable values there is "not enough history to forecast" and no figure at all. Whether the target is met follows
the indicator's polarity, exactly as performance.target_met decides it (for NI 152, lower is better).

Forecasts for the strategic group and committee rest on signed-off values only; drafts are included only when the
caller asks, and the forecast is then provisional. Nothing here queries the database except record_forecasts(),
the write the sign-off service makes. docs/forecasting.md explains the method and its measured calibration.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from indicators import performance
from plans import periods

VERY_UNLIKELY, UNLIKELY, ABOUT_EVEN, LIKELY, VERY_LIKELY = (
    "very unlikely", "unlikely", "about even", "likely", "very likely"
)


@cache
def _special():
    """Return scipy.special, imported on first use: scipy takes time and memory to import, which every web and
    worker process would otherwise pay at start-up for pages that never forecast. Its Student's t functions are
    called directly: scipy.stats.t gives the same figures (to 1e-12) some 35 times slower, checking its arguments
    on every call, which was a few milliseconds of the overview's 25 forecasts a page."""
    from scipy import special

    return special


def _t_quantile(probability: float, freedom: float) -> float:
    """Student's t: the value under which `probability` of the distribution lies (scipy.stats.t.ppf)."""
    return float(_special().stdtrit(freedom, probability))


def _t_below(value: float, freedom: float) -> float:
    """Student's t: the share of the distribution under `value` (scipy.stats.t.cdf)."""
    return float(_special().stdtr(freedom, value))


NOT_ENOUGH_HISTORY = "not enough history to forecast"
AT_RISK_BELOW = 0.5  # probability under which an indicator is "at risk" and needs commentary

# The bands of the probability of meeting the target, in the words: very unlikely under 10%, very likely
# over 90%; "about even" is 40% to 60% inclusive, where a committee should read the odds as a coin toss.
BAND_EDGES = ((0.10, VERY_UNLIKELY), (0.40, UNLIKELY), (0.60, ABOUT_EVEN), (0.90, LIKELY))

# Fewer values than this give no forecast: a straight line through three points has one degree of freedom left
# for its spread, too few to put a range on it that means anything.
MIN_POINTS = 4
# The range is an 80% prediction interval: wide enough to be right four times in five, narrow enough to use.
COVERAGE = 0.80
# A spread this small beside the forecast is floating-point noise (a straight line's residuals), not uncertainty.
NEGLIGIBLE_SPREAD = 1e-9
# The trend method needs this many values behind a forecast to be tried on the indicator's own past.
MIN_BACKTEST_ORIGIN = 3

LAST_VALUE = "last value"
LINEAR_TREND = "linear trend"
YEAR_TO_DATE = "year to date scaled by earlier years"
EVEN_PROFILE = "year to date scaled by an even profile"
YEAR_COMPLETE = "year complete"

_PERIOD_KINDS = (periods.QUARTER, periods.HALF)
_NOUNS = {periods.QUARTER: ("quarter", "quarters"), periods.HALF: ("half year", "half years")}


@dataclass(frozen=True)
class Point:
    """One period's value of an indicator as a forecast needs it."""

    period: periods.PeriodSpan
    value: Decimal
    signed_off: bool


@dataclass(frozen=True)
class Forecast:
    """An indicator's forecast for the end of a financial year: a value, its 80% range and the odds of the target."""

    year: int
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    probability: float | None
    target: Decimal | None
    method: str
    points: int
    is_provisional: bool
    kind: str = periods.QUARTER

    @property
    def enough_history(self) -> bool:
        return self.value is not None

    @property
    def band(self) -> str | None:
        """Return the probability in words: one of the five bands, None without a probability."""
        if self.probability is None:
            return None
        return probability_band(self.probability)

    @property
    def band_label(self) -> str:
        """Return the band and the percentage: 'Likely (72%)', 'Very unlikely (under 1%)'; '' without one."""
        if self.probability is None:
            return ""
        return f"{self.band.capitalize()} ({percent_label(self.probability)})"

    @property
    def basis_label(self) -> str:
        """Return what the forecast rests on: 'from 6 quarters; linear trend', or 'not enough history to forecast'."""
        if not self.enough_history:
            return NOT_ENOUGH_HISTORY
        one, many = _NOUNS.get(self.kind, ("value", "values"))
        return f"from {self.points} {one if self.points == 1 else many}; {self.method}"

    @property
    def is_at_risk(self) -> bool:
        """Return True if the target is less likely than not to be met (the commentary rule's threshold)."""
        return self.probability is not None and self.probability < AT_RISK_BELOW


def probability_band(probability: float) -> str:
    """Return the band of a probability: under 10% very unlikely, 10% to under 40% unlikely, 40% to 60% about
    even, over 60% to 90% likely, over 90% very likely."""
    if probability < BAND_EDGES[0][0]:
        return VERY_UNLIKELY
    if probability < BAND_EDGES[1][0]:
        return UNLIKELY
    if probability <= BAND_EDGES[2][0]:
        return ABOUT_EVEN
    if probability <= BAND_EDGES[3][0]:
        return LIKELY
    return VERY_LIKELY


def percent_label(probability: float) -> str:
    """Return a probability as a whole percentage, never claiming certainty: '72%', 'under 1%', 'over 99%'."""
    if probability < 0.005:
        return "under 1%"
    if probability > 0.995:
        return "over 99%"
    return f"{round(probability * 100)}%"


# What every route (the value form, an import, the API) says when a value leaves its indicator unlikely to meet the
# year's target: a committee reading such a figure wants the reason beside it, as for a figure that misses its target.
COMMENTARY_REQUIRED = (
    "Explain why {name} is unlikely to meet its target of {target} for {year} (forecast {value}, {percent} likely)."
)


def commentary_required(indicator, earlier: Iterable[Point], value: Point, *, target: Decimal | None,
                        commentary: str) -> str | None:
    """Return the message asking why, if with this value (entered, so a draft) the indicator is unlikely to meet
    the year's target and the commentary does not yet say why; else None.

    `earlier` are the indicator's other values (a value of the same period among them is replaced by this one). The
    forecast includes drafts, as the person entering the value sees it. No query: an import asks it of rows it has
    read, the value form and the API through monitoring.services.
    """
    if target is None or (commentary or "").strip() or getattr(indicator, "polarity", "") == "neutral":
        return None
    points = [point for point in earlier if point.period != value.period] + [value]
    made = forecast_year_end(indicator, points, year=value.period.financial_year, target=target, include_drafts=True)
    if not made.is_at_risk:
        return None
    return COMMENTARY_REQUIRED.format(
        name=indicator.code or indicator.name, target=indicator.format_value(target),
        year=periods.year_label(made.year), value=indicator.format_value(made.value),
        percent=percent_label(made.probability),
    )


def forecast_year_end(
    indicator, points: Iterable[Point], *, year: int, target: Decimal | None, include_drafts: bool = False
) -> Forecast:
    """Forecast the indicator's figure for the end of financial year `year` from its values (any order; values of
    periods after the year's end are ignored; drafts ignored unless include_drafts)."""
    year_end = periods.financial_year(year).end
    usable = [
        point for point in points
        if point.period.kind in _PERIOD_KINDS and point.period.end <= year_end and (include_drafts or point.signed_off)
    ]
    kind = max(usable, key=lambda point: point.period).period.kind if usable else periods.QUARTER
    usable = sorted((point for point in usable if point.period.kind == kind), key=lambda point: point.period)
    provisional = any(not point.signed_off for point in usable)
    none = Forecast(year, None, None, None, None, target, "", len(usable), provisional, kind)
    if len(usable) < MIN_POINTS:
        return none
    per_year = 12 // periods.MONTHS_IN[kind]
    if getattr(indicator, "year_end", LATEST) == YEAR_TO_DATE_KIND:
        made = _year_to_date(usable, year, per_year)
    else:
        made = _latest_value(usable, year, per_year)
    if made is None:
        return none
    method, centre, scale, freedom = made
    if not all(math.isfinite(number) for number in (centre, scale)):
        return none
    return _finish(indicator, year, target, method, centre, scale, freedom, len(usable), provisional, kind)


# Indicator.year_end's choices, repeated here (not imported) so this module needs no model to be tested.
LATEST = "latest"
YEAR_TO_DATE_KIND = "year_to_date"


def _finish(indicator, year, target, method, centre, scale, freedom, count, provisional, kind) -> Forecast:
    """Turn a predictive t distribution into the forecast: clipped value and range, and the odds of the target."""
    if scale <= NEGLIGIBLE_SPREAD * max(1.0, abs(centre)):
        scale = 0.0  # a perfect line's residuals are rounding noise, which would make its odds arbitrary
    reach = _t_quantile(0.5 + COVERAGE / 2, freedom) * scale if scale > 0 else 0.0
    low_bound, high_bound = indicator.value_bounds()
    places = indicator.decimal_places

    def clip(number: float) -> Decimal:
        value = _decimal(number, places)
        if low_bound is not None and value < low_bound:
            value = low_bound
        if high_bound is not None and value > high_bound:
            value = high_bound
        return value

    value, low, high = clip(centre), clip(centre - reach), clip(centre + reach)
    probability = None
    if target is not None and indicator.polarity != indicator.Polarity.NEUTRAL:
        higher = indicator.polarity == indicator.Polarity.HIGHER_IS_BETTER
        if scale > 0:
            below = _t_below((float(target) - centre) / scale, freedom)
            # A value exactly on target meets it (performance.rag: no shortfall is green); the t is continuous.
            probability = 1.0 - below if higher else below
        else:
            probability = 1.0 if performance.target_met(indicator, value, target) else 0.0
    return Forecast(year, value, low, high, probability, target, method, count, provisional, kind)


def _decimal(number: float, places: int) -> Decimal:
    return Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-places))


def _index(span: periods.PeriodSpan, per_year: int) -> int:
    """Return the period's position on one line of periods: consecutive quarters are consecutive numbers."""
    return span.financial_year * per_year + span.number - 1


def _year_to_date(usable: Sequence[Point], year: int, per_year: int):
    """Return (method, centre, scale, degrees of freedom) for a year-to-date indicator, or None."""
    by_year: dict[int, dict[int, float]] = {}
    for point in usable:
        by_year.setdefault(point.period.financial_year, {})[point.period.number] = float(point.value)
    this_year = by_year.get(year, {})
    if not this_year:
        return None  # nothing of the year yet to scale up
    reached = max(this_year)
    so_far = this_year[reached]
    if reached == per_year:
        return YEAR_COMPLETE, so_far, 0.0, 1
    earlier = [
        values[reached] / values[per_year] for past, values in by_year.items()
        if past < year and reached in values and per_year in values and values[per_year] > 0 and values[reached] > 0
    ]
    if earlier:
        logs = [math.log(share) for share in earlier]
        share = math.exp(sum(logs) / len(logs))
        if len(logs) >= 2:
            spread, freedom = _sd(logs), len(logs) - 1
            scale_log = spread * math.sqrt(1 + 1 / len(logs))
        else:
            # One earlier year says nothing about how much the share varies: take the spread from how far every
            # quarter of the earlier complete years strayed from an even profile, a cautious stand-in.
            strays = _even_profile_strays(by_year, year, per_year)
            if len(strays) < 2:
                return None
            spread, freedom = math.sqrt(sum(value * value for value in strays) / len(strays)), len(strays)
            scale_log = spread * math.sqrt(2)
        method = YEAR_TO_DATE
    else:
        share = reached / per_year
        strays = _even_profile_strays(by_year, year, per_year, include_partial=True)
        if len(strays) < 2:
            return None
        spread, freedom = math.sqrt(sum(value * value for value in strays) / len(strays)), len(strays)
        scale_log = spread
        method = EVEN_PROFILE
    if so_far <= 0:
        return None  # nothing so far to scale up: no forecast rather than a certain zero
    centre = so_far / share
    # The share is uncertain on a log scale (a ratio); turn its spread into one on the forecast's own scale.
    return method, centre, centre * scale_log, freedom


def _even_profile_strays(by_year, year, per_year, include_partial=False) -> list[float]:
    """Return log(share reached / even share) for the quarters before the last of each complete earlier year, or
    with include_partial, of quarterly increments against their year's average increment."""
    strays = []
    for past, values in by_year.items():
        if past >= year and not include_partial:
            continue
        if per_year in values and values[per_year] > 0 and past < year:
            strays += [
                math.log(values[number] / values[per_year] / (number / per_year))
                for number in range(1, per_year) if values.get(number, 0) > 0
            ]
        elif include_partial and 1 in values:
            reached = max(values)
            steps = [values[number] - values.get(number - 1, 0.0) for number in range(1, reached + 1) if number in values]
            average = sum(steps) / len(steps)
            if average > 0:
                strays += [math.log(max(step, average * 0.01) / average) for step in steps]
    return strays


def _sd(numbers: Sequence[float]) -> float:
    average = sum(numbers) / len(numbers)
    return math.sqrt(sum((number - average) ** 2 for number in numbers) / (len(numbers) - 1))


def _line(xs: Sequence[float], ys: Sequence[float]):
    """Return the least-squares line's intercept and slope, the mean of x and the sum of squares about it."""
    count = len(xs)
    mean_x, mean_y = sum(xs) / count, sum(ys) / count
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return mean_y - slope * mean_x, slope, mean_x, sxx


def _predict(method: str, xs: Sequence[float], ys: Sequence[float], at: float) -> float:
    if method == LAST_VALUE:
        return ys[-1]
    intercept, slope, _, _ = _line(xs, ys)
    return intercept + slope * at


def _latest_value(usable: Sequence[Point], year: int, per_year: int):
    """Return (method, centre, scale, degrees of freedom) for a latest-value indicator, or None."""
    xs = [float(_index(point.period, per_year)) for point in usable]
    ys = [float(point.value) for point in usable]
    end = float(_index(periods.periods_in_year(year, usable[0].period.kind)[-1], per_year))
    horizon = end - xs[-1]
    if horizon <= 0:
        return YEAR_COMPLETE, ys[-1], 0.0, 1
    method, past_errors = _better_method(xs, ys, horizon)
    count = len(xs)
    if method == LINEAR_TREND:
        intercept, slope, mean_x, sxx = _line(xs, ys)
        residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
        freedom = count - 2
        spread = math.sqrt(sum(value * value for value in residuals) / freedom)
        scale = spread * math.sqrt(1 + 1 / count + (end - mean_x) ** 2 / sxx) if sxx else spread
        # The line's own residuals understate its errors where the noise lingers from one period to the next (the
        # line bends to follow it): where the past shows the trend missing the year-end by more, take that instead.
        if past_errors:
            scale = max(scale, math.sqrt(sum(error * error for error in past_errors) / len(past_errors)))
        return LINEAR_TREND, intercept + slope * end, scale, freedom
    # Last value: a random walk. Its steps, per period, spread as the series has moved so far; over h periods the
    # spread grows with the square root of h.
    steps = [(ys[i] - ys[i - 1]) / math.sqrt(xs[i] - xs[i - 1]) for i in range(1, count)]
    spread = math.sqrt(sum(step * step for step in steps) / len(steps))
    return LAST_VALUE, ys[-1], spread * math.sqrt(horizon), len(steps)


def _better_method(xs: Sequence[float], ys: Sequence[float], horizon: float) -> tuple[str, list[float]]:
    """Return the method with the smaller mean absolute error on the indicator's own past at the same horizon (or
    one step ahead where the past is too short for that horizon), last value on a tie, and the errors it made at
    the year-end's horizon (none where the past is too short for that)."""
    for ahead in (horizon, None):
        errors: dict[str, list[float]] = {LAST_VALUE: [], LINEAR_TREND: []}
        for origin in range(MIN_BACKTEST_ORIGIN, len(xs)):
            goal = xs[origin - 1] + ahead if ahead is not None else xs[origin]
            if goal not in xs[origin:]:
                continue
            actual = ys[xs.index(goal)]
            for method, made in errors.items():
                made.append(_predict(method, xs[:origin], ys[:origin], goal) - actual)
        if errors[LAST_VALUE]:
            trend, last = (sum(abs(error) for error in errors[name]) for name in (LINEAR_TREND, LAST_VALUE))
            method = LINEAR_TREND if trend < last else LAST_VALUE
            return method, errors[method] if ahead is not None else []
    return LAST_VALUE, []


def points_of(values) -> list[Point]:
    """Return the points of IndicatorValue rows already read with their periods (no query of its own)."""
    from indicators.models import EntryStatus

    return [Point(value.period.span, value.value, value.status == EntryStatus.SIGNED_OFF) for value in values]


def record_forecasts(*, indicators, period, made_at: datetime) -> list:
    """Store the forecast, from signed-off values only, of every one of the indicators with a target for the
    period's financial year, made when the period's return was signed off; return the stored rows.

    Reads the values and targets in two queries and writes the rows in one, whatever the number of indicators.
    """
    from indicators.models import EntryStatus, IndicatorTarget, IndicatorValue
    from indicators.models import Forecast as StoredForecast

    indicators = list(indicators)
    year = period.span.financial_year
    targets = dict(
        IndicatorTarget.objects.filter(indicator__in=indicators, year=year).values_list("indicator_id", "value")
    )
    values: dict[int, list[Point]] = {}
    rows = IndicatorValue.objects.filter(
        indicator__in=[indicator for indicator in indicators if indicator.pk in targets],
        status=EntryStatus.SIGNED_OFF, period__start__lte=period.start,
    ).select_related("period")
    for row in rows:
        values.setdefault(row.indicator_id, []).append(Point(row.period.span, row.value, True))
    stored = []
    for indicator in indicators:
        if indicator.pk not in targets:
            continue
        made = forecast_year_end(indicator, values.get(indicator.pk, []), year=year, target=targets[indicator.pk])
        stored.append(StoredForecast(
            indicator=indicator, period=period, made_at=made_at, year=year, value=made.value, low=made.low,
            high=made.high, probability=made.probability, method=made.method, points=made.points, target=made.target,
        ))
    return StoredForecast.objects.bulk_create(stored)

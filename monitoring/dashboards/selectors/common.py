"""What several dashboard pages share.

What counts as done in a return, whether a period ends a financial year, the year a plan's row speaks of, and an
indicator's latest figure assessed against its year's target, formatted for the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from indicators import performance
from indicators.models import EntryStatus, Indicator, IndicatorValue
from monitoring.models import Return
from plans import periods
from plans.models import Plan

DONE = (EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF)


def is_year_end(span: periods.PeriodSpan) -> bool:
    """Return True for a period that ends a financial year (Q4, H2, the year itself, March)."""
    return span.end.month == 3 and span.end.day == 31


def default_year(plan: Plan, current: Return | None, latest_value_year: int | None) -> int:
    """Return the year a plan's row speaks of: its current round's, else its latest figure's, else today's."""
    if current is not None:
        return current.round.period.financial_year
    if latest_value_year is not None:
        return latest_value_year
    return min(max(periods.year_containing(timezone.localdate()), plan.first_year), plan.last_year)


@dataclass
class AssessmentView:
    """An indicator's assessment with its figures formatted the indicator's way, for the pages."""

    indicator: Indicator
    assessment: performance.Assessment
    target_year: int | None

    @property
    def latest_text(self) -> str:
        return self.indicator.format_value(self.assessment.value)

    @property
    def signed_off_text(self) -> str:
        signed = self.assessment.last_signed_off
        return self.indicator.format_value(signed.value) if signed else ""

    @property
    def target_text(self) -> str:
        return self.indicator.format_value(self.assessment.target)

    @property
    def target_year_label(self) -> str:
        return periods.year_label(self.target_year) if self.target_year else ""

    @property
    def baseline_text(self) -> str:
        return self.indicator.baseline_label


def assess(indicator: Indicator, values: list[IndicatorValue], targets: dict[int, Decimal]) -> AssessmentView:
    """Assess an indicator's latest value against the target of the year that value falls in."""
    ordered = sorted(values, key=lambda value: (value.period.start, value.period.kind))
    readings = [performance.Reading(value.value, value.is_signed_off, value.period.label) for value in ordered]
    year = ordered[-1].period.financial_year if ordered else None
    return AssessmentView(indicator, performance.assess(indicator, readings, targets.get(year)), year)

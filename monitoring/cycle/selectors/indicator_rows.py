"""A return's indicators, one row each: the value in the period, the year's target, earlier values, RAG and direction.

The return page and the values form show them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from indicators import performance
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring.models import Return
from monitoring.sealed_setup import SealedSetup
from plans import periods

# How many earlier values of an indicator the data expert sees as a hint.
PREVIOUS_VALUES_SHOWN = 4


@dataclass
class IndicatorRow:
    """One indicator of a return: its value in the period, target, earlier values, RAG and direction."""

    link: PlanIndicator
    value: IndicatorValue | None
    target: Decimal | None
    previous: IndicatorValue | None
    last_year: IndicatorValue | None
    history: list[IndicatorValue] = field(default_factory=list)
    is_year_end: bool = False

    @property
    def indicator(self) -> Indicator:
        return self.link.indicator

    @property
    def status(self) -> str:
        return self.value.status if self.value else EntryStatus.NOT_STARTED

    @property
    def figure(self) -> Decimal | None:
        return self.value.value if self.value else None

    @property
    def value_text(self) -> str:
        return self.indicator.format_value(self.figure)

    @property
    def target_text(self) -> str:
        return self.indicator.format_value(self.target)

    @property
    def previous_text(self) -> str:
        return self.indicator.format_value(self.previous.value) if self.previous else ""

    @property
    def last_year_text(self) -> str:
        return self.indicator.format_value(self.last_year.value) if self.last_year else ""

    @property
    def rag(self) -> str | None:
        return performance.rag(self.indicator, self.figure, self.target)

    @property
    def direction(self) -> str | None:
        previous = self.previous.value if self.previous else None
        return performance.DIRECTION_LABELS.get(performance.direction(self.indicator, self.figure, previous))

    @property
    def direction_on_last_year(self) -> str | None:
        previous = self.last_year.value if self.last_year else None
        return performance.DIRECTION_LABELS.get(performance.direction(self.indicator, self.figure, previous))

    @property
    def target_met(self) -> bool | None:
        """Return whether the year's target was met, for the last period of a year; None otherwise."""
        if not self.is_year_end or self.rag is None:
            return None
        return self.rag == performance.GREEN

    def value_hint(self, year_label: str) -> str:
        """Return the hint a data expert sees: the year's target and the earlier values."""
        indicator = self.indicator
        parts = [f"Target for {year_label}: {indicator.format_value(self.target)}" if self.target is not None
                 else f"No target for {year_label}"]
        if self.history:
            parts.append("Earlier values: " + ", ".join(
                f"{value.period.label} {indicator.format_value(value.value)}" for value in self.history
            ))
        return ". ".join(parts) + "."


def indicator_rows(report: Return, links: list[PlanIndicator], *, with_history: bool = False) -> list[IndicatorRow]:
    """Return a row per indicator: value, target, previous period and same period last year, in fixed queries."""
    period = report.round.period
    span = period.span
    starts = [span.start, span.previous().start, span.same_period_last_year().start]
    ids = [link.indicator_id for link in links]
    values = IndicatorValue.objects.filter(indicator__in=ids, period__kind=period.kind).select_related("period")
    # The data expert's hint needs every earlier value; the return page needs only the three periods it shows.
    values = values.filter(period__start__lte=span.start) if with_history else values.filter(period__start__in=starts)
    by_start: dict[tuple[int, date], IndicatorValue] = {}
    history: dict[int, list[IndicatorValue]] = defaultdict(list)
    for value in values.order_by("period__start"):
        by_start[(value.indicator_id, value.period.start)] = value
        if value.period.start < span.start:
            history[value.indicator_id].append(value)
    indicators = {link.indicator_id: link.indicator for link in links}
    for value in by_start.values():
        value.indicator = indicators[value.indicator_id]  # for the words of a sign-off blocker, with no query
    is_year_end = span.number == 12 // periods.MONTHS_IN[span.kind]
    return [
        IndicatorRow(
            link=link,
            value=by_start.get((link.indicator_id, starts[0])),
            target=link.year_target,
            previous=by_start.get((link.indicator_id, starts[1])),
            last_year=by_start.get((link.indicator_id, starts[2])),
            history=history[link.indicator_id][-PREVIOUS_VALUES_SHOWN:],
            is_year_end=is_year_end,
        )
        for link in links
    ]


def plan_indicator_links(report: Return) -> list[PlanIndicator]:
    """Return the plan's indicators in order, each with year_target: its target for the period's year; for a
    signed-off return, those it held, as signed off (monitoring.sealed_setup)."""
    target = IndicatorTarget.objects.filter(indicator=OuterRef("indicator"), year=report.round.period.financial_year)
    links = list(
        PlanIndicator.objects.filter(plan=report.plan_id)
        .select_related("indicator__data_expert")
        .annotate(year_target=Subquery(target.order_by().values("value")[:1]))
        .order_by("position", "pk")
    )
    setup = SealedSetup.of(report)
    return setup.held_links(links) if setup else links

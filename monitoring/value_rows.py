"""The rows a batch of indicator values reads and writes, for monitoring.services.indicator_values_save: what the
value rules read, fetched once for the whole batch, and the checked values written, recorded in their history and
moved in a few statements, whatever the batch's length. No rule is decided here: services._check_value decides.

Writes go through plans.sheets.bulk, as imports' do: plain multi-row INSERTs, one UPDATE run for every row, and
history rows copied by the database from the saved rows (what simple-history's own save would record: '+' for an
entry, '~' for a change, with the user and, through the API, the reason monitoring.audit gives).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from indicators.forecast import Point
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator, sealed_pairs
from monitoring import audit
from monitoring.models import Return, WorkflowEvent
from plans.periods import PeriodSpan
from plans.sheets import bulk

CHANGED_FIELDS = ["value", "commentary", "entered_by", "outlier_confirmed", "status", "version", "updated_at"]


@dataclass
class ValuesRead:
    """What the value rules read for a batch, by indicator id."""

    report: Return
    linked: set[int]  # the batch's indicators that are in the return's plan
    existing: dict[int, IndicatorValue]  # the period's stored values, locked until the save commits
    sealed: set[int]  # indicators whose value for the period a signed-off return holds
    earlier: dict[int, list[Point]]  # their other values of the period's kind, as the forecast reads them
    targets: dict[int, Decimal]  # their targets for the period's financial year


def read_for_values(report: Return, indicators: list[Indicator]) -> ValuesRead:
    """Read what the rules need for the indicators' values in the return's period, in five queries.

    The stored values are locked (PostgreSQL; on SQLite writers queue whole transactions, BEGIN IMMEDIATE), so
    that the versions the rules compare are those the save replaces: a concurrent save of the same value waits,
    then finds its version stale.
    """
    period = report.round.period
    ids = {indicator.pk for indicator in indicators}
    # Unordered: the model's ordering would join the indicators and periods only to sort rows nobody reads in order.
    existing = (IndicatorValue.objects.filter(indicator__in=ids, period=period).order_by()
                .select_for_update(of=("self",)))
    earlier: dict[int, list[Point]] = {}
    rows = (IndicatorValue.objects.filter(indicator__in=ids, period__kind=period.kind).exclude(period=period)
            .order_by().values_list("indicator_id", "period__start", "value", "status"))
    spans: dict[date, PeriodSpan] = {}
    for indicator, start, value, status in rows:  # tuples: a thousand indicators' years of values, read quickly
        span = spans.get(start) or spans.setdefault(start, PeriodSpan(start, period.kind))
        earlier.setdefault(indicator, []).append(Point(span, value, status == EntryStatus.SIGNED_OFF))
    return ValuesRead(
        report=report,
        linked=set(PlanIndicator.objects.filter(plan=report.plan_id, indicator__in=ids)
                   .values_list("indicator_id", flat=True)),
        existing={row.indicator_id: row for row in existing},  # their period is the return's: set, not read
        sealed={indicator for indicator, _ in sealed_pairs({(pk, period.pk) for pk in ids})},
        earlier=earlier,
        targets=dict(IndicatorTarget.objects.filter(indicator__in=ids, year=period.financial_year)
                     .values_list("indicator_id", "value")),
    )


class Taken(Exception):
    """Another save entered some of these values first, after the batch read the period's: their indicator ids
    (all the batch's new ones if the database did not say which)."""

    def __init__(self, indicators: set[int]):
        super().__init__(sorted(indicators))
        self.indicators = indicators


def write_values(report: Return, user, entries: list[IndicatorValue], events: list[WorkflowEvent]) -> None:
    """Insert the new entries and update the changed ones (their versions already raised), add a history record of
    each and save their workflow events; raise Taken, having written nothing, if a new one was entered meanwhile."""
    new = [entry for entry in entries if entry.pk is None]
    changed = [entry for entry in entries if entry.pk is not None]
    now = timezone.now()
    for entry in changed:
        entry.updated_at = now
    try:
        if new:
            with transaction.atomic():
                bulk.insert_rows(IndicatorValue, new)
    except IntegrityError:
        ids = {entry.indicator_id for entry in new}
        taken = IndicatorValue.objects.filter(indicator__in=ids, period=report.round.period_id)
        raise Taken(set(taken.values_list("indicator_id", flat=True)) or ids) from None
    if changed:
        bulk.update_rows(IndicatorValue, changed, CHANGED_FIELDS)
    reason = audit.history_reason()  # the API and its token, when the write came through it (a save's signal would)
    bulk.copy_to_history(IndicatorValue, [entry.pk for entry in new], "+", user=user, reason=reason)
    bulk.copy_to_history(IndicatorValue, [entry.pk for entry in changed], "~", user=user, reason=reason)
    for event in events:  # made before their new entries had keys
        event.indicator_value_id = event.indicator_value.pk
    bulk.insert_rows(WorkflowEvent, events)

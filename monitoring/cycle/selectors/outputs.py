"""An action's outputs in a return's period against its target for the financial year.

The progress form, the return page and the plan report show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum

from monitoring.models import ProgressReport, Return
from monitoring.sealed_setup import SealedSetup
from plans.models import ActionTarget, DeliveryAction


@dataclass
class Outputs:
    """An action's outputs in the period against its target for the financial year."""

    target: Decimal | None
    this_period: Decimal | None
    so_far: Decimal
    # Blank is not zero: whether any outputs were reported this year, and why this period's are not available.
    reported: bool = True
    not_available_reason: str = ""

    @property
    def share(self) -> Decimal | None:
        """Return the percentage of the year's target reached so far, or None without a positive target."""
        if not self.target:
            return None
        return (self.so_far * 100 / self.target).quantize(Decimal(1))


def _year_so_far(report: Return) -> Q:
    """Return the filter for progress in the plan's returns from the start of the period's year to the period."""
    period = report.round.period
    return Q(
        report__plan=report.plan_id,
        report__round__period__kind=period.kind,
        report__round__period__start__gte=period.span.year_to_date()[0].start,
        report__round__period__start__lte=period.start,
    )


def _earlier_outputs(report: Return) -> QuerySet[ProgressReport]:
    """Return the outputs reported in the plan's earlier returns of the period's year."""
    return ProgressReport.objects.filter(_year_so_far(report), outputs_achieved__isnull=False).exclude(report=report)


def outputs_for(report: Return, actions: list[DeliveryAction], progress: dict[int, ProgressReport]) -> dict[int, Outputs]:
    """Return each action's Outputs in the return, in two queries whatever the number of actions."""
    year = report.round.period.financial_year
    targets = dict(ActionTarget.objects.filter(action__plan=report.plan_id, year=year).values_list("action_id", "value"))
    so_far = dict(
        _earlier_outputs(report).order_by().values("action_id").annotate(total=Sum("outputs_achieved"))
        .values_list("action_id", "total")
    )
    return _outputs(actions, progress, targets, so_far)


def with_outputs(actions: QuerySet[DeliveryAction], report: Return) -> QuerySet[DeliveryAction]:
    """Annotate the actions with what outputs_for fetches apart: the year's target and the earlier outputs."""
    target = ActionTarget.objects.filter(action=OuterRef("pk"), year=report.round.period.financial_year)
    earlier = (
        _earlier_outputs(report).filter(action=OuterRef("pk")).order_by()
        .values("action").annotate(total=Sum("outputs_achieved")).values("total")
    )
    return actions.annotate(
        output_target=Subquery(target.order_by().values("value")[:1]), earlier_outputs=Subquery(earlier[:1])
    )


def return_actions(report: Return, actions: QuerySet[DeliveryAction]) -> list[DeliveryAction]:
    """Return the plan's actions as the return holds them, fetched with_outputs: today's, or for a signed-off return
    those it held, with the references, titles and targets signed off (monitoring.sealed_setup)."""
    held = list(with_outputs(actions.filter(plan=report.plan_id), report))
    setup = SealedSetup.of(report)
    return setup.held_actions(held) if setup else held


def annotated_outputs(actions: list[DeliveryAction], progress: dict[int, ProgressReport]) -> dict[int, Outputs]:
    """Return each action's Outputs, as outputs_for does, for actions fetched with_outputs: no query."""
    targets = {action.pk: action.output_target for action in actions if action.output_target is not None}
    so_far = {action.pk: action.earlier_outputs for action in actions if action.earlier_outputs is not None}
    return _outputs(actions, progress, targets, so_far)


def _outputs(actions, progress, targets: dict[int, Decimal], so_far: dict[int, Decimal]) -> dict[int, Outputs]:
    result = {}
    for action in actions:
        entry = progress.get(action.pk)
        this_period = entry.outputs_achieved if entry else None
        total = so_far.get(action.pk, Decimal(0)) + (this_period or 0)
        reported = this_period is not None or so_far.get(action.pk) is not None
        reason = entry.outputs_not_available_reason if entry else ""
        result[action.pk] = Outputs(targets.get(action.pk), this_period, total, reported, reason)
    return result

"""Reads for the entry forms: an action's progress (lead officers) and a return's indicator values (data experts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from indicators.models import EntryStatus, Indicator, IndicatorValue
from monitoring import action_rag, permissions
from monitoring.cycle.selectors import access
from monitoring.cycle.selectors.indicator_rows import IndicatorRow, indicator_rows, plan_indicator_links
from monitoring.cycle.selectors.outputs import Outputs, annotated_outputs, with_outputs
from monitoring.models import ProgressReport, Return
from monitoring.sealed_setup import SealedSetup
from plans import periods
from plans.models import DeliveryAction, Period

# ---------------------------------------------------------------------------------------------------------
# Progress form


@dataclass
class ProgressPage:
    report: Return
    action: DeliveryAction
    progress: ProgressReport | None
    outputs: Outputs

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else EntryStatus.NOT_STARTED

    @property
    def has_output_target(self) -> bool:
        return self.outputs.target is not None

    @property
    def year_label(self) -> str:
        return periods.year_label(self.report.round.period.financial_year)

    @property
    def suggested_rag(self) -> action_rag.SuggestedRag | None:
        """Return the RAG the outputs saved for this period and the earlier ones suggest, or None."""
        return action_rag.suggest_from_outputs(self.outputs, self.report.round.period.span)


def action_for_progress(*, report: Return, pk: int) -> QuerySet[DeliveryAction]:
    """Return the action of the return's plan to report on, with its year's output target and earlier outputs."""
    return with_outputs(DeliveryAction.objects.with_reporters(), report).filter(pk=pk, plan=report.plan_id)


def progress_page(*, report: Return, action: DeliveryAction) -> ProgressPage:
    """Return the progress form's page for an action fetched by action_for_progress; for a signed-off return, with
    the action's reference, title and target as signed off."""
    setup = SealedSetup.of(report)
    if setup:
        setup.held_actions([action])
    progress = ProgressReport.objects.filter(report=report, action=action).select_related("updated_by").first()
    outputs = annotated_outputs([action], {action.pk: progress} if progress else {})[action.pk]
    return ProgressPage(report, action, progress, outputs)


def latest_progress(*, report: Return, action: DeliveryAction) -> ProgressReport | None:
    """Return the entry as saved now, to show beside a refused stale edit."""
    return ProgressReport.objects.filter(report=report, action=action).select_related("updated_by").first()


# ---------------------------------------------------------------------------------------------------------
# Indicator values form


def values_page(*, report: Return, user) -> list[IndicatorRow]:
    """Return a row for each indicator of the return's plan that the user enters figures for."""
    links = plan_indicator_links(report)
    indicators = [link.indicator for link in links]
    allowed = access.allowed(permissions.may_enter_value, user, indicators, unassigned=access.indicator_unassigned)
    links = [link for link in links if allowed[link.indicator_id]]
    return indicator_rows(report, links, with_history=True) if links else []


def latest_value(*, indicator: Indicator, period: Period) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(indicator=indicator, period=period).first()

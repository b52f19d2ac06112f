"""Reads for the return page, which shows the whole return and what the user may do with it, and its send-back form."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from indicators.models import EntryStatus, IndicatorValue, PlanIndicator
from monitoring import permissions, services
from monitoring.cycle.selectors import access
from monitoring.cycle.selectors.history import ReturnHistory, return_history
from monitoring.cycle.selectors.indicator_rows import IndicatorRow, indicator_rows, plan_indicator_links
from monitoring.cycle.selectors.outputs import Outputs, annotated_outputs, return_actions
from monitoring.models import ProgressReport, Return
from plans import periods
from plans.models import DeliveryAction

SENDABLE = (EntryStatus.DRAFT, EntryStatus.SUBMITTED)


@dataclass
class ProgressRow:
    action: DeliveryAction
    progress: ProgressReport | None
    outputs: Outputs
    can_edit: bool

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else EntryStatus.NOT_STARTED


@dataclass
class ReturnPage:
    report: Return
    progress: list[ProgressRow]
    indicators: list[IndicatorRow]
    blockers: list[str]
    can_send_back: bool  # something in the return is draft or submitted, so an owner could send it back
    can_sign_off: bool
    can_reopen: bool
    can_enter_values: bool
    history: ReturnHistory

    @property
    def is_provisional(self) -> bool:
        return not self.report.is_signed_off

    @property
    def year_label(self) -> str:
        return periods.year_label(self.report.round.period.financial_year)

    @property
    def is_year_end(self) -> bool:
        return bool(self.indicators) and self.indicators[0].is_year_end


def return_for_page(pk: int) -> QuerySet[Return]:
    return Return.objects.select_related("round__period", "plan__lead_organisation", "signed_off_by").filter(pk=pk)


def return_page(*, report: Return, user) -> ReturnPage:
    """Return everything the return page shows, and what the user may do with it.

    What stops the sign-off is worked out from the actions, progress and values the page shows, not fetched again.
    """
    actions = return_actions(report, DeliveryAction.objects.with_reporters().select_related("group").order_by("position"))
    progress = {
        entry.action_id: entry for entry in ProgressReport.objects.filter(report=report).select_related("updated_by")
    }
    outputs = annotated_outputs(actions, progress)
    may_edit = access.allowed(permissions.may_report_progress, user, actions, unassigned=access.action_unassigned)
    rows = [ProgressRow(action, progress.get(action.pk), outputs[action.pk], may_edit[action.pk]) for action in actions]
    links = plan_indicator_links(report)
    may_enter = access.allowed(permissions.may_enter_value, user, [link.indicator for link in links],
                               unassigned=access.indicator_unassigned)
    indicators = indicator_rows(report, links)
    blockers = [] if report.is_signed_off else services.blockers_among(
        report,
        actions=actions,
        submitted={action_id for action_id, entry in progress.items() if entry.status == EntryStatus.SUBMITTED},
        values=sorted((row.value for row in indicators if row.value),  # in the order IndicatorValue's Meta gives
                      key=lambda value: (value.indicator.code, value.indicator.name)),
        headline=next((link for link in links if link.role == PlanIndicator.Role.HEADLINE), None),
    )
    return ReturnPage(
        report=report,
        progress=rows,
        indicators=indicators,
        blockers=blockers,
        can_send_back=any(row.status in SENDABLE for row in [*rows, *indicators]),
        can_sign_off=permissions.signs_off_plan(user, report.plan),
        can_reopen=permissions.is_performance_officer(user),
        can_enter_values=any(may_enter.values()),
        history=return_history(report=report, changed_since_sign_off_only=True),
    )


def send_back_page_items(report: Return) -> tuple[list[ProgressReport], list[IndicatorValue]]:
    """Return the progress entries and values the send-back form offers: the return's drafts and submitted items,
    with their actions' lead officers and indicators' data experts, in two queries."""
    return services.send_back_candidates(report)

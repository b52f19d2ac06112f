"""Reads for the rounds list, a round's returns, and "my returns": the user's work in open rounds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import BooleanField, Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from indicators.models import EntryStatus, IndicatorValue, PlanIndicator
from monitoring import permissions
from monitoring.cycle.selectors import access
from monitoring.models import ProgressReport, ReportingRound, Return
from plans.models import DeliveryAction


def _count(queryset: QuerySet, group_by: str):
    """Return a subquery counting the rows of a queryset filtered on OuterRef, for annotate()."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# ---------------------------------------------------------------------------------------------------------
# Rounds


def rounds_list() -> list[ReportingRound]:
    """Return every round, newest first, with how many returns it has and how many are signed off.

    `is_complete` marks a round whose returns are all signed off: the list says "Complete" for it rather than
    "Open" and "Overdue", as nobody has anything left to report in it.
    """
    return list(
        ReportingRound.objects.select_related("period", "opened_by").annotate(
            returns_total=Count("returns"),
            returns_signed_off=Count("returns", filter=Q(returns__status=Return.Status.SIGNED_OFF)),
        ).annotate(
            is_complete=Case(
                When(returns_total__gt=0, returns_total=F("returns_signed_off"), then=Value(True)),
                default=Value(False), output_field=BooleanField(),
            ),
        ).order_by("-period__start", "-period__end", "-pk")
    )


def round_returns(reporting_round: ReportingRound) -> list[Return]:
    """Return the round's returns, each annotated with the counts of its actions by status and of its values."""
    progress = ProgressReport.objects.filter(report=OuterRef("pk"))
    returns = (
        Return.objects.filter(round=reporting_round)
        .select_related("plan", "signed_off_by")
        .annotate(
            actions_total=_count(DeliveryAction.objects.filter(plan=OuterRef("plan")), "plan"),
            progress_total=_count(progress, "report"),
            actions_draft=_count(progress.filter(status=EntryStatus.DRAFT), "report"),
            actions_submitted=_count(progress.filter(status=EntryStatus.SUBMITTED), "report"),
            actions_returned=_count(progress.filter(status=EntryStatus.RETURNED), "report"),
            actions_signed_off=_count(progress.filter(status=EntryStatus.SIGNED_OFF), "report"),
            indicators_total=_count(PlanIndicator.objects.filter(plan=OuterRef("plan")), "plan"),
            values_entered=_count(IndicatorValue.objects.filter(
                period=OuterRef("round__period"), indicator__plan_links__plan=OuterRef("plan")
            ), "period"),
        )
        .annotate(actions_not_started=F("actions_total") - F("progress_total"))
        .order_by("plan__reference")
    )
    return list(returns)


# ---------------------------------------------------------------------------------------------------------
# My returns


@dataclass
class ActionRow:
    report: Return
    action: DeliveryAction
    progress: ProgressReport | None
    overdue: bool

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else EntryStatus.NOT_STARTED


@dataclass
class ValuesRow:
    report: Return
    indicators: int
    entered: int
    submitted: int
    overdue: bool
    returned: list[tuple[str, str]] = field(default_factory=list)  # (indicator, comment) of each value sent back


@dataclass
class MyReturnsPage:
    actions: list[ActionRow]
    values: list[ValuesRow]
    sign_off: list[Return]
    overdue_sign_off: set[int] = field(default_factory=set)  # the pks of the returns in sign_off that are overdue

    @property
    def is_empty(self) -> bool:
        return not (self.actions or self.values or self.sign_off)


def _is_overdue(report: Return, status: str, today: date) -> bool:
    finished = status in (EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF) or report.is_signed_off
    return not finished and report.round.is_overdue(today)


def my_returns_page(*, user) -> MyReturnsPage:
    """Return the user's work in open rounds: actions they report on, values they enter, returns they sign off.

    Actions and values come overdue first, then by due date, plan and place in the plan. The actions are those the
    user reports (DeliveryAction.who_reports): those they lead, and those whose lead has no login that name them
    as reporter. A performance officer also sees the actions and indicators that have nobody with a login to
    report them (see permissions).
    """
    person = access.person_of(user)
    is_performance_officer = permissions.is_performance_officer(user)
    if person is None and not is_performance_officer:
        return MyReturnsPage([], [], [])
    today = timezone.localdate()
    is_open = Q(plan__returns__round__status=ReportingRound.Status.OPEN)
    open_returns = Return.objects.filter(round__status=ReportingRound.Status.OPEN).select_related("round__period", "plan")

    # The rule of DeliveryAction.who_reports, as a query; may_report_progress then confirms each candidate.
    candidates = DeliveryAction.objects.reported_by(user)
    if is_performance_officer:
        candidates |= DeliveryAction.objects.reported_by_performance_officers()
    candidates = list(candidates.filter(is_open).with_reporters().distinct())
    allowed = access.allowed(permissions.may_report_progress, user, candidates, unassigned=access.action_unassigned)
    actions_by_plan = defaultdict(list)
    for action in sorted(candidates, key=lambda action: action.position):
        if allowed[action.pk]:
            actions_by_plan[action.plan_id].append(action)
    reports = list(open_returns.filter(plan__in=list(actions_by_plan)))
    progress = {
        (entry.report_id, entry.action_id): entry
        for entry in ProgressReport.objects.filter(
            report__in=reports, action__in=[a.pk for actions in actions_by_plan.values() for a in actions]
        )
    }
    action_rows = []
    for report in reports:
        for action in actions_by_plan[report.plan_id]:
            entry = progress.get((report.pk, action.pk))
            status = entry.status if entry else EntryStatus.NOT_STARTED
            action_rows.append(ActionRow(report, action, entry, _is_overdue(report, status, today)))
    action_rows.sort(key=lambda row: (not row.overdue, row.report.round.due_date, row.report.plan.reference,
                                      row.action.position))

    reachable = Q(indicator__data_expert=person) if person else Q(pk__in=[])
    if is_performance_officer:
        reachable |= Q(indicator__data_expert__isnull=True) | Q(indicator__data_expert__user__isnull=True)
    links = list(PlanIndicator.objects.filter(is_open, reachable).select_related("indicator__data_expert").distinct())
    allowed = access.allowed(permissions.may_enter_value, user, [link.indicator for link in links],
                             unassigned=access.indicator_unassigned)
    indicators_by_plan = defaultdict(list)
    for link in links:
        if allowed[link.indicator_id]:
            indicators_by_plan[link.plan_id].append(link.indicator_id)
    expert_returns = list(open_returns.filter(plan__in=list(indicators_by_plan)))
    status_of, returned_of = {}, {}
    for indicator, period, status, comment, code, name in IndicatorValue.objects.filter(
        indicator__in={i for ids in indicators_by_plan.values() for i in ids},
        period__in={report.round.period_id for report in expert_returns},
    ).values_list("indicator_id", "period_id", "status", "reviewer_comment", "indicator__code", "indicator__name"):
        status_of[(indicator, period)] = status
        if status == EntryStatus.RETURNED:
            returned_of[(indicator, period)] = (code or name, comment)
    values_rows = []
    for report in expert_returns:
        mine = indicators_by_plan[report.plan_id]
        statuses = [status_of.get((indicator, report.round.period_id)) for indicator in mine]
        submitted = sum(status in (EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF) for status in statuses)
        values_rows.append(ValuesRow(
            report, len(mine), sum(status is not None for status in statuses), submitted,
            overdue=not report.is_signed_off and submitted < len(mine) and report.round.is_overdue(today),
            returned=[returned_of[key] for key in ((i, report.round.period_id) for i in mine) if key in returned_of],
        ))
    values_rows.sort(key=lambda row: (not row.overdue, row.report.round.due_date, row.report.plan.reference))

    sign_off = []
    if person is not None:
        # The rule of permissions.signs_off_plan, asked of every open return in one query.
        sign_off = list(open_returns.filter(
            Q(plan__roles__role__in=permissions.SIGNATORY_ROLES, plan__roles__person=person)
            | Q(plan__plan_indicators__role=PlanIndicator.Role.HEADLINE, plan__plan_indicators__indicator__owners=person)
        ).distinct().order_by("round__due_date", "plan__reference"))
    # Flagged and ordered as the officer's actions are: a return still open after its round's due date, first.
    overdue_sign_off = {report.pk for report in sign_off
                        if not report.is_signed_off and report.round.is_overdue(today)}
    sign_off.sort(key=lambda report: report.pk not in overdue_sign_off)
    return MyReturnsPage(action_rows, values_rows, sign_off, overdue_sign_off)

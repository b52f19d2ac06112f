"""Reads for the pages of the reporting cycle: one function per page, returning what its template shows.

Every function runs a fixed number of queries, whatever the number of actions or indicators: lists are fetched
whole and joined in Python, and counts are annotated in the queryset (tests/test_cycle_queries.py holds them
to this at two sizes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from indicators import performance
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import permissions, services
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
from monitoring.workflow import STATUS_LABELS, Move
from plans import periods
from plans.models import ActionTarget, DeliveryAction, Period, Person

# How many earlier values of an indicator the data expert sees as a hint.
PREVIOUS_VALUES_SHOWN = 4



def _count(queryset: QuerySet, group_by: str):
    """Return a subquery counting the rows of a queryset filtered on OuterRef, for annotate()."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _allowed(check, user, objects, *, unassigned) -> dict[int, bool]:
    """Return check(user, obj) for each object by pk, asking once for all the unassigned ones.

    For an action with no lead officer with a login (an indicator with no data expert with a login) the
    permission depends only on the user (is a performance officer?), a query each time it is asked.
    """
    answers, shared = {}, None
    for obj in objects:
        if unassigned(obj):
            shared = check(user, obj) if shared is None else shared
            answers[obj.pk] = shared
        else:
            answers[obj.pk] = check(user, obj)
    return answers


def _action_unassigned(action: DeliveryAction) -> bool:
    return action.lead_officer_id is None or action.lead_officer.user_id is None


def _indicator_unassigned(indicator: Indicator) -> bool:
    return indicator.data_expert_id is None or indicator.data_expert.user_id is None


def person_of(user) -> Person | None:
    return getattr(user, "person", None) if user.is_authenticated else None


# ---------------------------------------------------------------------------------------------------------
# Rounds


def rounds_list() -> list[ReportingRound]:
    """Return every round, newest first, with how many returns it has and how many are signed off."""
    return list(
        ReportingRound.objects.select_related("period", "opened_by").annotate(
            returns_total=Count("returns"),
            returns_signed_off=Count("returns", filter=Q(returns__status=Return.Status.SIGNED_OFF)),
        )
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


@dataclass
class MyReturnsPage:
    actions: list[ActionRow]
    values: list[ValuesRow]
    sign_off: list[Return]

    @property
    def is_empty(self) -> bool:
        return not (self.actions or self.values or self.sign_off)


def _is_overdue(report: Return, status: str, today: date) -> bool:
    finished = status in (EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF) or report.is_signed_off
    return not finished and report.round.is_overdue(today)


def my_returns_page(*, user) -> MyReturnsPage:
    """Return the user's work in open rounds: actions they report on, values they enter, returns they sign off.

    Actions and values come overdue first, then by due date, plan and place in the plan. A performance officer
    also sees the actions and indicators that have nobody with a login to report them (see permissions).
    """
    person = person_of(user)
    is_performance_officer = permissions.is_performance_officer(user)
    if person is None and not is_performance_officer:
        return MyReturnsPage([], [], [])
    today = timezone.localdate()
    is_open = Q(plan__returns__round__status=ReportingRound.Status.OPEN)
    open_returns = Return.objects.filter(round__status=ReportingRound.Status.OPEN).select_related("round__period", "plan")

    reachable = Q(lead_officer=person) if person else Q(pk__in=[])
    if is_performance_officer:
        reachable |= Q(lead_officer__isnull=True) | Q(lead_officer__user__isnull=True)
    candidates = list(DeliveryAction.objects.filter(is_open, reachable).select_related("lead_officer").distinct())
    allowed = _allowed(permissions.may_report_progress, user, candidates, unassigned=_action_unassigned)
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
    allowed = _allowed(permissions.may_enter_value, user, [link.indicator for link in links],
                       unassigned=_indicator_unassigned)
    indicators_by_plan = defaultdict(list)
    for link in links:
        if allowed[link.indicator_id]:
            indicators_by_plan[link.plan_id].append(link.indicator_id)
    expert_returns = list(open_returns.filter(plan__in=list(indicators_by_plan)))
    status_of = {
        (indicator, period): status
        for indicator, period, status in IndicatorValue.objects.filter(
            indicator__in={i for ids in indicators_by_plan.values() for i in ids},
            period__in={report.round.period_id for report in expert_returns},
        ).values_list("indicator_id", "period_id", "status")
    }
    values_rows = []
    for report in expert_returns:
        mine = indicators_by_plan[report.plan_id]
        statuses = [status_of.get((indicator, report.round.period_id)) for indicator in mine]
        submitted = sum(status in (EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF) for status in statuses)
        values_rows.append(ValuesRow(
            report, len(mine), sum(status is not None for status in statuses), submitted,
            overdue=not report.is_signed_off and submitted < len(mine) and report.round.is_overdue(today),
        ))
    values_rows.sort(key=lambda row: (not row.overdue, row.report.round.due_date, row.report.plan.reference))

    sign_off = []
    if person is not None:
        # The rule of permissions.signs_off_plan, asked of every open return in one query.
        sign_off = list(open_returns.filter(
            Q(plan__roles__role__in=permissions.SIGNATORY_ROLES, plan__roles__person=person)
            | Q(plan__plan_indicators__role=PlanIndicator.Role.HEADLINE, plan__plan_indicators__indicator__owners=person)
        ).distinct().order_by("round__due_date", "plan__reference"))
    return MyReturnsPage(action_rows, values_rows, sign_off)


# ---------------------------------------------------------------------------------------------------------
# Outputs against the year's target


@dataclass
class Outputs:
    """An action's outputs in the period against its target for the financial year."""

    target: Decimal | None
    this_period: Decimal | None
    so_far: Decimal

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
        result[action.pk] = Outputs(targets.get(action.pk), this_period, total)
    return result


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


def action_for_progress(*, report: Return, pk: int) -> QuerySet[DeliveryAction]:
    """Return the action of the return's plan to report on, with its year's output target and earlier outputs."""
    return with_outputs(DeliveryAction.objects.select_related("lead_officer"), report).filter(pk=pk, plan=report.plan_id)


def progress_page(*, report: Return, action: DeliveryAction) -> ProgressPage:
    """Return the progress form's page for an action fetched by action_for_progress."""
    progress = ProgressReport.objects.filter(report=report, action=action).select_related("updated_by").first()
    outputs = annotated_outputs([action], {action.pk: progress} if progress else {})[action.pk]
    return ProgressPage(report, action, progress, outputs)


def latest_progress(*, report: Return, action: DeliveryAction) -> ProgressReport | None:
    """Return the entry as saved now, to show beside a refused stale edit."""
    return ProgressReport.objects.filter(report=report, action=action).select_related("updated_by").first()


# ---------------------------------------------------------------------------------------------------------
# Indicator values


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
    """Return the plan's indicators in order, each with year_target: its target for the period's year."""
    target = IndicatorTarget.objects.filter(indicator=OuterRef("indicator"), year=report.round.period.financial_year)
    return list(
        PlanIndicator.objects.filter(plan=report.plan_id)
        .select_related("indicator__data_expert")
        .annotate(year_target=Subquery(target.order_by().values("value")[:1]))
        .order_by("position", "pk")
    )


def values_page(*, report: Return, user) -> list[IndicatorRow]:
    """Return a row for each indicator of the return's plan that the user enters figures for."""
    links = plan_indicator_links(report)
    indicators = [link.indicator for link in links]
    allowed = _allowed(permissions.may_enter_value, user, indicators, unassigned=_indicator_unassigned)
    links = [link for link in links if allowed[link.indicator_id]]
    return indicator_rows(report, links, with_history=True) if links else []


def latest_value(*, indicator: Indicator, period: Period) -> IndicatorValue | None:
    return IndicatorValue.objects.filter(indicator=indicator, period=period).first()


# ---------------------------------------------------------------------------------------------------------
# The whole return


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
    officers: list[Person]
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
    actions = list(with_outputs(
        DeliveryAction.objects.filter(plan=report.plan_id).select_related("lead_officer", "group").order_by("position"),
        report,
    ))
    progress = {
        entry.action_id: entry for entry in ProgressReport.objects.filter(report=report).select_related("updated_by")
    }
    outputs = annotated_outputs(actions, progress)
    may_edit = _allowed(permissions.may_report_progress, user, actions, unassigned=_action_unassigned)
    rows = [ProgressRow(action, progress.get(action.pk), outputs[action.pk], may_edit[action.pk]) for action in actions]
    links = plan_indicator_links(report)
    may_enter = _allowed(permissions.may_enter_value, user, [link.indicator for link in links],
                         unassigned=_indicator_unassigned)
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
        officers=send_back_officers(actions, progress),
        can_sign_off=permissions.signs_off_plan(user, report.plan),
        can_reopen=permissions.is_performance_officer(user),
        can_enter_values=any(may_enter.values()),
        history=return_history(report=report, changed_since_sign_off_only=True),
    )


def send_back_officers(actions: list[DeliveryAction], progress: dict[int, ProgressReport]) -> list[Person]:
    """Return the lead officers with progress in the return that can still be sent back to them."""
    officers: dict[int, Person] = {}
    for action in actions:
        entry = progress.get(action.pk)
        if entry and entry.status in (EntryStatus.DRAFT, EntryStatus.SUBMITTED) and action.lead_officer:
            officers.setdefault(action.lead_officer_id, action.lead_officer)
    return sorted(officers.values(), key=lambda person: person.name)


def send_back_page_officers(report: Return) -> list[Person]:
    """Return the officers the send-back form offers, in two queries."""
    actions = list(DeliveryAction.objects.filter(plan=report.plan_id).select_related("lead_officer"))
    return send_back_officers(actions, {entry.action_id: entry for entry in ProgressReport.objects.filter(report=report)})


# ---------------------------------------------------------------------------------------------------------
# History


@dataclass
class Change:
    """One change to a return: who made it, when, to what, which field, and the values before and after."""

    when: datetime
    who: str
    subject: str
    field: str
    before: str
    after: str
    comment: str = ""
    move: str = ""
    consequence: bool = False  # an entry moved by its return's sign-off or reopening, not by itself


@dataclass
class ReturnHistory:
    changes: list[Change]
    signed_off_at: datetime | None = None
    reopened: WorkflowEvent | None = None
    since_sign_off: list[Change] = field(default_factory=list)

    @property
    def reopened_since_sign_off(self) -> bool:
        return self.reopened is not None


def _who(user) -> str:
    if user is None:
        return "Unknown"
    person = getattr(user, "person", None)
    return person.name if person else (user.get_full_name() or user.get_username())


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


RAG_LABELS = dict(ProgressReport.Rag.choices)
PROGRESS_FIELDS = [
    ("narrative", "Progress", _text),
    ("rag", "RAG status", lambda value: RAG_LABELS.get(value, "")),
    ("outputs_achieved", "Outputs achieved", _number),
    ("reviewer_comment", "Reviewer's comment", _text),
]
VALUE_FIELDS = ["value", "commentary", "outlier_confirmed"]


def _diffs(records, subject_of, fields, saved_by: str) -> list[Change]:
    """Return a Change for each tracked field that differs between consecutive historical records of an entry.

    Who made it is the history's user (set from the request), else the user the entry itself records.
    """
    changes = []
    previous: dict[int, object] = {}
    for record in records:
        before_record = previous.get(record.id)
        subject, field_specs = subject_of(record), fields(record)
        who = _who(record.history_user or getattr(record, saved_by))
        for name, label, show in field_specs:
            after = getattr(record, name)
            before = getattr(before_record, name) if before_record is not None else None
            if before == after or (before_record is None and after in (None, "", False)):
                continue
            changes.append(Change(record.history_date, who, subject, label, show(before), show(after)))
        previous[record.id] = record
    return changes


def _value_fields(record):
    indicator = record.indicator
    return [
        ("value", "Value", indicator.format_value),
        ("commentary", "Commentary", _text),
        ("outlier_confirmed", "Outlier confirmed", _text),
    ]


def return_history(*, report: Return, changed_since_sign_off_only: bool = False) -> ReturnHistory:
    """Return every change to the return's progress, values and statuses, newest first.

    Field changes come from django-simple-history, status changes (with their comments and reasons) from the
    workflow's events. A return signed off and later reopened also lists what changed after its last sign-off.
    With changed_since_sign_off_only, skip the work when the return has not been reopened since its sign-off.
    """
    events = list(
        WorkflowEvent.objects.filter(report=report)
        .select_related("user__person", "progress__action", "indicator_value__indicator")
        .order_by("at", "pk")
    )
    return_events = [event for event in events if event.progress_id is None and event.indicator_value_id is None]
    sign_offs = [event for event in return_events if event.move == Move.SIGN_OFF]
    last_sign_off = sign_offs[-1] if sign_offs else None
    reopened = next(
        (event for event in reversed(return_events)
         if last_sign_off and event.move == Move.REOPEN and (event.at, event.pk) > (last_sign_off.at, last_sign_off.pk)),
        None,
    )
    if changed_since_sign_off_only and reopened is None:
        return ReturnHistory([], last_sign_off.at if last_sign_off else None)

    # A move that left the status as it was (submitting again) says nothing unless it carries a comment.
    changes = [_event_change(event) for event in events if event.from_status != event.to_status or event.comment]
    progress_records = (
        ProgressReport.history.filter(report_id=report.pk)
        .select_related("action", "history_user__person", "updated_by__person").order_by("history_date", "history_id")
    )
    changes += _diffs(progress_records, lambda record: record.action.title, lambda record: PROGRESS_FIELDS, "updated_by")
    value_records = (
        IndicatorValue.history.filter(period_id=report.round.period_id, indicator__plan_links__plan=report.plan_id)
        .select_related("indicator", "history_user__person", "entered_by__person").order_by("history_date", "history_id")
    )
    changes += _diffs(value_records, lambda record: record.indicator.code or record.indicator.name, _value_fields,
                      "entered_by")
    changes.sort(key=lambda change: change.when, reverse=True)

    since = []
    if reopened is not None:
        since = [
            change for change in reversed(changes)
            if change.when > last_sign_off.at and change.move != Move.SIGN_OFF and not change.consequence
        ]
    return ReturnHistory(changes, last_sign_off.at if last_sign_off else None, reopened, since)


def _event_change(event: WorkflowEvent) -> Change:
    if event.progress_id:
        subject = event.progress.action.title
    elif event.indicator_value_id:
        indicator = event.indicator_value.indicator
        subject = indicator.code or indicator.name
    else:
        subject = "The return"
    return Change(
        event.at, _who(event.user), subject, "Status",
        STATUS_LABELS.get(event.from_status, event.from_status), STATUS_LABELS.get(event.to_status, event.to_status),
        comment=event.comment, move=event.move,
        consequence=subject != "The return" and event.move in (Move.SIGN_OFF, Move.REOPEN),
    )

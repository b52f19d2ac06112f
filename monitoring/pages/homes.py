"""Reads for the home page: each person's quarter, a section for each part they play.

- A lead officer: their actions in open rounds, worst first (returned with comments, overdue, due soon, drafts
  and not started), and how many are done.
- A data expert: the values they enter, a return at a time, with the due date and how far they have got.
- An indicator owner: the returns they sign off that are ready, those waiting on others (who, and what), and
  the items they sent back that have come back.
- A performance officer: each open round's completeness, the returns ready to sign off, the rounds that could
  close, and the items whose lead has no login, with who reports each (the person named for it, else a
  performance officer: DeliveryAction.who_reports).
- The strategic group, and anyone with none of the parts above: plans whose headline indicator is red or
  worsening at its latest signed-off figure, and the returns signed off lately.

Each section runs a fixed number of queries, whatever the size of the plans, and a person with every role stays
within 12 (tests/pages/test_home_queries.py): everything the officer, expert, owner and performance officer sections
show is read by one batch of five queries over the open returns that concern the user (open_returns), and the
strategic group's exceptions by three or four more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import BooleanField, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone

from indicators import performance
from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import permissions
from monitoring.context_processors import Work, work_of
from monitoring.cycle.selectors import access
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
from monitoring.pages.at_risk import at_risk_annotations, at_risk_forecasts
from monitoring.workflow import Move
from plans import periods
from plans.models import DeliveryAction, PlanRole

# An item is "due soon" this many days or fewer before its round's due date.
DUE_SOON_DAYS = 14
# A return signed off this many days ago or fewer is news to the strategic group.
NEWLY_SIGNED_OFF_DAYS = 30
# The most items named in one line of "waiting on": the rest are counted.
NAMED_ITEMS = 5
DONE = (EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF)
# Who reports an item whose lead officer (or data expert) has no login, when nobody with a login is named for it.
NO_LOGIN_REPORTER = "A performance officer"


@dataclass
class Task:
    """One line of a task list: what to do, where, by when, and where it stands."""

    title: str
    url: str
    plan: str
    period: str
    status: str
    colour: str  # of the status tag: red, yellow, blue, grey or green
    due: date | None = None
    days_left: int | None = None
    comment: str = ""
    note: str = ""  # a line under the hint: whose item it is, when the lead has no login

    @property
    def days_late(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


# ---------------------------------------------------------------------------------------------------------
# The open returns that concern the user, item by item, in one batch of five queries


@dataclass
class Entry:
    """Where an action's progress, or an indicator's value, stands in an open return."""

    status: str
    comment: str = ""  # the reviewer's, when it was sent back
    came_back: bool = False  # the user sent it back, and it has been submitted again


@dataclass
class ReturnState:
    """An open return: how many of its items are done, who has the rest, and the items whose lead has no login."""

    report: Return
    signs: bool
    total: int = 0
    done: int = 0
    waiting: list[Waiting] = field(default_factory=list)
    unreported: list[Task] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        """Return True if every item is submitted and the return still waits for its signature."""
        return not self.report.is_signed_off and self.done == self.total

    @property
    def plan(self) -> str:
        return self.report.plan.reference

    @property
    def period(self) -> str:
        return self.report.round.period.label


@dataclass
class OpenReturns:
    """The open returns that concern the user, with their plans' actions (and who reports each), progress,
    indicators and values; and the headline indicators of every plan when the strategic section was asked for."""

    states: list[ReturnState]
    actions: dict[int, list[DeliveryAction]]  # by plan
    progress: dict[tuple[int, int], Entry]  # by (return, action)
    indicators: dict[int, list[Indicator]]  # by plan
    values: dict[tuple[int, int], Entry]  # by (indicator, period)
    came_back_to: dict[tuple[int, int], int | None] = field(default_factory=dict)  # the return a value came back to
    headlines: list[PlanIndicator] | None = None
    at_risk: list = field(default_factory=list)  # (period, ForecastView) of indicators the user answers for

    def action_status(self, report: Return, action: DeliveryAction) -> str:
        entry = self.progress.get((report.pk, action.pk))
        return entry.status if entry else EntryStatus.NOT_STARTED


def open_returns(*, user, work: Work, headlines: bool = False) -> OpenReturns:
    """Return the open returns the user reports on, enters values for or signs off (every one for a performance
    officer), item by item. Five queries: the returns, their plans' actions, their progress, their plans'
    indicators (with every plan's headline indicator when headlines is True) and the values.

    What the user sent back that came back is read with the progress and the values, not by a query of its own.
    """
    # The rule of permissions.signs_off_plan, asked of every open return in the same query.
    signs = Exists(PlanRole.objects.filter(plan=OuterRef("plan"), role__in=permissions.SIGNATORY_ROLES,
                                           person__user=user)) | Exists(PlanIndicator.objects.filter(
        plan=OuterRef("plan"), role=PlanIndicator.Role.HEADLINE, indicator__owners__user=user))
    returns = Return.objects.filter(round__status=ReportingRound.Status.OPEN).select_related(
        "plan", "round__period").annotate(signs=signs).order_by("round__due_date", "plan__reference")
    if not work.is_performance_officer:
        # The rules of DeliveryAction.who_reports and permissions.is_data_expert_for, asked of every open return.
        reports = Exists(DeliveryAction.objects.reported_by(user).filter(plan=OuterRef("plan")))
        enters = Exists(PlanIndicator.objects.filter(plan=OuterRef("plan"), indicator__data_expert__user=user))
        returns = returns.filter(Q(signs=True) | reports | enters)
    states = [ReturnState(report, report.signs) for report in returns]
    plan_ids = {state.report.plan_id for state in states}
    batch = OpenReturns(states, defaultdict(list), {}, defaultdict(list), {})
    if not states and not headlines:
        return batch
    signed = [state.report.pk for state in states if state.signs and not state.report.is_signed_off]
    sent_back = WorkflowEvent.objects.filter(user=user, move=Move.SEND_BACK, report__in=signed)

    for action in DeliveryAction.objects.filter(plan__in=plan_ids).with_reporters().order_by("position"):
        batch.actions[action.plan_id].append(action)
    progress = ProgressReport.objects.filter(report__in=[state.report for state in states]).annotate(
        sent_back=Exists(sent_back.filter(progress=OuterRef("pk"))) if signed else Value(False, BooleanField()))
    for report, action, status, comment, was_sent_back in progress.values_list(
            "report_id", "action_id", "status", "reviewer_comment", "sent_back"):
        batch.progress[(report, action)] = Entry(status, comment, was_sent_back and status == EntryStatus.SUBMITTED)
    links = PlanIndicator.objects.filter(Q(plan__in=plan_ids) | Q(role=PlanIndicator.Role.HEADLINE) if headlines
                                         else Q(plan__in=plan_ids))
    found = list(links.select_related("plan", "indicator__data_expert").annotate(**at_risk_annotations(user))
                 .order_by("position"))
    batch.at_risk = at_risk_forecasts(link for link in found if link.plan_id in plan_ids)
    for link in found:
        if link.plan_id in plan_ids:
            batch.indicators[link.plan_id].append(link.indicator)
    if headlines:
        batch.headlines = sorted((link for link in found if link.role == PlanIndicator.Role.HEADLINE),
                                 key=lambda link: link.plan.reference)
    # A value is one fact shown by every plan that holds it: it came back to the return it was sent back from.
    values = IndicatorValue.objects.filter(
        indicator__in={i.pk for indicators in batch.indicators.values() for i in indicators},
        period__in={state.report.round.period_id for state in states},
    ).annotate(sent_back_from=Subquery(sent_back.filter(indicator_value=OuterRef("pk")).order_by("at", "pk")
                                       .values("report_id")[:1]) if signed else Value(None, IntegerField()))
    for indicator, period, status, comment, report in values.values_list(
            "indicator_id", "period_id", "status", "reviewer_comment", "sent_back_from"):
        batch.values[(indicator, period)] = Entry(status, comment, report is not None and status == EntryStatus.SUBMITTED)
        batch.came_back_to[(indicator, period)] = report
    for state in states:
        _count(state, batch)
    return batch


def _who(person) -> str:
    return person.name if person else NO_LOGIN_REPORTER


def _count(state: ReturnState, batch: OpenReturns) -> None:
    """Count the return's items done, and say who has the rest, and which have a lead with no login."""
    report = state.report
    if report.is_signed_off:
        return
    waiting = defaultdict(lambda: ([], []))
    for action in batch.actions[report.plan_id]:
        state.total += 1
        if batch.action_status(report, action) in DONE:
            state.done += 1
            continue
        reporter = action.who_reports()
        waiting[_who(reporter)][0].append(action.reference or action.title)
        if not action.has_lead_with_login:
            # A performance officer reports it while nobody is named; else they can look, on the return's page.
            url = reverse("return_detail", args=[report.pk]) if reporter else reverse(
                "progress_edit", args=[report.pk, action.pk])
            state.unreported.append(Task(
                title=action.title, url=url,
                plan=report.plan.reference, period=report.round.period.label,
                status=f"{_who(reporter)} reports it", colour="grey" if reporter else "blue",
                due=report.round.due_date,
                note=f"Led by {action.lead_name or 'nobody named'}, with no login"
                     + ("" if reporter else ": nobody with a login is named to report it"),
            ))
    for indicator in batch.indicators[report.plan_id]:
        state.total += 1
        entry = batch.values.get((indicator.pk, report.round.period_id))
        if entry and entry.status in DONE:
            state.done += 1
            continue
        has_login = not access.indicator_unassigned(indicator)
        waiting[indicator.data_expert.name if has_login else NO_LOGIN_REPORTER][1].append(
            indicator.code or indicator.name)
        if not has_login:
            state.unreported.append(Task(
                title=f"Value of {indicator.code or indicator.name}",
                url=reverse("values_edit", args=[report.pk]), plan=report.plan.reference,
                period=report.round.period.label, status=f"{NO_LOGIN_REPORTER} enters it", colour="blue",
                due=report.round.due_date, note="No data expert with a login",
            ))
    state.waiting = [Waiting(who, _what(*items)) for who, items in sorted(waiting.items())]


# ---------------------------------------------------------------------------------------------------------
# Lead officer and data expert: their own items


@dataclass
class OfficerSection:
    tasks: list[Task]
    done: int
    total: int


def _days_left(report: Return, today: date) -> int:
    return (report.round.due_date - today).days


def _action_task(report: Return, action: DeliveryAction, entry: Entry | None, today: date) -> tuple[int, Task]:
    """Return an action's place in the worst-first order, and its task."""
    status = entry.status if entry else EntryStatus.NOT_STARTED
    days = _days_left(report, today)
    if status == EntryStatus.RETURNED:
        order, words, colour = 0, "Returned with comments", "red"
    elif report.round.is_overdue(today):
        order, words, colour = 1, "Overdue", "red"
    elif days <= DUE_SOON_DAYS:
        order, words, colour = 2, "Due soon", "yellow"
    elif status == EntryStatus.DRAFT:
        order, words, colour = 3, "Draft", "blue"
    else:
        order, words, colour = 4, "Not started", "grey"
    task = Task(
        title=f"{action.reference}. {action.title}" if action.reference else action.title,
        url=reverse("progress_edit", args=[report.pk, action.pk]),
        plan=report.plan.reference, period=report.round.period.label, status=words, colour=colour,
        due=report.round.due_date, days_left=days,
        comment=entry.comment if status == EntryStatus.RETURNED and entry else "",
        note="" if action.has_lead_with_login else
        f"Led by {action.lead_name or 'nobody named'}, with no login: you are named to report it",
    )
    return order, task


def officer_section(batch: OpenReturns, *, user, today: date) -> OfficerSection:
    """Return the actions the user reports (DeliveryAction.who_reports: those they lead, and those named for them
    whose lead has no login; not those a performance officer reports for want of anyone named), worst first."""
    ordered, done, total = [], 0, 0
    for state in batch.states:
        report = state.report
        for action in batch.actions[report.plan_id]:
            if not permissions.reports_action(user, action):
                continue
            total += 1
            entry = batch.progress.get((report.pk, action.pk))
            if report.is_signed_off or (entry and entry.status in DONE):
                done += 1
                continue
            order, task = _action_task(report, action, entry, today)
            ordered.append(((order, report.round.due_date, report.plan.reference, action.position), task))
    ordered.sort(key=lambda item: item[0])
    return OfficerSection([task for _, task in ordered], done, total)


def expert_tasks(batch: OpenReturns, *, user, today: date) -> list[Task]:
    """Return a task for each open return holding values the user enters, overdue first, then by due date."""
    rows = []
    for state in batch.states:
        report = state.report
        mine = [i for i in batch.indicators[report.plan_id] if permissions.is_data_expert_for(user, i)]
        if not mine:
            continue
        entries = [batch.values.get((indicator.pk, report.round.period_id)) for indicator in mine]
        entered = sum(entry is not None for entry in entries)
        submitted = sum(entry is not None and entry.status in DONE for entry in entries)
        overdue = not report.is_signed_off and submitted < len(mine) and report.round.is_overdue(today)
        if submitted >= len(mine) or report.is_signed_off:
            words, colour = "Submitted", "green"
        elif overdue:
            words, colour = "Overdue", "red"
        elif entered:
            words, colour = "In progress", "blue"
        else:
            words, colour = "Not started", "grey"
        task = Task(
            title=f"{len(mine)} value{'s' if len(mine) != 1 else ''}, {submitted} submitted",
            url=reverse("values_edit", args=[report.pk]), plan=report.plan.reference,
            period=report.round.period.label, status=words, colour=colour, due=report.round.due_date,
            days_left=_days_left(report, today),
        )
        rows.append(((not overdue, report.round.due_date, report.plan.reference), task))
    rows.sort(key=lambda row: row[0])
    return [task for _, task in rows]


# ---------------------------------------------------------------------------------------------------------
# Indicator owner and performance officer


@dataclass
class Waiting:
    who: str
    what: str


def _named(names: list[str]) -> str:
    shown = ", ".join(names[:NAMED_ITEMS])
    return f"{shown} and {len(names) - NAMED_ITEMS} more" if len(names) > NAMED_ITEMS else shown


def _what(actions: list[str], values: list[str]) -> str:
    parts = []
    if actions:
        parts.append(f"{len(actions)} action{'s' if len(actions) != 1 else ''} ({_named(actions)})")
    if values:
        parts.append(f"{len(values)} indicator value{'s' if len(values) != 1 else ''} ({_named(values)})")
    return " and ".join(parts)


@dataclass
class CameBack:
    plan: str
    period: str
    item: str
    url: str


def came_back(batch: OpenReturns, states: list[ReturnState]) -> list[CameBack]:
    """Return the items the user sent back in these open returns that have been submitted again."""
    found = []
    for state in states:
        report = state.report
        url = reverse("return_detail", args=[report.pk])
        for action in batch.actions[report.plan_id]:
            entry = batch.progress.get((report.pk, action.pk))
            if entry and entry.came_back:
                found.append(CameBack(report.plan.reference, report.round.period.label, action.title, url))
        for indicator in batch.indicators[report.plan_id]:
            key = (indicator.pk, report.round.period_id)
            entry = batch.values.get(key)
            if entry and entry.came_back and batch.came_back_to.get(key) == report.pk:
                found.append(CameBack(report.plan.reference, report.round.period.label,
                                      f"Value of {indicator.code or indicator.name}", url))
    return found


@dataclass
class OwnerSection:
    ready: list[ReturnState]
    waiting: list[ReturnState]
    came_back: list[CameBack]


@dataclass
class RoundProgress:
    round: ReportingRound
    returns: int = 0
    signed_off: int = 0
    total: int = 0
    done: int = 0

    @property
    def percent(self) -> int:
        """Return how much of the round is reported: items submitted, or in a signed-off return, of all items."""
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def can_close(self) -> bool:
        return self.signed_off == self.returns

    @property
    def not_reported_url(self) -> str:
        return f"{reverse('dashboard_not_reported')}?round={self.round.pk}"


@dataclass
class PerformanceSection:
    rounds: list[RoundProgress]
    ready: list[ReturnState]
    unreported: list[Task]

    @property
    def closable(self) -> list[RoundProgress]:
        return [progress for progress in self.rounds if progress.can_close]


def performance_section(states: list[ReturnState], open_rounds: list[ReportingRound]) -> PerformanceSection:
    progress = {reporting_round.pk: RoundProgress(reporting_round) for reporting_round in open_rounds}
    for state in states:
        row = progress.setdefault(state.report.round_id, RoundProgress(state.report.round))
        row.returns += 1
        if state.report.is_signed_off:
            row.signed_off += 1
        else:
            row.total += state.total
            row.done += state.done
    return PerformanceSection(
        rounds=sorted(progress.values(), key=lambda row: (row.round.due_date, row.round.period.start)),
        ready=[state for state in states if state.is_ready],
        unreported=[task for state in states for task in state.unreported],
    )


# ---------------------------------------------------------------------------------------------------------
# The strategic group: the exceptions


@dataclass
class PlanException:
    plan: str
    title: str
    url: str
    indicator: str
    value: str
    period: str
    rag: str
    trend: str
    is_red: bool


@dataclass
class StrategicSection:
    exceptions: list[PlanException]
    signed_off: list[Return]


def strategic_section(*, today: date, headlines: list[PlanIndicator] | None = None) -> StrategicSection:
    """Return the plans whose headline indicator is red or worsening at its latest signed-off figure, and the
    returns signed off in the last NEWLY_SIGNED_OFF_DAYS days. Four queries, or three given the plans' headline
    indicators (with their plans) already read."""
    if headlines is None:
        headlines = list(PlanIndicator.objects.filter(role=PlanIndicator.Role.HEADLINE).select_related(
            "plan", "indicator").order_by("plan__reference"))
    indicator_ids = {link.indicator_id for link in headlines}
    readings, years = defaultdict(list), {}
    for indicator_id, value, start, kind in IndicatorValue.objects.filter(
            indicator__in=indicator_ids, status=EntryStatus.SIGNED_OFF).order_by("period__start", "period__kind") \
            .values_list("indicator_id", "value", "period__start", "period__kind"):
        span = periods.PeriodSpan(start, kind)
        readings[indicator_id].append(performance.Reading(value, True, span.label))
        years[indicator_id] = span.financial_year
    targets = {(indicator, year): value for indicator, year, value in IndicatorTarget.objects.filter(
        indicator__in=indicator_ids).values_list("indicator_id", "year", "value")}
    exceptions = []
    for link in headlines:
        indicator, found = link.indicator, readings.get(link.indicator_id)
        if not found:
            continue
        assessment = performance.assess(indicator, found, targets.get((indicator.pk, years[indicator.pk])))
        is_red = assessment.rag == performance.RED
        if is_red or assessment.trend.direction == performance.WORSENING:
            exceptions.append(PlanException(
                plan=link.plan.reference, title=link.plan.title, url=reverse("plan_dashboard", args=[link.plan_id]),
                indicator=indicator.code or indicator.name, value=indicator.format_value(assessment.value),
                period=assessment.latest.period, rag=assessment.rag_label, trend=assessment.trend.label, is_red=is_red,
            ))
    exceptions.sort(key=lambda row: (not row.is_red, row.plan))
    since = timezone.now() - timedelta(days=NEWLY_SIGNED_OFF_DAYS)
    signed_off = list(Return.objects.filter(status=Return.Status.SIGNED_OFF, signed_off_at__gte=since).select_related(
        "plan", "round__period", "signed_off_by").order_by("-signed_off_at", "plan__reference"))
    return StrategicSection(exceptions, signed_off)


# ---------------------------------------------------------------------------------------------------------
# The page


def _at_risk_task(span: periods.PeriodSpan, view) -> Task:
    """Return the task of an indicator whose latest stored forecast is under 50%: say why, in the next return."""
    return Task(
        title=f"Say why {view.name} is unlikely to meet its target of {view.target_text} for {view.year_label}",
        url=reverse("indicator_detail", args=[view.indicator.pk]) + "#forecast",
        plan=view.name, period=f"forecast at the {span.label} sign-off", status=view.band_label,
        colour="red", note=view.summary,
    )


@dataclass
class HomePage:
    name: str
    work: Work
    officer: OfficerSection | None = None
    expert: list[Task] | None = None
    at_risk: list[Task] | None = None  # indicators the user enters or owns that are unlikely to meet their target
    owner: OwnerSection | None = None
    performance: PerformanceSection | None = None
    strategic: StrategicSection | None = None
    newly_signed_off_days: int = NEWLY_SIGNED_OFF_DAYS


def home_page(*, user, session=None) -> HomePage:
    """Return the signed-in user's home: a section for each part they play (see the module's docstring)."""
    work = work_of(user, session, fresh=True)  # the home always shows the roles as they are now
    page = HomePage(name=user.get_full_name() or user.get_username(), work=work)
    today = timezone.localdate()
    has_work = work.reports_actions or work.enters_values or work.signs_off or work.is_performance_officer
    wants_strategic = work.is_strategic_group or not has_work
    headlines = None
    if has_work:
        batch = open_returns(user=user, work=work, headlines=wants_strategic)
        headlines = batch.headlines
        if work.reports_actions:
            page.officer = officer_section(batch, user=user, today=today)
        if work.enters_values:
            page.expert = expert_tasks(batch, user=user, today=today)
        page.at_risk = [_at_risk_task(span, view) for span, view in batch.at_risk]
        if work.signs_off:
            signed = [state for state in batch.states if state.signs and not state.report.is_signed_off]
            page.owner = OwnerSection(
                ready=[state for state in signed if state.is_ready],
                waiting=[state for state in signed if not state.is_ready],
                came_back=came_back(batch, signed),
            )
        if work.is_performance_officer:
            open_rounds = list(ReportingRound.objects.filter(status=ReportingRound.Status.OPEN).select_related("period"))
            page.performance = performance_section(batch.states, open_rounds)
    if wants_strategic:
        page.strategic = strategic_section(today=today, headlines=headlines)
    return page

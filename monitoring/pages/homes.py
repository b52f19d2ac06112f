"""Reads for the home page: each person's quarter, a section for each part they play.

- A lead officer: their actions in open rounds, worst first (returned with comments, overdue, due soon, drafts
  and not started), and how many are done.
- A data expert: the values they enter, a return at a time, with the due date and how far they have got.
- An indicator owner: the returns they sign off that are ready, those waiting on others (who, and what), and
  the items they sent back that have come back.
- A performance officer: each open round's completeness, the returns ready to sign off, the rounds that could
  close, and the items nobody with a login can report (a performance officer reports them).
- The strategic group, and anyone with none of the parts above: plans whose headline indicator is red or
  worsening at its latest signed-off figure, and the returns signed off lately.

Each section runs a fixed number of queries, whatever the size of the plans (tests/pages/test_home_queries.py):
an officer's and an expert's work is read by the cycle's my_returns_page; an owner's and a performance officer's
by one batch of five queries over the open returns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from indicators import performance
from indicators.models import EntryStatus, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import permissions
from monitoring.context_processors import Work, work_of
from monitoring.cycle.selectors import access, my_returns_page
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
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
# Who reports an item whose lead officer (or data expert) has no login.
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

    @property
    def days_late(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def _days_left(report: Return, today: date) -> int:
    return (report.round.due_date - today).days


# ---------------------------------------------------------------------------------------------------------
# Lead officer and data expert: their own items, read by the cycle's my_returns_page


@dataclass
class OfficerSection:
    tasks: list[Task]
    done: int
    total: int


def _action_task(row, today: date) -> tuple[int, Task]:
    """Return an action's place in the worst-first order, and its task."""
    report, status = row.report, row.status
    days = _days_left(report, today)
    if status == EntryStatus.RETURNED:
        order, words, colour = 0, "Returned with comments", "red"
    elif row.overdue:
        order, words, colour = 1, "Overdue", "red"
    elif days <= DUE_SOON_DAYS:
        order, words, colour = 2, "Due soon", "yellow"
    elif status == EntryStatus.DRAFT:
        order, words, colour = 3, "Draft", "blue"
    else:
        order, words, colour = 4, "Not started", "grey"
    task = Task(
        title=f"{row.action.reference}. {row.action.title}" if row.action.reference else row.action.title,
        url=reverse("progress_edit", args=[report.pk, row.action.pk]),
        plan=report.plan.reference, period=report.round.period.label, status=words, colour=colour,
        due=report.round.due_date, days_left=days,
        comment=row.progress.reviewer_comment if status == EntryStatus.RETURNED and row.progress else "",
    )
    return order, task


def officer_section(rows, *, user, today: date) -> OfficerSection:
    """Return the user's own actions (not those they report for want of a lead with a login), worst first."""
    mine = [row for row in rows if permissions.leads_action(user, row.action)]
    ordered = sorted(
        (_action_task(row, today) + (row,) for row in mine if row.status not in DONE and not row.report.is_signed_off),
        key=lambda item: (item[0], item[2].report.round.due_date, item[2].report.plan.reference, item[2].action.position),
    )
    done = sum(row.status in DONE or row.report.is_signed_off for row in mine)
    return OfficerSection([task for _, task, _ in ordered], done, len(mine))


def _values_task(row, today: date) -> Task:
    report = row.report
    if row.submitted >= row.indicators or report.is_signed_off:
        words, colour = "Submitted", "green"
    elif row.overdue:
        words, colour = "Overdue", "red"
    elif row.entered:
        words, colour = "In progress", "blue"
    else:
        words, colour = "Not started", "grey"
    return Task(
        title=f"{row.indicators} value{'s' if row.indicators != 1 else ''}, {row.submitted} submitted",
        url=reverse("values_edit", args=[report.pk]), plan=report.plan.reference, period=report.round.period.label,
        status=words, colour=colour, due=report.round.due_date, days_left=_days_left(report, today),
    )


# ---------------------------------------------------------------------------------------------------------
# Indicator owner and performance officer: the open returns, item by item, in one batch


@dataclass
class Waiting:
    who: str
    what: str


@dataclass
class ReturnState:
    """An open return: how many of its items are done, who has the rest, and the items with no reporter."""

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


def open_return_states(*, user, everything: bool) -> list[ReturnState]:
    """Return the open returns (every one if everything, else those the user signs off), item by item.

    Five queries: the returns, their plans' actions, their progress, their plans' indicators, and the values.
    """
    # The rule of permissions.signs_off_plan, asked of every open return in the same query.
    signs = Exists(PlanRole.objects.filter(plan=OuterRef("plan"), role__in=permissions.SIGNATORY_ROLES,
                                           person__user=user)) | Exists(PlanIndicator.objects.filter(
        plan=OuterRef("plan"), role=PlanIndicator.Role.HEADLINE, indicator__owners__user=user))
    returns = Return.objects.filter(round__status=ReportingRound.Status.OPEN).select_related(
        "plan", "round__period").annotate(signs=signs).order_by("round__due_date", "plan__reference")
    if not everything:
        returns = returns.filter(signs=True)
    states = [ReturnState(report, report.signs) for report in returns]
    if not states:
        return []
    plan_ids = {state.report.plan_id for state in states}
    actions = defaultdict(list)
    for action in DeliveryAction.objects.filter(plan__in=plan_ids).select_related("lead_officer").order_by("position"):
        actions[action.plan_id].append(action)
    progress = {(report, action): status for report, action, status in ProgressReport.objects.filter(
        report__in=[state.report for state in states]).values_list("report_id", "action_id", "status")}
    links = defaultdict(list)
    for link in PlanIndicator.objects.filter(plan__in=plan_ids).select_related("indicator__data_expert").order_by(
            "position"):
        links[link.plan_id].append(link.indicator)
    values = {(indicator, period): status for indicator, period, status in IndicatorValue.objects.filter(
        indicator__in={i.pk for indicators in links.values() for i in indicators},
        period__in={state.report.round.period_id for state in states},
    ).values_list("indicator_id", "period_id", "status")}

    for state in states:
        report = state.report
        if report.is_signed_off:
            continue
        waiting = defaultdict(lambda: ([], []))
        for action in actions[report.plan_id]:
            state.total += 1
            if progress.get((report.pk, action.pk)) in DONE:
                state.done += 1
                continue
            has_login = not access.action_unassigned(action)
            waiting[action.lead_officer.name if has_login else NO_LOGIN_REPORTER][0].append(
                action.reference or action.title)
            if not has_login:
                state.unreported.append(Task(
                    title=action.title, url=reverse("progress_edit", args=[report.pk, action.pk]),
                    plan=report.plan.reference, period=report.round.period.label,
                    status=f"Led by {action.lead_officer.name}" if action.lead_officer_id else "No lead officer",
                    colour="grey", due=report.round.due_date,
                ))
        for indicator in links[report.plan_id]:
            state.total += 1
            if values.get((indicator.pk, report.round.period_id)) in DONE:
                state.done += 1
                continue
            has_login = not access.indicator_unassigned(indicator)
            waiting[indicator.data_expert.name if has_login else NO_LOGIN_REPORTER][1].append(
                indicator.code or indicator.name)
            if not has_login:
                state.unreported.append(Task(
                    title=f"Value of {indicator.code or indicator.name}",
                    url=reverse("values_edit", args=[report.pk]), plan=report.plan.reference,
                    period=report.round.period.label, status="No data expert with a login", colour="grey",
                    due=report.round.due_date,
                ))
        state.waiting = [Waiting(who, _what(*items)) for who, items in sorted(waiting.items())]
    return states


@dataclass
class CameBack:
    plan: str
    period: str
    item: str
    url: str


def came_back(*, user, states: list[ReturnState]) -> list[CameBack]:
    """Return the items the user sent back in these open returns that have been submitted again. One query."""
    found, seen = [], set()
    by_pk = {state.report.pk: state.report for state in states if not state.report.is_signed_off}
    events = WorkflowEvent.objects.filter(user=user, move=Move.SEND_BACK, report__in=list(by_pk)).filter(
        Q(progress__status=EntryStatus.SUBMITTED) | Q(indicator_value__status=EntryStatus.SUBMITTED)
    ).values_list("report_id", "progress__action_id", "progress__action__title",
                  "indicator_value__indicator__code", "indicator_value__indicator__name").order_by("at", "pk")
    for report_id, action_id, action_title, code, name in events:
        key = (report_id, action_id, code, name)
        if key in seen:
            continue
        seen.add(key)
        report = by_pk[report_id]
        if action_id is not None:
            item, url = action_title, reverse("return_detail", args=[report_id])
        else:
            item, url = f"Value of {code or name}", reverse("return_detail", args=[report_id])
        found.append(CameBack(report.plan.reference, report.round.period.label, item, url))
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


def strategic_section(*, today: date) -> StrategicSection:
    """Return the plans whose headline indicator is red or worsening at its latest signed-off figure, and the
    returns signed off in the last NEWLY_SIGNED_OFF_DAYS days. Four queries."""
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


@dataclass
class HomePage:
    name: str
    work: Work
    officer: OfficerSection | None = None
    expert: list[Task] | None = None
    owner: OwnerSection | None = None
    performance: PerformanceSection | None = None
    strategic: StrategicSection | None = None
    newly_signed_off_days: int = NEWLY_SIGNED_OFF_DAYS


def home_page(*, user, session=None) -> HomePage:
    """Return the signed-in user's home: a section for each part they play (see the module's docstring)."""
    work = work_of(user, session, fresh=True)  # the home always shows the roles as they are now
    page = HomePage(name=user.get_full_name() or user.get_username(), work=work)
    today = timezone.localdate()
    if work.leads_actions or work.enters_values:
        mine = my_returns_page(user=user)
        if work.leads_actions:
            page.officer = officer_section(mine.actions, user=user, today=today)
        if work.enters_values:
            page.expert = [_values_task(row, today) for row in mine.values]
    if work.signs_off or work.is_performance_officer:
        states = open_return_states(user=user, everything=work.is_performance_officer)
        if work.signs_off:
            signed = [state for state in states if state.signs and not state.report.is_signed_off]
            page.owner = OwnerSection(
                ready=[state for state in signed if state.is_ready],
                waiting=[state for state in signed if not state.is_ready],
                came_back=came_back(user=user, states=signed),
            )
        if work.is_performance_officer:
            open_rounds = list(ReportingRound.objects.filter(status=ReportingRound.Status.OPEN).select_related("period"))
            page.performance = performance_section(states, open_rounds)
    if work.is_strategic_group or not (page.officer or page.expert is not None or page.owner or page.performance):
        page.strategic = strategic_section(today=today)
    return page

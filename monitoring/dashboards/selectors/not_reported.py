"""Reads for who has not reported: what is still to be submitted in a round, per person and per plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from indicators.models import EntryStatus, IndicatorValue, PlanIndicator
from monitoring import notifications
from monitoring.dashboards.selectors.common import DONE
from monitoring.models import ProgressReport, ReminderSent, ReportingRound, Return
from plans.models import DeliveryAction, Person


@dataclass
class OutstandingItem:
    """An action's progress or an indicator's value still to be submitted in a return."""

    report: Return
    kind: str  # "action" or "value"
    label: str
    status: str

    @property
    def status_label(self) -> str:
        return EntryStatus(self.status).label


@dataclass
class PersonOutstanding:
    """Someone with entries still to submit in the round; person None stands for actions and indicators that
    nobody with a login reports (performance officers report them)."""

    person: Person | None
    items: list[OutstandingItem]
    reminded_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.person.name if self.person else "No lead officer or data expert with a login"

    @property
    def organisation(self) -> str:
        return str(self.person.organisation) if self.person and self.person.organisation_id else ""

    @property
    def has_address(self) -> bool:
        return bool(self.person and self.person.contact_email())

    @property
    def actions(self) -> int:
        return sum(item.kind == "action" for item in self.items)

    @property
    def values(self) -> int:
        return sum(item.kind == "value" for item in self.items)

    @property
    def plans(self) -> list[str]:
        return sorted({item.report.plan.reference for item in self.items})


@dataclass
class PlanOutstanding:
    """A plan's return in the round: how much of it is still to be submitted."""

    report: Return
    actions_total: int
    actions_outstanding: int
    values_total: int
    values_outstanding: int
    overdue: bool

    @property
    def is_complete(self) -> bool:
        return self.report.is_signed_off or not (self.actions_outstanding or self.values_outstanding)


@dataclass
class NotReportedPage:
    round: ReportingRound | None
    rounds: list[ReportingRound]
    people: list[PersonOutstanding] = field(default_factory=list)
    plans: list[PlanOutstanding] = field(default_factory=list)
    overdue: bool = False

    @property
    def late(self) -> list[PersonOutstanding]:
        """Return the people a reminder goes to: named, with something outstanding, in an overdue round."""
        return [row for row in self.people if row.person is not None] if self.overdue else []


def default_round() -> ReportingRound | None:
    """Return the round the page opens on: the latest open round with a return not signed off, else the latest."""
    rounds = ReportingRound.objects.select_related("period").order_by("-period__start")
    waiting = rounds.filter(status=ReportingRound.Status.OPEN, returns__status=Return.Status.OPEN).distinct()
    return waiting.first() or rounds.first()


def not_reported_page(*, reporting_round: ReportingRound | None) -> NotReportedPage:
    """Return what is outstanding in the round, per person and per plan.

    An action is outstanding until its progress is submitted, a value until it is submitted, in every return
    of the round not yet signed off: the rule of monitoring.notifications.outstanding_people, shown in full.
    """
    rounds = list(ReportingRound.objects.select_related("period"))
    if reporting_round is None:
        return NotReportedPage(None, rounds)
    overdue = reporting_round.is_overdue()
    returns = list(Return.objects.filter(round=reporting_round).select_related("plan").order_by("plan__reference"))
    open_returns = {report.plan_id: report for report in returns if not report.is_signed_off}
    actions = list(
        DeliveryAction.objects.filter(plan__in=list(open_returns)).select_related(
            "lead_officer__user", "lead_officer__organisation", "reporter__user", "reporter__organisation")
        .order_by("plan__reference", "position")
    )
    progress = dict(
        ProgressReport.objects.filter(report__in=list(open_returns.values())).values_list("action_id", "status")
    )
    links = list(
        PlanIndicator.objects.filter(plan__in=list(open_returns))
        .select_related("indicator__data_expert__user", "indicator__data_expert__organisation")
        .order_by("plan__reference", "position")
    )
    value_status = dict(
        IndicatorValue.objects.filter(period=reporting_round.period_id, indicator__in=[link.indicator_id for link in links])
        .values_list("indicator_id", "status")
    )
    reminded = dict(
        ReminderSent.objects.filter(round=reporting_round, kind=ReminderSent.Kind.OVERDUE)
        .values_list("person_id", "sent_at")
    )

    by_person: dict[int | None, PersonOutstanding] = {}
    counts = {plan_id: {"actions": 0, "actions_out": 0, "values": 0, "values_out": 0} for plan_id in open_returns}

    def add(person: Person | None, item: OutstandingItem) -> None:
        key = person.pk if person else None
        if key not in by_person:
            by_person[key] = PersonOutstanding(person, [], reminded.get(key))
        by_person[key].items.append(item)

    for action in actions:
        report = open_returns[action.plan_id]
        counts[action.plan_id]["actions"] += 1
        status = progress.get(action.pk, EntryStatus.NOT_STARTED)
        if status in DONE:
            continue
        counts[action.plan_id]["actions_out"] += 1
        label = f"{action.reference} {action.title}".strip()
        # Listed under who must act, as the reminder is (notifications.answers_for).
        add(notifications.answers_for(action), OutstandingItem(report, "action", label, status))
    for link in links:
        report = open_returns[link.plan_id]
        counts[link.plan_id]["values"] += 1
        status = value_status.get(link.indicator_id, EntryStatus.NOT_STARTED)
        if status in DONE:
            continue
        counts[link.plan_id]["values_out"] += 1
        indicator = link.indicator
        add(indicator.data_expert, OutstandingItem(report, "value", f"Value of {indicator.code or indicator.name}", status))

    people = sorted(by_person.values(), key=lambda row: (row.person is None, row.name))
    plans = []
    for report in returns:
        count = counts.get(report.plan_id, {"actions": 0, "actions_out": 0, "values": 0, "values_out": 0})
        outstanding = count["actions_out"] + count["values_out"]
        plans.append(PlanOutstanding(report, count["actions"], count["actions_out"], count["values"], count["values_out"],
                                     overdue=overdue and outstanding > 0))
    return NotReportedPage(reporting_round, rounds, people, plans, overdue)

"""Emails of the reporting cycle, sent through Django's email framework (console by default, SMTP in production).

Round-opened, due-soon and overdue reminders are recorded in ReminderSent so that each person gets each one
once, however often the daily reminder command runs.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from indicators.models import EntryStatus, Indicator, IndicatorValue, PlanIndicator
from monitoring import forecasts
from monitoring.models import ProgressReport, ReminderSent, ReportingRound, Return
from plans.models import DeliveryAction, Person

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 7


def _send(person: Person, subject: str, template: str, context: dict, *, partnership) -> bool:
    """Send one email about one partnership's work, which its subject and signature name: someone with roles in
    several partnerships must know which one to work in when they follow its link."""
    address = person.contact_email()
    if not address:
        logger.warning("No email address for %s; %r not sent.", person, subject)
        return False
    body = render_to_string(f"monitoring/email/{template}.txt", {
        **context, "person": person, "partnership": partnership, "site_url": settings.SITE_URL,
    })
    send_mail(f"Partnership Monitor, {partnership.name}: {subject}", body, None, [address])
    return True


def _once(reporting_round: ReportingRound, person: Person, kind: str) -> bool:
    """Record that the reminder is going out; return False if it already went."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(round=reporting_round, person=person, kind=kind)
    except IntegrityError:
        return False
    return True


def answers_for(action: DeliveryAction) -> Person | None:
    """Return who is told of an action's round: who reports it (DeliveryAction.who_reports), else its lead officer
    with no login (told by email); None when there is neither (a performance officer reports it)."""
    return action.who_reports() or action.lead_officer


def reporters(returns) -> dict[Person, list[Return]]:
    """Return each lead officer and data expert of the returns' plans, with the returns they report in."""
    plan_returns = {report.plan_id: report for report in returns}
    people: dict[Person, list[Return]] = {}
    for action in DeliveryAction.objects.filter(plan__in=plan_returns).select_related(
        "lead_officer__user", "reporter__user"
    ):
        if person := answers_for(action):
            people.setdefault(person, []).append(plan_returns[action.plan_id])
    for link in PlanIndicator.objects.filter(plan__in=plan_returns, indicator__data_expert__isnull=False).select_related(
        "indicator__data_expert__user"
    ):
        people.setdefault(link.indicator.data_expert, []).append(plan_returns[link.plan_id])
    return {person: sorted(set(found), key=lambda r: r.plan.reference) for person, found in people.items()}


def round_opened(reporting_round: ReportingRound) -> int:
    returns = list(reporting_round.returns.select_related("plan"))
    sent = 0
    for person, their_returns in reporters(returns).items():
        if _once(reporting_round, person, ReminderSent.Kind.OPENED):
            sent += _send(person, f"reporting round {reporting_round.period.label} is open", "round_opened", {
                "round": reporting_round, "returns": their_returns, "link": reverse("my_returns"),
            }, partnership=reporting_round.partnership)
    return sent


def outstanding_people(reporting_round: ReportingRound) -> set[Person]:
    """Return the people who still have progress or values to submit in the round."""
    returns = list(reporting_round.returns.exclude(status=Return.Status.SIGNED_OFF).select_related("plan"))
    submitted_actions = set(
        ProgressReport.objects.filter(report__in=returns, status__in=[EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF])
        .values_list("action_id", flat=True)
    )
    people = {
        answers_for(action)
        for action in DeliveryAction.objects.filter(plan__in=[r.plan_id for r in returns])
        .select_related("lead_officer__user", "reporter__user")
        if action.pk not in submitted_actions and answers_for(action) is not None
    }
    submitted_indicators = set(
        IndicatorValue.objects.filter(
            period=reporting_round.period_id, status__in=[EntryStatus.SUBMITTED, EntryStatus.SIGNED_OFF]
        ).values_list("indicator_id", flat=True)
    )
    people |= {
        link.indicator.data_expert
        for link in PlanIndicator.objects.filter(plan__in=[r.plan_id for r in returns], indicator__data_expert__isnull=False)
        .select_related("indicator__data_expert__user")
        if link.indicator_id not in submitted_indicators
    }
    return people


def send_due_reminders(today: date | None = None) -> dict[str, int]:
    """Send due-in-7-days and overdue reminders for open rounds, each to each person once."""
    today = today or timezone.localdate()
    counts = {ReminderSent.Kind.DUE_SOON: 0, ReminderSent.Kind.OVERDUE: 0}
    for reporting_round in ReportingRound.objects.filter(status=ReportingRound.Status.OPEN).select_related("period"):
        if today > reporting_round.due_date:
            kind, subject = ReminderSent.Kind.OVERDUE, f"your {reporting_round.period.label} return is overdue"
        elif reporting_round.due_date - today <= timedelta(days=DUE_SOON_DAYS):
            kind, subject = ReminderSent.Kind.DUE_SOON, f"your {reporting_round.period.label} return is due soon"
        else:
            continue
        for person in outstanding_people(reporting_round):
            if _once(reporting_round, person, kind):
                counts[kind] += _send(person, subject, kind, {"round": reporting_round, "link": reverse("my_returns")},
                                      partnership=reporting_round.partnership)
    return counts


def remind_late(reporting_round: ReportingRound, today: date | None = None) -> tuple[list[Person], list[Person]]:
    """Send the overdue reminder now to everyone still late in an overdue round, whether or not the daily run
    already has; return who was sent it and who has no email address. Each sending is recorded as the round's
    overdue reminder, so the daily run does not send it again."""
    if not reporting_round.is_overdue(today):
        return [], []
    sent, unreachable = [], []
    subject = f"your {reporting_round.period.label} return is overdue"
    for person in sorted(outstanding_people(reporting_round), key=lambda person: person.name):
        if _send(person, subject, ReminderSent.Kind.OVERDUE, {"round": reporting_round, "link": reverse("my_returns")},
                 partnership=reporting_round.partnership):
            ReminderSent.objects.update_or_create(
                round=reporting_round, person=person, kind=ReminderSent.Kind.OVERDUE, defaults={"sent_at": timezone.now()}
            )
            sent.append(person)
        else:
            unreachable.append(person)
    return sent, unreachable


def return_sent_back(report: Return, items) -> int:
    """Tell each person whose items were sent back which ones, each with the owner's comment on it.

    `items` are the send-back's items (monitoring.services.SendBackItem): an entry and its comment. Progress goes to
    the action's lead officer, a value to the indicator's data expert.
    """
    returned: dict[Person, list[dict[str, str]]] = {}
    for item in items:
        entry = item.entry
        if isinstance(entry, ProgressReport):
            person = entry.action.lead_officer
            what = f"Progress on {' '.join(filter(None, [entry.action.reference, entry.action.title]))}"
        else:
            person = entry.indicator.data_expert
            what = f"The {report.round.period.label} value of {entry.indicator.code or entry.indicator.name}"
        if person is None:
            logger.warning("Nobody to tell that %s was sent back.", what)
            continue
        returned.setdefault(person, []).append({"what": what, "comment": item.comment})
    return sum(
        _send(person, f"{report} returned for amendment", "returned",
              {"report": report, "items": their_items, "link": reverse("my_returns")}, partnership=report.plan.partnership)
        for person, their_items in returned.items()
    )


def return_signed_off(report: Return) -> int:
    people = reporters([report])
    return sum(
        _send(person, f"{report} signed off", "signed_off", {"report": report, "link": report.get_absolute_url()},
              partnership=report.plan.partnership)
        for person in people
    )


def forecasts_fell(report: Return, stored) -> int:
    """Tell each owner and the data expert of an indicator whose year-end forecast the signed-off return moved under
    50% (`stored`, the forecasts just stored: indicators.models.Forecast): it is now unlikely to meet its target."""
    by_person: dict[Person, list[dict[str, str]]] = {}
    indicators = Indicator.objects.filter(pk__in=[row.indicator_id for row in stored]).select_related(
        "data_expert__user").prefetch_related("owners__user")
    found = {indicator.pk: indicator for indicator in indicators}
    for row in stored:
        indicator = found[row.indicator_id]
        view = forecasts.stored_view(indicator, row)
        people = [*indicator.owners.all(), *([indicator.data_expert] if indicator.data_expert else [])]
        for person in dict.fromkeys(people):
            by_person.setdefault(person, []).append({
                "name": view.name, "summary": view.summary, "link": indicator.get_absolute_url() + "#forecast",
            })
    return sum(
        _send(person, f"{_names(items)} now unlikely to meet {_its(items)} target for {report.round.period.label[:7]}",
              "forecast_at_risk", {"report": report, "items": items}, partnership=report.plan.partnership)
        for person, items in by_person.items()
    )


def _names(items: list[dict[str, str]]) -> str:
    names = [item["name"] for item in items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _its(items: list[dict[str, str]]) -> str:
    return "its" if len(items) == 1 else "their"

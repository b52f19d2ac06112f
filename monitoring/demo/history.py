"""Illustrative reporting history for the demo: made through the real services, marked as illustrative.

NI 152: 2008/09 Q1 to Q4 signed off (rounds closed), 2009/10 Q1 open with some progress in draft and one
action returned for amendment. The Children's Service plan: 2012/13 H1 signed off. The figures are invented
for demonstration (their commentary says so, and IndicatorValue/Return.is_illustrative is set); they are
not published statistics. An action with an output target is rated as its outputs so far suggest against the
profile of its target (monitoring.action_rag), as a lead officer's form suggests; the others take turns.

The periods are the plans' own, and the rounds signed off keep their dates of the time; the open round is due
three weeks after the day the demo is loaded, so that the homes show work due soon rather than years late.

A round is one partnership's: each plan's history is made within its partnership's scope (plans.partnerships), by
that partnership's performance officer (`admin` for Coventry's NI 152, `bath_officer` for Bath's Children's Service
plan).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from indicators.models import EntryStatus, Indicator, IndicatorValue
from monitoring import action_rag, services
from monitoring.models import ProgressReport, ReportingRound, Return
from plans import partnerships
from plans.models import DeliveryAction, Period, Plan

ILLUSTRATIVE = "Illustrative figure for the demonstration, not a published statistic."

# Quarterly illustrative values: NI 152 rises through the 2008/09 recession, as the plan's first risk feared.
QUARTERLY_VALUES = {
    "NI 152": ["14.6", "14.9", "15.4", "16.2", "16.5"],
    "NI 117": ["8.4", "8.2", "7.9", "8.1", "7.8"],
    "NI 40": ["842", "851", "866", "879", "884"],
}
# Annual measures are reported once, in the year's last quarter.
YEAR_END_VALUES = {"NI 79": "70.1", "NI 164": "48.9", "NI 165": "29.2"}
RAG_CYCLE = ["green", "green", "amber", "green", "red", "amber"]
# The open round (2009/10 Q1) is due this long after the day the demo is loaded.
OPEN_ROUND_DUE_IN = timedelta(days=21)


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _reporter(action: DeliveryAction, admin):
    return action.lead_officer.user if action.lead_officer_id and action.lead_officer.user_id else admin


def _report_progress(report: Return, actions, admin, quarter_index: int, submit: bool = True, only=None):
    for position, action in enumerate(actions):
        if only is not None and action.pk not in only:
            continue
        target = next((t.value for t in action.targets.all() if t.year == report.period.financial_year), None)
        outputs = None
        if target is not None:  # an action with a target is submitted with its outputs
            share = Decimal(22 + (position * 7 + quarter_index * 3) % 9) / 100
            outputs = (target * share).quantize(Decimal(1))
        # The RAG of an action with outputs is the one they suggest against the target's profile; others cycle.
        suggestion = action_rag.suggest_for_entry(report, action, outputs)
        rag = suggestion.rag if suggestion else RAG_CYCLE[(position + quarter_index) % len(RAG_CYCLE)]
        existing = ProgressReport.objects.filter(report=report, action=action).first()
        services.progress_save(
            report=report, action=action, user=_reporter(action, admin),
            narrative=_narrative(report, rag, outputs),
            rag=rag, outputs_achieved=outputs, version=existing.version if existing else None, submit=submit,
        )


def _narrative(report: Return, rag: str, outputs: Decimal | None) -> str:
    state = "on track" if rag == "green" else "behind profile"
    counted = f", {outputs} outputs this period" if outputs is not None else ""
    return f"Illustrative progress for {report.period.label}: delivery {state}{counted}."


def _enter_values(report: Return, indicators: dict[str, Indicator], expert, index: int, submit: bool = True):
    is_year_end = report.period.span.number == 4
    figures = {code: values[index] for code, values in QUARTERLY_VALUES.items()}
    if is_year_end:
        figures.update(YEAR_END_VALUES)
    for code, figure in figures.items():
        indicator = indicators[code]
        services.indicator_value_save(
            report=report, indicator=indicator, user=expert, raw_value=figure, commentary=ILLUSTRATIVE,
            version=None, confirm_outlier=True, submit=submit,
        )


# The Children's Service plan's key measures (Appendix 1) at 2012/13 H1, by their place in the appendix.
SERVICE_PLAN_H1_VALUES = {1: "77.4", 2: "96", 3: "100", 4: "100", 5: "121", 6: "88"}


def _enter_service_plan_values(report: Return, user) -> None:
    """Enter and submit the H1 value of each key measure of the service plan (no data expert: a performance
    officer enters them)."""
    links = report.plan.plan_indicators.filter(key_measure__isnull=False).select_related("indicator", "key_measure")
    for link in links:
        services.indicator_value_save(
            report=report, indicator=link.indicator, user=user, commentary=ILLUSTRATIVE, version=None,
            raw_value=SERVICE_PLAN_H1_VALUES[link.key_measure.position], confirm_outlier=True, submit=True,
        )
    _mark_illustrative()  # before sign-off: a signed-off value no longer changes


DEMO_PARTNERSHIPS = {"NI 152": "Coventry Partnership", "CS 2012/13": "Bath and North East Somerset"}


def _plan(reference: str) -> Plan:
    """Return the demo plan in the demo's own partnership (another partnership may have a plan NI 152 too)."""
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        return Plan.objects.get(reference=reference, partnership__name=DEMO_PARTNERSHIPS[reference])


def _quarter_round(code: str, due: date, admin) -> Return:
    reporting_round = services.round_open(period=Period.for_code(code), due_date=due, user=admin)
    report = reporting_round.returns.get(plan__reference="NI 152")
    Return.objects.filter(round=reporting_round).update(is_illustrative=True)
    return report


def _mark_illustrative() -> None:
    IndicatorValue.objects.filter(commentary=ILLUSTRATIVE, is_illustrative=False).update(is_illustrative=True)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def load_demo_history(today: date | None = None) -> str:
    """Create the illustrative rounds and returns once; later runs leave them as they are.

    The open round is due OPEN_ROUND_DUE_IN after today (the local date unless given).
    """
    # No email goes out for demo history, so warnings about people without an address are noise here.
    logging.getLogger("monitoring.notifications").setLevel(logging.ERROR)
    ni152 = _plan(reference="NI 152")
    service_plan = _plan(reference="CS 2012/13")
    with partnerships.within([ni152.partnership_id]):
        if ReportingRound.objects.filter(period__start=date(2008, 4, 1), period__kind="quarter").exists():
            return "Demo reporting history: already loaded."
    admin, officer, expert, owner = (_user(name) for name in ("admin", "officer", "expert", "owner"))
    director, bath_officer = _user("director"), _user("bath_officer")
    with transaction.atomic():
        with partnerships.within([ni152.partnership_id]):
            open_due = _ni152_history(ni152, admin, officer, expert, owner, today)
        with partnerships.within([service_plan.partnership_id]):
            _service_plan_history(service_plan, bath_officer, director)
    signed = Return.objects.filter(status=Return.Status.SIGNED_OFF).count()
    drafts = ProgressReport.objects.filter(status=EntryStatus.DRAFT).count()
    returned = ProgressReport.objects.filter(status=EntryStatus.RETURNED).count()
    return (
        f"Demo reporting history (illustrative): {signed} returns signed off; 2009/10 Q1 open, due "
        f"{open_due:%-d %B %Y}, with {drafts} progress entries in draft and {returned} returned for amendment."
    )


def _ni152_history(ni152: Plan, admin, officer, expert, owner, today: date | None) -> date:
    """NI 152's 2008/09 quarters signed off and its 2009/10 Q1 open; return the open round's due date."""
    actions = list(DeliveryAction.objects.filter(plan=ni152).select_related("lead_officer").prefetch_related("targets"))
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=[*QUARTERLY_VALUES, *YEAR_END_VALUES])}
    quarters = [("2008/09-Q1", date(2008, 7, 31)), ("2008/09-Q2", date(2008, 10, 31)),
                ("2008/09-Q3", date(2009, 1, 31)), ("2008/09-Q4", date(2009, 4, 30))]
    for index, (code, due) in enumerate(quarters):
        report = _quarter_round(code, due, admin)
        _report_progress(report, actions, admin, index)
        _enter_values(report, indicators, expert, index)
        _mark_illustrative()  # before sign-off: a signed-off value no longer changes
        services.return_sign_off(report=report, user=owner)
        services.round_close(reporting_round=report.round, user=admin)

    open_due = (today or timezone.localdate()) + OPEN_ROUND_DUE_IN
    report = _quarter_round("2009/10-Q1", open_due, admin)
    officer_actions = [a for a in actions if a.lead_officer_id and a.lead_officer.user_id == officer.pk]
    others = [a for a in actions if a not in officer_actions]
    _report_progress(report, others[:6], admin, 4)
    _report_progress(report, officer_actions[:1], admin, 4)
    _report_progress(report, officer_actions[1:3], admin, 4, submit=False)
    _enter_values(report, indicators, expert, 4, submit=False)
    submitted = ProgressReport.objects.get(report=report, action=officer_actions[0])
    services.return_send_back(
        report=report, user=owner, items=[services.SendBackItem(
            submitted, "Illustrative: please add the number of Pathways to Work starts to the narrative.",
        )],
    )
    _mark_illustrative()
    return open_due


def _service_plan_history(service_plan: Plan, officer, director) -> None:
    """The Children's Service plan's 2012/13 H1 return, signed off by its strategic director."""
    reporting_round = services.round_open(period=Period.for_code("2012/13-H1"), due_date=date(2012, 10, 31), user=officer)
    report = reporting_round.returns.get(plan=service_plan)
    Return.objects.filter(pk=report.pk).update(is_illustrative=True)
    key_activities = list(DeliveryAction.objects.filter(plan=service_plan).prefetch_related("targets"))
    _report_progress(report, key_activities, officer, 0)
    _enter_service_plan_values(report, officer)
    services.return_sign_off(report=report, user=director)
    _mark_illustrative()

"""The reporting cycle's services: the workflow's moves, its locks, stale edits and the emails."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from indicators.models import EntryStatus, Indicator, IndicatorTarget, IndicatorValue, PlanIndicator
from monitoring import services
from monitoring.models import ProgressReport, Return, WorkflowEvent
from monitoring.permissions import PERFORMANCE_OFFICERS
from monitoring.workflow import WorkflowError
from plans.models import ActionTarget, DeliveryAction, Period, Person, PlanRole
from tests.builders import make_plan, test_partnership
from tests.cycle_builders import give_role

pytestmark = pytest.mark.django_db


def person(username, name, group=None):
    user = User.objects.create_user(username, f"{username}@example.org", "demo")
    if group:
        give_role(user, group)
    return Person.objects.create(name=name, user=user, partnership=test_partnership())


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Emails go out when the transaction commits; tests run inside one, so run the callbacks as it would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def cycle(committed):
    """NI 152 with two actions, one indicator, its people and an open 2008/09 Q1 round."""
    plan = make_plan("NI 152", first_year=2008, last_year=2010)
    admin = person("admin", "Performance Officer", PERFORMANCE_OFFICERS)
    officer = person("officer", "Pat Morgan")
    other_officer = person("other", "Andy Williams")
    expert = person("expert", "Myles Mackie")
    owner = person("owner", "Jane Beaver")
    viewer = person("viewer", "Strategic group member")
    PlanRole.objects.create(plan=plan, role=PlanRole.Role.INDICATOR_OWNER, person=owner)
    pathways = DeliveryAction.objects.create(plan=plan, position=1, title="JCP Pathways to Work", lead_officer=officer)
    ActionTarget.objects.create(action=pathways, year=2008, value=320)
    legi = DeliveryAction.objects.create(plan=plan, position=2, title="LEGI", lead_officer=other_officer)
    ni152 = Indicator.objects.create(
        code="NI 152", name="Working age people on out of work benefits.", unit="percent",
        polarity="lower", decimal_places=1, data_expert=expert,
    )
    IndicatorTarget.objects.create(indicator=ni152, year=2008, value=Decimal("14.3"))
    PlanIndicator.objects.create(plan=plan, indicator=ni152, role=PlanIndicator.Role.HEADLINE)
    with committed():
        reporting_round = services.round_open(
            period=Period.for_code("2008/09-Q1"), due_date=date(2008, 7, 31), user=admin.user
        )
    report = reporting_round.returns.get()
    return {
        "plan": plan, "round": reporting_round, "report": report, "admin": admin.user, "officer": officer.user,
        "other": other_officer.user, "expert": expert.user, "owner": owner.user, "viewer": viewer.user,
        "pathways": pathways, "legi": legi, "ni152": ni152,
    }


def submit_progress(c, action, user, narrative="On track", version=None, submit=True):
    return services.progress_save(
        report=c["report"], action=action, user=user, narrative=narrative, rag="green",
        outputs_achieved=Decimal(80) if action == c["pathways"] else None, version=version, submit=submit,
    )


def submit_value(c, raw="14.6", commentary="Peugeot redundancies still in the figures", version=None):
    return services.indicator_value_save(
        report=c["report"], indicator=c["ni152"], user=c["expert"], raw_value=raw, commentary=commentary,
        version=version, confirm_outlier=False, submit=True,
    )


def complete_return(c):
    submit_progress(c, c["pathways"], c["officer"])
    submit_progress(c, c["legi"], c["other"])
    submit_value(c)


def test_opening_a_round_creates_one_return_per_active_plan_of_that_frequency(cycle):
    make_plan("CS 2012/13", kind="service", reporting_frequency="half", first_year=2012, last_year=2012)
    make_plan("NI 999", first_year=2008, last_year=2010, is_active=False)
    make_plan("NI 2011", first_year=2011, last_year=2013)
    assert [r.plan.reference for r in cycle["round"].returns.all()] == ["NI 152"]


def test_opening_a_round_emails_the_reporters_once(cycle, mailoutbox):
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["expert@example.org", "officer@example.org", "other@example.org"]
    assert mailoutbox[0].subject == "Partnership Monitor, Test Partnership: reporting round 2008/09 Q1 is open"
    assert mailoutbox[0].body.rstrip().endswith("Partnership Monitor, Test Partnership")  # which partnership's work


def test_only_a_performance_officer_opens_a_round(cycle):
    with pytest.raises(PermissionDenied):
        services.round_open(period=Period.for_code("2008/09-Q2"), due_date=date(2008, 10, 31), user=cycle["officer"])


@pytest.mark.parametrize(
    ("code", "due", "message"),
    [
        ("2008/09-Q1", date(2008, 7, 31), "already been opened"),
        ("2008/09", date(2009, 4, 30), "Choose a quarter"),
        ("2008/09-Q2", date(2008, 9, 1), "on or after the period's last day, 30 September 2008"),
        ("2008/09-H1", date(2008, 10, 31), "No active plan reports"),
    ],
)
def test_a_round_that_makes_no_sense_is_refused_with_a_reason(cycle, code, due, message):
    with pytest.raises(ValidationError, match=message):
        services.round_open(period=Period.for_code(code), due_date=due, user=cycle["admin"])


def test_a_lead_officer_saves_a_draft_then_submits(cycle):
    draft = submit_progress(cycle, cycle["pathways"], cycle["officer"], submit=False)
    assert (draft.status, draft.version) == (EntryStatus.DRAFT, 1)
    submitted = submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="80 into work", version=1)
    assert (submitted.status, submitted.version, submitted.narrative) == (EntryStatus.SUBMITTED, 2, "80 into work")
    moves = list(WorkflowEvent.objects.values_list("move", "from_status", "to_status"))
    assert moves == [("save_draft", "not_started", "draft"), ("submit", "draft", "submitted")]


def test_an_officer_cannot_report_on_an_action_they_do_not_lead(cycle):
    with pytest.raises(PermissionDenied, match="actions you lead"):
        submit_progress(cycle, cycle["legi"], cycle["officer"])
    assert not ProgressReport.objects.exists()


def test_submitting_needs_a_narrative_and_a_rag_status(cycle):
    with pytest.raises(ValidationError, match="Describe the progress"):
        submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="  ")
    assert not ProgressReport.objects.exists()
    assert not WorkflowEvent.objects.filter(progress__isnull=False).exists()


def test_a_stale_save_is_refused_and_the_first_save_survives(cycle):
    first = submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="first", submit=False)
    submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="second", version=first.version, submit=False)
    with pytest.raises(services.StaleEdit, match="Someone else saved this entry"):
        submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="third", version=first.version, submit=False)
    assert ProgressReport.objects.get().narrative == "second"


def test_two_first_saves_of_the_same_entry_keep_the_first(cycle):
    submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="first", submit=False)
    with pytest.raises(services.StaleEdit):
        submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="second", version=None, submit=False)
    assert ProgressReport.objects.get().narrative == "first"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("fourteen", "Enter a number"),
        ("101", "Enter a value from 0% to 100%"),
        ("-1", "Enter a value from 0% to 100%"),
        ("14.65", "to 1 decimal place"),
        ("", "Enter a value"),
        ("NaN", "Enter a number"),
    ],
)
def test_a_bad_value_is_refused_in_the_users_words_and_nothing_is_saved(cycle, raw, message):
    with pytest.raises(ValidationError, match=message):
        submit_value(cycle, raw=raw)
    assert not IndicatorValue.objects.exists()


def test_a_value_missing_its_target_needs_commentary(cycle):
    with pytest.raises(ValidationError, match="Explain why the value misses its target of 14.3%"):
        submit_value(cycle, raw="14.6", commentary="")
    assert submit_value(cycle, raw="14.2", commentary="").value == Decimal("14.2")


def test_a_value_far_outside_the_history_needs_confirming(cycle):
    for code, figure in [("2007/08-Q1", "14.8"), ("2007/08-Q2", "14.7"), ("2007/08-Q3", "14.9"), ("2007/08-Q4", "14.8")]:
        IndicatorValue.objects.create(indicator=cycle["ni152"], period=Period.for_code(code), value=Decimal(figure))
    with pytest.raises(ValidationError, match="far outside") as refused:
        submit_value(cycle, raw="41.6")
    assert "confirm_outlier" in refused.value.message_dict
    value = services.indicator_value_save(
        report=cycle["report"], indicator=cycle["ni152"], user=cycle["expert"], raw_value="41.6",
        commentary="Boundary change", version=None, confirm_outlier=True, submit=True,
    )
    assert value.outlier_confirmed


def test_the_owner_sends_back_one_item_with_its_comment_and_the_rest_stay(cycle, mailoutbox, committed):
    complete_return(cycle)
    mailoutbox.clear()
    pathways = ProgressReport.objects.get(action=cycle["pathways"])
    with committed():
        services.return_send_back(
            report=cycle["report"], user=cycle["owner"], items=[services.SendBackItem(pathways, "Add the Q1 starts.")],
        )
    pathways.refresh_from_db()
    assert (pathways.status, pathways.reviewer_comment) == (EntryStatus.RETURNED, "Add the Q1 starts.")
    assert ProgressReport.objects.get(action=cycle["legi"]).status == EntryStatus.SUBMITTED
    assert IndicatorValue.objects.get().status == EntryStatus.SUBMITTED
    event = WorkflowEvent.objects.get(move="send_back")
    assert (event.progress, event.comment, event.to_status) == (pathways, "Add the Q1 starts.", EntryStatus.RETURNED)
    assert [m.to for m in mailoutbox] == [["officer@example.org"]]
    assert "Progress on" in mailoutbox[0].body and "Add the Q1 starts." in mailoutbox[0].body


def test_a_value_is_sent_back_to_its_data_expert_with_the_comment_for_all(cycle, mailoutbox, committed):
    complete_return(cycle)
    mailoutbox.clear()
    value = IndicatorValue.objects.get()
    with committed():
        services.return_send_back(report=cycle["report"], user=cycle["owner"],
                                  items=[services.SendBackItem(value)], comment="Use the DWP's revised figure.")
    value.refresh_from_db()
    assert (value.status, value.reviewer_comment) == (EntryStatus.RETURNED, "Use the DWP's revised figure.")
    assert WorkflowEvent.objects.get(move="send_back").indicator_value == value
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}
    assert [m.to for m in mailoutbox] == [["expert@example.org"]]
    assert "NI 152" in mailoutbox[0].body and "revised figure" in mailoutbox[0].body


def test_send_back_refuses_nothing_chosen_and_each_item_without_a_comment_at_once(cycle):
    complete_return(cycle)
    with pytest.raises(ValidationError) as refused:
        services.return_send_back(report=cycle["report"], user=cycle["owner"], items=[], comment="Why")
    assert refused.value.message_dict == {"items": [services.ITEMS_REQUIRED]}
    pathways, legi = (ProgressReport.objects.get(action=cycle[name]) for name in ("pathways", "legi"))
    with pytest.raises(ValidationError) as refused:
        services.return_send_back(report=cycle["report"], user=cycle["owner"], items=[
            services.SendBackItem(pathways, "  "), services.SendBackItem(legi)])
    assert set(refused.value.message_dict) == {f"comment-progress-{pathways.pk}", f"comment-progress-{legi.pk}"}
    assert services.ITEM_COMMENT_REQUIRED.format(what="“LEGI”") in refused.value.messages
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}
    assert not WorkflowEvent.objects.filter(move="send_back").exists()


def test_only_an_owner_of_the_plan_sends_back(cycle):
    complete_return(cycle)
    pathways = ProgressReport.objects.get(action=cycle["pathways"])
    for user in ("officer", "expert", "viewer", "admin"):
        with pytest.raises(PermissionDenied):
            services.return_send_back(report=cycle["report"], user=cycle[user],
                                      items=[services.SendBackItem(pathways, "x")])
    assert ProgressReport.objects.get(action=cycle["pathways"]).status == EntryStatus.SUBMITTED


def test_sign_off_waits_for_every_action_and_value(cycle):
    submit_progress(cycle, cycle["pathways"], cycle["officer"])
    with pytest.raises(WorkflowError, match="“LEGI”: progress not submitted"):
        services.return_sign_off(report=cycle["report"], user=cycle["owner"])
    assert Return.objects.get().status == Return.Status.OPEN


def test_only_an_owner_of_the_plan_signs_off(cycle):
    complete_return(cycle)
    for user in ("officer", "expert", "viewer", "admin"):
        with pytest.raises(PermissionDenied):
            services.return_sign_off(report=cycle["report"], user=cycle[user])


def test_signing_off_a_signed_off_return_again_says_it_is_locked(cycle):
    """Not that its entries' progress is "not submitted": they are signed off, which is not submitted."""
    complete_return(cycle)
    services.return_sign_off(report=cycle["report"], user=cycle["owner"])
    events = WorkflowEvent.objects.count()
    with pytest.raises(WorkflowError) as refused:
        services.return_sign_off(report=cycle["report"], user=cycle["owner"])
    assert str(refused.value) == services.LOCKED
    assert WorkflowEvent.objects.count() == events


def test_signing_off_locks_the_return_and_everything_in_it(cycle, mailoutbox, committed):
    complete_return(cycle)
    with committed():
        services.return_sign_off(report=cycle["report"], user=cycle["owner"])
    report = Return.objects.get()
    assert report.status == Return.Status.SIGNED_OFF and report.signed_off_by == cycle["owner"]
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {EntryStatus.SIGNED_OFF}
    assert IndicatorValue.objects.get().status == EntryStatus.SIGNED_OFF
    pathways = ProgressReport.objects.get(action=cycle["pathways"])
    with pytest.raises(WorkflowError, match="signed off and is locked"):
        submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="changed", version=pathways.version)
    value = IndicatorValue.objects.get()
    with pytest.raises(WorkflowError, match="signed off and is locked"):
        submit_value(cycle, raw="14.0", version=value.version)
    with pytest.raises(WorkflowError, match="signed off and is locked"):
        services.return_send_back(report=report, user=cycle["owner"], items=[services.SendBackItem(pathways, "x")])
    assert ProgressReport.objects.get(action=cycle["pathways"]).narrative == "On track"
    assert IndicatorValue.objects.get().value == Decimal("14.6")
    assert any("signed off" in message.subject for message in mailoutbox)


def test_reopening_needs_a_performance_officer_and_a_reason(cycle):
    complete_return(cycle)
    services.return_sign_off(report=cycle["report"], user=cycle["owner"])
    with pytest.raises(PermissionDenied):
        services.return_reopen(report=cycle["report"], user=cycle["owner"], reason="Typo")
    with pytest.raises(ValidationError, match="Give the reason"):
        services.return_reopen(report=cycle["report"], user=cycle["admin"], reason=" ")
    assert Return.objects.get().status == Return.Status.SIGNED_OFF
    services.return_reopen(report=cycle["report"], user=cycle["admin"], reason="DWP revised the Q1 figure")
    assert Return.objects.get().status == Return.Status.OPEN
    event = WorkflowEvent.objects.filter(move="reopen", progress__isnull=True, indicator_value__isnull=True).get()
    assert (event.user, event.comment) == (cycle["admin"], "DWP revised the Q1 figure")
    value = IndicatorValue.objects.get()
    assert submit_value(cycle, raw="14.5", version=value.version).value == Decimal("14.5")


def test_a_closed_round_takes_no_more_progress(cycle):
    services.round_close(reporting_round=cycle["round"], user=cycle["admin"])
    with pytest.raises(WorkflowError, match="closed"):
        submit_progress(cycle, cycle["pathways"], cycle["officer"])


def test_every_change_to_progress_keeps_who_when_and_before_and_after(cycle):
    draft = submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="before", submit=False)
    submit_progress(cycle, cycle["pathways"], cycle["officer"], narrative="after", version=draft.version)
    newest, oldest = ProgressReport.objects.get().history.all()[:2]
    delta = newest.diff_against(oldest)
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["narrative"] == ("before", "after")
    assert changes["status"] == ("draft", "submitted")
    assert newest.history_user == cycle["officer"] or newest.updated_by == cycle["officer"]


def test_reminders_go_once_each_however_often_the_command_runs(cycle, mailoutbox):
    from monitoring.notifications import send_due_reminders

    mailoutbox.clear()
    assert send_due_reminders(today=date(2008, 7, 20)) == {"due_soon": 0, "overdue": 0}
    assert send_due_reminders(today=date(2008, 7, 25)) == {"due_soon": 3, "overdue": 0}
    assert send_due_reminders(today=date(2008, 7, 26)) == {"due_soon": 0, "overdue": 0}
    submit_progress(cycle, cycle["pathways"], cycle["officer"])
    assert send_due_reminders(today=date(2008, 8, 1)) == {"due_soon": 0, "overdue": 2}
    assert send_due_reminders(today=date(2008, 8, 2)) == {"due_soon": 0, "overdue": 0}
    assert len(mailoutbox) == 5


def test_a_return_in_a_closed_round_is_reopened_after_its_round(cycle):
    complete_return(cycle)
    services.return_sign_off(report=cycle["report"], user=cycle["owner"])
    services.round_close(reporting_round=cycle["round"], user=cycle["admin"])
    with pytest.raises(WorkflowError, match="Reopen the round first"):
        services.return_reopen(report=cycle["report"], user=cycle["admin"], reason="DWP revised Q1")
    with pytest.raises(PermissionDenied):
        services.round_reopen(reporting_round=cycle["round"], user=cycle["owner"])
    services.round_reopen(reporting_round=cycle["round"], user=cycle["admin"])
    services.return_reopen(report=cycle["report"], user=cycle["admin"], reason="DWP revised Q1")
    assert Return.objects.get().status == Return.Status.OPEN


def test_the_headline_indicator_needs_a_value_before_sign_off(cycle):
    submit_progress(cycle, cycle["pathways"], cycle["officer"])
    submit_progress(cycle, cycle["legi"], cycle["other"])
    assert services.sign_off_blockers(cycle["report"]) == ["The headline indicator NI 152 has no value for 2008/09 Q1."]
    supporting = Indicator.objects.create(code="NI 117", name="NEET", data_expert=cycle["ni152"].data_expert)
    PlanIndicator.objects.create(plan=cycle["plan"], indicator=supporting)
    submit_value(cycle)
    assert services.sign_off_blockers(cycle["report"]) == []

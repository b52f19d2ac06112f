"""Writes of the reporting cycle, one module because every caller reaches them as `services.<write>` and they share
its guards (_require, _require_editable, _bump_version, _save_entry).

Each write is keyword-only, atomic, checks the user on the object, and either completes or changes nothing. Its
callers: the pages, the API, the demo history and the notifications. The seam, if it grows, is the values
(ValueItem to _forecast_problem), whose batch reads are already in monitoring.value_rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from indicators import forecast as forecasting
from indicators import performance
from indicators.models import (
    EntryStatus,
    Indicator,
    IndicatorValue,
    PlanIndicator,
    ValueSeal,
)
from indicators.models import Forecast as StoredForecast
from monitoring import action_rag, notifications, permissions, sealed_setup, value_rows
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
from monitoring.workflow import Move, WorkflowError, make_move
from plans import periods
from plans.models import ActionTarget, DeliveryAction, Partnership, Period, Plan, Seal

STALE_EDIT = (
    "Someone else saved this entry after you opened it. Your changes have not been saved: they are still in "
    "the form below. Check the latest version, then save again."
)
LOCKED = "This return has been signed off and is locked. A performance officer can reopen it, giving a reason."
ROUND_CLOSED = "The reporting round for this period is closed."
NOT_YOURS = "You can only report on actions you lead or are named to report."
NOT_YOUR_INDICATOR = "You can only enter values for indicators you look after."
NOT_YOUR_PLAN = "Only an indicator owner of this plan can do that."
NOT_PERFORMANCE_OFFICER = "Only a performance officer can do that."
REASON_REQUIRED = "Give the reason for reopening this signed-off return."
ITEMS_REQUIRED = "Select at least one item to send back."
ITEM_COMMENT_REQUIRED = "Say what needs to change in {what}, or write a comment for all the items you selected."
NOT_SENDABLE = "{what} cannot be sent back: only draft or submitted items of this return can."
NARRATIVE_REQUIRED = "Describe the progress made before you submit."
RAG_REQUIRED = "Choose a RAG status before you submit."
OUTPUTS_REQUIRED = ("Enter the outputs achieved in this period before you submit, or say they are not available "
                    "this period and why")
OUTPUTS_WHOLE = "Enter the outputs achieved as a whole number, like 12, as the target for {year} is"
OUTPUTS_BOTH = "Either enter the outputs achieved or say they are not available this period, not both"
OUTLIER_WARNING = f"{performance.OUTLIER} Check it, then tick the box to confirm it is right."
COMMENTARY_REQUIRED = performance.COMMENTARY_REQUIRED  # the words every route uses (forms, imports, commands)


class StaleEdit(Exception):
    """Another save reached the entry first; the caller keeps what the user typed and says so."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _require_editable(report: Return) -> None:
    if report.is_signed_off:
        raise WorkflowError(LOCKED)
    if not report.round.is_open:
        raise WorkflowError(ROUND_CLOSED)


def _check_length(model, field: str, text: str, *, as_field: str | None = None) -> None:
    """Refuse text longer than the model field allows (its validators), named as the form names it."""
    try:
        model._meta.get_field(field).run_validators(text)
    except ValidationError as error:
        raise ValidationError({as_field or field: error.messages}) from None


def _bump_version(model, pk: int, version: int) -> None:
    """Claim the row for this save, or raise StaleEdit if another save changed it since `version` was read.

    A conditional UPDATE takes the row's write lock (on PostgreSQL the row, on SQLite the database), so of two
    concurrent saves of the same version exactly one succeeds, on both databases.
    """
    if model.objects.filter(pk=pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleEdit(STALE_EDIT)


def _save_entry(entry) -> None:
    """Save a progress entry or value; a first save that loses the race to another first save is stale."""
    if entry.pk is not None:
        entry.save()  # the version was claimed by _bump_version: no other save can be under way
        return
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise StaleEdit(STALE_EDIT) from None


# Rounds ---------------------------------------------------------------------------------------------------

CHOOSE_PARTNERSHIP = "Choose the partnership to open the round for first: a round is one partnership's."


@transaction.atomic
def round_open(*, period: Period, due_date: date, user, partnership: Partnership | None = None) -> ReportingRound:
    """Open the partnership's round for the period (by default, of the partnership in scope) and create one return
    for each of its active plans reporting at its frequency."""
    _require(permissions.is_performance_officer(user), NOT_PERFORMANCE_OFFICER)
    partnership_id = partnership.pk if partnership is not None else Partnership.implied_id()
    if partnership_id is None:
        raise ValidationError(CHOOSE_PARTNERSHIP)
    if period.kind not in (periods.QUARTER, periods.HALF):
        raise ValidationError({"period": "Choose a quarter (2008/09-Q1) or a half year (2012/13-H1)."})
    if due_date < period.end:
        raise ValidationError(
            {"due_date": f"The due date must be on or after the period's last day, {period.end:%-d %B %Y}."}
        )
    if ReportingRound.objects.filter(partnership_id=partnership_id, period=period).exists():
        raise ValidationError({"period": f"A round for {period.label} has already been opened."})
    plans = list(
        Plan.objects.filter(
            partnership_id=partnership_id, is_active=True, reporting_frequency=period.kind,
            first_year__lte=period.financial_year, last_year__gte=period.financial_year,
        )
    )
    if not plans:
        raise ValidationError({"period": f"No active plan reports {period.get_kind_display().lower()}ly in {period.label}."})
    reporting_round = ReportingRound.objects.create(
        partnership_id=partnership_id, period=period, due_date=due_date, opened_by=user
    )
    Return.objects.bulk_create(Return(round=reporting_round, plan=plan) for plan in plans)
    transaction.on_commit(lambda: notifications.round_opened(reporting_round), robust=True)
    return reporting_round


@transaction.atomic
def round_close(*, reporting_round: ReportingRound, user) -> None:
    _require(permissions.is_performance_officer(user), NOT_PERFORMANCE_OFFICER)
    if not reporting_round.is_open:
        raise WorkflowError("This round is already closed.")
    reporting_round.status = ReportingRound.Status.CLOSED
    reporting_round.closed_at = timezone.now()
    reporting_round.save(update_fields=["status", "closed_at"])


@transaction.atomic
def round_reopen(*, reporting_round: ReportingRound, user) -> None:
    """Open a closed round again, so that a reopened return in it can be amended."""
    _require(permissions.is_performance_officer(user), NOT_PERFORMANCE_OFFICER)
    if reporting_round.is_open:
        raise WorkflowError("This round is already open.")
    reporting_round.status = ReportingRound.Status.OPEN
    reporting_round.closed_at = None
    reporting_round.save(update_fields=["status", "closed_at"])


# Progress on actions ---------------------------------------------------------------------------------------


def progress_problems(
    *, report: Return, action: DeliveryAction, narrative: str, rag: str, outputs_achieved: Decimal | None,
    outputs_not_available_reason: str, submit: bool, rag_reason: str = "",
) -> dict[str, list[str]]:
    """Return every rule a progress entry breaks, by field, so that a form can list them all at once.

    Blank outputs are not zero: an action with an output target for the period's financial year is submitted
    with its outputs, or with the reason they are not available this period. Outputs are whole numbers when the
    year's target is. A RAG status other than the one the outputs suggest (monitoring.action_rag) is submitted with
    the reason for it; a draft may wait for it, as it may for the narrative and the RAG.
    """
    problems: dict[str, list[str]] = {}
    if submit and not narrative.strip():
        problems["narrative"] = [NARRATIVE_REQUIRED]
    if submit and not rag:
        problems["rag"] = [RAG_REQUIRED]
    year = report.round.period.financial_year
    target = ActionTarget.objects.filter(action=action, year=year).values_list("value", flat=True).first()
    reason = outputs_not_available_reason.strip()
    if outputs_achieved is not None and reason:
        problems["outputs_achieved"] = [OUTPUTS_BOTH]
    elif target is not None and outputs_achieved is None and not reason and submit:
        problems["outputs_achieved"] = [OUTPUTS_REQUIRED]
    elif target is not None and outputs_achieved is not None and target == target.to_integral_value() \
            and outputs_achieved != outputs_achieved.to_integral_value():
        problems["outputs_achieved"] = [OUTPUTS_WHOLE.format(year=periods.year_label(year))]
    if submit and target is not None and "outputs_achieved" not in problems:
        suggestion = action_rag.suggest_for_entry(report, action, outputs_achieved)
        if rag_problem := action_rag.rag_problem(suggestion, rag, rag_reason):
            problems["rag_reason"] = [rag_problem]
    return problems


@transaction.atomic
def progress_save(
    *, report: Return, action: DeliveryAction, user, narrative: str, rag: str, outputs_achieved: Decimal | None,
    version: int | None, submit: bool, outputs_not_available_reason: str = "", rag_reason: str = "",
) -> ProgressReport:
    """Save an action's progress as draft, or submit it; refuse a stale or unauthorised save, or one that breaks
    a rule of progress_problems (all of them together)."""
    report = Return.objects.select_related("round__period").get(pk=report.pk)
    _require(action.plan_id == report.plan_id and permissions.may_report_progress(user, action), NOT_YOURS)
    _require_editable(report)
    progress = ProgressReport.objects.filter(report=report, action=action).first()
    if progress is None:
        if version:
            raise StaleEdit(STALE_EDIT)
        progress = ProgressReport(report=report, action=action, status=EntryStatus.NOT_STARTED)
    else:
        if version != progress.version:
            raise StaleEdit(STALE_EDIT)
        _bump_version(ProgressReport, progress.pk, progress.version)
        progress.version += 1
    event = make_move(progress, Move.SUBMIT if submit else Move.SAVE_DRAFT, report=report, user=user)
    problems = progress_problems(
        report=report, action=action, narrative=narrative, rag=rag, outputs_achieved=outputs_achieved,
        outputs_not_available_reason=outputs_not_available_reason, submit=submit, rag_reason=rag_reason,
    )
    if problems:
        raise ValidationError(problems)
    progress.narrative, progress.rag, progress.outputs_achieved = narrative, rag, outputs_achieved
    progress.outputs_not_available_reason = outputs_not_available_reason.strip()
    suggestion = action_rag.suggest_for_entry(report, action, outputs_achieved) if rag_reason.strip() else None
    progress.rag_reason = action_rag.kept_reason(suggestion, rag, rag_reason)
    progress.updated_by = user
    # The foreign keys and constraints were settled above or are enforced by the database itself.
    progress.full_clean(exclude=["report", "action", "updated_by"], validate_constraints=False)
    _save_entry(progress)
    event.progress = progress
    event.save()
    return progress


# Indicator values -----------------------------------------------------------------------------------------

DUPLICATE_INDICATOR = "The batch names this indicator more than once."


@dataclass(frozen=True)
class ValueItem:
    """One value to save: the indicator, the text typed, its commentary, the version read (None for a first entry)
    and whether the data expert confirmed an outlier."""

    indicator: Indicator
    raw_value: str
    commentary: str = ""
    version: int | None = None
    confirm_outlier: bool = False


class ValuesRefused(Exception):
    """What each refused value of a batch broke, by its place in the batch: {place: the exception the single save
    raises (ValidationError, PermissionDenied, WorkflowError or StaleEdit)}. Nothing was saved."""

    def __init__(self, problems: dict[int, Exception]):
        super().__init__(str(next(iter(problems.values()))))
        self.problems = dict(sorted(problems.items()))


def _check_value(
    item: ValueItem, read: value_rows.ValuesRead, *, user, submit: bool,
) -> tuple[IndicatorValue, WorkflowEvent]:
    """Apply every rule of a value to one item, on what was read for its batch; raise the first it breaks, else
    return the entry, moved and filled in but not saved, with its workflow event."""
    indicator, report = item.indicator, read.report
    period = report.round.period
    _require(indicator.pk in read.linked and permissions.may_enter_value(user, indicator), NOT_YOUR_INDICATOR)
    _require_editable(report)
    existing = read.existing.get(indicator.pk)
    if (existing is not None and existing.is_signed_off) or indicator.pk in read.sealed:
        raise WorkflowError(LOCKED)  # held by this or another plan's signed-off return, even if not yet entered
    _check_length(IndicatorValue, "commentary", item.commentary)
    try:
        value = performance.parse_value(indicator, item.raw_value)
    except ValidationError as error:
        raise ValidationError({"value": error.messages}) from None
    earlier = read.earlier.get(indicator.pk, [])
    outlier = performance.is_outlier(value, [point.value for point in earlier])
    if outlier and not item.confirm_outlier:
        raise ValidationError({"confirm_outlier": OUTLIER_WARNING}, code="outlier")
    target = read.targets.get(indicator.pk)
    if performance.misses_target(indicator, value, target) and not item.commentary.strip():
        raise ValidationError({"commentary": COMMENTARY_REQUIRED.format(target=indicator.format_value(target))})
    if problem := _forecast_problem(indicator, earlier, period, value, target, item.commentary):
        raise ValidationError({"commentary": problem}, code="forecast_at_risk")
    if existing is None:
        if item.version:
            raise StaleEdit(STALE_EDIT)
        entry = IndicatorValue(indicator=indicator, period=period, status=EntryStatus.NOT_STARTED)
    else:
        if item.version != existing.version:
            raise StaleEdit(STALE_EDIT)
        entry = existing
        entry.indicator, entry.period = indicator, period  # the same rows, already in hand
        entry.version += 1
    event = make_move(entry, Move.SUBMIT if submit else Move.SAVE_DRAFT, report=report, user=user)
    entry.value, entry.commentary, entry.entered_by = value, item.commentary, user
    entry.outlier_confirmed = item.confirm_outlier and outlier
    return entry, event


@transaction.atomic
def indicator_value_save(
    *, report: Return, indicator: Indicator, user, raw_value: str, commentary: str, version: int | None,
    confirm_outlier: bool, submit: bool,
) -> IndicatorValue:
    """Check and save the period's value of one indicator of the return's plan: a batch of one, raising what its
    value breaks."""
    item = ValueItem(indicator, raw_value, commentary, version, confirm_outlier)
    try:
        return indicator_values_save(report=report, user=user, items=[item], submit=submit)[0]
    except ValuesRefused as refused:
        raise refused.problems[0] from None


@transaction.atomic
def indicator_values_save(*, report: Return, user, items: list[ValueItem], submit: bool) -> list[IndicatorValue]:
    """Check and save the period's values of indicators of the return's plan, all or nothing: the rules of each
    value are those of the single save (_check_value), read for the whole batch at once, and every value saved is
    written, recorded in its history and moved in a handful of statements, whatever the batch's length.

    Raise ValuesRefused with every item's problem by its place if any item breaks a rule; return the entries in
    the items' order otherwise.
    """
    report = Return.objects.select_related("round__period").get(pk=report.pk)
    read = value_rows.read_for_values(report, [item.indicator for item in items])
    problems: dict[int, Exception] = {}
    checked: dict[int, tuple[IndicatorValue, WorkflowEvent]] = {}
    seen: set[int] = set()
    for place, item in enumerate(items):
        try:
            if item.indicator.pk in seen:
                raise ValidationError({"indicator": DUPLICATE_INDICATOR})
            seen.add(item.indicator.pk)
            checked[place] = _check_value(item, read, user=user, submit=submit)
        except (ValidationError, PermissionDenied, WorkflowError, StaleEdit) as error:
            problems[place] = error
    if problems:
        raise ValuesRefused(problems)
    entries = [entry for entry, _ in checked.values()]
    new = {place: entry.indicator_id for place, (entry, _) in checked.items() if entry.pk is None}
    try:
        value_rows.write_values(report, user, entries, [event for _, event in checked.values()])
    except value_rows.Taken as taken:  # entered by another save since this one read the period's values
        raise ValuesRefused({place: StaleEdit(STALE_EDIT) for place, indicator in new.items()
                             if indicator in taken.indicators}) from None
    return entries


def forecast_commentary_problem(
    indicator: Indicator, earlier: list[IndicatorValue], period: Period, value: Decimal, target: Decimal | None,
    commentary: str,
) -> str | None:
    """Return why the value needs commentary if, with it, the indicator is unlikely to meet the year's target (a
    forecast probability under 50%), as a value that misses its target does; else None. The rule is
    indicators.forecast.commentary_required, which imports ask too; `earlier` are the indicator's other values of
    the period's kind, with their periods."""
    return _forecast_problem(indicator, forecasting.points_of(earlier), period, value, target, commentary)


def _forecast_problem(
    indicator: Indicator, earlier: list[forecasting.Point], period: Period, value: Decimal, target: Decimal | None,
    commentary: str,
) -> str | None:
    return forecasting.commentary_required(
        indicator, earlier, forecasting.Point(period.span, value, False), target=target, commentary=commentary,
    )


# Review, sign-off and reopening ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SendBackItem:
    """One progress entry or indicator value of a return to send back, with the owner's comment on it.

    A blank comment means the comment for all ticked items; `key` names the item in forms and errors.
    """

    entry: ProgressReport | IndicatorValue
    comment: str = ""

    @property
    def key(self) -> str:
        return send_back_key(self.entry)


def send_back_key(entry: ProgressReport | IndicatorValue) -> str:
    """Return the name of a progress entry or value in the send-back form: progress-12, value-34."""
    return f"{'progress' if isinstance(entry, ProgressReport) else 'value'}-{entry.pk}"


def send_back_comment_field(key: str) -> str:
    """Return the name of the comment box of the item with this key."""
    return f"comment-{key}"


def send_back_candidates(report: Return) -> tuple[list[ProgressReport], list[IndicatorValue]]:
    """Return the progress entries and values of the return that can be sent back: drafts and submitted ones.

    A value that another plan's signed-off return holds is left out: its seal holds it as that return says.
    """
    sendable = (EntryStatus.DRAFT, EntryStatus.SUBMITTED)
    progress = list(
        ProgressReport.objects.filter(report=report, status__in=sendable)
        .select_related("action__lead_officer", "action__reporter").order_by("action__position")
    )
    values = list(
        IndicatorValue.objects.filter(
            period=report.round.period_id, indicator__plan_links__plan=report.plan_id, status__in=sendable
        ).exclude(indicator__seals__seal__period=report.round.period_id)
        .select_related("indicator__data_expert").order_by("indicator__code", "indicator__name")
        .distinct()
    )
    return progress, values


@transaction.atomic
def return_send_back(*, report: Return, user, items: list[SendBackItem], comment: str = "") -> list[SendBackItem]:
    """Send the chosen progress entries and values back for amendment, each with its own comment or the one for all.

    Only those items move; the rest of the return stays as it is. Every problem is reported at once: nothing
    chosen, or each chosen item with no comment of its own and none for all.
    """
    report = Return.objects.select_for_update().select_related("round__period", "plan").get(pk=report.pk)
    _require(permissions.signs_off_plan(user, report.plan), NOT_YOUR_PLAN)
    _require_editable(report)
    if not items:
        raise ValidationError({"items": ITEMS_REQUIRED})
    progress, values = send_back_candidates(report)
    current = {send_back_key(entry): entry for entry in [*progress, *values]}
    errors: dict[str, list[str]] = {}
    if unknown := [item for item in items if item.key not in current]:
        errors["items"] = [NOT_SENDABLE.format(what=", ".join(_item_name(item.entry) for item in unknown))]
    if comment.strip():
        _collect_length(errors, comment, "comment")
    chosen = []
    for item in items:
        text = item.comment if item.comment.strip() else comment
        field = send_back_comment_field(item.key)
        if not text.strip():
            errors.setdefault(field, []).append(ITEM_COMMENT_REQUIRED.format(what=_item_name(item.entry)))
        elif item.comment.strip():
            _collect_length(errors, item.comment, field)
        chosen.append(SendBackItem(current.get(item.key, item.entry), text))
    if errors:
        raise ValidationError(errors)
    events = []
    for item in chosen:
        entry = item.entry
        events.append(make_move(entry, Move.SEND_BACK, report=report, user=user, comment=item.comment))
        entry.reviewer_comment = item.comment
        entry.version += 1
        entry.save()
    WorkflowEvent.objects.bulk_create(events)
    transaction.on_commit(lambda: notifications.return_sent_back(report, chosen), robust=True)
    return chosen


def _item_name(entry: ProgressReport | IndicatorValue) -> str:
    if isinstance(entry, ProgressReport):
        return f"“{entry.action.title}”"
    return entry.indicator.code or entry.indicator.name


def _collect_length(errors: dict[str, list[str]], text: str, field: str) -> None:
    try:
        _check_length(ProgressReport, "reviewer_comment", text, as_field=field)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)


def sign_off_blockers(report: Return) -> list[str]:
    """Return what still stops the return being signed off, in words; an empty list means it can be.

    Every action's progress must be submitted, and so must every value entered; the headline indicator must
    have a value. A supporting indicator with no value for the period (an annual measure mid-year, an
    evaluation such as the Social Return On Investment) does not block: the return shows it as "No data".
    """
    period_id = report.round.period_id
    return blockers_among(
        report,
        actions=DeliveryAction.objects.filter(plan=report.plan_id).with_reporters(),
        submitted=set(
            ProgressReport.objects.filter(report=report, status=EntryStatus.SUBMITTED).values_list("action_id", flat=True)
        ),
        values=IndicatorValue.objects.filter(period=period_id, indicator__plan_links__plan=report.plan_id)
        .select_related("indicator"),
        headline=PlanIndicator.objects.filter(plan=report.plan_id, role=PlanIndicator.Role.HEADLINE)
        .select_related("indicator")
        .first(),
    )


NOBODY_REPORTS = "Nobody with a login is named to report it: a performance officer does."


def action_blocker(action: DeliveryAction) -> str:
    """Return why an action blocks its return's sign-off, naming who must act (DeliveryAction.who_reports)."""
    name = f"Action {action.reference}, “{action.title}”" if action.reference else f"“{action.title}”"
    reporter = action.who_reports()
    who = f"{reporter.name} reports it." if reporter else NOBODY_REPORTS
    return f"{name}: progress not submitted. {who}"


def blockers_among(
    report: Return,
    *,
    actions: Iterable[DeliveryAction],
    submitted: set[int],
    values: Iterable[IndicatorValue],
    headline: PlanIndicator | None,
) -> list[str]:
    """Return sign_off_blockers for what a page has already fetched: the plan's actions in order (with their
    reporters: DeliveryAction.objects.with_reporters()), the pks of those whose progress is submitted, the values
    of the return's period (with their indicators) and the headline indicator's link."""
    blockers = [action_blocker(action) for action in actions if action.pk not in submitted]
    values = {value.indicator_id: value for value in values}
    blockers += [
        f"The value of {value.indicator.code or value.indicator.name} has not been submitted."
        for value in values.values() if value.status != EntryStatus.SUBMITTED
    ]
    if headline and headline.indicator_id not in values:
        blockers.append(f"The headline indicator {headline.indicator.code} has no value for {report.period.label}.")
    return blockers


@transaction.atomic
def return_sign_off(*, report: Return, user) -> Return:
    """Sign the return off and lock it, with every progress entry and indicator value in it."""
    report = Return.objects.select_for_update().select_related("round__period", "plan").get(pk=report.pk)
    _require(permissions.signs_off_plan(user, report.plan), NOT_YOUR_PLAN)
    _require_editable(report)  # signed off already: say it is locked, not that its entries are "not submitted"
    if blockers := sign_off_blockers(report):
        raise WorkflowError("This return cannot be signed off yet. " + " ".join(blockers))
    events = [make_move(report, Move.SIGN_OFF, report=report, user=user)]
    report.signed_off_by, report.signed_off_at = user, timezone.now()
    report.save()
    for entry in _entries(report):
        events.append(make_move(entry, Move.SIGN_OFF, report=report, user=user))
        entry.version += 1
        entry.save()
    WorkflowEvent.objects.bulk_create(events)
    _seal(report)
    fallen = _record_forecasts(report)
    transaction.on_commit(lambda: notifications.return_signed_off(report), robust=True)
    if fallen:
        transaction.on_commit(lambda: notifications.forecasts_fell(report, fallen), robust=True)
    return report


def _record_forecasts(report: Return) -> list[StoredForecast]:
    """Store the year-end forecast of each of the plan's indicators as its signed-off figures now stand, and
    return those that fell under 50%: at risk now, and at 50% or more (or not yet forecast) at the indicator's
    previous stored forecast for the year."""
    period = report.round.period
    indicators = list(Indicator.objects.filter(plan_links__plan=report.plan_id).distinct())
    earlier = StoredForecast.objects.filter(indicator__in=indicators, year=period.financial_year)
    before = {}
    for indicator_id, probability in earlier.order_by("made_at", "pk").values_list("indicator_id", "probability"):
        before[indicator_id] = probability  # the latest wins
    made = forecasting.record_forecasts(indicators=indicators, period=period, made_at=timezone.now())
    return [
        stored for stored in made
        if stored.probability is not None and stored.probability < forecasting.AT_RISK_BELOW
        and (before.get(stored.indicator_id) is None or before[stored.indicator_id] >= forecasting.AT_RISK_BELOW)
    ]


def _seal(report: Return) -> None:
    """Seal what the return holds: from now on its entries, its indicators' values for its period (present or
    not) and its period's dates refuse every change, by any route, until a reopening is recorded. The plan's set-up
    the return was read against is kept with the seal (monitoring.sealed_setup)."""
    seal = Seal.objects.create(plan=report.plan, period=report.round.period, setup=sealed_setup.snapshot(report))
    indicators = PlanIndicator.objects.filter(plan=report.plan_id).values_list("indicator", flat=True)
    ValueSeal.objects.bulk_create(ValueSeal(seal=seal, indicator_id=indicator) for indicator in indicators)


@transaction.atomic
def return_reopen(*, report: Return, user, reason: str) -> Return:
    """Unlock a signed-off return; the reason is recorded with the move."""
    report = Return.objects.select_for_update().select_related("round__period").get(pk=report.pk)
    _require(permissions.is_performance_officer(user), NOT_PERFORMANCE_OFFICER)
    if not report.round.is_open:
        raise WorkflowError(
            "The round for this period is closed, so a reopened return could not be amended. Reopen the round first."
        )
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    _check_length(WorkflowEvent, "comment", reason, as_field="reason")
    # The reopening is recorded first: the database lets a seal go only once its reopening is on record.
    make_move(report, Move.REOPEN, report=report, user=user, comment=reason).save()
    Seal.objects.filter(plan=report.plan_id, period=report.round.period_id).delete()
    report.signed_off_by, report.signed_off_at = None, None
    report.save()
    events = []
    for entry in _entries(report, status=EntryStatus.SIGNED_OFF):
        events.append(make_move(entry, Move.REOPEN, report=report, user=user, comment=reason))
        entry.version += 1
        entry.save()
    WorkflowEvent.objects.bulk_create(events)
    return report


def _entries(report: Return, status: str = EntryStatus.SUBMITTED):
    """Yield the return's progress entries and indicator values in the given status.

    A value that another plan's signed-off return also holds is left out: it stays signed off, as that record
    says, until that return is reopened too.
    """
    yield from ProgressReport.objects.filter(report=report, status=status)
    yield from IndicatorValue.objects.filter(
        period=report.round.period_id, indicator__plan_links__plan=report.plan_id, status=status
    ).exclude(indicator__seals__seal__period=report.round.period_id).distinct()

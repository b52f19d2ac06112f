"""Pages of the reporting cycle: rounds, my returns, progress and value entry, the return, sign-off and history.

Each view fetches the object and checks the user on it (raising PermissionDenied, which Django answers with the
403 page), reads through monitoring.cycle.selectors, and writes only through monitoring.services. A service's
ValidationError goes back beside the fields; a WorkflowError (a locked return, a closed round) or a StaleEdit
re-renders the page with the message at the top and status 409, keeping what the user typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import EntryStatus
from monitoring import permissions, services
from monitoring.cycle import selectors
from monitoring.cycle.forms import (
    ConfirmForm,
    IndicatorValueForm,
    OpenRoundForm,
    ProgressForm,
    ReopenForm,
    SendBackForm,
    chosen_move,
)
from monitoring.forms import add_service_errors
from monitoring.models import ReportingRound, Return
from monitoring.workflow import WorkflowError
from plans import periods
from plans.models import Period

# The return's state, not the user's role, refused the change: a locked return, a closed round, a stale edit.
CONFLICT = 409

GET_AND_POST = require_http_methods(["GET", "POST"])


def _get_round(pk: int) -> ReportingRound:
    return get_object_or_404(ReportingRound.objects.select_related("period", "opened_by"), pk=pk)


def _get_return(pk: int) -> Return:
    return get_object_or_404(selectors.return_for_page(pk))


def _require_performance_officer(user) -> None:
    if not permissions.is_performance_officer(user):
        raise PermissionDenied(services.NOT_PERFORMANCE_OFFICER)


def _get_return_to_sign_off(user, pk: int) -> Return:
    """Return the return if the user is an indicator owner of its plan; else refuse."""
    report = _get_return(pk)
    if not permissions.signs_off_plan(user, report.plan):
        raise PermissionDenied(services.NOT_YOUR_PLAN)
    return report


def _locked_message(report: Return) -> str:
    if report.is_signed_off:
        return services.LOCKED
    if not report.round.is_open:
        return services.ROUND_CLOSED
    return ""


def _rebound(form_class, form, version: int, **kwargs):
    """Return the form bound to what the user typed, carrying the entry's latest version for the next save."""
    data = form.data.copy()
    data[form.add_prefix("version")] = str(version)
    rebound = form_class(data, **kwargs)
    rebound.is_valid()
    return rebound


# ---------------------------------------------------------------------------------------------------------
# Rounds (performance officers write; everyone signed in reads)


@GET_AND_POST
def rounds(request):
    may_open = permissions.is_performance_officer(request.user)
    form = OpenRoundForm() if may_open else None
    if request.method == "POST":
        _require_performance_officer(request.user)
        form = OpenRoundForm(request.POST)
        if form.is_valid():
            try:
                # The period row is created only if the round opens.
                with transaction.atomic():
                    period = Period.for_span(form.cleaned_data["period"])
                    reporting_round = services.round_open(
                        period=period, due_date=form.cleaned_data["due_date"], user=request.user
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                count = reporting_round.returns.count()
                messages.success(request, f"Round {period.label} opened with {count} return{'s' if count != 1 else ''}.")
                return redirect(reporting_round)
    return render(request, "monitoring/cycle/rounds.html", {"rounds": selectors.rounds_list(), "form": form})


@require_GET
def round_detail(request, pk):
    reporting_round = _get_round(pk)
    return render(request, "monitoring/cycle/round_detail.html", {
        "round": reporting_round,
        "returns": selectors.round_returns(reporting_round),
        "may_close": reporting_round.is_open and permissions.is_performance_officer(request.user),
        "may_reopen": not reporting_round.is_open and permissions.is_performance_officer(request.user),
    })


@GET_AND_POST
def round_close(request, pk):
    reporting_round = _get_round(pk)
    _require_performance_officer(request.user)
    problem = ""
    if request.method == "POST":
        try:
            services.round_close(reporting_round=reporting_round, user=request.user)
        except WorkflowError as error:
            problem = str(error)
        else:
            messages.success(request, f"Round {reporting_round.period.label} closed.")
            return redirect(reporting_round)
    return render(request, "monitoring/cycle/round_close.html", {
        "round": reporting_round, "form": ConfirmForm(), "problem": problem,
    }, status=CONFLICT if problem else 200)


@require_POST
def round_reopen(request, pk):
    reporting_round = _get_round(pk)
    _require_performance_officer(request.user)
    try:
        services.round_reopen(reporting_round=reporting_round, user=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Round {reporting_round.period.label} is open again.")
    return redirect(reporting_round)


# ---------------------------------------------------------------------------------------------------------
# Lead officers


@require_GET
def my_returns(request):
    return render(request, "monitoring/cycle/my_returns.html", {"page": selectors.my_returns_page(user=request.user)})


def _add_progress_problems(form: ProgressForm, *, report: Return, action, submit: bool) -> None:
    """Add the service's errors for the fields the form could read, so that the summary lists every error."""
    data = form.cleaned_data
    problems = services.progress_problems(
        report=report, action=action, narrative=data.get("narrative", ""), rag=data.get("rag", ""),
        outputs_achieved=data.get("outputs_achieved"), outputs_not_available_reason=form.not_available_reason(),
        submit=submit, rag_reason=data.get("rag_reason", ""),
    )
    for name, messages_ in problems.items():
        ticked = name == "outputs_achieved" and data.get("outputs_not_available")  # its reason is the error
        if name in data and name not in form.errors and not ticked:
            form.add_error(name, messages_)


@GET_AND_POST
def progress_edit(request, pk, action_pk):
    report = _get_return(pk)
    action = get_object_or_404(selectors.action_for_progress(report=report, pk=action_pk))
    if not permissions.may_report_progress(request.user, action):
        raise PermissionDenied(services.NOT_YOURS)
    form_options = {"with_outputs": action.output_target is not None}
    problem, latest = "", None
    if request.method == "POST":
        form = ProgressForm(request.POST, **form_options)
        submit = chosen_move(request.POST)
        if not form.is_valid():
            # List the service's rules broken by what could be read beside the form's own errors, all at once.
            _add_progress_problems(form, report=report, action=action, submit=submit)
        else:
            try:
                services.progress_save(
                    report=report, action=action, user=request.user, narrative=form.cleaned_data["narrative"],
                    rag=form.cleaned_data["rag"], outputs_achieved=form.cleaned_data.get("outputs_achieved"),
                    outputs_not_available_reason=form.not_available_reason(),
                    rag_reason=form.cleaned_data.get("rag_reason", ""), version=form.cleaned_data["version"], submit=submit,
                )
            except services.StaleEdit as error:
                problem, latest = str(error), selectors.latest_progress(report=report, action=action)
                form = _rebound(ProgressForm, form, latest.version if latest else 0, **form_options)
            except WorkflowError as error:
                problem = str(error)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                verb = "submitted" if submit else "saved as a draft"
                messages.success(request, f"Your progress on “{action.title}” has been {verb}.")
                return redirect("my_returns")
    # Read only for drawing the form: a save that succeeds goes straight back to "my returns".
    page = selectors.progress_page(report=report, action=action)
    if request.method != "POST":
        suggested = page.suggested_rag.rag if page.suggested_rag else ""
        form = ProgressForm(initial=ProgressForm.initial_for(page.progress, suggested), **form_options)
    return render(request, "monitoring/cycle/progress_form.html", {
        "page": page, "form": form, "problem": problem, "latest": latest, "locked": _locked_message(report),
    }, status=CONFLICT if problem else 200)


# ---------------------------------------------------------------------------------------------------------
# Data experts


@GET_AND_POST
def values_edit(request, pk):
    """Save or submit all the period's values the expert looks after in one form: every row saves, or none does."""
    report = _get_return(pk)
    rows = selectors.values_page(report=report, user=request.user)
    if not rows:
        raise PermissionDenied(services.NOT_YOUR_INDICATOR)
    locked = _locked_message(report)
    year_label = periods.year_label(report.round.period.financial_year)

    def options(row) -> dict:
        indicator = row.indicator
        return {"prefix": _value_prefix(row), "value_hint": row.value_hint(year_label),
                "value_label": f"Value of {indicator.code or 'this indicator'} for {report.round.period.label}"}

    def unbound(row) -> IndicatorValueForm:
        initial = IndicatorValueForm.initial_for(row.value, row.indicator.decimal_places)
        return IndicatorValueForm(initial=initial, **options(row))

    editable = [row for row in rows if not locked and not (row.value and row.value.is_signed_off)]
    bound = {row.indicator.pk: unbound(row) for row in rows}
    problem, latest = "", {}
    if request.method == "POST":
        submit = chosen_move(request.POST)
        posted = [row for row in rows if any(key.startswith(f"{_value_prefix(row)}-") for key in request.POST)]
        for row in posted:
            bound[row.indicator.pk] = IndicatorValueForm(request.POST, **options(row))
        # A locked return or a signed-off row is still sent to the service, which refuses it (409).
        problem, latest, saved = _save_values(request, report, posted, bound, submit)
        if latest:
            row = next(row for row in rows if row.indicator.pk in latest)
            version = latest[row.indicator.pk].version if latest[row.indicator.pk] else 0
            bound[row.indicator.pk] = _rebound(IndicatorValueForm, bound[row.indicator.pk], version, **options(row))
        if saved is not None:
            verb = "submitted" if submit else "saved as drafts"
            text = f"{saved} value{'s' if saved != 1 else ''} {verb}." if saved else "There were no changes to save."
            messages.success(request, text)
            return redirect("values_edit", report.pk)
    entries = []
    for row in rows:
        form = bound[row.indicator.pk]
        ask_to_confirm = bool(form.errors.get("confirm_outlier")) or bool(form["confirm_outlier"].value()) or bool(
            row.value and row.value.outlier_confirmed
        )
        shown_latest = latest.get(row.indicator.pk)
        entries.append({
            "row": row, "form": form, "ask_to_confirm": ask_to_confirm, "id": _value_prefix(row), "latest": shown_latest,
            "latest_text": row.indicator.format_value(shown_latest.value) if shown_latest else "",
            "read_only": row not in editable,
            "returned": row.value is not None and row.value.status == EntryStatus.RETURNED,
        })
    errors = [error for entry in entries for error in entry["form"].error_summary()]
    return render(request, "monitoring/cycle/values_form.html", {
        "report": report, "entries": entries, "errors": errors, "problem": problem, "locked": locked,
        "editable": bool(editable),
    }, status=CONFLICT if problem else 200)


def _value_changed(row, form: IndicatorValueForm) -> bool:
    """Return True if the row's typed value, commentary or confirmation differ from what is saved."""
    initial = IndicatorValueForm.initial_for(row.value, row.indicator.decimal_places)
    return any(
        form.cleaned_data[name] != initial.get(name, default)
        for name, default in (("value", ""), ("commentary", ""), ("confirm_outlier", False))
    )


def _save_values(request, report, rows, bound, submit: bool):
    """Save each posted row through the service inside one transaction, rolled back if any row fails.

    Return the conflict's message ("" if none), the latest saved value of a stale row ({indicator pk: value}), and
    the number of rows saved (None if nothing was kept). Every row is tried, so every error is listed at once.
    A row never entered and left blank is skipped; so is an unchanged row on Save, and an unchanged row already
    submitted on Submit: saving it again would only move it back to draft or record nothing new.
    """
    saved, failed, problem, stale = 0, False, "", None
    with transaction.atomic():
        for row in rows:
            form = bound[row.indicator.pk]
            if not form.is_valid():
                failed = True
                continue
            data = form.cleaned_data
            if row.value is None and not data["value"].strip() and not data["commentary"].strip():
                continue
            if not _value_changed(row, form) and (not submit or row.value.status == EntryStatus.SUBMITTED):
                continue
            try:
                services.indicator_value_save(
                    report=report, indicator=row.indicator, user=request.user, raw_value=data["value"],
                    commentary=data["commentary"], version=data["version"], confirm_outlier=data["confirm_outlier"],
                    submit=submit,
                )
            except services.StaleEdit as error:
                problem, stale = str(error), row
                break
            except WorkflowError as error:
                problem = str(error)
                break
            except ValidationError as error:
                add_service_errors(form, error)
                failed = True
            else:
                saved += 1
        if failed or problem:
            transaction.set_rollback(True)
    if stale is not None:  # read after the rollback, so it is the value someone else saved
        return problem, {stale.indicator.pk: selectors.latest_value(indicator=stale.indicator,
                                                                    period=report.round.period)}, None
    return problem, {}, None if failed or problem else saved


def _value_prefix(row) -> str:
    return f"indicator-{row.indicator.pk}"


# ---------------------------------------------------------------------------------------------------------
# The return: read by everyone signed in; signed off or sent back by its plan's indicator owners


@require_GET
def return_detail(request, pk):
    report = _get_return(pk)
    page = selectors.return_page(report=report, user=request.user)
    return render(request, "monitoring/cycle/return_detail.html", {"page": page, "report": report})


@GET_AND_POST
def return_sign_off(request, pk):
    report = _get_return_to_sign_off(request.user, pk)
    problems = []
    if request.method == "POST":
        try:
            services.return_sign_off(report=report, user=request.user)
        except WorkflowError as error:
            # List what blocks the sign-off one by one rather than as the service's single paragraph.
            problems = services.sign_off_blockers(report) or [str(error)]
        else:
            messages.success(request, f"{report} has been signed off and is now locked.")
            return redirect(report)
    blockers = [] if report.is_signed_off else services.sign_off_blockers(report)
    return render(request, "monitoring/cycle/return_sign_off.html", {
        "report": report, "blockers": blockers, "problems": problems, "form": ConfirmForm(),
    }, status=CONFLICT if problems else 200)


@GET_AND_POST
def return_send_back(request, pk):
    report = _get_return_to_sign_off(request.user, pk)
    progress, values = selectors.send_back_page_items(report)
    form = SendBackForm(request.POST or None, progress=progress, values=values)
    problem = ""
    if request.method == "POST" and not report.is_editable:
        problem = _locked_message(report)  # before the form: a locked return offers no items to choose
    elif request.method == "POST" and form.is_valid():
        try:
            items = services.return_send_back(
                report=report, user=request.user, items=form.chosen_items(), comment=form.cleaned_data["comment"]
            )
        except WorkflowError as error:
            problem = str(error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            count = f"{len(items)} item{'s' if len(items) != 1 else ''}"
            messages.success(request, f"Sent back {count}. Whoever reports each has been emailed your comments.")
            return redirect(report)
    return render(request, "monitoring/cycle/return_send_back.html", {
        "report": report, "form": form, "problem": problem, "locked": _locked_message(report),
    }, status=CONFLICT if problem else 200)


@GET_AND_POST
def return_reopen(request, pk):
    report = _get_return(pk)
    _require_performance_officer(request.user)
    form = ReopenForm(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.return_reopen(report=report, user=request.user, reason=form.cleaned_data["reason"])
        except WorkflowError as error:
            problem = str(error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{report} has been reopened. Its officers and data experts can change it again.")
            return redirect(report)
    return render(request, "monitoring/cycle/return_reopen.html", {
        "report": report, "form": form, "problem": problem,
    }, status=CONFLICT if problem else 200)


@require_GET
def return_history(request, pk):
    report = _get_return(pk)
    filters = selectors.HistoryFilter.from_query(request.GET)
    return render(request, "monitoring/cycle/return_history.html", {
        "report": report, "history": selectors.return_history(report=report, filters=filters),
    })

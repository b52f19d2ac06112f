"""Report pages: a plan's monitoring report as PDF, and the committee pack built in the background.

Anyone signed in may download a plan's report (the strategic group reads everything; figures not signed off
carry the DRAFT watermark). Anyone signed in may ask for a committee pack; the pack, once built, is for the
person who asked and the performance officers only (ReportJob's page and download check it on the object).

A plan's report is drawn while its reader waits, within a budget (PLAN_REPORT_*): past it the reader is sent to the
plan's reports page with a message pointing to the committee pack, built in the background. A person's packs are
built one at a time, and their reports and downloads made one at a time (monitoring.security): a refusal is a 429
page saying what to do.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from monitoring import permissions, reports
from monitoring.forms import GovukFormMixin
from monitoring.models import ReportingRound, ReportJob, Return
from monitoring.partnership_scope import works_in_one_partnership
from monitoring.reports.tasks import build_committee_pack
from monitoring.security import too_busy
from plans import periods
from plans.models import Period, Plan

logger = logging.getLogger(__name__)

# Seconds between the job page's reloads while the pack is being built.
REFRESH_SECONDS = 3
NOT_YOUR_PACK = "Only the person who asked for this pack and the performance officers can open it."

# A plan's report is drawn while its reader waits, well inside gunicorn's --timeout of 60 s (docs/deployment.md);
# past these it is refused (pdf.Budget says how each is checked). The seed plans' reports are 63 and 127 thousand
# characters of HTML (18 and 9 pages, about a second each); 80 actions with 10,000-character narratives make 837
# thousand and 403 pages in 14 s. A longer report is made in the background, as a committee pack of one plan.
PLAN_REPORT_SECONDS = 30
PLAN_REPORT_MAX_HTML = 1_000_000
PLAN_REPORT_MAX_PAGES = 500
REPORT_TOO_LONG = (
    "The monitoring report for {plan} {period} is too long to make while you wait. Ask for a committee pack for "
    "{period} with only {plan} ticked: it is made in the background and kept for you."
)
# A person's committee packs are built one at a time. One still unfinished after this long is taken to be lost
# (its worker stopped) and no longer holds its requester back.
PACK_PATIENCE = timedelta(hours=1)
PACK_RETRY_AFTER = 60


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _plan_returns(plan: Plan) -> list[Return]:
    return list(
        Return.objects.filter(plan=plan).select_related("round__period", "signed_off_by").order_by("-round__period__start")
    )


@require_GET
def plan_report(request, pk: int):
    """Send the plan's report for ?period=2008/09-Q1, or for its latest return when no period is given."""
    plan = get_object_or_404(Plan.objects.select_related("lead_organisation"), pk=pk)
    code = request.GET.get("period", "").strip()
    if code:
        try:
            periods.parse(code)
        except periods.PeriodError as error:
            # A code that names no period is answered with the rule, on the page that lists the plan's reports.
            messages.error(request, str(error))
            return redirect("plan_reports", pk=plan.pk)
        try:
            report = reports.find_return(plan, reports.find_period(code))
        except reports.ReportError as error:
            raise Http404(str(error)) from None
    else:
        report = next(iter(_plan_returns(plan)), None)
        if report is None:
            messages.info(request, f"{plan.reference} has no returns yet, so there is no monitoring report to download.")
            return redirect("plan_reports", pk=plan.pk)
    budget = reports.Budget(seconds=PLAN_REPORT_SECONDS, max_html=PLAN_REPORT_MAX_HTML, max_pages=PLAN_REPORT_MAX_PAGES)
    try:
        rendered = reports.plan_report_pdf(report, budget=budget)
    except reports.TooLong as error:
        period = report.round.period.label
        logger.warning("plan report %s %s not drawn: %s", plan.reference, period, error)
        messages.error(request, REPORT_TOO_LONG.format(plan=plan.reference, period=period))
        return redirect("plan_reports", pk=plan.pk)
    return _pdf_response(rendered.data, reports.plan_report_filename(report))


@require_GET
def plan_reports(request, pk: int):
    """List the plan's returns, each with its monitoring report to download."""
    plan = get_object_or_404(Plan.objects.select_related("lead_organisation"), pk=pk)
    return render(request, "monitoring/reports/plan_reports.html", {"plan": plan, "returns": _plan_returns(plan)})


class CommitteePackForm(GovukFormMixin, forms.Form):
    period = forms.ModelChoiceField(
        queryset=Period.objects.none(), widget=forms.RadioSelect, empty_label=None, label="Period",
        error_messages={"required": "Choose the period of the pack."},
    )
    plans = forms.ModelMultipleChoiceField(
        queryset=Plan.objects.none(), widget=forms.CheckboxSelectMultiple, required=False, label="Plans",
        help_text="Leave them all unticked to include every plan with a return in the period.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(
            pk__in=ReportingRound.objects.values("period")).order_by("-start")
        self.fields["period"].label_from_instance = lambda period: period.label
        self.fields["plans"].queryset = Plan.objects.order_by("reference")

    def clean(self):
        cleaned = super().clean()
        period, plans = cleaned.get("period"), cleaned.get("plans")
        if period is not None and plans:
            reporting = set(Return.objects.filter(round__period=period, plan__in=plans).values_list("plan_id", flat=True))
            missing = [plan.reference for plan in plans if plan.pk not in reporting]
            if missing:
                self.add_error("plans", f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no return "
                                        f"for {period.label}.")
        return cleaned


@require_http_methods(["GET", "POST"])
@works_in_one_partnership
def committee_pack(request):
    """Ask for a committee pack: it is built in the background, and its page shows how far it has got."""
    initial = {}
    if code := request.GET.get("period"):
        try:
            initial["period"] = reports.find_period(code)
        except reports.ReportError as error:
            messages.error(request, str(error))
    form = CommitteePackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if unfinished := _unfinished_pack(request.user):
            return too_busy(
                request, heading="You already have a committee pack being built", retry_after=PACK_RETRY_AFTER,
                message=f"Your committee pack for {unfinished.period.label} is still being built. Each person's "
                        "packs are built one at a time: ask for the next when it is ready.",
                link=(unfinished.get_absolute_url(), "See how far it has got"),
            )
        job = ReportJob.objects.create(period=form.cleaned_data["period"], requested_by=request.user)
        job.plans.set(form.cleaned_data["plans"])
        build_committee_pack.enqueue(job.pk)
        return redirect(job)
    jobs = ReportJob.objects.filter(requested_by=request.user).select_related("period")[:10]
    rounds = ReportingRound.objects.exists()
    return render(request, "monitoring/reports/committee_pack_form.html", {"form": form, "jobs": jobs, "has_rounds": rounds})


def _unfinished_pack(user) -> ReportJob | None:
    """Return the user's pack still waiting or being built, if they asked for it within PACK_PATIENCE."""
    return ReportJob.objects.select_related("period").filter(
        requested_by=user, status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING],
        requested_at__gte=timezone.now() - PACK_PATIENCE,
    ).first()


def _get_job(user, pk: int) -> ReportJob:
    """Return the job if the user asked for it or is a performance officer; else refuse."""
    job = get_object_or_404(ReportJob.objects.select_related("period", "requested_by"), pk=pk)
    if job.requested_by_id != user.pk and not permissions.is_performance_officer(user):
        raise PermissionDenied(NOT_YOUR_PACK)
    return job


@require_GET
def report_job(request, pk: int):
    """Show the pack's progress, reloading itself until it is ready, then its download link."""
    job = _get_job(request.user, pk)
    plans = list(job.plans.order_by("reference").values_list("reference", flat=True))
    context = {"job": job, "plans": plans, "refresh": REFRESH_SECONDS}
    response = render(request, "monitoring/reports/report_job.html", context)
    if not job.is_finished:
        # A Refresh header reloads the page without any script, inline or not.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_GET
def report_job_download(request, pk: int):
    job = _get_job(request.user, pk)
    if job.status != ReportJob.Status.READY or not job.file:
        raise Http404("This pack is not ready.")
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=reports.committee_pack_filename(job.period),
        content_type="application/pdf",
    )

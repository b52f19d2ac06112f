"""Pages. Each view fetches through a selector, checks access, and renders; no rules live here."""

from datetime import date
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django_tables2.export import TableExport

from monitoring.pages import homes, selectors
from monitoring.pages.filters import PlanFilter
from monitoring.pages.partnership import PartnershipChoiceForm
from monitoring.pages.tables import PlanTable
from monitoring.spreadsheets.files import SafeTableExport
from monitoring.tables import PagingConfig

PLANS_PER_PAGE = 25

# When the accessibility statement was written, last reviewed and the service last tested.
STATEMENT_PREPARED = date(2026, 11, 24)
STATEMENT_REVIEWED = date(2026, 11, 24)
SERVICE_TESTED = date(2026, 11, 24)


def home(request):
    choice = request.partnership_choice
    if not (choice.available or choice.everything):
        return render(request, "monitoring/pages/home_no_partnership.html")
    return render(request, "monitoring/pages/home.html",
                  {"page": homes.home_page(user=request.user, session=request.session)})


def choose_partnership(request):
    choice = request.partnership_choice
    if not choice.may_switch:
        raise Http404("You work in one partnership only.")
    form = PartnershipChoiceForm(request.POST or None, choice=choice)
    if request.method == "POST" and form.is_valid():
        form.save(request.session)
        return redirect("home")
    return render(request, "monitoring/pages/partnership.html", {"form": form, "errors": form.error_summary()})


@login_not_required
def accessibility(request):
    contact = getattr(settings, "ACCESSIBILITY_CONTACT_EMAIL", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return render(
        request,
        "monitoring/pages/accessibility.html",
        {
            "contact_email": contact,
            "site_url": settings.SITE_URL,
            "prepared": STATEMENT_PREPARED,
            "reviewed": STATEMENT_REVIEWED,
            "tested": SERVICE_TESTED,
        },
    )


def plan_list(request):
    plan_filter = PlanFilter(request.GET, queryset=selectors.plan_list_queryset())
    table = PlanTable(plan_filter.qs)
    export_format = request.GET.get("_export")
    if export_format in (TableExport.CSV, TableExport.XLSX):  # every plan that matches the filters, sorted as shown
        PagingConfig(request, paginate=False).configure(table)
        return SafeTableExport(export_format, table, dataset_kwargs={"title": "Plans"}).response(f"plans.{export_format}")
    PagingConfig(request, paginate={"per_page": PLANS_PER_PAGE}).configure(table)
    return render(
        request,
        "monitoring/pages/plan_list.html",
        {"filter": plan_filter, "table": table, "is_filtered": any(request.GET.get(name) for name in plan_filter.filters)},
    )


def plan_detail(request, pk):
    """The plan as a document, with the monitoring of one period (?period=2008/09-Q4) in its columns."""
    plan = get_object_or_404(selectors.plan_for_page(), pk=pk)
    monitoring = selectors.plan_monitoring(plan, request.GET.get("period", ""))
    return render(
        request,
        "monitoring/pages/plan_detail.html",
        {"document": monitoring.document, "monitoring": monitoring, "r": monitoring.report},
    )

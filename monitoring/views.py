"""Pages. Each view fetches through a selector, checks access, and renders; no rules live here."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render

from plans.models import Plan


def home(request):
    return render(request, "monitoring/home.html", {"plans": Plan.objects.all()})


@login_not_required
def accessibility(request):
    return render(request, "monitoring/accessibility.html")


def plan_list(request):
    return render(request, "plans/plan_list.html", {"plans": Plan.objects.all()})


def plan_detail(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    return render(request, "plans/plan_detail.html", {"plan": plan})

"""Reads for the plan list and the plan page (the home page's are in homes.py): one function per page."""

from __future__ import annotations

from django.db.models import QuerySet

from plans.models import Plan


def plan_list_queryset() -> QuerySet[Plan]:
    """Return every plan with what the plan list shows, in reference order."""
    return Plan.objects.select_related("lead_organisation").order_by("reference")


def plan_for_page() -> QuerySet[Plan]:
    """Return the plans as the plan page opens them: with the lead partner and the budget table joined in."""
    return Plan.objects.select_related("lead_organisation", "budget_table")

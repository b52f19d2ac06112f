"""Reads for the home page, the plan list and the plan page: one function per page, returning what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from indicators.models import Indicator
from plans.models import DeliveryAction, Plan, PlanRole


@dataclass
class HomePage:
    name: str
    roles: list[str]
    plans: list[Plan]


def home_page(*, user) -> HomePage:
    """Return the signed-in user's name, what they do in the service, and the plans they can open."""
    return HomePage(
        name=user.get_full_name() or user.get_username(),
        roles=user_roles(user=user),
        plans=list(plan_list_queryset()),
    )


def user_roles(*, user) -> list[str]:
    """Return the user's roles in words: their groups, then the parts they play in particular plans."""
    roles = [group.name for group in user.groups.order_by("name")]
    if user.is_superuser and not roles:
        roles.append("Administrator")
    person = getattr(user, "person", None)  # RelatedObjectDoesNotExist is an AttributeError
    if person is None:
        return roles
    for role in PlanRole.objects.filter(person=person).select_related("plan").order_by("plan__reference", "role"):
        roles.append(f"{role.get_role_display()}, {role.plan.reference}")
    expert_of = Indicator.objects.filter(data_expert=person).exclude(code="").values_list("code", flat=True)
    if expert_of:
        roles.append(f"Data expert for {', '.join(expert_of)}")
    owner_of = Indicator.objects.filter(owners=person).exclude(code="").values_list("code", flat=True)
    if owner_of:
        roles.append(f"Indicator owner for {', '.join(owner_of)}")
    actions_led = DeliveryAction.objects.filter(lead_officer=person).count()
    if actions_led:
        roles.append(f"Lead officer for {actions_led} action{'s' if actions_led != 1 else ''}")
    return roles


def plan_list_queryset() -> QuerySet[Plan]:
    """Return every plan with what the plan list shows, in reference order."""
    return Plan.objects.select_related("lead_organisation").order_by("reference")


def plan_for_page() -> QuerySet[Plan]:
    """Return the plans as the plan page opens them: with the lead partner and the budget table joined in."""
    return Plan.objects.select_related("lead_organisation", "budget_table")

"""Who may do what, checked on the object: the one place each role's reach is decided."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from indicators.models import Indicator, PlanIndicator
from plans.models import DeliveryAction, Plan, PlanRole

PERFORMANCE_OFFICERS = "Performance officers"
LEAD_OFFICERS = "Lead officers"
DATA_EXPERTS = "Data experts"
INDICATOR_OWNERS = "Indicator owners"
STRATEGIC_GROUP = "Strategic group"


def _person_id(user: User | AnonymousUser) -> int | None:
    if not user.is_authenticated:
        return None
    person = getattr(user, "person", None)
    return person.pk if person else None


def is_performance_officer(user) -> bool:
    """Return True for the administrators of plans and rounds."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=PERFORMANCE_OFFICERS).exists()


def leads_action(user, action: DeliveryAction) -> bool:
    """Return True if the user is the action's lead officer."""
    person_id = _person_id(user)
    return person_id is not None and action.lead_officer_id == person_id


def is_data_expert_for(user, indicator: Indicator) -> bool:
    """Return True if the user enters the indicator's figures."""
    person_id = _person_id(user)
    return person_id is not None and indicator.data_expert_id == person_id


def signs_off_plan(user, plan: Plan) -> bool:
    """Return True if the user is an indicator owner of the plan (named in its header or owning its headline)."""
    person_id = _person_id(user)
    if person_id is None:
        return False
    named = PlanRole.objects.filter(plan=plan, role=PlanRole.Role.INDICATOR_OWNER, person_id=person_id).exists()
    return named or PlanIndicator.objects.filter(
        plan=plan, role=PlanIndicator.Role.HEADLINE, indicator__owners=person_id
    ).exists()

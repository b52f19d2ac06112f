"""Who may do what, checked on the object: the one place each role's reach is decided.

A person is matched to the signed-in user by the person's login (Person.user, one person a login), so a check
on an action or indicator fetched with its people joined in costs no query, and a page never loads user.person
just to compare it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from indicators.models import Indicator, PlanIndicator
from plans.models import DeliveryAction, Membership, Person, Plan, PlanRole

# The roles a login holds in a partnership (plans.models.Membership).
PERFORMANCE_OFFICERS = Membership.Role.PERFORMANCE_OFFICER
LEAD_OFFICERS = Membership.Role.LEAD_OFFICER
DATA_EXPERTS = Membership.Role.DATA_EXPERT
INDICATOR_OWNERS = Membership.Role.INDICATOR_OWNER
STRATEGIC_GROUP = Membership.Role.STRATEGIC_GROUP


def _is_user(user, person: Person | None) -> bool:
    """Return True if the person is the signed-in user."""
    return user.is_authenticated and person is not None and person.user_id == user.pk


def is_performance_officer(user) -> bool:
    """Return True for the administrators of plans and rounds (asked once per request, then remembered)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not hasattr(user, "_is_performance_officer"):
        # Memberships are scoped to the partnership the request works in: an officer of one partnership is no
        # officer of another.
        user._is_performance_officer = user.is_superuser or Membership.objects.filter(
            user=user, role=Membership.Role.PERFORMANCE_OFFICER).exists()
    return user._is_performance_officer


def is_data_expert_for(user, indicator: Indicator) -> bool:
    """Return True if the user enters the indicator's figures."""
    return indicator.data_expert_id is not None and _is_user(user, indicator.data_expert)


def reports_action(user, action: DeliveryAction) -> bool:
    """Return True if the user is the person who reports the action (DeliveryAction.who_reports): its lead
    officer with a login, or the reporter named for an action whose lead has none."""
    return _is_user(user, action.who_reports())


def may_report_progress(user, action: DeliveryAction) -> bool:
    """Return True if the user reports on the action: the person DeliveryAction.who_reports names (its lead
    officer with a login, else the reporter a performance officer named), or a performance officer while it
    names nobody.

    Actions whose lead is an organisation ("Multiple Leads", a service plan's key activities) or a person with
    no login would otherwise be unreportable, and would block their return's sign-off for ever. A named reporter
    reports only the actions named for them; a performance officer no longer reports an action once someone is.
    """
    reporter = action.who_reports()
    if reporter is None:
        return is_performance_officer(user)
    return _is_user(user, reporter)


def may_enter_value(user, indicator: Indicator) -> bool:
    """Return True if the user enters the indicator's values: its data expert, or a performance officer while
    the indicator has no data expert with a login."""
    if indicator.data_expert_id is None or indicator.data_expert.user_id is None:
        return is_performance_officer(user)
    return is_data_expert_for(user, indicator)


SIGNATORY_ROLES = [PlanRole.Role.INDICATOR_OWNER, PlanRole.Role.STRATEGIC_DIRECTOR]


def signs_off_plan(user, plan: Plan) -> bool:
    """Return True if the user signs the plan's returns off: an indicator owner named in its header or owning
    its headline indicator, or its strategic director (a service plan names no indicator owner). One query."""
    if not user.is_authenticated:
        return False
    named = PlanRole.objects.filter(plan=OuterRef("pk"), role__in=SIGNATORY_ROLES, person__user=user)
    owns_headline = PlanIndicator.objects.filter(
        plan=OuterRef("pk"), role=PlanIndicator.Role.HEADLINE, indicator__owners__user=user
    )
    return Plan.objects.filter(Exists(named) | Exists(owns_headline), pk=plan.pk).exists()

"""Who may do what, checked on the object: the one place each role's reach is decided.

A person is matched to the signed-in user by the person's login (Person.user, one person a login), so a check
on an action or indicator fetched with its people joined in costs no query, and a page never loads user.person
just to compare it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from indicators.models import EntryStatus, Indicator, PlanIndicator
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


# ---------------------------------------------------------------------------------------------------------
# Who sees draft figures
#
# Signed-off indicator figures are for everyone. Drafts (entered, submitted, not yet signed off) are for the people
# who enter and answer for the indicator: its data expert, its owners (who sign it off) and performance officers.
# Everyone else (the strategic group, a lead officer) sees signed-off figures only, in a forecast as in the API's
# values. Three forms of the one rule: per indicator, as a queryset annotation, and as a filter of values.


def sees_drafts(user, indicator: Indicator, owners: Iterable | None = None) -> bool:
    """Return True if the user sees the indicator's draft figures: its data expert, one of its owners (`owners`,
    the indicator's owners already read; asked of the database when not given), or a performance officer."""
    if not user.is_authenticated:
        return False
    if is_data_expert_for(user, indicator):
        return True
    if owners is None:
        owners = indicator.owners.all()
    if any(person.user_id == user.pk for person in owners):
        return True
    return is_performance_officer(user)


def answers_for_condition(user, path: str = "indicator") -> Q:
    """Return the condition that the user answers for the indicator a queryset reaches by `path` ('' for a queryset
    of indicators): its data expert or one of its owners."""
    owns = Indicator.owners.through.objects.filter(indicator=OuterRef(f"{path}_id" if path else "pk"), person__user=user)
    return Q(**{f"{path}__data_expert__user" if path else "data_expert__user": user}) | Q(Exists(owns))


def sees_drafts_expression(user, path: str = "indicator") -> ExpressionWrapper:
    """Return sees_drafts() as an annotation of a queryset that reaches the indicator by `path` ('' for a queryset
    of indicators), so that a page listing many indicators learns it for each within the query it runs anyway."""
    if not user.is_authenticated:
        return ExpressionWrapper(Q(pk__in=[]), output_field=BooleanField())
    if user.is_superuser:
        return ExpressionWrapper(~Q(pk__in=[]), output_field=BooleanField())
    officer = Membership.objects.filter(user=user, role=PERFORMANCE_OFFICERS)
    return ExpressionWrapper(answers_for_condition(user, path) | Q(Exists(officer)), output_field=BooleanField())


def values_visible_to(user, values: QuerySet) -> QuerySet:
    """Return the indicator values (a queryset of IndicatorValue) the user may read: the signed-off ones, and the
    drafts of the indicators whose drafts the user sees (sees_drafts); every one for a performance officer."""
    if not user.is_authenticated:
        return values.filter(status=EntryStatus.SIGNED_OFF)
    if is_performance_officer(user):
        return values
    return values.filter(Q(status=EntryStatus.SIGNED_OFF) | answers_for_condition(user, "indicator"))

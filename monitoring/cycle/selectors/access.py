"""Who the user is, and which of many actions or indicators they may act on, asked in as few queries as possible."""

from __future__ import annotations

from indicators.models import Indicator
from plans.models import DeliveryAction, Person


def allowed(check, user, objects, *, unassigned) -> dict[int, bool]:
    """Return check(user, obj) for each object by pk, asking once for all the unassigned ones.

    For an action with nobody with a login to report it (an indicator with no data expert with a login) the
    permission depends only on the user (is a performance officer?), a query each time it is asked.
    """
    answers, shared = {}, None
    for obj in objects:
        if unassigned(obj):
            shared = check(user, obj) if shared is None else shared
            answers[obj.pk] = shared
        else:
            answers[obj.pk] = check(user, obj)
    return answers


def action_unassigned(action: DeliveryAction) -> bool:
    """Return True if nobody with a login is named to report the action (a performance officer reports it).
    Costs no query when the action was fetched with DeliveryAction.objects.with_reporters()."""
    return action.who_reports() is None


def indicator_unassigned(indicator: Indicator) -> bool:
    return indicator.data_expert_id is None or indicator.data_expert.user_id is None


def person_of(user) -> Person | None:
    return getattr(user, "person", None) if user.is_authenticated else None

"""Template context shared by every page."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse

from indicators.models import Indicator, PlanIndicator
from monitoring import permissions
from plans import partnerships
from plans.models import DeliveryAction, Membership, Person, PlanRole


@dataclass(frozen=True)
class Work:
    """What the signed-in user does in the service, asked once per request: the navigation and the home page
    both read it."""

    person_id: int | None
    is_performance_officer: bool
    is_strategic_group: bool
    reports_actions: bool  # leads an action, or is named to report one whose lead has no login
    enters_values: bool
    signs_off: bool

    @property
    def has_returns(self) -> bool:
        """Return True if the user has something to report or sign off: "My returns" is theirs."""
        return self.is_performance_officer or self.reports_actions or self.enters_values or self.signs_off

    @property
    def may_import(self) -> bool:
        """Return True if the user may import a spreadsheet: a performance officer, or a data expert."""
        return self.is_performance_officer or self.enters_values


# The navigation of every page reads what the user does from their session, so that it costs no query: pages
# already at their query budget (a return's page) stay there. A change of role shows within this many seconds,
# and at once on the home page, which always asks afresh.
WORK_SESSION_KEY = "monitoring_work"
WORK_KEPT_FOR = 5 * 60


def work_of(user, session=None, *, fresh: bool = False) -> Work:
    """Return what the user does: from the session if it was asked lately (and fresh is False), else in one
    query, kept in the session and on the user for the rest of the request."""
    if not fresh and hasattr(user, "_work"):
        return user._work
    kept = session.get(WORK_SESSION_KEY) if session is not None else None
    now = int(time.time())
    scope = _scope_key()
    current = (isinstance(kept, dict) and kept.get("user") == user.pk and isinstance(kept.get("at"), int)
               and kept.get("scope") == scope
               and 0 <= now - kept["at"] < WORK_KEPT_FOR and isinstance(kept.get("work"), dict))
    if current and not fresh:
        try:
            user._work = Work(**kept["work"])
            return user._work
        except TypeError:
            pass  # written by an older version: ask afresh
    user._work = _ask(user)
    if session is not None and not (current and kept["work"] == asdict(user._work)):
        session[WORK_SESSION_KEY] = {"user": user.pk, "at": now, "scope": scope, "work": asdict(user._work)}
    return user._work


def _scope_key() -> list[int] | str:
    """Return the partnership scope as the session keeps it: what a user does depends on where they work."""
    ids = partnerships.visible_ids()
    return "every" if ids is None else sorted(ids)


def _ask(user) -> Work:
    """Return what the user does, in one query."""
    # Memberships of the partnership this request works in (plans.partnerships scopes the subquery).
    in_group = Membership.objects.filter(user=OuterRef("pk"))
    # The rule of permissions.signs_off_plan, asked of any plan.
    named = PlanRole.objects.filter(role__in=permissions.SIGNATORY_ROLES, person__user=OuterRef("pk"))
    owns_headline = PlanIndicator.objects.filter(role=PlanIndicator.Role.HEADLINE,
                                                 indicator__owners__user=OuterRef("pk"))
    row = get_user_model().objects.filter(pk=user.pk).annotate(
        person_pk=Subquery(Person.objects.filter(user=OuterRef("pk")).values("pk")[:1]),
        in_performance_group=Exists(in_group.filter(role=Membership.Role.PERFORMANCE_OFFICER)),
        in_strategic_group=Exists(in_group.filter(role=Membership.Role.STRATEGIC_GROUP)),
        reports=Exists(DeliveryAction.objects.reported_by(OuterRef("pk"))),
        enters=Exists(Indicator.objects.filter(data_expert__user=OuterRef("pk"))),
        signs=Exists(named) | Exists(owns_headline),
    ).values("person_pk", "in_performance_group", "in_strategic_group", "reports", "enters", "signs").first()
    if row is None:  # a user not saved (an error page's): no part in anything
        return Work(None, False, False, False, False, False)
    return Work(
        person_id=row["person_pk"],
        is_performance_officer=user.is_active and (user.is_superuser or row["in_performance_group"]),
        is_strategic_group=row["in_strategic_group"],
        reports_actions=row["reports"],
        enters_values=row["enters"],
        signs_off=row["signs"],
    )


def navigation(request):
    """Return the navigation links the signed-in user may follow, in the order they appear.

    "My returns" is for those with something to report or sign off, "Spreadsheets" (the import page) for those
    who may import; a reader downloads a table from the page that shows it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    work = work_of(user, getattr(request, "session", None))
    links = [("Home", reverse("home")), ("Plans", reverse("plan_list"))]
    if work.has_returns:
        links.append(("My returns", reverse("my_returns")))
    links += [("Reporting rounds", reverse("rounds")), ("Dashboards", reverse("dashboard_overview"))]
    if work.may_import:
        links.append(("Spreadsheets", reverse("imports")))
    if user.is_staff:
        links.append(("Administration", reverse("admin:index")))
    path = request.path
    return {
        "navigation": [
            {"label": label, "url": url, "active": path == url or (url != "/" and path.startswith(url))}
            for label, url in links
        ],
        "partnership": _partnership_shown(getattr(request, "partnership_choice", None)),
    }


def _partnership_shown(choice) -> dict | None:
    """Return the partnership the header names, and whether the user may change it."""
    if choice is None or not (choice.available or choice.everything):
        return None
    name = choice.chosen_name or ("Every partnership" if choice.everything else "")
    return {"name": name, "may_switch": choice.may_switch}

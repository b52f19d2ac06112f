"""Every role x every page of the reporting cycle x GET and POST, each cell a named test with its exact status;
then every role x every write of the API (and the progress read), the signed-off lock included.

Allowed: 200 for a page, 302 for a POST that did its work. Another role: 403 with the GOV.UK 403 page, and
nothing changed. Signed out: a redirect to the sign-in page. A POST to a page that only reads: 405.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import resolve, reverse

from indicators.models import IndicatorValue
from monitoring import services
from monitoring.api import urls as api_urls
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
from plans.models import DeliveryAction, Person
from tests.api.conftest import TokenClient, key_for
from tests.cycle_builders import Cycle, make_cycle, sign_off, submit_everything, submit_progress

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "performance_officer", "officer", "other_officer", "expert", "owner", "viewer"]
SIGNED_IN = ROLES[1:]
NOBODY: list[str] = []


@dataclass(frozen=True)
class Page:
    url: Callable[[Cycle], str]
    get: list[str]  # the roles that may GET it
    post: list[str] | None  # the roles that may POST to it; None: it only reads (405)
    state: str = "open"  # open, submitted (everything in), signed_off
    data: Callable[[Cycle], dict] = lambda c: {}
    arrange: Callable[[Cycle], None] = lambda c: None  # what the page needs besides the state


def _lead_with_no_login(c: Cycle, *, reporter: str | None) -> None:
    """Give action 3 (the officer's) a lead with no login, CCC's, and name the role's person to report it."""
    ccc = Person.objects.create(name="Kim Lee", partnership=c.plan.partnership)
    DeliveryAction.objects.filter(pk=c.actions[2].pk).update(
        lead_officer=ccc, lead_text="CCC", reporter=c[reporter].person if reporter else None)


def _progress_data(c: Cycle) -> dict:
    return {"narrative": "Forty into work", "rag": "green", "version": 0, "move": "draft"}


def _value_data(c: Cycle) -> dict:
    prefix = f"indicator-{c.ni152.pk}"
    return {f"{prefix}-value": "14.2", f"{prefix}-commentary": "", f"{prefix}-version": 0,
            "move": "submit"}


PAGES = {
    "rounds": Page(
        lambda c: reverse("rounds"), SIGNED_IN, ["performance_officer"],
        data=lambda c: {"period": "2008/09-Q2", "due_date_day": "31", "due_date_month": "10", "due_date_year": "2008"},
    ),
    "round_detail": Page(lambda c: reverse("round_detail", args=[c.round.pk]), SIGNED_IN, None),
    "round_close": Page(
        lambda c: reverse("round_close", args=[c.round.pk]), ["performance_officer"], ["performance_officer"]
    ),
    "my_returns": Page(lambda c: reverse("my_returns"), SIGNED_IN, None),
    "progress_edit": Page(
        lambda c: reverse("progress_edit", args=[c.report.pk, c.action.pk]), ["officer"], ["officer"],
        data=lambda c: {"narrative": "Forty into work", "rag": "green", "outputs_achieved": "40", "version": 0,
                        "move": "draft"},
    ),
    # An action whose lead has no login: the person named to report it, else a performance officer (and the lead
    # officer who led it before, the officer, no longer).
    "progress_edit_named_reporter": Page(
        lambda c: reverse("progress_edit", args=[c.report.pk, c.actions[2].pk]), ["other_officer"], ["other_officer"],
        data=_progress_data, arrange=lambda c: _lead_with_no_login(c, reporter="other_officer"),
    ),
    "progress_edit_no_reporter": Page(
        lambda c: reverse("progress_edit", args=[c.report.pk, c.actions[2].pk]), ["performance_officer"],
        ["performance_officer"], data=_progress_data, arrange=lambda c: _lead_with_no_login(c, reporter=None),
    ),
    "values_edit": Page(lambda c: reverse("values_edit", args=[c.report.pk]), ["expert"], ["expert"], data=_value_data),
    "return_detail": Page(lambda c: reverse("return_detail", args=[c.report.pk]), SIGNED_IN, None),
    "return_sign_off": Page(
        lambda c: reverse("return_sign_off", args=[c.report.pk]), ["owner"], ["owner"], state="submitted"
    ),
    "return_send_back": Page(
        lambda c: reverse("return_send_back", args=[c.report.pk]), ["owner"], ["owner"], state="submitted",
        data=lambda c: {"items": [f"progress-{c.report.progress_reports.get(action=c.action).pk}"],
                        "comment": "Count the lone parents"},
    ),
    "return_reopen": Page(
        lambda c: reverse("return_reopen", args=[c.report.pk]), ["performance_officer"], ["performance_officer"],
        state="signed_off", data=lambda c: {"reason": "Figures revised by DWP"},
    ),
    "return_history": Page(lambda c: reverse("return_history", args=[c.report.pk]), SIGNED_IN, None),
}


def expected_status(page: Page, method: str, role: str) -> int:
    if role == "anonymous":
        return 302
    if method == "GET":
        return 200 if role in page.get else 403
    if page.post is None:
        return 405
    return 302 if role in page.post else 403


CELLS = [
    pytest.param(name, method, role, expected_status(page, method, role), id=f"{name}-{method}-{role}")
    for name, page in PAGES.items()
    for method in ("GET", "POST")
    for role in ROLES
]


def fingerprint() -> tuple:
    """Return what any write of the cycle would change."""
    return (
        ReportingRound.objects.count(),
        sorted(ReportingRound.objects.values_list("status", flat=True)),
        sorted(Return.objects.values_list("status", flat=True)),
        WorkflowEvent.objects.count(),
        sorted(ProgressReport.objects.values_list("status", "version")),
        sorted(IndicatorValue.objects.values_list("status", "version")),
    )


def build(state: str) -> Cycle:
    cycle = make_cycle()
    if state in ("submitted", "signed_off"):
        submit_everything(cycle)
    if state == "signed_off":
        sign_off(cycle)
    return cycle


@pytest.mark.parametrize(("name", "method", "role", "status"), CELLS)
def test_cell(client, name, method, role, status):
    page = PAGES[name]
    cycle = build(page.state)
    page.arrange(cycle)
    if role != "anonymous":
        client.force_login(cycle[role])
    url = page.url(cycle)
    before = fingerprint()

    response = client.get(url) if method == "GET" else client.post(url, page.data(cycle))

    assert response.status_code == status
    if role == "anonymous":
        assert response.url.startswith(reverse("login") + "?next=")
    if status == 403:
        assert "You do not have permission to see this page" in response.content.decode()
    if status in (403, 405) or role == "anonymous" or method == "GET":
        assert fingerprint() == before, "a refused request changed something"
    elif method == "POST":
        assert fingerprint() != before, "an allowed POST did nothing"


# ---------------------------------------------------------------------------------------------------------
# The API (monitoring.api): every role x every write route, through a token, each cell with its exact status.
#
# Signed out: 401. Allowed: 200 or 201. Another role: 403 in the service's words (a batch of values whose every
# value is refused for that one reason answers as one value would). On a signed-off return the allowed role hears
# 409, and nothing changes for anyone.

API_ROLES = ROLES


@dataclass(frozen=True)
class ApiRoute:
    method: str
    url: Callable[[Cycle], str]
    allowed: list[str]
    success: int  # what the allowed roles hear
    refusal: str  # the service's words to every other role signed in
    state: str = "open"
    body: Callable[[Cycle], object] = lambda c: {}
    headers: Callable[[Cycle], dict] = lambda c: {}
    arrange: Callable[[Cycle], None] = lambda c: None
    refused: int = 403  # what every other role signed in hears


def _api(c: Cycle, tail: str) -> str:
    return f"/api/v1/returns/{c.report.pk}/{tail}"


def _progress_pk(c: Cycle) -> int:
    return c.report.progress_reports.get(action=c.action).pk


ANY_VERSION = {"If-Match": "*"}  # the version as it is: what stops these is the role or the lock, not staleness
API_PROGRESS = {"narrative": "Forty into work", "rag": "green", "outputs_achieved": "40", "submit": False}
API_ROUTES = {
    "api_value_put": ApiRoute(
        "put", lambda c: _api(c, f"values/{c.ni152.pk}/"), ["expert"], 201, services.NOT_YOUR_INDICATOR,
        body=lambda c: {"value": "14.2"},
    ),
    "api_values_batch": ApiRoute(
        "post", lambda c: _api(c, "values/"), ["expert"], 200, services.NOT_YOUR_INDICATOR,
        body=lambda c: {"values": [{"indicator": c.ni152.pk, "value": "14.2"}]},
    ),
    "api_progress_read": ApiRoute(
        "get", lambda c: _api(c, f"progress/{c.action.pk}/"), SIGNED_IN, 200, "",
        arrange=lambda c: submit_progress(c, c.action),
    ),
    "api_progress_put": ApiRoute(
        "put", lambda c: _api(c, f"progress/{c.action.pk}/"), ["officer"], 201, services.NOT_YOURS,
        body=lambda c: API_PROGRESS,
    ),
    "api_progress_put_named_reporter": ApiRoute(
        "put", lambda c: _api(c, f"progress/{c.actions[2].pk}/"), ["other_officer"], 201, services.NOT_YOURS,
        body=lambda c: {**API_PROGRESS, "outputs_achieved": None},
        arrange=lambda c: _lead_with_no_login(c, reporter="other_officer"),
    ),
    "api_progress_put_no_reporter": ApiRoute(
        "put", lambda c: _api(c, f"progress/{c.actions[2].pk}/"), ["performance_officer"], 201, services.NOT_YOURS,
        body=lambda c: {**API_PROGRESS, "outputs_achieved": None},
        arrange=lambda c: _lead_with_no_login(c, reporter=None),
    ),
    "api_sign_off": ApiRoute(
        "post", lambda c: _api(c, "sign-off/"), ["owner"], 200, services.NOT_YOUR_PLAN, state="submitted",
    ),
    "api_send_back": ApiRoute(
        "post", lambda c: _api(c, "send-back/"), ["owner"], 200, services.NOT_YOUR_PLAN, state="submitted",
        body=lambda c: {"items": [{"progress": _progress_pk(c), "comment": "Count the lone parents"}]},
    ),
    "api_reopen": ApiRoute(
        "post", lambda c: _api(c, "reopen/"), ["performance_officer"], 200, services.NOT_PERFORMANCE_OFFICER,
        state="signed_off", body=lambda c: {"reason": "Figures revised by DWP"},
    ),
    # The lock: the same writes on a signed-off return.
    "api_value_put_signed_off": ApiRoute(
        "put", lambda c: _api(c, f"values/{c.ni152.pk}/"), ["expert"], 409, services.NOT_YOUR_INDICATOR,
        state="signed_off", body=lambda c: {"value": "14.2"}, headers=lambda c: ANY_VERSION,
    ),
    "api_values_batch_signed_off": ApiRoute(
        "post", lambda c: _api(c, "values/"), ["expert"], 409, services.NOT_YOUR_INDICATOR,
        state="signed_off", body=lambda c: {"values": [{"indicator": c.ni152.pk, "value": "14.2", "version": 2}]},
    ),
    "api_progress_put_signed_off": ApiRoute(
        "put", lambda c: _api(c, f"progress/{c.action.pk}/"), ["officer"], 409, services.NOT_YOURS,
        state="signed_off", body=lambda c: API_PROGRESS, headers=lambda c: ANY_VERSION,
    ),
    "api_sign_off_signed_off": ApiRoute(
        "post", lambda c: _api(c, "sign-off/"), ["owner"], 409, services.NOT_YOUR_PLAN, state="signed_off",
    ),
    "api_send_back_signed_off": ApiRoute(
        "post", lambda c: _api(c, "send-back/"), ["owner"], 409, services.NOT_YOUR_PLAN, state="signed_off",
        body=lambda c: {"items": [{"progress": _progress_pk(c), "comment": "Count the lone parents"}]},
    ),
    "api_reopen_open_return": ApiRoute(
        "post", lambda c: _api(c, "reopen/"), ["performance_officer"], 409, services.NOT_PERFORMANCE_OFFICER,
        state="submitted", body=lambda c: {"reason": "Figures revised by DWP"},
    ),
}
# What the allowed role hears on a signed-off (or, to reopen, an open) return.
API_CONFLICTS = {
    "api_value_put_signed_off": services.LOCKED,
    "api_values_batch_signed_off": services.LOCKED,
    "api_progress_put_signed_off": services.LOCKED,
    "api_sign_off_signed_off": services.LOCKED,
    "api_send_back_signed_off": services.LOCKED,
    "api_reopen_open_return": "You cannot reopen this return: it is open.",
}


def api_expected_status(route: ApiRoute, role: str) -> int:
    if role == "anonymous":
        return 401
    return route.success if role in route.allowed else route.refused


API_CELLS = [
    pytest.param(name, role, api_expected_status(route, role), id=f"{name}-{role}")
    for name, route in API_ROUTES.items()
    for role in API_ROLES
]


def _flat(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _flat(pattern.url_patterns)
        else:
            yield pattern


def _methods(pattern) -> set[str]:
    """Return the HTTP methods a DRF view of the URLconf answers (a viewset's from its actions)."""
    view = pattern.callback
    if hasattr(view, "actions"):
        return set(view.actions)
    cls = getattr(view, "cls", None)
    return {method for method in ("get", "put", "post", "patch", "delete") if cls and hasattr(cls, method)}


def test_every_api_write_route_is_in_the_matrix():
    """A new write of the API must join API_ROUTES, so that no write escapes the matrix: every address of the API
    whose view takes PUT, POST, PATCH or DELETE, with each such method."""
    cycle = make_cycle()
    writes = {(pattern.name, method) for pattern in _flat(api_urls.urlpatterns) for method in _methods(pattern)
              if method in ("put", "post", "patch", "delete")}
    in_matrix = {(resolve(route.url(cycle)).url_name, route.method) for route in API_ROUTES.values()}
    assert writes - in_matrix == set()
    assert len(writes) == 6


@pytest.mark.parametrize(("name", "role", "status"), API_CELLS)
def test_api_cell(name, role, status):
    route = API_ROUTES[name]
    cycle = build(route.state)
    route.arrange(cycle)
    client = Client() if role == "anonymous" else TokenClient(key_for(cycle[role]))
    before = fingerprint()

    if route.method == "get":
        response = client.get(route.url(cycle))
    else:
        response = getattr(client, route.method)(route.url(cycle), route.body(cycle), content_type="application/json",
                                                 headers=route.headers(cycle))

    assert response.status_code == status, response.content
    if status >= 400:
        assert response["Content-Type"] == "application/problem+json"
    if role == "anonymous":
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    elif role not in route.allowed:
        detail = response.json()["detail"]
        assert detail == (route.refusal if route.refused == 403 else "Nothing was saved. " + route.refusal)
    elif name in API_CONFLICTS:
        assert response.json()["detail"] == API_CONFLICTS[name]
    if status >= 400 or route.method == "get":
        assert fingerprint() == before, "a refused request changed something"
    else:
        assert fingerprint() != before, "an allowed write did nothing"

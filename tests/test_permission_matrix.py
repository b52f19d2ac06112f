"""Every role x every page of the reporting cycle x GET and POST, each cell a named test with its exact status.

Allowed: 200 for a page, 302 for a POST that did its work. Another role: 403 with the GOV.UK 403 page, and
nothing changed. Signed out: a redirect to the sign-in page. A POST to a page that only reads: 405.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from indicators.models import IndicatorValue
from monitoring.models import ProgressReport, ReportingRound, Return, WorkflowEvent
from plans.models import DeliveryAction, Person
from tests.cycle_builders import Cycle, make_cycle, sign_off, submit_everything

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

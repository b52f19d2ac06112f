"""The Content-Security-Policy breaks nothing: no violation on the main pages in a real browser.

Chromium reports each blocked script, style sheet, inline style attribute or image both as a console error and
as a `securitypolicyviolation` event; the test listens for both on every page, signed in as each kind of user.
"""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from monitoring.models import ReportingRound, Return
from plans.models import Plan

pytestmark = pytest.mark.browser

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__csp.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, recording CSP violations from the console and from the DOM event."""
    page.csp_console = []
    page.on("console", lambda message: page.csp_console.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(LISTEN)
    return page


def violations(page) -> list[str]:
    return page.csp_console + page.evaluate("window.__csp || []")


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def pages_for(role: str) -> list[str]:
    report = Return.objects.select_related("plan").order_by("pk").first()
    plans = list(Plan.objects.order_by("reference"))
    pages = {
        "admin": [
            "/", "/plans/", *(plan.get_absolute_url() for plan in plans), "/rounds/",
            ReportingRound.objects.order_by("pk").first().get_absolute_url(), report.get_absolute_url(),
            reverse("return_history", args=[report.pk]), reverse("return_sign_off", args=[report.pk]),
            url_or_none("dashboard_overview"), url_or_none("dashboard_not_reported"),
            *(url_or_none("plan_dashboard", plan.pk) for plan in plans[:2]),
            url_or_none("committee_pack"),
            "/admin/", "/admin/plans/plan/", f"/admin/plans/plan/{plans[0].pk}/change/",
            "/admin/indicators/indicatorvalue/", "/accessibility/",
        ],
        "officer": ["/my-returns/"],
        "expert": ["/my-returns/"],
    }[role]
    return [page for page in pages if page]


def test_the_sign_in_and_lockout_pages_break_no_rule(watched, site):
    watched.goto(f"{site}/accounts/login/")
    for _ in range(5):
        watched.get_by_label("Username").fill("viewer")
        watched.get_by_label("Password").fill("not the password")
        watched.get_by_role("button", name="Sign in").click()

    assert watched.title() == "You have tried to sign in too many times – Partnership Monitor"
    assert violations(watched) == []


@pytest.mark.parametrize("role", ["admin", "officer", "expert"])
def test_the_main_pages_break_no_rule(watched, site, sign_in, role):
    sign_in(role)
    found = {}
    for path in pages_for(role):
        watched.goto(f"{site}{path}")
        if problems := violations(watched):
            found[path] = problems
        watched.csp_console.clear()

    assert found == {}


def test_the_entry_forms_break_no_rule(watched, site, sign_in):
    sign_in("officer")
    watched.goto(f"{site}/my-returns/")
    links = watched.locator("a[href*='/actions/']")
    if links.count():
        watched.goto(f"{site}{links.first.get_attribute('href')}")
        assert watched.locator("textarea").count() >= 1
    assert violations(watched) == []


def test_the_listener_hears_a_blocked_inline_style(watched, site):
    # Proves the two tests above would see a violation: an inline style attribute is blocked and reported.
    watched.goto(f"{site}/accounts/login/")
    watched.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    watched.wait_for_timeout(200)

    assert any("style-src" in problem for problem in violations(watched))

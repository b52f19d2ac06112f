"""An item whose lead has no login, reported in a real browser: the performance officer finds it on their home page
("Items whose lead has no login"), reports it through the progress form, and it leaves the list. Uses the shared
fixtures of tests/browser/conftest.py (Debian's Chromium through Playwright, the built front end)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from indicators.models import EntryStatus
from monitoring.models import ProgressReport
from plans.models import DeliveryAction
from tests.cycle_builders import PASSWORD, make_cycle

pytestmark = pytest.mark.browser


@pytest.fixture
def cycle_site(transactional_db, live_server):
    """Return the live server's address and NI 152 with two actions in an open round; the second is led by
    "Multiple Leads", with nobody with a login named to report it."""
    cycle = make_cycle(actions=2, indicators=1)
    DeliveryAction.objects.filter(pk=cycle.actions[1].pk).update(lead_officer=None, lead_text="Multiple Leads")
    return live_server.url, cycle


def test_the_performance_officer_reports_an_item_whose_lead_has_no_login_from_their_home(page, cycle_site):
    site, cycle = cycle_site
    multiple = cycle.actions[1]

    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Username").fill("performance_officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/")

    section = page.locator("section", has=page.get_by_role("heading", name="Open rounds"))
    assert section.get_by_role("heading", name="Items whose lead has no login").is_visible()
    item = section.locator(".govuk-task-list__item", has_text="Action 2")
    assert "Led by Multiple Leads, with no login" in item.inner_text()
    assert item.locator(".govuk-tag").inner_text() == "A performance officer reports it"
    violations = Axe().run(page)
    assert violations.violations_count == 0, violations.generate_report()

    item.get_by_role("link", name="Action 2").click()
    page.wait_for_url(f"{site}/returns/{cycle.report.pk}/actions/{multiple.pk}/")
    page.get_by_label("Progress in this period").fill("Twelve partners agreed the Multiple Leads work plan.")
    page.get_by_label("Amber").check()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{site}/my-returns/")
    assert page.get_by_text("has been submitted").is_visible()

    entry = ProgressReport.objects.get(report=cycle.report, action=multiple)
    assert (entry.status, entry.updated_by) == (EntryStatus.SUBMITTED, cycle["performance_officer"])
    page.goto(f"{site}/")
    assert page.get_by_text("Every item still to report has a lead with a login to report it.").is_visible()
    assert page.errors == []

"""A page left with unsaved changes warns; saving it, or leaving it unchanged, does not (static/js/warn-unsaved.js)."""

from __future__ import annotations

import pytest

from tests.browser.test_return_workflow import sign_in_as
from tests.cycle_builders import make_cycle

pytestmark = pytest.mark.browser

# Leaving the page fires beforeunload; the browser asks "Leave site?" only if a handler cancelled the event.
WOULD_WARN = """() => {
  const event = new Event("beforeunload", {cancelable: true});
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""


@pytest.fixture
def cycle_site(transactional_db, live_server):
    return live_server.url, make_cycle(actions=1, indicators=1)


def test_the_progress_form_warns_only_once_something_was_typed(page, cycle_site):
    site, cycle = cycle_site
    sign_in_as(page, site, "officer")
    page.goto(f"{site}/returns/{cycle.report.pk}/actions/{cycle.action.pk}/")
    assert page.evaluate(WOULD_WARN) is False

    page.get_by_label("Progress in this period").fill("Forty people into work.")
    assert page.evaluate(WOULD_WARN) is True

    page.get_by_label("Progress in this period").fill("")
    assert page.evaluate(WOULD_WARN) is False, "back as it was: nothing to lose"

    page.get_by_label("Green").check()
    page.get_by_label("Outputs achieved in this period").fill("40")
    page.get_by_label("Progress in this period").fill("Forty people into work.")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(f"{site}/my-returns/")  # no "Leave site?" on saving
    assert page.errors == []

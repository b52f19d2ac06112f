"""The progress form reveals the "why are the outputs not available" box only when the officer ticks "not available
this period" (GOV.UK Frontend's conditional reveal); without JavaScript the box is simply shown."""

from __future__ import annotations

import pytest

from monitoring.models import ProgressReport
from tests.browser.test_return_workflow import sign_in_as
from tests.cycle_builders import make_cycle

pytestmark = pytest.mark.browser

REASON_LABEL = "Why are the outputs not available this period?"


@pytest.fixture
def cycle_site(transactional_db, live_server):
    return live_server.url, make_cycle(actions=1, indicators=1)  # the action has a 2008/09 output target of 320


def test_the_reason_box_appears_when_not_available_is_chosen(page, cycle_site):
    site, cycle = cycle_site
    sign_in_as(page, site, "officer")
    page.goto(f"{site}/returns/{cycle.report.pk}/actions/{cycle.action.pk}/")
    reason = page.get_by_label(REASON_LABEL)
    ticked = page.get_by_label("The outputs are not available this period")

    assert reason.is_hidden()
    assert ticked.get_attribute("aria-expanded") == "false"

    ticked.check()
    assert reason.is_visible()
    assert ticked.get_attribute("aria-expanded") == "true"

    page.get_by_label("Progress in this period").fill("Forty people into work.")
    page.get_by_label("Green").check()
    reason.fill("The DWP data is late")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(f"{site}/my-returns/")
    progress = ProgressReport.objects.get(report=cycle.report, action=cycle.action)
    assert progress.outputs_achieved is None and progress.outputs_not_available_reason == "The DWP data is late"
    assert page.errors == []


def test_an_error_keeps_the_box_open_with_what_was_typed(page, cycle_site):
    site, cycle = cycle_site
    sign_in_as(page, site, "officer")
    page.goto(f"{site}/returns/{cycle.report.pk}/actions/{cycle.action.pk}/")

    page.get_by_label("The outputs are not available this period").check()
    page.get_by_label(REASON_LABEL).fill("The DWP data is late")
    page.get_by_role("button", name="Submit", exact=True).click()  # no progress typed: an error

    page.get_by_text("There is a problem").wait_for()
    assert page.get_by_label(REASON_LABEL).is_visible()
    assert page.get_by_label(REASON_LABEL).input_value() == "The DWP data is late"
    assert page.get_by_label("The outputs are not available this period").is_checked()

    page.get_by_label("The outputs are not available this period").uncheck()
    assert page.get_by_label(REASON_LABEL).is_hidden()


def test_without_javascript_the_box_is_simply_shown(browser, built_static, cycle_site):
    site, cycle = cycle_site
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        sign_in_as(page, site, "officer")
        page.goto(f"{site}/returns/{cycle.report.pk}/actions/{cycle.action.pk}/")
        assert page.get_by_label(REASON_LABEL).is_visible()
    finally:
        context.close()

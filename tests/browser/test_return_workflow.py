"""A return walked through a real browser: the officer submits progress, the expert enters a value, the owner
signs off; the return then says so, and the progress form is refused. Uses the shared fixtures of
tests/browser/conftest.py (Debian's Chromium through Playwright, the built front end)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from indicators.models import EntryStatus, IndicatorValue
from monitoring import services
from monitoring.models import ProgressReport, Return
from tests.cycle_builders import PASSWORD, make_cycle, submit_everything

pytestmark = pytest.mark.browser


def assert_no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.fixture
def cycle_site(transactional_db, live_server):
    """Return the live server's address and a plan with one action and one indicator in an open round."""
    return live_server.url, make_cycle(actions=1, indicators=1)


def sign_in_as(page, site: str, username: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


def test_officer_expert_and_owner_take_a_return_to_sign_off_and_it_locks(page, cycle_site):
    site, cycle = cycle_site
    progress_url = f"{site}/returns/{cycle.report.pk}/actions/{cycle.action.pk}/"

    # The lead officer finds the action on their page and submits progress.
    sign_in_as(page, site, "officer")
    page.goto(f"{site}/my-returns/")
    page.get_by_role("link", name="Action 1").click()
    page.wait_for_url(progress_url)
    assert page.get_by_text("Target for 2008/09").is_visible()
    assert_no_violations(page)
    page.get_by_label("Progress in this period").fill("Eighty people into work through Pathways.")
    page.get_by_label("Green").check()
    page.get_by_label("Outputs achieved in this period").fill("80")  # on profile: a quarter of 320
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{site}/my-returns/")
    assert page.get_by_text("has been submitted").is_visible()
    sign_out(page)

    # The data expert types a word first, is told what to do beside the field, then enters the value.
    sign_in_as(page, site, "expert")
    page.goto(f"{site}/my-returns/")
    page.get_by_role("link", name="NI 152 2008/09 Q1").click()
    value = page.get_by_label("Value of NI 152 for 2008/09 Q1")
    value.fill("fourteen")
    page.get_by_role("button", name="Submit all values").click()
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-message").first.inner_text().endswith("Enter a number, like 14.2.")
    assert_no_violations(page)
    page.get_by_label("Value of NI 152 for 2008/09 Q1").fill("14.2")
    page.get_by_role("button", name="Submit all values").click()
    assert page.get_by_text("1 value submitted.").is_visible()
    sign_out(page)

    # The indicator owner reads the whole return and signs it off.
    sign_in_as(page, site, "owner")
    page.goto(f"{site}/my-returns/")
    page.get_by_role("link", name="NI 152 2008/09 Q1").click()
    page.wait_for_url(f"{site}{cycle.report.get_absolute_url()}")  # is_visible() does not wait for the page
    assert page.get_by_text("Provisional").first.is_visible()
    assert_no_violations(page)
    page.get_by_role("button", name="Sign off this return").click()
    assert page.get_by_text("has been signed off and is now locked").is_visible()
    assert "Signed off" in page.locator("#return-status").inner_text()
    assert Return.objects.get(pk=cycle.report.pk).is_signed_off
    sign_out(page)

    # The return is locked: the officer's progress form is refused.
    sign_in_as(page, site, "officer")
    page.goto(f"{site}{cycle.report.get_absolute_url()}")
    assert "Signed off" in page.locator("#return-status").inner_text()
    page.goto(progress_url)
    assert page.get_by_text(services.LOCKED).is_visible()
    assert page.get_by_label("Progress in this period").count() == 0
    assert page.errors == []


def test_the_progress_form_counts_characters_and_says_how_many_too_many(page, cycle_site):
    site, cycle = cycle_site
    sign_in_as(page, site, "officer")
    page.goto(f"{site}/returns/{cycle.report.pk}/actions/{cycle.action.pk}/")
    narrative = page.get_by_label("Progress in this period")

    narrative.fill("Forty people into work.")
    assert page.get_by_text("You have 9,977 characters remaining").first.is_visible()
    narrative.fill("x" * 10_001)
    assert page.get_by_text("You have 1 character too many").first.is_visible()
    assert_no_violations(page)
    assert page.errors == []


@pytest.fixture
def submitted_site(transactional_db, live_server):
    """Return the live server's address and a plan with three actions and two values, all submitted."""
    return live_server.url, submit_everything(make_cycle(actions=3, indicators=2))


def test_the_owner_sends_back_one_item_and_only_that_item_shows_the_comment(page, submitted_site):
    site, cycle = submitted_site

    # The owner opens the send-back page from the return; nothing ticked is refused in words.
    sign_in_as(page, site, "owner")
    page.goto(f"{site}{cycle.report.get_absolute_url()}")
    page.get_by_role("link", name="Choose the items that need work and send them back").click()
    assert_no_violations(page)
    page.get_by_role("button", name="Send back").click()
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-summary").get_by_text(services.ITEMS_REQUIRED).is_visible()
    assert_no_violations(page)

    # Ticking an item reveals its own comment box, with the GOV.UK character count.
    comment = page.get_by_label("What needs to change in 1 Action 1?")
    assert not comment.is_visible()
    page.get_by_label("1 Action 1", exact=True).check()
    assert comment.is_visible()
    comment.fill("Count the lone parents.")
    assert page.get_by_text("You have 9,977 characters remaining").first.is_visible()
    page.get_by_role("button", name="Send back").click()
    assert page.get_by_text("Sent back 1 item.").is_visible()
    statuses = dict(ProgressReport.objects.filter(report=cycle.report).values_list("action__position", "status"))
    assert statuses == {1: EntryStatus.RETURNED, 2: EntryStatus.SUBMITTED, 3: EntryStatus.SUBMITTED}
    sign_out(page)

    # The officer sees the comment beside that action only.
    sign_in_as(page, site, "officer")
    page.goto(f"{site}/my-returns/")
    row = page.get_by_role("row").filter(has_text="Count the lone parents.")
    assert row.count() == 1 and "Action 1" in row.inner_text()
    assert_no_violations(page)
    assert page.errors == []


@pytest.fixture
def values_site(transactional_db, live_server):
    """Return the live server's address and a plan with three indicators in an open round."""
    return live_server.url, make_cycle(actions=1, indicators=3)


def test_the_expert_saves_all_values_in_one_form_and_an_error_keeps_every_typed_value(page, values_site):
    site, cycle = values_site
    local_1, local_2 = cycle.indicators[1:]
    sign_in_as(page, site, "expert")
    page.goto(f"{site}/returns/{cycle.report.pk}/values/")
    page.get_by_label("Value of NI 152 for 2008/09 Q1").fill("14.2")
    page.get_by_label("Value of LOCAL 1 for 2008/09 Q1").fill("a hundred")
    page.get_by_label("Value of LOCAL 2 for 2008/09 Q1").fill("75")
    page.locator(f"#id_indicator-{local_2.pk}-commentary").fill("Counted at the new centre")

    # One value is wrong: nothing is saved, the summary links to it, and every typed value is still there.
    page.get_by_role("button", name="Save as draft all values").click()
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role("link").count() == 1
    assert page.get_by_label("Value of NI 152 for 2008/09 Q1").input_value() == "14.2"
    assert page.get_by_label("Value of LOCAL 2 for 2008/09 Q1").input_value() == "75"
    assert page.locator(f"#id_indicator-{local_2.pk}-commentary").input_value() == "Counted at the new centre"
    assert not IndicatorValue.objects.filter(period=cycle.round.period).exists()
    assert_no_violations(page)

    # Put right, one Submit submits all three.
    page.get_by_label("Value of LOCAL 1 for 2008/09 Q1").fill("100")
    page.get_by_role("button", name="Submit all values").click()
    assert page.get_by_text("3 values submitted.").is_visible()
    statuses = set(IndicatorValue.objects.filter(period=cycle.round.period).values_list("status", flat=True))
    assert statuses == {EntryStatus.SUBMITTED}
    assert page.errors == []

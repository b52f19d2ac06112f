"""Every kind of page passes axe-core's checks in a real browser, and works with a keyboard."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from plans.models import Plan

pytestmark = pytest.mark.browser


def assert_no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def test_the_sign_in_page_has_no_accessibility_violations(page, site):
    page.goto(f"{site}/accounts/login/")

    assert_no_violations(page)


def test_a_failed_sign_in_has_no_accessibility_violations_and_focuses_the_summary(page, site):
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    assert page.title() == "Error: Sign in – Partnership Monitor"
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert_no_violations(page)


SIGNED_IN_PAGES = ["/", "/plans/", "/plans/?kind=service", "/plans/?kind=service&year=2008", "/accessibility/"]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_a_signed_in_page_has_no_accessibility_violations(page, site, sign_in, path):
    sign_in()
    page.goto(f"{site}{path}")

    assert_no_violations(page)


@pytest.mark.parametrize(("reference", "reader"), [("NI 152", "viewer"), ("CS 2012/13", "bath_viewer")])
def test_a_plan_page_has_no_accessibility_violations(page, site, sign_in, reference, reader):
    sign_in(reader)
    response = page.goto(f"{site}{Plan.objects.get(reference=reference).get_absolute_url()}")

    assert response.ok  # the plan's own partnership reads it: another's would be a 404 page
    assert_no_violations(page)


def test_a_site_administrator_chooses_a_partnership_with_the_keyboard(page, site, sign_in):
    sign_in("superadmin")
    assert "Every partnership" in page.locator("header").inner_text()
    page.get_by_role("link", name="Change partnership").click()
    assert_no_violations(page)

    page.get_by_role("button", name="Continue").press("Enter")  # nothing chosen yet: the current choice stands
    page.wait_for_url(f"{site}/")
    page.goto(f"{site}/partnership/")
    page.get_by_label("Bath and North East Somerset").check()
    page.get_by_role("button", name="Continue").press("Enter")
    page.wait_for_url(f"{site}/")

    assert "Bath and North East Somerset" in page.locator("header").inner_text()
    page.goto(f"{site}/plans/")
    listed = page.locator("main").inner_text()
    assert "CS 2012/13" in listed and "NI 152" not in listed


def test_the_accessibility_statement_is_readable_without_signing_in(page, site):
    page.goto(f"{site}/accessibility/")

    assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement for Partnership Monitor"
    assert_no_violations(page)


def test_the_stylesheet_and_govuk_frontend_load_without_errors(page, site, sign_in):
    sign_in()

    body_classes = page.evaluate("document.body.className")
    font = page.locator("h1").evaluate("element => getComputedStyle(element).fontFamily")
    assert "govuk-frontend-supported" in body_classes
    assert font.lower().startswith("arial")
    assert page.errors == []


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(page, site, sign_in):
    sign_in()
    page.goto(f"{site}/plans/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main-content"


def test_a_wide_table_scrolls_with_the_keyboard_on_a_narrow_screen(page, site, sign_in):
    sign_in()
    page.set_viewport_size({"width": 480, "height": 800})
    page.goto(f"{site}{Plan.objects.get(reference='NI 152').get_absolute_url()}")
    region = page.get_by_role("region", name="Delivery Plan – Performance Monitoring of Actions")

    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")

    # The browser may scroll smoothly: wait (up to 5 s) for the region to have moved rather than read it at once.
    page.wait_for_function("element => element.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    assert region.evaluate("element => element.scrollLeft") > 0

"""Every main page reflows at 320 CSS pixels wide (WCAG 2.2, 1.4.10 Reflow): the page itself never scrolls
sideways, and a data table too wide for the screen scrolls inside its own focusable region, named by the table's
caption or a label, so that keyboard users can scroll it and screen readers announce it. Uses the shared fixtures
of tests/browser/conftest.py with the demo plans, history and logins."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from indicators.models import Indicator
from monitoring.models import ReportingRound, Return
from plans.models import DeliveryAction, Plan

pytestmark = pytest.mark.browser

# 320 CSS pixels is 1280 pixels at 400% zoom, the width 1.4.10 names.
NARROW = {"width": 320, "height": 640}


def _open_return() -> Return:
    return Return.objects.get(plan__reference="NI 152", round__status=ReportingRound.Status.OPEN)


def _signed_off_return() -> Return:
    return Return.objects.filter(plan__reference="NI 152", status=Return.Status.SIGNED_OFF).order_by("pk").first()


# (who signs in, a function giving the address): the pages each role uses, as test_accessibility.py and
# test_dashboard_accessibility.py list them, and the reporting cycle's pages.
MAIN_PAGES = {
    "home": ("admin", lambda: "/"),
    "plan list": ("viewer", lambda: "/plans/"),
    "service plans": ("bath_viewer", lambda: "/plans/?kind=service"),
    "accessibility statement": ("viewer", lambda: "/accessibility/"),
    "NI 152 plan": ("viewer", lambda: Plan.objects.get(reference="NI 152").get_absolute_url()),
    "service plan": ("bath_viewer", lambda: Plan.objects.get(reference="CS 2012/13").get_absolute_url()),
    "overview": ("viewer", lambda: "/dashboards/"),
    "who has not reported": ("admin", lambda: "/dashboards/not-reported/"),
    "NI 152 dashboard": ("viewer", lambda: f"/dashboards/plans/{Plan.objects.get(reference='NI 152').pk}/"),
    "service plan dashboard": ("bath_viewer",
                               lambda: f"/dashboards/plans/{Plan.objects.get(reference='CS 2012/13').pk}/"),
    "indicator": ("viewer", lambda: Indicator.objects.get(code="NI 152").get_absolute_url()),
    "rounds": ("admin", lambda: "/rounds/"),
    "round": ("admin", lambda: f"/rounds/{_open_return().round_id}/"),
    "officer's returns": ("officer", lambda: "/my-returns/"),
    "owner's returns": ("owner", lambda: "/my-returns/"),
    "return": ("owner", lambda: f"/returns/{_open_return().pk}/"),
    "progress": ("officer", lambda: (
        f"/returns/{_open_return().pk}/actions/"
        f"{DeliveryAction.objects.get(plan__reference='NI 152', title='JCP New Deals').pk}/")),
    "values": ("expert", lambda: f"/returns/{_open_return().pk}/values/"),
    "history": ("admin", lambda: f"/returns/{_signed_off_return().pk}/history/"),
    "history, filtered": ("admin", lambda: f"/returns/{_signed_off_return().pk}/history/?kind=Sign-off"),
    "imports": ("admin", lambda: "/imports/"),
    "exports": ("admin", lambda: "/exports/"),
    "plan reports": ("admin", lambda: f"/plans/{Plan.objects.get(reference='NI 152').pk}/reports/"),
    "committee pack": ("admin", lambda: "/reports/committee-pack/"),
}

# Each table of the page: its width, and whether the scrolling region around it is focusable and has a name.
WIDE_TABLES = """() => [...document.querySelectorAll('main table')].map(table => {
    const region = table.closest('.app-table-scroll');
    return {
        caption: (table.caption && table.caption.textContent.trim()) || table.id || '(no caption)',
        width: table.getBoundingClientRect().width,
        inRegion: !!region,
        focusable: !!region && region.tabIndex === 0,
        role: region ? region.getAttribute('role') : null,
        named: !!region && !!(region.getAttribute('aria-label')
            || (region.getAttribute('aria-labelledby')
                && document.getElementById(region.getAttribute('aria-labelledby')))),
    };
})"""


# The innermost elements that stick out past the screen's right edge outside any scrolling region: what to fix.
STICKING_OUT = """width => [...document.querySelectorAll('body *')]
    .filter(element => element.getBoundingClientRect().right > width + 0.5
        && !element.parentElement.closest('.app-table-scroll')
        && ![...element.children].some(child => child.getBoundingClientRect().right > width + 0.5))
    .slice(0, 5)
    .map(element => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')} ${
        Math.round(element.getBoundingClientRect().right)} px: ${element.textContent.trim().slice(0, 40)}`)"""


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_it_reflows_at_320_pixels_with_wide_tables_in_their_own_region(page, site, sign_in, name):
    username, address = MAIN_PAGES[name]
    sign_in(username)
    page.set_viewport_size(NARROW)
    response = page.goto(f"{site}{address()}")
    assert response.ok, f"{name}: {response.status}"

    width = page.evaluate("document.documentElement.scrollWidth")
    tables = page.evaluate(WIDE_TABLES)
    assert width <= NARROW["width"], (
        f"{name} is {width} px wide at {NARROW['width']} px: {page.evaluate(STICKING_OUT, NARROW['width'])}")
    for table in tables:
        if table["width"] > NARROW["width"] or table["inRegion"]:
            assert table["inRegion"] and table["focusable"] and table["role"] == "region" and table["named"], (
                f"{name}: the table {table['caption']!r} ({table['width']:.0f} px) needs a focusable, named region")


@pytest.mark.parametrize("query", ["", "?kind=Sign-off", "?item=The+return&person=Nobody"])
def test_the_history_and_its_filters_have_no_accessibility_violations(page, site, sign_in, query):
    sign_in("admin")
    page.goto(f"{site}/returns/{_signed_off_return().pk}/history/{query}")

    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

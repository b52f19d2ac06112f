"""The dashboards pass axe-core's checks in a real browser with the demo data, and their charts read as images."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from indicators.models import Indicator
from plans.models import Plan

pytestmark = pytest.mark.browser


def assert_no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.mark.parametrize("path", [
    "/dashboards/",
    "/dashboards/?rag=red&year=2009",
    "/dashboards/?sort=-rag",
    "/dashboards/not-reported/",
])
def test_the_overview_and_who_has_not_reported_have_no_accessibility_violations(page, site, sign_in, path):
    sign_in()
    page.goto(f"{site}{path}")

    assert_no_violations(page)


@pytest.mark.parametrize(("reference", "reader"), [("NI 152", "viewer"), ("CS 2012/13", "bath_viewer")])
def test_a_plan_dashboard_has_no_accessibility_violations(page, site, sign_in, reference, reader):
    sign_in(reader)
    response = page.goto(f"{site}/dashboards/plans/{Plan.objects.get(reference=reference).pk}/")

    assert response.ok  # the plan's own partnership reads it: another's would be a 404 page
    assert_no_violations(page)


@pytest.mark.parametrize("code", ["NI 152", "NI 79"])
def test_an_indicator_page_has_no_accessibility_violations(page, site, sign_in, code):
    sign_in()
    page.goto(f"{site}{Indicator.objects.get(code=code).get_absolute_url()}")

    assert_no_violations(page)


def test_the_reminder_page_for_a_performance_officer_has_no_accessibility_violations(page, site, sign_in):
    sign_in("admin")
    page.goto(f"{site}/dashboards/not-reported/")
    page.get_by_role("button", name="Send a reminder to 2 people").click()

    assert "Reminder sent to 2 people" in page.inner_text("main")
    assert_no_violations(page)


def test_each_chart_is_an_image_named_by_its_title_and_the_page_raises_no_errors(page, site, sign_in):
    sign_in()
    page.goto(f"{site}/dashboards/plans/{Plan.objects.get(reference='NI 152').pk}/")

    charts = page.get_by_role("img")
    names = [charts.nth(index).evaluate("element => element.querySelector('title').textContent")
             for index in range(charts.count())]
    assert names[0] == "NI 152 – Working age people on out of work benefits."
    assert "NI 152 actions by flow category and RAG status" in names
    assert "NI 152 known funding by stream and year" in names
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(element => element.id)")
    assert len(ids) == len(set(ids))
    assert page.errors == []

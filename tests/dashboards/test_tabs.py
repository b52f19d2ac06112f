"""The dashboards' tabs: a navigation landmark of links styled as tabs, the page shown marked current, and the
overview page naming itself once."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboard_overview")
NOT_REPORTED = reverse("dashboard_not_reported")


@pytest.fixture
def reader(client):
    client.force_login(get_user_model().objects.create_user("reader", password="a long password"))
    return client


def tabs(page: str) -> list[tuple[str, str, bool]]:
    """Return each tab of the dashboards' navigation: its address, its words, and whether it is the page shown."""
    nav = re.search(r'<nav class="app-tabs" aria-label="Dashboards">(.*?)</nav>', page, re.S)
    assert nav, "no dashboards navigation"
    links = re.findall(r'<li class="app-tabs__item[^"]*">\s*<a class="app-tabs__link" href="([^"]+)"([^>]*)>([^<]+)</a>',
                       nav.group(1))
    return [(href, words.strip(), 'aria-current="page"' in attributes) for href, attributes, words in links]


def body_text(page: str) -> str:
    body = page[page.index("<body"):]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_overview_page_marks_its_own_tab_current(reader):
    page = reader.get(OVERVIEW).content.decode()

    assert tabs(page) == [(OVERVIEW, "Overview", True), (NOT_REPORTED, "Who has not reported", False)]


def test_the_not_reported_page_marks_its_own_tab_current(reader):
    page = reader.get(NOT_REPORTED).content.decode()

    assert tabs(page) == [(OVERVIEW, "Overview", False), (NOT_REPORTED, "Who has not reported", True)]


def test_overview_of_plans_appears_once_as_the_pages_heading(reader):
    page = reader.get(OVERVIEW).content.decode()

    assert body_text(page).count("Overview of plans") == 1
    assert '<h1 class="govuk-heading-l">Overview of plans</h1>' in page


def test_the_tabs_are_styled_as_tabs():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "build" / "app.css").read_text()
    for selector in (".app-tabs__list", ".app-tabs__link", '.app-tabs__link[aria-current=page]'):
        assert selector in css, selector

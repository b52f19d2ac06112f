"""Drive Debian's Chromium through Playwright against pytest-django's live server, signed in as a demo user.

The live server serves static files through django.contrib.staticfiles' handler (pytest-django does this when
staticfiles is installed), so the stylesheet must have been built first: `make static`.
"""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "demo"


@pytest.fixture(scope="module", autouse=True)
def _allow_database_calls_beside_playwright():
    """Let Django use the database while Playwright's event loop runs in the same thread.

    Playwright's sync API keeps an event loop running in the test's thread, and Django refuses database calls
    from such a thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set. It is safe here: the loop only talks to the
    browser. Set for the browser test modules only, never for the whole run: `check --deploy` (run by other
    tests in a subprocess) rightly fails on it. Module-scoped so that it outlasts the database flush that ends
    each test.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


# Module-scoped, so that Playwright's event loop is gone before the tests of other modules run.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}: run `make browser-deps` to test in a browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def built_static():
    css = Path(settings.BASE_DIR) / "static" / "build" / "app.css"
    js = Path(settings.BASE_DIR) / "static" / "build" / "govuk-frontend.min.js"
    missing = [str(path) for path in (css, js) if not path.exists()]
    assert not missing, f"Build the front end first (`make static`): missing {', '.join(missing)}"


@pytest.fixture
def page(browser, built_static):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def site(transactional_db, live_server):
    """Return the live server's address, with the demo plans and logins loaded.

    Loaded as on 10 July 2009, so that the open round (due three weeks later) is overdue today, with people to
    remind, whatever the date the tests run.
    """
    call_command("load_demo", "--demo-logins", today=date(2009, 7, 10), stdout=StringIO())
    return live_server.url


@pytest.fixture
def sign_in(page, site):
    """Return a function that signs a demo user in through the real sign-in form."""

    def sign_in(username: str = "viewer") -> None:
        page.goto(f"{site}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site}/")

    return sign_in

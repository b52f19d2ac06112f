"""Each role's home page passes axe-core's checks in a real browser, with the demo plans, history and logins."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["admin", "officer", "expert", "owner", "viewer", "director"])
def test_each_roles_home_page_has_no_accessibility_violations(page, site, sign_in, username):
    sign_in(username)  # lands on the home page

    results = Axe().run(page)
    assert results.violations_count == 0, f"{username}\n{results.generate_report()}"
    assert page.locator("h2").count() >= 1

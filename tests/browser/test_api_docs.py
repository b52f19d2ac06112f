"""The API's documentation page (/api/docs/, Swagger UI) works in a real browser within the site's Content Security
Policy, from this site's own files: it draws every operation, with no violation and no request elsewhere."""

from __future__ import annotations

import pytest

from tests.browser.test_csp import violations, watched  # noqa: F401  (the fixture that listens for violations)

pytestmark = pytest.mark.browser


def test_the_api_docs_draw_within_the_content_security_policy(watched, sign_in, site):  # noqa: F811
    elsewhere = []
    watched.on("request", lambda request: elsewhere.append(request.url)
               if not request.url.startswith(site) and not request.url.startswith("data:") else None)
    sign_in("expert")
    watched.goto(f"{site}/api/docs/")
    watched.wait_for_selector("text=/api/v1/indicator-values/", timeout=15_000)
    assert watched.locator(".opblock").count() == 19  # 16 reads, and the value read, write and batch
    assert violations(watched) == []
    assert watched.errors == []
    assert elsewhere == []

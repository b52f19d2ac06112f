"""The API's documentation page (/api/docs/, Swagger UI) works in a real browser within the site's Content Security
Policy, from this site's own files: it draws every operation, with no violation and no request elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.browser.test_csp import violations, watched  # noqa: F401  (the fixture that listens for violations)

pytestmark = pytest.mark.browser

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def operations_in_the_schema() -> int:
    """Return how many operations the committed schema (kept equal to the live one by tests/api/test_schema.py)
    describes."""
    paths = yaml.safe_load(SCHEMA.read_text())["paths"]
    return sum(1 for operations in paths.values() for method in operations if method in HTTP_METHODS)


def test_the_api_docs_draw_within_the_content_security_policy(watched, sign_in, site):  # noqa: F811
    elsewhere = []
    watched.on("request", lambda request: elsewhere.append(request.url)
               if not request.url.startswith(site) and not request.url.startswith("data:") else None)
    sign_in("expert")
    watched.goto(f"{site}/api/docs/")
    watched.wait_for_selector("text=/api/v1/indicator-values/", timeout=15_000)
    assert operations_in_the_schema() == 27  # 19 reads, and the writes of values, progress and the workflow
    assert watched.locator(".opblock").count() == operations_in_the_schema()
    assert violations(watched) == []
    assert watched.errors == []
    assert elsewhere == []

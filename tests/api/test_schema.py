"""The OpenAPI schema: generated without warnings, identical to the committed docs/openapi.yaml, served at
/api/schema/ to a caller, and its Swagger UI page at /api/docs/ built from this site's own files within the
Content Security Policy."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def test_the_committed_schema_is_the_generated_one():
    generated = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=generated)
    assert generated.getvalue() == COMMITTED.read_text(), (
        "docs/openapi.yaml is not the API's schema: run `make openapi` and commit the result")


def test_the_schema_is_openapi_3_1_and_names_every_resource():
    text = COMMITTED.read_text()
    assert text.startswith("openapi: 3.1.0\n")
    paths = re.findall(r"^  (/api/v1/\S+):$", text, re.MULTILINE)
    resources = ["forecasts", "funding-lines", "indicator-values", "indicators", "partnerships", "plans", "returns", "risks",
                 "rounds"]
    expected = [path for name in resources for path in (f"/api/v1/{name}/", f"/api/v1/{name}/{{id}}/")]
    at = expected.index("/api/v1/indicators/{id}/") + 1
    expected[at:at] = ["/api/v1/indicators/{id}/forecast/"]
    at = expected.index("/api/v1/returns/{id}/") + 1
    expected[at:at] = ["/api/v1/returns/{id}/progress/{action_id}/", "/api/v1/returns/{id}/reopen/",
                       "/api/v1/returns/{id}/send-back/", "/api/v1/returns/{id}/sign-off/",
                       "/api/v1/returns/{id}/values/", "/api/v1/returns/{id}/values/{indicator_id}/"]
    assert paths == expected


def test_the_schema_is_served_to_a_caller_with_a_token(cycle, as_role, client):
    response = as_role("viewer").get("/api/schema/")
    assert response.status_code == 200
    assert response.content.decode() == COMMITTED.read_text()
    assert client.get("/api/schema/").status_code == 401


def test_the_docs_page_uses_local_files_within_the_content_security_policy(cycle, client):
    client.force_login(cycle["viewer"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<style" not in body and not re.search(r"<script>|style=", body)  # nothing inline for the policy to refuse
    sources = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert any("swagger-ui-bundle.js" in source for source in sources)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_the_docs_page_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

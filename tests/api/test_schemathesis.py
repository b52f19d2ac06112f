"""Property-based tests of the whole API against its live schema (schemathesis), on the demo data, as a data
expert and as a viewer: no answer is a server error, every answer conforms to the schema, and no write of a
viewer's succeeds. A bounded number of examples per operation keeps the run well under two minutes."""

from __future__ import annotations

from io import StringIO

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as st_checks

from indicators.models import IndicatorValue
from tests.api.conftest import key_for

pytestmark = pytest.mark.django_db

# Django's own WSGI handler, not monitoring.wsgi: importing that closes the process's default partnership scope
# (plans.partnerships.close_by_default), as a web server's should be, which would change every test after this one.
application = get_wsgi_application()

EXAMPLES = 12  # a case per operation and role: 18 operations x 2 roles x 12 in about a minute
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance, st_checks.response_headers_conformance]


@pytest.fixture(autouse=True)
def connection_kept_open():
    """Keep the test's database connection across the WSGI requests, as Django's own test client does: the
    handler's request signals would otherwise close it (PostgreSQL), losing the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def demo(db):
    call_command("load_demo", "--demo-logins", stdout=StringIO())
    users = get_user_model().objects
    return {role: key_for(users.get(username=role)) for role in ("expert", "viewer")}


def run(schema, headers: dict, *, on_response=None) -> int:
    """Draw EXAMPLES cases for every operation, call each and check its answer; return the number of calls."""
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal calls
            calls += 1
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            if on_response is not None:
                on_response(case, response)

        check()
    return calls


def test_the_api_holds_its_schema_for_a_data_expert(demo):
    headers = {"Authorization": f"Bearer {demo['expert']}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)
    assert run(schema, headers) > 100


def test_no_write_of_a_viewers_succeeds(demo):
    headers = {"Authorization": f"Bearer {demo['viewer']}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)
    before = list(IndicatorValue.objects.order_by("pk").values_list("pk", "version"))

    def refused(case, response):
        if case.method.upper() not in ("GET", "HEAD", "OPTIONS"):
            assert response.status_code >= 400, (case.method, case.formatted_path, response.status_code)

    assert run(schema, headers, on_response=refused) > 100
    assert list(IndicatorValue.objects.order_by("pk").values_list("pk", "version")) == before

"""Every address of the API answers a request without credentials with 401 problem details and a Bearer
challenge, whatever the method: never the site's sign-in page, which a script cannot follow."""

from __future__ import annotations

import pytest

from tests.pages.test_pages import answers_for_itself, project_urls

pytestmark = pytest.mark.django_db

API_URLS = [pair for pair in project_urls() if answers_for_itself(pair[0])]


def test_the_api_has_the_addresses_this_file_expects():
    assert len(API_URLS) == 20 + 4 + 3  # + the workflow's progress, sign-off, send-back and reopen (api/workflow.py)
    # + the forecasts: stored ones (list, one) and an indicator's now


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize(("name", "url"), API_URLS)
def test_an_anonymous_request_answers_401_problem_details(client, name, url, method):
    response = getattr(client, method)(url, {}, content_type="application/json")
    assert response.status_code == 401, name
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("address", ["/api/v1/", "/api/v1/plans/-1/", "/api/v1/nothing/", "/api/v1/plans/1.json"])
def test_an_address_of_no_resource_answers_404_problem_details(cycle, as_role, address):
    for method in ("get", "post"):
        response = getattr(as_role("expert"), method)(address, {}, content_type="application/json")
        assert response.status_code == 404, (method, address)
        assert response["Content-Type"] == "application/problem+json"

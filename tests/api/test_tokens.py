"""Personal API tokens: made on one's own page (key shown once, stored hashed), listed, revoked; refused when
expired, revoked or unknown, with a message saying which."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.api import authentication, tokens
from monitoring.api.tokens import ApiToken, hash_key, token_create
from tests.api.conftest import TokenClient, key_for
from tests.cycle_builders import make_user

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"


def test_it_makes_a_token_and_shows_its_key_once(client, cycle):
    client.force_login(cycle["expert"])
    response = client.post(reverse("api_tokens"), {"name": "Warehouse", "lifetime": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=cycle["expert"])
    key = response.context["new_key"]
    assert key.startswith("pm_") and len(key) == 46
    assert token.key_hash == hash_key(key) and token.prefix == key[:10]
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())  # stored hashed only
    assert token.expires.date() == timezone.localdate() + timedelta(days=90)
    listing = client.get(reverse("api_tokens")).content.decode()
    assert "Warehouse" in listing and token.prefix in listing and key not in listing


def test_it_refuses_a_token_without_a_name_with_an_error_summary(client, cycle):
    client.force_login(cycle["expert"])
    response = client.post(reverse("api_tokens"), {"name": " ", "lifetime": "90"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and tokens.NAME_REQUIRED in body
    assert not ApiToken.objects.exists()


def test_it_refuses_an_expiry_of_more_than_a_year(cycle):
    today = timezone.localdate()
    with pytest.raises(Exception, match=tokens.EXPIRY_TOO_LATE):
        token_create(user=cycle["expert"], name="Long", expires_on=today + timedelta(days=367), today=today)
    with pytest.raises(Exception, match=tokens.EXPIRY_PAST):
        token_create(user=cycle["expert"], name="Past", expires_on=today, today=today)


def test_the_token_page_needs_a_login(client):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_revokes_a_token_and_the_api_then_refuses_it(client, cycle):
    key = key_for(cycle["expert"])
    token = ApiToken.objects.get()
    assert TokenClient(key).get(PLANS).status_code == 200
    client.force_login(cycle["expert"])
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 302
    response = TokenClient(key).get(PLANS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == authentication.REVOKED


def test_nobody_revokes_anothers_token(client, cycle):
    key_for(cycle["expert"])
    token = ApiToken.objects.get()
    client.force_login(cycle["viewer"])
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("api_token_revoke", args=[token.pk])).status_code == 405
    assert ApiToken.objects.get().revoked_at is None


def test_revoking_needs_csrf(cycle):
    from django.test import Client

    key_for(cycle["expert"])
    token = ApiToken.objects.get()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cycle["expert"])
    assert strict.post(reverse("api_token_revoke", args=[token.pk])).status_code == 403
    assert ApiToken.objects.get().revoked_at is None


def test_an_expired_token_is_refused_saying_when_it_expired(cycle):
    key = key_for(cycle["expert"])
    ApiToken.objects.update(expires=timezone.make_aware(timezone.datetime(2026, 3, 1, 12)))
    response = TokenClient(key).get(PLANS)
    assert response.status_code == 401
    assert response.json() == {
        "type": "https://partnership-monitor.example/problems/authentication_failed",
        "title": "Sign in or send an API token", "status": 401,
        "detail": "The API token expired on 1 March 2026. Create a new one on your API tokens page.",
    }


def test_an_unknown_token_is_refused(db):
    response = TokenClient("pm_made-up").get(PLANS)
    assert response.status_code == 401
    assert response.json()["detail"] == authentication.UNKNOWN
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_no_credentials_answer_401_problem_details_not_the_sign_in_page(client, db):
    response = client.get(PLANS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_a_switched_off_account_cannot_use_its_token(cycle):
    key = key_for(cycle["expert"])
    cycle["expert"].is_active = False
    cycle["expert"].save()
    assert TokenClient(key).get(PLANS).json()["detail"] == authentication.INACTIVE


def test_last_use_is_recorded_at_most_once_a_minute(cycle):
    key = key_for(cycle["expert"])
    TokenClient(key).get(PLANS)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    TokenClient(key).get(PLANS)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    TokenClient(key).get(PLANS)
    assert ApiToken.objects.get().last_used_at > first


def test_a_token_needs_no_csrf_but_a_session_does(cycle):
    from django.test import Client

    key = key_for(cycle["expert"])
    assert TokenClient(key, enforce_csrf_checks=True).post(PLANS, {}, content_type="application/json").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cycle["expert"])
    response = strict.post(PLANS, {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_user_with_no_role_anywhere_is_refused(db):
    user = make_user("nobody", "No Body")
    from plans.models import Membership
    Membership.objects.filter(user=user).delete()
    response = TokenClient(key_for(user)).get(PLANS)
    assert response.status_code == 403

"""Requests are counted per token: past the rate, a token is answered 429 with Retry-After, and another token of
the same person is counted on its own."""

from __future__ import annotations

import pytest

from monitoring.api.throttling import PerTokenThrottle
from tests.api.conftest import TokenClient, key_for

pytestmark = pytest.mark.django_db


def test_a_token_past_its_rate_is_answered_429_and_another_token_is_not(cycle, monkeypatch):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": "2/minute"})
    first, second = TokenClient(key_for(cycle["expert"], "One")), TokenClient(key_for(cycle["expert"], "Two"))
    assert [first.get("/api/v1/plans/").status_code for _ in range(3)] == [200, 200, 429]
    refused = first.get("/api/v1/plans/")
    assert refused["Content-Type"] == "application/problem+json" and int(refused["Retry-After"]) > 0
    assert refused.json()["title"] == "Too many requests"
    assert second.get("/api/v1/plans/").status_code == 200

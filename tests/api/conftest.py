"""Fixtures of the API's tests: the cycle's people and plan, and a client that sends a person's token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from monitoring.api.tokens import token_create
from tests.cycle_builders import make_cycle


def key_for(user, name: str = "Warehouse") -> str:
    """Return a new token's key for the user, valid for 90 days."""
    return token_create(user=user, name=name, expires_on=timezone.localdate() + timedelta(days=90))[1]


class TokenClient(Client):
    """A test client that sends `Authorization: Bearer <key>` with every request, and no session."""

    def __init__(self, key: str, **kwargs):
        super().__init__(headers={"Authorization": f"Bearer {key}"}, **kwargs)


@pytest.fixture
def cycle(db):
    return make_cycle()


@pytest.fixture
def as_role(cycle):
    """Return a token client for one of the cycle's roles (expert, viewer, performance_officer, ...)."""
    return lambda role: TokenClient(key_for(cycle[role]))

"""Personal API tokens: a login's keys for the API, shown once when made and stored only as a hash.

A key is `pm_` followed by a random secret (secrets.token_urlsafe). The database keeps the key's SHA-256 and its
first characters (the prefix), so that a person can tell their tokens apart on their page while a copy of the
database gives nobody a working key. Every token expires (at most a year after it is made) and can be revoked;
an expired or revoked token is refused with a message saying which.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

KEY_PREFIX = "pm_"
VISIBLE_CHARACTERS = 10  # "pm_" and seven characters of the secret: enough to tell keys apart, useless to guess
MAX_LIFETIME = timedelta(days=365)
DEFAULT_LIFETIME_DAYS = 90
MAX_TOKENS_PER_USER = 20  # live tokens; a person who needs more should revoke the ones they no longer use
# Writing last_used_at on every request would make every read a write; once a minute says enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)

NAME_REQUIRED = "Enter a name for the token, such as the system that will use it"
EXPIRY_REQUIRED = "Enter the date the token expires"
EXPIRY_PAST = "The expiry date must be in the future"
EXPIRY_TOO_LATE = "The expiry date must be within a year of today"
TOO_MANY = f"You already have {MAX_TOKENS_PER_USER} tokens. Revoke one you no longer use first"


def hash_key(key: str) -> str:
    """Return the SHA-256 of a key, as stored."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal key to the API: acts as its user, within the partnerships the user holds roles in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for: the system or script that uses it.")
    prefix = models.CharField(max_length=VISIBLE_CHARACTERS, help_text="The key's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key; the key itself is not kept.")
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires

    def is_live(self, now=None) -> bool:
        return not self.is_revoked and not self.is_expired(now)

    def record_use(self, now=None) -> None:
        """Note that the token was used, at most once a LAST_USED_RESOLUTION."""
        now = now or timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


def token_create(*, user, name: str, expires_on, today=None) -> tuple[ApiToken, str]:
    """Make a token for the user and return it with its key, which is never shown again.

    `expires_on` is a date: the token works until the start of that day. Raise ValidationError (by field) for a
    missing name, an expiry in the past or more than a year away, or a person who has too many live tokens.
    """
    today = today or timezone.localdate()
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = NAME_REQUIRED
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = "The name must be 100 characters or fewer"
    if expires_on is None:
        errors["expires"] = EXPIRY_REQUIRED
    elif expires_on <= today:
        errors["expires"] = EXPIRY_PAST
    elif expires_on - today > MAX_LIFETIME:
        errors["expires"] = EXPIRY_TOO_LATE
    if not errors and live_tokens(user).count() >= MAX_TOKENS_PER_USER:
        errors["name"] = TOO_MANY
    if errors:
        raise ValidationError(errors)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.make_aware(timezone.datetime.combine(expires_on, timezone.datetime.min.time()))
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:VISIBLE_CHARACTERS], key_hash=hash_key(key),
                                    expires=expires)
    return token, key


def token_revoke(*, user, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (another's is not found: ApiToken.DoesNotExist)."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def live_tokens(user):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires__gt=timezone.now())

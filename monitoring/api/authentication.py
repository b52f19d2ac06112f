"""Who an API request comes from: a personal token (`Authorization: Bearer <key>`) or the browser's session.

A token that is unknown, expired or revoked is refused with a message saying which (401), so that the person
running a script knows whether to make a new one. An account that has been switched off is refused as well.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from monitoring.api.tokens import ApiToken, hash_key

UNKNOWN = "The API token is not recognised. Check it was copied in full, or create a new one."
EXPIRED = "The API token expired on {date}. Create a new one on your API tokens page."
REVOKED = "The API token has been revoked. Create a new one on your API tokens page."
INACTIVE = "The account this API token belongs to has been switched off."
MALFORMED = "Send the API token as 'Authorization: Bearer <token>'."


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Bearer <key>` against the stored hashes of personal tokens."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may still authenticate the request
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(MALFORMED)
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(MALFORMED) from None
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(UNKNOWN)
        now = timezone.now()
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(REVOKED)
        if token.is_expired(now):
            expired = timezone.localtime(token.expires).strftime("%-d %B %Y")
            raise exceptions.AuthenticationFailed(EXPIRED.format(date=expired))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        token.record_use(now)
        return token.user, token

    def authenticate_header(self, request):
        # Makes an unauthenticated request answer 401 (with this challenge) rather than 403.
        return f'{self.keyword} realm="api"'

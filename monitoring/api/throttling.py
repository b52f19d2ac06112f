"""How many requests a caller may make: counted per token (a script), or per login for a browser session."""

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from monitoring.api.tokens import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def __init__(self):
        # Shared by every worker (monitoring.settings CACHES): a per-process count would multiply the limit.
        self.cache = caches["throttle"]
        super().__init__()

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
